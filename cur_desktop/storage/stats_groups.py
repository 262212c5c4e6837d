"""Statistics of a region's period split by one dimension, and the series the charts draw.

Every function here is ONE statement, one pass over the period's rows (found through the
``(region_code, received_at)`` index, visited in row id order as in
:func:`cur_desktop.storage.stats.month_stats_query`), with the aggregates and definitions of
:mod:`cur_desktop.storage.stats` (held equal to :mod:`cur_desktop.domain.metrics` by tests):

* :func:`grouped_stats`: figures per operator (assignee), executor, municipality, topic or
  source, working-time variants included;
* :func:`daily_volume_by_source`: incidents received per local day and source;
* :func:`daily_first_answer`: per local day, answered (not rejected) incidents and the sum of
  their first-answer times (the chart's mean comes from them, rounded like the metrics);
* :func:`hour_weekday_load`: incidents received per local hour of day × weekday.

Local days and hours use the region's UTC offset at the start of the period: Russian time
zones keep one offset all year since 2014 (no daylight saving), so this is exact for every
Russian region; a zone with a transition inside the period would shift the hours around it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from itertools import groupby
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Connection, Integer, Select, func, literal, select

from cur_desktop.domain.date_range import StatsPeriod
from cur_desktop.domain.enums import Status
from cur_desktop.storage.stats import (
    PeriodStats,
    _aggregates,
    _as_int,
    _build_group,
)
from cur_desktop.storage.tables import incident_table

log = logging.getLogger(__name__)

inc = incident_table

_US_PER_HOUR = 3_600_000_000
_US_PER_DAY = 24 * _US_PER_HOUR
_EPOCH = date(1970, 1, 1)


class GroupBy(StrEnum):
    """The dimensions statistics can be split by."""

    OPERATOR = "assignee"
    EXECUTOR = "executor_id"
    MUNICIPALITY = "municipality_id"
    TOPIC = "topic_code"
    SOURCE = "source"


@dataclass(frozen=True, slots=True)
class GroupStats:
    """Figures of one group (``key`` ``None``: incidents without that attribute)."""

    key: str | None
    stats: PeriodStats


def _offset_us(period: StatsPeriod) -> int:
    start, _ = period.utc_bounds()
    offset = start.astimezone(ZoneInfo(period.timezone)).utcoffset() or timedelta(0)
    return int(offset.total_seconds()) * 1_000_000


def _rows_of_period(region_code: str, period: StatsPeriod) -> ColumnElement[bool]:
    """``rowid_ IN (...)``: the period's rows, collected from the region/received index."""
    start, end = period.utc_bounds()
    scope = inc.alias("scope")
    rowids = select(scope.c.rowid_).where(
        scope.c.region_code == region_code,
        scope.c.received_at >= start,
        scope.c.received_at < end,
    )
    return inc.c.rowid_.in_(rowids)


def grouped_stats_query(
    region_code: str, period: StatsPeriod, now: datetime, by: GroupBy
) -> Select[Any]:
    """The one statement of :func:`grouped_stats`."""
    key = inc.c[by.value]
    is_rejected = inc.c.status == Status.REJECTED.value
    return (
        select(key.label("group_key"), *_aggregates(now))
        .where(_rows_of_period(region_code, period))
        .group_by(key, is_rejected)
        .order_by(key, is_rejected)
    )


def grouped_stats(
    conn: Connection, region_code: str, period: StatsPeriod, now: datetime, by: GroupBy
) -> list[GroupStats]:
    """Figures per value of ``by`` over the region's incidents received in ``period``."""
    stmt = grouped_stats_query(region_code, period, now, by)
    return [
        GroupStats(key=None if k is None else str(k), stats=_build_group(rows))
        for k, rows in groupby(conn.execute(stmt), key=lambda row: row.group_key)
    ]


