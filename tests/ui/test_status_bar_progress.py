"""The status bar during a long first sync: counts, a determinate bar and the time left.

The engine's progress events are given by hand (what a sync of 100,000 changes at 1,000 a
second reports) with a hand-driven clock, and the texts are read back in Russian.
"""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from cur_desktop.sync.events import Syncing, UpToDate
from cur_desktop.ui.status_bar import SyncStatusBar

NBSP = "\u00a0"


def _bar(qtbot: QtBot, now: list[float]) -> SyncStatusBar:
    bar = SyncStatusBar()
    qtbot.addWidget(bar)
    bar.clock = lambda: now[0]
    bar.show()
    return bar


def _grouped(text: str) -> str:
    """Digit groups as plain spaces (the locale may use a no-break space)."""
    return text.replace(NBSP, " ").replace("\u202f", " ")


def test_the_time_left_follows_the_measured_rate(qapp: QApplication, qtbot: QtBot) -> None:
    now = [100.0]
    bar = _bar(qtbot, now)
    bar.on_event(Syncing(up=0, down=0))  # push step: nothing known yet
    assert bar.progress.isVisible()
    assert (bar.progress.minimum(), bar.progress.maximum()) == (0, 0)  # busy

    bar.on_event(Syncing(up=0, down=1000, total=100_000))  # first page: no rate yet
    assert _grouped(bar.sync_label.text()) == "Синхронизация ↑0 ↓1 000"
    assert bar.progress.maximum() == 100_000
    assert bar.progress.value() == 1000
    assert _grouped(bar.progress.format()) == "1 000 / 100 000"

    now[0] = 101.0  # one second later: too soon to tell a rate
    bar.on_event(Syncing(up=0, down=2000, total=100_000))
    assert "осталось" not in bar.sync_label.text()

    now[0] = 120.0  # 20 s, 20,000 more: 1,000/s; 79,000 left = 79 s → 2 min
    bar.on_event(Syncing(up=0, down=21_000, total=100_000))
    assert _grouped(bar.sync_label.text()) == "Синхронизация ↑0 ↓21 000 · осталось ≈ 2 мин"

    now[0] = 160.0  # 60 s, 60,000: 39,000 left = 39 s
    bar.on_event(Syncing(up=0, down=61_000, total=100_000))
    assert bar.sync_label.text().endswith("осталось меньше минуты")
    assert bar.progress.value() == 61_000

    bar.on_event(UpToDate(at=datetime(2026, 3, 16, 9, 5, tzinfo=UTC)))
    assert not bar.progress.isVisible()
    assert bar.sync_label.text().startswith("Данные актуальны на ")


def test_a_slow_sync_tells_minutes(qapp: QApplication, qtbot: QtBot) -> None:
    now = [0.0]
    bar = _bar(qtbot, now)
    bar.on_event(Syncing(up=0, down=500, total=300_000))
    now[0] = 50.0  # 5,000 in 50 s: 100/s; 294,500 left = 2,945 s = 49.08 min → 50
    bar.on_event(Syncing(up=0, down=5_500, total=300_000))
    assert bar.sync_label.text().endswith("осталось ≈ 50 мин")


def test_without_a_total_the_bar_stays_busy(qapp: QApplication, qtbot: QtBot) -> None:
    now = [0.0]
    bar = _bar(qtbot, now)
    bar.on_event(Syncing(up=3, down=1000))  # an older server: no total
    now[0] = 30.0
    bar.on_event(Syncing(up=0, down=9000))
    assert (bar.progress.minimum(), bar.progress.maximum()) == (0, 0)
    assert "осталось" not in bar.sync_label.text()
