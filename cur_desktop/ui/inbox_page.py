"""The Входящие tab: saved views with counts, the filter bar, search, the list and the card.

Everything the list shows comes from the reader pool as a key snapshot (see
:mod:`cur_desktop.ui.inbox_model`): a new view, filter, sort or search replaces the snapshot;
a change event refreshes it in place (selection and scroll kept) and repaints changed rows.
Sorting runs in SQL on indexed columns: the time-left column sorts by due time, the received
column by arrival; other columns do not sort. A snapshot without rows says why in the list
(«Ничего не найдено по запросу «…»», «В этом представлении нет инцидентов»).
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
import time
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import (
    QCoreApplication,
    QItemSelectionModel,
    QModelIndex,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QStyle,
    QStyleOptionComboBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from cur_desktop.domain.deadlines import Band
from cur_desktop.domain.enums import Priority, Source, Status
from cur_desktop.services.saved_views import InboxFilter, InboxSort, SavedView
from cur_desktop.services.supervision import DrillCriterion, apply_criteria
from cur_desktop.services.window_reads import Reference, ViewKeys, WindowReads
from cur_desktop.ui import format as fmt
from cur_desktop.ui.bulk_actions import BulkActions
from cur_desktop.ui.empty_hint import EmptyHint
from cur_desktop.ui.highlight_delegate import HighlightDelegate
from cur_desktop.ui.inbox_marks import MARKS_ICON_SIZE
from cur_desktop.ui.inbox_model import ID_ROLE, Column, InboxTableModel
from cur_desktop.ui.labels import priority_title, source_title, status_title, view_title

log = logging.getLogger(__name__)

SEARCH_DELAY_MS = 40
"""Keystrokes closer together than this make one search (a paste, a held key). It is short:
the time from a keystroke to shown results includes it (issue 9: < 200 ms at a million
incidents); one search runs at a time and the newest text follows when it ends, so fast
typing does not queue searches up (see :meth:`InboxPage._search_now`)."""
REFRESH_DELAY_MS = 250
"""A change is shown at most this long after it arrived when the list was quiet."""
REFRESH_GAP_MS = 1000
"""In-place refreshes start at least this long after the previous one ended (a long sync
sends a page of changes every fraction of a second: back-to-back refreshes kept the reader
pool busy reading the whole view and competing with the sync and the GUI thread for the
interpreter; measured with ``bench/ui_bench.py --trace``, see bench/README.md)."""
COUNTS_GAP_MS = 3000
"""The views' counts are recounted after changes at most this often (six counts and the
unread counts read the store; a sync changes them every page)."""
SEARCH_MIN_WIDTH = 240
"""The search field's least width («Поиск по тексту (Ctrl+F)» and a few words typed)."""
POPUP_SLACK_PX = 40
"""A filter dropdown's list is the longest name wide plus this (margins, the scroll bar)."""
POPUP_MAX_WIDTH = 470
"""…but no wider than this (the executors' names run to 100 characters)."""
TIMER_SLACK_PX = 6
"""Room left beside the widest timer text (the cell's grid line, rounding of the font)."""
HINT_QUERY_CHARS = 60
"""A longer search text is cut to this many characters (and «…») in the empty list's hint."""
FIRST_KEYS = 300
"""A view is shown from its first keys at once; the rest of a long view follows (issue 9:
reading a million keys takes a second or more, the first 300 a few milliseconds)."""


