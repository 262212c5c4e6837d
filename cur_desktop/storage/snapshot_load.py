"""Loading a first-sync snapshot (:mod:`cur_desktop.contract.snapshot`) into an empty store.

The snapshot file is attached to the writer's connection as ``snap`` (:func:`attach`, outside a
transaction, as SQLite requires) and copied in writer jobs:

1. :func:`begin` checks it (the expected tables and columns, the format, every row against the
   wire model's rules in SQL, every text as valid UTF-8) and refuses it with
   :class:`SnapshotRefusedError` before anything is written; then marks the store as loading
   (:data:`KEY_LOADING`), forgets the leftovers of an interrupted load and sets the secondary
   indexes aside (:mod:`cur_desktop.storage.deferred_indexes`);
2. :func:`load_incidents` copies a range of incidents with one ``INSERT … SELECT`` (derived
   columns computed in SQL as :mod:`cur_desktop.storage.bulk_rows` computes them for a new
   row) and writes their full-text tokens (the only per-row Python: stemming);
3. :func:`finish` copies answers, municipalities and executors, sets the answer flags, builds
   the indexes and moves the cursor to the snapshot's, in one transaction.

Each job is a transaction of its own, so the window shows the rows as they arrive and never
waits long for the writer. A crash or a refusal half-way leaves the loading mark: the next
load starts by deleting what the interrupted one wrote, and a paged pull (which starts with a
reset) replaces it anyway. Only a store that never synced and has nothing to send
(:func:`eligible`) loads a snapshot; any other store pulls pages.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, delete, func, select

from cur_desktop.contract import snapshot as contract
from cur_desktop.domain.enums import Status
from cur_desktop.storage import deferred_indexes, sync_state
from cur_desktop.storage import localstate as ls
from cur_desktop.storage.incidents import delete_all_incidents
from cur_desktop.storage.search import stem_texts
from cur_desktop.storage.tables import (
    FTS_TABLE,
    answer_table,
    executor_table,
    incident_table,
    municipality_table,
    outbox_table,
    sync_state_table,
)

log = logging.getLogger(__name__)

ALIAS = "snap"
KEY_LOADING = "snapshot_loading"
CHECK_CHUNK = 20_000
"""Rows per UTF-8 check query (bounds the memory of one check)."""


class SnapshotRefusedError(Exception):
    """The snapshot file is not one this client can load; pull pages instead."""


@dataclass(frozen=True, slots=True)
class SnapshotPlan:
    """What :func:`begin` found: the cursor, the incidents' rowid range and the offset."""

    cursor: int
    incidents: int
    first_rowid: int
    last_rowid: int
    rowid_offset: int


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


_TERMINAL = ", ".join(_quote(s.value) for s in Status if s.is_terminal)
_ON_CONTROL = _quote(Status.ON_CONTROL.value)


def _running(due: str) -> str:
    """SQL of ``domain.current_due.current_deadline`` for the column pair ``due``."""
    return (
        f"CASE WHEN s.status IN ({_TERMINAL}) THEN NULL "
        f"WHEN s.first_answer_at IS NULL THEN s.first_answer_{due} "
        f"WHEN s.status = {_ON_CONTROL} THEN s.final_answer_{due} ELSE NULL END"
    )


_DERIVED: dict[str, str] = {
    "has_interim": "0",  # answers come later (finish), their flags with them
    "has_final": "0",
    "was_reworked": f"s.status = {_quote(Status.REWORK.value)}",
    "was_reopened": f"s.status = {_quote(Status.REOPENED.value)}",
    "rating": "NULL",
    "local_changed": "0",
    "current_due": _running("due"),
    "current_warn_at": _running("warn_at"),
}
"""Store columns a wire incident does not carry, as a new row gets them."""


def _incident_select() -> tuple[str, str]:
    """(column list, select list) copying ``snap.incident`` rows into ``incident``."""
    wire_columns = {c.name for c in contract.TABLES["incident"]}
    names: list[str] = []
    values: list[str] = []
    for column in incident_table.columns:
        if column.name == "rowid_":
            continue
        names.append(column.name)
        if column.name in wire_columns:
            values.append(f"s.{column.name}")
        elif column.name in _DERIVED:
            values.append(_DERIVED[column.name])
        else:  # a new store column must say how a snapshot fills it
            raise RuntimeError(f"snapshot load: no value for incident.{column.name}")
    return ", ".join(names), ", ".join(values)


