"""Resumable evidence uploads: create, receive a chunk at an offset, status, list, read.

Scope: an upload belongs to the region of its incident. Whatever a caller may not read is
answered exactly like what does not exist (:class:`UploadNotFoundError`, 404), so no answer reveals
another region's uploads or their existence. The kind of a file is decided by its first bytes
(:func:`cur_desktop.domain.evidence.detect_type`) when they arrive, not by the declared type;
the upload completes when ``size`` bytes are stored and their SHA-256 equals the declared
one (a mismatch discards the bytes: the client starts again from offset 0).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.orm import Session

from cur_desktop.contract.attachments import (
    AttachmentPage,
    AttachmentWire,
    UploadCreate,
    UploadStatus,
)
from cur_desktop.domain.evidence import MAGIC_BYTES, EvidenceType, detect_type
from cur_desktop.server.auth import Caller
from cur_desktop.server.db import Database, allocate_seq
from cur_desktop.server.evidence_store import EvidenceStore
from cur_desktop.server.tables import Answer, Attachment, Incident

log = logging.getLogger(__name__)

MAX_LIST_PAGE = 500


class UploadError(Exception):
    """A refusal with its HTTP status and a Russian reason."""

    status = 400

    def __init__(self, message: str, *, offset: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


class UploadNotFoundError(UploadError):
    """No such upload (or incident) that the caller may see."""

    status = 404


class UploadForbiddenError(UploadError):
    """The caller may read but not change the region."""

    status = 403


class UploadConflictError(UploadError):
    """Wrong offset (``offset`` says where to resume), or the id is taken by other metadata."""

    status = 409


class UploadTooLargeError(UploadError):
    """A chunk goes past the declared size."""

    status = 413


class UploadWrongTypeError(UploadError):
    """The first bytes are not a JPEG, PNG or PDF, or not the declared one of them."""

    status = 415


class UploadChecksumMismatchError(UploadError):
    """All bytes arrived but their SHA-256 is not the declared one."""

    status = 422


_NOT_FOUND = "Загрузка не найдена"


@dataclass(frozen=True, slots=True)
class ChunkOutcome:
    """What a chunk did: the upload's status and, when it completed, its region (for a poke)."""

    status: UploadStatus
    completed_region: str | None = None


def _status(row: Attachment) -> UploadStatus:
    return UploadStatus(
        id=UUID(row.id), offset=row.received, size=row.size, complete=row.seq is not None
    )


def _readable(session: Session, caller: Caller, upload_id: UUID, *, lock: bool) -> Attachment:
    row = session.get(Attachment, str(upload_id), with_for_update=lock)
    if row is None or not caller.can_read(row.region_code):
        raise UploadNotFoundError(_NOT_FOUND)
    return row


def create(
    db: Database, caller: Caller, body: UploadCreate, *, now: datetime
) -> tuple[bool, UploadStatus]:
    """Declare an upload; ``(created, status)``. The same declaration again gives its status."""
    with db.write() as session:
        incident = session.get(Incident, str(body.incident_id))
        if incident is None or not caller.can_read(incident.region_code):
            raise UploadNotFoundError("Инцидент не найден")
        if not caller.can_write(incident.region_code):
            raise UploadForbiddenError("Нет прав прикреплять файлы в этом регионе")
        if body.answer_id is not None:
            answer = session.get(Answer, str(body.answer_id))
            if answer is not None and answer.incident_id != incident.id:
                raise UploadConflictError("Ответ относится к другому инциденту")
        existing = session.get(Attachment, str(body.id), with_for_update=True)
        if existing is not None:
            same = (
                existing.region_code == incident.region_code
                and existing.incident_id == incident.id
                and existing.size == body.size
                and existing.sha256 == body.sha256
            )
            if not same:
                # Ids are random UUIDs made by clients: a clash is a client bug, and the answer
                # names nothing of the row that holds the id.
                raise UploadConflictError("Идентификатор загрузки уже занят другим файлом")
            return False, _status(existing)
        row = Attachment(
            id=str(body.id),
            region_code=incident.region_code,
            incident_id=incident.id,
            answer_id=None if body.answer_id is None else str(body.answer_id),
            file_name=body.file_name,
            content_type=body.content_type.value,
            size=body.size,
            sha256=body.sha256,
            received=0,
            author=caller.login,
            created_at=now,
        )
        session.add(row)
        session.flush()
        log.info("upload %s declared: %d bytes for incident %s", row.id, row.size, row.incident_id)
        return True, _status(row)


