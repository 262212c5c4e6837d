"""What supervisors read: the statistics of a region's period and the deadline board (no Qt).

:func:`statistics_report` builds, in ONE reader snapshot (run it with
:meth:`Workstation.run_read`, never on the GUI thread), everything the Статистика tab, the
exports and ``cur-desktop report`` show for a local period: the headline figures of the period
and of the previous equal period with their changes (computed from the figures as shown,
:func:`cur_desktop.domain.metrics.change`), the tables per operator, executor, municipality,
topic and source (one SQL pass each), and the chart series.

:class:`BoardRow` is one open incident of the deadline board (the board's SQL is in
:mod:`cur_desktop.services.deadline_groups`); :func:`approvals` lists the answers waiting for a
supervisor's approval.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Connection, select

from cur_desktop.domain import metrics
from cur_desktop.domain.date_range import DateRange, StatsPeriod
from cur_desktop.domain.enums import AnswerState, Source, Status
from cur_desktop.domain.metrics import NotAvailable
from cur_desktop.domain.periods import LocalPeriod, PeriodKind
from cur_desktop.reference import data as refdata
from cur_desktop.services.definitions import FIGURE_BY_KEY, FIGURES, Figure, Unit
from cur_desktop.storage import stats_groups, stats_rollup
from cur_desktop.storage.inbox import InboxFilter
from cur_desktop.storage.stats import PeriodStats, period_stats
from cur_desktop.storage.stats_groups import GroupBy, GroupStats
from cur_desktop.storage.tables import (
    answer_table,
    executor_table,
    incident_table,
    municipality_table,
)

log = logging.getLogger(__name__)

Value = timedelta | float | int | NotAvailable | None


@dataclass(frozen=True, slots=True)
class CardFigure:
    """One headline figure: its value now, in the previous period, and the change as shown."""

    figure: Figure
    current: Value
    previous: Value
    change: timedelta | float | None

    @property
    def text(self) -> str:
        """The value as shown (Russian)."""
        return format_value(self.figure.unit, self.current)

    @property
    def previous_text(self) -> str:
        """The previous period's value as shown."""
        return format_value(self.figure.unit, self.previous)

    @property
    def change_text(self) -> str:
        """The change as shown: «−38 мин», «+1,2 п. п.», «+15», «—» when unknown."""
        return format_change(self.figure.unit, self.change)

    @property
    def improved(self) -> bool | None:
        """Whether the change is for the better (``None``: no change or unknown)."""
        if self.change is None or self.figure.unit is Unit.COUNT:
            return None  # a volume is neither better nor worse
        sign = self.change.total_seconds() if isinstance(self.change, timedelta) else self.change
        if sign == 0:
            return None
        return (sign < 0) == self.figure.lower_is_better


@dataclass(frozen=True, slots=True)
class StatisticsReport:
    """The statistics of one region's local period (see the module docstring)."""

    region_code: str
    region_name: str
    population: int | None
    period: StatsPeriod
    previous_period: StatsPeriod
    computed_at: datetime
    current: PeriodStats
    previous: PeriodStats
    cards: tuple[CardFigure, ...]
    groups: dict[GroupBy, list[GroupStats]]
    names: dict[GroupBy, dict[str, str]]
    daily_volume: dict[date, dict[str, int]]
    daily_first_answer: dict[date, timedelta]
    hour_weekday: list[list[int]]

    def card(self, key: str) -> CardFigure:
        """The headline figure with this key."""
        for card in self.cards:
            if card.figure.key == key:
                return card
        raise KeyError(key)

    def name_of(self, by: GroupBy, key: str | None) -> str:
        """A group's display name (Russian): «не указан» for a missing attribute."""
        if key is None:
            return "не указан"
        return self.names.get(by, {}).get(key, key)

    @property
    def days(self) -> list[date]:
        """Every local day of the period, in order."""
        start, end = self.period.start_date, self.period.end_date
        return [start + timedelta(days=i) for i in range((end - start).days)]


# --------------------------------------------------------------------------- formatting


def format_share(value: float) -> str:
    """«98,5 %» (one decimal, half away from zero, as :func:`metrics.change` rounds)."""
    return f"{metrics._shown(value, 1):.1f}".replace(".", ",") + " %"


