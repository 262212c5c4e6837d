"""Kill the window while the operator types: the draft holds all but the last two seconds.

A real window process (``tests/ui/draft_worker.py``) types an answer one character every 50 ms
and reports each keystroke with the system's monotonic clock; the test SIGKILLs it mid-text and
opens the profile again: the saved draft must be a prefix of the text that includes every
character typed up to two seconds before the kill.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from cur_desktop.services.workstation import Workstation
from tests.helpers.stores import profile_with_one_new_incident
from tests.ui.conftest import run_qt

pytestmark = pytest.mark.ui

ROOT = Path(__file__).resolve().parents[2]
TEXT = (
    "Анна, здравствуйте! Яму у дома 5 на улице Ленина дорожная служба заделает до 15 марта. "
    "Пока участок обозначат знаком, после ремонта пришлём фото. Вопрос на нашем контроле, "
    "напишите нам, если что-то изменится."
)
KEEP_WINDOW_S = 2.0


def test_killed_window_keeps_the_draft_but_the_last_two_seconds(
    qapp: QApplication, tmp_path: Path
) -> None:
    profile = tmp_path / "profile"
    incident_id = profile_with_one_new_incident(profile)

    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONUNBUFFERED": "1"}
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config")
    worker = subprocess.Popen(
        [sys.executable, "-m", "tests.ui.draft_worker", str(profile), incident_id, TEXT],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    typed: list[tuple[int, float]] = []
    try:
        assert worker.stdout is not None
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = worker.stdout.readline()
            if not line:
                break
            parts = line.split()
            if parts[0] == "typed":
                typed.append((int(parts[1]), float(parts[2])))
                if int(parts[1]) >= 120:
                    break
        assert typed, "the worker did not type"
        assert typed[-1][0] >= 120
        killed_at = time.monotonic()
        os.kill(worker.pid, signal.SIGKILL)
    finally:
        worker.kill()
        worker.wait(timeout=10)
        if worker.stdout is not None:
            worker.stdout.close()
    assert worker.returncode == -signal.SIGKILL

    must_have = max((n for n, at in typed if at <= killed_at - KEEP_WINDOW_S), default=0)
    assert must_have >= 60

    async def read_draft() -> str | None:
        ws = await Workstation.open(profile)
        try:
            draft = await ws.draft(incident_id)
            return None if draft is None else draft.text
        finally:
            await ws.close()

    saved = run_qt(qapp, read_draft)
    assert saved is not None, "no draft survived the kill"
    assert TEXT.startswith(saved)
    assert len(saved) >= must_have, (len(saved), must_have)
