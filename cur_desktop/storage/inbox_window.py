"""Reads behind the window's inbox list: the row keys of a view, and rows fetched by key.

The window's list model holds a compact snapshot of the local row ids (``rowid_``) of every
incident the current view shows, in display order (an ``array('q')``: 8 bytes a row, 8 MB for a
million), and fetches only the rows on screen by key, one page at a time. The key query reads
one index (filters and sorts run in SQL on indexed columns, see :mod:`cur_desktop.storage.inbox`)
through the raw DB-API cursor, so a million keys cost one pass over an index and no Python
object per row beyond the integer.
"""

from __future__ import annotations

import logging
from array import array
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, func, select

from cur_desktop.storage.inbox import (
    PREVIEW_CHARS,
    InboxFilter,
    InboxSort,
    filter_clauses,
)
from cur_desktop.storage.search import search
from cur_desktop.storage.tables import incident_table

log = logging.getLogger(__name__)

inc = incident_table

ROW_COLUMNS = (
    inc.c.id,
    inc.c.rowid_,
    inc.c.received_at,
    inc.c.region_code,
    inc.c.status,
    inc.c.priority,
    inc.c.source,
    inc.c.topic_code,
    inc.c.municipality_id,
    inc.c.executor_id,
    inc.c.assignee,
    inc.c.author,
    inc.c.first_answer_at,
    inc.c.first_answer_due,
    inc.c.first_answer_warn_at,
    inc.c.final_answer_due,
    inc.c.final_answer_warn_at,
    inc.c.has_interim,
    inc.c.has_final,
    inc.c.local_changed,
    func.substr(inc.c.text, 1, PREVIEW_CHARS).label("preview"),
)
"""What one list row carries (the text only as a preview)."""


def _order(sort: InboxSort) -> tuple[Any, ...]:
    rowid = inc.c.rowid_
    if sort is InboxSort.DUE_ASC:
        return (inc.c.first_answer_due.is_(None), inc.c.first_answer_due, rowid)
    if sort is InboxSort.RECEIVED_ASC:
        return (inc.c.received_at, rowid)
    return (inc.c.received_at.desc(), rowid.desc())


def view_keys(conn: Connection, flt: InboxFilter, sort: InboxSort) -> array[int]:
    """Local row ids of every incident matching ``flt``, in ``sort`` order."""
    stmt = select(inc.c.rowid_.label("k")).where(*filter_clauses(flt)).order_by(*_order(sort))
    compiled = stmt.compile(conn, compile_kwargs={"render_postcompile": True})
    params = compiled.construct_params()
    sql = str(compiled)
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None
    cursor = dbapi.cursor()
    try:
        cursor.execute(sql, _positional(compiled, params))
        keys: array[int] = array("q")
        while True:
            chunk = cursor.fetchmany(50_000)
            if not chunk:
                break
            keys.extend(row[0] for row in chunk)
    finally:
        cursor.close()
    return keys


def _positional(compiled: Any, params: Mapping[str, Any]) -> Sequence[Any]:
    """Bind values in the order the SQLite dialect's ``?`` placeholders expect them."""
    names: list[str] = list(compiled.positiontup or [])
    processors = compiled._bind_processors  # type conversion of typed binds (instants, enums)
    values: list[Any] = []
    for name in names:
        value = params[name]
        processor = processors.get(name)
        values.append(processor(value) if processor is not None else value)
    return values


def rows_by_keys(conn: Connection, keys: Iterable[int]) -> dict[int, dict[str, Any]]:
    """The list rows of the given local row ids (missing ids are simply absent)."""
    wanted = list(keys)
    if not wanted:
        return {}
    stmt = select(*ROW_COLUMNS).where(inc.c.rowid_.in_(wanted))
    return {int(row.rowid_): dict(row._mapping) for row in conn.execute(stmt)}


def keys_of_ids(conn: Connection, incident_ids: Iterable[str]) -> dict[str, int]:
    """Local row ids of incidents given by their UUIDs."""
    ids = list(incident_ids)
    if not ids:
        return {}
    stmt = select(inc.c.id, inc.c.rowid_).where(inc.c.id.in_(ids))
    return {str(r.id): int(r.rowid_) for r in conn.execute(stmt)}


def count(conn: Connection, flt: InboxFilter) -> int:
    """How many incidents match ``flt``."""
    stmt = select(func.count()).select_from(inc).where(*filter_clauses(flt))
    return int(conn.execute(stmt).scalar_one())


def search_keys(
    conn: Connection, query: str, flt: InboxFilter | None, limit: int
) -> tuple[array[int], dict[int, str]]:
    """Row ids of the best full-text matches (best first) and their snippets by row id."""
    hits = search(conn, query, flt=flt, limit=limit)
    if not hits:
        return array("q"), {}
    by_id = keys_of_ids(conn, [h.id for h in hits])
    keys: array[int] = array("q")
    snippets: dict[int, str] = {}
    for hit in hits:
        key = by_id.get(hit.id)
        if key is not None:
            keys.append(key)
            snippets[key] = hit.snippet
    return keys, snippets


__all__ = ["ROW_COLUMNS", "count", "keys_of_ids", "rows_by_keys", "search_keys", "view_keys"]
