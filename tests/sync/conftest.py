"""Fixtures of the sync tests: one real server per session, a migrated client store per test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest
from sqlalchemy import Connection, Engine

from cur_desktop.storage import localstate as ls
from cur_desktop.storage.database import DbWriter, open_engine
from tests.server_process import ServerProcess, running_server
from tests.sync.live import USERS

T = TypeVar("T")


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """One real ``cur-server`` for the sync tests that do not stop it (users of two regions)."""
    with running_server(tmp_path_factory.mktemp("server"), users=USERS) as srv:
        yield srv


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Engine]:
    """A migrated client store bound to operator ``ivanova`` of RU-TUL (no server)."""
    engine = open_engine(tmp_path / "client.sqlite3")
    with engine.begin() as conn:
        ls.set_state(conn, ls.KEY_LOGIN, "ivanova")
        ls.set_state(conn, ls.KEY_REGION, "RU-TUL")
    yield engine
    engine.dispose()


@pytest.fixture
def tx(store: Engine) -> Callable[[Callable[[Connection], T]], T]:
    """Run a function in one write transaction through the real single writer."""

    def run(fn: Callable[[Connection], T]) -> T:
        with DbWriter(store) as writer:
            return writer.submit(fn).result()

    return run
