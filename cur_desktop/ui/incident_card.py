"""The incident card: the resident's post, who and where, classification, history, the editor.

The resident's text is shown as PLAIN text (a ``QPlainTextEdit``, read-only): a post that holds
HTML or Qt rich-text markup shows those characters literally and nothing in it is interpreted.
Author and link go through ``QLabel``s in ``Qt.PlainText`` format for the same reason; the link
opens in the browser only through the "Open" button.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from PySide6.QtCore import QByteArray, QCoreApplication, QSettings, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from cur_desktop.domain.deadlines import Band
from cur_desktop.services.timers import timer_for
from cur_desktop.services.views import ChangeState, HistoryEntry, IncidentDetail
from cur_desktop.services.window_reads import Reference, executor_groups
from cur_desktop.ui import format as fmt
from cur_desktop.ui.answer_editor import AnswerEditor
from cur_desktop.ui.evidence_strip import EvidenceStrip
from cur_desktop.ui.inbox_model import (
    BAND_FOREGROUND,
    provisional_mark,
    provisional_note,
    timer_tooltip,
)
from cur_desktop.ui.labels import priority_title, source_title, status_title

log = logging.getLogger(__name__)


def _plain_label(parent: QWidget) -> QLabel:
    label = QLabel(parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setWordWrap(True)
    return label


def channel_title(channel: str) -> str:
    """Display name of the channel of a hand-registered incident."""
    titles = {
        "phone": QCoreApplication.translate("IncidentCard", "Phone call"),
        "letter": QCoreApplication.translate("IncidentCard", "Letter"),
        "visit": QCoreApplication.translate("IncidentCard", "Visit in person"),
    }
    return titles.get(channel, channel)


NBSP = "\u00a0"


LEFT_SPLITTER_KEY = "card/left_splitter"
"""QSettings key of the split between the card's form and its post and history."""
POSTS_SPLITTER_KEY = "card/posts_splitter"
"""QSettings key of the split between the resident's post and the history."""

EXECUTOR_POPUP_WIDTH = 470
"""Minimum width of the executor list's popups, px (fits beside the editor at 1366×768)."""
HISTORY_QUOTE_CHARS = 80
"""A note's or an answer's text is shown in its history line up to this many characters."""


def history_quote(text: str) -> str:
    """The beginning of a note's or an answer's text for its history line: one line, cut to
    :data:`HISTORY_QUOTE_CHARS` characters with «…» (the whole text is the line's tooltip)."""
    text = " ".join(text.split())
    if len(text) > HISTORY_QUOTE_CHARS:
        text = text[: HISTORY_QUOTE_CHARS - 1].rstrip() + "…"
    return text