_INCIDENT_COLUMNS, _INCIDENT_VALUES = _incident_select()
_INSERT_INCIDENTS = (
    f"INSERT INTO incident (rowid_, {_INCIDENT_COLUMNS}) "
    f"SELECT s.rowid + ?, {_INCIDENT_VALUES} FROM {ALIAS}.incident AS s "
    "WHERE s.rowid BETWEEN ? AND ? ORDER BY s.rowid"
)
_INSERT_FTS = (
    f"INSERT INTO {FTS_TABLE}(rowid, tokens) "
    "SELECT json_extract(value, '$[0]') + ?, json_extract(value, '$[1]') FROM json_each(?)"
)
"""One statement for a range's tokens, handed over as one JSON text: an ``executemany`` takes
the GIL back for every row, and waits for it while the reader thread stems the next range; and
the JSON is made by the reader thread, not by the writer."""
_PLAIN_TABLES = {
    "answer": answer_table,
    "municipality": municipality_table,
    "executor": executor_table,
}
for _name, _table in _PLAIN_TABLES.items():  # copied by name: each wire column has a home
    if not {c.name for c in contract.TABLES[_name]} <= set(_table.columns.keys()):
        raise RuntimeError(f"snapshot load: store table {_name} lacks a wire model column")


def attach(raw: sqlite3.Connection, path: Path) -> None:
    """Attach the snapshot file to a connection that has no transaction open (only read)."""
    raw.execute(f"ATTACH DATABASE ? AS {ALIAS}", (str(path),))
    # read once, front to back: no need for the store's 32 MiB page cache (memory of the window)
    raw.execute(f"PRAGMA {ALIAS}.cache_size = -2048")


def detach(raw: sqlite3.Connection) -> None:
    """Detach the snapshot if it is attached."""
    attached = {row[1] for row in raw.execute("PRAGMA database_list")}
    if ALIAS in attached:
        raw.execute(f"DETACH DATABASE {ALIAS}")


def eligible(conn: Connection) -> bool:
    """Whether the store may load a snapshot: never synced, nothing to send or to keep.

    A store with the mark of an interrupted load is eligible too (its rows are dropped).
    """
    cursor, _client = sync_state.pull_position(conn)
    if cursor != 0 or conn.execute(select(outbox_table.c.id).limit(1)).first() is not None:
        return False
    if sync_state.get_state(conn, KEY_LOADING) is not None:
        return True
    return conn.execute(select(incident_table.c.id).limit(1)).first() is None


def adapt(path: Path) -> list[str]:
    """Give the file the columns of this client's wire fields; return those added.

    Run on the downloaded file before it is attached. A column an older server does not write
    (a wire field added since) is added with the field's default, as a page without the field
    would be read; a column this client does not know (a newer server's) is left alone and never
    read. A required field's column missing, or a table missing, refuses the file.
    """
    added: list[str] = []
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        for table, columns in contract.TABLES.items():
            kind = conn.execute("SELECT type FROM sqlite_master WHERE name = ?", (table,))
            if (kind.fetchone() or (None,))[0] != "table":
                raise SnapshotRefusedError(f"в снимке нет таблицы {table}")
            found = {r[1] for r in conn.execute(f"PRAGMA table_info({table})")}
            for column in columns:
                if column.name in found:
                    continue
                if column.default is None:
                    raise SnapshotRefusedError(
                        f"в таблице {table} снимка нет столбца {column.name}"
                    )
                conn.execute(
                    f"ALTER TABLE {table} ADD COLUMN {column.name} DEFAULT {column.default}"
                )
                added.append(f"{table}.{column.name}")
    except sqlite3.DatabaseError as exc:
        raise SnapshotRefusedError(f"снимок не читается: {exc}") from exc
    finally:
        conn.close()
    if added:
        log.info("snapshot of an older server: columns added with defaults: %s", added)
    return added


