"""Statistics of incidents computed in SQL: per period, and per municipality for a month.

The definitions are those of ``cur_desktop.domain.metrics`` (a test holds them equal on
generated data); only sums, counts and the two middle values for the median leave SQLite.

* registered: incidents received in the period (rejected included); rejected: status rejected;
* answered: not rejected, with a first answer;
* mean / median first-answer time (wall clock): over answered incidents,
  ``first_answer_at - received_at``; an even count takes the mean of the two middle values;
* processing share: answered / not rejected, in %;
* overdue share: of not rejected incidents that have a first-answer deadline, % answered after
  it or unanswered with ``now`` past it;
* interim-only share: % of answered with an interim answer and no final one;
* rework share, reopened share: % of not rejected that were reworked / reopened;
* mean rating: over not rejected incidents with a rating.
Means of durations are exact integer microseconds rounded half up.
Shares and means are ``None`` when their denominator is zero.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Integer,
    and_,
    case,
    func,
    literal,
    or_,
    select,
)

from cur_desktop.domain.enums import Status
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


@dataclass(frozen=True, slots=True)
class MunicipalityStats:
    """Figures of one municipality (``None``: incidents without a municipality)."""

    municipality_id: str | None
    stats: PeriodStats


def _flag(cond: ColumnElement[bool]) -> ColumnElement[Any]:
    return func.sum(case((cond, 1), else_=0))


def _aggregates(now: datetime) -> list[ColumnElement[Any]]:
    not_rejected = inc.c.status != Status.REJECTED.value
    answered = and_(not_rejected, inc.c.first_answer_at.is_not(None))
    fa = inc.c.first_answer_at.cast(Integer)
    rc = inc.c.received_at.cast(Integer)
    due = inc.c.first_answer_due.cast(Integer)
    now_us = literal(to_micros(now), Integer)
    overdue = and_(
        not_rejected,
        inc.c.first_answer_due.is_not(None),
        or_(
            and_(inc.c.first_answer_at.is_not(None), fa > due),
            and_(inc.c.first_answer_at.is_(None), now_us > due),
        ),
    )
    return [
        func.count().label("registered"),
        _flag(inc.c.status == Status.REJECTED.value).label("rejected"),
        _flag(answered).label("answered"),
        func.sum(case((answered, fa - rc), else_=None)).label("fat_sum"),
        _flag(overdue).label("overdue"),
        _flag(and_(not_rejected, inc.c.first_answer_due.is_not(None))).label("with_due"),
        _flag(and_(answered, inc.c.has_interim.is_(True), inc.c.has_final.is_(False))).label(
            "interim_only"
        ),
        _flag(and_(not_rejected, inc.c.was_reworked.is_(True))).label("reworked"),
        _flag(and_(not_rejected, inc.c.was_reopened.is_(True))).label("reopened"),
        func.sum(case((not_rejected, inc.c.rating), else_=None)).label("rating_sum"),
        func.count(case((not_rejected, inc.c.rating), else_=None)).label("rating_n"),
    ]


def _mean_half_up(total_us: int, n: int) -> timedelta:
    # exact integer mean rounded half up to a microsecond, as the domain metrics define it
    return timedelta(microseconds=(2 * total_us + n) // (2 * n))


def _share(part: int, whole: int) -> float | None:
    return None if whole == 0 else 100.0 * part / whole


def _median_rows(
    conn: Connection, where: Sequence[ColumnElement[bool]], group: bool
) -> dict[str | None, timedelta]:
    fa = inc.c.first_answer_at.cast(Integer)
    rc = inc.c.received_at.cast(Integer)
    part = [inc.c.municipality_id] if group else []
    d = (fa - rc).label("d")
    inner = (
        select(
            inc.c.municipality_id.label("m") if group else literal(None).label("m"),
            d,
            func.row_number().over(partition_by=part or None, order_by=d).label("rn"),
            func.count().over(partition_by=part or None).label("n"),
        )
        .where(
            *where,
            inc.c.status != Status.REJECTED.value,
            inc.c.first_answer_at.is_not(None),
        )
        .subquery()
    )
    stmt = (
        select(inner.c.m, func.sum(inner.c.d), func.count())
        .where(inner.c.rn.in_([(inner.c.n + 1) // 2, (inner.c.n + 2) // 2]))
        .group_by(inner.c.m)
    )
    return {m: _mean_half_up(int(s), int(n)) for m, s, n in conn.execute(stmt)}


def _build(row: Any, median: timedelta | None) -> PeriodStats:
    registered = int(row.registered or 0)
    rejected = int(row.rejected or 0)
    answered = int(row.answered or 0)
    base = registered - rejected
    mean = _mean_half_up(int(row.fat_sum), answered) if answered else None
    rating_n = int(row.rating_n or 0)
    return PeriodStats(
        registered=registered,
        rejected=rejected,
        answered=answered,
        mean_first_answer_time=mean,
        median_first_answer_time=median,
        processing_share=_share(answered, base),
        overdue_share=_share(int(row.overdue or 0), int(row.with_due or 0)),
        interim_only_share=_share(int(row.interim_only or 0), answered),
        rework_share=_share(int(row.reworked or 0), base),
        reopened_share=_share(int(row.reopened or 0), base),
        mean_rating=int(row.rating_sum) / rating_n if rating_n else None,
    )


def period_stats(conn: Connection, flt: InboxFilter, now: datetime) -> PeriodStats:
    """Figures of the incidents matching ``flt`` (use ``received_from``/``received_to``)."""
    where = filter_clauses(flt)
    row = conn.execute(select(*_aggregates(now)).where(*where)).one()
    median = _median_rows(conn, where, group=False).get(None)
    return _build(row, median)


def month_stats_by_municipality(
    conn: Connection,
    region_code: str,
    month_start: datetime,
    month_end: datetime,
    now: datetime,
) -> list[MunicipalityStats]:
    """Figures per municipality of incidents received in ``[month_start, month_end)``."""
    where = [
        inc.c.region_code == region_code,
        inc.c.received_at >= month_start,
        inc.c.received_at < month_end,
    ]
    stmt = (
        select(inc.c.municipality_id, *_aggregates(now))
        .where(*where)
        .group_by(inc.c.municipality_id)
        .order_by(inc.c.municipality_id)
    )
    rows = conn.execute(stmt).all()
    medians = _median_rows(conn, where, group=True)
    return [
        MunicipalityStats(
            municipality_id=row.municipality_id,
            stats=_build(row, medians.get(row.municipality_id)),
        )
        for row in rows
    ]
