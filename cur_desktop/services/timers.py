"""Deadline timers as the window shows them: time left (wall and working) and the colour band.

One :class:`~cur_desktop.domain.calendar.BusinessCalendar` per region, built once from the
reference data (time zone, production calendar) and reused, so a list of a hundred rows costs a
hundred subtractions, not a hundred calendars.

Which deadline a list row's timer shows is the store's ``current_due`` (see
:mod:`cur_desktop.domain.current_due`); :func:`timer_for` turns a row into what its cell and
tooltip show (band, working and calendar time left, the due instant in the region's local
time). :func:`promise_date` is the date an answer written now can promise (``{срок}``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from cur_desktop.domain.calendar import BusinessCalendar
from cur_desktop.domain.deadlines import Band, Deadline, TimeLeft, time_left
from cur_desktop.domain.enums import Priority, Source, Status
from cur_desktop.reference.data import sla_policy_for_region
from cur_desktop.reference.sla_deadlines import region_calendar

log = logging.getLogger(__name__)

FALLBACK_TIMEZONE = "Europe/Moscow"


def calendar_or_moscow(region_code: str | None) -> BusinessCalendar:
    """The region's calendar; Moscow time for a missing or unknown code (logged)."""
    try:
        return region_calendar(region_code or "")
    except KeyError:
        log.warning("unknown region %r: Moscow calendar used for its timers", region_code)
        return _moscow()


@cache
def _moscow() -> BusinessCalendar:
    return BusinessCalendar(FALLBACK_TIMEZONE)


def region_timezone(region_code: str | None) -> str:
    """The IANA time zone of a region (Moscow's for a missing or unknown code)."""
    return str(getattr(calendar_or_moscow(region_code).tzinfo, "key", FALLBACK_TIMEZONE))


def timer(
    region_code: str, due: datetime | None, warn_at: datetime | None, now: datetime
) -> TimeLeft | None:
    """What the timer of a deadline shows at ``now``; ``None`` when no deadline runs.

    A deadline without a warning instant warns only when due.
    """
    if due is None:
        return None
    warn = warn_at if warn_at is not None and warn_at <= due else due
    return time_left(Deadline(due=due, warn_at=warn), now, region_calendar(region_code))


def prepare_timers(region_code: str | None, now: datetime) -> TimeLeft:
    """Compute one timer on the region's clock now, so the holiday calendar is loaded.

    The ``holidays`` package imports the module of every country on its first use (with
    PySide's import hook reading each module's source: 0.1-0.2 s); the window calls this on a
    worker thread at start, before the first timers are painted on the GUI thread (measured
    as the longest event-loop stall of a first sync, see bench/README.md, ui_bench.py).
    """
    calendar = calendar_or_moscow(region_code)
    due = now + timedelta(days=3)
    return time_left(Deadline(due=due, warn_at=now), now, calendar)


@dataclass(frozen=True, slots=True)
class TimerView:
    """What a timer cell shows: band, time left (negative: overdue by) and the due instant."""

    band: Band
    wall: timedelta
    working: timedelta
    due: datetime
    due_local: datetime
    final: bool
    """Whether this is the final-answer deadline (else the first answer's)."""


def timer_for(row: Mapping[str, Any], now: datetime) -> TimerView | None:
    """The timer of a list row at ``now`` (``None``: no running deadline)."""
    due = row.get("current_due")
    if due is None or Status(row["status"]).is_terminal:
        return None
    warn = row.get("current_warn_at")
    warn_at = warn if warn is not None and warn <= due else due
    calendar = calendar_or_moscow(row.get("region_code"))
    left = time_left(Deadline(due=due, warn_at=warn_at), now, calendar)
    return TimerView(
        band=left.band,
        wall=left.wall,
        working=left.working,
        due=due,
        due_local=due.astimezone(calendar.tzinfo),
        final=Status(row["status"]) is Status.ON_CONTROL,
    )


def promise_date(
    region_code: str,
    source: Source,
    topic_code: str | None,
    priority: Priority,
    now: datetime,
) -> datetime:
    """The date an answer written now can promise ({срок}): the final-answer limit of the
    region's SLA rule (working days after now), in the region's local time."""
    calendar = calendar_or_moscow(region_code)
    try:
        rule = sla_policy_for_region(region_code).rule_for(source, topic_code, priority)
        days = rule.final_answer_working_days
    except (KeyError, ValueError):
        days = 7
    return calendar.add_working_days(now, days).astimezone(calendar.tzinfo)


__all__ = [
    "TimerView",
    "calendar_or_moscow",
    "prepare_timers",
    "promise_date",
    "region_calendar",
    "region_timezone",
    "timer",
    "timer_for",
]
