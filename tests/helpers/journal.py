"""An append-only text journal for worker processes that the tests SIGKILL.

Every line is flushed as it is written, so the parent reads what the child had done (or was
about to do) when it died.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO


class Journal:
    """Append-only text journal, flushed after every line (survives a SIGKILL of the writer)."""

    def __init__(self, path: Path) -> None:
        self._file: IO[str] = path.open("a", encoding="utf-8", buffering=1)

    def line(self, text: str) -> None:
        """Append ``text`` as one line, flushed."""
        self._file.write(text + "\n")
        self._file.flush()
