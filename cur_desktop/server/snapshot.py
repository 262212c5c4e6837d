"""First-sync snapshots: a scope's rows as a gzip-compressed SQLite file, built and cached.

The format is the contract's (:mod:`cur_desktop.contract.snapshot`). A snapshot is built from
one consistent read of the database: the scope's rows with the database itself converting
instants to epoch microseconds (no per-row model objects, no per-value Python conversion), one
``executemany`` per few thousand rows into a new SQLite file, then compressed (gzip level 3:
2.8x faster than level 6 for ~15 % more bytes; a snapshot is built once and served to every
new workstation of the region).

Cached per scope (a region, or every region) in ``<data_dir>/snapshots`` as
``<scope key>-<cursor>-<incidents>.sqlite3.gz`` (written under a temporary name, renamed when
complete, so another server process never serves half a file). A cached snapshot is served
while it is *fresh*: its cursor is not below the compaction horizon and the changes visible to
the scope since it are at most :data:`STALE_CHANGES` or a tenth of its incidents, whichever is
more; the client pulls those changes as pages afterwards. Otherwise the request builds a new
one (one build at a time per scope in this process; a request waiting for it reuses it).
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import os
import shutil
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, Integer, cast, extract, func, literal, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from cur_desktop.contract import snapshot as contract
from cur_desktop.server.auth import Caller
from cur_desktop.server.db import Database, compaction_horizon, current_seq
from cur_desktop.server.pull import scoped
from cur_desktop.server.pull_json import changes_after
from cur_desktop.server.tables import (
    Answer,
    Executor,
    Incident,
    Municipality,
    SeqCounter,
    UtcDateTime,
)

log = logging.getLogger(__name__)

SNAPSHOT_FOLDER = "snapshots"
"""Under the server's data directory."""
KEEP_OLDER_SECONDS = 3_600
"""An older file of a region stays this long after it was written (a download of it may be
running or waiting to resume); the next build after that deletes it."""
STALE_CHANGES = 5_000
"""Changes since a cached snapshot that never make it stale (the client pulls them as pages)."""
_BATCH = 5_000
_LEVEL = 3

_MODELS: dict[str, type[Incident] | type[Answer] | type[Municipality] | type[Executor]] = {
    "incident": Incident,
    "answer": Answer,
    "municipality": Municipality,
    "executor": Executor,
}


@dataclass(frozen=True, slots=True)
class BuiltSnapshot:
    """A compressed snapshot file ready to send."""

    path: Path
    cursor: int
    incidents: int


def _micros(column: Any, dialect: str) -> ColumnElement[Any]:
    """An instant column as epoch microseconds, computed by the database (exact)."""
    if dialect == "sqlite":  # stored as 'YYYY-MM-DD HH:MM:SS.ffffff' (naive UTC)
        seconds = cast(func.strftime(literal("%s"), column), Integer)
        fraction = cast(func.substr(column, literal(21), literal(6)), Integer)
        return seconds * literal(1_000_000) + fraction
    return cast(extract("epoch", column) * literal(1_000_000), BigInteger)


def _select(table: str, caller: Caller, dialect: str) -> Any:
    model = _MODELS[table]
    columns = model.__table__.columns
    exprs: list[Any] = []
    for column in contract.TABLES[table]:
        source = columns[column.name]
        if isinstance(source.type, UtcDateTime):
            exprs.append(_micros(source, dialect))
        else:
            exprs.append(source)
    return scoped(select(*exprs), model, caller).order_by(columns["seq"])


def _scope(caller: Caller) -> str:
    return "*" if caller.reads_all_regions else str(caller.region_code)


def _create_tables(out: sqlite3.Connection, schema: str, cursor: int, scope: str) -> None:
    meta = {"format": str(contract.FORMAT), "cursor": str(cursor), "scope": scope}
    out.execute(f"CREATE TABLE {schema}{contract.META_TABLE} (key TEXT PRIMARY KEY, value TEXT)")
    out.executemany(f"INSERT INTO {schema}{contract.META_TABLE} VALUES (?, ?)", meta.items())
    for table, columns in contract.TABLES.items():
        out.execute(f"CREATE TABLE {schema}{table} ({', '.join(c.name for c in columns)})")


def write_snapshot(session: Session, caller: Caller, target: Path) -> tuple[int, int]:
    """Write the caller's rows into a new SQLite file ``target``; return (cursor, incidents).

    ``session`` must be one consistent read (:meth:`Database.snapshot`). Rows are fetched a
    few thousand at a time and written with ``executemany`` (any database).
    """
    dialect = session.get_bind().dialect.name
    cursor = current_seq(session)
    out = sqlite3.connect(target, isolation_level=None)
    try:
        out.execute("PRAGMA journal_mode = OFF")
        out.execute("PRAGMA synchronous = OFF")
        out.execute("BEGIN")
        _create_tables(out, "", cursor, _scope(caller))
        counts: dict[str, int] = {}
        for table, columns in contract.TABLES.items():
            insert = f"INSERT INTO {table} VALUES ({', '.join('?' * len(columns))})"
            result = session.execute(
                _select(table, caller, dialect).execution_options(yield_per=_BATCH)
            )
            counts[table] = 0
            for part in result.partitions():
                out.executemany(insert, part)
                counts[table] += len(part)
        out.execute("COMMIT")
    finally:
        out.close()
    log.info("snapshot of %s at cursor %d: %s", _scope(caller), cursor, counts)
    return cursor, counts["incident"]


