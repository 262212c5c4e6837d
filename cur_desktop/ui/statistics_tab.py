"""Статистика: a region's figures for a local period against the previous equal period.

The period picker (day, week, month, quarter, year of the region's own calendar, or custom
days), headline cards (value, change as shown, previous value), tables per operator,
executor, municipality, topic and source, the charts, the federal rating panel and the export
buttons. Every read runs on the workstation's reader threads
(:meth:`Workstation.statistics`: the rollup refreshed on the writer, the report read on a reader):
the window never waits for a query. A row of a table or a bar of the ranked charts opens the
inbox filtered to exactly the incidents behind it (:attr:`StatisticsTab.inbox_requested`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDate, QLocale, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from cur_desktop.domain.date_range import DateRange, StatsPeriod
from cur_desktop.domain.periods import LocalPeriod, PeriodKind
from cur_desktop.reference import data as refdata
from cur_desktop.services.definitions import FIGURES, Unit
from cur_desktop.services.supervision import (
    SOURCE_NAMES,
    CardFigure,
    DrillCriterion,
    StatisticsReport,
    format_value,
    group_fields,
    local_cell_fields,
    period_fields,
)
from cur_desktop.services.workstation import Workstation
from cur_desktop.storage.stats_groups import GroupBy
from cur_desktop.ui import format as fmt
from cur_desktop.ui.charts import HeatMap, RankedBars, TrendChart, VolumeChart
from cur_desktop.ui.definitions_dialog import DefinitionsDialog
from cur_desktop.ui.ratings_panel import RatingsPanel
from cur_desktop.ui.task_errors import report_failure

log = logging.getLogger(__name__)

CUSTOM = "custom"
GOOD = "#1e7d32"
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
BAD = "#b71c1c"


class FigureCard(QFrame):
    """One headline figure: label, value, change against the previous period."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet("FigureCard { background: #fafafa; border: 1px solid #ddd; }")
        self.title = QLabel(self)
        self.title.setWordWrap(True)
        self.title.setStyleSheet("color: #555; font-size: 8pt;")
        self.value = QLabel("—", self)
        self.value.setStyleSheet("font-size: 14pt; font-weight: 600;")
        self.change = QLabel(self)
        self.change.setStyleSheet("font-size: 8pt;")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(1)
        layout.addWidget(self.title)
        layout.addWidget(self.value)
        layout.addWidget(self.change)

    def show_figure(self, card: CardFigure, previous_title: str) -> None:
        """Show a figure (``previous_title``: the previous period's name)."""
        self.title.setText(card.figure.label)
        self.setToolTip(card.figure.definition)
        self.value.setText(card.text)
        colour = {True: GOOD, False: BAD, None: "#555"}[card.improved]
        self.change.setText(
            self.tr("%1 (%2: %3)")
            .replace("%1", card.change_text)
            .replace("%2", previous_title)
            .replace("%3", card.previous_text)
        )
        self.change.setStyleSheet(f"font-size: 8pt; color: {colour};")


class StatisticsTab(QWidget):
    """The Статистика tab (see the module docstring)."""

    loaded = Signal()
    """A report was computed and shown."""
    rating_loaded = Signal()
    """A federal rating was shown."""
    inbox_requested = Signal(list)
    """``list[DrillCriterion]``: open the inbox filtered to exactly these incidents."""
    export_requested = Signal(str)
    """``"xlsx"``, ``"csv"`` or ``"pdf"``: export the report shown."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws: Workstation | None = None
        self.region_code = ""
        self.timezone = "Europe/Moscow"
        self.report: StatisticsReport | None = None
        self._tasks: set[asyncio.Future[Any]] = set()
        self._generation = 0
        self._closed = False
        self.rating_month = ""

        self.kind = QComboBox(self)
        for value, text in (
            (PeriodKind.DAY.value, self.tr("Day")),
            (PeriodKind.WEEK.value, self.tr("Week")),
            (PeriodKind.MONTH.value, self.tr("Month")),
            (PeriodKind.QUARTER.value, self.tr("Quarter")),
            (PeriodKind.YEAR.value, self.tr("Year")),
            (CUSTOM, self.tr("Custom")),
        ):
            self.kind.addItem(text, value)
        self.kind.setCurrentIndex(2)
        self.start = QDateEdit(self)
        self.start.setCalendarPopup(True)
        self.start.setDisplayFormat("dd.MM.yyyy")
        self.end = QDateEdit(self)
        self.end.setCalendarPopup(True)
        self.end.setDisplayFormat("dd.MM.yyyy")
        self.end_label = QLabel(self.tr("to"), self)
        self.back = QPushButton("◀", self)
        self.forward = QPushButton("▶", self)
        for button in (self.back, self.forward):
            button.setFixedWidth(32)
        self.period_title = QLabel(self)
        self.period_title.setStyleSheet("font-weight: 600;")
        self.refresh_button = QPushButton(self.tr("Refresh"), self)
        self.help_button = QPushButton(self.tr("Definitions"), self)
        self.export_xlsx = QPushButton(self.tr("Excel"), self)
        self.export_csv = QPushButton(self.tr("CSV"), self)
        self.export_pdf = QPushButton(self.tr("PDF report"), self)
        bar = QHBoxLayout()
        bar.addWidget(QLabel(self.tr("Period:"), self))
        bar.addWidget(self.kind)
        bar.addWidget(self.back)
        bar.addWidget(self.start)
        bar.addWidget(self.end_label)
        bar.addWidget(self.end)
        bar.addWidget(self.forward)
        bar.addWidget(self.period_title, 1)
        bar.addWidget(self.refresh_button)
        bar.addWidget(self.help_button)
        bar.addWidget(QLabel(self.tr("Export:"), self))
        bar.addWidget(self.export_xlsx)
        bar.addWidget(self.export_csv)
        bar.addWidget(self.export_pdf)

        self.cards: dict[str, FigureCard] = {}
        cards = QGridLayout()
        cards.setSpacing(4)
        for index, figure in enumerate(FIGURES):
            card = FigureCard(self)
            card.title.setText(figure.label)
            self.cards[figure.key] = card
            cards.addWidget(card, index // 6, index % 6)

        self.state = QLabel(self)
        self.state.setStyleSheet("color: #555;")

        self.group_by = QComboBox(self)
        for by, text in (
            (GroupBy.OPERATOR, self.tr("Operators")),
            (GroupBy.EXECUTOR, self.tr("Executors")),
            (GroupBy.MUNICIPALITY, self.tr("Municipalities")),
            (GroupBy.TOPIC, self.tr("Topics")),
            (GroupBy.SOURCE, self.tr("Sources")),
        ):
            self.group_by.addItem(text, by.value)
        self.table = QTableWidget(0, 6, self)
        self.table.setObjectName("statsTable")
        self.table.setHorizontalHeaderLabels(
            [
                self.tr("Name"),
                self.tr("Incidents"),
                self.tr("Mean first answer"),
                self.tr("Mean, working time"),
                self.tr("Processed"),
                self.tr("Overdue, count"),
            ]
        )
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.setSortingEnabled(True)
        tables = QWidget(self)
        tables_layout = QVBoxLayout(tables)
        tables_layout.setContentsMargins(0, 0, 0, 0)
        group_bar = QHBoxLayout()
        group_bar.addWidget(QLabel(self.tr("Group by:"), tables))
        group_bar.addWidget(self.group_by)
        group_bar.addWidget(
            QLabel(self.tr("Double-click a row to open its incidents in the inbox."), tables)
        )
        group_bar.addStretch(1)
        tables_layout.addLayout(group_bar)
        tables_layout.addWidget(self.table)

        self.volume_chart = VolumeChart(self.tr("Incidents per day by source"), self)
        self.trend_chart = TrendChart(self.tr("Mean first-answer time per day"), self)
        self.heat_map = HeatMap(self.tr("Load: weekday × hour"), self)
        self.topic_bars = RankedBars(self.tr("Topics"), "#00897b", self)
        self.municipality_bars = RankedBars(self.tr("Municipalities"), "#5e35b1", self)
        charts = QWidget(self)
        grid = QGridLayout(charts)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(self.volume_chart, 0, 0)
        grid.addWidget(self.trend_chart, 0, 1)
        grid.addWidget(self.heat_map, 0, 2)
        grid.addWidget(self.topic_bars, 1, 0)
        grid.addWidget(self.municipality_bars, 1, 1, 1, 2)

        self.rating = RatingsPanel(self)

        self.views = QTabWidget(self)
        self.views.addTab(charts, self.tr("Charts"))
        self.views.addTab(tables, self.tr("Tables"))
        self.views.addTab(self.rating, self.tr("Federal rating"))

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(bar)
        layout.addLayout(cards)
        layout.addWidget(self.state)
        layout.addWidget(self.views, 1)

        self.kind.currentIndexChanged.connect(self._on_kind)
        self.start.dateChanged.connect(lambda _d: self.refresh())
        self.end.dateChanged.connect(lambda _d: self.refresh())
        self.back.clicked.connect(lambda: self.step(-1))
        self.forward.clicked.connect(lambda: self.step(1))
        self.refresh_button.clicked.connect(self.refresh)
        self.help_button.clicked.connect(self.show_definitions)
        self.group_by.currentIndexChanged.connect(lambda _i: self._fill_table())
        self.table.cellDoubleClicked.connect(self._on_row)
        self.topic_bars.bar_clicked.connect(lambda key: self.drill(GroupBy.TOPIC, key))
        self.municipality_bars.bar_clicked.connect(
            lambda key: self.drill(GroupBy.MUNICIPALITY, key)
        )
        self.volume_chart.day_clicked.connect(self.drill_day)
        self.heat_map.cell_clicked.connect(self.drill_cell)
        self.export_xlsx.clicked.connect(lambda: self.export_requested.emit("xlsx"))
        self.export_csv.clicked.connect(lambda: self.export_requested.emit("csv"))
        self.export_pdf.clicked.connect(lambda: self.export_requested.emit("pdf"))
        for keys, direction in (("Alt+Left", -1), ("Alt+Right", 1)):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
            shortcut.activated.connect(lambda d=direction: self._step_if_shown(d))
        self.back.setToolTip(self.tr("Previous period (Alt+←)"))
        self.forward.setToolTip(self.tr("Next period (Alt+→)"))
        self._on_kind()

    def _step_if_shown(self, direction: int) -> None:
        if self.isVisible():
            self.step(direction)

    # ------------------------------------------------------------------ wiring

    def attach(self, ws: Workstation, region_code: str | None, today: date | None = None) -> None:
        """Start showing the region's statistics (``today``: the local date to start at)."""
        self.ws = ws
        self.region_code = region_code or ""
        if self.region_code:
            self.timezone = refdata.region_by_code(self.region_code).timezone
        local_today = today or datetime.now(UTC).astimezone(_zone(self.timezone)).date()
        self._set_dates(local_today.replace(day=1), local_today)
        self.refresh()

    def _set_dates(self, start: date, end: date) -> None:
        for edit, value in ((self.start, start), (self.end, end)):
            edit.blockSignals(True)
            edit.setDate(QDate(value.year, value.month, value.day))
            edit.blockSignals(False)

    def _on_kind(self) -> None:
        custom = self.kind.currentData() == CUSTOM
        self.end.setVisible(custom)
        self.end_label.setVisible(custom)
        self.refresh()

    def period(self) -> StatsPeriod:
        """The period the picker shows (the region's local calendar)."""
        start = self.start.date().toPython()
        assert isinstance(start, date)
        kind = self.kind.currentData()
        if kind == CUSTOM:
            end = self.end.date().toPython()
            assert isinstance(end, date)
            end = max(end, start)
            return DateRange(self.timezone, start, end + timedelta(days=1))
        return LocalPeriod.containing(
            self.timezone,
            PeriodKind(kind),
            datetime(start.year, start.month, start.day, 12, tzinfo=_zone(self.timezone)),
        )

    def set_period(self, period: StatsPeriod) -> None:
        """Show ``period`` (tests, the command line)."""
        kind = period.kind.value if isinstance(period, LocalPeriod) else CUSTOM
        self.kind.blockSignals(True)
        self.kind.setCurrentIndex(self.kind.findData(kind))
        self.kind.blockSignals(False)
        custom = kind == CUSTOM
        self.end.setVisible(custom)
        self.end_label.setVisible(custom)
        self._set_dates(period.start_date, period.end_date - timedelta(days=1))
        self.refresh()

    def step(self, direction: int) -> None:
        """Move to the previous (−1) or next (+1) period of the same kind."""
        period = self.period()
        if isinstance(period, LocalPeriod):
            moved: StatsPeriod = period.previous() if direction < 0 else period.following()
        else:
            length = period.end_date - period.start_date
            moved = DateRange(
                period.timezone,
                period.start_date + direction * length,
                period.end_date + direction * length,
            )
        self.set_period(moved)

    # ------------------------------------------------------------------ loading

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
        task.add_done_callback(self._tasks.discard)
        task.add_done_callback(report_failure)

    def cancel_tasks(self) -> None:
        """Stop reads in flight (the window is closing)."""
        self._closed = True
        for task in list(self._tasks):
            task.cancel()

    def refresh(self) -> None:
        """Recompute the shown period (off the GUI thread)."""
        if self.ws is None or not self.region_code:
            return
        self._generation += 1
        period = self.period()
        self.period_title.setText(period.title)
        self.state.setText(self.tr("Computing…"))
        self._spawn(self._load(self._generation, period))
        month = period.start_date.strftime("%Y-%m")
        if month != self.rating_month:
            self.rating_month = month
            self._spawn(self._load_rating(month))

    async def _load_rating(self, month: str) -> None:
        assert self.ws is not None
        rating, from_cache = await self.ws.federal_ratings(month)
        if month != self.rating_month:
            return
        if rating is None:
            self.rating.show_missing(
                self.tr(
                    "No rating for %1: the server is not reachable and no copy is kept."
                ).replace("%1", month)
            )
            return
        self.rating.show_rating(rating, from_cache=from_cache, timezone=self.timezone)
        self.rating_loaded.emit()

    async def _load(self, generation: int, period: StatsPeriod) -> None:
        assert self.ws is not None
        region, now = self.region_code, datetime.now(UTC)
        try:
            report = await self.ws.statistics(region, period, now)
        except Exception:
            log.exception("statistics could not be computed")
            self.state.setText(self.tr("The statistics could not be computed (see the log)."))
            return
        if generation != self._generation:
            return
        self.show_report(report)

    def show_report(self, report: StatisticsReport) -> None:
        """Show a computed report."""
        self.report = report
        previous_title = report.previous_period.title
        for card in report.cards:
            self.cards[card.figure.key].show_figure(card, previous_title)
        known = report.current.working_known
        answered = report.current.answered
        computed = report.computed_at.astimezone(_zone(self.timezone))
        self.state.setText(
            self.tr(
                "%1 — compared with %2. Computed at %3. Working time known for %4 of %5 answers."
            )
            .replace("%1", report.period.title)
            .replace("%2", previous_title)
            .replace("%3", fmt.marked(fmt.time_of_day(computed), computed))
            .replace("%4", str(known))
            .replace("%5", str(answered))
        )
        self._fill_table()
        self._fill_charts()
        self.loaded.emit()

    def _fill_table(self) -> None:
        report = self.report
        if report is None:
            return
        by = GroupBy(self.group_by.currentData())
        groups = report.groups.get(by, [])
        self.table.setSortingEnabled(False)
        self.table.setRowCount(len(groups))
        for row, group in enumerate(groups):
            s = group.stats
            cells: list[tuple[str, Any]] = [
                (report.name_of(by, group.key), report.name_of(by, group.key)),
                (format_value(Unit.COUNT, s.registered), s.registered),
                (
                    format_value(Unit.DURATION, s.mean_first_answer_time),
                    _sort_key(s.mean_first_answer_time),
                ),
                (
                    format_value(Unit.DURATION, s.mean_first_answer_working_time),
                    _sort_key(s.mean_first_answer_working_time),
                ),
                (format_value(Unit.PERCENT, s.processing_share), s.processing_share or -1.0),
                (format_value(Unit.COUNT, s.overdue), s.overdue),
            ]
            for column, (text, key) in enumerate(cells):
                item = _SortItem(text, key)
                if column == 0:
                    item.setData(Qt.ItemDataRole.UserRole, group.key)
                else:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                self.table.setItem(row, column, item)
        self.table.setSortingEnabled(True)
        self.table.sortItems(1, Qt.SortOrder.DescendingOrder)
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)

    def _fill_charts(self) -> None:
        report = self.report
        if report is None:
            return
        days = report.days
        self.volume_chart.show_volume(days, report.daily_volume, dict(SOURCE_NAMES))
        self.trend_chart.show_trend(days, report.daily_first_answer)
        self.heat_map.show_grid(report.hour_weekday)
        for by, chart in (
            (GroupBy.TOPIC, self.topic_bars),
            (GroupBy.MUNICIPALITY, self.municipality_bars),
        ):
            chart.show_bars(
                [(g.key, report.name_of(by, g.key), g.stats.registered) for g in report.groups[by]]
            )

    # ------------------------------------------------------------------ drill-down

    def _on_row(self, row: int, _column: int) -> None:
        item = self.table.item(row, 0)
        if item is None:
            return
        key = item.data(Qt.ItemDataRole.UserRole)
        self.drill(GroupBy(self.group_by.currentData()), None if key is None else str(key))

    def drill(self, by: GroupBy, key: str | None) -> None:
        """Open the inbox on exactly the incidents of one group of the shown period."""
        report = self.report
        if report is None:
            return
        dimension = {
            GroupBy.OPERATOR: self.tr("Operator"),
            GroupBy.EXECUTOR: self.tr("Executor"),
            GroupBy.MUNICIPALITY: self.tr("Municipality"),
            GroupBy.TOPIC: self.tr("Topic"),
            GroupBy.SOURCE: self.tr("Source"),
        }[by]
        self.inbox_requested.emit(
            [
                self._period_criterion(report.period),
                DrillCriterion(f"{dimension}: {report.name_of(by, key)}", group_fields(by, key)),
            ]
        )

    def drill_day(self, index: int) -> None:
        """Open the inbox on the incidents received on the ``index``-th local day."""
        report = self.report
        if report is None or not 0 <= index < len(report.days):
            return
        day = LocalPeriod(report.period.timezone, PeriodKind.DAY, report.days[index])
        self.inbox_requested.emit([self._period_criterion(day)])

    def drill_cell(self, weekday: int, hour: int) -> None:
        """Open the inbox on the incidents received on ``weekday`` (Monday 0) at local ``hour``
        in the shown period."""
        report = self.report
        if report is None:
            return
        name = QLocale().dayName(weekday + 1, QLocale.FormatType.LongFormat)
        label = f"{name}, {hour:02d}:00–{hour:02d}:59"
        self.inbox_requested.emit(
            [
                self._period_criterion(report.period),
                DrillCriterion(label, local_cell_fields(report.period, weekday, hour)),
            ]
        )

    def _period_criterion(self, period: StatsPeriod) -> DrillCriterion:
        assert self.report is not None
        label = self.tr("Received: %1").replace("%1", period.title)
        return DrillCriterion(label, period_fields(self.report.region_code, period))

    def show_definitions(self) -> None:
        """The help panel: every figure's definition in Russian."""
        DefinitionsDialog(self).exec()


class _SortItem(QTableWidgetItem):
    """A cell shown as text, sorted by a number."""

    def __init__(self, text: str, key: Any) -> None:
        super().__init__(text)
        self.key = key

    def __lt__(self, other: QTableWidgetItem) -> bool:
        if isinstance(other, _SortItem):
            try:
                return bool(self.key < other.key)
            except TypeError:
                return str(self.key) < str(other.key)
        return super().__lt__(other)


def _sort_key(value: timedelta | None) -> float:
    return -1.0 if value is None else value.total_seconds()


def _zone(timezone: str) -> ZoneInfo:
    return ZoneInfo(timezone)


__all__ = ["FigureCard", "StatisticsTab"]
