"""Properties of working-time arithmetic, checked by hypothesis across Russian time zones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cache

from hypothesis import given, settings
from hypothesis import strategies as st

from cur_desktop.domain.calendar import BusinessCalendar

ZONES = [
    "Europe/Kaliningrad",
    "Europe/Moscow",
    "Europe/Samara",
    "Asia/Yekaterinburg",
    "Asia/Omsk",
    "Asia/Krasnoyarsk",
    "Asia/Irkutsk",
    "Asia/Yakutsk",
    "Asia/Vladivostok",
    "Asia/Magadan",
    "Asia/Kamchatka",
]

PROFILE = settings(max_examples=200, deadline=None)


@cache
def calendar(zone: str, shorten: bool) -> BusinessCalendar:
    return BusinessCalendar(zone, shorten_pre_holiday=shorten)


calendars = st.builds(calendar, st.sampled_from(ZONES), st.booleans())
instants = st.datetimes(
    min_value=datetime(2023, 12, 1),  # naive bounds, made aware below
    max_value=datetime(2027, 1, 31),
    timezones=st.just(UTC),
)
# up to ~6 working weeks, at microsecond resolution
durations = st.integers(min_value=0, max_value=240 * 3600 * 10**6).map(
    lambda us: timedelta(microseconds=us)
)
positive = durations.filter(lambda d: d > timedelta(0))


def brute_force_between(cal: BusinessCalendar, a: datetime, b: datetime) -> timedelta:
    """Working time from a walk over every day's intervals (the slow, obvious way)."""
    total = timedelta(0)
    day = a.astimezone(cal.tzinfo).date()
    last = b.astimezone(cal.tzinfo).date()
    while day <= last:
        for start, end in cal.working_intervals(day):
            lo, hi = max(start, a), min(end, b)
            if hi > lo:
                total += hi - lo
        day += timedelta(days=1)
    return total


@PROFILE
@given(calendars, instants, durations)
def test_add_then_count_round_trips(
    cal: BusinessCalendar, start: datetime, duration: timedelta
) -> None:
    end = cal.add_working_time(start, duration)
    assert cal.working_time_between(start, end) == duration


@PROFILE
@given(calendars, instants, positive)
def test_result_lies_in_working_hours(
    cal: BusinessCalendar, start: datetime, duration: timedelta
) -> None:
    end = cal.add_working_time(start, duration)
    assert end > start
    assert cal.is_working_time(end)
    assert end.tzinfo is cal.tzinfo


@PROFILE
@given(calendars, instants, instants, durations)
def test_monotonic_in_start(
    cal: BusinessCalendar, a: datetime, b: datetime, duration: timedelta
) -> None:
    early, late = min(a, b), max(a, b)
    assert cal.add_working_time(early, duration) <= cal.add_working_time(late, duration)


@PROFILE
@given(calendars, instants, durations, durations)
def test_monotonic_in_duration(
    cal: BusinessCalendar, start: datetime, d1: timedelta, d2: timedelta
) -> None:
    short, long = min(d1, d2), max(d1, d2)
    assert cal.add_working_time(start, short) <= cal.add_working_time(start, long)


@PROFILE
@given(calendars, instants, positive, durations)
def test_adding_in_two_steps_equals_adding_once(
    cal: BusinessCalendar, start: datetime, d1: timedelta, d2: timedelta
) -> None:
    step = cal.add_working_time(cal.add_working_time(start, d1), d2)
    assert step == cal.add_working_time(start, d1 + d2)


@PROFILE
@given(calendars, instants, st.integers(min_value=0, max_value=21 * 24 * 3600))
def test_between_matches_a_brute_force_walk(
    cal: BusinessCalendar, start: datetime, seconds: int
) -> None:
    end = start + timedelta(seconds=seconds)
    counted = cal.working_time_between(start, end)
    assert counted == brute_force_between(cal, start, end)
    assert counted <= end - start


@PROFILE
@given(calendars, instants, instants, instants)
def test_between_is_additive(cal: BusinessCalendar, a: datetime, b: datetime, c: datetime) -> None:
    x, y, z = sorted([a, b, c])
    assert cal.working_time_between(x, z) == (
        cal.working_time_between(x, y) + cal.working_time_between(y, z)
    )


@PROFILE
@given(st.sampled_from(ZONES), st.sampled_from(ZONES), instants, positive)
def test_zones_agree_on_working_time_counted_in_their_own_hours(
    zone_a: str, zone_b: str, start: datetime, duration: timedelta
) -> None:
    """Each region counts the duration in its own hours; the instant differs, the amount not."""
    for zone in (zone_a, zone_b):
        cal = calendar(zone, True)
        end = cal.add_working_time(start, duration)
        assert cal.working_time_between(start, end) == duration
        local = end.astimezone(cal.tzinfo)
        assert cal.is_working_day(local.date())


@PROFILE
@given(calendars, instants, st.integers(min_value=0, max_value=30))
def test_add_working_days_lands_on_a_working_day(
    cal: BusinessCalendar, start: datetime, n: int
) -> None:
    result = cal.add_working_days(start, n)
    assert cal.is_working_time(result)
    assert result >= start
    if n > 0:
        moved = cal.next_working_instant(start)
        elapsed_days = sum(
            cal.is_working_day(moved.astimezone(cal.tzinfo).date() + timedelta(days=i))
            for i in range(1, (result.date() - moved.astimezone(cal.tzinfo).date()).days + 1)
        )
        assert elapsed_days == n