class InboxPage(QWidget):
    """Saved views + filter bar + list (see the module docstring)."""

    open_requested = Signal(str)
    """An incident should open in the card."""
    current_changed = Signal(str)
    """The selected incident changed."""
    view_changed = Signal(str)

    def __init__(self, reads: WindowReads, login: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.reads = reads
        self.login = login
        self.view = SavedView.MINE
        self.sort = InboxSort.DUE_ASC
        self._generation = 0
        self._tasks: set[asyncio.Future[Any]] = set()
        self.ref = Reference(municipalities={}, executors={}, topics={})

        self.views = QListWidget(self)
        self.views.setObjectName("savedViews")
        self.views.setFixedWidth(178)
        for view in SavedView:
            item = QListWidgetItem(view_title(view))
            item.setData(Qt.ItemDataRole.UserRole, view.value)
            self.views.addItem(item)
        self.views.currentRowChanged.connect(self._on_view_row)

        self.search = QLineEdit(self)
        self.search.setObjectName("search")
        self.search.setPlaceholderText(self.tr("Search the text (Ctrl+F)"))
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._on_search_text)
        self.status_filter = self._combo(self.tr("Any status"))
        for status in Status:
            self.status_filter.addItem(status_title(status), status.value)
        self.source_filter = self._combo(self.tr("Any source"))
        for source in Source:
            self.source_filter.addItem(source_title(source), source.value)
        self.priority_filter = self._combo(self.tr("Any priority"))
        for priority in Priority:
            self.priority_filter.addItem(priority_title(priority), priority.value)
        self.topic_filter = self._combo(self.tr("Any topic"))
        self.municipality_filter = self._combo(self.tr("Any municipality"))
        self.executor_filter = self._combo(self.tr("Any executor"))
        self.clear_button = QPushButton(self.tr("Clear filters"), self)
        self.clear_button.clicked.connect(self.clear_filters)
        # criteria of a drill-down from the statistics: one removable chip each
        self.drill: list[DrillCriterion] = []
        self.drill_bar = QWidget(self)
        self.drill_bar.setObjectName("drillBar")
        self.drill_layout = QHBoxLayout(self.drill_bar)
        self.drill_layout.setContentsMargins(0, 0, 0, 0)
        self.drill_layout.addWidget(QLabel(self.tr("From the statistics:"), self.drill_bar))
        self.drill_layout.addStretch(1)
        self.drill_bar.hide()

        self.model = InboxTableModel(reads, self)
        self.table = QTableView(self)
        self.table.setObjectName("inboxTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.table.setItemDelegateForColumn(Column.EXCERPT, HighlightDelegate(self.table))
        self.table.setIconSize(MARKS_ICON_SIZE)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        header.setSectionResizeMode(Column.EXCERPT, QHeaderView.ResizeMode.Stretch)
        widths = {
            Column.TIME_LEFT: 176,  # «просрочен на 123 ч 30 мин»
            Column.STATUS: 140,  # marks (bell, dot) + the status
            Column.SOURCE: 96,
            Column.TOPIC: 110,
            Column.MUNICIPALITY: 116,
            Column.RECEIVED: 108,
            Column.ASSIGNEE: 84,
            Column.EXECUTOR: 112,
        }
        widths[Column.RECEIVED] = max(widths[Column.RECEIVED], self._received_width())
        for column, width in widths.items():
            header.resizeSection(column, width)
        header.setSortIndicatorShown(True)
        header.setSortIndicator(Column.TIME_LEFT, Qt.SortOrder.AscendingOrder)
        header.sectionClicked.connect(self._on_header_clicked)
        self.model.page_loaded.connect(self.fit_timer_column)
        self.table.doubleClicked.connect(self._on_double_click)
        self.table.selectionModel().currentRowChanged.connect(self._on_current_row)
        self.bulk = BulkActions(self, self)
        self.bulk_bar = self.bulk.toolbar(self)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self.bulk.show_menu)
        self.empty_hint = EmptyHint(self.table)
        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.bulk.update_enabled()

        # at 1366×768 the search field and six combos in one row clipped the combos'
        # placeholders («Любой муниципа…»): the combos (each as wide as its placeholder) and
        # «Сбросить фильтры» take the first row, the search field the free right end of the
        # bulk actions' row
        filters = QHBoxLayout()
        for combo in (
            self.status_filter,
            self.source_filter,
            self.topic_filter,
            self.municipality_filter,
            self.executor_filter,
            self.priority_filter,
        ):
            filters.addWidget(combo)
        filters.addWidget(self.clear_button)
        filters.addStretch(1)
        self.search.setMinimumWidth(SEARCH_MIN_WIDTH)
        actions = QHBoxLayout()
        actions.addWidget(self.bulk_bar)
        actions.addStretch(1)
        actions.addWidget(self.search, 1)
        right = QVBoxLayout()
        right.setContentsMargins(0, 0, 0, 0)
        right.addLayout(filters)
        right.addLayout(actions)
        right.addWidget(self.drill_bar)
        right.addWidget(self.table, 1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.views)
        layout.addLayout(right, 1)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._search_now)
        self._searching = False
        self._search_again = False
        self._search_token = 0
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(REFRESH_DELAY_MS)
        self._refresh_timer.timeout.connect(self._refresh_in_place)
        self._refresh_ended = -1e9  # time.monotonic() when the last in-place refresh ended
        self._counts_timer = QTimer(self)
        self._counts_timer.setSingleShot(True)
        self._counts_timer.timeout.connect(self.refresh_counts)
        self._counted_at = -1e9  # time.monotonic() when the last count started
        self._changed_ids: set[str] = set()
        self._refreshing = False
        self._refresh_again = False
        self._counted_filter: InboxFilter | None = None
        self._closed = False

    def _combo(self, any_text: str) -> QComboBox:
        combo = QComboBox(self)
        combo.addItem(any_text, None)
        # as wide as its placeholder (never elided); a longer name chosen is elided, and the
        # dropdown list is as wide as the longest name
        combo.setMinimumContentsLength(len(any_text))
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        combo.setMinimumWidth(combo_width_for(combo, any_text))
        combo.currentIndexChanged.connect(lambda _i: self.reload())
        return combo

    # ------------------------------------------------------------------ state

    def set_reference(self, ref: Reference) -> None:
        """Names for the list and the filter dropdowns."""
        self.ref = ref
        self.model.set_reference(ref)
        for combo, names in (
            (self.topic_filter, ref.topics),
            (self.municipality_filter, ref.municipalities),
            (self.executor_filter, ref.executors),
        ):
            current = combo.currentData()
            combo.blockSignals(True)
            while combo.count() > 1:
                combo.removeItem(1)
            for key, name in sorted(names.items(), key=lambda kv: kv[1]):
                combo.addItem(name, key)
            combo.setCurrentIndex(max(combo.findData(current), 0))
            combo.blockSignals(False)
            view = combo.view()
            if view is not None:
                longest = max(
                    (combo.fontMetrics().horizontalAdvance(n) for n in names.values()), default=0
                )
                view.setMinimumWidth(min(longest + POPUP_SLACK_PX, POPUP_MAX_WIDTH))

    def set_view(self, view: SavedView) -> None:
        """Show a saved view."""
        self.views.setCurrentRow(list(SavedView).index(view))

    def extra_filter(self) -> InboxFilter:
        """The filter bar as a store filter."""

        def one(combo: QComboBox) -> frozenset[Any] | None:
            value = combo.currentData()
            return None if value is None else frozenset({value})

        statuses = one(self.status_filter)
        bar = InboxFilter(
            statuses=None if statuses is None else frozenset(Status(s) for s in statuses),
            sources=None
            if (s := one(self.source_filter)) is None
            else frozenset(Source(v) for v in s),
            priorities=None
            if (p := one(self.priority_filter)) is None
            else frozenset(Priority(v) for v in p),
            topic_codes=one(self.topic_filter),
            municipality_ids=one(self.municipality_filter),
            executor_ids=one(self.executor_filter),
        )
        return apply_criteria(bar, self.drill)

    def show_drill(self, criteria: list[DrillCriterion]) -> None:
        """Show exactly the incidents of a drill-down: the «Все» view, no other filter, one
        removable chip per criterion (period, group, weekday × hour)."""
        self._reset_filter_bar()
        self.drill = list(criteria)
        self._show_drill_chips()
        if self.view is SavedView.ALL:
            self.reload()
        else:
            self.set_view(SavedView.ALL)

    def remove_criterion(self, index: int) -> None:
        """Drop one criterion of the drill-down (its chip's ✕)."""
        if 0 <= index < len(self.drill):
            del self.drill[index]
            self._show_drill_chips()
            self.reload()

    def drill_chips(self) -> list[QPushButton]:
        """The chips shown, in order."""
        return self.drill_bar.findChildren(QPushButton, "drillChip")

    def _show_drill_chips(self) -> None:
        for chip in self.drill_chips():
            self.drill_layout.removeWidget(chip)
            chip.deleteLater()
            chip.setObjectName("")
        for index, criterion in enumerate(self.drill):
            chip = QPushButton(f"{criterion.label}  ✕", self.drill_bar)
            chip.setObjectName("drillChip")
            chip.setFlat(True)
            chip.setToolTip(self.tr("Remove this filter"))
            chip.clicked.connect(lambda _c=False, i=index: self.remove_criterion(i))
            self.drill_layout.insertWidget(self.drill_layout.count() - 1, chip)
        self.drill_bar.setVisible(bool(self.drill))

    def clear_filters(self) -> None:
        """Back to no filter and no search."""
        self._reset_filter_bar()
        self.drill.clear()
        self._show_drill_chips()
        self.reload()

    def _reset_filter_bar(self) -> None:
        for combo in (
            self.status_filter,
            self.source_filter,
            self.priority_filter,
            self.topic_filter,
            self.municipality_filter,
            self.executor_filter,
        ):
            combo.blockSignals(True)
            combo.setCurrentIndex(0)
            combo.blockSignals(False)
        self.search.blockSignals(True)
        self.search.clear()
        self.search.blockSignals(False)

    def executor_names(self) -> dict[str, str]:
        """Executor id → name (bulk routing)."""
        return dict(self.ref.executors)

    def spawn_task(self, coro: Coroutine[Any, Any, None]) -> None:
        """Run a coroutine of the bulk actions on the window's loop."""
        self._spawn(coro)

    # ------------------------------------------------------------------ loading

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        if self._closed:
            coro.close()
            return
        try:
            asyncio.get_running_loop()
        except RuntimeError:  # no event loop any more (the window is closing)
            coro.close()
            return
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def cancel_tasks(self) -> None:
        """Cancel reads in flight and start no more (the window is closing)."""
        self._closed = True
        self._search_timer.stop()
        self._refresh_timer.stop()
        self._counts_timer.stop()
        for task in list(self._tasks):
            task.cancel()
        self.model.cancel_tasks()

    def reload(self) -> None:
        """Load a new snapshot of the current view (selection starts over).

        The views' counts do not depend on which view is shown, nor on the search or the sort:
        they are recounted when the filter bar changed (and on data changes), after the list
        shows its first rows.
        """
        self._generation += 1
        extra = self.extra_filter()
        recount = extra != self._counted_filter
        self._counted_filter = extra
        self._spawn(self._load(self._generation, in_place=False, recount=recount))

    def _refresh_in_place(self) -> None:
        if self._refreshing:  # one refresh at a time; changes meanwhile make one more
            self._refresh_again = True
            return
        self._refreshing = True
        self._generation += 1
        ids = list(self._changed_ids)
        self._changed_ids.clear()
        self._spawn(self._refresh(self._generation, ids))

    async def _refresh(self, generation: int, ids: list[str]) -> None:
        """Changed rows (the cached ones are dropped, no store read), then the snapshot, one
        refresh at a time; the counts follow within :data:`COUNTS_GAP_MS` (a long sync sends
        a page of changes every fraction of a second: overlapping refreshes of a large view
        would queue up on the reader pool and compete with the sync for the interpreter)."""
        try:
            self._changed(ids)
            await self._load(generation, in_place=True)
            self._counts_soon()
        finally:
            self._refreshing = False
            self._refresh_ended = time.monotonic()
            if self._refresh_again or self._changed_ids:
                self._refresh_again = False
                if not self._closed:
                    self._refresh_timer.start(refresh_delay_ms(0.0))

    async def _read_keys(self, first: int | None, query: str, extra: InboxFilter) -> ViewKeys:
        return await self.reads.view_keys(
            self.view, login=self.login, sort=self.sort, extra=extra, query=query, first=first
        )

    async def _load(
        self,
        generation: int,
        *,
        in_place: bool,
        recount: bool = False,
        on_shown: Callable[[], None] | None = None,
    ) -> None:
        query, extra = self.search.text(), self.extra_filter()
        try:
            keys = await self._read_keys(None if in_place else FIRST_KEYS, query, extra)
        except Exception:
            log.exception("inbox view could not be read")
            return
        if generation != self._generation:
            return
        if in_place:
            self.model.refresh_keys(keys)
            self._show_empty_hint(query, extra)
            return
        self.model.show_keys(keys)
        self._show_empty_hint(query, extra)
        if self.model.rowCount() > 0:
            self.table.selectionModel().setCurrentIndex(
                self.model.index(0, 0),
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows,
            )
        if recount:
            self.refresh_counts()
        if on_shown is not None:
            on_shown()
        if keys.complete:
            return
        try:
            rest = await self._read_keys(None, query, extra)
        except Exception:
            log.exception("inbox view could not be read")
            return
        if generation == self._generation:
            self.model.complete_keys(rest)
            self._show_empty_hint(query, extra)

    def _show_empty_hint(self, query: str, extra: InboxFilter) -> None:
        """Say why the list is empty (the search ``query`` and filter ``extra`` of the snapshot
        just shown); no word once it has rows."""
        self.empty_hint.show_text(
            "" if self.model.rowCount() else empty_list_text(query, extra != InboxFilter())
        )

    def _changed(self, ids: list[str]) -> None:
        self.model.forget_ids(ids)

    def refresh_counts(self) -> None:
        """Recount the saved views."""
        self._counts_timer.stop()
        self._spawn(self._counts())

    def _counts_soon(self) -> None:
        """Recount after changes: now, or :data:`COUNTS_GAP_MS` after the last count began."""
        if not self._counts_timer.isActive() and not self._closed:
            since = (time.monotonic() - self._counted_at) * 1000
            self._counts_timer.start(counts_delay_ms(since))

    async def _counts(self) -> None:
        self._counted_at = time.monotonic()
        try:
            counts, unread = await asyncio.gather(
                self.reads.view_counts(login=self.login, extra=self.extra_filter()),
                self.reads.unread_counts(login=self.login, extra=self.extra_filter()),
            )
        except Exception:
            log.exception("view counts could not be read")
            return
        for row, view in enumerate(SavedView):
            item = self.views.item(row)
            text = f"{view_title(view)}  ({fmt.number(counts.get(view, 0))})"
            if unread.get(view):
                text = f"{text} ●{fmt.number(unread[view])}"
                item.setToolTip(self.tr("%1 unread").replace("%1", fmt.number(unread[view])))
            else:
                item.setToolTip("")
            item.setFont(bold_if(bool(unread.get(view)), item.font()))
            item.setText(text)

    def on_incidents_changed(self, ids: list[str]) -> None:
        """Rows changed somewhere: refresh them and the snapshot soon (coalesced)."""
        self._changed_ids.update(ids)
        if not self._refresh_timer.isActive() and not self._refreshing:
            since = (time.monotonic() - self._refresh_ended) * 1000
            self._refresh_timer.start(refresh_delay_ms(since))

    # ------------------------------------------------------------------ events

    def _on_view_row(self, row: int) -> None:
        if 0 <= row < len(SavedView):
            self.view = list(SavedView)[row]
            self.view_changed.emit(self.view.value)
            self.reload()

    def _on_search_text(self, text: str) -> None:
        # Hits come best first (storage.search), not in the list's sort: no sort arrow then.
        self.table.horizontalHeader().setSortIndicatorShown(not text.strip())
        self._search_timer.start()

    def _search_now(self) -> None:
        """Show the search box's text: one search read at a time; text typed while one runs
        is searched when it ends (its result would be stale anyway)."""
        if self._searching:
            self._search_again = True
            self._generation += 1  # the result in flight is stale: not shown
            return
        self._searching = True
        self._search_token += 1
        self._generation += 1
        self._spawn(self._search(self._generation, self._search_token))

    async def _search(self, generation: int, token: int) -> None:
        done = functools.partial(self._search_done, token)
        try:
            await self._load(generation, in_place=False, on_shown=done)
        finally:
            done()

    def _search_done(self, token: int) -> None:
        """Search ``token``'s keys are shown (the rest of a long view may still be read): the
        text typed meanwhile is searched now."""
        if not self._searching or token != self._search_token:
            return
        self._searching = False
        if self._search_again and not self._closed:
            self._search_again = False
            self._search_now()

    def _on_header_clicked(self, section: int) -> None:
        header = self.table.horizontalHeader()
        if section == Column.TIME_LEFT:
            self.sort = InboxSort.DUE_ASC
            header.setSortIndicator(section, Qt.SortOrder.AscendingOrder)
        elif section == Column.RECEIVED:
            self.sort = (
                InboxSort.RECEIVED_ASC
                if self.sort is InboxSort.RECEIVED_DESC
                else InboxSort.RECEIVED_DESC
            )
            order = (
                Qt.SortOrder.AscendingOrder
                if self.sort is InboxSort.RECEIVED_ASC
                else Qt.SortOrder.DescendingOrder
            )
            header.setSortIndicator(section, order)
        else:
            # only indexed orders are offered; put the indicator back where the sort is
            column = Column.TIME_LEFT if self.sort is InboxSort.DUE_ASC else Column.RECEIVED
            order = (
                Qt.SortOrder.DescendingOrder
                if self.sort is InboxSort.RECEIVED_DESC
                else Qt.SortOrder.AscendingOrder
            )
            header.setSortIndicator(column, order)
            return
        self.reload()

    def _on_double_click(self, index: QModelIndex) -> None:
        incident_id = index.data(ID_ROLE)
        if incident_id:
            self.open_requested.emit(str(incident_id))

    def _on_selection_changed(self, *_args: object) -> None:
        self.bulk.update_enabled()

    def _on_current_row(self, current: QModelIndex, _previous: QModelIndex) -> None:
        incident_id = current.data(ID_ROLE) if current.isValid() else None
        if incident_id:
            self.current_changed.emit(str(incident_id))

    def current_incident_id(self) -> str | None:
        """The selected incident (if its row is loaded)."""
        index = self.table.currentIndex()
        return self.model.incident_id(index.row()) if index.isValid() else None

    def open_current(self) -> None:
        """Open the selected incident in the card."""
        incident_id = self.current_incident_id()
        if incident_id:
            self.open_requested.emit(incident_id)

    def select_next_overdue(self) -> bool:
        """Move to the next overdue row; open the Просрочены view when none is loaded here."""
        start = self.table.currentIndex().row()
        row = self.model.first_row_with_band(Band.OVERDUE, start if start >= 0 else -1)
        if row is None:
            if self.view is not SavedView.OVERDUE:
                self.set_view(SavedView.OVERDUE)
            return False
        index = self.model.index(row, 0)
        self.table.selectionModel().setCurrentIndex(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        self.table.scrollTo(index)
        return True

    def _received_width(self) -> int:
        """Width that shows «30.11.2026 23:59» whole in the bold of an unread row."""
        bold = QFont(self.table.font())
        bold.setBold(True)
        sample = fmt.date_time(datetime(2026, 11, 30, 23, 59, tzinfo=UTC))
        text = QFontMetrics(bold).horizontalAdvance(sample)
        margin = self.table.style().pixelMetric(
            QStyle.PixelMetric.PM_FocusFrameHMargin, None, self.table
        )
        return text + 2 * (margin + 1) + TIMER_SLACK_PX

    def fit_timer_column(self) -> None:
        """Widen the timer column when a shown timer text would not fit (never clipped: a long
        overdue text such as «просрочен на 475 ч 01 мин»); it is never narrowed here."""
        table = self.table
        count = self.model.rowCount()
        if count == 0:
            return
        first = max(table.rowAt(0), 0)
        last = table.rowAt(table.viewport().height() - 1)
        last = count - 1 if last < 0 else last
        metrics = table.fontMetrics()
        widest = 0
        for row in range(first, last + 1):
            if self.model.cached_row(row) is None:
                continue
            text = self.model.index(row, Column.TIME_LEFT).data(Qt.ItemDataRole.DisplayRole)
            if text:
                widest = max(widest, metrics.horizontalAdvance(str(text)))
        margin = table.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, table)
        needed = widest + 2 * (margin + 1) + TIMER_SLACK_PX
        header = table.horizontalHeader()
        if widest and needed > header.sectionSize(Column.TIME_LEFT):
            header.resizeSection(Column.TIME_LEFT, needed)

    def repaint_timers(self) -> None:
        """Tick: repaint the visible timer cells only (the column widened if a text grew)."""
        self.model.tick(datetime.now(UTC))
        self.fit_timer_column()
        viewport = self.table.viewport()
        x = self.table.columnViewportPosition(Column.TIME_LEFT)
        width = self.table.columnWidth(Column.TIME_LEFT)
        viewport.update(x, 0, width, viewport.height())

    def with_filter(self, **changes: Any) -> InboxFilter:
        """The filter bar's filter with ``changes`` (tests)."""
        return dataclasses.replace(self.extra_filter(), **changes)


