"""Pull pages rendered to JSON by the database itself: no per-row model objects.

The same page as :func:`cur_desktop.server.pull.pull` (same rows, cursor rules and envelope),
but each row's ``data`` object is built by the database (``json_object`` on SQLite,
``json_build_object`` on PostgreSQL) from the columns of its wire model, and Python only joins
the row texts into the envelope. Reading the Core rows back as Python values and validating and
dumping a wire model per row cost about 140 µs an incident (≈ 7,000 a second, slower than the
client can apply them); the database renders a row in a few µs.

Instants are rendered as pydantic writes them (ISO 8601 in UTC with ``Z``, the fraction only
when not zero), so a row carries the same values the model path would send. The rows were
validated when they were written; the client validates every row again before applying it.
"""

from __future__ import annotations

import heapq
import itertools
import json
import logging
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Text, func, literal, select
from sqlalchemy.orm import Session

from cur_desktop.contract import wire
from cur_desktop.server.auth import Caller
from cur_desktop.server.db import Database
from cur_desktop.server.pull import last_mutation_id_of, next_cursor_of, scoped, window
from cur_desktop.server.tables import Answer, Executor, Incident, Municipality, UtcDateTime

log = logging.getLogger(__name__)

_Model = type[Incident] | type[Answer] | type[Municipality] | type[Executor]

_KINDS: tuple[tuple[_Model, wire.EntityKind, tuple[str, ...]], ...] = (
    (Incident, wire.EntityKind.INCIDENT, tuple(wire.IncidentWire.model_fields)),
    (Answer, wire.EntityKind.ANSWER, tuple(wire.AnswerWire.model_fields)),
    (Municipality, wire.EntityKind.MUNICIPALITY, tuple(wire.MunicipalityWire.model_fields)),
    (Executor, wire.EntityKind.EXECUTOR, tuple(wire.ExecutorWire.model_fields)),
)


