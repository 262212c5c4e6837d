"""Deadline timers as the window shows them: time left (wall and working) and the colour band.

One :class:`~cur_desktop.domain.calendar.BusinessCalendar` per region, built once from the
reference data (time zone, production calendar) and reused, so a list of a hundred rows costs a
hundred subtractions, not a hundred calendars.
"""

from __future__ import annotations

import logging
from datetime import datetime
from functools import cache

from cur_desktop.domain.calendar import BusinessCalendar
from cur_desktop.domain.deadlines import Deadline, TimeLeft, time_left
from cur_desktop.reference.data import region_by_code

log = logging.getLogger(__name__)


@cache
def region_calendar(region_code: str) -> BusinessCalendar:
    """The business calendar of a region (``KeyError`` for an unknown code)."""
    return BusinessCalendar(region_by_code(region_code).timezone)


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
