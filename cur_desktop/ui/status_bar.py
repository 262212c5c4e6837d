"""Sync state in the status bar: offline / syncing ↑n ↓m / up to date at HH:MM / k need attention.

The connection state («На связи» / «БЕЗ СВЯЗИ…») is a permanent widget on the right: it stays
visible while passing messages (errors, confirmations) cover the sync text on the left.

It reads the sync engine's plain event objects (delivered on the GUI thread by the bridge) by
their class name and fields, so it needs no import of the sync layer. A long sync that reports a
``total`` (the server tells it on the first pull page) shows a determinate progress bar with
counts and the time left, «осталось ≈ N мин», from the rate measured since the total became
known (after at least :data:`RATE_AFTER_S` seconds); otherwise a busy bar while changes come in.
"""

from __future__ import annotations

import logging
import math
import time
from datetime import datetime

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QProgressBar, QPushButton, QStatusBar, QWidget

from cur_desktop.ui import format as fmt

log = logging.getLogger(__name__)

RATE_AFTER_S = 2.0
"""Seconds of measured progress before the time left is shown (a first page is no rate)."""


class SyncStatusBar(QStatusBar):
    """Status bar with the sync state, a progress bar and the "needs attention" button."""

    attention_clicked = Signal()
    sync_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.mode_label = QLabel(self)
        self.mode_label.setObjectName("modeLabel")
        self.sync_label = QLabel(self)
        self.sync_label.setObjectName("syncLabel")
        self.progress = QProgressBar(self)
        self.progress.setMaximumWidth(260)
        self.progress.setMinimumWidth(180)  # «300 000 / 300 000» on one line
        self.progress.setTextVisible(True)
        self.progress.hide()
        self.attention = QPushButton(self)
        self.attention.setFlat(True)
        self.attention.setStyleSheet("color: #8a1410; font-weight: bold;")
        self.attention.hide()
        self.attention.clicked.connect(self.attention_clicked)
        self.sync_button = QPushButton(self.tr("Sync now"), self)
        self.sync_button.setFlat(True)
        self.sync_button.setToolTip(self.tr("Synchronise with the server now (F5)"))
        self.sync_button.clicked.connect(self.sync_clicked)
        self.addWidget(self.sync_label, 1)
        # permanent (right end): a passing message («Ошибка: …») hides the normal widgets,
        # but the operator must still see whether the workstation is on line
        self.addPermanentWidget(self.mode_label)
        self.addPermanentWidget(self.progress)
        self.addPermanentWidget(self.attention)
        self.addPermanentWidget(self.sync_button)
        self._rate_from: tuple[float, int] | None = None  # (monotonic time, down) at the total
        self.clock = time.monotonic
        self._offline = False
        self.mode_label.hide()  # shown once signed in: online or offline
        self.sync_label.setText(self.tr("Not synchronised yet"))

    # ------------------------------------------------------------------ state

    def set_offline_mode(self, offline: bool) -> None:
        """Say clearly whether the workstation works without the server."""
        self._offline = offline
        self.mode_label.show()
        if offline:
            self.mode_label.setText(self.tr("OFFLINE: changes are kept and sent later"))
            self.mode_label.setStyleSheet(
                "background:#8a1410; color:white; padding:2px 8px; font-weight:bold;"
            )
        else:
            self.mode_label.setText(self.tr("Online"))
            self.mode_label.setStyleSheet("color:#1f5c1a; padding:2px 8px;")

    def show_preparing(self, text: str, done: int | None = None, total: int | None = None) -> None:
        """Start-up progress (demo data being prepared, first sync)."""
        self.sync_label.setText(text)
        self.progress.show()
        if total:
            self.progress.setRange(0, total)
            self.progress.setValue(done or 0)
        else:
            self.progress.setRange(0, 0)

    def on_event(self, event: object) -> None:
        """Show a sync event (by kind)."""
        kind = type(event).__name__
        if kind == "Offline":
            self.set_offline_mode(True)
            self.sync_label.setText(self.tr("Server unreachable; retrying"))
            self._stop_progress()
        elif kind == "Syncing":
            up = int(getattr(event, "up", 0))
            down = int(getattr(event, "down", 0))
            total = getattr(event, "total", None)
            self._on_syncing(up, down, int(total) if total else None)
        elif kind == "UpToDate":
            at = getattr(event, "at", None)
            if self._offline:
                self.set_offline_mode(False)
            when = fmt.region_clock(at) if isinstance(at, datetime) else ""
            self.sync_label.setText(self.tr("Up to date at %1").replace("%1", when))
            self._stop_progress()
        elif kind == "NeedsAttention":
            self.set_attention(int(getattr(event, "count", 0)))
        elif kind == "SyncError":
            message = str(getattr(event, "message", ""))
            self.sync_label.setText(self.tr("Sync stopped: %1").replace("%1", message))
            self._stop_progress()

    def _on_syncing(self, up: int, down: int, total: int | None) -> None:
        text = self.tr("Syncing ↑%1 ↓%2").replace("%1", fmt.number(up))
        text = text.replace("%2", fmt.number(down))
        self.progress.show()
        if total and total > 0:
            self.progress.setRange(0, total)
            self.progress.setValue(min(down, total))
            self.progress.setFormat(f"{fmt.number(down)} / {fmt.number(total)}")
            left = self._time_left(down, total)
            if left:
                text += " · " + left
        else:
            self.progress.setRange(0, 0)
        self.sync_label.setText(text)

    def _time_left(self, down: int, total: int) -> str:
        """«осталось ≈ N мин» from the rate since the total became known ("" while unknown)."""
        now = self.clock()
        if self._rate_from is None:
            self._rate_from = (now, down)
            return ""
        since, down_then = self._rate_from
        elapsed, done = now - since, down - down_then
        if elapsed < RATE_AFTER_S or done <= 0:
            return ""
        left_s = (total - down) / (done / elapsed) if total > down else 0.0
        if left_s < 60:
            return self.tr("less than a minute left")
        minutes = math.ceil(left_s / 60)
        return self.tr("about %1 min left").replace("%1", fmt.number(minutes))

    def _stop_progress(self) -> None:
        self._rate_from = None
        self.progress.hide()

    def set_attention(self, count: int) -> None:
        """Show how many changes need the operator's decision."""
        if count <= 0:
            self.attention.hide()
            return
        self.attention.setText(self.tr("%1 need attention").replace("%1", fmt.number(count)))
        self.attention.show()


__all__ = ["SyncStatusBar"]