def _check_shape(conn: Connection) -> int:
    """Refuse a file without the expected tables, columns and format; return its cursor.

    Columns beyond this client's wire fields are allowed (a newer server's; never read).
    """
    for table, columns in {**contract.TABLES, contract.META_TABLE: ()}.items():
        kind = conn.exec_driver_sql(
            f"SELECT type FROM {ALIAS}.sqlite_master WHERE name = ?", (table,)
        ).scalar()
        if kind != "table":
            raise SnapshotRefusedError(f"в снимке нет таблицы {table}")
        if columns:
            found = {r[1] for r in conn.exec_driver_sql(f"PRAGMA {ALIAS}.table_info({table})")}
            missing = [c.name for c in columns if c.name not in found]
            if missing:
                raise SnapshotRefusedError(f"в таблице {table} снимка нет столбцов {missing}")
    meta: dict[str, str] = dict(
        conn.exec_driver_sql(f"SELECT key, value FROM {ALIAS}.{contract.META_TABLE}").all()
    )
    if meta.get("format") != str(contract.FORMAT):
        raise SnapshotRefusedError(f"формат снимка {meta.get('format')!r} не поддерживается")
    try:
        cursor = int(str(meta.get("cursor")))
    except ValueError as exc:
        raise SnapshotRefusedError("в снимке нет курсора") from exc
    if cursor < 0:
        raise SnapshotRefusedError("курсор снимка отрицателен")
    return cursor


def _bad_row(
    execute: Any, table: str, prefix: str = "", where: str = "1", args: tuple[int, ...] = ()
) -> None:
    """Refuse the snapshot if a row of ``table`` (within ``where``) breaks a wire rule.

    ``execute(sql, args)`` runs a query; ``prefix``: the schema of the snapshot tables.
    """
    checks = contract.column_checks(table)
    bad = execute(
        f"SELECT rowid FROM {prefix}{table} WHERE {where} AND NOT ({checks}) LIMIT 1", args
    ).fetchone()
    if bad is not None:
        raise SnapshotRefusedError(f"строка {bad[0]} таблицы {table} снимка не проходит проверку")


def _bad_text(
    execute: Any, table: str, columns: Sequence[str], rowids: tuple[int, int], prefix: str = ""
) -> None:
    """Refuse the snapshot if a text of ``columns`` in the ``rowids`` range is not UTF-8.

    The values are joined by the database into one blob (with a newline between them, so that
    two halves of a cut character never join into a valid one) and decoded once.
    """
    if not columns:
        return
    texts = " || char(10) || ".join(f"coalesce({name}, '')" for name in columns)
    blob = execute(
        f"SELECT CAST(group_concat({texts}, char(10)) AS BLOB) FROM {prefix}{table} "
        "WHERE rowid BETWEEN ? AND ?",
        rowids,
    ).fetchone()[0]
    try:
        bytes(blob or b"").decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SnapshotRefusedError(f"текст таблицы {table} снимка не в UTF-8") from exc


def _check_table(execute: Any, table: str, prefix: str) -> None:
    """Every row of a (small) snapshot table against the wire rules and UTF-8."""
    _bad_row(execute, table, prefix)
    top = int(execute(f"SELECT coalesce(max(rowid), 0) FROM {prefix}{table}", ()).fetchone()[0])
    columns = contract.text_columns(table)
    for start in range(0, top + 1, CHECK_CHUNK):
        _bad_text(execute, table, columns, (start, start + CHECK_CHUNK - 1), prefix)


_READ_TEXTS = ("author", "text")  # read by Python for the tokens: decoded, so checked there
_BLOB_CHECKED = tuple(c for c in contract.text_columns("incident") if c not in _READ_TEXTS)


