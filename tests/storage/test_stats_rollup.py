"""The per-day statistics rollup gives the figures of the domain metrics and of the direct SQL.

The rollup path is held to the same definitions as the direct one: each grouping against the
domain functions (as ``test_stats_groups`` does for the direct SQL), then the whole report of
several periods (month, year, custom days, a day) field by field against the direct path, and
the freshness rules: a write marks its days, the reader refuses a marked period, a refresh
recomputes exactly the marked days.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, text, update

from cur_desktop.domain.date_range import DateRange
from cur_desktop.domain.enums import Status
from cur_desktop.domain.periods import LocalPeriod, PeriodKind
from cur_desktop.services.supervision import refresh_rollup, statistics_report
from cur_desktop.storage import stats_rollup
from cur_desktop.storage.incidents import bulk_insert_incidents
from cur_desktop.storage.stats_groups import GroupBy
from cur_desktop.storage.tables import incident_table
from tests.storage.test_stats import TULA, _assert_equal
from tests.storage.test_stats_groups import (
    MARCH,
    NOW,
    _in_march,
    assert_groups_equal_the_domain,
    generated_rows,
    hand_day_rows,
)

ZONE = "Europe/Moscow"
PERIODS = [
    MARCH,
    LocalPeriod(ZONE, PeriodKind.YEAR, date(2026, 1, 1)),
    LocalPeriod(ZONE, PeriodKind.DAY, date(2026, 3, 1)),
    DateRange(ZONE, date(2026, 2, 27), date(2026, 3, 4)),
    # days of January, the whole of February (read from stats_month), days of March
    DateRange(ZONE, date(2026, 1, 20), date(2026, 3, 5)),
]


@pytest.fixture
def rows(engine: Engine) -> list[dict[str, Any]]:
    made = generated_rows()
    # an unanswered one whose deadline passes between two readings (overdue depends on "now")
    made[2].update(
        received_at=datetime(2026, 3, 19, 9, tzinfo=UTC),
        first_answer_at=None,
        first_answer_due=NOW + timedelta(hours=1),
        status=Status.NEW,
    )
    with engine.begin() as conn:
        bulk_insert_incidents(conn, made)
        assert not stats_rollup.is_current(conn, "RU-TUL", MARCH)
        assert refresh_rollup(conn, "RU-TUL", LocalPeriod(ZONE, PeriodKind.YEAR, date(2026, 1, 1)))
        assert stats_rollup.is_current(conn, "RU-TUL", MARCH)
    return made


@pytest.mark.parametrize("by", list(GroupBy))
def test_each_grouping_from_the_rollup_equals_the_domain_metrics(
    engine: Engine, rows: list[dict[str, Any]], by: GroupBy
) -> None:
    in_march = _in_march(rows)
    with engine.connect() as conn:
        groups = stats_rollup.grouped_stats(conn, "RU-TUL", MARCH, NOW, by)
        total = stats_rollup.period_stats(conn, "RU-TUL", MARCH, NOW)
    assert_groups_equal_the_domain(groups, in_march, by)
    _assert_equal(total, in_march, NOW, TULA)


@pytest.mark.parametrize(
    "period", PERIODS, ids=["month", "year", "day", "custom", "months-and-days"]
)
@pytest.mark.parametrize("now", [NOW, NOW + timedelta(hours=2)], ids=["now", "later"])
def test_rollup_report_equals_the_direct_report(
    engine: Engine, rows: list[dict[str, Any]], period: Any, now: datetime
) -> None:
    with engine.connect() as conn:
        assert stats_rollup.is_current(conn, "RU-TUL", period)
        fast = statistics_report(conn, "RU-TUL", period, now)
        direct = statistics_report(conn, "RU-TUL", period, now, use_rollup=False)
    assert fast.current.registered > 0
    assert fast.current == direct.current
    assert fast.previous == direct.previous
    assert fast.groups == direct.groups
    assert fast.daily_volume == direct.daily_volume
    assert fast.daily_first_answer == direct.daily_first_answer
    assert fast.hour_weekday == direct.hour_weekday
    assert fast.cards == direct.cards


def test_overdue_counts_an_open_deadline_once_now_passes_it(
    engine: Engine, rows: list[dict[str, Any]]
) -> None:
    day = LocalPeriod(ZONE, PeriodKind.DAY, date(2026, 3, 19))
    with engine.connect() as conn:
        before = stats_rollup.period_stats(conn, "RU-TUL", day, NOW)
        after = stats_rollup.period_stats(conn, "RU-TUL", day, NOW + timedelta(hours=2))
    assert after.overdue == before.overdue + 1


def test_a_write_marks_its_day_and_a_refresh_recomputes_it(
    engine: Engine, rows: list[dict[str, Any]]
) -> None:
    target = next(r for r in _in_march(rows) if r["status"] is not Status.REJECTED)
    april = LocalPeriod(ZONE, PeriodKind.MONTH, date(2026, 4, 1))
    with engine.begin() as conn:
        registered = stats_rollup.period_stats(conn, "RU-TUL", MARCH, NOW).registered
        rejected = stats_rollup.period_stats(conn, "RU-TUL", MARCH, NOW).rejected
        conn.execute(
            update(incident_table)
            .where(incident_table.c.id == target["id"])
            .values(status=Status.REJECTED)
        )
        marks = conn.execute(text("SELECT count(*) FROM stats_dirty")).scalar_one()
        assert marks == 1  # one UTC day marked by the update trigger
        assert not stats_rollup.is_current(conn, "RU-TUL", MARCH)
        assert stats_rollup.is_current(conn, "RU-TUL", april)
        # a marked period is read by the direct SQL meanwhile: never stale
        direct = statistics_report(conn, "RU-TUL", MARCH, NOW)
        assert direct.current.rejected == rejected + 1
        days = stats_rollup.refresh(conn, "RU-TUL")
        assert days in (1, 2)  # the local days that UTC day touches
        assert stats_rollup.is_current(conn, "RU-TUL", MARCH)
        after = stats_rollup.period_stats(conn, "RU-TUL", MARCH, NOW)
        assert (after.registered, after.rejected) == (registered, rejected + 1)
        assert after == direct.current


def test_hand_counted_day_from_the_rollup(engine: Engine) -> None:
    """Three incidents on 10 March (Moscow), counted by hand (as in test_stats_groups)."""
    made = hand_day_rows()
    day = LocalPeriod(ZONE, PeriodKind.DAY, date(2026, 3, 10))
    with engine.begin() as conn:
        bulk_insert_incidents(conn, made)
        assert refresh_rollup(conn, "RU-TUL", day) == 2  # 10 March UTC is 10 and 11 March local
        figures = stats_rollup.figures(conn, "RU-TUL", day, NOW)
    (group,) = figures.groups[GroupBy.MUNICIPALITY]
    assert (group.stats.registered, group.stats.rejected, group.stats.answered) == (3, 1, 2)
    assert group.stats.mean_first_answer_time == timedelta(hours=1)  # (30 + 90) / 2 min
    assert group.stats.median_first_answer_time == timedelta(hours=1)
    assert group.stats.processing_share == 100.0
    assert [figures.hour_weekday[1][h] for h in (9, 10, 11)] == [1, 1, 1]
    assert figures.daily_first_answer == {date(2026, 3, 10): timedelta(hours=1)}
    assert figures.daily_volume == {date(2026, 3, 10): {"vk": 3}}


def test_a_limited_refresh_goes_a_few_days_at_a_time(engine: Engine) -> None:
    made = hand_day_rows()
    for i, r in enumerate(made):  # three UTC days: 10, 12 and 14 March
        r["received_at"] += timedelta(days=2 * i)
    day = LocalPeriod(ZONE, PeriodKind.MONTH, date(2026, 3, 1))
    with engine.begin() as conn:
        bulk_insert_incidents(conn, made)
        assert refresh_rollup(conn, "RU-TUL", day, limit=2) > 0
        assert not stats_rollup.is_current(conn, "RU-TUL", day)  # one UTC day still marked
        assert refresh_rollup(conn, "RU-TUL", day, limit=2) > 0
        assert stats_rollup.is_current(conn, "RU-TUL", day)
        assert refresh_rollup(conn, "RU-TUL", day, limit=2) == 0
        figures = stats_rollup.period_stats(conn, "RU-TUL", day, NOW)
    assert (figures.registered, figures.rejected, figures.answered) == (3, 1, 2)
