"""Temporary demo folders: made with a pid marker, and left-overs of dead processes removed.

``cur-desktop --demo`` (without ``--demo-dir``) keeps its data in a fresh ``cur-demo-*`` folder
under the system's temporary directory and removes it when the window closes. A window killed
(SIGKILL, a crash, a power cut) cannot, so the folder stays behind. Each such folder therefore
holds :data:`MARKER`, a file with the pid of the process that made it; the next ``--demo`` start
removes the ``cur-demo-*`` folders whose marker names a pid that is no longer alive. A folder
without a marker (not ours, or still being made), one whose process lives, and any folder given
with ``--demo-dir`` (never marked, and not looked for) are left alone.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)

PREFIX = "cur-demo-"
MARKER = "cur-demo.pid"
"""The file in a temporary demo folder holding the pid of the process that made it."""


def pid_alive(pid: int) -> bool:
    """Whether a process with ``pid`` exists (a pid of another user's process counts)."""
    if pid <= 0:
        return False
    if sys.platform == "win32":
        import ctypes  # noqa: PLC0415 (Windows only)

        query_limited_information, still_active = 0x1000, 259
        kernel32 = ctypes.windll.kernel32
        handle = kernel32.OpenProcess(query_limited_information, False, pid)
        if not handle:  # no such process (or one we may not even query: keep it then)
            return bool(ctypes.GetLastError() == 5)  # ERROR_ACCESS_DENIED
        try:
            code = ctypes.c_ulong()
            kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
            return code.value == still_active
        finally:
            kernel32.CloseHandle(handle)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


def make_temporary_folder(parent: Path | None = None) -> Path:
    """A new ``cur-demo-*`` folder under ``parent`` (the temporary directory), marked with the
    pid of this process."""
    where = Path(tempfile.mkdtemp(prefix=PREFIX, dir=parent))
    (where / MARKER).write_text(str(os.getpid()), encoding="ascii")
    return where


def _owner(folder: Path) -> int | None:
    try:
        return int((folder / MARKER).read_text(encoding="ascii").strip())
    except (OSError, ValueError):
        return None


def remove_stale_folders(parent: Path | None = None) -> list[Path]:
    """Remove the marked ``cur-demo-*`` folders under ``parent`` (the temporary directory) whose
    process is gone; return them. Folders without a readable marker are left alone."""
    base = Path(tempfile.gettempdir()) if parent is None else parent
    removed: list[Path] = []
    try:
        candidates = sorted(base.glob(f"{PREFIX}*"))
    except OSError as exc:
        log.warning("demo folders not looked at in %s: %s", base, exc)
        return removed
    for folder in candidates:
        if not folder.is_dir() or folder.is_symlink():
            continue
        pid = _owner(folder)
        if pid is None or pid == os.getpid() or pid_alive(pid):
            continue
        shutil.rmtree(folder, ignore_errors=True)
        if not folder.exists():
            log.info("removed the demo folder %s left by process %d", folder, pid)
            removed.append(folder)
    return removed


__all__ = ["MARKER", "make_temporary_folder", "pid_alive", "remove_stale_folders"]
