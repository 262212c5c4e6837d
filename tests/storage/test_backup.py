"""Backups of the local store: the online backup API, the newest five kept, restore checked.

Real store files (migrated by :func:`open_engine`), real copies; the expected file names are
written out by hand from the instants given.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cur_desktop.storage.backup import (
    BackupError,
    backup_dir,
    list_backups,
    make_backup,
    restore_backup,
)
from cur_desktop.sync.profile import DB_FILE_NAME
from tests.helpers.stores import filled_store, incident_count

T0 = datetime(2026, 3, 10, 8, 0, 0, tzinfo=UTC)


def test_no_store_no_backup(tmp_path: Path) -> None:
    assert make_backup(tmp_path / DB_FILE_NAME, T0) is None
    assert not backup_dir(tmp_path).exists()


def test_backup_is_a_sound_copy_and_only_the_newest_five_stay(tmp_path: Path) -> None:
    db = filled_store(tmp_path / "p", rows=30)
    made = [make_backup(db, T0 + timedelta(minutes=i)) for i in range(7)]

    assert made[0] == tmp_path / "p" / "backups" / "local-20260310-080000.sqlite3"
    names = [b.path.name for b in list_backups(tmp_path / "p")]
    assert names == [
        "local-20260310-080600.sqlite3",
        "local-20260310-080500.sqlite3",
        "local-20260310-080400.sqlite3",
        "local-20260310-080300.sqlite3",
        "local-20260310-080200.sqlite3",
    ]
    newest = tmp_path / "p" / "backups" / names[0]
    assert incident_count(newest) == 30
    conn = sqlite3.connect(newest)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()


def test_two_backups_in_one_second_do_not_overwrite(tmp_path: Path) -> None:
    db = filled_store(tmp_path / "p", rows=3)
    first = make_backup(db, T0)
    second = make_backup(db, T0)
    assert first is not None
    assert second is not None
    assert first != second
    assert second.name == "local-20260310-080000-2.sqlite3"


def test_restore_brings_the_copy_back_and_keeps_the_replaced_store(tmp_path: Path) -> None:
    profile = tmp_path / "p"
    db = filled_store(profile, rows=10)
    copy = make_backup(db, T0)
    assert copy is not None
    filled_store(profile, rows=5, seed=9)  # later work: 5 more incidents
    assert incident_count(db) == 15

    kept = restore_backup(db, copy, T0 + timedelta(hours=1))

    assert incident_count(db) == 10
    assert kept == profile / "backups" / "local-20260310-090000-before-restore.sqlite3"
    assert incident_count(kept) == 15
    # the replaced store's copy is never rotated away by later backups
    for i in range(6):
        make_backup(db, T0 + timedelta(hours=2, minutes=i))
    assert kept.exists()


def test_restore_refuses_what_is_not_a_store_copy_and_changes_nothing(tmp_path: Path) -> None:
    db = filled_store(tmp_path / "p", rows=4)
    garbage = tmp_path / "garbage.sqlite3"
    garbage.write_bytes(b"this is not a database" * 100)
    foreign = tmp_path / "foreign.sqlite3"
    conn = sqlite3.connect(foreign)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()

    with pytest.raises(BackupError, match="не является резервной копией"):
        restore_backup(db, garbage, T0)
    with pytest.raises(BackupError, match="не является резервной копией"):
        restore_backup(db, foreign, T0)
    with pytest.raises(BackupError, match="не найден"):
        restore_backup(db, tmp_path / "missing.sqlite3", T0)
    assert incident_count(db) == 4
    assert list_backups(tmp_path / "p") == []
