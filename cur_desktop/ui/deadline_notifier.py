"""The desktop notification when one of my incidents enters its warning band.

Every ``CHECK_INTERVAL_MS`` (and within ``AFTER_CHANGES_MS`` of changes) it asks
:class:`cur_desktop.services.deadline_notices.DeadlineNotices` for warnings not notified yet
and shows them once: as a system tray message where a tray exists, else (offscreen, a desktop
without a tray) as a status bar message. What was notified is remembered by the services
layer, so neither the next check nor a restart repeats it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication, QStyle, QSystemTrayIcon

from cur_desktop.services.deadline_notices import DeadlineNotices, DeadlineWarning

log = logging.getLogger(__name__)

CHECK_INTERVAL_MS = 30_000
AFTER_CHANGES_MS = 2_000
"""Changes are checked at most this long after the first of a burst (a sync applies a page of
changes every fraction of a second: a check per page kept a reader busy all along)."""
SHOWN_PER_MESSAGE = 3


class DeadlineNotifier(QObject):
    """Shows deadline warnings once (see the module docstring)."""

    notified = Signal(str, str)
    """``(title, text)`` of a notification that was shown (tests wait on it)."""
    status_message = Signal(str)
    """The notification as one line, for the status bar, when there is no tray."""

    def __init__(
        self,
        notices: DeadlineNotices,
        clock: Callable[[], datetime],
        parent: QObject | None = None,
        *,
        use_tray: bool | None = None,
    ) -> None:
        super().__init__(parent)
        self.notices = notices
        self.clock = clock
        tray_ok = QSystemTrayIcon.isSystemTrayAvailable() if use_tray is None else use_tray
        self.tray: QSystemTrayIcon | None = None
        if tray_ok:
            icon = QApplication.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
            self.tray = QSystemTrayIcon(icon, self)
            self.tray.setToolTip(self.tr("CUR workstation"))
            self.tray.show()
        self._task: asyncio.Future[Any] | None = None
        self._stopped = False
        self._timer = QTimer(self)
        self._timer.setInterval(CHECK_INTERVAL_MS)
        self._timer.timeout.connect(self.check_soon)
        self._after_changes = QTimer(self)
        self._after_changes.setSingleShot(True)
        self._after_changes.setInterval(AFTER_CHANGES_MS)
        self._after_changes.timeout.connect(self.check_soon)

    def start(self) -> None:
        """Check now and then every ``CHECK_INTERVAL_MS``."""
        self._timer.start()
        self.check_soon()

    def changed(self) -> None:
        """Incidents changed: check within :data:`AFTER_CHANGES_MS` (a burst makes one check)."""
        if not self._stopped and not self._after_changes.isActive():
            self._after_changes.start()

    def stop(self) -> None:
        """No more checks (the window is closing)."""
        self._stopped = True
        self._timer.stop()
        self._after_changes.stop()
        if self._task is not None:
            self._task.cancel()
        if self.tray is not None:
            self.tray.hide()

    def check_soon(self) -> None:
        """Start a check unless one runs (or the notifier was stopped)."""
        if self._stopped or (self._task is not None and not self._task.done()):
            return
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return
        self._task = asyncio.ensure_future(self.check())

    async def check(self) -> list[DeadlineWarning]:
        """Ask for new warnings and show them; returns what was shown."""
        try:
            warnings = await self.notices.check(self.clock())
        except Exception:
            log.exception("deadline warnings could not be read")
            return []
        if warnings:
            self._show(warnings)
        return warnings

    def _show(self, warnings: list[DeadlineWarning]) -> None:
        title = self.tr("Deadline soon: less than a quarter of the time left")
        lines = [
            f"{w.author or '—'}: {' '.join(w.preview.split())[:60]}"
            for w in warnings[:SHOWN_PER_MESSAGE]
        ]
        if len(warnings) > SHOWN_PER_MESSAGE:
            lines.append(
                self.tr("and %1 more").replace("%1", str(len(warnings) - SHOWN_PER_MESSAGE))
            )
        text = "\n".join(lines)
        if self.tray is not None:
            self.tray.showMessage(title, text, QSystemTrayIcon.MessageIcon.Warning, 15_000)
        else:
            self.status_message.emit(f"{title}. {' · '.join(lines)}")
        self.notified.emit(title, text)


__all__ = ["CHECK_INTERVAL_MS", "DeadlineNotifier"]
