"""SQL groupings and chart series of a region's local period equal the domain metrics."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine

from cur_desktop.domain import metrics
from cur_desktop.domain.enums import Status
from cur_desktop.domain.periods import LocalPeriod, PeriodKind
from cur_desktop.storage.incidents import bulk_insert_incidents
from cur_desktop.storage.stats_groups import (
    GroupBy,
    GroupStats,
    daily_first_answer,
    daily_volume_by_source,
    grouped_stats,
    hour_weekday_load,
    incident_ids_at,
    period_incident_ids,
)
from tests.helpers.row_factories import make_rows
from tests.storage.test_stats import TULA, _assert_equal, _facts

NOW = datetime(2026, 3, 20, 12, tzinfo=UTC)
MARCH = LocalPeriod("Europe/Moscow", PeriodKind.MONTH, date(2026, 3, 1))
MSK = ZoneInfo("Europe/Moscow")


def generated_rows() -> list[dict[str, Any]]:
    """1,500 generated rows; two either side of Moscow's midnight opening March (20:59 and
    21:00 UTC on 28 Feb)."""
    made = make_rows(1500, seed=11)
    made[0]["received_at"] = datetime(2026, 2, 28, 20, 59, tzinfo=UTC)
    made[1]["received_at"] = datetime(2026, 2, 28, 21, 0, tzinfo=UTC)
    made[0]["first_answer_at"] = made[1]["first_answer_at"] = None
    return made


def hand_day_rows() -> list[dict[str, Any]]:
    """Three incidents on 10 March (Moscow) from 09:00, an hour apart, all m-tula and VK:
    answered after 30 and 90 minutes, the third rejected."""
    base = datetime(2026, 3, 10, 6, 0, tzinfo=UTC)  # 09:00 Moscow, a Tuesday
    made = make_rows(3, seed=3)
    for i, r in enumerate(made):
        r.update(
            received_at=base + timedelta(hours=i),
            status=Status.REJECTED if i == 2 else Status.CLOSED,
            first_answer_at=base + timedelta(hours=i, minutes=30 + 60 * i) if i < 2 else None,
            municipality_id="m-tula",
            source="vk",
        )
    return made


def assert_groups_equal_the_domain(
    groups: list[GroupStats], rows: list[dict[str, Any]], by: GroupBy
) -> None:
    """Each group's figures equal the domain metrics over its rows (keys: exactly theirs)."""
    expected_keys = {None if r[by.value] is None else str(r[by.value]) for r in rows}
    assert {g.key for g in groups} == expected_keys
    for g in groups:
        members = [r for r in rows if (None if r[by.value] is None else str(r[by.value])) == g.key]
        _assert_equal(g.stats, members, NOW, TULA)


@pytest.fixture
def rows(engine: Engine) -> list[dict[str, Any]]:
    made = generated_rows()
    with engine.begin() as conn:
        bulk_insert_incidents(conn, made)
    return made


def _in_march(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    start, end = MARCH.utc_bounds()
    return [r for r in rows if start <= r["received_at"] < end]


@pytest.mark.parametrize("by", list(GroupBy))
def test_each_grouping_equals_the_domain_metrics(
    engine: Engine, rows: list[dict[str, Any]], by: GroupBy
) -> None:
    in_march = _in_march(rows)
    assert rows[1] in in_march
    assert rows[0] not in in_march
    with engine.connect() as conn:
        groups = grouped_stats(conn, "RU-TUL", MARCH, NOW, by)
    assert_groups_equal_the_domain(groups, in_march, by)
    assert sum(g.stats.registered for g in groups) == len(in_march)


def test_drill_down_ids_are_exactly_the_group(engine: Engine, rows: list[dict[str, Any]]) -> None:
    in_march = _in_march(rows)
    with engine.connect() as conn:
        ids = period_incident_ids(conn, "RU-TUL", MARCH, GroupBy.MUNICIPALITY, "m-tula")
        none_ids = period_incident_ids(conn, "RU-TUL", MARCH, GroupBy.TOPIC, None)
    assert set(ids) == {r["id"] for r in in_march if r["municipality_id"] == "m-tula"}
    assert set(none_ids) == {r["id"] for r in in_march if r["topic_code"] is None}
    assert none_ids


def test_chart_series_count_by_local_day_hour_and_weekday(
    engine: Engine, rows: list[dict[str, Any]]
) -> None:
    in_march = _in_march(rows)
    with engine.connect() as conn:
        volume = daily_volume_by_source(conn, "RU-TUL", MARCH)
        trend = daily_first_answer(conn, "RU-TUL", MARCH)
        grid = hour_weekday_load(conn, "RU-TUL", MARCH)
    local = [r["received_at"].astimezone(MSK) for r in in_march]
    by_day_source = Counter(
        (t.date(), str(r["source"])) for t, r in zip(local, in_march, strict=True)
    )
    assert {(d, s): n for d, m in volume.items() for s, n in m.items()} == dict(by_day_source)
    assert volume[date(2026, 3, 1)][str(rows[1]["source"])] >= 1  # 21:00 UTC is 1 March 00:00
    cells = Counter((t.weekday(), t.hour) for t in local)
    assert {(wd, h): grid[wd][h] for wd in range(7) for h in range(24) if grid[wd][h]} == dict(
        cells
    )
    for day, mean in trend.items():
        members = [r for r, t in zip(in_march, local, strict=True) if t.date() == day]
        assert mean == metrics.mean_first_answer_time(_facts(members))
    assert all(d.month == 3 for d in trend)


def test_hand_counted_day(engine: Engine) -> None:
    """Three incidents on 10 March (Moscow), counted by hand."""
    made = hand_day_rows()
    with engine.begin() as conn:
        bulk_insert_incidents(conn, made)
    day = LocalPeriod("Europe/Moscow", PeriodKind.DAY, date(2026, 3, 10))
    with engine.connect() as conn:
        (group,) = grouped_stats(conn, "RU-TUL", day, NOW, GroupBy.MUNICIPALITY)
        grid = hour_weekday_load(conn, "RU-TUL", day)
        trend = daily_first_answer(conn, "RU-TUL", day)
        at_ten = incident_ids_at(conn, "RU-TUL", day, weekday=1, hour=10)
        that_day = incident_ids_at(conn, "RU-TUL", day, day=date(2026, 3, 10))
        at_nine_on_monday = incident_ids_at(conn, "RU-TUL", day, weekday=0, hour=9)
    assert at_ten == [made[1]["id"]]
    assert that_day == [r["id"] for r in made]
    assert at_nine_on_monday == []
    assert group.stats.registered == 3
    assert group.stats.rejected == 1
    assert group.stats.answered == 2
    assert group.stats.mean_first_answer_time == timedelta(hours=1)  # (30 + 90) / 2 min
    assert group.stats.processing_share == 100.0
    assert [grid[1][h] for h in (9, 10, 11)] == [1, 1, 1]
    assert trend == {date(2026, 3, 10): timedelta(hours=1)}
