"""``cur-desktop --demo`` killed with SIGKILL (as a crash would): its demo server must not live on.

The real window (offscreen), the real embedded server process; slow (the demo seeds first).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

WAIT_S = 120.0
SERVER_MARK = "cur_desktop.server.commands"


def running(pid: int) -> bool:
    """Is ``pid`` a live process (an unreaped zombie counts as stopped)?"""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def server_children(pid: int) -> list[int]:
    """The demo server processes among the children of ``pid``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == pid and SERVER_MARK in cmdline and " serve " in cmdline:
            found.append(int(entry.name))
    return found


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_killed_demo_window_leaves_no_server(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
        "HOME": str(tmp_path),  # the window's settings stay in the test's folder
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
    }
    log = (tmp_path / "window.log").open("wb")
    window = subprocess.Popen(
        [sys.executable, "-m", "cur_desktop", "--demo", "--demo-dir", str(tmp_path / "demo")],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )
    servers: list[int] = []
    try:
        deadline = time.monotonic() + WAIT_S
        server_log = tmp_path / "demo" / "server.log"
        while time.monotonic() < deadline and window.poll() is None:
            servers = server_children(window.pid)
            if servers and "Application startup complete" in _text(server_log):
                break
            time.sleep(0.5)
        assert servers, f"no demo server started: {_text(tmp_path / 'window.log')[-2000:]}"

        window.send_signal(signal.SIGKILL)
        assert window.wait(WAIT_S) == -signal.SIGKILL

        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline and any(running(pid) for pid in servers):
            time.sleep(0.2)
        assert not any(running(pid) for pid in servers), "demo server orphaned"
    finally:
        if window.poll() is None:
            window.kill()
            window.wait(WAIT_S)
        log.close()
        for pid in servers:
            if running(pid):
                os.kill(pid, signal.SIGKILL)


def _text(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except OSError:
        return ""