def format_value(unit: Unit, value: Value) -> str:
    """A figure as shown (Russian); «—» when there is nothing to show."""
    if value is None:
        return "—"
    if isinstance(value, NotAvailable):
        return str(value)
    if isinstance(value, timedelta):
        return metrics.format_hmm(value)
    if unit is Unit.PERCENT:
        return format_share(float(value))
    if unit is Unit.PER_THOUSAND:
        return metrics.format_per_thousand(float(value))
    return f"{int(value):,}".replace(",", "\u00a0")


def format_change(unit: Unit, value: timedelta | float | None) -> str:
    """A change as shown, always signed: «−38 мин», «+2,5 п. п.», «0 мин»."""
    if value is None:
        return "—"
    if isinstance(value, timedelta):
        text = metrics.format_hmm(value)
        return text if text.startswith(metrics.MINUS_SIGN) or text == "0 мин" else "+" + text
    sign = "+" if value > 0 else (metrics.MINUS_SIGN if value < 0 else "")
    if unit is Unit.COUNT:
        return f"{sign}{abs(int(value))}"
    number = f"{abs(value):.1f}".replace(".", ",")
    return f"{sign}{number} п. п." if unit is Unit.PERCENT else f"{sign}{number}"


# --------------------------------------------------------------------------- report


def _figure_values(stats: PeriodStats, population: int | None) -> dict[str, Value]:
    counted = stats.registered - stats.rejected
    return {
        "registered": stats.registered,
        "mean_first_answer": stats.mean_first_answer_time,
        "median_first_answer": stats.median_first_answer_time,
        "mean_first_answer_working": stats.mean_first_answer_working_time,
        "median_first_answer_working": stats.median_first_answer_working_time,
        "processing_share": stats.processing_share,
        "per_thousand": metrics.incidents_per_thousand(counted, population),
        "overdue_share": stats.overdue_share,
        "interim_only_share": stats.interim_only_share,
        "rework_share": stats.rework_share,
        "reopened_share": stats.reopened_share,
    }


def _change(unit: Unit, current: Value, previous: Value) -> timedelta | float | None:
    if isinstance(current, NotAvailable) or isinstance(previous, NotAvailable):
        return None
    if current is None or previous is None:
        return None
    if isinstance(current, timedelta) and isinstance(previous, timedelta):
        return metrics.change(current, previous)
    if isinstance(current, timedelta) or isinstance(previous, timedelta):
        return None
    if unit is Unit.COUNT:
        return float(int(current) - int(previous))
    return metrics.change(float(current), float(previous))


def cards_of(
    current: PeriodStats, previous: PeriodStats, population: int | None
) -> tuple[CardFigure, ...]:
    """The headline figures of a period against the previous one."""
    now_values = _figure_values(current, population)
    before = _figure_values(previous, population)
    return tuple(
        CardFigure(
            figure=f,
            current=now_values[f.key],
            previous=before[f.key],
            change=_change(f.unit, now_values[f.key], before[f.key]),
        )
        for f in FIGURES
    )


def _names(conn: Connection) -> dict[GroupBy, dict[str, str]]:
    m, e = municipality_table, executor_table
    return {
        GroupBy.MUNICIPALITY: {str(i): str(n) for i, n in conn.execute(select(m.c.id, m.c.name))},
        GroupBy.EXECUTOR: {str(i): str(n) for i, n in conn.execute(select(e.c.id, e.c.name))},
        GroupBy.TOPIC: {t.code: t.name_ru for t in refdata.load_topics()},
        GroupBy.SOURCE: dict(SOURCE_NAMES),
    }


SOURCE_NAMES = (
    ("vk", "ВКонтакте"),
    ("ok", "Одноклассники"),
    ("telegram", "Telegram"),
    ("pos", "Госуслуги. Решаем вместе"),
    ("appeal_59fz", "Обращение (59-ФЗ)"),
    ("other", "Другое"),
)


def previous_of(period: StatsPeriod) -> StatsPeriod:
    """The previous equal period (a month before a month; a range of equal length before)."""
    if isinstance(period, LocalPeriod | DateRange):
        return period.previous()
    raise TypeError(f"no previous period for {period!r}")


def _stats(conn: Connection, region_code: str, period: StatsPeriod, now: datetime) -> PeriodStats:
    start, end = period.utc_bounds()
    flt = InboxFilter(region_code=region_code, received_from=start, received_to=end)
    return period_stats(conn, flt, now)


