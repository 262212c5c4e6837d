"""The inbox's Qt table model: a thin mirror of the pure :class:`InboxPager`.

``data()`` answers from the pager's page cache and never waits on SQL: a row not cached yet
shows as empty and its page is fetched by the reader pool (:class:`WindowReads`) on the event
loop; when it arrives the page's rows are repainted. A new key snapshot (a new view, filter or
sort) resets the model; a snapshot refreshed after a change event keeps selection and scroll:
persistent indexes are moved to the rows where their incidents now are, and the rows keep
showing their old content until it is read again (no blank rows after a change).

Timer cells compute time left at ``now`` (set by :meth:`tick`) for visible rows only: the view
asks ``data()`` for what it paints, and the window repaints the timer column once a second.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine, Sequence
from datetime import UTC, datetime, timedelta
from enum import IntEnum
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont, QIcon

from cur_desktop.domain.deadlines import Band
from cur_desktop.services.inbox_pager import InboxPager, Row
from cur_desktop.services.timers import TimerView, timer_for
from cur_desktop.services.window_reads import Reference, ViewKeys, WindowReads, match_spans
from cur_desktop.ui import format as fmt
from cur_desktop.ui.inbox_marks import marks_tooltip, row_marks_icon
from cur_desktop.ui.labels import source_title, status_title

log = logging.getLogger(__name__)

ModelIndex = QModelIndex | QPersistentModelIndex

ID_ROLE = Qt.ItemDataRole.UserRole + 1
"""The incident id (``str``) of a row."""
SPANS_ROLE = Qt.ItemDataRole.UserRole + 2
"""Character spans of search matches in the displayed text (excerpt column)."""
BAND_ROLE = Qt.ItemDataRole.UserRole + 3
"""The timer band (:class:`Band`) or ``None``."""

BAND_BACKGROUND = {
    Band.OK: QColor("#e3f4e1"),
    Band.WARNING: QColor("#ffe7a6"),
    Band.OVERDUE: QColor("#f6c3c0"),
}
BAND_FOREGROUND = {
    Band.OK: QColor("#1f5c1a"),
    Band.WARNING: QColor("#6b4a00"),
    Band.OVERDUE: QColor("#8a1410"),
}


class Column(IntEnum):
    """Columns of the inbox, in display order."""

    TIME_LEFT = 0
    STATUS = 1
    SOURCE = 2
    TOPIC = 3
    MUNICIPALITY = 4
    EXCERPT = 5
    RECEIVED = 6
    ASSIGNEE = 7
    EXECUTOR = 8


class InboxTableModel(QAbstractTableModel):
    """Rows of the current view of the inbox (see the module docstring)."""

    page_loaded = Signal()
    """A page of rows arrived (tests wait on it)."""
    keys_loaded = Signal()
    """A new key snapshot is shown."""

    def __init__(self, reads: WindowReads, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._reads = reads
        self._pager = InboxPager(page_size=100, max_pages=12)
        self._snippets: dict[int, str] = {}
        self._stems: tuple[str, ...] = ()
        self._ref = Reference(municipalities={}, executors={}, topics={})
        self._now = datetime.now(UTC)
        self._fetch_pending = False
        self._tasks: set[asyncio.Future[Any]] = set()
        self._timer_cache: dict[int, TimerView | None] = {}
        self._closed = False
        self._bold = QFont()
        self._bold.setBold(True)
        self._mark_icons: dict[tuple[bool, bool], QIcon | None] = {}

    # ------------------------------------------------------------------ Qt API

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else self._pager.row_count

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(Column)

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation is not Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        titles = {
            Column.TIME_LEFT: self.tr("Time left"),
            Column.STATUS: self.tr("Status"),
            Column.SOURCE: self.tr("Source"),
            Column.TOPIC: self.tr("Topic"),
            Column.MUNICIPALITY: self.tr("Municipality"),
            Column.EXCERPT: self.tr("Text"),
            Column.RECEIVED: fmt.marked(self.tr("Received")),
            Column.ASSIGNEE: self.tr("Assignee"),
            Column.EXECUTOR: self.tr("Executor"),
        }
        return titles.get(Column(section)) if 0 <= section < len(Column) else None

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= self._pager.row_count:
            return None
        row = self._pager.row(index.row())
        if row is None:
            self._schedule_fetch()
            row = self._pager.stale_row(index.row())  # the old content until it is read
            if row is None:
                return None
        column = Column(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, column, index.row())
        if role == ID_ROLE:
            return str(row["id"])
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, column, index.row())
        if column is Column.TIME_LEFT:
            timer = self._timer(index.row(), row)
            if role == BAND_ROLE:
                return None if timer is None else timer.band
            if timer is not None and role == Qt.ItemDataRole.BackgroundRole:
                return QBrush(BAND_BACKGROUND[timer.band])
            if timer is not None and role == Qt.ItemDataRole.ForegroundRole:
                return QBrush(BAND_FOREGROUND[timer.band])
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if column is Column.EXCERPT and role == SPANS_ROLE:
            return match_spans(self._excerpt(row, index.row()), self._stems)
        if role == Qt.ItemDataRole.DecorationRole and column is Column.STATUS:
            marks = (bool(row.get("unread")), self._reminder_due(row))
            if marks not in self._mark_icons:
                self._mark_icons[marks] = row_marks_icon(*marks)
            return self._mark_icons[marks]
        if role == Qt.ItemDataRole.FontRole and row.get("unread"):
            # unread: the row is bold (the timer keeps its width: its band says enough)
            return None if column is Column.TIME_LEFT else self._bold
        if role == Qt.ItemDataRole.FontRole and row.get("local_changed"):
            return self._bold if column is Column.STATUS else None
        return None

    def _reminder_due(self, row: Row) -> bool:
        remind_at = row.get("remind_at")
        return remind_at is not None and remind_at <= self._now

    # ------------------------------------------------------------------ cells

    def _timer(self, display_row: int, row: Row) -> TimerView | None:
        key = self._pager.key_at(display_row)
        if key not in self._timer_cache:
            self._timer_cache[key] = timer_for(row, self._now)
        return self._timer_cache[key]

    def _excerpt(self, row: Row, display_row: int) -> str:
        key = self._pager.key_at(display_row)
        text = self._snippets.get(key) or str(row.get("preview") or "")
        return " ".join(text.split())

    def _display(self, row: Row, column: Column, display_row: int) -> str:
        if column is Column.TIME_LEFT:
            timer = self._timer(display_row, row)
            if timer is None:
                return ""
            text = fmt.timer_text(timer.working, overdue=timer.band is Band.OVERDUE)
            return provisional_short(text) if row.get("provisional") else text
        if column is Column.STATUS:
            text = status_title(row["status"])
            return f"{text} ●" if row.get("local_changed") else text
        if column is Column.SOURCE:
            return source_title(row["source"])
        if column is Column.TOPIC:
            return self._ref.topics.get(str(row.get("topic_code")), "—")
        if column is Column.MUNICIPALITY:
            return self._ref.municipalities.get(str(row.get("municipality_id")), "—")
        if column is Column.EXCERPT:
            return self._excerpt(row, display_row)
        if column is Column.RECEIVED:
            return fmt.region_date_time(row["received_at"], mark=False)
        if column is Column.ASSIGNEE:
            return str(row.get("assignee") or "—")
        return self._ref.executors.get(str(row.get("executor_id")), "—")

    def _tooltip(self, row: Row, column: Column, display_row: int) -> str | None:
        if column is Column.TIME_LEFT:
            timer = self._timer(display_row, row)
            if timer is None:
                return None
            tip = timer_tooltip(timer)
            return f"{provisional_note()}\n{tip}" if row.get("provisional") else tip
        if column is Column.STATUS:
            return marks_tooltip(row, self._reminder_due(row))
        if column is Column.EXCERPT:
            return str(row.get("preview") or "")
        return None

    # ------------------------------------------------------------------ loading

    def set_reference(self, ref: Reference) -> None:
        """Names of municipalities, executors and topics."""
        self._ref = ref
        if self._pager.row_count:
            self.dataChanged.emit(
                self.index(0, 0), self.index(self._pager.row_count - 1, len(Column) - 1)
            )

    def show_keys(self, view: ViewKeys) -> None:
        """Show a new snapshot (new view, filter, sort or search): the model is reset."""
        self.beginResetModel()
        self._pager.reset(view.keys)
        self._snippets = dict(view.snippets)
        self._stems = view.stems
        self._timer_cache.clear()
        self.endResetModel()
        self.keys_loaded.emit()

    def complete_keys(self, view: ViewKeys) -> None:
        """The full snapshot of a view whose head is shown: rows are appended below it (cache,
        selection and scroll stay); if the head moved meanwhile, a refresh in place."""
        count = self._pager.row_count
        if not self._pager.continues(view.keys):
            self.refresh_keys(view)
        elif len(view.keys) > count:
            self.beginInsertRows(QModelIndex(), count, len(view.keys) - 1)
            self._pager.extend_keys(view.keys)
            self.endInsertRows()

    def refresh_keys(self, view: ViewKeys) -> None:
        """Show a refreshed snapshot of the same view, keeping selection and scroll position."""
        count = self._pager.row_count
        self.layoutAboutToBeChanged.emit()
        persistent = self.persistentIndexList()  # after the signal: listeners add theirs
        kept = [
            (idx.column(), self._pager.key_at(idx.row()) if 0 <= idx.row() < count else None)
            for idx in persistent
        ]
        self._pager.refresh(view.keys)  # the rows shown stay until they are read again
        self._snippets = dict(view.snippets)
        self._stems = view.stems
        self._timer_cache.clear()
        where = self._pager.rows_of_keys({key for _column, key in kept if key is not None})
        moved: list[QModelIndex] = []
        for column, key in kept:
            new_row = None if key is None else where.get(key)
            moved.append(QModelIndex() if new_row is None else self.createIndex(new_row, column))
        self.changePersistentIndexList(persistent, moved)
        self.layoutChanged.emit()
        self.keys_loaded.emit()

    def forget_ids(self, incident_ids: Sequence[str]) -> None:
        """Incidents changed: drop their cached rows and repaint them (no store read)."""
        keys = self._pager.cached_keys_of_ids(incident_ids)
        if keys:
            self.forget_keys(keys)

    def forget_keys(self, keys: Sequence[int]) -> None:
        """Rows of ``keys`` changed: drop them from the cache and repaint them."""
        rows = self._pager.forget_keys(keys)
        for key in keys:
            self._timer_cache.pop(key, None)
        for row in rows:
            start = self._pager.page_of(row) * self._pager.page_size
            end = min(start + self._pager.page_size, self._pager.row_count) - 1
            self.dataChanged.emit(self.index(start, 0), self.index(end, len(Column) - 1))

    def tick(self, now: datetime) -> None:
        """Move the timers' clock; the caller repaints the visible timer cells."""
        if now - self._now >= timedelta(seconds=1) or now < self._now:
            self._now = now
            self._timer_cache.clear()

    def incident_id(self, row: int) -> str | None:
        """The incident id at ``row`` if its page is loaded."""
        cached = self._pager.row(row)
        return None if cached is None else str(cached["id"])

    def keys_of_rows(self, rows: Sequence[int]) -> list[int]:
        """Row keys of display rows (loaded or not), in the order given."""
        count = self._pager.row_count
        return [self._pager.key_at(r) for r in rows if 0 <= r < count]

    def row_of_incident_key(self, key: int) -> int | None:
        """The display row of a row key."""
        return self._pager.row_of_key(key)

    def cached_row(self, row: int) -> Row | None:
        """The cached list row at ``row`` (``None`` when not loaded)."""
        return self._pager.row(row)

    def first_row_with_band(self, band: Band, after: int) -> int | None:
        """The next loaded row after ``after`` whose timer is in ``band`` (wrapping)."""
        count = self._pager.row_count
        for step in range(1, count + 1):
            row = (after + step) % count
            cached = self._pager.row(row)
            if cached is None:
                continue
            timer = self._timer(row, cached)
            if timer is not None and timer.band is band:
                return row
        return None

    # ------------------------------------------------------------------ fetching

    def _schedule_fetch(self) -> None:
        if not self._fetch_pending:
            self._fetch_pending = True
            QTimer.singleShot(0, self._start_fetches)

    def _start_fetches(self) -> None:
        self._fetch_pending = False
        try:
            asyncio.get_running_loop()
        except RuntimeError:  # no event loop (shutting down): pages stay wanted
            return
        generation = self._pager.generation
        for page in self._pager.take_wanted():
            keys = self._pager.keys_of_page(page)
            self._spawn(self._fetch_page(generation, page, keys))

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

    async def _fetch_page(self, generation: int, page: int, keys: list[int]) -> None:
        try:
            rows = await self._reads.rows(keys)
        except asyncio.CancelledError:
            self._pager.forget_in_flight(page)
            raise
        except Exception:
            log.exception("inbox page %d could not be read", page)
            return
        shown = self._pager.store_page(generation, page, rows)
        if shown is None or not len(shown):
            return
        self.dataChanged.emit(self.index(shown.start, 0), self.index(shown[-1], len(Column) - 1))
        self.page_loaded.emit()

    def cancel_tasks(self) -> None:
        """Cancel page reads in flight and start no more."""
        self._closed = True
        for task in list(self._tasks):
            task.cancel()

    def pending_tasks(self) -> int:
        """Reads in flight (tests)."""
        return len(self._tasks)


