"""The Входящие tab: saved views with counts, the filter bar, search, the list and the card.

Everything the list shows comes from the reader pool as a key snapshot (see
:mod:`cur_desktop.ui.inbox_model`): a new view, filter, sort or search replaces the snapshot;
a change event refreshes it in place (selection and scroll kept) and repaints changed rows.
Sorting runs in SQL on indexed columns: the time-left column sorts by due time, the received
column by arrival; other columns do not sort.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Coroutine
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, QTimer, Signal
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
from cur_desktop.ui.highlight_delegate import HighlightDelegate
from cur_desktop.ui.inbox_model import ID_ROLE, Column, InboxTableModel
from cur_desktop.ui.labels import priority_title, source_title, status_title, view_title

log = logging.getLogger(__name__)

SEARCH_DELAY_MS = 120
REFRESH_DELAY_MS = 250


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
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.table.setItemDelegateForColumn(Column.EXCERPT, HighlightDelegate(self.table))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        header.setSectionResizeMode(Column.EXCERPT, QHeaderView.ResizeMode.Stretch)
        widths = {
            Column.TIME_LEFT: 88,
            Column.STATUS: 132,
            Column.SOURCE: 96,
            Column.TOPIC: 118,
            Column.MUNICIPALITY: 130,
            Column.RECEIVED: 108,
            Column.ASSIGNEE: 92,
            Column.EXECUTOR: 150,
        }
        for column, width in widths.items():
            header.resizeSection(column, width)
        header.setSortIndicatorShown(True)
        header.setSortIndicator(Column.TIME_LEFT, Qt.SortOrder.AscendingOrder)
        header.sectionClicked.connect(self._on_header_clicked)
        self.table.doubleClicked.connect(self._on_double_click)
        self.table.selectionModel().currentRowChanged.connect(self._on_current_row)

        filters = QHBoxLayout()
        filters.addWidget(self.search, 3)
        for combo in (
            self.status_filter,
            self.source_filter,
            self.topic_filter,
            self.municipality_filter,
            self.executor_filter,
            self.priority_filter,
        ):
            filters.addWidget(combo, 1)
        filters.addWidget(self.clear_button)
        right = QVBoxLayout()
        right.setContentsMargins(0, 0, 0, 0)
        right.addLayout(filters)
        right.addWidget(self.drill_bar)
        right.addWidget(self.table, 1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.views)
        layout.addLayout(right, 1)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.reload)
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(REFRESH_DELAY_MS)
        self._refresh_timer.timeout.connect(self._refresh_in_place)
        self._changed_ids: set[str] = set()
        self._closed = False

    def _combo(self, any_text: str) -> QComboBox:
        combo = QComboBox(self)
        combo.addItem(any_text, None)
        combo.setMinimumContentsLength(10)
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
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
        for task in list(self._tasks):
            task.cancel()
        self.model.cancel_tasks()

    def reload(self) -> None:
        """Load a new snapshot of the current view (selection starts over)."""
        self._generation += 1
        self._spawn(self._load(self._generation, in_place=False))
        self.refresh_counts()

    def _refresh_in_place(self) -> None:
        self._generation += 1
        ids = list(self._changed_ids)
        self._changed_ids.clear()
        self._spawn(self._changed(ids))
        self._spawn(self._load(self._generation, in_place=True))
        self.refresh_counts()

    async def _load(self, generation: int, *, in_place: bool) -> None:
        try:
            keys: ViewKeys = await self.reads.view_keys(
                self.view,
                login=self.login,
                sort=self.sort,
                extra=self.extra_filter(),
                query=self.search.text(),
            )
        except Exception:
            log.exception("inbox view could not be read")
            return
        if generation != self._generation:
            return
        if in_place:
            self.model.refresh_keys(keys)
        else:
            self.model.show_keys(keys)
            if self.model.rowCount() > 0:
                self.table.selectionModel().setCurrentIndex(
                    self.model.index(0, 0),
                    QItemSelectionModel.SelectionFlag.ClearAndSelect
                    | QItemSelectionModel.SelectionFlag.Rows,
                )

    async def _changed(self, ids: list[str]) -> None:
        keys = await self.reads.keys_of(ids)
        self.model.forget_keys(list(keys.values()))

    def refresh_counts(self) -> None:
        """Recount the saved views."""
        self._spawn(self._counts())

    async def _counts(self) -> None:
        try:
            counts = await self.reads.view_counts(login=self.login, extra=self.extra_filter())
        except Exception:
            log.exception("view counts could not be read")
            return
        for row, view in enumerate(SavedView):
            item = self.views.item(row)
            item.setText(f"{view_title(view)}  ({fmt.number(counts.get(view, 0))})")

    def on_incidents_changed(self, ids: list[str]) -> None:
        """Rows changed somewhere: refresh them and the snapshot soon (coalesced)."""
        self._changed_ids.update(ids)
        self._refresh_timer.start()

    # ------------------------------------------------------------------ events

    def _on_view_row(self, row: int) -> None:
        if 0 <= row < len(SavedView):
            self.view = list(SavedView)[row]
            self.view_changed.emit(self.view.value)
            self.reload()

    def _on_search_text(self, _text: str) -> None:
        self._search_timer.start()

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

    def repaint_timers(self) -> None:
        """Tick: repaint the visible timer cells only."""
        self.model.tick(datetime.now(UTC))
        viewport = self.table.viewport()
        x = self.table.columnViewportPosition(Column.TIME_LEFT)
        width = self.table.columnWidth(Column.TIME_LEFT)
        viewport.update(x, 0, width, viewport.height())

    def with_filter(self, **changes: Any) -> InboxFilter:
        """The filter bar's filter with ``changes`` (tests)."""
        return dataclasses.replace(self.extra_filter(), **changes)


__all__ = ["InboxPage"]
