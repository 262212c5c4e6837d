"""Opening the store and writing to it: engine with pragmas, migrations, the single writer.

``open_engine(path)`` creates the SQLite file if needed, applies the pragmas on every new
connection (WAL, ``synchronous=NORMAL``, foreign keys, busy timeout) and migrates to head.
``synchronous=NORMAL`` in WAL mode: a commit survives a crash of the program (the WAL is
written before ``COMMIT`` returns) and never corrupts the file; only a power loss or an OS crash
may take back the last commits before the next checkpoint. ``FULL`` fsyncs on every commit, which
costs 5-13 ms on the shared machine and made one recorded change miss its 1 ms target by itself
(docs/STORAGE.md, "Durability").

Transactions are explicit: the driver's own implicit transaction handling is switched off and
SQLAlchemy's "begin" emits ``BEGIN`` (or ``BEGIN IMMEDIATE`` on connections with the execution
option ``sqlite_begin_immediate=True``, as the writer uses), so reads inside one
``with engine.connect()`` block see one snapshot and writes take the lock up front.

``DbWriter`` is the single writer: one worker thread, one connection, one transaction per job.
``DbReaders`` is a small pool of reader threads, each with its own connection, for reads that
must not wait behind the writer (WAL lets them run beside it).
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event

from cur_desktop.contract.mutations import MutationRejected
from cur_desktop.storage.migrations import upgrade_to_head
from cur_desktop.storage.thread_priority import lower_this_thread

log = logging.getLogger(__name__)

T = TypeVar("T")

BUSY_TIMEOUT_MS = 5000
# mmap_size=0: reads go through SQLite's own page cache (32 MiB a connection) instead of
# memory-mapping the file. With 256 MiB mapped per connection the window's resident memory
# over a 1,000,000-incident store reached 740 MB after a search and a scroll (520 MB of it
# mapped file pages, counted once per reader connection); without it 287 MB, and start,
# view switch and search took the same time (bench/ui_bench.py, same machine, load ~1).
PRAGMAS: tuple[str, ...] = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",  # WAL: durable across a crash of the program; see above
    "PRAGMA foreign_keys=ON",
    f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}",
    "PRAGMA cache_size=-32768",  # 32 MiB page cache per connection
    "PRAGMA temp_store=MEMORY",
    "PRAGMA mmap_size=0",  # no memory-mapped reads (see above)
)
BEGIN_IMMEDIATE = "sqlite_begin_immediate"
EXPECTED_ERRORS: tuple[type[BaseException], ...] = (MutationRejected,)
"""Refusals a write job may raise on purpose: logged at DEBUG without a traceback."""


def _on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
    # Hand transaction control to SQLAlchemy: the driver must not BEGIN on its own.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    try:
        for pragma in PRAGMAS:
            cur.execute(pragma)
    finally:
        cur.close()


def _on_begin(conn: Connection) -> None:
    immediate = bool(conn.get_execution_options().get(BEGIN_IMMEDIATE, False))
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def create_store_engine(path: Path) -> Engine:
    """Create the engine for ``path`` with pragmas and explicit transactions, without migrating."""
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        f"sqlite+pysqlite:///{path}",
        connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
        pool_size=5,
        max_overflow=10,
    )
    event.listen(engine, "connect", _on_connect)
    event.listen(engine, "begin", _on_begin)
    return engine


def open_engine(path: Path) -> Engine:
    """Open (creating if needed) the store at ``path`` and migrate it to the newest schema."""
    engine = create_store_engine(path)
    upgrade_to_head(engine)
    log.info("store opened at %s", path)
    return engine


def _job_name(fn: object, limit: int = 300) -> str:
    """A job's ``repr`` cut to ``limit`` characters (a snapshot range's job carries megabytes
    of search tokens in its arguments, which a log line must not copy)."""
    text = repr(fn)
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text):,} characters)"


class DbWriter:
    """The single writer: a one-thread executor that owns one connection and its transactions.

    ``submit(fn)`` runs ``fn(conn)`` inside one ``BEGIN IMMEDIATE`` transaction on the worker
    thread and returns a ``Future``; the transaction commits when ``fn`` returns and rolls back
    when it raises (the exception reaches the future). Jobs run one at a time, in order.

    A failed job is logged with its traceback (``log.exception``), except an expected refusal:
    an instance of ``EXPECTED_ERRORS``, of the writer's ``expected`` classes or of the
    ``expected`` classes given to ``submit`` / ``run`` is logged at DEBUG without a traceback.
    """

    def __init__(self, engine: Engine, *, expected: tuple[type[BaseException], ...] = ()) -> None:
        self._engine = engine
        self._expected = EXPECTED_ERRORS + expected
        self._executor = ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="db-writer", initializer=lower_this_thread
        )
        self._conn: Connection | None = None
        self._closed = False
        self._lock = threading.Lock()

    def _connection(self) -> Connection:
        if self._conn is None:
            self._conn = self._engine.connect().execution_options(**{BEGIN_IMMEDIATE: True})
        return self._conn

    def _run_job(
        self, fn: Callable[[Connection], T], expected: tuple[type[BaseException], ...]
    ) -> T:
        conn = self._connection()
        try:
            with conn.begin():
                return fn(conn)
        except BaseException as exc:
            if isinstance(exc, self._expected + expected):
                log.debug("write job %s refused (%r); rolled back", _job_name(fn), exc)
            else:
                log.exception("write job %s failed; rolled back", _job_name(fn))
            raise

    def submit(
        self, fn: Callable[[Connection], T], *, expected: tuple[type[BaseException], ...] = ()
    ) -> Future[T]:
        """Queue ``fn`` to run inside one write transaction; return its future.

        ``expected``: exception classes this job may raise as a normal refusal (no traceback
        in the log), in addition to the writer's own.
        """
        with self._lock:
            if self._closed:
                raise RuntimeError("DbWriter is closed")
            return self._executor.submit(self._run_job, fn, expected)

    async def run(
        self, fn: Callable[[Connection], T], *, expected: tuple[type[BaseException], ...] = ()
    ) -> T:
        """Run ``fn`` inside one write transaction without blocking the event loop."""
        return await asyncio.wrap_future(self.submit(fn, expected=expected))

    def _run_bare(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        conn = self._connection()
        if conn.in_transaction():  # never: jobs end their transactions
            raise RuntimeError("the writer's connection is inside a transaction")
        raw: Any = conn.connection.dbapi_connection
        return fn(raw)

    async def run_bare(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``fn`` on the writer's raw SQLite connection with no transaction open.

        For the statements SQLite refuses inside a transaction (``ATTACH``, ``DETACH``); what
        ``fn`` executes autocommits. Queued in order with the other jobs.
        """
        with self._lock:
            if self._closed:
                raise RuntimeError("DbWriter is closed")
            future = self._executor.submit(self._run_bare, fn)
        return await asyncio.wrap_future(future)

    def _close_connection(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def close(self) -> None:
        """Finish queued jobs, close the writer's connection and stop the worker thread."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._executor.submit(self._close_connection)
        self._executor.shutdown(wait=True)

    def __enter__(self) -> DbWriter:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


class DbReaders:
    """A small pool of reader threads: reads that never queue behind the writer.

    ``run(fn)`` runs ``fn(conn)`` on one of ``workers`` threads inside one read transaction
    (``BEGIN``: a WAL snapshot, so a page and its count agree) and returns the result without
    blocking the event loop. In WAL mode readers and the one writer run at the same time; a
    long write job does not delay a read, and reads never take the write lock. Each thread
    keeps its own connection (from the engine's pool) for its lifetime.
    """

    def __init__(self, engine: Engine, *, workers: int = 2) -> None:
        if workers < 1:
            raise ValueError("at least one reader")
        self._engine = engine
        self._executor = ThreadPoolExecutor(
            max_workers=workers, thread_name_prefix="db-reader", initializer=lower_this_thread
        )
        self._local = threading.local()
        self._connections: list[Connection] = []
        self._lock = threading.Lock()
        self._closed = False

    def _connection(self) -> Connection:
        conn: Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._engine.connect()
            self._local.conn = conn
            with self._lock:
                self._connections.append(conn)
        return conn

    def _run_job(self, fn: Callable[[Connection], T]) -> T:
        conn = self._connection()
        try:
            with conn.begin():
                return fn(conn)
        except BaseException:
            log.exception("read job %r failed", fn)
            raise

    def submit(self, fn: Callable[[Connection], T]) -> Future[T]:
        """Queue ``fn`` to run in one read transaction on a reader thread."""
        with self._lock:
            if self._closed:
                raise RuntimeError("DbReaders is closed")
            return self._executor.submit(self._run_job, fn)

    async def run(self, fn: Callable[[Connection], T]) -> T:
        """Run ``fn`` in one read transaction without blocking the event loop."""
        return await asyncio.wrap_future(self.submit(fn))

    def close(self) -> None:
        """Finish queued reads, close the readers' connections and stop the threads."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self._executor.shutdown(wait=True)
        for conn in self._connections:
            conn.close()
        self._connections.clear()
