"""Database engine of the central server: URL defaults, SQLite pragmas, sessions, seq counter.

SQLite: WAL, ``synchronous=NORMAL`` (see docs/SERVER.md for the durability trade-off), foreign
keys, a busy timeout, and explicit transactions
(``BEGIN IMMEDIATE`` for writers, ``BEGIN`` for snapshot readers) so that a pull reads one
snapshot and writers queue instead of failing on a lock upgrade.
PostgreSQL (``postgresql+psycopg://``): writers run at READ COMMITTED, pulls at REPEATABLE READ
(one snapshot).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import platformdirs
from sqlalchemy import Engine, Table, bindparam, create_engine, event, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry

from cur_desktop.server.tables import Meta, SeqCounter

log = logging.getLogger(__name__)

_READONLY = "cur_readonly"
# Built once: every write transaction runs them, and building a statement costs more than this.
# Plain Core statements on the table: an ORM-enabled UPDATE costs several times more per call.
_COUNTER = cast(Table, SeqCounter.__table__)
_ALLOCATE = (
    update(_COUNTER)
    .where(_COUNTER.c.id == 1)
    .values(value=_COUNTER.c.value + bindparam("n"))
    .returning(_COUNTER.c.value)
)
_SET_COUNTER = update(_COUNTER).where(_COUNTER.c.id == 1).values(value=bindparam("v"))
_LOCK = select(_COUNTER.c.value).where(_COUNTER.c.id == 1).with_for_update()


def default_db_url() -> str:
    """A SQLite file in the user data directory (created on demand)."""
    folder = Path(platformdirs.user_data_dir("cur-server", appauthor=False))
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'server.sqlite3'}"


def make_engine(url: str) -> Engine:
    """Create the engine for ``url`` with the settings this server relies on."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        _configure_sqlite(engine)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        for pragma in (
            "PRAGMA journal_mode=WAL",
            "PRAGMA synchronous=NORMAL",  # WAL: commits survive a crash of the process;
            # the last ones may be lost on power loss (see docs/SERVER.md: PostgreSQL in production)
            "PRAGMA foreign_keys=ON",
            "PRAGMA busy_timeout=30000",
        ):
            cursor.execute(pragma)
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        readonly = conn.get_execution_options().get(_READONLY, False)
        conn.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")


class Database:
    """The engine plus the two kinds of sessions the server uses."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._writer = sessionmaker(self.engine, expire_on_commit=False)
        if self.engine.dialect.name == "sqlite":
            reader_bind = self.engine.execution_options(**{_READONLY: True})
        else:
            reader_bind = self.engine.execution_options(isolation_level="REPEATABLE READ")
        self._reader = sessionmaker(reader_bind, expire_on_commit=False)

    @property
    def is_postgres(self) -> bool:
        """Whether the database is PostgreSQL."""
        return self.engine.dialect.name == "postgresql"

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A write transaction: committed on success, rolled back on any exception."""
        with self._writer() as session, session.begin():
            yield session

    @contextmanager
    def snapshot(self) -> Iterator[Session]:
        """A read transaction that sees one consistent snapshot."""
        with self._reader() as session, session.begin():
            yield session

    def dispose(self) -> None:
        """Close the pool."""
        self.engine.dispose()


_SEQ_BLOCK = "cur_seq_block"


@dataclass
class SeqBlock:
    """Change numbers handed out from memory inside one transaction (:func:`seq_block`)."""

    next: int
    """The number the next :func:`allocate_seq` returns."""


@contextmanager
def seq_block(session: Session) -> Iterator[SeqBlock]:
    """Within the block, :func:`allocate_seq` counts in memory; the counter is written once.

    The caller must hold the counter's lock (:func:`lock_counter`) for the whole transaction,
    so nobody else allocates in between. Setting ``block.next`` back (after rolling back a
    savepoint that allocated) keeps the numbers dense. The counter row is updated when the
    block ends without an exception; on an exception the transaction is rolled back anyway.
    """
    value = current_seq(session)
    block = SeqBlock(next=value + 1)
    session.info[_SEQ_BLOCK] = block
    try:
        yield block
    finally:
        del session.info[_SEQ_BLOCK]
    if block.next > value + 1:
        session.execute(_SET_COUNTER, {"v": block.next - 1})


def allocate_seq(session: Session, count: int = 1) -> int:
    """Take ``count`` change numbers from the counter inside the caller's transaction.

    Returns the first of them (they are ``first .. first + count - 1``). The counter row stays
    locked until the transaction ends (row lock on PostgreSQL, the write lock on SQLite), so
    commit order is seq order and a reader never sees seq N+1 committed before seq N.
    """
    if count < 1:
        raise ValueError("count must be positive")
    block: SeqBlock | None = session.info.get(_SEQ_BLOCK)
    if block is not None:
        first = block.next
        block.next += count
        return first
    new_value = session.execute(_ALLOCATE, {"n": count}).scalar_one()
    return int(new_value) - count + 1


def current_seq(session: Session) -> int:
    """The last allocated (and, in a snapshot, committed) change number."""
    return int(session.execute(select(SeqCounter.value).where(SeqCounter.id == 1)).scalar_one())


def compaction_horizon(session: Session) -> int:
    """Cursors below this number get a full re-snapshot."""
    return int(session.execute(select(Meta.compaction_horizon).where(Meta.id == 1)).scalar_one())


def compact(session: Session) -> int:
    """Move the compaction horizon to the current seq; returns the new horizon."""
    horizon = current_seq(session)
    session.execute(update(Meta).where(Meta.id == 1).values(compaction_horizon=horizon))
    log.info("compaction horizon moved to %d", horizon)
    return horizon


def lock_counter(session: Session) -> None:
    """Take the counter's row lock now (before reads whose result the writes depend on)."""
    session.execute(_LOCK)
