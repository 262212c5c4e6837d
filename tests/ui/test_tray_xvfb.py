"""The deadline notification through a REAL system tray (issue 9 item 6), under Xvfb.

Every other notifier test runs offscreen, where there is no tray, with ``use_tray=False``.
Here an X server (Xvfb) and a tray host (Debian's ``trayer``, which owns the
``_NET_SYSTEM_TRAY_S0`` selection) run, and a child process (tests/ui/tray_child.py) on Qt's
xcb platform builds the real ``DeadlineNotifier(use_tray=None)`` over a real store with one of
ivanova's incidents entering its warning band. The facts it reports must show: Qt sees a
tray, the notifier chose it (not the status bar), ``showMessage`` ran once with the Russian
title and the incident's author and text, Qt's balloon appeared with them, and a second
check showed nothing. Skipped with a reason when Xvfb or trayer is missing (.ci/run installs
both).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = [pytest.mark.ui, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ("Xvfb", "trayer")
TITLE = "Срок скоро истекает: осталось меньше четверти времени"
TEXT = "Анна Смирнова: Не вывезли мусор во дворе дома 5"  # the text's runs of spaces joined
TRAYER_WAIT_S = 15.0
TRAYER = (
    *("trayer", "--edge", "bottom", "--align", "right"),
    *("--widthtype", "pixel", "--width", "240", "--heighttype", "pixel", "--height", "32"),
)
"""A 240×32 tray panel at the bottom right corner of the screen."""
SHOT = ROOT / "build" / "ui-screenshots" / "tray-balloon.png"
"""A copy of the child's screenshot of the balloon (``build/`` is not committed)."""


def _start_trayer(display: str) -> subprocess.Popen[bytes]:
    """Start trayer on ``display`` and wait until its window exists (its selection is taken
    at start-up; the child also waits for Qt to see it)."""
    trayer = subprocess.Popen(
        list(TRAYER),
        env={**os.environ, "DISPLAY": display},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    if shutil.which("xdotool"):
        deadline = time.monotonic() + TRAYER_WAIT_S
        while time.monotonic() < deadline and trayer.poll() is None:
            found = subprocess.run(
                ["xdotool", "search", "--class", "trayer"],
                check=False,  # no window yet: exit status 1
                env={**os.environ, "DISPLAY": display},
                capture_output=True,
                timeout=30,
            )
            if found.stdout.strip():
                break
            time.sleep(0.1)
    return trayer


@pytest.fixture
def tray_display() -> Iterator[str]:
    """An Xvfb display with trayer on it."""
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:
        reason = f"needs {', '.join(missing)} (apt-get install xvfb trayer; .ci/run does)"
        print(f"SKIPPED: {reason}")
        pytest.skip(reason)
    read_fd, write_fd = os.pipe()
    xvfb = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "1024x768x24", "-nolisten", "tcp"],
        pass_fds=(write_fd,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    with os.fdopen(read_fd) as pipe:
        number = pipe.readline().strip()
    assert number.isdigit(), "Xvfb did not report its display"
    display = f":{number}"
    trayer = _start_trayer(display)
    try:
        assert trayer.poll() is None, f"trayer exited at once ({trayer.returncode})"
        yield display
    finally:
        for proc in (trayer, xvfb):
            proc.terminate()
            proc.wait(timeout=10)


def test_the_warning_notification_shows_once_in_a_real_system_tray(
    tray_display: str, tmp_path: Path
) -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        # no session bus: Qt would otherwise prefer a StatusNotifierItem over the XEmbed tray
        if k not in ("QT_QPA_PLATFORM", "DBUS_SESSION_BUS_ADDRESS", "CUR_DESKTOP_LANG")
    }
    env.update(
        DISPLAY=tray_display,
        QT_QPA_PLATFORM="xcb",
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_DATA_HOME=str(tmp_path / "data"),
        PYTHONPATH=os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep),
        PYTHONUNBUFFERED="1",
    )
    child = subprocess.run(
        [sys.executable, "-m", "tests.ui.tray_child", str(tmp_path)],
        check=False,  # judged below, with its output
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = f"stdout:\n{child.stdout[-3000:]}\nstderr:\n{child.stderr[-3000:]}"
    assert child.returncode == 0, output
    facts = json.loads((tmp_path / "facts.json").read_text(encoding="utf-8"))
    print(json.dumps(facts, ensure_ascii=False, indent=1))
    if "screenshot" in facts:
        SHOT.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(facts["screenshot"], SHOT)
        print(f"screenshot of the balloon: {SHOT}")

    assert facts["platform"] == "xcb"
    assert facts["tray_available"] is True, "Qt sees no system tray on the display"
    assert facts["chose_tray"] is True, "the notifier fell back to the status bar"
    assert facts["tray_visible"] is True
    assert facts["before_band"] == 0
    assert facts["balloons_before_band"] == 0
    assert facts["in_band_ids"] == [facts["expected_id"]]
    assert facts["status_messages"] == [], "the warning went to the status bar"
    assert facts["show_message_calls"] == [[TITLE, TEXT]]
    assert facts["notified"] == [[TITLE, TEXT]]
    assert len(facts["balloons"]) == 1, "Qt's balloon did not appear"
    assert facts["balloons"][0]["labels"] == [TITLE, TEXT]
    # once only: the next check finds nothing new and no balloon comes back
    assert facts["second_check"] == 0
    assert facts["balloons_after_second_check"] == 0
    assert "Traceback" not in child.stderr, output
