"""Answer drafts: one per incident, kept on this workstation only, never pushed.

A draft is what the operator is writing before "send": it survives restarts (a row of the
``draft`` table) and never enters the outbox. Sending the answer deletes it in the same
transaction as the ``answer.add`` mutation. Functions take a connection inside the caller's
transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, delete, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from cur_desktop.domain.enums import AnswerKind
from cur_desktop.storage.tables import draft_table

log = logging.getLogger(__name__)

_IN_CHUNK = 500


@dataclass(frozen=True, slots=True)
class StoredDraft:
    """A draft row."""

    incident_id: str
    kind: AnswerKind
    text: str
    updated_at: datetime


def save_draft(
    conn: Connection, incident_id: str, kind: AnswerKind, text: str, now: datetime
) -> None:
    """Insert or replace the draft of ``incident_id``."""
    stmt = sqlite_insert(draft_table).values(
        incident_id=incident_id, kind=kind, text=text, updated_at=now
    )
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=[draft_table.c.incident_id],
            set_={"kind": stmt.excluded.kind, "text": stmt.excluded.text, "updated_at": now},
        )
    )


def get_draft(conn: Connection, incident_id: str) -> StoredDraft | None:
    """The draft of ``incident_id``, if any."""
    row = conn.execute(select(draft_table).where(draft_table.c.incident_id == incident_id)).first()
    if row is None:
        return None
    return StoredDraft(
        incident_id=str(row.incident_id),
        kind=row.kind,
        text=str(row.text),
        updated_at=row.updated_at,
    )


def delete_draft(conn: Connection, incident_id: str) -> bool:
    """Delete the draft of ``incident_id``; return whether there was one."""
    result = conn.execute(delete(draft_table).where(draft_table.c.incident_id == incident_id))
    return bool(result.rowcount)


def incidents_with_drafts(conn: Connection, incident_ids: Sequence[str]) -> set[str]:
    """Which of ``incident_ids`` have a draft."""
    found: set[str] = set()
    ids = list(incident_ids)
    for start in range(0, len(ids), _IN_CHUNK):
        chunk = ids[start : start + _IN_CHUNK]
        found.update(
            str(v)
            for v in conn.execute(
                select(draft_table.c.incident_id).where(draft_table.c.incident_id.in_(chunk))
            ).scalars()
        )
    return found
