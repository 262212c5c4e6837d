""" "This profile is in use": an OS file lock held by the program for as long as it runs.

The window takes :class:`ProfileLock` of its profile on start and keeps it until it exits;
``cur-desktop restore`` takes it before touching the store and refuses when it cannot. The lock
is an advisory lock on ``<profile>/instance.lock`` (``flock`` on Linux, ``msvcrt.locking`` on
Windows): the OS releases it when the process ends, however it ends, so a crash never leaves a
stale lock behind. The file holds the owner's process id, for the messages only.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from types import TracebackType
from typing import IO

log = logging.getLogger(__name__)

LOCK_FILE_NAME = "instance.lock"


class ProfileLock:
    """The lock of one profile directory (not re-entrant; one per process and profile)."""

    def __init__(self, profile_dir: Path) -> None:
        self.path = profile_dir / LOCK_FILE_NAME
        self._file: IO[str] | None = None

    @property
    def held(self) -> bool:
        """Whether this object holds the lock now."""
        return self._file is not None

    def acquire(self) -> bool:
        """Take the lock without waiting; ``False`` when another process holds it."""
        if self._file is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+", encoding="utf-8")
        if not _try_lock(handle):
            handle.close()
            return False
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._file = handle
        return True

    def release(self) -> None:
        """Let the lock go (also done by the OS when the process ends)."""
        handle, self._file = self._file, None
        if handle is None:
            return
        _unlock(handle)
        handle.close()

    def owner_pid(self) -> int | None:
        """The process id written by the holder, if readable."""
        try:
            text = self.path.read_text(encoding="utf-8").strip()
        except OSError:
            return None
        return int(text) if text.isdigit() else None

    def __enter__(self) -> ProfileLock:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


if sys.platform == "win32":
    import msvcrt

    def _try_lock(handle: IO[str]) -> bool:
        handle.seek(0)
        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(handle: IO[str]) -> None:
        handle.seek(0)
        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
        except OSError:
            log.debug("unlocking %s failed", handle.name)

else:
    import fcntl

    def _try_lock(handle: IO[str]) -> bool:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False
        return True

    def _unlock(handle: IO[str]) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


__all__ = ["LOCK_FILE_NAME", "ProfileLock"]