def statistics_report(
    conn: Connection,
    region_code: str,
    period: StatsPeriod,
    now: datetime,
    *,
    use_rollup: bool = True,
) -> StatisticsReport:
    """Everything shown for ``period`` of the region (one snapshot; see the module doc).

    Read from the per-day rollup (:mod:`cur_desktop.storage.stats_rollup`) when it is current
    for both periods (refresh it first on the writer: :func:`refresh_rollup`), else by the
    direct SQL over the incidents; both give the same figures (tests hold them equal).
    """
    region = refdata.region_by_code(region_code)
    before = previous_of(period)
    if use_rollup and all(stats_rollup.is_current(conn, region_code, p) for p in (period, before)):
        figures = stats_rollup.figures(conn, region_code, period, now)
        current, groups = figures.total, figures.groups
        previous = stats_rollup.period_stats(conn, region_code, before, now)
        volume, trend, grid = figures.daily_volume, figures.daily_first_answer, figures.hour_weekday
    else:
        current = _stats(conn, region_code, period, now)
        previous = _stats(conn, region_code, before, now)
        groups = {
            by: stats_groups.grouped_stats(conn, region_code, period, now, by) for by in GroupBy
        }
        volume = stats_groups.daily_volume_by_source(conn, region_code, period)
        trend = stats_groups.daily_first_answer(conn, region_code, period)
        grid = stats_groups.hour_weekday_load(conn, region_code, period)
    return StatisticsReport(
        region_code=region_code,
        region_name=region.name_ru,
        population=region.population,
        period=period,
        previous_period=before,
        computed_at=now,
        current=current,
        previous=previous,
        cards=cards_of(current, previous, region.population),
        groups=groups,
        names=_names(conn),
        daily_volume=volume,
        daily_first_answer=trend,
        hour_weekday=grid,
    )


def refresh_rollup(
    conn: Connection, region_code: str, period: StatsPeriod, limit: int | None = None
) -> int:
    """Bring the rollup up to date for ``period`` and the previous one (a write: run it on the
    store's writer before :func:`statistics_report`); returns the local days recomputed. With
    ``limit``, at most that many dirty UTC days: call again until it returns 0."""
    start, _ = previous_of(period).utc_bounds()
    _, end = period.utc_bounds()
    return stats_rollup.refresh(conn, region_code, start, end, limit)


REFRESH_CHUNK_DAYS = 31
"""Dirty days recomputed per writer job: a first build after the upgrade (two years of a big
region: minutes on a slow machine) never holds the writer for long."""


# --------------------------------------------------------------------------- drill-down


@dataclass(frozen=True, slots=True)
class DrillCriterion:
    """One removable part of a drill-down into the inbox: its label (shown on a chip) and the
    inbox filter fields it sets (:func:`apply_criteria`)."""

    label: str
    fields: tuple[tuple[str, object], ...]


def apply_criteria(base: InboxFilter, criteria: Sequence[DrillCriterion]) -> InboxFilter:
    """``base`` narrowed by every criterion (a later one wins on the same field)."""
    changes = {name: value for c in criteria for name, value in c.fields}
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


_GROUP_FIELDS = {
    GroupBy.OPERATOR: "assignees",
    GroupBy.EXECUTOR: "executor_ids",
    GroupBy.MUNICIPALITY: "municipality_ids",
    GroupBy.TOPIC: "topic_codes",
    GroupBy.SOURCE: "sources",
}


def period_fields(region_code: str, period: StatsPeriod) -> tuple[tuple[str, object], ...]:
    """Filter fields of the incidents the statistics count in ``period`` (received in it)."""
    start, end = period.utc_bounds()
    return (("region_code", region_code), ("received_from", start), ("received_to", end))


def group_fields(by: GroupBy, key: str | None) -> tuple[tuple[str, object], ...]:
    """Filter fields of one group of a table (``None``: the attribute is not set)."""
    value: object = key
    if by is GroupBy.SOURCE and key is not None:
        value = Source(key)
    return ((_GROUP_FIELDS[by], frozenset({value})),)


