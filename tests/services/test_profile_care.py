"""Profile care: the profile lock, the backup on start, ``cur-desktop restore`` (list, restore,
refusal while another process holds the profile), the rotated log file."""

from __future__ import annotations

import logging
import subprocess
import sys
from logging.handlers import RotatingFileHandler
from pathlib import Path

import pytest

from cur_desktop import cli
from cur_desktop.services import app_dirs, profile_care
from cur_desktop.services.profile_lock import ProfileLock
from tests.helpers.stores import filled_store, incident_count

HOLD_LOCK = (  # what ProfileLock does (flock on instance.lock, pid inside), without the imports
    "import fcntl, os, sys; f = open(os.path.join(sys.argv[1], 'instance.lock'), 'a+'); "
    "fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB); f.seek(0); f.truncate(); "
    "f.write(f'{os.getpid()}\\n'); f.flush(); print(True, flush=True); sys.stdin.read()"
)


def test_the_lock_is_exclusive_and_released(tmp_path: Path) -> None:
    first, second = ProfileLock(tmp_path), ProfileLock(tmp_path)
    assert first.acquire()
    assert not second.acquire()
    first.release()
    assert second.acquire()
    second.release()


def test_backup_on_start_copies_an_existing_store(tmp_path: Path) -> None:
    profile = tmp_path / "p"
    assert profile_care.backup_on_start(profile) is None  # first start: nothing to copy
    filled_store(profile, rows=7)
    made = profile_care.backup_on_start(profile)
    assert made is not None
    assert made.parent == profile / "backups"
    assert incident_count(made) == 7


def test_restore_lists_then_restores(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    profile = tmp_path / "p"
    db = filled_store(profile, rows=6)
    assert cli.main(["restore", "--profile", str(profile)]) == 0
    assert "Резервных копий нет" in capsys.readouterr().out

    copy = profile_care.backup_on_start(profile)
    assert copy is not None
    filled_store(profile, rows=1, seed=99)
    assert incident_count(db) == 7

    assert cli.main(["restore", "--profile", str(profile)]) == 0
    assert copy.name in capsys.readouterr().out

    assert cli.main(["restore", "--profile", str(profile), "--backup", copy.name]) == 0
    out = capsys.readouterr().out
    assert "восстановлена" in out
    assert "Прежняя база сохранена" in out
    assert incident_count(db) == 6


def test_restore_is_refused_while_another_process_holds_the_profile(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    profile = tmp_path / "p"
    db = filled_store(profile, rows=5)
    copy = profile_care.backup_on_start(profile)
    assert copy is not None
    filled_store(profile, rows=1, seed=98)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(profile)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "True"
        code = cli.main(["restore", "--profile", str(profile), "--backup", copy.name])
        err = capsys.readouterr().err
        assert code == 1
        assert "Программа запущена с этим профилем" in err
        assert f"процесс {holder.pid}" in err
        assert incident_count(db) == 6  # untouched
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=30)
        assert holder.stdout is not None
        holder.stdout.close()
    # the holder is gone: the OS released its lock
    assert cli.main(["restore", "--profile", str(profile), "--backup", copy.name]) == 0
    assert incident_count(db) == 5


def test_the_log_file_is_rotated_in_the_log_directory(tmp_path: Path) -> None:
    root = logging.getLogger()
    before = list(root.handlers)
    level = root.level
    try:
        path = app_dirs.install_file_log(folder=tmp_path / "log")
        again = app_dirs.install_file_log(folder=tmp_path / "elsewhere")
        added = [h for h in root.handlers if h not in before]
        assert len(added) == 1  # idempotent
        (handler,) = added
        assert isinstance(handler, RotatingFileHandler)
        assert handler.maxBytes == 1024 * 1024
        assert handler.backupCount == 5
        logging.getLogger("cur_desktop.test").info("запись в журнал")
        handler.flush()
        assert path == again == tmp_path / "log" / "cur-desktop.log"
        assert "запись в журнал" in path.read_text(encoding="utf-8")
    finally:
        for handler in root.handlers[:]:
            if handler not in before:
                root.removeHandler(handler)
                handler.close()
        root.setLevel(level)


def test_the_directories_follow_the_platform(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if sys.platform != "linux":
        pytest.skip("the XDG variables are Linux's")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    assert app_dirs.data_dir() == tmp_path / "data" / "cur-desktop"
    assert app_dirs.config_dir() == tmp_path / "config" / "cur-desktop"
    assert app_dirs.log_dir() == tmp_path / "state" / "cur-desktop" / "log"
