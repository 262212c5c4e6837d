"""Сроки: every open incident of the region by time left, grouped, with reassignment and approval.

A supervisor sees the whole region grouped by operator, executor or municipality, the counts
of incidents already overdue / breaching within the hour / by the end of the region's day,
and can move one or many selected incidents to another operator (each move is an operation of
the services layer, queued in the outbox and sent by sync). The answers waiting for approval
are listed under the board: approve, or return with a comment (the comment becomes a note the
operator sees on the incident). An operator sees only their own incidents and no actions.

A region may hold 100,000 open incidents, so the board never holds them all (see
:mod:`cur_desktop.services.deadline_groups`): the groups and every count come from one SQL
``GROUP BY``; a group's rows are read only while it is expanded, :data:`PAGE_ROWS` at a time
(«Показать ещё»). A board of at most :data:`AUTO_EXPAND_ROWS` shown incidents opens every
group. Change events (each pulled page of a sync sends one) are coalesced: at most one
re-read per :data:`REFRESH_INTERVAL_MS`, none while the board is hidden (it catches up when
shown); the clock tick re-reads the buckets the same way.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Coroutine
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import Connection

from cur_desktop.domain.deadlines import Band
from cur_desktop.reference import data as refdata
from cur_desktop.services.deadline_groups import (
    BoardGroup,
    BoardMoment,
    BoardSummary,
    GroupField,
    ShowMode,
    board_summary,
    group_rows,
    in_mode,
)
from cur_desktop.services.outcomes import OperationError
from cur_desktop.services.supervision import (
    HOUR,
    ApprovalItem,
    BoardRow,
    approvals,
    operator_logins,
)
from cur_desktop.services.timers import timer_for
from cur_desktop.services.workstation import Workstation
from cur_desktop.ui import format as fmt
from cur_desktop.ui.inbox_model import timer_tooltip
from cur_desktop.ui.labels import status_title
from cur_desktop.ui.task_errors import report_failure

log = logging.getLogger(__name__)

RED = QColor("#c62828")
AMBER = QColor("#ef6c00")
LINK = QColor("#1565c0")
REFRESH_DELAY_MS = 300
"""A change is shown at the earliest this long after it came (changes come in bursts)."""
REFRESH_INTERVAL_MS = 1500
"""At most one re-read per this long while changes keep coming (a sync's pulled pages)."""
PAGE_ROWS = 200
"""Rows of an expanded group read at a time («Показать ещё» reads the next page)."""
AUTO_EXPAND_ROWS = 200
"""A board showing at most this many incidents opens every group."""
TICK_MS = 30_000
ID_ROLE = Qt.ItemDataRole.UserRole
GROUP_ROLE = Qt.ItemDataRole.UserRole + 1
MORE_ROLE = Qt.ItemDataRole.UserRole + 2
NONE_KEY = "\x00"
"""The group key stored for "attribute not set" (a role cannot hold ``None``)."""


class DeadlineBoard(QWidget):
    """The Сроки tab (see the module docstring)."""

    loaded = Signal()
    """The board was read and shown."""
    open_requested = Signal(str)
    """An incident id to open in the card."""
    message = Signal(str)
    """A short text for the status bar."""

    GROUPS = ("assignee", "executor_id", "municipality_id")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws: Workstation | None = None
        self.region_code: str | None = None
        self.login: str | None = None
        self.supervisor = False
        self.timezone = "Europe/Moscow"
        self.summary: BoardSummary | None = None
        self._loaded: dict[str | None, list[BoardRow]] = {}
        self._rows_field = GroupField.ASSIGNEE
        self._rows_mode = ShowMode.ALL
        self._expanded: set[str | None] = set()
        self._collapsed: set[str | None] = set()
        self._auto_expand = True
        self._drawing = False
        self._dirty = False
        self._loads = 0
        self._last_start = 0.0
        self._people_due = True
        self._drawn_at = datetime.min.replace(tzinfo=UTC)
        self.pending: list[ApprovalItem] = []
        self.names: dict[str, dict[str, str]] = {"executor_id": {}, "municipality_id": {}}
        self._tasks: set[asyncio.Future[Any]] = set()
        self._generation = 0
        self._closed = False

        self.group = QComboBox(self)
        for key, text in zip(
            self.GROUPS,
            (self.tr("Operator"), self.tr("Executor"), self.tr("Municipality")),
            strict=True,
        ):
            self.group.addItem(text, key)
        self.show_filter = QComboBox(self)
        for key, text in (
            ("all", self.tr("All open")),
            ("overdue", self.tr("Overdue")),
            ("hour", self.tr("Breach within the hour")),
            ("today", self.tr("Breach today")),
        ):
            self.show_filter.addItem(text, key)
        self.counts = QLabel(self)
        self.counts.setStyleSheet("font-weight: 600;")
        self.assignee = QComboBox(self)
        self.assignee.setEditable(True)
        self.assignee.setMinimumWidth(140)
        self.reassign_button = QPushButton(self.tr("Reassign selected"), self)
        bar = QHBoxLayout()
        bar.addWidget(QLabel(self.tr("Group by:"), self))
        bar.addWidget(self.group)
        bar.addWidget(QLabel(self.tr("Show:"), self))
        bar.addWidget(self.show_filter)
        bar.addStretch(1)
        bar.addWidget(QLabel(self.tr("To operator:"), self))
        bar.addWidget(self.assignee)
        bar.addWidget(self.reassign_button)

        self.tree = QTreeWidget(self)
        self.tree.setObjectName("deadlineTree")
        self.tree.setColumnCount(7)
        self.tree.setHeaderLabels(
            [
                self.tr("Time left"),
                self.tr("Due"),
                self.tr("Status"),
                self.tr("Operator"),
                self.tr("Executor"),
                self.tr("Municipality"),
                self.tr("Text"),
            ]
        )
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.tree.setUniformRowHeights(True)
        self.tree.header().setSectionResizeMode(6, QHeaderView.ResizeMode.Stretch)

        self.approval_title = QLabel(self.tr("Answers waiting for approval"), self)
        self.approval_title.setStyleSheet("font-weight: 600;")
        self.approval_table = QTableWidget(0, 3, self)
        self.approval_table.setHorizontalHeaderLabels(
            [self.tr("Sent"), self.tr("Author"), self.tr("Answer")]
        )
        self.approval_table.verticalHeader().setVisible(False)
        self.approval_table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.approval_table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.approval_table.horizontalHeader().setSectionResizeMode(
            2, QHeaderView.ResizeMode.Stretch
        )
        self.approve_button = QPushButton(self.tr("Approve"), self)
        self.return_button = QPushButton(self.tr("Return with a comment…"), self)
        approval = QWidget(self)
        approval_layout = QVBoxLayout(approval)
        approval_layout.setContentsMargins(0, 0, 0, 0)
        approval_bar = QHBoxLayout()
        approval_bar.addWidget(self.approval_title, 1)
        approval_bar.addWidget(self.approve_button)
        approval_bar.addWidget(self.return_button)
        approval_layout.addLayout(approval_bar)
        approval_layout.addWidget(self.approval_table)
        self.approval_panel = approval

        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(self.tree)
        splitter.addWidget(approval)
        splitter.setSizes([580, 110])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(bar)
        layout.addWidget(self.counts)
        layout.addWidget(splitter, 1)

        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.timeout.connect(self.reload)
        self._tick = QTimer(self)
        self._tick.setInterval(TICK_MS)
        self._tick.timeout.connect(self._on_tick)
        self.group.currentIndexChanged.connect(lambda _i: self._on_group_changed())
        self.show_filter.currentIndexChanged.connect(lambda _i: self._on_mode_changed())
        self.tree.itemExpanded.connect(self._on_expanded)
        self.tree.itemCollapsed.connect(self._on_collapsed)
        self.tree.itemClicked.connect(self._on_clicked)
        self.reassign_button.clicked.connect(self.reassign_selected)
        self.approve_button.clicked.connect(self.approve_selected)
        self.return_button.clicked.connect(self.return_selected)
        self.tree.itemDoubleClicked.connect(self._on_double_click)

    # ------------------------------------------------------------------ wiring

    def attach(
        self, ws: Workstation, region_code: str | None, login: str, *, supervisor: bool
    ) -> None:
        """Start showing the board: the region's (supervisor) or ``login``'s own (operator)."""
        self.ws = ws
        self.region_code = region_code
        self.login = login
        self.supervisor = supervisor
        if region_code:
            self.timezone = refdata.region_by_code(region_code).timezone
        now_there = datetime.now(UTC).astimezone(ZoneInfo(self.timezone))
        self.tree.headerItem().setText(1, fmt.marked(self.tr("Due"), now_there))
        self.approval_table.setHorizontalHeaderItem(
            0, QTableWidgetItem(fmt.marked(self.tr("Sent"), now_there))
        )
        for widget in (self.assignee, self.reassign_button, self.approval_panel):
            widget.setVisible(supervisor)
        self._tick.start()
        self.reload()

    def on_incidents_changed(self, _ids: list[str]) -> None:
        """Sync or an operation changed incidents: re-read what is shown, at most once per
        :data:`REFRESH_INTERVAL_MS` and only while the board is visible (else when shown)."""
        if self.ws is None:
            return
        self._dirty = True
        self._schedule()

    def _schedule(self) -> None:
        if self._closed or self.ws is None or not self.isVisible():
            return
        if self._refresh_timer.isActive() or self._loads > 0:
            return  # the load in flight re-arms the timer when it ends (the board is dirty)
        since = (time.monotonic() - self._last_start) * 1000
        self._refresh_timer.start(int(max(REFRESH_DELAY_MS, REFRESH_INTERVAL_MS - since)))

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt)
        """Shown again: catch up with the changes that came while hidden."""
        super().showEvent(event)
        if self._dirty:
            self._schedule()

    def _on_tick(self) -> None:
        # time left moves: re-read the buckets while shown, else when shown
        self._dirty = True
        self._schedule()

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        if self._closed:
            coro.close()
            return
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            coro.close()
            return
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Future[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled() or task.exception() is None:
            return
        exc = task.exception()
        if isinstance(exc, OperationError):
            self.message.emit(exc.message)
        else:  # unexpected: the crash handler's report and dialog (ui/task_errors.py)
            report_failure(task, "deadline board task failed")

    def cancel_tasks(self) -> None:
        """Stop reads in flight (the window is closing)."""
        self._closed = True
        self._refresh_timer.stop()
        self._tick.stop()
        for task in list(self._tasks):
            task.cancel()

    def reload(self) -> None:
        """Read the board again (off the GUI thread): the groups' counts, the rows of the
        expanded groups (as many as are loaded, at least a page), the answers on approval."""
        if self.ws is None:
            return
        self._refresh_timer.stop()
        self._dirty = False
        self._generation += 1
        self._last_start = time.monotonic()
        self._spawn(self._load(self._generation))

    @property
    def field(self) -> GroupField:
        """What the board groups by now."""
        return GroupField(str(self.group.currentData()))

    @property
    def mode(self) -> ShowMode:
        """Which open incidents the board shows now."""
        return ShowMode(str(self.show_filter.currentData()))

    def moment(self, now: datetime | None = None) -> BoardMoment:
        """Now and the region's next local midnight."""
        at = now or datetime.now(UTC)
        return BoardMoment(now=at, end_of_day=self.end_of_day(at))

    def is_expanded(self, key: str | None) -> bool:
        """Whether the group ``key`` shows its rows (a small board shows every group's)."""
        if self._auto_expand:
            return key not in self._collapsed
        return key in self._expanded

    async def _load(self, generation: int) -> None:
        assert self.ws is not None
        self._loads += 1
        try:
            await self._read_and_show(generation)
        finally:
            self._loads -= 1
            if self._dirty and generation == self._generation:
                self._schedule()

    async def _read_and_show(self, generation: int) -> None:
        assert self.ws is not None
        region = self.region_code
        mine = None if self.supervisor else self.login
        field, mode, moment = self.field, self.mode, self.moment()
        collapsed, expanded = set(self._collapsed), set(self._expanded)
        sizes = {key: len(rows) for key, rows in self._loaded.items()}

        def read(conn: Connection) -> tuple[BoardSummary, dict[str | None, list[BoardRow]]]:
            summary = board_summary(conn, region, mine, field, moment)
            auto = summary.shown_count(mode) <= AUTO_EXPAND_ROWS
            rows = {}
            for group in summary.shown(mode):
                key = group.key
                if (key in collapsed) if auto else (key not in expanded):
                    continue
                limit = max(PAGE_ROWS, sizes.get(key, 0))
                rows[key] = group_rows(
                    conn, region, mine, field, key, mode=mode, moment=moment, limit=limit
                )
            return summary, rows

        summary, rows = await self.ws.run_read(read)
        pending = (
            await self.ws.run_read(lambda conn: approvals(conn, region)) if self.supervisor else []
        )
        executors = await self.ws.executors()
        municipalities = await self.ws.municipalities()
        people = (
            await self.ws.run_read(operator_logins)
            if self.supervisor and self._people_due
            else None
        )
        if generation != self._generation:
            return
        self.names = {
            "executor_id": {e.id: e.name for e in executors},
            "municipality_id": {m.id: m.name for m in municipalities},
        }
        same = (
            self.summary is not None
            and self.summary.groups == summary.groups
            and self._loaded == rows
            and (self._rows_field, self._rows_mode) == (field, mode)
            and moment.now - self._drawn_at < timedelta(milliseconds=TICK_MS)
        )
        self.summary = summary
        self._auto_expand = summary.shown_count(mode) <= AUTO_EXPAND_ROWS
        self._loaded = rows
        self._rows_field, self._rows_mode = field, mode
        approvals_changed = pending != self.pending
        self.pending = pending
        if people is not None:
            self._people_due = False
            current = self.assignee.currentText()
            self.assignee.clear()
            self.assignee.addItems(people)
            self.assignee.setCurrentText(current)
        if not same:  # a change elsewhere (most of a sync's pages): nothing to redraw
            self.redraw(moment.now)
        if approvals_changed or not same:
            self._fill_approvals()
        self.loaded.emit()

    async def _load_more(self, key: str | None) -> None:
        assert self.ws is not None
        region = self.region_code
        mine = None if self.supervisor else self.login
        field, mode, moment = self.field, self.mode, self.moment()
        have = self._loaded.get(key, [])
        offset = len(have)
        undated = sum(1 for r in have if r.current_due is None)
        generation = self._generation
        more = await self.ws.run_read(
            lambda conn: group_rows(
                conn,
                region,
                mine,
                field,
                key,
                mode=mode,
                moment=moment,
                limit=PAGE_ROWS,
                skip_dated=offset - undated,
                skip_undated=undated,
            )
        )
        if generation != self._generation or field != self.field or mode != self.mode:
            return
        have = self._loaded.setdefault(key, [])
        if len(have) == offset:
            have.extend(more)
        self.redraw()

    # ------------------------------------------------------------------ showing

    @property
    def rows(self) -> list[BoardRow]:
        """The incident rows read for the shown groups, in board order (not every open
        incident: a collapsed group's rows are not read, an expanded one's by the page)."""
        if self.summary is None:
            return []
        shown: list[BoardRow] = []
        at = self.moment()
        for group in self.summary.shown(self.mode):
            if self.is_expanded(group.key):
                shown.extend(self._rows_of(group.key, at))
        return shown

    def _rows_of(self, key: str | None, at: BoardMoment) -> list[BoardRow]:
        """The read rows of a group in the current mode; rows read for "all" are cut here
        (so switching the mode shows at once), any others only when read for this mode."""
        if self._rows_field is not self.field:
            return []
        rows = self._loaded.get(key, [])
        if self._rows_mode is self.mode:
            return rows
        if self._rows_mode is ShowMode.ALL:
            return [r for r in rows if in_mode(r, self.mode, at)]
        return []

    def name_of(self, group: str, key: str | None) -> str:
        """The display name of a group key."""
        if key is None:
            return self.tr("(not set)")
        return self.names.get(group, {}).get(key, key)

    def end_of_day(self, now: datetime) -> datetime:
        """The region's next local midnight after ``now``."""
        local = now.astimezone(ZoneInfo(self.timezone))
        midnight = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
        return midnight.astimezone(UTC)

    def _on_mode_changed(self) -> None:
        self.redraw()
        self.reload()

    def _on_group_changed(self) -> None:
        self._expanded.clear()
        self._collapsed.clear()
        self._loaded = {}
        self.redraw()
        self.reload()

    def redraw(self, now: datetime | None = None) -> None:
        """Redraw the tree from the summary and rows read last (time left as of ``now``)."""
        at = self.moment(now)
        self._drawn_at = at.now
        summary = self.summary
        selected = set(self.selected_ids())
        self._drawing = True
        self.tree.setUpdatesEnabled(False)
        self.tree.clear()
        if summary is not None:
            counts = summary.breaches
            self.counts.setText(
                self.tr("Open: %1 · overdue: %2 · within the hour: %3 · by the end of the day: %4")
                .replace("%1", str(summary.open_total))
                .replace("%2", str(counts.overdue))
                .replace("%3", str(counts.within_hour))
                .replace("%4", str(counts.today))
            )
            for group in summary.shown(self.mode) if self._rows_field is self.field else []:
                self._add_group(group, at, selected)
        self.tree.setUpdatesEnabled(True)
        self._drawing = False
        for column in range(6):
            self.tree.resizeColumnToContents(column)

    def _add_group(self, group: BoardGroup, at: BoardMoment, selected: set[str]) -> None:
        field, mode = self.field, self.mode
        key = group.key
        shown = group.counts[mode]
        late = group.counts[ShowMode.OVERDUE] if mode in (ShowMode.ALL, ShowMode.OVERDUE) else 0
        top = QTreeWidgetItem(
            [
                self.name_of(field.value, key)
                if field is not GroupField.ASSIGNEE
                else (key or self.tr("(nobody)")),
            ]
        )
        top.setText(
            6,
            self.tr("%1 open, %2 overdue").replace("%1", str(shown)).replace("%2", str(late)),
        )
        top.setData(0, GROUP_ROLE, NONE_KEY if key is None else key)
        font = top.font(0)
        font.setBold(True)
        top.setFont(0, font)
        top.setFlags(top.flags() & ~Qt.ItemFlag.ItemIsSelectable)
        top.setChildIndicatorPolicy(QTreeWidgetItem.ChildIndicatorPolicy.ShowIndicator)
        self.tree.addTopLevelItem(top)
        if not self.is_expanded(key):
            return
        rows = self._rows_of(key, at)
        for row in rows:
            item = self._row_item(row, at.now)
            top.addChild(item)
            if row.incident_id in selected:
                item.setSelected(True)
        complete = self._rows_mode is self.mode or self._rows_mode is ShowMode.ALL
        if complete and len(rows) < shown and len(self._loaded.get(key, [])) >= len(rows):
            more = QTreeWidgetItem(
                [self.tr("Show more (%1 left)").replace("%1", str(shown - len(rows)))]
            )
            more.setData(0, MORE_ROLE, NONE_KEY if key is None else key)
            more.setFlags(more.flags() & ~Qt.ItemFlag.ItemIsSelectable)
            more.setForeground(0, QBrush(LINK))
            top.addChild(more)
        top.setExpanded(True)

    def _on_expanded(self, item: QTreeWidgetItem) -> None:
        if self._drawing:
            return
        key = _key_of(item.data(0, GROUP_ROLE))
        if key is _NOT_A_GROUP:
            return
        self._collapsed.discard(key)
        self._expanded.add(key)
        self.reload()

    def _on_collapsed(self, item: QTreeWidgetItem) -> None:
        if self._drawing:
            return
        key = _key_of(item.data(0, GROUP_ROLE))
        if key is _NOT_A_GROUP:
            return
        self._expanded.discard(key)
        self._collapsed.add(key)
        self._loaded.pop(key, None)  # its rows are read again when it is expanded

    def _on_clicked(self, item: QTreeWidgetItem, _column: int) -> None:
        key = _key_of(item.data(0, MORE_ROLE))
        if key is not _NOT_A_GROUP and self.ws is not None:
            self._spawn(self._load_more(key))

    def _row_item(self, row: BoardRow, now: datetime) -> QTreeWidgetItem:
        left = row.time_left(now)
        zone = ZoneInfo(self.timezone)
        # the same timer as the inbox and the card: working time on the region's calendar
        # (the tooltip gives both clocks and the due instant); only shown rows pay for it
        timer = timer_for(
            {
                "current_due": row.current_due,
                "current_warn_at": None,
                "status": row.status,
                "region_code": self.region_code,
            },
            now,
        )
        item = QTreeWidgetItem(
            [
                "—"
                if timer is None
                else fmt.timer_text(timer.working, overdue=timer.band is Band.OVERDUE),
                "—" if row.current_due is None else fmt.date_time(row.current_due.astimezone(zone)),
                status_title(row.status),
                row.assignee or "—",
                self.name_of("executor_id", row.executor_id),
                self.name_of("municipality_id", row.municipality_id),
                row.text,
            ]
        )
        item.setData(0, ID_ROLE, row.incident_id)
        if timer is not None:
            item.setToolTip(0, timer_tooltip(timer))
        if left is not None and left <= timedelta(0):
            item.setForeground(0, QBrush(RED))
        elif left is not None and left <= HOUR:
            item.setForeground(0, QBrush(AMBER))
        return item

    def _fill_approvals(self) -> None:
        self.approval_table.setRowCount(len(self.pending))
        zone = ZoneInfo(self.timezone)
        for index, entry in enumerate(self.pending):
            when = QTableWidgetItem(fmt.date_time(entry.created_at.astimezone(zone)))
            when.setData(ID_ROLE, entry.answer_id)
            self.approval_table.setItem(index, 0, when)
            self.approval_table.setItem(index, 1, QTableWidgetItem(entry.author))
            self.approval_table.setItem(
                index, 2, QTableWidgetItem(" ".join(entry.text.split())[:200])
            )
        self.approval_title.setText(
            self.tr("Answers waiting for approval: %1").replace("%1", str(len(self.pending)))
        )

    # ------------------------------------------------------------------ actions

    def selected_ids(self) -> list[str]:
        """Ids of the selected incidents, in board order."""
        ids = []
        for item in self.tree.selectedItems():
            value = item.data(0, ID_ROLE)
            if value:
                ids.append(str(value))
        return ids

    def reassign_selected(self) -> None:
        """Move the selected incidents to the operator typed or picked."""
        target = self.assignee.currentText().strip()
        ids = self.selected_ids()
        if not target or not ids or self.ws is None:
            self.message.emit(self.tr("Select incidents and the operator to move them to."))
            return
        self._spawn(self.reassign(ids, target))

    async def reassign(self, ids: list[str], target: str) -> None:
        """Assign each incident to ``target`` (one queued operation each); report the result."""
        assert self.ws is not None
        done, refused = 0, []
        for incident_id in ids:
            try:
                await self.ws.assign(incident_id, target)
                done += 1
            except OperationError as exc:
                refused.append(exc.message)
        text = self.tr("Reassigned to %1: %2").replace("%1", target).replace("%2", str(done))
        if refused:
            text += " · " + self.tr("refused: %1").replace("%1", refused[0])
        self.message.emit(text)
        self._people_due = True
        self.reload()

    def _selected_answer(self) -> str | None:
        row = self.approval_table.currentRow()
        item = self.approval_table.item(row, 0) if row >= 0 else None
        return None if item is None else str(item.data(ID_ROLE))

    def approve_selected(self) -> None:
        """Approve the selected answer."""
        answer_id = self._selected_answer()
        if answer_id is None or self.ws is None:
            return
        ws = self.ws

        async def run() -> None:
            await ws.approve_answer(answer_id)
            self.message.emit(self.tr("Answer approved"))
            self.reload()

        self._spawn(run())

    def return_selected(self) -> None:
        """Return the selected answer with a comment the operator sees."""
        answer_id = self._selected_answer()
        if answer_id is None or self.ws is None:
            return
        comment, ok = QInputDialog.getMultiLineText(
            self, self.tr("Return the answer"), self.tr("What must be corrected:")
        )
        if not ok or not comment.strip():
            return
        ws = self.ws

        async def run() -> None:
            await ws.return_answer(answer_id, comment)
            self.message.emit(self.tr("Answer returned for correction"))
            self.reload()

        self._spawn(run())

    def _on_double_click(self, item: QTreeWidgetItem, _column: int) -> None:
        value = item.data(0, ID_ROLE)
        if value:
            self.open_requested.emit(str(value))


_NOT_A_GROUP = object()


def _key_of(value: object) -> Any:
    """The group key stored in an item's role (``_NOT_A_GROUP`` when there is none)."""
    if not isinstance(value, str) or value == "":
        return _NOT_A_GROUP
    return None if value == NONE_KEY else value


__all__ = ["DeadlineBoard"]