def local_cell_fields(
    period: StatsPeriod, weekday: int, hour: int
) -> tuple[tuple[str, object], ...]:
    """Filter fields of one heat map cell (the period's UTC offset, as the map counts)."""
    return (
        ("local_weekday", weekday),
        ("local_hour", hour),
        ("utc_offset_us", stats_groups._offset_us(period)),
    )


def parse_period(text: str, timezone: str) -> LocalPeriod:
    """A period from the command line: ``2026-03`` (month), ``2026-Q1``, ``2026``,
    ``2026-03-10`` (day), ``2026-W11`` (ISO week). ``ValueError`` with a Russian message."""
    value = text.strip().upper()
    try:
        if len(value) == 4 and value.isdigit():
            return LocalPeriod(timezone, PeriodKind.YEAR, date(int(value), 1, 1))
        if "-Q" in value:
            year, quarter = value.split("-Q")
            q = int(quarter)
            if not 1 <= q <= 4:
                raise ValueError(quarter)
            return LocalPeriod(timezone, PeriodKind.QUARTER, date(int(year), 3 * q - 2, 1))
        if "-W" in value:
            year, week = value.split("-W")
            return LocalPeriod(
                timezone, PeriodKind.WEEK, date.fromisocalendar(int(year), int(week), 1)
            )
        parts = value.split("-")
        if len(parts) == 2:
            return LocalPeriod(timezone, PeriodKind.MONTH, date(int(parts[0]), int(parts[1]), 1))
        if len(parts) == 3:
            return LocalPeriod(timezone, PeriodKind.DAY, date.fromisoformat(value))
    except ValueError as exc:
        raise ValueError(f"Не понимаю период «{text}»: {exc}") from exc
    raise ValueError(
        f"Не понимаю период «{text}»: ожидается 2026-03, 2026-Q1, 2026, 2026-W11 или 2026-03-10"
    )


# --------------------------------------------------------------------------- deadline board


@dataclass(frozen=True, slots=True)
class BoardRow:
    """One open incident on the deadline board."""

    incident_id: str
    received_at: datetime
    status: Status
    assignee: str | None
    executor_id: str | None
    municipality_id: str | None
    topic_code: str | None
    current_due: datetime | None
    text: str

    def time_left(self, now: datetime) -> timedelta | None:
        """Time until the current deadline (negative: overdue by); ``None``: no timer."""
        return None if self.current_due is None else self.current_due - now


@dataclass(frozen=True, slots=True)
class BreachCounts:
    """How many open incidents breach: already, within the hour, by the end of the local day."""

    overdue: int = 0
    within_hour: int = 0
    today: int = 0


HOUR = timedelta(hours=1)


def operator_logins(conn: Connection) -> list[str]:
    """Logins seen as assignees locally, sorted (the board's "to operator" list)."""
    column = incident_table.c.assignee
    stmt = select(column).where(column.is_not(None)).distinct().order_by(column)
    return [str(v) for v in conn.execute(stmt).scalars()]


@dataclass(frozen=True, slots=True)
class ApprovalItem:
    """An answer waiting for approval."""

    answer_id: str
    incident_id: str
    author: str
    text: str
    created_at: datetime


def approvals(conn: Connection, region_code: str | None) -> list[ApprovalItem]:
    """Answers on approval (oldest first) of the region's incidents."""
    a, i = answer_table, incident_table
    stmt = (
        select(a.c.id, a.c.incident_id, a.c.author, a.c.text, a.c.created_at)
        .join(i, i.c.id == a.c.incident_id)
        .where(a.c.state == AnswerState.ON_APPROVAL)
        .order_by(a.c.created_at)
    )
    if region_code is not None:
        stmt = stmt.where(i.c.region_code == region_code)
    return [
        ApprovalItem(str(r.id), str(r.incident_id), str(r.author), str(r.text), r.created_at)
        for r in conn.execute(stmt)
    ]


__all__ = [
    "FIGURE_BY_KEY",
    "REFRESH_CHUNK_DAYS",
    "ApprovalItem",
    "BoardRow",
    "BreachCounts",
    "CardFigure",
    "DrillCriterion",
    "StatisticsReport",
    "apply_criteria",
    "approvals",
    "cards_of",
    "format_change",
    "format_value",
    "group_fields",
    "local_cell_fields",
    "operator_logins",
    "parse_period",
    "period_fields",
    "refresh_rollup",
    "statistics_report",
]