def provisional_mark(text: str) -> str:
    """A timer's text marked provisional (computed here, not yet confirmed by the server)."""
    return QCoreApplication.translate("InboxTableModel", "%1 (provisional)").replace("%1", text)


def provisional_short(text: str) -> str:
    """The list's narrow timer cell marked provisional, the mark first so it always shows."""
    return QCoreApplication.translate("InboxTableModel", "prov. %1").replace("%1", text)


def provisional_note() -> str:
    """Why a timer is marked provisional (tooltips of the list and the card)."""
    return QCoreApplication.translate(
        "InboxTableModel",
        "Provisional: computed on this computer by the region's rules; "
        "the server has not confirmed the incident yet.",
    )


def timer_tooltip(timer: TimerView) -> str:
    """Both clocks and the due instant in the region's local time."""

    what = (
        QCoreApplication.translate("InboxTableModel", "Final answer")
        if timer.final
        else QCoreApplication.translate("InboxTableModel", "First answer")
    )
    if timer.wall < timedelta(0):
        head = QCoreApplication.translate("InboxTableModel", "%1 overdue").replace("%1", what)
        working = QCoreApplication.translate("InboxTableModel", "Working time overdue: %1").replace(
            "%1", fmt.duration(timer.working, days=False)
        )
        calendar = QCoreApplication.translate(
            "InboxTableModel", "Calendar time overdue: %1"
        ).replace("%1", fmt.duration(timer.wall))
    else:
        head = QCoreApplication.translate("InboxTableModel", "%1 due").replace("%1", what)
        working = QCoreApplication.translate("InboxTableModel", "Working time left: %1").replace(
            "%1", fmt.duration(timer.working, days=False)
        )
        calendar = QCoreApplication.translate("InboxTableModel", "Calendar time left: %1").replace(
            "%1", fmt.duration(timer.wall)
        )
    due = (
        QCoreApplication.translate("InboxTableModel", "Due: %1 (%2, region's time)")
        .replace("%1", fmt.date_time(timer.due_local))
        .replace("%2", fmt.utc_offset(timer.due_local))
    )
    return "\n".join((head, working, calendar, due))


__all__ = [
    "BAND_ROLE",
    "ID_ROLE",
    "SPANS_ROLE",
    "Column",
    "InboxTableModel",
    "provisional_mark",
    "provisional_note",
    "provisional_short",
    "timer_tooltip",
]
