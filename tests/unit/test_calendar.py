"""The business calendar on known dates of the Russian production calendar, 2024–2026."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from cur_desktop.domain.calendar import BusinessCalendar, WorkingHours

MSK = ZoneInfo("Europe/Moscow")
H = timedelta(hours=1)


@pytest.fixture(scope="module")
def cal() -> BusinessCalendar:
    return BusinessCalendar("Europe/Moscow")


def msk(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=MSK)


def days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


@pytest.mark.parametrize("year", [2025, 2026])
def test_new_year_holidays_are_off(cal: BusinessCalendar, year: int) -> None:
    for day in days(date(year, 1, 1), date(year, 1, 8)):
        assert not cal.is_working_day(day), day
        assert cal.working_intervals(day) == []


def test_first_working_day_after_new_year(cal: BusinessCalendar) -> None:
    assert cal.is_working_day(date(2025, 1, 9))
    # 2026: 3 January moved to Friday 9 January, so work starts on Monday 12 January
    assert not cal.is_working_day(date(2026, 1, 9))
    assert cal.is_working_day(date(2026, 1, 12))
    # 2025: 5 January moved to 31 December
    assert not cal.is_working_day(date(2025, 12, 31))
    assert cal.is_working_day(date(2025, 12, 30))


@pytest.mark.parametrize(
    ("off", "working"),
    [
        (
            ["2024-04-28", "2024-04-29", "2024-04-30", "2024-05-01", "2024-05-09", "2024-05-10"],
            ["2024-04-27", "2024-05-02", "2024-05-03", "2024-05-08", "2024-05-13"],
        ),
        (
            ["2025-05-01", "2025-05-02", "2025-05-03", "2025-05-04", "2025-05-08", "2025-05-09"],
            ["2025-04-30", "2025-05-05", "2025-05-06", "2025-05-07", "2025-05-12"],
        ),
        (
            ["2026-05-01", "2026-05-02", "2026-05-03", "2026-05-09", "2026-05-11"],
            ["2026-04-30", "2026-05-04", "2026-05-08", "2026-05-12"],
        ),
    ],
    ids=["2024", "2025", "2026"],
)
def test_may_holidays(cal: BusinessCalendar, off: list[str], working: list[str]) -> None:
    for text in off:
        assert not cal.is_working_day(date.fromisoformat(text)), text
    for text in working:
        assert cal.is_working_day(date.fromisoformat(text)), text


@pytest.mark.parametrize("text", ["2024-04-27", "2024-11-02", "2024-12-28", "2025-11-01"])
def test_working_saturdays(cal: BusinessCalendar, text: str) -> None:
    day = date.fromisoformat(text)
    assert day.weekday() == 5
    assert cal.is_working_day(day)
    assert cal.working_intervals(day)[0][0] == datetime.combine(day, time(9), MSK)


@pytest.mark.parametrize("text", ["2025-05-02", "2025-05-08", "2025-06-13", "2025-11-03"])
def test_transferred_days_off(cal: BusinessCalendar, text: str) -> None:
    day = date.fromisoformat(text)
    assert day.weekday() < 5
    assert not cal.is_working_day(day)


def test_ordinary_day_intervals(cal: BusinessCalendar) -> None:
    assert cal.working_intervals(date(2025, 3, 4)) == [
        (msk(2025, 3, 4, 9), msk(2025, 3, 4, 13)),
        (msk(2025, 3, 4, 14), msk(2025, 3, 4, 18)),
    ]
    assert cal.working_time_on(date(2025, 3, 4)) == 8 * H
    assert cal.working_time_on(date(2025, 3, 8)) == timedelta(0)


@pytest.mark.parametrize(
    "text",
    # official pre-holiday days: 2024 (norm 1979 h) and 2025 (norm 1972 h), 2026 spring
    [
        *["2024-02-22", "2024-03-07", "2024-05-08", "2024-06-11", "2024-11-02"],
        *["2025-03-07", "2025-04-30", "2025-06-11", "2025-11-01", "2026-04-30"],
    ],
)
def test_pre_holiday_day_ends_an_hour_earlier(cal: BusinessCalendar, text: str) -> None:
    day = date.fromisoformat(text)
    assert cal.is_shortened_day(day)
    assert cal.working_intervals(day)[-1][1] == datetime.combine(day, time(17), MSK)
    assert cal.working_time_on(day) == 7 * H


@pytest.mark.parametrize(
    "text",
    # before a transferred day off, not a holiday: not shortened (Labour Code art. 95)
    ["2025-05-07", "2025-12-30", "2024-04-27", "2024-12-28", "2026-03-06", "2026-02-20"],
)
def test_day_before_a_transferred_day_off_is_not_shortened(
    cal: BusinessCalendar, text: str
) -> None:
    day = date.fromisoformat(text)
    assert cal.is_working_day(day)
    assert not cal.is_shortened_day(day)
    assert cal.working_time_on(day) == 8 * H


def test_shortening_can_be_switched_off() -> None:
    plain = BusinessCalendar("Europe/Moscow", shorten_pre_holiday=False)
    assert not plain.is_shortened_day(date(2025, 3, 7))
    assert plain.working_time_on(date(2025, 3, 7)) == 8 * H


@pytest.mark.parametrize(("year", "hours"), [(2024, 1979), (2025, 1972)])
def test_yearly_norm_of_hours_matches_the_official_one(
    cal: BusinessCalendar, year: int, hours: int
) -> None:
    """The norm of working hours of a 40-hour week published for the year."""
    total = cal.working_time_between(msk(year, 1, 1), msk(year + 1, 1, 1))
    assert total == hours * H


def test_add_working_time_from_friday_evening_lands_monday(cal: BusinessCalendar) -> None:
    # Fri 2025-03-14 17:00 + 8 h: 1 h on Friday, 4 h + 3 h on Monday -> Monday 17:00
    assert cal.add_working_time(msk(2025, 3, 14, 17), 8 * H) == msk(2025, 3, 17, 17)


def test_add_working_time_ends_at_interval_end(cal: BusinessCalendar) -> None:
    assert cal.add_working_time(msk(2025, 3, 4, 9), 4 * H) == msk(2025, 3, 4, 13)
    assert cal.add_working_time(msk(2025, 3, 4, 9), 8 * H) == msk(2025, 3, 4, 18)
    assert cal.add_working_time(msk(2025, 3, 4, 13, 30), H) == msk(2025, 3, 4, 15)
    assert cal.add_working_time(msk(2025, 3, 4, 7), H) == msk(2025, 3, 4, 10)
    assert cal.add_working_time(msk(2025, 3, 4, 22), H) == msk(2025, 3, 5, 10)


def test_add_working_time_zero_returns_start(cal: BusinessCalendar) -> None:
    sunday = msk(2025, 3, 9, 3)
    assert cal.add_working_time(sunday, timedelta(0)) == sunday


def test_add_working_time_across_new_year_and_years(cal: BusinessCalendar) -> None:
    # Tue 30 Dec 2025 17:00 + 2 h: 1 h left in 2025, then Monday 12 January 2026
    assert cal.add_working_time(msk(2025, 12, 30, 17), 2 * H) == msk(2026, 1, 12, 10)
    # a whole 2025 norm from the first working instant of 2025 ends on the last one
    start = cal.next_working_instant(msk(2025, 1, 1))
    assert start == msk(2025, 1, 9, 9)
    assert cal.add_working_time(start, 1972 * H) == msk(2025, 12, 30, 18)
    assert cal.add_working_time(start, 1973 * H) == msk(2026, 1, 12, 10)


def test_add_working_time_refuses_negative(cal: BusinessCalendar) -> None:
    with pytest.raises(ValueError, match="negative"):
        cal.add_working_time(msk(2025, 3, 4, 9), -H)


def test_working_time_between(cal: BusinessCalendar) -> None:
    assert cal.working_time_between(msk(2025, 3, 14, 17), msk(2025, 3, 17, 17)) == 8 * H
    assert cal.working_time_between(msk(2025, 3, 17, 17), msk(2025, 3, 14, 17)) == timedelta(0)
    # a week with a pre-holiday Friday: 4 * 8 + 7
    assert cal.working_time_between(msk(2025, 3, 3), msk(2025, 3, 10)) == 39 * H


def test_add_working_days_keeps_time_of_day(cal: BusinessCalendar) -> None:
    # Thu 2025-04-24 10:30 + 7 working days skips the May holidays 1-4
    assert cal.add_working_days(msk(2025, 4, 24, 10, 30), 7) == msk(2025, 5, 7, 10, 30)
    # outside hours: moved to the next working instant first
    assert cal.add_working_days(msk(2025, 3, 4, 20), 1) == msk(2025, 3, 6, 9)
    assert cal.add_working_days(msk(2025, 3, 4, 13, 30), 1) == msk(2025, 3, 5, 14)
    # landing on a shortened day after its end: clamped to 17:00
    assert cal.add_working_days(msk(2025, 3, 6, 17, 30), 1) == msk(2025, 3, 7, 17)
    assert cal.add_working_days(msk(2025, 3, 8, 12), 0) == msk(2025, 3, 10, 9)
    with pytest.raises(ValueError, match="negative"):
        cal.add_working_days(msk(2025, 3, 4, 9), -1)


def test_naive_datetimes_are_refused(cal: BusinessCalendar) -> None:
    naive = datetime(2025, 3, 4, 10)  # naive on purpose
    with pytest.raises(ValueError, match="timezone-aware"):
        cal.add_working_time(naive, H)
    with pytest.raises(ValueError, match="timezone-aware"):
        cal.working_time_between(naive, msk(2025, 3, 5))
    with pytest.raises(ValueError, match="timezone-aware"):
        cal.add_working_days(naive, 1)


def test_unknown_time_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="time zone"):
        BusinessCalendar("Europe/Atlantis")


def test_regions_from_kaliningrad_to_kamchatka() -> None:
    kaliningrad = BusinessCalendar("Europe/Kaliningrad")
    kamchatka = BusinessCalendar("Asia/Kamchatka")
    instant = datetime(2025, 3, 4, 6, 30, tzinfo=UTC)  # 08:30 in Kaliningrad, 18:30 in Kamchatka
    assert kaliningrad.next_working_instant(instant) == datetime(2025, 3, 4, 7, tzinfo=UTC)
    assert kamchatka.next_working_instant(instant) == datetime(2025, 3, 4, 21, tzinfo=UTC)
    # the same 8 working hours end today in Kaliningrad, tomorrow in Kamchatka
    assert kaliningrad.add_working_time(instant, 8 * H) == datetime(2025, 3, 4, 16, tzinfo=UTC)
    assert kamchatka.add_working_time(instant, 8 * H) == datetime(2025, 3, 5, 6, tzinfo=UTC)
    # Kamchatka's Monday morning is still Sunday in UTC
    monday = datetime(2025, 3, 9, 21, 30, tzinfo=UTC)
    assert kamchatka.is_working_time(monday)
    assert not kaliningrad.is_working_time(monday)
    # results are given in the region's zone
    assert kamchatka.add_working_time(instant, H).utcoffset() == 12 * H


def test_custom_hours_without_lunch() -> None:
    hours = WorkingHours(start=time(8), end=time(17), lunch_start=None, lunch_end=None)
    cal = BusinessCalendar("Asia/Yekaterinburg", hours)
    tz = ZoneInfo("Asia/Yekaterinburg")
    assert hours.daily_duration == 9 * H
    assert cal.add_working_time(datetime(2025, 3, 4, 8, tzinfo=tz), 9 * H) == datetime(
        2025, 3, 4, 17, tzinfo=tz
    )
    assert cal.working_time_on(date(2025, 3, 7)) == 8 * H


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"start": time(18), "end": time(9)}, "start before it ends"),
        (  # a day that starts when it ends is refused for that reason, not a later one
            {"start": time(9), "end": time(9), "lunch_start": None, "lunch_end": None},
            "start before it ends",
        ),
        ({"lunch_start": time(13), "lunch_end": None}, "both lunch_start and lunch_end"),
        ({"lunch_start": time(19), "lunch_end": time(20)}, "must lie inside"),
        (
            {"start": time(9), "end": time(10), "lunch_start": None, "lunch_end": None},
            "no working time left",
        ),
    ],
)
def test_bad_working_hours_are_refused(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        WorkingHours(**kwargs)


def test_regional_days_off_and_workdays() -> None:
    """E.g. Tatarstan's Kurban Bayram on Friday 6 June 2025, and a decreed working Sunday."""
    cal = BusinessCalendar(
        "Europe/Moscow",
        extra_days_off=[date(2025, 6, 6)],
        extra_workdays=[date(2025, 6, 8)],
    )
    assert not cal.is_working_day(date(2025, 6, 6))
    assert cal.is_working_day(date(2025, 6, 8))
    with pytest.raises(ValueError, match="both"):
        BusinessCalendar(
            "Europe/Moscow", extra_days_off=[date(2025, 6, 6)], extra_workdays=[date(2025, 6, 6)]
        )


def test_is_working_day_takes_a_date(cal: BusinessCalendar) -> None:
    with pytest.raises(TypeError):
        cal.is_working_day(msk(2025, 3, 4, 10))