def status(db: Database, caller: Caller, upload_id: UUID) -> UploadStatus:
    """Where the upload stands (the offset to resume from)."""
    with db.snapshot() as session:
        return _status(_readable(session, caller, upload_id, lock=False))


def receive_chunk(
    db: Database,
    store: EvidenceStore,
    caller: Caller,
    *,
    upload_id: UUID,
    offset: int,
    data: bytes,
    now: datetime,
) -> ChunkOutcome:
    """Store ``data`` at ``offset``; complete the upload when the last byte arrived."""
    with db.write() as session:
        row = _readable(session, caller, upload_id, lock=True)
        if not caller.can_write(row.region_code):
            raise UploadForbiddenError("Нет прав загружать файлы в этом регионе")
        if row.seq is not None:
            if offset == row.size and not data:
                return ChunkOutcome(_status(row))
            raise UploadConflictError("Загрузка уже завершена", offset=row.received)
        if offset != row.received:
            raise UploadConflictError(
                f"Неверное смещение {offset}: сервер ждёт байт {row.received}",
                offset=row.received,
            )
        if offset + len(data) > row.size:
            raise UploadTooLargeError(
                f"Данные выходят за объявленный размер {row.size} байт", offset=row.received
            )
        if offset < MAGIC_BYTES and offset + len(data) < min(MAGIC_BYTES, row.size):
            raise UploadError(
                f"Первая часть файла должна содержать хотя бы {MAGIC_BYTES} байт",
                offset=row.received,
            )
        if offset == 0:
            found = detect_type(data[:MAGIC_BYTES])
            if found is None:
                raise UploadWrongTypeError("Допускаются только фото JPEG, PNG и документы PDF")
            if found is not EvidenceType(row.content_type):
                raise UploadWrongTypeError(
                    f"Содержимое файла — {found.value}, а объявлено {row.content_type}"
                )
        store.write_at(row.id, offset, data)
        row.received = offset + len(data)
        if row.received < row.size:
            return ChunkOutcome(_status(row))
        if store.sha256_of_part(row.id) == row.sha256:
            store.complete(row.id)
            row.completed_at = now
            row.seq = allocate_seq(session)
            log.info("upload %s complete (%d bytes)", row.id, row.size)
            return ChunkOutcome(_status(row), completed_region=row.region_code)
        store.discard_part(row.id)
        row.received = 0
        log.warning("upload %s: SHA-256 mismatch, bytes discarded", row.id)
    # Raised only now, so that the offset's return to 0 is committed with the discarded file.
    raise UploadChecksumMismatchError(
        "Контрольная сумма SHA-256 не совпала: файл нужно отправить заново", offset=0
    )


def content_path(
    db: Database, store: EvidenceStore, caller: Caller, upload_id: UUID
) -> tuple[Attachment, str]:
    """The complete file of an upload the caller may read (row, path)."""
    with db.snapshot() as session:
        row = _readable(session, caller, upload_id, lock=False)
        session.expunge(row)
    if row.seq is None:
        raise UploadNotFoundError("Файл ещё не загружен полностью")
    return row, str(store.final_path(row.id))


def listing(db: Database, caller: Caller, *, after: int, limit: int) -> AttachmentPage:
    """Complete attachments with ``seq > after`` in the caller's regions, in seq order."""
    page = max(1, min(limit, MAX_LIST_PAGE))
    stmt = select(Attachment).where(Attachment.seq.is_not(None), Attachment.seq > after)
    if not caller.reads_all_regions:
        stmt = stmt.where(Attachment.region_code == (caller.region_code or ""))
    stmt = stmt.order_by(Attachment.seq).limit(page + 1)
    with db.snapshot() as session:
        rows = list(session.execute(stmt).scalars())
    more = len(rows) > page
    rows = rows[:page]
    items = [
        AttachmentWire(
            id=UUID(r.id),
            incident_id=UUID(r.incident_id),
            answer_id=None if r.answer_id is None else UUID(r.answer_id),
            file_name=r.file_name,
            content_type=EvidenceType(r.content_type),
            size=r.size,
            sha256=r.sha256,
            author=r.author,
            completed_at=r.completed_at or r.created_at,
            seq=int(r.seq or 0),
        )
        for r in rows
    ]
    return AttachmentPage(
        attachments=items, next_after=items[-1].seq if items else after, has_more=more
    )


__all__ = [
    "ChunkOutcome",
    "UploadChecksumMismatchError",
    "UploadConflictError",
    "UploadError",
    "UploadForbiddenError",
    "UploadNotFoundError",
    "UploadTooLargeError",
    "UploadWrongTypeError",
    "content_path",
    "create",
    "listing",
    "receive_chunk",
    "status",
]
