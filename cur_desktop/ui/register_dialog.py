"""Register an incident by hand: a phone call, a letter or a visit (Ctrl+N).

The dialog collects the channel, the resident's name and contact, the text, the region (only
the user's own: the server puts the incident there whatever the client says), municipality,
topic and the time the resident got in touch (default: now, in the region's local time). It
hands them to an async ``submit`` callable (the window's: :meth:`Workstation.register_incident`),
which works offline. A refusal (an empty text, a time in the future) is shown in the dialog in
Russian and nothing typed is lost; on success the dialog closes and ``registered_id`` holds
the new incident's id.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from PySide6.QtCore import QDateTime, QTimeZone
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from cur_desktop.services.outcomes import OperationError
from cur_desktop.services.window_reads import Reference
from cur_desktop.ui.incident_card import channel_title

log = logging.getLogger(__name__)

CHANNELS = ("phone", "letter", "visit")
"""Channels offered, in this order (the services layer names them)."""


@dataclass(frozen=True, slots=True)
class Registration:
    """What the operator entered."""

    channel: str
    author: str
    contact: str
    text: str
    received_at: datetime
    region_code: str | None
    municipality_id: str | None
    topic_code: str | None


Submit = Callable[[Registration], Awaitable[str]]
"""Registers and returns the new incident's id; raises ``OperationError`` on a refusal."""


class RegisterDialog(QDialog):
    """The «Зарегистрировать обращение» dialog (see the module docstring)."""

    def __init__(
        self,
        submit: Submit,
        ref: Reference,
        region_code: str | None,
        timezone: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("registerDialog")
        self.setWindowTitle(self.tr("Register an incident"))
        self._submit = submit
        self._zone = QTimeZone(timezone.encode())
        self._task: asyncio.Future[None] | None = None
        self.registered_id: str | None = None
        self.channel = QComboBox(self)
        for channel in CHANNELS:
            self.channel.addItem(channel_title(channel), channel)
        self.author = QLineEdit(self)
        self.author.setPlaceholderText(self.tr("Full name, as the resident gave it"))
        self.author.setMaxLength(300)
        self.contact = QLineEdit(self)
        self.contact.setPlaceholderText(self.tr("Phone, e-mail or postal address"))
        self.contact.setMaxLength(300)
        self.text = QPlainTextEdit(self)
        self.text.setPlaceholderText(self.tr("What the resident reports or asks, in their words"))
        self.text.textChanged.connect(self._on_text_changed)
        self.region = QComboBox(self)
        for code, name in ref.regions.items():
            self.region.addItem(f"{name} ({code})", code)
        if region_code is not None and self.region.findData(region_code) < 0:
            self.region.addItem(region_code, region_code)
        self.region.setCurrentIndex(max(self.region.findData(region_code), 0))
        self.region.setEnabled(self.region.count() > 1)
        self.region.setToolTip(self.tr("Incidents are registered in your own region only"))
        self.municipality = _choice(self, ref.municipalities)
        self.topic = _choice(self, ref.topics)
        self.received = QDateTimeEdit(self)
        self.received.setObjectName("receivedAt")
        self.received.setCalendarPopup(True)
        self.received.setDisplayFormat("dd.MM.yyyy HH:mm")
        self.received.setTimeZone(self._zone)
        now = QDateTime.currentDateTime().toTimeZone(self._zone)
        self.received.setDateTime(now)
        self.received.setMaximumDateTime(now.addSecs(300))
        self.message = QLabel(self)
        self.message.setObjectName("registerMessage")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #8a1410;")
        self.message.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText(self.tr("Register"))
        self.buttons.accepted.connect(self._on_ok)
        self.buttons.rejected.connect(self.reject)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow(self.tr("Channel:"), self.channel)
        form.addRow(self.tr("Resident:"), self.author)
        form.addRow(self.tr("Contact:"), self.contact)
        form.addRow(self.tr("Received (region's time):"), self.received)
        form.addRow(self.tr("Region:"), self.region)
        form.addRow(self.tr("Municipality:"), self.municipality)
        form.addRow(self.tr("Topic:"), self.topic)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(QLabel(self.tr("Text of the appeal:"), self))
        layout.addWidget(self.text, 1)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.resize(640, 560)

    def registration(self) -> Registration:
        """What is entered now."""
        received = datetime.fromtimestamp(self.received.dateTime().toSecsSinceEpoch(), UTC)
        return Registration(
            channel=str(self.channel.currentData()),
            author=self.author.text().strip(),
            contact=self.contact.text().strip(),
            text=self.text.toPlainText().strip(),
            received_at=received,
            region_code=_data(self.region),
            municipality_id=_data(self.municipality),
            topic_code=_data(self.topic),
        )

    def show_message(self, text: str) -> None:
        """A refusal, in Russian, kept beside what was typed."""
        self.message.setText(text)
        self.message.show()

    def _on_text_changed(self) -> None:
        if self.text.toPlainText().strip() and self.message.isVisible():
            self.message.hide()

    def _on_ok(self) -> None:
        if self._task is not None and not self._task.done():
            return
        entered = self.registration()
        if not entered.text:
            self.show_message(self.tr("Enter the text of the appeal."))
            self.text.setFocus()
            return
        self.buttons.setEnabled(False)
        self._task = asyncio.ensure_future(self._register(entered))

    async def _register(self, entered: Registration) -> None:
        try:
            self.registered_id = await self._submit(entered)
        except OperationError as exc:
            log.info("registration refused: %s", exc.message)
            self.show_message(exc.message)
            return
        finally:
            self.buttons.setEnabled(True)
        self.accept()


def _choice(parent: QWidget, names: Mapping[str, str]) -> QComboBox:
    combo = QComboBox(parent)
    combo.addItem("—", None)
    for key, name in sorted(names.items(), key=lambda kv: kv[1]):
        combo.addItem(name, key)
    combo.setMinimumContentsLength(18)
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    return combo


def _data(combo: QComboBox) -> str | None:
    value = combo.currentData()
    return None if value is None else str(value)


__all__ = ["CHANNELS", "RegisterDialog", "Registration", "Submit"]
