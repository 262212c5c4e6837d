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
import logging
from typing import Any
from uuid import UUID

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from cur_desktop import wire
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


def pull(
    db: Database, caller: Caller, *, cursor: int, limit: int, client_id: UUID | None = None
) -> wire.PullResponse:
    """One page of changes visible to ``caller``; see the module docstring."""
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
        has_more = len(rows) > limit
        page = rows[:limit]
        next_cursor = max(top, after)
        if has_more:
            next_cursor = -page[-1].seq if scanning else page[-1].seq
        last_mutation_id = _last_mutation_id(session, caller, client_id)
        changes = [_change(row) for row in page]
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


def _scoped(stmt: Select[Any], model: type[_Row], caller: Caller) -> Select[Any]:
    if caller.reads_all_regions:
        return stmt
    return stmt.where(model.region_code == caller.region_code)


def _changed_rows(session: Session, caller: Caller, *, after: int, limit: int) -> list[_Row]:
    """Up to ``limit + 1`` rows of all synced tables with ``seq > after``, in seq order."""
    per_table: list[list[_Row]] = []
    for model in (Incident, Answer, Municipality, Executor):
        stmt = _scoped(select(model).where(model.seq > after), model, caller)
        result = session.execute(stmt.order_by(model.seq).limit(limit + 1)).scalars()
        per_table.append(list(result))
    return list(heapq.merge(*per_table, key=lambda row: row.seq))[: limit + 1]


def _change(row: _Row) -> wire.Change:
    data: wire.IncidentWire | wire.AnswerWire | wire.MunicipalityWire | wire.ExecutorWire
    if isinstance(row, Incident):
        entity, data = wire.EntityKind.INCIDENT, incident_to_wire(row)
    elif isinstance(row, Answer):
        entity, data = wire.EntityKind.ANSWER, answer_to_wire(row)
    elif isinstance(row, Municipality):
        entity, data = wire.EntityKind.MUNICIPALITY, municipality_to_wire(row)
    else:
        entity, data = wire.EntityKind.EXECUTOR, executor_to_wire(row)
    return wire.Change(
        seq=row.seq, entity=entity, id=str(row.id), data=data.model_dump(mode="json")
    )


def _last_mutation_id(session: Session, caller: Caller, client_id: UUID | None) -> int:
    if client_id is None:
        return 0
    client = session.get(Client, str(client_id))
    if client is None or client.login != caller.login:
        return 0
    return client.last_mutation_id
