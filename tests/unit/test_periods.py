"""Local statistics periods (day, week, month, quarter, year) in a region's own time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from cur_desktop.domain.enums import Status
from cur_desktop.domain.metrics import IncidentFacts, facts_in_period
from cur_desktop.domain.periods import LocalPeriod, PeriodKind

KAM = "Asia/Kamchatka"  # UTC+12
KGD = "Europe/Kaliningrad"  # UTC+2
MSK = "Europe/Moscow"  # UTC+3


def test_1_march_0500_in_kamchatka_is_march_there_and_february_in_moscow() -> None:
    instant = datetime(2026, 2, 28, 17, tzinfo=UTC)  # 1 Mar 05:00 in Камчатка
    assert LocalPeriod.containing(KAM, PeriodKind.MONTH, instant).start_date == date(2026, 3, 1)
    assert LocalPeriod.containing(MSK, PeriodKind.MONTH, instant).start_date == date(2026, 2, 1)


def test_month_bounds_are_local_midnights() -> None:
    # 1 Mar 00:00 at UTC+12 is 28 Feb 12:00 UTC; 1 Apr 00:00 there is 31 Mar 12:00 UTC
    assert LocalPeriod(KAM, PeriodKind.MONTH, date(2026, 3, 1)).utc_bounds() == (
        datetime(2026, 2, 28, 12, tzinfo=UTC),
        datetime(2026, 3, 31, 12, tzinfo=UTC),
    )
    assert LocalPeriod(KGD, PeriodKind.MONTH, date(2026, 3, 1)).utc_bounds() == (
        datetime(2026, 2, 28, 22, tzinfo=UTC),
        datetime(2026, 3, 31, 22, tzinfo=UTC),
    )


@pytest.mark.parametrize(
    ("kind", "start", "end"),
    [
        (PeriodKind.DAY, date(2026, 2, 28), date(2026, 3, 1)),
        (PeriodKind.WEEK, date(2026, 3, 9), date(2026, 3, 16)),
        (PeriodKind.MONTH, date(2026, 12, 1), date(2027, 1, 1)),
        (PeriodKind.QUARTER, date(2026, 10, 1), date(2027, 1, 1)),
        (PeriodKind.QUARTER, date(2026, 4, 1), date(2026, 7, 1)),
        (PeriodKind.YEAR, date(2028, 1, 1), date(2029, 1, 1)),
    ],
)
def test_end_dates(kind: PeriodKind, start: date, end: date) -> None:
    period = LocalPeriod(MSK, kind, start)
    assert period.end_date == end
    assert period.following().start_date == end
    assert period.following().previous() == period


@pytest.mark.parametrize(
    ("kind", "bad", "first"),
    [
        (PeriodKind.WEEK, date(2026, 3, 10), date(2026, 3, 9)),  # a Tuesday
        (PeriodKind.MONTH, date(2026, 3, 2), date(2026, 3, 1)),
        (PeriodKind.QUARTER, date(2026, 2, 1), date(2026, 1, 1)),
        (PeriodKind.QUARTER, date(2026, 5, 1), date(2026, 4, 1)),
        (PeriodKind.YEAR, date(2026, 2, 1), date(2026, 1, 1)),
    ],
)
def test_a_period_must_start_on_its_first_day(kind: PeriodKind, bad: date, first: date) -> None:
    with pytest.raises(ValueError, match=first.isoformat()):
        LocalPeriod(MSK, kind, bad)


def test_containing_each_kind() -> None:
    # Sun 8 Mar 2026 12:30 UTC = Mon 9 Mar 00:30 in Камчатка
    instant = datetime(2026, 3, 8, 12, 30, tzinfo=UTC)
    starts = {kind: LocalPeriod.containing(KAM, kind, instant).start_date for kind in PeriodKind}
    assert starts == {
        PeriodKind.DAY: date(2026, 3, 9),
        PeriodKind.WEEK: date(2026, 3, 9),
        PeriodKind.MONTH: date(2026, 3, 1),
        PeriodKind.QUARTER: date(2026, 1, 1),
        PeriodKind.YEAR: date(2026, 1, 1),
    }
    assert LocalPeriod.containing(MSK, PeriodKind.WEEK, instant).start_date == date(2026, 3, 2)
    assert LocalPeriod.containing(
        KAM, PeriodKind.QUARTER, datetime(2026, 9, 30, 12, tzinfo=UTC)
    ).start_date == date(2026, 10, 1)  # 1 Oct 00:00 there


def test_contains_includes_start_and_excludes_end() -> None:
    march = LocalPeriod(KAM, PeriodKind.MONTH, date(2026, 3, 1))
    start, end = march.utc_bounds()
    assert march.contains(start)
    assert not march.contains(end)
    assert march.contains(datetime(2026, 3, 31, 23, 59, tzinfo=ZoneInfo(KAM)))


def test_titles_and_bad_input() -> None:
    assert LocalPeriod(MSK, PeriodKind.MONTH, date(2026, 3, 1)).title == "март 2026"
    assert LocalPeriod(MSK, PeriodKind.QUARTER, date(2026, 7, 1)).title == "III кв. 2026"
    assert LocalPeriod(MSK, PeriodKind.DAY, date(2026, 3, 9)).title == "09.03.2026"
    assert LocalPeriod(MSK, PeriodKind.WEEK, date(2026, 3, 9)).title == "неделя с 09.03.2026"
    assert LocalPeriod(MSK, PeriodKind.YEAR, date(2026, 1, 1)).title == "2026 год"
    with pytest.raises(ValueError, match="time zone"):
        LocalPeriod("Mars/Olympus", PeriodKind.DAY, date(2026, 3, 9))
    with pytest.raises(TypeError):
        LocalPeriod(MSK, PeriodKind.DAY, datetime(2026, 3, 9, tzinfo=UTC))
    with pytest.raises(ValueError, match="naive"):
        LocalPeriod.containing(MSK, PeriodKind.DAY, datetime(2026, 3, 9))


def test_facts_in_period_use_the_local_month() -> None:
    def fact(instant: datetime) -> IncidentFacts:
        return IncidentFacts(received_at=instant, status=Status.NEW)

    early = fact(datetime(2026, 2, 28, 17, tzinfo=UTC))  # 1 Mar 05:00 in Камчатка
    late = fact(datetime(2026, 2, 28, 11, 59, tzinfo=UTC))  # 28 Feb 23:59 there
    march = LocalPeriod(KAM, PeriodKind.MONTH, date(2026, 3, 1))
    assert facts_in_period([early, late], march) == [early]
    assert facts_in_period([early, late], march.previous()) == [late]


def test_a_period_is_a_value() -> None:
    march = LocalPeriod(KAM, PeriodKind.MONTH, date(2026, 3, 1))
    assert {march: 1}[LocalPeriod(KAM, PeriodKind.MONTH, date(2026, 3, 1))] == 1
    with pytest.raises(AttributeError):
        march.kind = PeriodKind.DAY  # type: ignore[misc]


def test_facts_in_period_include_the_start_and_exclude_the_end() -> None:
    march = LocalPeriod(KAM, PeriodKind.MONTH, date(2026, 3, 1))
    start, end = march.utc_bounds()
    at_start = IncidentFacts(received_at=start, status=Status.NEW)
    at_end = IncidentFacts(received_at=end, status=Status.NEW)
    assert facts_in_period([at_start, at_end], march) == [at_start]
    assert facts_in_period([at_start, at_end], march.following()) == [at_end]
