"""Evidence the operator attaches to an answer: check, copy into the profile, list, remove.

:func:`copy_into_profile` runs in a worker thread (a 20 MB file is read twice: hashed and
copied in one pass); the row is written by the workstation's single writer. What the window
gets is :class:`AttachmentView`, with the local file's path when the profile holds it.
"""

from __future__ import annotations

import hashlib
import logging
import os
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Connection

from cur_desktop.domain.evidence import (
    MAGIC_BYTES,
    MAX_ATTACHMENT_BYTES,
    MAX_ATTACHMENTS_PER_ANSWER,
    EvidenceType,
    detect_type,
    short_file_name,
)
from cur_desktop.services.outcomes import CODE_INVALID, CODE_NOT_FOUND, OperationError
from cur_desktop.storage import attachments as store
from cur_desktop.storage import localstate

log = logging.getLogger(__name__)

_EXTENSIONS = {EvidenceType.JPEG: "jpg", EvidenceType.PNG: "png", EvidenceType.PDF: "pdf"}
_BLOCK = 1024 * 1024


@dataclass(frozen=True, slots=True)
class AttachmentView:
    """An attachment as the window shows it."""

    id: str
    incident_id: str
    answer_id: str | None
    file_name: str
    content_type: EvidenceType
    size: int
    state: str
    """``draft`` / ``pending`` / ``uploading`` / ``uploaded`` / ``remote`` / ``failed``."""
    bytes_sent: int
    error: str | None
    author: str | None
    path: Path | None
    """The file in the profile (``None``: only on the server so far)."""

    @property
    def removable(self) -> bool:
        """Only what has not been sent may be removed."""
        return self.state == store.DRAFT


@dataclass(frozen=True, slots=True)
class CopiedFile:
    """A checked file copied into the profile."""

    id: str
    file_name: str
    content_type: EvidenceType
    size: int
    sha256: str
    local_name: str


def copy_into_profile(source: Path, folder: Path) -> CopiedFile:
    """Check ``source`` (size, kind by its first bytes) and copy it into ``folder``.

    Raises :class:`OperationError` with a Russian reason; nothing is left behind then.
    """
    try:
        size = source.stat().st_size
        with source.open("rb") as handle:
            head = handle.read(MAGIC_BYTES)
    except OSError as exc:
        raise OperationError(f"Файл не прочитан: {exc.strerror or exc}", CODE_INVALID) from exc
    if size > MAX_ATTACHMENT_BYTES:
        raise OperationError(
            f"Файл больше {MAX_ATTACHMENT_BYTES // (1024 * 1024)} МБ: уменьшите его", CODE_INVALID
        )
    if size == 0:
        raise OperationError("Файл пуст", CODE_INVALID)
    kind = detect_type(head)
    if kind is None:
        raise OperationError(
            "Можно прикрепить только фото JPEG, PNG или документ PDF", CODE_INVALID
        )
    attachment_id = str(uuid.uuid4())
    local_name = f"{attachment_id}.{_EXTENSIONS[kind]}"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / local_name
    digest = hashlib.sha256()
    copied = 0
    try:
        with source.open("rb") as src, target.open("wb") as dst:
            while block := src.read(_BLOCK):
                digest.update(block)
                dst.write(block)
                copied += len(block)
            dst.flush()
            os.fsync(dst.fileno())
    except OSError as exc:
        target.unlink(missing_ok=True)
        raise OperationError(f"Файл не скопирован: {exc.strerror or exc}", CODE_INVALID) from exc
    if copied != size or copied > MAX_ATTACHMENT_BYTES:
        target.unlink(missing_ok=True)
        raise OperationError("Файл изменился во время копирования", CODE_INVALID)
    return CopiedFile(
        id=attachment_id,
        file_name=short_file_name(source.name),
        content_type=kind,
        size=size,
        sha256=digest.hexdigest(),
        local_name=local_name,
    )


def add_draft(conn: Connection, incident_id: str, copied: CopiedFile, now: datetime) -> None:
    """Record a copied file as a draft attachment of ``incident_id`` (one write transaction)."""
    if localstate.load_view_incident(conn, incident_id) is None:
        raise OperationError("Инцидент не найден", CODE_NOT_FOUND)
    if len(store.drafts(conn, incident_id)) >= MAX_ATTACHMENTS_PER_ANSWER:
        raise OperationError(
            f"К одному ответу можно прикрепить не больше {MAX_ATTACHMENTS_PER_ANSWER} файлов",
            CODE_INVALID,
        )
    store.add(
        conn,
        store.StoredAttachment(
            id=copied.id,
            incident_id=incident_id,
            answer_id=None,
            file_name=copied.file_name,
            content_type=copied.content_type.value,
            size=copied.size,
            sha256=copied.sha256,
            local_name=copied.local_name,
            state=store.DRAFT,
            bytes_sent=0,
            error=None,
            author=None,
            created_at=now,
        ),
    )


def view(item: store.StoredAttachment, folder: Path) -> AttachmentView:
    """The window's view of a stored row."""
    path = folder / item.local_name if item.local_name else None
    return AttachmentView(
        id=item.id,
        incident_id=item.incident_id,
        answer_id=item.answer_id,
        file_name=item.file_name,
        content_type=EvidenceType(item.content_type),
        size=item.size,
        state=item.state,
        bytes_sent=item.bytes_sent,
        error=item.error,
        author=item.author,
        path=path,
    )


__all__ = ["AttachmentView", "CopiedFile", "add_draft", "copy_into_profile", "view"]