class IncidentCard(QWidget):
    """Shows one incident and hosts its answer editor."""

    take_requested = Signal(str)
    classify_requested = Signal(str, object, object, object)
    """``(incident_id, municipality_id, topic_code, executor_id)``."""
    open_requested = Signal(str)
    """Open another incident (a duplicate merged into this one) in the card."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.detail: IncidentDetail | None = None
        self._shown_classification: tuple[str | None, str | None, str | None] = (None, None, None)
        self._shown_picks: tuple[object, object, object] = (None, None, None)
        """What the three dropdowns showed after the last ``show_detail``: a value stored in
        the incident that the reference cannot show leaves «—», which is no choice of the
        operator's (a reload then took that «—» for one and dropped the municipality)."""
        """Municipality, topic and executor of the incident as last shown from the store."""
        self.ref = Reference(municipalities={}, executors={}, topics={})
        self.login = ""
        """Who signed in: an incident already in their work cannot be taken again."""
        self.title = QLabel(self)
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.title.setStyleSheet("font-size: 13pt; font-weight: bold;")
        self.author = _plain_label(self)
        self.source = _plain_label(self)
        self.source.setWordWrap(False)
        self.source.setMinimumWidth(80)
        self.status = _plain_label(self)
        self.deadline = _plain_label(self)
        self.deadline.setObjectName("deadline")
        self.region = QComboBox(self)
        self.region.setObjectName("region")
        self.open_link = QPushButton(self.tr("Open in browser"), self)
        self.open_link.clicked.connect(self._on_open_link)
        self.take_button = QPushButton(self.tr("Take (Ctrl+T)"), self)
        self.take_button.clicked.connect(self._on_take)
        self.municipality = QComboBox(self)
        self.topic = QComboBox(self)
        self.executor = QComboBox(self)
        for combo in (self.municipality, self.topic, self.executor):
            combo.setMinimumContentsLength(18)
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
        # 60–70 executors in a region: typing filters (any part of the name, any case)
        self.executor.setEditable(True)
        self.executor.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        completer = self.executor.completer()
        if completer is not None:
            completer.setFilterMode(Qt.MatchFlag.MatchContains)
            completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
            completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
            popup = completer.popup()
            if popup is not None:
                popup.setMinimumWidth(EXECUTOR_POPUP_WIDTH)
        # the names are long («Министерство жилищно-коммунального хозяйства …»): a popup wider
        # than the field, so that they are not cut in the middle
        view = self.executor.view()
        if view is not None:
            view.setMinimumWidth(EXECUTOR_POPUP_WIDTH)
        self.municipality.currentIndexChanged.connect(self._on_municipality_chosen)
        self.classify_button = QPushButton(self.tr("Save classification"), self)
        self.classify_button.clicked.connect(self._on_classify)
        self.text = QPlainTextEdit(self)
        self.text.setObjectName("residentText")
        self.text.setReadOnly(True)
        self.history = QListWidget(self)
        self.history.setWordWrap(True)
        self.history.setObjectName("history")
        self.duplicates = QListWidget(self)
        self.duplicates.setObjectName("duplicates")
        self.duplicates.setWordWrap(True)
        self.duplicates.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.duplicates.setToolTip(self.tr("Double-click or Enter: open the duplicate's card"))
        self.duplicates.itemActivated.connect(self._on_duplicate_activated)
        self.duplicates_label = QLabel(self.tr("Merged duplicates:"), self)
        self.editor = AnswerEditor(self)

        head = QHBoxLayout()
        head.addWidget(self.title, 1)
        head.addWidget(self.take_button)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow(self.tr("Author:"), self.author)
        source_row = QHBoxLayout()
        source_row.addWidget(self.source, 1)
        source_row.addWidget(self.open_link)
        form.addRow(self.tr("Source:"), source_row)
        form.addRow(self.tr("Status:"), self.status)
        form.addRow(self.tr("Deadline:"), self.deadline)
        form.addRow(self.tr("Region:"), self.region)
        form.addRow(self.tr("Municipality:"), self.municipality)
        form.addRow(self.tr("Topic:"), self.topic)
        executor_row = QHBoxLayout()
        executor_row.addWidget(self.executor, 1)
        executor_row.addWidget(self.classify_button)
        form.addRow(self.tr("Executor:"), executor_row)

        upper = QWidget(self)
        upper_layout = QVBoxLayout(upper)
        upper_layout.setContentsMargins(0, 0, 0, 0)
        upper_layout.addLayout(head)
        # the form scrolls under a handle the operator drags up to give the post and the
        # history more lines (at 1366×768 the history showed about 4); remembered in QSettings
        details = QWidget()
        details.setLayout(form)
        form.setContentsMargins(0, 0, 0, 0)
        self.details_scroll = QScrollArea(upper)
        self.details_scroll.setObjectName("cardDetails")
        self.details_scroll.setWidget(details)
        self.details_scroll.setWidgetResizable(True)
        self.details_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.details_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.left_splitter = QSplitter(Qt.Orientation.Vertical, upper)
        self.left_splitter.setObjectName("cardLeftSplitter")
        self.left_splitter.setChildrenCollapsible(False)
        self.left_splitter.addWidget(self.details_scroll)
        posts = QSplitter(Qt.Orientation.Horizontal, upper)
        self.posts_splitter = posts
        posts.setObjectName("cardPostsSplitter")
        post_box = QWidget(posts)
        post_layout = QVBoxLayout(post_box)
        post_layout.setContentsMargins(0, 0, 0, 0)
        post_layout.addWidget(QLabel(self.tr("Resident's post:"), post_box))
        post_layout.addWidget(self.text)
        history_box = QWidget(posts)
        history_layout = QVBoxLayout(history_box)
        history_layout.setContentsMargins(0, 0, 0, 0)
        self.history_title = QLabel(self.tr("History:"), history_box)
        history_layout.addWidget(self.history_title)
        history_layout.addWidget(self.history, 3)
        self.evidence = EvidenceStrip(history_box, editable=False)
        self.evidence.setObjectName("cardEvidence")
        self.evidence.hide()
        history_layout.addWidget(self.evidence)
        history_layout.addWidget(self.duplicates_label)
        history_layout.addWidget(self.duplicates, 2)
        posts.addWidget(post_box)
        posts.addWidget(history_box)
        self.left_splitter.addWidget(posts)
        self.left_splitter.setStretchFactor(0, 0)
        self.left_splitter.setStretchFactor(1, 1)
        upper_layout.addWidget(self.left_splitter, 1)
        self._restore_splitters()
        self.left_splitter.splitterMoved.connect(lambda _p, _i: self._save_splitters())
        posts.splitterMoved.connect(lambda _p, _i: self._save_splitters())
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setObjectName("cardSplitter")
        self.splitter.addWidget(upper)
        self.splitter.addWidget(self.editor)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.splitter)
        self.placeholder = QLabel(self.tr("Select an incident and press Enter to open it."), self)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.placeholder)
        self.show_nothing()

    def _unsaved_choices(self, detail: IncidentDetail) -> list[tuple[str | None] | None]:
        """For municipality, topic and executor: ``(value,)`` when ``detail`` is the incident
        shown and the operator's choice in that dropdown differs from what was last shown
        from the store (chosen, not saved yet), else ``None``."""
        shown = self.detail
        if shown is None or shown.incident.id != detail.incident.id:
            return [None, None, None]
        combos = (self.municipality, self.topic, self.executor)
        return [
            None if combo.currentData() == showed else (combo.currentData(),)
            for combo, showed in zip(combos, self._shown_picks, strict=True)
        ]

    def _restore_splitters(self) -> None:
        """The left column's and the post/history split as the operator left them."""
        settings = QSettings()
        for key, splitter in (
            (LEFT_SPLITTER_KEY, self.left_splitter),
            (POSTS_SPLITTER_KEY, self.posts_splitter),
        ):
            state = settings.value(key)
            if isinstance(state, QByteArray) and not state.isEmpty():
                splitter.restoreState(state)

    def _save_splitters(self) -> None:
        settings = QSettings()
        settings.setValue(LEFT_SPLITTER_KEY, self.left_splitter.saveState())
        settings.setValue(POSTS_SPLITTER_KEY, self.posts_splitter.saveState())

    # ------------------------------------------------------------------ content

    def show_nothing(self) -> None:
        """No incident open."""
        self.detail = None
        self.splitter.hide()
        self.placeholder.show()

    def set_reference(self, ref: Reference) -> None:
        """Fill the dropdowns with the region's municipalities, topics and executors."""
        self.ref = ref
        self._fill_regions(None)
        for combo, names in (
            (self.municipality, ref.municipalities),
            (self.topic, ref.topics),
            (self.executor, ref.executors),
        ):
            current = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            combo.addItem("—", None)
            for key, name in sorted(names.items(), key=lambda kv: kv[1]):
                combo.addItem(name, key)
            index = combo.findData(current)
            combo.setCurrentIndex(max(index, 0))
            combo.blockSignals(False)

    def _fill_executors(self, municipality_id: str | None) -> None:
        """The incident's municipality's executors and the regional bodies first, a separator,
        then the other municipalities' executors (see ``services.window_reads.executor_groups``)."""
        current = self.executor.currentData()
        near, rest = executor_groups(self.ref, municipality_id)
        self.executor.blockSignals(True)
        self.executor.clear()
        self.executor.addItem("—", None)
        for key in near:
            self.executor.addItem(self.ref.executors[key], key)
        if near and rest:
            self.executor.insertSeparator(self.executor.count())
        for key in rest:
            self.executor.addItem(self.ref.executors[key], key)
        self.executor.setCurrentIndex(max(self.executor.findData(current), 0))
        self.executor.blockSignals(False)

    def _on_municipality_chosen(self, _index: int) -> None:
        self._fill_executors(self.municipality.currentData())

    def _fill_regions(self, incident_region: str | None) -> None:
        """The regions the user may choose: for a regional user only their own."""
        choices = dict(self.ref.regions)
        if incident_region and incident_region not in choices:
            choices[incident_region] = incident_region
        self.region.blockSignals(True)
        self.region.clear()
        for code, name in choices.items():
            self.region.addItem(f"{name} ({code})", code)
        if incident_region:
            self.region.setCurrentIndex(max(self.region.findData(incident_region), 0))
        self.region.blockSignals(False)
        only_one = self.region.count() <= 1
        self.region.setEnabled(not only_one)
        self.region.setToolTip(
            self.tr("You work in this region only: incidents cannot be moved to another one")
            if only_one
            else ""
        )

    def _show_deadline(self, detail: IncidentDetail) -> None:
        incident = detail.incident
        view = timer_for(
            {
                "current_due": detail.current_due,
                "current_warn_at": detail.current_warn_at,
                "status": incident.status,
                "region_code": incident.region_code,
            },
            datetime.now(UTC),
        )
        if view is None:
            self.deadline.setText("—")
            self.deadline.setToolTip("")
            self.deadline.setStyleSheet("")
            return
        # the same working-time text as the list's timer cell (docs/WINDOW.md, "Timer texts");
        # the tooltip adds the calendar time
        overdue = view.band is Band.OVERDUE
        timer = fmt.timer_text(view.working, overdue=overdue)
        template = (
            self.tr("%1 (region's time), %2") if overdue else self.tr("%1 (region's time), %2 left")
        )
        # the timer never breaks across lines («просрочен на 4 ч 00⏎мин» was seen at 1366×768)
        timer = timer.replace(" ", NBSP)
        text = template.replace("%1", fmt.date_time(view.due_local)).replace("%2", timer)
        tip = timer_tooltip(view)
        if detail.provisional:
            text = provisional_mark(text)
            tip = f"{provisional_note()}\n{tip}"
        self.deadline.setText(text)
        self.deadline.setToolTip(tip)
        self.deadline.setStyleSheet(
            f"color: {BAND_FOREGROUND[view.band].name()}; font-weight: bold;"
            if view.band is not Band.OK
            else ""
        )

    def _show_duplicates(self, detail: IncidentDetail) -> None:
        self.duplicates.clear()
        for duplicate in detail.duplicates:
            when = fmt.region_date_time(duplicate.received_at)
            author = duplicate.author or self.tr("(no name)")
            preview = " ".join(duplicate.preview.split())
            item = QListWidgetItem(f"{author}: {preview}")
            item.setToolTip(f"{when} · {source_title(duplicate.source)}\n{preview}")
            item.setData(Qt.ItemDataRole.UserRole, duplicate.id)
            self.duplicates.addItem(item)
        shown = bool(detail.duplicates)
        self.duplicates.setVisible(shown)
        self.duplicates_label.setVisible(shown)
        if shown:
            self.duplicates_label.setText(
                self.tr("Merged duplicates: %1").replace("%1", str(len(detail.duplicates)))
            )

    def show_detail(self, detail: IncidentDetail) -> None:
        """Show ``detail`` (the editor is opened by the window, with the draft).

        A reload of the incident already shown (a sync, the take, a live change) keeps the
        classification the operator chose and has not saved yet: on the tour, an executor just
        picked from the filtered list went back to «—» under a reload, and the first click on
        «Сохранить классификацию» saved the old one."""
        chosen = self._unsaved_choices(detail)
        self.detail = detail
        incident = detail.incident
        self._shown_classification = (
            incident.municipality_id,
            incident.topic_code,
            incident.executor_id,
        )
        municipality_id, topic_code, executor_id = (
            stored if pick is None else pick[0]
            for stored, pick in zip(self._shown_classification, chosen, strict=True)
        )
        self.placeholder.hide()
        self.splitter.show()
        self.title.setText(
            self.tr("Incident of %1").replace("%1", fmt.region_date_time(incident.received_at))
        )
        self.author.setText(incident.author or self.tr("(no name)"))
        if detail.channel is not None:
            contact = incident.link or self.tr("no contact")
            self.source.setText(f"{channel_title(detail.channel)} · {contact}")
            self.source.setToolTip(self.tr("Registered by hand; the contact the resident gave"))
        else:
            self.source.setText(f"{source_title(incident.source)} · {incident.link or '—'}")
            self.source.setToolTip("")
        self.open_link.setVisible(detail.channel is None)
        self.open_link.setEnabled(incident.link.startswith(("http://", "https://")))
        status = status_title(incident.status)
        status += " · " + priority_title(incident.priority)
        if incident.assignee:
            status += " · " + self.tr("assigned to %1").replace("%1", incident.assignee)
        waiting = [p for p in detail.pending if p.state is ChangeState.PENDING]
        if waiting:
            status += " · " + self.tr("%1 changes not yet sent").replace("%1", str(len(waiting)))
        self.status.setText(status)
        self._show_take(detail)
        self.text.setPlainText(incident.text)
        self._fill_regions(incident.region_code)
        self._show_deadline(detail)
        self._show_duplicates(detail)
        for combo, value in (
            (self.municipality, municipality_id),
            (self.topic, topic_code),
        ):
            index = combo.findData(value)
            combo.setCurrentIndex(max(index, 0))
        self._fill_executors(municipality_id)
        self.executor.setCurrentIndex(max(self.executor.findData(executor_id), 0))
        # what each dropdown shows for the STORED value (not a carried-over unsaved pick: a
        # second reload would take that pick for the store's and drop it)
        self._shown_picks = tuple(
            combo.itemData(max(combo.findData(stored), 0))
            for combo, stored in zip(
                (self.municipality, self.topic, self.executor),
                self._shown_classification,
                strict=True,
            )
        )
        mark = fmt.zone_mark()
        self.history_title.setText(
            self.tr("History (%1):").replace("%1", mark) if mark else self.tr("History:")
        )
        self.history.clear()
        for entry in detail.history:
            item = QListWidgetItem(self._history_text(entry))
            if entry.quote:
                item.setToolTip(entry.quote)
            if entry.state is ChangeState.PENDING:
                item.setForeground(Qt.GlobalColor.darkYellow)
            elif entry.state is ChangeState.REJECTED:
                item.setForeground(Qt.GlobalColor.red)
            self.history.addItem(item)
        self.history.scrollToBottom()

    def _show_take(self, detail: IncidentDetail) -> None:
        """«Взять в работу» only where it would change something: not for an incident already in
        the signed-in operator's work, nor for a closed or rejected one."""
        incident = detail.incident
        mine = bool(self.login) and incident.assignee == self.login
        self.take_button.setEnabled(not mine and not incident.status.is_terminal)
        self.take_button.setToolTip(self.tr("Already in your work") if mine else "")

    def _history_text(self, entry: HistoryEntry) -> str:
        when = fmt.region_date_time(entry.at, mark=False)
        who = f" ({entry.actor})" if entry.actor else ""
        if entry.state is ChangeState.PENDING:
            mark = " " + self.tr("[made offline, not yet confirmed]")
        elif entry.state is ChangeState.REJECTED:
            mark = " " + self.tr("[rejected by the server: see Needs attention]")
        elif entry.offline:
            mark = " " + self.tr("[made offline]")
        else:
            mark = ""
        quote = f" — {history_quote(entry.quote)}" if entry.quote else ""
        return f"{when}{who}  {entry.text}{quote}{mark}"

    def names(self) -> tuple[str | None, str | None, str | None]:
        """Municipality, executor and topic names of the open incident."""
        if self.detail is None:
            return None, None, None
        incident = self.detail.incident
        return (
            self.ref.municipalities.get(incident.municipality_id or ""),
            self.ref.executors.get(incident.executor_id or ""),
            self.ref.topics.get(incident.topic_code or ""),
        )

    # ------------------------------------------------------------------ actions

    def _on_open_link(self) -> None:
        if self.detail is not None and self.detail.incident.link:
            QDesktopServices.openUrl(QUrl(self.detail.incident.link))

    def _on_duplicate_activated(self, item: QListWidgetItem) -> None:
        incident_id = item.data(Qt.ItemDataRole.UserRole)
        if isinstance(incident_id, str):
            self.open_requested.emit(incident_id)

    def _on_take(self) -> None:
        if self.detail is not None:
            self.take_requested.emit(str(self.detail.incident.id))

    def _on_classify(self) -> None:
        if self.detail is None:
            return
        self.classify_requested.emit(
            str(self.detail.incident.id),
            self.municipality.currentData(),
            self.topic.currentData(),
            self.executor.currentData(),
        )


__all__ = ["IncidentCard", "channel_title", "history_quote"]