class ChunkReader:
    """Checks and tokenises the snapshot's incidents a range at a time, off the writer.

    Its own read-only connection to the snapshot file, so a worker thread prepares the next
    range while the writer copies the current one (SQLite releases the GIL while it works);
    used by one thread at a time.
    """

    def __init__(self, path: Path) -> None:
        self._conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)

    def _execute(self, sql: str, args: tuple[Any, ...]) -> sqlite3.Cursor:
        try:
            return self._conn.execute(sql, args)
        except sqlite3.DatabaseError as exc:  # a damaged page of the file ("malformed")
            raise SnapshotRefusedError(f"снимок не читается: {exc}") from exc

    def tokens(self, start: int, end: int) -> str:
        """(rowid, full-text tokens) of incidents ``start..end`` as one JSON text, checked.

        Raises :class:`SnapshotRefusedError` for a row that breaks a wire rule or a text that
        is not UTF-8. JSON because the writer hands it to SQLite in one statement (see
        :func:`load_incidents`); made here, off the writer, like the stems.
        """
        _bad_row(self._execute, "incident", "", "rowid BETWEEN ? AND ?", (start, end))
        _bad_text(self._execute, "incident", _BLOB_CHECKED, (start, end))
        try:
            rows = self._conn.execute(
                "SELECT rowid, author, text FROM incident WHERE rowid BETWEEN ? AND ? "
                "ORDER BY rowid",
                (start, end),
            ).fetchall()
        except sqlite3.OperationalError as exc:  # "Could not decode to UTF-8 column …"
            raise SnapshotRefusedError("текст обращения в снимке не в UTF-8") from exc
        except sqlite3.DatabaseError as exc:  # a damaged page of the file
            raise SnapshotRefusedError(f"снимок не читается: {exc}") from exc
        tokens = stem_texts(f"{author}\n{text}" for _rowid, author, text in rows)
        # one small dumps a row, not one over the range: a C call holds the GIL throughout
        dumps = json.dumps
        return (
            "["
            + ",".join(
                f"[{row[0]},{dumps(t, ensure_ascii=False)}]"
                for row, t in zip(rows, tokens, strict=True)
            )
            + "]"
        )

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()


def begin(conn: Connection) -> SnapshotPlan:
    """Check the attached snapshot and prepare the store (module docstring, step 1)."""
    if not eligible(conn):
        raise SnapshotRefusedError("хранилище уже синхронизировано или ждёт отправки изменений")
    cursor = _check_shape(conn)
    for name in _PLAIN_TABLES:
        _check_table(conn.exec_driver_sql, name, f"{ALIAS}.")
    if sync_state.get_state(conn, KEY_LOADING) is not None:
        dropped = delete_all_incidents(conn)
        for table in _PLAIN_TABLES.values():
            conn.execute(delete(table))
        log.info("snapshot: %d incidents of an interrupted load dropped", dropped)
    sync_state.set_state(conn, KEY_LOADING, str(cursor))
    deferred_indexes.set_aside(conn)
    low, high, count = conn.exec_driver_sql(
        f"SELECT coalesce(min(rowid), 1), coalesce(max(rowid), 0), count(*) FROM {ALIAS}.incident"
    ).one()
    top = int(
        conn.execute(select(func.coalesce(func.max(incident_table.c.rowid_), 0))).scalar_one()
    )
    return SnapshotPlan(cursor, int(count), int(low), int(high), top + 1 - int(low))


def load_incidents(conn: Connection, plan: SnapshotPlan, start: int, end: int, tokens: str) -> int:
    """Copy the snapshot's incidents with rowids ``start..end`` and their ``tokens``.

    ``tokens``: :meth:`ChunkReader.tokens` of the same range (the rows were checked there).
    Returns how many incidents were copied.
    """
    offset = plan.rowid_offset
    copied = conn.exec_driver_sql(_INSERT_INCIDENTS, (offset, start, end)).rowcount
    conn.exec_driver_sql(_INSERT_FTS, (offset, tokens))
    return int(copied)


def finish(conn: Connection, plan: SnapshotPlan) -> int:
    """Copy the other tables, set the answer flags, build the indexes, move the cursor.

    Returns how many rows of the other tables were copied (answers, municipalities, executors).
    """
    copied = 0
    for name in _PLAIN_TABLES:
        columns = ", ".join(c.name for c in contract.TABLES[name])
        copied += conn.exec_driver_sql(
            f"INSERT INTO {name} ({columns}) SELECT {columns} FROM {ALIAS}.{name} ORDER BY rowid"
        ).rowcount
    ls.refresh_derived_of_answered(conn)
    deferred_indexes.build_set_aside(conn)
    sync_state.set_state(conn, sync_state.KEY_CURSOR, plan.cursor)
    forget_loading(conn)
    log.info(
        "snapshot loaded: %d incidents, %d other rows, cursor %d",
        plan.incidents,
        copied,
        plan.cursor,
    )
    return copied


def forget_loading(conn: Connection) -> None:
    """Drop the loading mark (after a refused load the paged pull replaces everything)."""
    conn.execute(delete(sync_state_table).where(sync_state_table.c.key == KEY_LOADING))
