"""The answer editor: kind, template with variables filled, the text, the quality check, send.

The draft is saved locally while the operator types: after ``IDLE_SAVE_MS`` without a keystroke,
and in any case ``MAX_UNSAVED_MS`` after the first unsaved keystroke, so a killed process loses
at most the last two seconds of typing. The quality check runs as the text changes (findings are
listed with their Russian explanation) and again before sending: findings ask for a
confirmation, they do not forbid sending, except a gap a template left for an unknown value
(«[укажите исполнителя]», highlighted in yellow) or a raw ``{variable}``: text meant for the
operator is never published (docs/WINDOW.md, "Templates"); the files attached as evidence
(thumbnails under the text: button or drag and drop) count for the "no proof" rule. When the
incident changed on the
server since the editor opened (a colleague answered), a banner says so.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable, Sequence

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QDragEnterEvent,
    QDropEvent,
    QKeySequence,
    QShortcut,
    QTextCharFormat,
    QTextCursor,
)
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from cur_desktop.domain.answer_quality import MUST_FIX, Finding, check_answer
from cur_desktop.domain.enums import AnswerKind
from cur_desktop.services.answer_templates import TemplateContext, fill_variables, templates_for
from cur_desktop.services.evidence import AttachmentView
from cur_desktop.ui.evidence_strip import EvidenceStrip
from cur_desktop.ui.labels import answer_kind_title
from cur_desktop.ui.quality_texts import explain

log = logging.getLogger(__name__)

IDLE_SAVE_MS = 700
MAX_UNSAVED_MS = 1800
CHECK_DELAY_MS = 300
GAP_BACKGROUND = "#ffe37a"
"""Background of a gap the template left (``[укажите …]``) and of a raw ``{variable}``."""


class AnswerEditor(QWidget):
    """Writes one answer for one incident (see the module docstring)."""

    draft_changed = Signal(str, str, str)
    """``(incident_id, kind, text)``: the draft should be saved now."""
    send_requested = Signal(str, str, str)
    """``(incident_id, kind, text)``: the operator confirmed sending."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.incident_id: str | None = None
        self.context = TemplateContext()
        self._sent_waiting = False
        self._sent_kind = AnswerKind.INTERIM
        """The kind of what was sent last (an answer or an internal note)."""
        self.topic_code: str | None = None
        self._loading = False
        self.banner = QLabel(self)
        self.banner.setObjectName("changedBanner")
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet(
            "background:#fff1c2; color:#5a4100; border:1px solid #e0b84a; padding:4px;"
        )
        self.banner.hide()
        self.kind = QComboBox(self)
        for kind in AnswerKind:
            self.kind.addItem(answer_kind_title(kind), kind.value)
        self.template = QComboBox(self)
        self.template.setMinimumWidth(200)
        # long template titles must not widen the editor (the card's left side was squeezed
        # at 1366×768): the box shows what fits, its list and tooltip the whole title
        self.template.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.template.setMinimumContentsLength(24)
        self.template.currentIndexChanged.connect(self._on_template_changed)
        self.insert_button = QPushButton(self.tr("Insert template"), self)
        self.insert_button.clicked.connect(self._on_insert_template)
        self.kind.currentIndexChanged.connect(self._on_kind_changed)
        self.text = QPlainTextEdit(self)
        self.text.setPlaceholderText(
            self.tr("Write the answer here or insert a template. The draft is saved as you type.")
        )
        self.text.textChanged.connect(self._on_text_changed)
        self.evidence = EvidenceStrip(self, editable=True)
        self.evidence.setObjectName("editorEvidence")
        self.text.viewport().installEventFilter(self)  # files dropped on the text attach
        self.findings = QListWidget(self)
        self.findings.setMaximumHeight(96)
        self.findings.setWordWrap(True)
        self.saved_label = QLabel(self)
        self.saved_label.setObjectName("draftState")
        self.send_button = QPushButton(self.tr("Send (Ctrl+Enter)"), self)
        self.send_button.clicked.connect(self._on_send_clicked)
        send_shortcut = QShortcut(QKeySequence("Ctrl+Return"), self.text)
        send_shortcut.activated.connect(self._on_send_clicked)
        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("Kind:"), self))
        top.addWidget(self.kind)
        top.addWidget(QLabel(self.tr("Template:"), self))
        top.addWidget(self.template, 1)
        top.addWidget(self.insert_button)
        bottom = QHBoxLayout()
        bottom.addWidget(self.saved_label, 1)
        bottom.addWidget(self.send_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.banner)
        layout.addLayout(top)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.evidence)
        layout.addWidget(self.findings)
        layout.addLayout(bottom)
        self._idle = QTimer(self)
        self._idle.setSingleShot(True)
        self._idle.setInterval(IDLE_SAVE_MS)
        self._idle.timeout.connect(self.flush_draft)
        self._max = QTimer(self)
        self._max.setSingleShot(True)
        self._max.setInterval(MAX_UNSAVED_MS)
        self._max.timeout.connect(self.flush_draft)
        self._check = QTimer(self)
        self._check.setSingleShot(True)
        self._check.setInterval(CHECK_DELAY_MS)
        self._check.timeout.connect(self.run_check)
        self.setEnabled(False)
        self._refill_templates()

    # ------------------------------------------------------------------ incident

    def open_incident(
        self,
        incident_id: str,
        context: TemplateContext,
        topic_code: str | None,
        *,
        draft_kind: AnswerKind | None = None,
        draft_text: str = "",
    ) -> None:
        """Edit the answer of ``incident_id`` (a saved draft is restored)."""
        if self.incident_id is not None and self.incident_id != incident_id:
            self.flush_draft()
        self._loading = True
        try:
            self.incident_id = incident_id
            self.context = context
            self.topic_code = topic_code
            self.banner.hide()
            kind = draft_kind or AnswerKind.INTERIM
            self.kind.setCurrentIndex(self.kind.findData(kind.value))
            self._refill_templates()
            self.text.setPlainText(draft_text)
            self.saved_label.setText(self.tr("Draft restored") if draft_text else "")
            self._sent_waiting = False
        finally:
            self._loading = False
        self.setEnabled(True)
        self.run_check()

    def suggest_kind(self, kind: AnswerKind) -> None:
        """Preselect ``kind`` while nothing is written (an incident on control waits for its
        final answer, not for another interim one); a text or a restored draft keeps its own."""
        if self.text.toPlainText().strip() or self.current_kind() is kind:
            return
        self._loading = True
        try:
            self.kind.setCurrentIndex(self.kind.findData(kind.value))
            self._refill_templates()
        finally:
            self._loading = False

    def close_incident(self) -> None:
        """Save what is typed and stop editing."""
        self.flush_draft()
        self.incident_id = None
        self.setEnabled(False)

    def show_changed_banner(self, who: str) -> None:
        """The incident changed on the server since the editor opened."""
        text = self.tr(
            "The incident has changed since you opened it (%1). Read its history before sending."
        )
        self.banner.setText(text.replace("%1", who or self.tr("another user")))
        self.banner.show()

    def current_kind(self) -> AnswerKind:
        """The answer kind chosen."""
        return AnswerKind(str(self.kind.currentData()))

    def set_attachments(self, items: Sequence[AttachmentView]) -> None:
        """Show the files that go with the answer being written; the check counts them."""
        self.evidence.set_items(items)
        if self.incident_id is not None:
            self.run_check()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        """Files dragged onto the text are attached, not pasted as their paths."""
        if isinstance(event, QDragEnterEvent) and self.evidence.accept_drag(event):
            return True
        if isinstance(event, QDropEvent) and self.evidence.take_drop(event):
            return True
        return super().eventFilter(watched, event)

    # ------------------------------------------------------------------ templates

    def _refill_templates(self) -> None:
        self.template.clear()
        for template in templates_for(self.current_kind(), self.topic_code):
            self.template.addItem(template.title, template.text)
        has = self.template.count() > 0
        self.template.setEnabled(has)
        self.insert_button.setEnabled(has)

    def _on_template_changed(self) -> None:
        self.template.setToolTip(self.template.currentText())
        self.template.view().setMinimumWidth(self.template.view().sizeHintForColumn(0) + 24)

    def _on_kind_changed(self) -> None:
        self._refill_templates()
        self._on_text_changed()

    def _on_insert_template(self) -> None:
        raw = self.template.currentData()
        if not isinstance(raw, str):
            return
        filled = fill_variables(raw, self.context)
        cursor = self.text.textCursor()
        if self.text.toPlainText().strip():
            cursor.movePosition(QTextCursor.MoveOperation.End)
            cursor.insertText("\n\n" + filled)
        else:
            self.text.setPlainText(filled)
        self.text.setFocus()

    # ------------------------------------------------------------------ draft

    def _on_text_changed(self) -> None:
        if self._loading or self.incident_id is None:
            return
        self._sent_waiting = False
        if not self.current_kind().is_public:  # a note is added at once, never kept as a draft
            self._idle.stop()  # (the services refuse a note draft: no «Ошибка» while typing)
            self._max.stop()
            self.saved_label.setText(self.tr("A note is not kept as a draft; Send adds it"))
            self._check.start()
            return
        self.saved_label.setText(self.tr("Saving draft…"))
        self._idle.start()
        if not self._max.isActive():
            self._max.start()
        self._check.start()

    def flush_draft(self) -> None:
        """Save the draft now if there is something unsaved."""
        pending = self._idle.isActive() or self._max.isActive()
        self._idle.stop()
        self._max.stop()
        if pending and self.incident_id is not None and self.current_kind().is_public:
            self.draft_changed.emit(
                self.incident_id, self.current_kind().value, self.text.toPlainText()
            )
            self.saved_label.setText(self.tr("Draft saved"))

    # ------------------------------------------------------------------ check and send

    def run_check(self) -> list[Finding]:
        """Check the text now and list the findings."""
        text = self.text.toPlainText()
        attached = len(self.evidence.items)
        found = (
            check_answer(text, self.current_kind(), attachments=attached) if text.strip() else []
        )
        self.findings.clear()
        for finding in found:
            label = "⚠ " + explain(finding.code)
            if finding.code in MUST_FIX and finding.fragment_span is not None:
                start, end = finding.fragment_span
                label = f"✖ «{text[start:end]}»: {explain(finding.code)}"
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, finding.code.value)
            if finding.fragment_span is not None:
                start, end = finding.fragment_span
                item.setToolTip(text[start:end])
            self.findings.addItem(item)
        self._mark_fragments(found)
        self.findings.setVisible(bool(found))
        return found

    def _mark_fragments(self, found: list[Finding]) -> None:
        selections: list[QTextEdit.ExtraSelection] = []
        fmt = QTextCharFormat()
        fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.WaveUnderline)
        fmt.setUnderlineColor(Qt.GlobalColor.red)
        gap = QTextCharFormat(fmt)
        gap.setBackground(QColor(GAP_BACKGROUND))
        for finding in found:
            span = finding.fragment_span
            if span is None:
                continue
            selection = QTextEdit.ExtraSelection()
            cursor = QTextCursor(self.text.document())
            cursor.setPosition(span[0])
            cursor.setPosition(span[1], QTextCursor.MoveMode.KeepAnchor)
            selection.cursor = cursor
            selection.format = gap if finding.code in MUST_FIX else fmt
            selections.append(selection)
        self.text.setExtraSelections(selections)

    def _on_send_clicked(self) -> None:
        self.request_send()

    def request_send(self, *, confirm: Callable[[list[Finding]], bool] | None = None) -> bool:
        """Check, ask for confirmation when there are findings, and ask to send."""
        if self.incident_id is None:
            return False
        text = self.text.toPlainText().strip()
        if not text:
            empty = (
                self.tr("The note is empty.")
                if self.current_kind() is AnswerKind.INTERNAL_NOTE
                else self.tr("The answer is empty.")
            )
            QMessageBox.information(self, self.tr("Send"), empty)
            return False
        found = self.run_check()
        must_fix = [f for f in found if f.code in MUST_FIX]
        if must_fix:
            self.findings.setCurrentRow(next(i for i, f in enumerate(found) if f.code in MUST_FIX))
            QMessageBox.warning(
                self,
                self.tr("Send"),
                self.tr("Fill in the gaps highlighted in yellow before sending: %1").replace(
                    "%1", ", ".join(self._fragment(f) for f in must_fix)
                ),
            )
            return False
        ask = confirm if confirm is not None else self._confirm
        if found and not ask(found):
            return False
        self.flush_draft()
        self.send_requested.emit(self.incident_id, self.current_kind().value, text)
        return True

    def _fragment(self, finding: Finding) -> str:
        span = finding.fragment_span
        return "" if span is None else f"«{self.text.toPlainText()[span[0] : span[1]]}»"

    def _confirm(self, found: list[Finding]) -> bool:
        lines = "\n".join(f"• {explain(f.code)}" for f in found)
        answer = QMessageBox.question(
            self,
            self.tr("Check the answer"),
            self.tr("The quality check found problems:\n\n%1\n\nSend it anyway?").replace(
                "%1", lines
            ),
        )
        return answer == QMessageBox.StandardButton.Yes

    def clear_after_send(self, kind: AnswerKind) -> None:
        """The answer (or internal note) of ``kind`` went to the outbox: empty the editor."""
        self._loading = True
        try:
            self.text.clear()
        finally:
            self._loading = False
        self._idle.stop()
        self._max.stop()
        self.findings.clear()
        self.findings.hide()
        self.saved_label.setText(
            self.tr("Note queued for the server")
            if kind is AnswerKind.INTERNAL_NOTE
            else self.tr("Sent to the outbox")
        )
        self._sent_waiting = True
        self._sent_kind = kind

    @property
    def waiting_for_server(self) -> bool:
        """The editor says «в очереди» for what it sent last."""
        return self._sent_waiting

    def show_refusal(self, message: str, kind: AnswerKind | None = None) -> None:
        """The answer (or the internal note, ``kind``) was not sent: say why (Russian, from the
        services layer) under the text, which stays for the operator to fix or to send as
        another kind."""
        template = (
            self.tr("Note not saved: %1")
            if kind is AnswerKind.INTERNAL_NOTE
            else self.tr("Not sent: %1")
        )
        text = html.escape(template.replace("%1", message))
        self.saved_label.setText(f'<span style="color:#a01010">{text}</span>')
        self.saved_label.setWordWrap(True)
        self._sent_waiting = False

    def show_sent_state(self, waiting: bool) -> AnswerKind | None:
        """After a send: «в очереди» while the answer waits in the outbox, «отправлен» once the
        server has confirmed it (the card reloads after each sync); returns the kind sent when
        it changed to «отправлен» now, else ``None``. Nothing once the operator writes again or
        opens another incident."""
        if not self._sent_waiting or waiting:
            return None
        kind = self._sent_kind
        self.saved_label.setText(
            self.tr("Note sent to the server")
            if kind is AnswerKind.INTERNAL_NOTE
            else self.tr("Answer sent to the server")
        )
        self._sent_waiting = False
        return kind


__all__ = ["AnswerEditor"]
