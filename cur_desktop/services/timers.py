"""Deadline timers of list rows: which deadline runs now, and how much time is left.

Which deadline a row's timer shows is the store's ``current_due`` (see
:mod:`cur_desktop.domain.current_due`). Time left is measured on the working-time clock of the
incident's region (:func:`cur_desktop.domain.deadlines.time_left` with the region's
:class:`~cur_desktop.domain.calendar.BusinessCalendar`), and also in calendar time.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from cur_desktop.domain.calendar import BusinessCalendar
from cur_desktop.domain.deadlines import Band, Deadline, time_left
from cur_desktop.domain.enums import Priority, Source, Status
from cur_desktop.reference.data import region_by_code, sla_policy_for_region

log = logging.getLogger(__name__)


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


@lru_cache(maxsize=128)
def region_calendar(region_code: str) -> BusinessCalendar:
    """The business calendar of a region (Moscow time for an unknown code)."""
    try:
        return BusinessCalendar(region_by_code(region_code).timezone)
    except KeyError:
        log.warning("unknown region %s: Moscow calendar used for its timers", region_code)
        return BusinessCalendar("Europe/Moscow")


def timer_for(row: Mapping[str, Any], now: datetime) -> TimerView | None:
    """The timer of a list row at ``now`` (``None``: no running deadline).

    The row's ``current_due`` / ``current_warn_at`` is the deadline that matters now (the
    store keeps it: first answer until there is one, the final answer while on control).
    """
    due = row.get("current_due")
    if due is None or Status(row["status"]).is_terminal:
        return None
    warn = row.get("current_warn_at")
    warn_at = warn if warn is not None and warn <= due else due
    deadline = Deadline(due=due, warn_at=warn_at)
    calendar = region_calendar(str(row.get("region_code") or ""))
    left = time_left(deadline, now, calendar)
    tz: ZoneInfo = calendar.tzinfo
    return TimerView(
        band=left.band,
        wall=left.wall,
        working=left.working,
        due=deadline.due,
        due_local=deadline.due.astimezone(tz),
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
    calendar = region_calendar(region_code)
    try:
        rule = sla_policy_for_region(region_code).rule_for(source, topic_code, priority)
        days = rule.final_answer_working_days
    except (KeyError, ValueError):
        days = 7
    return calendar.add_working_days(now, days).astimezone(calendar.tzinfo)


__all__ = ["TimerView", "promise_date", "region_calendar", "timer_for"]
