"""Shared test configuration: Qt runs offscreen, and no test touches the OS keyring."""

from __future__ import annotations

import os
from collections.abc import Iterator

import keyring
import pytest
from keyring.backends import fail

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


_LAST = "test_session_logs.py"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the session-wide log check last, after every test that started a server."""
    items.sort(key=lambda item: item.path.name == _LAST)
