"""Temporary demo folders left by killed windows are removed at the next ``--demo`` start."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from cur_desktop.demo import window_demo
from cur_desktop.demo.stale_folders import (
    MARKER,
    make_temporary_folder,
    pid_alive,
    remove_stale_folders,
)


def _dead_pid() -> int:
    """The pid of a process that has exited (and was reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


@pytest.fixture
def live_child() -> Iterator[int]:
    """The pid of another process that stays alive during the test."""
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    yield child.pid
    child.kill()
    child.wait()


def _demo_folder(parent: Path, name: str, pid: int | None) -> Path:
    folder = parent / name
    (folder / "profile-x").mkdir(parents=True)
    (folder / "server.sqlite3").write_bytes(b"x")
    if pid is not None:
        (folder / MARKER).write_text(str(pid), encoding="ascii")
    return folder


def test_only_the_folder_of_a_dead_process_is_removed(tmp_path: Path, live_child: int) -> None:
    dead = _demo_folder(tmp_path, "cur-demo-dead", _dead_pid())
    mine = _demo_folder(tmp_path, "cur-demo-mine", os.getpid())
    other_live = _demo_folder(tmp_path, "cur-demo-live", live_child)
    unmarked = _demo_folder(tmp_path, "cur-demo-unmarked", None)  # not ours, or being made
    garbled = _demo_folder(tmp_path, "cur-demo-garbled", None)
    (garbled / MARKER).write_text("not a pid", encoding="ascii")
    given = _demo_folder(tmp_path, "my-demo", _dead_pid())  # not a temporary demo's name

    removed = remove_stale_folders(tmp_path)

    assert removed == [dead]
    assert not dead.exists()
    for kept in (mine, other_live, unmarked, garbled, given):
        assert (kept / "server.sqlite3").exists(), kept


def test_a_new_temporary_folder_holds_this_process_pid(tmp_path: Path) -> None:
    folder = make_temporary_folder(tmp_path)
    assert folder.parent == tmp_path
    assert folder.name.startswith("cur-demo-")
    assert (folder / MARKER).read_text(encoding="ascii") == str(os.getpid())
    assert remove_stale_folders(tmp_path) == []  # this process lives: kept
    assert folder.exists()


def test_pid_alive(live_child: int) -> None:
    assert pid_alive(os.getpid())
    assert pid_alive(live_child)
    assert not pid_alive(_dead_pid())
    assert not pid_alive(0)
    assert not pid_alive(-1)


class _StopError(Exception):
    pass


def test_a_temporary_demo_start_cleans_up_first_and_a_given_folder_never(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []

    def cleanup() -> list[Path]:
        calls.append("cleanup")
        return []

    def make() -> Path:
        calls.append("make")
        raise _StopError

    def database(_url: str) -> object:
        calls.append("database")
        raise _StopError

    monkeypatch.setattr(window_demo, "remove_stale_folders", cleanup)
    monkeypatch.setattr(window_demo, "make_temporary_folder", make)
    monkeypatch.setattr(window_demo, "Database", database)
    with pytest.raises(_StopError):
        window_demo.start_demo_server(None, "operator")
    assert calls == ["cleanup", "make"]
    calls.clear()
    with pytest.raises(_StopError):
        window_demo.start_demo_server(tmp_path / "given", "operator")
    assert calls == ["database"]
