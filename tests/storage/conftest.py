"""Fixtures of the storage tests: a real migrated SQLite file per test (bound to a user or not)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest
from sqlalchemy import Connection, Engine

from cur_desktop.storage import sync_state
from cur_desktop.storage.database import DbWriter, open_engine

T = TypeVar("T")


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "store.sqlite3"


@pytest.fixture
def engine(db_path: Path) -> Iterator[Engine]:
    eng = open_engine(db_path)
    yield eng
    eng.dispose()


@pytest.fixture
def bound_store(tmp_path: Path) -> Iterator[Engine]:
    """A migrated client store bound to operator ``ivanova`` of RU-TUL (no server)."""
    engine = open_engine(tmp_path / "client.sqlite3")
    with engine.begin() as conn:
        sync_state.set_state(conn, sync_state.KEY_LOGIN, "ivanova")
        sync_state.set_state(conn, sync_state.KEY_REGION, "RU-TUL")
    yield engine
    engine.dispose()


@pytest.fixture
def tx(bound_store: Engine) -> Callable[[Callable[[Connection], T]], T]:
    """Run a function in one write transaction through the real single writer."""

    def run(fn: Callable[[Connection], T]) -> T:
        with DbWriter(bound_store) as writer:
            return writer.submit(fn).result()

    return run
