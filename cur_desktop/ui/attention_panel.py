"""The "needs attention" panel: changes the server rejected, with retry / edit / discard.

The operator's text is always shown and kept: "edit" opens it for correction and queues the
corrected change; "discard" asks first, because it is the only way a change is dropped.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from cur_desktop.domain.enums import AnswerKind
from cur_desktop.services.views import PendingChange
from cur_desktop.ui import format as fmt

log = logging.getLogger(__name__)


class AttentionPanel(QWidget):
    """Table of rejected changes and the three actions."""

    retry_requested = Signal(int)
    discard_requested = Signal(int)
    edit_requested = Signal(int, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.items: list[PendingChange] = []
        self.table = QTableWidget(0, 4, self)
        self.table.setHorizontalHeaderLabels(
            [self.tr("When"), self.tr("Change"), self.tr("Why the server refused"), self.tr("Text")]
        )
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.retry_button = QPushButton(self.tr("Retry"), self)
        self.edit_button = QPushButton(self.tr("Edit…"), self)
        self.discard_button = QPushButton(self.tr("Discard…"), self)
        self.retry_button.clicked.connect(self._on_retry)
        self.edit_button.clicked.connect(self._on_edit)
        self.discard_button.clicked.connect(self._on_discard)
        self.empty_label = QLabel(self.tr("Nothing needs attention."), self)
        buttons = QHBoxLayout()
        buttons.addWidget(self.empty_label, 1)
        buttons.addWidget(self.retry_button)
        buttons.addWidget(self.edit_button)
        buttons.addWidget(self.discard_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.table)
        layout.addLayout(buttons)
        self.set_items([])

    def set_items(self, items: Sequence[PendingChange]) -> None:
        """Show the rejected changes."""
        self.items = list(items)
        self.table.setHorizontalHeaderItem(0, QTableWidgetItem(fmt.marked(self.tr("When"))))
        self.table.setRowCount(len(self.items))
        for row, item in enumerate(self.items):
            cells = (
                fmt.region_date_time(item.created_at, mark=False),
                change_title(item.name, item.args),
                item.message or item.code or "",
                item_text(item),
            )
            for column, text in enumerate(cells):
                self.table.setItem(row, column, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        has = bool(self.items)
        self.empty_label.setVisible(not has)
        for button in (self.retry_button, self.edit_button, self.discard_button):
            button.setEnabled(has)
        if has:
            self.table.selectRow(0)

    def _current(self) -> PendingChange | None:
        row = self.table.currentRow()
        return self.items[row] if 0 <= row < len(self.items) else None

    def _on_retry(self) -> None:
        item = self._current()
        if item is not None:
            self.retry_requested.emit(item.mutation_id)

    def _on_edit(self) -> None:
        item = self._current()
        if item is None:
            return
        dialog = EditTextDialog(item_text(item), self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.edit_requested.emit(item.mutation_id, dialog.text())

    def _on_discard(self) -> None:
        item = self._current()
        if item is None:
            return
        answer = QMessageBox.question(
            self,
            self.tr("Discard the change"),
            self.tr("The change will be dropped for good. Discard it?"),
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.discard_requested.emit(item.mutation_id)


def item_text(item: PendingChange) -> str:
    """The text the operator wrote (answers and notes), kept whatever the server said."""
    text = item.args.get("text")
    return text if isinstance(text, str) else ""


class EditTextDialog(QDialog):
    """Edit the text of a rejected answer before it is queued again."""

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Edit the change"))
        self.resize(560, 320)
        self.editor = QPlainTextEdit(self)
        self.editor.setPlainText(text)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.editor)
        layout.addWidget(buttons)

    def text(self) -> str:
        """The corrected text."""
        return self.editor.toPlainText()


def change_title(name: str, args: Mapping[str, object] | None = None) -> str:
    """Display name of a kind of change (an internal note is an ``answer.add`` of its kind)."""
    note = AnswerKind.INTERNAL_NOTE.value
    if name == "answer.add" and args is not None and args.get("kind") == note:
        return QCoreApplication.translate("AttentionPanel", "Internal note")

    titles = {
        "incident.create": QCoreApplication.translate("AttentionPanel", "Registration"),
        "incident.register": QCoreApplication.translate("AttentionPanel", "Registration by hand"),
        "incident.classify": QCoreApplication.translate("AttentionPanel", "Classification"),
        "incident.transition": QCoreApplication.translate("AttentionPanel", "Status change"),
        "incident.assign": QCoreApplication.translate("AttentionPanel", "Assignment"),
        "answer.add": QCoreApplication.translate("AttentionPanel", "Answer"),
        "answer.set_state": QCoreApplication.translate("AttentionPanel", "Answer state"),
    }
    return titles.get(name, name)
