"""Writing and reading incident rows, keeping the FTS5 index ``incident_fts`` in step.

``bulk_insert_incidents`` is the fast path, used for the first load and for upserting pulled
pages alike: ``INSERT .. ON CONFLICT(id) DO UPDATE`` with a driver-level executemany in
chunks, values converted by the same rules as the column types (validation included). The FTS
table is contentless, so removing a row's old tokens needs the old text: each chunk first reads
the existing ``(rowid_, author, text)`` of its ids (one indexed query) and re-indexes only rows
whose author or text changed.

Rows are mappings keyed by ``incident`` column names; values are Python objects (aware
datetimes, enum members or their string values, UUID or str ids). Missing optional columns
take the column defaults. ``current_due`` / ``current_warn_at`` are always computed here from
the row's own fields (:func:`cur_desktop.domain.current_due.current_deadline`), whatever the
caller passes, so every write path keeps them right. Call these inside a write transaction
(``DbWriter.submit``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime
from itertools import islice
from typing import Any

from sqlalchemy import Boolean, Connection, delete, select, text

from cur_desktop.domain.current_due import current_deadline
from cur_desktop.domain.enums import Status
from cur_desktop.storage.search import stem_texts
from cur_desktop.storage.tables import FTS_TABLE, INCIDENT_COLUMNS, incident_table
from cur_desktop.storage.types import EnumText, UtcEpochMicros, to_micros

log = logging.getLogger(__name__)

CHUNK = 2000
_DEFAULTS: dict[str, Any] = {
    "link": "",
    "author": "",
    "municipality_id": None,
    "topic_code": None,
    "subtopic_code": None,
    "executor_id": None,
    "assignee": None,
    "priority": "normal",
    "status": "new",
    "outcome": None,
    "reject_reason": None,
    "first_answer_at": None,
    "first_answer_due": None,
    "final_answer_due": None,
    "first_answer_warn_at": None,
    "final_answer_warn_at": None,
    "moderation_due": None,
    "moderation_warn_at": None,
    "first_answer_working_us": None,
    "has_interim": False,
    "has_final": False,
    "was_reworked": False,
    "was_reopened": False,
    "rating": None,
    "local_changed": False,
    "current_due": None,
    "current_warn_at": None,
    "changed_by": None,
}
_WRITE_COLUMNS = tuple(c for c in INCIDENT_COLUMNS if c != "rowid_")
_UPDATE_COLUMNS = tuple(c for c in _WRITE_COLUMNS if c != "id")

_FTS_INSERT = text(f"INSERT INTO {FTS_TABLE}(rowid, tokens) VALUES (:rowid, :tokens)")
_FTS_DELETE = text(
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, tokens) VALUES ('delete', :rowid, :tokens)"
)


def _normalise(row: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(row) - set(INCIDENT_COLUMNS)
    if unknown:
        raise ValueError(f"unknown incident columns: {sorted(unknown)}")
    out = {c: row[c] if c in row else _DEFAULTS.get(c) for c in _WRITE_COLUMNS}
    out["id"] = str(out["id"])
    missing = [
        c for c in _WRITE_COLUMNS if out[c] is None and incident_table.c[c].nullable is False
    ]
    if missing:
        raise ValueError(f"incident {out['id']}: missing required columns {missing}")
    out["current_due"], out["current_warn_at"] = current_deadline(
        Status(str(out["status"])),
        first_answer_at=out["first_answer_at"],
        first_answer_due=out["first_answer_due"],
        first_answer_warn_at=out["first_answer_warn_at"],
        final_answer_due=out["final_answer_due"],
        final_answer_warn_at=out["final_answer_warn_at"],
    )
    return out


def _fts_source(author: str, body: str) -> str:
    return f"{author}\n{body}"


def _chunks(rows: Iterable[Mapping[str, Any]], size: int) -> Iterator[list[Mapping[str, Any]]]:
    it = iter(rows)
    while chunk := list(islice(it, size)):
        yield chunk


def _converter(col_name: str) -> Callable[[Any], Any]:
    """Python value -> SQLite value for one column, as the column's SQLAlchemy type would."""
    col_type = incident_table.c[col_name].type
    if isinstance(col_type, UtcEpochMicros):
        return lambda v: None if v is None else to_micros(_as_datetime(v))
    if isinstance(col_type, EnumText):
        enum_cls = col_type.enum_cls
        return lambda v: None if v is None else str(enum_cls(v).value)
    if isinstance(col_type, Boolean):
        return lambda v: None if v is None else int(bool(v))
    return lambda v: v


