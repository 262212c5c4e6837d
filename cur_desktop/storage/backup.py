"""Local backups of the profile's store: SQLite's online backup API, the newest N kept.

:func:`make_backup` copies ``local.sqlite3`` into ``<profile>/backups/`` with
:meth:`sqlite3.Connection.backup` (a consistent copy of a live WAL database, page by page, no
file copy of a half-written file) and keeps the newest ``keep`` copies.
:func:`restore_backup` checks a copy (``PRAGMA integrity_check``, an Alembic revision present),
keeps the current store as one more copy (``...-before-restore.sqlite3``, never pruned by the
rotation), and writes the copy into the store through the same backup API, so the WAL and
shared-memory files of the store stay consistent. Callers make sure no program has the store
open (:mod:`cur_desktop.services.profile_lock`).
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

log = logging.getLogger(__name__)

BACKUP_DIR_NAME = "backups"
DEFAULT_KEEP = 5
_PREFIX = "local-"
_SUFFIX = ".sqlite3"
_BEFORE_RESTORE = "-before-restore"
_STAMP = "%Y%m%d-%H%M%S"


class BackupError(RuntimeError):
    """A backup could not be made or restored (the message is Russian, for the operator)."""


@dataclass(frozen=True, slots=True)
class BackupFile:
    """One backup copy."""

    path: Path
    made_at: datetime
    size_bytes: int


def backup_dir(profile_dir: Path) -> Path:
    """Where the profile's backups live."""
    return profile_dir / BACKUP_DIR_NAME


def _copy(source: sqlite3.Connection, target_path: Path) -> None:
    target = sqlite3.connect(target_path)
    try:
        source.backup(target)
    finally:
        target.close()


def _free_name(folder: Path, stamp: str, tail: str = "") -> Path:
    path = folder / f"{_PREFIX}{stamp}{tail}{_SUFFIX}"
    counter = 1
    while path.exists():  # two starts within one second
        counter += 1
        path = folder / f"{_PREFIX}{stamp}-{counter}{tail}{_SUFFIX}"
    return path


def make_backup(db_path: Path, now: datetime, *, keep: int = DEFAULT_KEEP) -> Path | None:
    """Copy the store ``db_path`` into its profile's ``backups/``; keep the newest ``keep``.

    Returns the new copy, or ``None`` when there is no store yet (a first start).
    """
    if not db_path.exists():
        return None
    folder = backup_dir(db_path.parent)
    folder.mkdir(parents=True, exist_ok=True)
    target = _free_name(folder, now.strftime(_STAMP))
    source = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        _copy(source, target)
    except sqlite3.Error as exc:
        with contextlib.suppress(OSError):
            target.unlink()
        raise BackupError(f"Не удалось сделать резервную копию базы: {exc}") from exc
    finally:
        source.close()
    prune(folder, keep)
    log.info("store backed up to %s", target)
    return target


def list_backups(profile_dir: Path) -> list[BackupFile]:
    """The profile's backups, newest first (by the time in the name, then the name)."""
    folder = backup_dir(profile_dir)
    if not folder.is_dir():
        return []
    found: list[BackupFile] = []
    for path in folder.glob(f"{_PREFIX}*{_SUFFIX}"):
        stamp = path.name.removeprefix(_PREFIX)[: len("YYYYmmdd-HHMMSS")]
        try:
            made_at = datetime.strptime(stamp, _STAMP)
        except ValueError:
            continue
        found.append(BackupFile(path, made_at, path.stat().st_size))
    found.sort(key=lambda b: (b.made_at, b.path.name), reverse=True)
    return found


def prune(folder: Path, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` rotation copies (never the before-restore ones)."""
    rotating = [b for b in list_backups(folder.parent) if _BEFORE_RESTORE not in b.path.name]
    removed = [b.path for b in rotating[keep:]]
    for path in removed:
        path.unlink(missing_ok=True)
    return removed


def check_backup(path: Path) -> None:
    """Raise :class:`BackupError` unless ``path`` is a sound store copy."""
    if not path.is_file():
        raise BackupError(f"Файл резервной копии не найден: {path}")
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            verdict = conn.execute("PRAGMA integrity_check").fetchone()
            revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise BackupError(f"Файл не является резервной копией базы ЦУР: {path} ({exc})") from exc
    if verdict is None or verdict[0] != "ok":
        raise BackupError(f"Резервная копия повреждена: {path}")
    if revision is None:
        raise BackupError(f"В файле нет схемы базы ЦУР: {path}")


def restore_backup(db_path: Path, backup: Path, now: datetime) -> Path | None:
    """Replace the store ``db_path`` by ``backup``; return the copy of the replaced store.

    The backup is checked first; nothing is changed when it is not sound.
    """
    check_backup(backup)
    kept: Path | None = None
    if db_path.exists():
        folder = backup_dir(db_path.parent)
        folder.mkdir(parents=True, exist_ok=True)
        kept = _free_name(folder, now.strftime(_STAMP), _BEFORE_RESTORE)
        current = sqlite3.connect(db_path)
        try:
            _copy(current, kept)
        finally:
            current.close()
    source = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
    target = sqlite3.connect(db_path)
    try:
        source.backup(target)
    except sqlite3.Error as exc:
        raise BackupError(f"Не удалось восстановить базу из {backup}: {exc}") from exc
    finally:
        target.close()
        source.close()
    log.info("store restored from %s (previous store kept as %s)", backup, kept)
    return kept


__all__ = [
    "DEFAULT_KEEP",
    "BackupError",
    "BackupFile",
    "backup_dir",
    "check_backup",
    "list_backups",
    "make_backup",
    "prune",
    "restore_backup",
]
