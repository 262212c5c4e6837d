"""Сроки: every open incident of the region by time left, grouped, with reassignment and approval.

A supervisor sees the whole region grouped by operator, executor or municipality, the counts
of incidents already overdue / breaching within the hour / by the end of the region's day,
and can move one or many selected incidents to another operator (each move is an operation of
the services layer, queued in the outbox and sent by sync). The answers waiting for approval
are listed under the board: approve, or return with a comment (the comment becomes a note the
operator sees on the incident). An operator sees only their own incidents and no actions.
The board re-reads itself (off the GUI thread) when sync or a local operation changes
incidents, and its time-left column moves with a clock tick.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Coroutine
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor
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

from cur_desktop.reference import data as refdata
from cur_desktop.services.outcomes import OperationError
from cur_desktop.services.supervision import (
    HOUR,
    ApprovalItem,
    BoardRow,
    approvals,
    breach_counts,
    deadline_board,
    operator_logins,
)
from cur_desktop.services.workstation import Workstation
from cur_desktop.ui import format as fmt
from cur_desktop.ui.labels import status_title

log = logging.getLogger(__name__)

RED = QColor("#c62828")
AMBER = QColor("#ef6c00")
REFRESH_DELAY_MS = 400
TICK_MS = 30_000
ID_ROLE = Qt.ItemDataRole.UserRole


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
        self.rows: list[BoardRow] = []
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
        self._refresh_timer.setInterval(REFRESH_DELAY_MS)
        self._refresh_timer.timeout.connect(self.reload)
        self._tick = QTimer(self)
        self._tick.setInterval(TICK_MS)
        self._tick.timeout.connect(self.redraw)
        self.group.currentIndexChanged.connect(lambda _i: self.redraw())
        self.show_filter.currentIndexChanged.connect(lambda _i: self.redraw())
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
        for widget in (self.assignee, self.reassign_button, self.approval_panel):
            widget.setVisible(supervisor)
        self._tick.start()
        self.reload()

    def on_incidents_changed(self, _ids: list[str]) -> None:
        """Sync or an operation changed incidents: re-read soon (changes come in bursts)."""
        if self.ws is not None:
            self._refresh_timer.start()

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
        else:
            log.error("deadline board task failed", exc_info=exc)

    def cancel_tasks(self) -> None:
        """Stop reads in flight (the window is closing)."""
        self._closed = True
        self._refresh_timer.stop()
        self._tick.stop()
        for task in list(self._tasks):
            task.cancel()

    def reload(self) -> None:
        """Read the board again (off the GUI thread)."""
        if self.ws is None:
            return
        self._generation += 1
        self._spawn(self._load(self._generation))

    async def _load(self, generation: int) -> None:
        assert self.ws is not None
        region = self.region_code
        mine = None if self.supervisor else self.login
        rows = await self.ws.run_read(lambda conn: deadline_board(conn, region, mine))
        pending = (
            await self.ws.run_read(lambda conn: approvals(conn, region)) if self.supervisor else []
        )
        executors = await self.ws.executors()
        municipalities = await self.ws.municipalities()
        people = await self.ws.run_read(operator_logins) if self.supervisor else []
        if generation != self._generation:
            return
        self.names = {
            "executor_id": {e.id: e.name for e in executors},
            "municipality_id": {m.id: m.name for m in municipalities},
        }
        self.rows = rows
        self.pending = pending
        if self.supervisor:
            current = self.assignee.currentText()
            self.assignee.clear()
            self.assignee.addItems(people)
            self.assignee.setCurrentText(current)
        self.redraw()
        self._fill_approvals()
        self.loaded.emit()

    # ------------------------------------------------------------------ showing

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

    def visible_rows(self, now: datetime) -> list[BoardRow]:
        """The rows the "show" filter keeps."""
        mode = self.show_filter.currentData()
        end = self.end_of_day(now)

        def keep(row: BoardRow) -> bool:
            due = row.current_due
            if mode == "all":
                return True
            if due is None:
                return False
            if mode == "overdue":
                return due <= now
            if mode == "hour":
                return now < due <= now + HOUR
            return now < due < end

        return [r for r in self.rows if keep(r)]

    def redraw(self, now: datetime | None = None) -> None:
        """Redraw the tree from the rows read last (time left as of ``now``)."""
        at = now or datetime.now(UTC)
        counts = breach_counts(self.rows, at, self.end_of_day(at))
        self.counts.setText(
            self.tr("Open: %1 · overdue: %2 · within the hour: %3 · by the end of the day: %4")
            .replace("%1", str(len(self.rows)))
            .replace("%2", str(counts.overdue))
            .replace("%3", str(counts.within_hour))
            .replace("%4", str(counts.today))
        )
        selected = set(self.selected_ids())
        group = str(self.group.currentData())
        buckets: dict[str | None, list[BoardRow]] = defaultdict(list)
        for row in self.visible_rows(at):
            buckets[getattr(row, group)].append(row)
        # the group whose first deadline comes first is on top
        order = sorted(buckets, key=lambda k: _first_due_key(buckets[k]))
        self.tree.setUpdatesEnabled(False)
        self.tree.clear()
        for key in order:
            members = buckets[key]
            late = sum(1 for r in members if r.current_due is not None and r.current_due <= at)
            top = QTreeWidgetItem(
                [
                    self.name_of(group, key)
                    if group != "assignee"
                    else (key or self.tr("(nobody)")),
                ]
            )
            top.setText(
                6,
                self.tr("%1 open, %2 overdue")
                .replace("%1", str(len(members)))
                .replace("%2", str(late)),
            )
            font = top.font(0)
            font.setBold(True)
            top.setFont(0, font)
            top.setFirstColumnSpanned(False)
            top.setFlags(top.flags() & ~Qt.ItemFlag.ItemIsSelectable)
            self.tree.addTopLevelItem(top)
            for row in members:
                item = self._row_item(row, at)
                top.addChild(item)
                if row.incident_id in selected:
                    item.setSelected(True)
            top.setExpanded(True)
        self.tree.setUpdatesEnabled(True)
        for column in range(6):
            self.tree.resizeColumnToContents(column)

    def _row_item(self, row: BoardRow, now: datetime) -> QTreeWidgetItem:
        left = row.time_left(now)
        zone = ZoneInfo(self.timezone)
        item = QTreeWidgetItem(
            [
                "—" if left is None else fmt.time_left_text(left),
                "—" if row.current_due is None else fmt.date_time(row.current_due.astimezone(zone)),
                status_title(row.status),
                row.assignee or "—",
                self.name_of("executor_id", row.executor_id),
                self.name_of("municipality_id", row.municipality_id),
                row.text,
            ]
        )
        item.setData(0, ID_ROLE, row.incident_id)
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


def _first_due_key(rows: list[BoardRow]) -> tuple[int, datetime]:
    dues = [r.current_due for r in rows if r.current_due is not None]
    if not dues:
        return (1, datetime.max.replace(tzinfo=UTC))
    return (0, min(dues))


__all__ = ["DeadlineBoard"]
