"""Shared test configuration: Qt offscreen, no OS keyring, one real server for the session."""

from __future__ import annotations

import os
from collections.abc import Iterator

import keyring
import pytest
from keyring.backends import fail

from tests.server_process import ServerProcess, running_server
from tests.sync.live import USERS

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def _no_os_keyring() -> Iterator[None]:
    """Tokens go to the profile's private file unless a test installs its own backend.

    Reset after every test too, so that an in-memory backend one test installs can never make a
    later test save a token where a child process cannot read it.
    """
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(fail.Keyring())


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """One real ``cur-server`` for the tests that do not stop it (users of two regions).

    Started on first use only, so test runs that need no server start none.
    """
    with running_server(tmp_path_factory.mktemp("server"), users=USERS) as srv:
        yield srv


_LAST = "test_session_logs.py"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the session-wide log check last, after every test that started a server."""
    items.sort(key=lambda item: item.path.name == _LAST)
