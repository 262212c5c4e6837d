"""Statistics of incidents computed in SQL: per period, and per municipality for a month.

The definitions are those of ``cur_desktop.domain.metrics`` (a test holds them equal on
generated data). Each call is ONE statement, one pass over the rows: SQLite returns, per group
and split into rejected / not rejected, the counts and sums plus every answered duration as a
``group_concat`` text, from which Python takes the median (parse and sort: under 10 ms for
the ~25 000 answered incidents of a big region's month).

* registered: incidents received in the period (rejected included); rejected: status rejected;
* answered: not rejected, with a first answer;
* mean / median first-answer time (wall clock): over answered incidents,
  ``first_answer_at - received_at``; an even count takes the mean of the two middle values;
* processing share: answered / not rejected, in %;
* overdue share: of not rejected incidents that have a first-answer deadline, % answered after
  it or unanswered with ``now`` past it;
* interim-only share: % of answered with an interim answer and no final one;
* rework share, reopened share: % of not rejected that were reworked / reopened;
* mean rating: over not rejected incidents with a rating;
* working-time variants of the mean / median first-answer time: over answered incidents whose
  cached ``first_answer_working_us`` is known (the server computes it once, with the region's
  business calendar, when the first answer is out); ``working_known`` counts them.
Means of durations are exact integer microseconds rounded half up.
Shares and means are ``None`` when their denominator is zero.

Periods are the region's local periods (:class:`~cur_desktop.domain.periods.LocalPeriod`):
:func:`local_period_stats` and :func:`local_month_stats_by_municipality` take the UTC bounds
of a region's own day, week, month, quarter or year; :func:`federal_stats` gives every region
its own bounds (Камчатка's March starts 9 hours before Moscow's) in one statement.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from itertools import groupby
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Integer,
    Select,
    and_,
    func,
    literal,
    or_,
    select,
    type_coerce,
)

from cur_desktop.domain.enums import Status
from cur_desktop.domain.periods import LocalPeriod, PeriodKind
from cur_desktop.reference import data as refdata
from cur_desktop.storage.inbox import InboxFilter, filter_clauses
from cur_desktop.storage.tables import incident_table
from cur_desktop.storage.types import to_micros

log = logging.getLogger(__name__)

inc = incident_table


@dataclass(frozen=True, slots=True)
class PeriodStats:
    """Figures of one set of incidents (a period, a municipality in a month ...)."""

    registered: int
    rejected: int
    answered: int
    mean_first_answer_time: timedelta | None
    median_first_answer_time: timedelta | None
    processing_share: float | None
    overdue_share: float | None
    interim_only_share: float | None
    rework_share: float | None
    reopened_share: float | None
    mean_rating: float | None
    working_known: int = 0
    mean_first_answer_working_time: timedelta | None = None
    median_first_answer_working_time: timedelta | None = None
    overdue: int = 0
    """Overdue first answers, a count (the numerator of ``overdue_share``)."""


@dataclass(frozen=True, slots=True)
class MunicipalityStats:
    """Figures of one municipality (``None``: incidents without a municipality)."""

    municipality_id: str | None
    stats: PeriodStats


def _as_int(expr: ColumnElement[Any]) -> ColumnElement[int]:
    # the stored value as it is (no SQL CAST): instants are INTEGER µs, booleans 0/1
    return type_coerce(expr, Integer)


def _aggregates(now: datetime) -> list[ColumnElement[Any]]:
    """Sums of one group of rows that are all rejected or all not rejected.

    Splitting the groups by ``is_rejected`` keeps "not rejected" out of every term, and the
    terms lean on SQL's NULL rules: ``count(x)`` and ``sum(x)`` skip NULLs, a duration of an
    unanswered incident is NULL, a comparison with a NULL deadline is NULL (not counted).
    """
    fa = _as_int(inc.c.first_answer_at)
    working = _as_int(inc.c.first_answer_working_us)
    due = _as_int(inc.c.first_answer_due)
    duration = fa - _as_int(inc.c.received_at)
    # overdue: answered after the deadline, or unanswered with now past it
    overdue = func.coalesce(fa, literal(to_micros(now), Integer)) > due
    interim_only = and_(fa.is_not(None), inc.c.has_interim, ~inc.c.has_final)
    return [
        (inc.c.status == Status.REJECTED.value).label("is_rejected"),
        func.count().label("n"),
        func.count(fa).label("answered"),
        func.sum(duration).label("fat_sum"),
        # every answered duration as decimal text "d1,d2,...": the median comes from the
        # same pass over the rows instead of a second (window function) query
        func.group_concat(duration).label("durations"),
        # working-time variant: the cached per-incident value (NULL: unanswered or unknown)
        func.count(working).label("working_n"),
        func.sum(working).label("working_sum"),
        func.group_concat(working).label("working_durations"),
        func.count(due).label("with_due"),
        func.sum(_as_int(overdue)).label("overdue"),
        func.sum(_as_int(interim_only)).label("interim_only"),
        func.sum(_as_int(inc.c.was_reworked)).label("reworked"),
        func.sum(_as_int(inc.c.was_reopened)).label("reopened"),
        func.sum(inc.c.rating).label("rating_sum"),
        func.count(inc.c.rating).label("rating_n"),
    ]


def _mean_half_up(total_us: int, n: int) -> timedelta:
    # exact integer mean rounded half up to a microsecond, as the domain metrics define it
    return timedelta(microseconds=(2 * total_us + n) // (2 * n))


def _share(part: int, whole: int) -> float | None:
    return None if whole == 0 else 100.0 * part / whole


def _median_of(durations: str | None) -> timedelta | None:
    """Median of the ``group_concat`` of integer µs durations (``None``: no value)."""
    if durations is None:
        return None
    values = sorted(map(int, durations.split(",")))
    n = len(values)
    middle = n // 2
    if n % 2:
        return timedelta(microseconds=values[middle])
    return _mean_half_up(values[middle - 1] + values[middle], 2)


def _build(rejected: int, row: Any | None) -> PeriodStats:
    """Figures from the count of rejected rows and the sums of the others (``None``: none)."""
    base = 0 if row is None else int(row.n)
    if row is None or base == 0:
        return PeriodStats(
            registered=rejected,
            rejected=rejected,
            answered=0,
            mean_first_answer_time=None,
            median_first_answer_time=None,
            processing_share=None,
            overdue_share=None,
            interim_only_share=None,
            rework_share=None,
            reopened_share=None,
            mean_rating=None,
        )
    answered = int(row.answered)
    rating_n = int(row.rating_n)
    working_n = int(row.working_n)
    return PeriodStats(
        registered=base + rejected,
        rejected=rejected,
        answered=answered,
        mean_first_answer_time=_mean_half_up(int(row.fat_sum), answered) if answered else None,
        median_first_answer_time=_median_of(row.durations),
        processing_share=_share(answered, base),
        overdue_share=_share(int(row.overdue or 0), int(row.with_due)),
        interim_only_share=_share(int(row.interim_only or 0), answered),
        rework_share=_share(int(row.reworked or 0), base),
        reopened_share=_share(int(row.reopened or 0), base),
        mean_rating=int(row.rating_sum) / rating_n if rating_n else None,
        working_known=working_n,
        mean_first_answer_working_time=(
            _mean_half_up(int(row.working_sum), working_n) if working_n else None
        ),
        median_first_answer_working_time=_median_of(row.working_durations),
        overdue=int(row.overdue or 0),
    )


def _build_group(rows: Iterable[Any]) -> PeriodStats:
    """Figures of one group from its (at most two) rows: rejected and not rejected."""
    rejected = 0
    kept: Any | None = None
    for row in rows:
        if row.is_rejected:
            rejected = int(row.n)
        else:
            kept = row
    return _build(rejected, kept)


def period_stats(conn: Connection, flt: InboxFilter, now: datetime) -> PeriodStats:
    """Figures of the incidents matching ``flt`` (use ``received_from``/``received_to``)."""
    is_rejected = inc.c.status == Status.REJECTED.value
    stmt = select(*_aggregates(now)).where(*filter_clauses(flt)).group_by(is_rejected)
    return _build_group(conn.execute(stmt))


def month_stats_query(
    region_code: str, month_start: datetime, month_end: datetime, now: datetime
) -> Select[Any]:
    """The one statement of :func:`month_stats_by_municipality` (for plans and benchmarks).

    The rows of a region's month lie scattered over the whole table (rows are stored in
    arrival order, every region interleaved). Found through ``(region_code, received_at)``
    they would be visited in time order, one random table page each; the ``rowid_ IN
    (subquery)`` form makes SQLite collect the row ids from that index alone (covering) into a
    sorted list and then visit the table in row id order, which is cheaper at a million
    incidents (figures in docs/STORAGE.md, "Statistics").
    """
    is_rejected = inc.c.status == Status.REJECTED.value
    month = inc.alias("month")
    rowids = select(month.c.rowid_).where(
        month.c.region_code == region_code,
        month.c.received_at >= month_start,
        month.c.received_at < month_end,
    )
    return (
        select(inc.c.municipality_id, *_aggregates(now))
        .where(inc.c.rowid_.in_(rowids))
        .group_by(inc.c.municipality_id, is_rejected)
        .order_by(inc.c.municipality_id, is_rejected)  # the grouping's order: no second sort
    )


def month_stats_by_municipality(
    conn: Connection,
    region_code: str,
    month_start: datetime,
    month_end: datetime,
    now: datetime,
) -> list[MunicipalityStats]:
    """Figures per municipality of incidents received in ``[month_start, month_end)``."""
    stmt = month_stats_query(region_code, month_start, month_end, now)
    return [
        MunicipalityStats(municipality_id=m, stats=_build_group(rows))
        for m, rows in groupby(conn.execute(stmt), key=lambda row: row.municipality_id)
    ]


def local_period_stats(
    conn: Connection,
    region_code: str,
    period: LocalPeriod,
    now: datetime,
    flt: InboxFilter | None = None,
) -> PeriodStats:
    """Figures of the region's incidents received in its local ``period`` (and ``flt``)."""
    start, end = period.utc_bounds()
    base = flt if flt is not None else InboxFilter()
    return period_stats(
        conn,
        replace(base, region_code=region_code, received_from=start, received_to=end),
        now,
    )