def sqlite_file(db: Database) -> Path | None:
    """The database file of a SQLite server (``None`` for PostgreSQL or an in-memory one)."""
    url = make_url(db.url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


def write_snapshot_sqlite(
    db: Database, source: Path, caller: Caller, target: Path
) -> tuple[int, int]:
    """:func:`write_snapshot` for a SQLite server, all in SQLite: the file attached, one
    ``INSERT … SELECT`` per table inside one read transaction of the server's database (no
    row passes through Python). Same file, about four times faster."""
    dialect = db.engine.dialect
    # (read-write: an attached file inherits the flags of the main one; only read here)
    conn = sqlite3.connect(source, isolation_level=None)
    try:
        conn.execute("ATTACH DATABASE ? AS out", (str(target),))
        conn.execute("PRAGMA out.journal_mode = OFF")
        conn.execute("PRAGMA out.synchronous = OFF")
        conn.execute("BEGIN")  # one read snapshot of the server's database (WAL)
        cursor = int(
            conn.execute(f"SELECT value FROM {SeqCounter.__tablename__} WHERE id = 1").fetchone()[0]
        )
        _create_tables(conn, "out.", cursor, _scope(caller))
        counts: dict[str, int] = {}
        for table in contract.TABLES:
            query = _select(table, caller, "sqlite").compile(
                dialect=dialect, compile_kwargs={"literal_binds": True}
            )
            counts[table] = conn.execute(f"INSERT INTO out.{table} {query}").rowcount
        conn.execute("COMMIT")
    finally:
        conn.close()
    log.info("snapshot of %s at cursor %d: %s", _scope(caller), cursor, counts)
    return cursor, counts["incident"]


def forget_snapshots(folder: Path) -> int:
    """Delete every cached snapshot (and half-built one) in ``folder``; return how many.

    ``cur-server serve`` calls it at start: a database restored from a backup may count its
    changes up past a cached snapshot's cursor again, and a snapshot of the old history must
    not be served for the new one (pull cursors have the same blind spot; see docs/SYNC.md).
    """
    removed = 0
    for path in folder.glob("*"):
        if path.name.endswith((".sqlite3.gz", ".partial", ".gz-partial")):
            path.unlink(missing_ok=True)
            removed += 1
    return removed


class SnapshotCache:
    """Builds, keeps and finds the compressed snapshots of one database (module docstring)."""

    def __init__(self, db: Database, folder: Path) -> None:
        self.db = db
        self.folder = folder
        # the database and the file layout: an upgrade never serves an older layout's file
        self._key_prefix = hashlib.sha256(db.url.encode()).hexdigest()[:12] + contract.LAYOUT
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()

    def _key(self, caller: Caller) -> str:
        scope = hashlib.sha256(_scope(caller).encode()).hexdigest()[:16]
        return f"{self._key_prefix}-{scope}"

    def _lock(self, key: str) -> threading.Lock:
        with self._locks_guard:
            return self._locks.setdefault(key, threading.Lock())

    def _cached(self, key: str) -> list[BuiltSnapshot]:
        """The complete cached snapshots of ``key``, newest first."""
        found: list[BuiltSnapshot] = []
        for path in self.folder.glob(f"{key}-*-*.sqlite3.gz"):
            parts = path.name[: -len(".sqlite3.gz")].rsplit("-", 2)
            try:
                found.append(BuiltSnapshot(path, int(parts[1]), int(parts[2])))
            except (IndexError, ValueError):
                continue
        return sorted(found, key=lambda s: s.cursor, reverse=True)

    def _fresh(self, built: BuiltSnapshot, caller: Caller) -> bool:
        with self.db.snapshot() as session:
            if built.cursor < compaction_horizon(session) or built.cursor > current_seq(session):
                return False
            behind = changes_after(session, caller, built.cursor)
        return behind <= max(STALE_CHANGES, built.incidents // 10)

    def get(self, caller: Caller) -> BuiltSnapshot:
        """A fresh snapshot for ``caller``'s scope, built now if none is cached."""
        key = self._key(caller)
        for built in self._cached(key)[:1]:
            if self._fresh(built, caller):
                return built
        with self._lock(key):
            for built in self._cached(key)[:1]:  # built meanwhile by another request
                if self._fresh(built, caller):
                    return built
            return self._build(key, caller)

    def _build(self, key: str, caller: Caller) -> BuiltSnapshot:
        self.folder.mkdir(parents=True, exist_ok=True)
        partial = self.folder / f"{key}.{os.getpid()}.{threading.get_ident()}.partial"
        packed = partial.with_suffix(".gz-partial")
        try:
            source = sqlite_file(self.db)
            if source is not None:
                cursor, incidents = write_snapshot_sqlite(self.db, source, caller, partial)
            else:
                with self.db.snapshot() as session:
                    cursor, incidents = write_snapshot(session, caller, partial)
            with partial.open("rb") as raw, gzip.open(packed, "wb", compresslevel=_LEVEL) as gz:
                shutil.copyfileobj(raw, gz, 1 << 20)
            built = BuiltSnapshot(
                self.folder / f"{key}-{cursor}-{incidents}.sqlite3.gz", cursor, incidents
            )
            os.replace(packed, built.path)
        finally:
            partial.unlink(missing_ok=True)
            packed.unlink(missing_ok=True)
        cutoff = time.time() - KEEP_OLDER_SECONDS
        for older in self._cached(key):
            if older.path == built.path:
                continue
            try:  # kept a while: a download of it may be running or about to resume
                if older.path.stat().st_mtime < cutoff:
                    older.path.unlink()
            except OSError:
                log.debug("old snapshot %s kept: in use or gone", older.path)
        return built
