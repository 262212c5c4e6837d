"""Shared test configuration: Qt offscreen, no OS keyring, one real server for the session."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator

import keyring
import pytest
from keyring.backends import fail

from tests.helpers.live import USERS
from tests.helpers.server_process import ServerProcess, running_server

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

_LAST = "test_session_logs.py"
SLOW_FIXTURES = frozenset({"server"})
"""Fixtures that start a real server process: their tests are ``slow``."""
SLOW_PATHS = ("tests/sync/", "tests/server/test_process.py")
"""Test files whose every test runs real server or client processes."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark ``slow`` every test that needs a real server process or PostgreSQL.

    The fast lane (``pytest -m "not slow"``) is then the in-process tests: domain, store,
    services on a real SQLite file, the server API over its in-process client. CI runs all.
    """
    items.sort(key=lambda item: item.path.name == _LAST)  # the session-wide log check runs last
    slow = pytest.mark.slow
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        path = item.nodeid.split("::", 1)[0]
        if (
            item.get_closest_marker("postgres") is not None
            or fixtures & SLOW_FIXTURES
            or path.startswith(SLOW_PATHS)
        ):
            item.add_marker(slow)


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


class _ErrorRecords(logging.Handler):
    """Collects ERROR (and CRITICAL) records emitted anywhere in the process during a test."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(autouse=True)
def _fail_on_unexpected_error_log(request: pytest.FixtureRequest) -> Iterator[None]:
    """A test fails when anything logs at ERROR during it (qutebrowser's ``logfail``).

    An error the code logs is a bug until a test says it is expected: mark such a test
    ``@pytest.mark.allow_error_log`` (and assert on the record with ``caplog``).
    """
    handler = _ErrorRecords()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield
    finally:
        root.removeHandler(handler)
    if handler.records and request.node.get_closest_marker("allow_error_log") is None:
        lines = "\n".join(
            f"  {r.levelname} {r.name}: {r.getMessage()}" for r in handler.records[:10]
        )
        pytest.fail(f"unexpected ERROR log records (mark allow_error_log if expected):\n{lines}")