def _as_datetime(value: Any) -> datetime:
    if not isinstance(value, datetime):
        raise TypeError(f"datetime expected, got {type(value).__name__}")
    return value


_CONVERTERS = tuple(_converter(c) for c in _WRITE_COLUMNS)
# Raw executemany with driver-level parameters: the hot path of a million-row load skips
# SQLAlchemy's per-parameter processing (about 40% of the time); the converters above do
# the same conversions, validation included.
_UPSERT_SQL = (
    f"INSERT INTO incident ({', '.join(_WRITE_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in _WRITE_COLUMNS)}) "
    f"ON CONFLICT(id) DO UPDATE SET " + ", ".join(f"{c} = excluded.{c}" for c in _UPDATE_COLUMNS)
)


def _db_values(row: Mapping[str, Any]) -> tuple[Any, ...]:
    return tuple(conv(row[c]) for conv, c in zip(_CONVERTERS, _WRITE_COLUMNS, strict=True))


def bulk_insert_incidents(conn: Connection, rows: Iterable[Mapping[str, Any]]) -> int:
    """Insert or update (by ``id``) many incidents and their FTS rows; return rows written."""
    total = 0
    for chunk in _chunks(rows, CHUNK):
        by_id: dict[str, dict[str, Any]] = {}
        for raw in chunk:  # a later duplicate id in one batch wins, as it would sequentially
            row = _normalise(raw)
            by_id[row["id"]] = row
        ids = list(by_id)
        existing = {
            r.id: r
            for r in conn.execute(
                select(
                    incident_table.c.id,
                    incident_table.c.rowid_,
                    incident_table.c.author,
                    incident_table.c.text,
                ).where(incident_table.c.id.in_(ids))
            )
        }
        stale = [
            (old.rowid_, _fts_source(old.author, old.text))
            for i, old in existing.items()
            if (old.author, old.text) != (by_id[i]["author"], by_id[i]["text"])
        ]
        if stale:
            tokens = stem_texts(src for _, src in stale)
            conn.execute(
                _FTS_DELETE,
                [{"rowid": r, "tokens": t} for (r, _), t in zip(stale, tokens, strict=True)],
            )
        conn.exec_driver_sql(_UPSERT_SQL, [_db_values(r) for r in by_id.values()])
        fresh_ids = [i for i in ids if i not in existing]
        rowids: dict[str, int] = {r: e.rowid_ for r, e in existing.items()}
        if fresh_ids:
            found = conn.execute(
                select(incident_table.c.id, incident_table.c.rowid_).where(
                    incident_table.c.id.in_(fresh_ids)
                )
            )
            rowids.update((i, r) for i, r in found)
        to_index = fresh_ids + [
            i
            for i, old in existing.items()
            if (old.author, old.text) != (by_id[i]["author"], by_id[i]["text"])
        ]
        if to_index:
            tokens = stem_texts(_fts_source(by_id[i]["author"], by_id[i]["text"]) for i in to_index)
            conn.execute(
                _FTS_INSERT,
                [{"rowid": rowids[i], "tokens": t} for i, t in zip(to_index, tokens, strict=True)],
            )
        total += len(by_id)
    log.debug("bulk upsert wrote %d incidents", total)
    return total


def upsert_incident(conn: Connection, row: Mapping[str, Any]) -> None:
    """Insert or update one incident (by ``id``) and its FTS row."""
    bulk_insert_incidents(conn, [row])


def get_incident(conn: Connection, incident_id: object) -> Mapping[str, Any] | None:
    """Return the full row of one incident (typed values), or ``None``."""
    row = conn.execute(
        select(incident_table).where(incident_table.c.id == str(incident_id))
    ).first()
    return None if row is None else dict(row._mapping)


def delete_incident(conn: Connection, incident_id: object) -> bool:
    """Delete one incident and its FTS row; return whether it existed."""
    old = conn.execute(
        select(incident_table.c.rowid_, incident_table.c.author, incident_table.c.text).where(
            incident_table.c.id == str(incident_id)
        )
    ).first()
    if old is None:
        return False
    (tokens,) = stem_texts([_fts_source(old.author, old.text)])
    conn.execute(_FTS_DELETE, {"rowid": old.rowid_, "tokens": tokens})
    conn.execute(delete(incident_table).where(incident_table.c.rowid_ == old.rowid_))
    return True


def delete_all_incidents(conn: Connection) -> int:
    """Delete every incident and empty the FTS index (e.g. before a full re-snapshot)."""
    conn.execute(text(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('delete-all')"))
    return int(conn.execute(delete(incident_table)).rowcount)
