"""Evidence attached to answers (photos, scanned acts): the kinds accepted and their limits.

Both sides decide the kind of a file from its first bytes (magic numbers), never from its name
or a declared type: a renamed executable is not a photo. Pure Python, no I/O.
"""

from __future__ import annotations

from enum import StrEnum


class EvidenceType(StrEnum):
    """The content types an attachment may have."""

    JPEG = "image/jpeg"
    PNG = "image/png"
    PDF = "application/pdf"

    @property
    def is_image(self) -> bool:
        """Whether a thumbnail can be drawn from the file itself."""
        return self is not EvidenceType.PDF


MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
"""At most 20 MiB a file (a phone photo is 2–8 MB, a scanned act a few hundred KB)."""
MAX_ATTACHMENTS_PER_ANSWER = 20
"""At most this many files on one answer."""
MAX_FILE_NAME_CHARS = 200
"""File names are cut to this many characters (the extension is kept)."""

_MAGIC: tuple[tuple[bytes, EvidenceType], ...] = (
    (b"\xff\xd8\xff", EvidenceType.JPEG),
    (b"\x89PNG\r\n\x1a\n", EvidenceType.PNG),
    (b"%PDF-", EvidenceType.PDF),
)
MAGIC_BYTES = max(len(magic) for magic, _ in _MAGIC)
"""How many leading bytes :func:`detect_type` needs to decide."""


def detect_type(head: bytes) -> EvidenceType | None:
    """The evidence type whose magic number ``head`` starts with, else ``None``."""
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    return None


def short_file_name(name: str) -> str:
    """``name`` without folders or control characters, at most :data:`MAX_FILE_NAME_CHARS`."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    clean = "".join(ch for ch in base if ch.isprintable()).strip() or "файл"
    if len(clean) <= MAX_FILE_NAME_CHARS:
        return clean
    stem, dot, ext = clean.rpartition(".")
    if not dot or len(ext) > 10:
        return clean[:MAX_FILE_NAME_CHARS]
    return stem[: MAX_FILE_NAME_CHARS - len(ext) - 1] + "." + ext


__all__ = [
    "MAGIC_BYTES",
    "MAX_ATTACHMENTS_PER_ANSWER",
    "MAX_ATTACHMENT_BYTES",
    "MAX_FILE_NAME_CHARS",
    "EvidenceType",
    "detect_type",
    "short_file_name",
]
