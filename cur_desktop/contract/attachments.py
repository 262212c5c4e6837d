"""Evidence uploads on the wire: a resumable upload (like tus / GCS resumable) and the listing.

Paths (under ``/api/v1``)::

    POST   /uploads                  UploadCreate -> UploadStatus (201 new, 200 same again)
    GET    /uploads/{id}             -> UploadStatus (the offset to resume from)
    PATCH  /uploads/{id}             body = bytes, header Upload-Offset -> UploadStatus
    GET    /uploads/{id}/content     -> the file (complete uploads only)
    GET    /attachments?after=N      -> AttachmentPage (metadata of complete uploads)

The id is made by the client (a UUID, like every entity id), so creating again after a lost
answer is harmless. A chunk must start at the server's offset (409 with the offset otherwise);
the upload is complete when ``size`` bytes arrived and their SHA-256 equals the declared one.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from cur_desktop.domain.evidence import (
    MAX_ATTACHMENT_BYTES,
    MAX_FILE_NAME_CHARS,
    EvidenceType,
)

UPLOADS_PATH = "/api/v1/uploads"
ATTACHMENTS_PATH = "/api/v1/attachments"
OFFSET_HEADER = "Upload-Offset"
"""Request header of a chunk: where its bytes start (must equal the server's offset)."""
MAX_CHUNK_BYTES = 8 * 1024 * 1024
"""The server refuses a chunk larger than this (413)."""
SHA256_PATTERN = r"^[0-9a-f]{64}$"


class UploadCreate(BaseModel):
    """Declare an upload: what file, for which answer of which incident."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: UUID
    incident_id: UUID
    answer_id: UUID | None = None
    file_name: str = Field(min_length=1, max_length=MAX_FILE_NAME_CHARS)
    content_type: EvidenceType
    size: int = Field(ge=1, le=MAX_ATTACHMENT_BYTES)
    sha256: str = Field(pattern=SHA256_PATTERN)


class UploadStatus(BaseModel):
    """Where an upload stands: ``offset`` bytes received of ``size``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: UUID
    offset: int
    size: int
    complete: bool


class AttachmentWire(BaseModel):
    """Metadata of a complete attachment (the content is fetched on demand)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: UUID
    incident_id: UUID
    answer_id: UUID | None
    file_name: str
    content_type: EvidenceType
    size: int
    sha256: str
    author: str
    completed_at: datetime
    seq: int


class AttachmentPage(BaseModel):
    """Complete attachments with ``seq > after`` the caller may read, in seq order."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    attachments: list[AttachmentWire]
    next_after: int
    has_more: bool


__all__ = [
    "ATTACHMENTS_PATH",
    "MAX_CHUNK_BYTES",
    "OFFSET_HEADER",
    "SHA256_PATTERN",
    "UPLOADS_PATH",
    "AttachmentPage",
    "AttachmentWire",
    "UploadCreate",
    "UploadStatus",
]
