"""Files of evidence uploads under the server's data directory.

Layout: ``<data dir>/attachments/<first two hex digits of the id>/<id>.part`` while the upload
runs, renamed to ``<id>`` once it is complete and its SHA-256 checked. The directory is
``cur-server serve --data-dir`` (environment ``CUR_SERVER_DATA_DIR`` for worker processes);
without it, beside a SQLite database file, else the user data directory of ``cur-server``.
"""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path

import platformdirs
from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)

DATA_DIR_ENV = "CUR_SERVER_DATA_DIR"
_HASH_BLOCK = 1024 * 1024


def default_data_dir(db_url: str) -> Path:
    """Beside the SQLite file of ``db_url``; else the user data directory of ``cur-server``."""
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database).resolve().parent
    return Path(platformdirs.user_data_dir("cur-server", appauthor=False))


class EvidenceStore:
    """Reads and writes the files of uploads (ids are UUIDs checked by the caller)."""

    def __init__(self, data_dir: Path) -> None:
        self.root = data_dir / "attachments"

    def _folder(self, upload_id: str) -> Path:
        return self.root / upload_id[:2]

    def part_path(self, upload_id: str) -> Path:
        """The file being received."""
        return self._folder(upload_id) / f"{upload_id}.part"

    def final_path(self, upload_id: str) -> Path:
        """The complete file."""
        return self._folder(upload_id) / upload_id

    def write_at(self, upload_id: str, offset: int, data: bytes) -> None:
        """Write ``data`` at ``offset`` of the part file, cut what lay beyond, and fsync."""
        path = self.part_path(upload_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            os.ftruncate(fd, offset)
            os.pwrite(fd, data, offset)
            os.fsync(fd)
        finally:
            os.close(fd)

    def head(self, upload_id: str, count: int) -> bytes:
        """The first ``count`` bytes of the part file."""
        with self.part_path(upload_id).open("rb") as handle:
            return handle.read(count)

    def sha256_of_part(self, upload_id: str) -> str:
        """SHA-256 (hex) of the part file."""
        digest = hashlib.sha256()
        with self.part_path(upload_id).open("rb") as handle:
            while block := handle.read(_HASH_BLOCK):
                digest.update(block)
        return digest.hexdigest()

    def complete(self, upload_id: str) -> None:
        """The part file becomes the complete file."""
        os.replace(self.part_path(upload_id), self.final_path(upload_id))

    def discard_part(self, upload_id: str) -> None:
        """Drop what was received (a failed checksum starts the upload over)."""
        self.part_path(upload_id).unlink(missing_ok=True)


__all__ = ["DATA_DIR_ENV", "EvidenceStore", "default_data_dir"]
