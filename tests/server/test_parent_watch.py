"""The demo's embedded server does not outlive the process that started it (killed, crashed).

Fast: the watcher thread itself on a pipe. Slow: a real parent process starts the real server
through :func:`running_demo_server` and is killed with SIGKILL; the server must stop.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import httpx
import pytest

from cur_desktop.server.parent_watch import exit_with_stdin

WAIT_S = 30.0


def test_watcher_fires_when_the_write_end_closes() -> None:
    read_end, write_end = os.pipe()
    fired = threading.Event()
    try:
        thread = exit_with_stdin(read_end, fired.set)
        os.write(write_end, b"not an end")  # data is not end-of-file
        assert not fired.wait(0.2)
        os.close(write_end)
        write_end = -1
        assert fired.wait(WAIT_S)
        thread.join(WAIT_S)
        assert not thread.is_alive()
    finally:
        if write_end >= 0:
            os.close(write_end)
        os.close(read_end)


def running(pid: int) -> bool:
    """Is ``pid`` a live process (a zombie nobody reaped yet counts as stopped)?"""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def wait_stopped(pid: int) -> bool:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        if not running(pid):
            return True
        time.sleep(0.2)
    return False


PARENT = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from cur_desktop.demo.embedded import running_demo_server
    from cur_desktop.server.db import Database
    from cur_desktop.server.migrate import upgrade

    folder = Path(sys.argv[1])
    url = f"sqlite:///{folder / 'server.sqlite3'}"
    db = Database(url)
    upgrade(db.engine)
    db.engine.dispose()
    with running_demo_server(url, folder / "server.log") as server:
        print(server.process.pid, server.base_url, flush=True)
        time.sleep(600)
    """
)


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_embedded_server_stops_when_its_parent_is_killed(tmp_path: Path) -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, str(tmp_path)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )
    server_pid = 0
    try:
        assert parent.stdout is not None
        server_pid_text, base_url = parent.stdout.readline().split()
        server_pid = int(server_pid_text)
        assert httpx.get(f"{base_url}/api/v1/health", timeout=10).status_code == 200

        parent.send_signal(signal.SIGKILL)
        assert parent.wait(WAIT_S) == -signal.SIGKILL

        assert wait_stopped(server_pid), "the server runs on after its parent was killed"
        assert "parent process is gone" in (tmp_path / "server.log").read_text()
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait(WAIT_S)
        assert parent.stdout is not None
        parent.stdout.close()
        if server_pid and running(server_pid):
            os.kill(server_pid, signal.SIGKILL)