def _json_value(column: Any, dialect: str) -> ColumnElement[Any]:
    """The column as the wire writes it: instants exactly as pydantic serialises them.

    ``2026-03-16T09:00:00Z``, or ``2026-03-16T09:00:00.250000Z`` with microseconds; NULL stays
    NULL. SQLite keeps ``2026-03-16 09:00:00.000000`` (naive UTC); PostgreSQL is asked for UTC.
    """
    if not isinstance(column.type, UtcDateTime):
        return column  # type: ignore[no-any-return]
    if dialect == "sqlite":
        iso = func.replace(column, literal(" "), literal("T")).concat(literal("Z"))
    else:
        iso = func.to_char(
            func.timezone(literal("UTC"), column), literal('YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
        )
    return func.replace(iso, literal(".000000Z"), literal("Z"))


def row_json(model: _Model, fields: tuple[str, ...], dialect: str) -> ColumnElement[Any]:
    """The database expression that renders a row's wire object as JSON text."""
    builder = func.json_object if dialect == "sqlite" else func.json_build_object
    args: list[Any] = []
    for field in fields:
        args.append(literal(field))
        args.append(_json_value(model.__table__.c[field], dialect))
    expression: ColumnElement[Any] = builder(*args)
    if dialect != "sqlite":
        expression = expression.cast(Text())
    return expression


def _changed_json_rows(
    session: Session, caller: Caller, *, after: int, limit: int
) -> list[tuple[int, wire.EntityKind, str, str]]:
    """Up to ``limit + 1`` (seq, kind, id, data JSON) of all synced tables after ``after``."""
    dialect = session.get_bind().dialect.name
    per_table: list[list[tuple[int, wire.EntityKind, str, str]]] = []
    for model, kind, fields in _KINDS:
        table = model.__table__
        stmt = select(table.c.seq, table.c.id, row_json(model, fields, dialect)).where(
            table.c.seq > after
        )
        stmt = scoped(stmt, model, caller).order_by(table.c.seq).limit(limit + 1)
        result = session.execute(stmt)
        per_table.append([(int(r[0]), kind, str(r[1]), str(r[2])) for r in result])
    merged = heapq.merge(*per_table, key=lambda item: item[0])
    return list(itertools.islice(merged, limit + 1))


def changes_after(session: Session, caller: Caller, after: int) -> int:
    """How many changes visible to ``caller`` have ``seq > after`` (all synced tables).

    Counted on the ``(region_code, seq)`` indexes (the ``seq`` index for callers who read every
    region): a few milliseconds for 100,000 incidents.
    """
    total = 0
    for model, _kind, _fields in _KINDS:
        table = model.__table__
        stmt = select(func.count()).select_from(table).where(table.c.seq > after)
        total += int(session.execute(scoped(stmt, model, caller)).scalar_one())
    return total


NDJSON = "application/x-ndjson"
_CHANGE_OVERHEAD = 100  # bytes of a change's envelope around its data (seq, entity, id)


def _within_bytes(
    rows: list[tuple[int, wire.EntityKind, str, str]], max_bytes: int | None
) -> list[tuple[int, wire.EntityKind, str, str]]:
    """The longest head of ``rows`` whose JSON stays within ``max_bytes`` (at least one row)."""
    if max_bytes is None:
        return rows
    total = 0
    for count, row in enumerate(rows):
        total += len(row[3].encode("utf-8", "surrogatepass")) + _CHANGE_OVERHEAD
        if total > max_bytes and count > 0:
            return rows[:count]
    return rows


def pull_json(
    db: Database,
    caller: Caller,
    *,
    cursor: int,
    limit: int,
    client_id: UUID | None = None,
    max_bytes: int | None = None,
    ndjson: bool = False,
) -> bytes:
    """One pull page as UTF-8 JSON (a :class:`wire.PullResponse`), rendered by the database.

    ``max_bytes``: the page stops before the row that would take its rows' JSON over it (a
    page always holds at least one row), like :func:`cur_desktop.server.pull.pull`.
    ``total`` (issue 9, progress of a long sync) is sent on the first page of a pull only (a
    request whose ``cursor`` is not negative, i.e. not the continuation of a snapshot): the
    number of changes from this page's first one up to the head, this page included. A client
    that does not know the field ignores it (docs/SYNC.md "Versions").
    ``ndjson``: the same page as lines (``application/x-ndjson``): first the envelope without
    ``changes`` but with their ``count``, then one change per line. A client validates each line
    with one parser call (no Python dict per row) and never holds the GIL for a whole page.
    """
    with db.snapshot() as session:
        after, reset, scanning, top = window(session, cursor)
        rows = _changed_json_rows(session, caller, after=after, limit=limit)
        page = _within_bytes(rows[:limit], max_bytes)
        has_more = len(rows) > len(page)
        last_seq = page[-1][0] if has_more else None
        next_cursor = next_cursor_of(top, after, last_seq, scanning=scanning)
        last_mutation_id = last_mutation_id_of(session, caller, client_id)
        total = None
        if cursor >= 0:
            total = changes_after(session, caller, after) if has_more else len(page)
    total_field = "" if total is None else f',"total":{total}'
    parts = [
        f'{{"seq":{seq},"entity":"{kind.value}","id":{json.dumps(id_)},"data":{data}}}'
        for seq, kind, id_, data in page
    ]
    log.debug(
        "pull (json) by %s cursor=%d: %d changes, next=%d reset=%s",
        caller.login,
        cursor,
        len(parts),
        next_cursor,
        reset,
    )
    if ndjson:
        head = (
            f'{{"count":{len(parts)},"next_cursor":{next_cursor},'
            f'"has_more":{json.dumps(has_more)},"last_mutation_id":{last_mutation_id},'
            f'"reset":{json.dumps(reset)}{total_field}}}'
        )
        return "\n".join([head, *parts]).encode()
    envelope = (
        f'{{"changes":[{",".join(parts)}],"next_cursor":{next_cursor},'
        f'"has_more":{json.dumps(has_more)},"last_mutation_id":{last_mutation_id},'
        f'"reset":{json.dumps(reset)}{total_field}}}'
    )
    return envelope.encode()
