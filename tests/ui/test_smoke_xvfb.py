"""Smoke test of the REAL window under Xvfb: ``cur-desktop --demo`` shows something and lives.

Starts an X server (Xvfb, 1366×768), runs ``python -m cur_desktop --demo`` on it (Qt's xcb
platform, not offscreen), takes a screenshot of the whole screen after 20 s with ImageMagick's
``import`` and checks that the picture is not blank and the process is still alive; then asks
it to close with SIGTERM (the demo server it started must go too).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.ui, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
WAIT_S = 20.0
TOOLS = ("Xvfb", "import", "identify")


@pytest.fixture
def display(tmp_path: Path) -> object:
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:
        pytest.skip(f"needs {', '.join(missing)} (xvfb, imagemagick; .ci/run installs them)")
    read_fd, write_fd = os.pipe()
    xvfb = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "1366x768x24", "-nolisten", "tcp"],
        pass_fds=(write_fd,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    with os.fdopen(read_fd) as pipe:
        number = pipe.readline().strip()
    assert number.isdigit(), "Xvfb did not report its display"
    try:
        yield f":{number}"
    finally:
        xvfb.terminate()
        xvfb.wait(timeout=10)


def test_demo_window_shows_and_stays_alive(display: str, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    env.update(
        DISPLAY=display,
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_DATA_HOME=str(tmp_path / "data"),
        PYTHONUNBUFFERED="1",
    )
    log_path = tmp_path / "window.log"
    with log_path.open("wb") as log_file:
        app = subprocess.Popen(
            [sys.executable, "-m", "cur_desktop", "--demo", "-v"],
            cwd=ROOT,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    shot = tmp_path / "screen.png"
    try:
        time.sleep(WAIT_S)
        alive = app.poll() is None
        subprocess.run(
            ["import", "-window", "root", str(shot)],
            env={**env, "DISPLAY": display},
            check=True,
            timeout=60,
        )
        colours = int(
            subprocess.run(
                ["identify", "-format", "%k", str(shot)],
                capture_output=True,
                text=True,
                check=True,
                timeout=60,
            ).stdout.strip()
        )
        assert alive, log_path.read_text(encoding="utf-8", errors="replace")[-3000:]
        assert colours > 20, f"the screen looks blank ({colours} colours)"
        app.send_signal(signal.SIGTERM)
        app.wait(timeout=60)
    finally:
        if app.poll() is None:
            app.kill()
            app.wait(timeout=10)
        with contextlib.suppress(ProcessLookupError):  # the demo server, if left behind
            os.killpg(app.pid, signal.SIGKILL)
    log = log_path.read_text(encoding="utf-8", errors="replace")
    assert "Traceback" not in log, log[-3000:]
