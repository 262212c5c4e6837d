"""Evidence attachments in the local store: rows of the ``attachment`` table and where files lie.

Files are copied into ``<profile>/attachments/<id>.<ext>`` (the row's ``local_name``) when the
operator attaches them, so the upload never depends on the original still being there. A row
is ``draft`` while the answer is being written (it belongs to the incident, like the draft),
becomes ``pending`` in the transaction that records the answer (:func:`bind_drafts`), then
``uploading`` / ``uploaded`` as the sync engine sends it (:mod:`cur_desktop.sync.evidence_upload`).
Metadata of other workstations' attachments arrives as ``remote`` rows (:func:`apply_remote`).
Functions take a connection inside the caller's transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Connection, Engine, delete, select, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from cur_desktop.contract.attachments import AttachmentWire
from cur_desktop.storage.tables import attachment_table

log = logging.getLogger(__name__)

DRAFT = "draft"
PENDING = "pending"
UPLOADING = "uploading"
UPLOADED = "uploaded"
REMOTE = "remote"
FAILED = "failed"
TO_UPLOAD = (PENDING, UPLOADING)

KEY_AFTER = "attachments_after"
"""``sync_state`` key: the ``next_after`` of the last attachment listing applied."""


def attachments_dir(engine: Engine) -> Path:
    """``attachments/`` beside the profile's database file."""
    database = engine.url.database
    if not database:
        raise ValueError("the local store is not a file")
    return Path(database).resolve().parent / "attachments"


@dataclass(frozen=True, slots=True)
class StoredAttachment:
    """One attachment row."""

    id: str
    incident_id: str
    answer_id: str | None
    file_name: str
    content_type: str
    size: int
    sha256: str
    local_name: str | None
    state: str
    bytes_sent: int
    error: str | None
    author: str | None
    created_at: datetime


def _stored(row: object) -> StoredAttachment:
    return StoredAttachment(**{c.name: getattr(row, c.name) for c in attachment_table.columns})


def add(conn: Connection, item: StoredAttachment) -> None:
    """Insert ``item``."""
    conn.execute(attachment_table.insert().values(**_values(item)))


def _values(item: StoredAttachment) -> dict[str, object]:
    return {c.name: getattr(item, c.name) for c in attachment_table.columns}


def get(conn: Connection, attachment_id: str) -> StoredAttachment | None:
    """The row of ``attachment_id``."""
    row = conn.execute(
        select(attachment_table).where(attachment_table.c.id == attachment_id)
    ).first()
    return None if row is None else _stored(row)


def remove_draft(conn: Connection, attachment_id: str) -> StoredAttachment | None:
    """Delete a ``draft`` row (nothing sent yet); returns it, or ``None`` when not a draft."""
    found = get(conn, attachment_id)
    if found is None or found.state != DRAFT:
        return None
    conn.execute(delete(attachment_table).where(attachment_table.c.id == attachment_id))
    return found


def drafts(conn: Connection, incident_id: str) -> list[StoredAttachment]:
    """The ``draft`` attachments of ``incident_id`` in the order they were attached."""
    return [a for a in for_incident(conn, incident_id) if a.state == DRAFT]


def bind_drafts(conn: Connection, incident_id: str, answer_id: str) -> list[str]:
    """The incident's drafts become ``pending`` attachments of ``answer_id``; their ids."""
    ids = [a.id for a in drafts(conn, incident_id)]
    if ids:
        conn.execute(
            update(attachment_table)
            .where(attachment_table.c.id.in_(ids))
            .values(answer_id=answer_id, state=PENDING)
        )
    return ids


def for_incident(conn: Connection, incident_id: str) -> list[StoredAttachment]:
    """Every attachment of ``incident_id`` (oldest first)."""
    rows = conn.execute(
        select(attachment_table)
        .where(attachment_table.c.incident_id == incident_id)
        .order_by(attachment_table.c.created_at, attachment_table.c.id)
    )
    return [_stored(r) for r in rows]


def to_upload(conn: Connection) -> list[StoredAttachment]:
    """Attachments waiting for (the rest of) their upload, oldest first."""
    rows = conn.execute(
        select(attachment_table)
        .where(attachment_table.c.state.in_(TO_UPLOAD))
        .order_by(attachment_table.c.created_at, attachment_table.c.id)
    )
    return [_stored(r) for r in rows]


def set_progress(
    conn: Connection, attachment_id: str, state: str, bytes_sent: int, error: str | None = None
) -> str | None:
    """Record an upload's state; returns the attachment's incident id (``None``: row gone)."""
    conn.execute(
        update(attachment_table)
        .where(attachment_table.c.id == attachment_id)
        .values(state=state, bytes_sent=bytes_sent, error=error)
    )
    found = get(conn, attachment_id)
    return None if found is None else found.incident_id


def set_local_name(conn: Connection, attachment_id: str, local_name: str) -> None:
    """The file of a ``remote`` attachment was downloaded into attachments/."""
    conn.execute(
        update(attachment_table)
        .where(attachment_table.c.id == attachment_id)
        .values(local_name=local_name)
    )


def apply_remote(conn: Connection, items: Iterable[AttachmentWire]) -> set[str]:
    """Store metadata the server listed; returns the incidents that got a new attachment.

    Rows this workstation already has (its own uploads) are left as they are.
    """
    touched: set[str] = set()
    for item in items:
        stmt = sqlite_insert(attachment_table).values(
            id=str(item.id),
            incident_id=str(item.incident_id),
            answer_id=None if item.answer_id is None else str(item.answer_id),
            file_name=item.file_name,
            content_type=item.content_type.value,
            size=item.size,
            sha256=item.sha256,
            local_name=None,
            state=REMOTE,
            bytes_sent=item.size,
            error=None,
            author=item.author,
            created_at=item.completed_at,
        )
        result = conn.execute(stmt.on_conflict_do_nothing(index_elements=["id"]))
        if result.rowcount:
            touched.add(str(item.incident_id))
    return touched


__all__ = [
    "DRAFT",
    "FAILED",
    "KEY_AFTER",
    "PENDING",
    "REMOTE",
    "TO_UPLOAD",
    "UPLOADED",
    "UPLOADING",
    "StoredAttachment",
    "add",
    "apply_remote",
    "attachments_dir",
    "bind_drafts",
    "drafts",
    "for_incident",
    "get",
    "remove_draft",
    "set_local_name",
    "set_progress",
    "to_upload",
]
