"""The headless demo starts a real local server, syncs an operator and prints the queue."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from cur_desktop.demo.embedded import run_demo


@pytest.mark.slow
def test_demo_syncs_an_operator_and_prints_queue_and_figures(tmp_path: Path) -> None:
    out = io.StringIO()
    assert run_demo(tmp_path / "demo", out=out) == 0
    text = out.getvalue()
    pulled = re.search(r"Синхронизация: получено (\d+), отправлено 0, отклонено 0", text)
    assert pulled is not None, text
    assert int(pulled.group(1)) > 100
    assert "Очередь: " in text
    assert re.search(r"доля обработки: \d+\.\d %", text), text
    # A second start reuses the seeded server: seeding is idempotent, so the operator's view
    # (pulled afresh, the server's port being new) holds exactly as many rows, not twice as many.
    again = io.StringIO()
    assert run_demo(tmp_path / "demo", out=again) == 0
    repeat = re.search(r"получено (\d+)", again.getvalue())
    assert repeat is not None
    assert int(repeat.group(1)) == int(pulled.group(1))
