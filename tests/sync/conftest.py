"""Fixtures of the sync tests: one real server per session."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TypeVar

import pytest

from tests.server_process import ServerProcess, running_server
from tests.sync.live import USERS

T = TypeVar("T")


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """One real ``cur-server`` for the sync tests that do not stop it (users of two regions)."""
    with running_server(tmp_path_factory.mktemp("server"), users=USERS) as srv:
        yield srv