def _local_day(period: StatsPeriod) -> ColumnElement[Any]:
    shifted = _as_int(inc.c.received_at) + literal(_offset_us(period), Integer)
    return (shifted // literal(_US_PER_DAY, Integer)).label("day_number")


def _day(day_number: int) -> date:
    return _EPOCH + timedelta(days=int(day_number))


def daily_volume_by_source(
    conn: Connection, region_code: str, period: StatsPeriod
) -> dict[date, dict[str, int]]:
    """Incidents received per local day and source (rejected included: a volume)."""
    day = _local_day(period)
    stmt = (
        select(day, inc.c.source, func.count().label("n"))
        .where(_rows_of_period(region_code, period))
        .group_by(day, inc.c.source)
    )
    result: dict[date, dict[str, int]] = {}
    for day_number, source, n in conn.execute(stmt):
        result.setdefault(_day(day_number), {})[str(source)] = int(n)
    return result


def daily_first_answer(
    conn: Connection, region_code: str, period: StatsPeriod
) -> dict[date, timedelta]:
    """Mean first-answer time (wall clock) per local day of receipt, as the metrics define it."""
    day = _local_day(period)
    fa = _as_int(inc.c.first_answer_at)
    duration = fa - _as_int(inc.c.received_at)
    stmt = (
        select(day, func.count(fa).label("n"), func.sum(duration).label("total"))
        .where(_rows_of_period(region_code, period), inc.c.status != Status.REJECTED.value)
        .group_by(day)
    )
    result: dict[date, timedelta] = {}
    for day_number, n, total in conn.execute(stmt):
        if n:
            result[_day(day_number)] = timedelta(
                microseconds=(2 * int(total) + int(n)) // (2 * int(n))
            )
    return result


def hour_weekday_load(conn: Connection, region_code: str, period: StatsPeriod) -> list[list[int]]:
    """Incidents received per local weekday (rows, Monday first) and hour (columns, 0–23)."""
    shifted = _as_int(inc.c.received_at) + literal(_offset_us(period), Integer)
    hour = ((shifted // literal(_US_PER_HOUR, Integer)) % 24).label("hour")
    # day 0 of the epoch (1970-01-01) was a Thursday: weekday 3 counting Monday as 0
    weekday = (((shifted // literal(_US_PER_DAY, Integer)) + 3) % 7).label("weekday")
    stmt = (
        select(weekday, hour, func.count().label("n"))
        .where(_rows_of_period(region_code, period))
        .group_by(weekday, hour)
    )
    grid = [[0] * 24 for _ in range(7)]
    for wd, h, n in conn.execute(stmt):
        grid[int(wd)][int(h)] = int(n)
    return grid


def period_incident_ids(
    conn: Connection, region_code: str, period: StatsPeriod, by: GroupBy, key: str | None
) -> list[str]:
    """Ids of the incidents behind one row of :func:`grouped_stats` (for drill-down)."""
    column = inc.c[by.value]
    match = column.is_(None) if key is None else column == key
    stmt = (
        select(inc.c.id)
        .where(_rows_of_period(region_code, period), match)
        .order_by(inc.c.received_at)
    )
    return [str(i) for i in conn.execute(stmt).scalars()]


def incident_ids_at(
    conn: Connection,
    region_code: str,
    period: StatsPeriod,
    *,
    day: date | None = None,
    weekday: int | None = None,
    hour: int | None = None,
) -> list[str]:
    """Ids of the incidents behind a chart's bar (a local ``day``) or a heat map cell (local
    ``weekday``, Monday 0, and ``hour``), by the same local arithmetic as the series."""
    shifted = _as_int(inc.c.received_at) + literal(_offset_us(period), Integer)
    day_number = shifted // literal(_US_PER_DAY, Integer)
    clauses: list[ColumnElement[bool]] = [_rows_of_period(region_code, period)]
    if day is not None:
        clauses.append(day_number == (day - _EPOCH).days)
    if weekday is not None:
        clauses.append((day_number + 3) % 7 == weekday)
    if hour is not None:
        clauses.append((shifted // literal(_US_PER_HOUR, Integer)) % 24 == hour)
    stmt = select(inc.c.id).where(*clauses).order_by(inc.c.received_at)
    return [str(i) for i in conn.execute(stmt).scalars()]


__all__ = [
    "GroupBy",
    "GroupStats",
    "daily_first_answer",
    "daily_volume_by_source",
    "grouped_stats",
    "grouped_stats_query",
    "hour_weekday_load",
    "incident_ids_at",
    "period_incident_ids",
]
