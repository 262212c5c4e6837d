"""Care of a profile's store: a backup on every start, and restoring one.

:func:`backup_on_start` copies the store before the window opens it (SQLite's online backup
API, the newest :data:`~cur_desktop.storage.backup.DEFAULT_KEEP` kept in ``<profile>/backups/``).
:func:`restore` (``cur-desktop restore``) replaces the store by a backup only while no program
holds the profile (:class:`~cur_desktop.services.profile_lock.ProfileLock`); the replaced
store is kept as one more copy, so a restore never loses anything.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

from cur_desktop.services.outcomes import OperationError
from cur_desktop.services.profile_lock import ProfileLock
from cur_desktop.storage.backup import (
    DEFAULT_KEEP,
    BackupError,
    BackupFile,
    backup_dir,
    list_backups,
    make_backup,
    restore_backup,
)
from cur_desktop.sync.profile import Profile

log = logging.getLogger(__name__)

CODE_PROFILE_BUSY = "profile_busy"
CODE_BACKUP_FAILED = "backup_failed"


def backup_on_start(profile_dir: Path | None, *, keep: int = DEFAULT_KEEP) -> Path | None:
    """Back up the profile's store (if it exists yet); ``None`` when there was nothing."""
    profile = Profile.at(profile_dir)
    try:
        return make_backup(profile.db_path, datetime.now(UTC), keep=keep)
    except BackupError as exc:
        # a failed backup must not keep the operator from working: logged, the start goes on
        log.warning("%s", exc)
        return None


def backups(profile_dir: Path | None) -> list[BackupFile]:
    """The profile's backups, newest first."""
    return list_backups(Profile.at(profile_dir).directory)


def resolve_backup(profile_dir: Path | None, name: Path) -> Path:
    """A backup given by path, or by file name inside the profile's ``backups/``."""
    if name.exists():
        return name
    return backup_dir(Profile.at(profile_dir).directory) / name.name


def restore(profile_dir: Path | None, backup: Path) -> Path | None:
    """Replace the profile's store by ``backup``; the replaced store's copy (or ``None``).

    Raises :class:`OperationError` (Russian message) when the program runs with this profile or
    the backup is not sound; nothing is changed then.
    """
    profile = Profile.at(profile_dir)
    lock = ProfileLock(profile.directory)
    if not lock.acquire():
        pid = lock.owner_pid()
        who = f" (процесс {pid})" if pid else ""
        raise OperationError(
            f"Программа запущена с этим профилем{who}: закройте её и повторите восстановление.",
            CODE_PROFILE_BUSY,
        )
    try:
        return restore_backup(profile.db_path, resolve_backup(profile_dir, backup), _now())
    except BackupError as exc:
        raise OperationError(str(exc), CODE_BACKUP_FAILED) from exc
    finally:
        lock.release()


def _now() -> datetime:
    return datetime.now(UTC)


__all__ = ["backup_on_start", "backups", "resolve_backup", "restore"]
