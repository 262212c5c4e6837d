"""Federal ratings computed on the central server across all regions (issue 10).

For a month, every region is measured over its OWN local month (Камчатка's March starts nine
hours before Moscow's) and over the month before, in ONE statement per month grouping by
region: incidents registered (rejected left out), with a first answer, and the sum of
first-answer times in whole seconds. From those, with the definitions of
:mod:`cur_desktop.domain.metrics`: processing share, mean first-answer time (shown rounded to
the minute), its change from the figures as shown, and incidents per 1,000 residents
(Rosstat population of the reference data). Places are competition ranks
(:func:`cur_desktop.domain.metrics.rank`).

:func:`scoped` cuts the table down to what a caller may see (see
:mod:`cur_desktop.contract.ratings`).

On PostgreSQL the statements run with ``jit = off`` (``SET LOCAL``, this transaction only): at
national volume (5,000,000 incidents, ~210,000 a month) the planner's cost passes the JIT
thresholds and compiling the aggregate took ~3.9 s of a 5.8 s statement that runs in ~0.6 s
without it (``bench/server_bench.py``, docs/SCALING.md).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Float, and_, case, cast, func, or_, select, text
from sqlalchemy.orm import Session

from cur_desktop.contract.ratings import RatingsResponse, RegionRating
from cur_desktop.domain import metrics
from cur_desktop.domain.enums import Status
from cur_desktop.domain.periods import LocalPeriod, PeriodKind
from cur_desktop.reference import data as refdata
from cur_desktop.server.auth import Caller
from cur_desktop.server.tables import Incident

log = logging.getLogger(__name__)

_NO_JIT = text("SET LOCAL jit = off")


@dataclass(frozen=True, slots=True)
class _Sums:
    registered: int = 0
    answered: int = 0
    seconds: float = 0.0


def _seconds(session: Session) -> Any:
    """SQL: first answer − receipt in seconds (dialect-specific date arithmetic)."""
    fa, ra = Incident.first_answer_at, Incident.received_at
    if session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", fa - ra)
    return (func.julianday(fa) - func.julianday(ra)) * 86400.0


def month_sums(session: Session, month_start: date) -> dict[str, _Sums]:
    """Per region, over its own local month starting ``month_start``: one statement."""
    zones: dict[str, list[str]] = defaultdict(list)
    for region in refdata.load_regions():
        zones[region.timezone].append(region.iso_code)
    clauses = []
    for timezone, codes in sorted(zones.items()):
        start, end = LocalPeriod(timezone, PeriodKind.MONTH, month_start).utc_bounds()
        clauses.append(
            and_(
                Incident.region_code.in_(sorted(codes)),
                Incident.received_at >= start,
                Incident.received_at < end,
            )
        )
    answered = Incident.first_answer_at.is_not(None)
    stmt = (
        select(
            Incident.region_code,
            func.count(),
            func.sum(case((answered, 1), else_=0)),
            func.sum(case((answered, cast(_seconds(session), Float)), else_=0.0)),
        )
        .where(or_(*clauses), Incident.status != Status.REJECTED.value)
        .group_by(Incident.region_code)
    )
    return {
        str(code): _Sums(int(n), int(a or 0), float(s or 0.0))
        for code, n, a, s in session.execute(stmt)
    }


def _mean(sums: _Sums) -> timedelta | None:
    if sums.answered == 0:
        return None
    return timedelta(seconds=round(sums.seconds / sums.answered))


def _minutes(value: timedelta | None) -> int | None:
    if value is None:
        return None
    return int(metrics.round_to_minute(value).total_seconds() // 60)


def _one_decimal(value: float) -> float:
    """``value`` as shown with one decimal (half away from zero, as the metrics round)."""
    return metrics._shown(value, 1)


def _places(values: dict[str, Any], *, ascending: bool) -> dict[str, int]:
    present = {k: v for k, v in values.items() if v is not None}
    return {item.key: item.place for item in metrics.rank(present, ascending=ascending)}


def compute(session: Session, month: str, now: datetime) -> RatingsResponse:
    """The whole table of ``month`` (``YYYY-MM``) across every region with incidents."""
    year, number = (int(part) for part in month.split("-"))
    start = date(year, number, 1)
    if session.get_bind().dialect.name == "postgresql":
        session.execute(_NO_JIT)
    previous_start = (start - timedelta(days=1)).replace(day=1)
    current = month_sums(session, start)
    previous = month_sums(session, previous_start)
    regions = {r.iso_code: r for r in refdata.load_regions()}
    rows: list[RegionRating] = []
    for code in sorted(current):
        region = regions.get(code)
        if region is None:
            continue
        sums = current[code]
        mean = _mean(sums)
        before = _mean(previous.get(code, _Sums()))
        change = metrics.change(mean, before)
        per = metrics.incidents_per_thousand(sums.registered, region.population)
        rows.append(
            RegionRating(
                region_code=code,
                region_name=region.name_ru,
                registered=sums.registered,
                answered=sums.answered,
                processing_share=(
                    None
                    if sums.registered == 0
                    else _one_decimal(100.0 * sums.answered / sums.registered)
                ),
                mean_first_answer_min=_minutes(mean),
                previous_mean_first_answer_min=_minutes(before),
                mean_change_min=_minutes(change),
                per_thousand=None
                if isinstance(per, metrics.NotAvailable)
                else metrics._shown(per, 1),
            )
        )
    processing = _places({r.region_code: r.processing_share for r in rows}, ascending=False)
    mean_places = _places({r.region_code: r.mean_first_answer_min for r in rows}, ascending=True)
    change_places = _places({r.region_code: r.mean_change_min for r in rows}, ascending=True)
    per_places = _places({r.region_code: r.per_thousand for r in rows}, ascending=False)
    ranked = [
        r.model_copy(
            update={
                "place_processing": processing.get(r.region_code),
                "place_mean": mean_places.get(r.region_code),
                "place_change": change_places.get(r.region_code),
                "place_per_thousand": per_places.get(r.region_code),
            }
        )
        for r in rows
    ]
    national = _national(current)
    national_before = _national(previous)
    return RatingsResponse(
        month=month,
        computed_at=now,
        regions_ranked=len(ranked),
        national_mean_first_answer_min=_minutes(national),
        national_previous_mean_first_answer_min=_minutes(national_before),
        national_mean_change_min=_minutes(metrics.change(national, national_before)),
        whole_table=True,
        rows=ranked,
    )


def _national(sums: dict[str, _Sums]) -> timedelta | None:
    total = _Sums(
        registered=sum(s.registered for s in sums.values()),
        answered=sum(s.answered for s in sums.values()),
        seconds=sum(s.seconds for s in sums.values()),
    )
    return _mean(total)


def scoped(table: RatingsResponse, caller: Caller) -> RatingsResponse:
    """What ``caller`` may see: the whole table, or only their region's row and places."""
    if caller.reads_all_regions:
        return table
    own = [r for r in table.rows if r.region_code == caller.region_code]
    return table.model_copy(update={"rows": own, "whole_table": False})


__all__ = ["compute", "month_sums", "scoped"]
