"""«Напомнить»: the answer editor offers a reminder when the answer promises something.

A strip under the editor's text, hidden until the text holds a promise («вернёмся»,
«сообщим дополнительно», a date; :func:`cur_desktop.services.reminders.suggest_reminder`).
It shows the promise, a date/time in the region's time (the date the text names, else the
next working day, 10:00) and a «Напомнить» button; the window stores the reminder through
the workstation. It is attached to an existing editor from outside
(:func:`attach_reminder_offer`), so the editor itself does not change.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDate, QDateTime, QTime, QTimer, QTimeZone, Signal
from PySide6.QtWidgets import (
    QBoxLayout,
    QDateTimeEdit,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QWidget,
)

from cur_desktop.services.reminders import suggest_reminder
from cur_desktop.services.timers import calendar_or_moscow

log = logging.getLogger(__name__)

CHECK_DELAY_MS = 300


def _qdatetime(value: datetime, zone: ZoneInfo) -> QDateTime:
    local = value.astimezone(zone)
    return QDateTime(
        QDate(local.year, local.month, local.day),
        QTime(local.hour, local.minute),
        QTimeZone(zone.key.encode()),
    )


class ReminderOffer(QWidget):
    """The «Напомнить» strip (see the module docstring)."""

    remind_requested = Signal(str, object)
    """``(incident_id, remind_at)``: an aware UTC ``datetime``."""

    def __init__(self, text: QPlainTextEdit, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reminderOffer")
        self.text = text
        self.incident_id: str | None = None
        self.region_code: str | None = None
        self._user_set = False
        self.label = QLabel(self)
        self.label.setObjectName("promiseLabel")
        self.when = QDateTimeEdit(self)
        self.when.setCalendarPopup(True)
        self.when.setDisplayFormat("dd.MM.yyyy HH:mm")
        self.when.dateTimeChanged.connect(self._on_user_changed)
        self.button = QPushButton(self.tr("Remind me"), self)
        self.button.setObjectName("remindButton")
        self.button.clicked.connect(self.request)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.label, 1)
        row.addWidget(self.when)
        row.addWidget(self.button)
        self._check = QTimer(self)
        self._check.setSingleShot(True)
        self._check.setInterval(CHECK_DELAY_MS)
        self._check.timeout.connect(self.refresh)
        text.textChanged.connect(self._check.start)
        self.hide()

    def set_incident(self, incident_id: str | None, region_code: str | None) -> None:
        """The editor now shows ``incident_id`` (of ``region_code``)."""
        self.incident_id = incident_id
        self.region_code = region_code
        self._user_set = False
        self.refresh()

    def _on_user_changed(self) -> None:
        if self.when.hasFocus():
            self._user_set = True

    def refresh(self, now: datetime | None = None) -> None:
        """Look for a promise in the text; show or hide the strip."""
        found = (
            None
            if self.incident_id is None
            else suggest_reminder(
                self.text.toPlainText(), self.region_code, now or datetime.now(UTC)
            )
        )
        if found is None:
            self.hide()
            return
        self.label.setText(
            self.tr("The answer promises «%1». Remind me:").replace("%1", found.promise.phrase)
        )
        if not self._user_set:
            zone = calendar_or_moscow(self.region_code).tzinfo
            self.when.blockSignals(True)
            self.when.setTimeZone(QTimeZone(zone.key.encode()))
            self.when.setDateTime(_qdatetime(found.remind_at, zone))
            self.when.blockSignals(False)
        self.button.setEnabled(True)
        self.show()

    def remind_at(self) -> datetime:
        """The chosen instant (UTC)."""
        return datetime.fromtimestamp(self.when.dateTime().toSecsSinceEpoch(), UTC)

    def request(self) -> None:
        """Ask the window to store the reminder."""
        if self.incident_id is None:
            return
        self.remind_requested.emit(self.incident_id, self.remind_at())
        self.button.setEnabled(False)


def attach_reminder_offer(editor: QWidget, text: QPlainTextEdit) -> ReminderOffer:
    """Put a :class:`ReminderOffer` under the editor's text (above its bottom row)."""
    offer = ReminderOffer(text, editor)
    layout = editor.layout()
    if isinstance(layout, QBoxLayout):
        layout.insertWidget(max(layout.count() - 1, 0), offer)
    return offer


__all__ = ["ReminderOffer", "attach_reminder_offer"]