def empty_list_text(query: str, filtered: bool) -> str:
    """What an empty list says: nothing found for the search ``query`` (cut to
    :data:`HINT_QUERY_CHARS`), nothing for the filter bar or the drill-down (``filtered``), or
    an empty saved view."""
    query = " ".join(query.split())
    if len(query) > HINT_QUERY_CHARS:
        query = query[: HINT_QUERY_CHARS - 1].rstrip() + "…"

    if query and filtered:
        text = QCoreApplication.translate(
            "InboxPage", "Nothing found for «%1» with the chosen filters"
        )
    elif query:
        text = QCoreApplication.translate("InboxPage", "Nothing found for «%1»")
    elif filtered:
        text = QCoreApplication.translate("InboxPage", "No incidents match the chosen filters")
    else:
        text = QCoreApplication.translate("InboxPage", "There are no incidents in this view")
    return text.replace("%1", query)


def refresh_delay_ms(since_last_ms: float) -> int:
    """How long changes wait for an in-place refresh when the last one ended ``since_last_ms``
    ago: :data:`REFRESH_DELAY_MS`, and never less than what is left of :data:`REFRESH_GAP_MS`."""
    return int(max(REFRESH_DELAY_MS, REFRESH_GAP_MS - since_last_ms))


def counts_delay_ms(since_last_ms: float) -> int:
    """How long a recount after changes waits when the last count began ``since_last_ms`` ago:
    what is left of :data:`COUNTS_GAP_MS` (at once when it has passed)."""
    return int(max(0.0, COUNTS_GAP_MS - since_last_ms))


def combo_width_for(combo: QComboBox, text: str) -> int:
    """The width ``combo`` needs to show ``text`` whole in its field (frame, arrow and margins
    from the style)."""
    option = QStyleOptionComboBox()
    combo.initStyleOption(option)
    content = QSize(combo.fontMetrics().horizontalAdvance(text), combo.fontMetrics().height())
    size = combo.style().sizeFromContents(QStyle.ContentsType.CT_ComboBox, option, content, combo)
    return size.width()


def bold_if(bold: bool, font: QFont) -> QFont:
    """``font``, bold or not."""
    changed = QFont(font)
    changed.setBold(bold)
    return changed


__all__ = ["InboxPage", "bold_if", "counts_delay_ms", "empty_list_text", "refresh_delay_ms"]
