"""The incident history journal (``incident_event``): status, assignee and executor moves.

Rows come from two writers: :func:`journal_mutations` (the workstation's own changes, in the
transaction that queues them) and the ``incident_event_pulled`` trigger of revision 0011 (a
confirmed version from the server that moved what was shown). :func:`events_of` reads them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, insert, select

from cur_desktop.contract import wire
from cur_desktop.storage.localstate import get_outbox_row
from cur_desktop.storage.tables import incident_event_table

FIELD_STATUS = "status"
FIELD_ASSIGNEE = "assignee"
FIELD_EXECUTOR = "executor"


@dataclass(frozen=True, slots=True)
class IncidentEvent:
    """One journalled move; ``mutation_id`` is set for this workstation's own changes."""

    at: datetime
    field: str
    from_value: str | None
    to_value: str | None
    actor: str | None
    offline: bool
    mutation_id: int | None


def _moves(name: wire.MutationName, args: dict[str, object]) -> list[tuple[str, object, object]]:
    if name is wire.MutationName.INCIDENT_TRANSITION:
        return [(FIELD_STATUS, args.get("from_status"), args.get("to_status"))]
    if name is wire.MutationName.INCIDENT_ASSIGN:
        return [(FIELD_ASSIGNEE, args.get("expected"), args.get("assignee"))]
    if name is wire.MutationName.INCIDENT_CLASSIFY and args.get("executor_id") is not None:
        return [(FIELD_EXECUTOR, None, args.get("executor_id"))]
    return []


def journal_mutations(
    conn: Connection, mutation_ids: Sequence[int], *, actor: str, offline: bool
) -> int:
    """Journal the moves among the outbox rows ``mutation_ids``; return how many rows."""
    rows: list[dict[str, object]] = []
    for mutation_id in mutation_ids:
        row = get_outbox_row(conn, mutation_id)
        if row is None or row.entity_id is None:
            continue
        for field, old, new in _moves(row.name, row.args):
            rows.append(
                {
                    "incident_id": row.entity_id,
                    "at": row.created_at,
                    "field": field,
                    "from_value": None if old is None else str(old),
                    "to_value": None if new is None else str(new),
                    "actor": actor,
                    "offline": offline,
                    "mutation_id": mutation_id,
                }
            )
    if rows:
        conn.execute(insert(incident_event_table), rows)
    return len(rows)


def events_of(conn: Connection, incident_id: str) -> list[IncidentEvent]:
    """The journal of one incident, oldest first."""
    t = incident_event_table
    return [
        IncidentEvent(
            at=r.at,
            field=str(r.field),
            from_value=r.from_value,
            to_value=r.to_value,
            actor=r.actor,
            offline=bool(r.offline),
            mutation_id=r.mutation_id,
        )
        for r in conn.execute(
            select(t).where(t.c.incident_id == incident_id).order_by(t.c.at, t.c.id)
        )
    ]