def local_month_stats_by_municipality(
    conn: Connection, region_code: str, month: LocalPeriod, now: datetime
) -> list[MunicipalityStats]:
    """:func:`month_stats_by_municipality` over the region's own local month (or period)."""
    start, end = month.utc_bounds()
    return month_stats_by_municipality(conn, region_code, start, end, now)


def region_period(region_code: str, kind: PeriodKind, start_date: date) -> LocalPeriod:
    """The local period of a region by its ISO code (its time zone from the reference data)."""
    return LocalPeriod(refdata.region_by_code(region_code).timezone, kind, start_date)


def federal_stats(
    conn: Connection,
    kind: PeriodKind,
    start_date: date,
    now: datetime,
    zones: Mapping[str, str] | None = None,
) -> dict[str, PeriodStats]:
    """Figures per region, each over its OWN local period of ``kind`` starting ``start_date``.

    ``zones`` maps region codes to IANA time zones (default: every region of the reference
    data). One statement: regions sharing a time zone share bounds, so the filter is one
    ``region_code IN (...) AND received_at`` range per zone. Regions without incidents in
    their period are left out.
    """
    if zones is None:
        zones = {r.iso_code: r.timezone for r in refdata.load_regions()}
    by_zone: dict[str, list[str]] = defaultdict(list)
    for region_code, timezone in zones.items():
        by_zone[timezone].append(region_code)
    clauses = []
    for timezone, codes in sorted(by_zone.items()):
        start, end = LocalPeriod(timezone, kind, start_date).utc_bounds()
        clauses.append(
            and_(
                inc.c.region_code.in_(sorted(codes)),
                inc.c.received_at >= start,
                inc.c.received_at < end,
            )
        )
    if not clauses:
        return {}
    is_rejected = inc.c.status == Status.REJECTED.value
    stmt = (
        select(inc.c.region_code, *_aggregates(now))
        .where(or_(*clauses))
        .group_by(inc.c.region_code, is_rejected)
        .order_by(inc.c.region_code, is_rejected)
    )
    return {
        region_code: _build_group(rows)
        for region_code, rows in groupby(conn.execute(stmt), key=lambda row: row.region_code)
    }
