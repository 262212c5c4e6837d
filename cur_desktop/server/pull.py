"""Pull pages (``GET /api/v1/sync/pull``): rows changed after a cursor, from one snapshot.

Cursors:

* ``0`` (first pull), a cursor below the compaction horizon, or one above the server's last
  seq (the server's database was replaced) start a full snapshot: ``reset: true`` and rows
  from seq 0, paged like any pull;
* while such a snapshot still ``has_more``, ``next_cursor`` is **negative** (``-seq``): pass it
  back unchanged; a negative cursor means "continue the full snapshot after ``seq``" and is
  never answered with another reset (otherwise a client would restart the snapshot forever
  whenever the horizon is above its page boundary);
* when a page is the last one, ``next_cursor`` is the server's last seq in the snapshot, so
  changes invisible to the caller are skipped for good.
"""

from __future__ import annotations

import heapq
import itertools
import logging
from collections.abc import Callable
from typing import Any
from uuid import UUID

from pydantic import BaseModel
from sqlalchemy import Row, Select, select
from sqlalchemy.orm import Session

from cur_desktop.contract import wire
from cur_desktop.server.auth import Caller
from cur_desktop.server.convert import (
    answer_to_wire,
    executor_to_wire,
    incident_to_wire,
    municipality_to_wire,
)
from cur_desktop.server.db import Database, compaction_horizon, current_seq
from cur_desktop.server.tables import Answer, Client, Executor, Incident, Municipality

log = logging.getLogger(__name__)

_Row = Incident | Answer | Municipality | Executor


ROW_OVERHEAD_BYTES = 1_000
"""Bytes a row costs in a page besides its free texts (ids, instants, codes, the envelope)."""
_FREE_TEXT_COLUMNS = ("text", "link", "author", "external_id", "name")


def pull(
    db: Database,
    caller: Caller,
    *,
    cursor: int,
    limit: int,
    client_id: UUID | None = None,
    max_bytes: int | None = None,
) -> wire.PullResponse:
    """One page of changes visible to ``caller``; see the module docstring.

    A page holds at most ``limit`` rows and, when ``max_bytes`` is given, stops before the row
    that would take it over ``max_bytes`` (a page always holds at least one row); the size of
    a row is its free texts (text, link, author, external id, name) in UTF-8 plus
    :data:`ROW_OVERHEAD_BYTES`.
    """
    with db.snapshot() as session:
        horizon = compaction_horizon(session)
        top = current_seq(session)
        if cursor < 0:
            after, reset, scanning = -cursor, False, True
        elif cursor == 0 or cursor < horizon or cursor > top:
            after, reset, scanning = 0, True, True
        else:
            after, reset, scanning = cursor, False, False
        rows = _changed_rows(session, caller, after=after, limit=limit)
        page = _within_bytes(rows[:limit], max_bytes)
        has_more = len(rows) > len(page)
        next_cursor = max(top, after)
        if has_more:
            last_seq = int(page[-1][1].seq)
            next_cursor = -last_seq if scanning else last_seq
        last_mutation_id = _last_mutation_id(session, caller, client_id)
        changes = [_change(kind, row) for kind, row in page]
    log.debug(
        "pull by %s cursor=%d: %d changes, next=%d reset=%s",
        caller.login,
        cursor,
        len(changes),
        next_cursor,
        reset,
    )
    return wire.PullResponse(
        changes=changes,
        next_cursor=next_cursor,
        has_more=has_more,
        last_mutation_id=last_mutation_id,
        reset=reset,
    )


def _within_bytes(
    rows: list[tuple[wire.EntityKind, Row[Any]]], max_bytes: int | None
) -> list[tuple[wire.EntityKind, Row[Any]]]:
    """The longest head of ``rows`` within ``max_bytes`` (at least one row)."""
    if max_bytes is None:
        return rows
    total = 0
    for count, (_kind, row) in enumerate(rows):
        size = ROW_OVERHEAD_BYTES
        for name in _FREE_TEXT_COLUMNS:
            value = getattr(row, name, None)
            if isinstance(value, str):
                size += len(value.encode("utf-8", "surrogatepass"))
        total += size
        if total > max_bytes and count > 0:
            return rows[:count]
    return rows


def _scoped(stmt: Select[Any], model: type[_Row], caller: Caller) -> Select[Any]:
    if caller.reads_all_regions:
        return stmt
    return stmt.where(model.region_code == caller.region_code)


_KINDS: tuple[tuple[type[_Row], wire.EntityKind], ...] = (
    (Incident, wire.EntityKind.INCIDENT),
    (Answer, wire.EntityKind.ANSWER),
    (Municipality, wire.EntityKind.MUNICIPALITY),
    (Executor, wire.EntityKind.EXECUTOR),
)
_TO_WIRE: dict[wire.EntityKind, Callable[[Any], BaseModel]] = {
    wire.EntityKind.INCIDENT: incident_to_wire,
    wire.EntityKind.ANSWER: answer_to_wire,
    wire.EntityKind.MUNICIPALITY: municipality_to_wire,
    wire.EntityKind.EXECUTOR: executor_to_wire,
}


def _changed_rows(
    session: Session, caller: Caller, *, after: int, limit: int
) -> list[tuple[wire.EntityKind, Row[Any]]]:
    """Up to ``limit + 1`` rows of all synced tables with ``seq > after``, in seq order.

    Plain Core rows (no ORM identity map: a page is read once and thrown away).
    """
    per_table: list[list[tuple[wire.EntityKind, Row[Any]]]] = []
    for model, kind in _KINDS:
        columns = model.__table__.columns
        stmt = _scoped(select(*columns).where(model.seq > after), model, caller)
        result = session.execute(stmt.order_by(model.seq).limit(limit + 1))
        per_table.append([(kind, row) for row in result])
    merged = heapq.merge(*per_table, key=lambda item: int(item[1].seq))
    return list(itertools.islice(merged, limit + 1))


def _change(kind: wire.EntityKind, row: Row[Any]) -> wire.Change:
    data = _TO_WIRE[kind](row)
    # ``data`` was just validated by its wire model: build the envelope without validating again.
    return wire.Change.model_construct(
        seq=int(row.seq), entity=kind, id=str(row.id), data=data.model_dump(mode="json")
    )


def _last_mutation_id(session: Session, caller: Caller, client_id: UUID | None) -> int:
    if client_id is None:
        return 0
    client = session.get(Client, str(client_id))
    if client is None or client.login != caller.login:
        return 0
    return client.last_mutation_id
