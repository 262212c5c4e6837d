"""``prepare_timers``: one timer on the region's clock (it loads the holiday calendar)."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta

from cur_desktop.domain.deadlines import Band
from cur_desktop.services.timers import prepare_timers


def test_prepare_timers_computes_a_timer_and_loads_the_russian_holidays() -> None:
    now = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)  # Tuesday 11:00 in Yekaterinburg
    left = prepare_timers("RU-SVE", now)
    assert left.wall == timedelta(days=3)  # due three calendar days later
    # working time: Tue 11-18 less lunch 6 h, Wed 8 h, Thu 8 h, Fri 9-11 2 h
    assert left.working == timedelta(hours=24)
    assert left.band is Band.WARNING  # warned from now on
    assert "holidays.countries.russia" in sys.modules
