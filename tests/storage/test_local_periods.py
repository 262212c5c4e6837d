"""Statistics over a region's own local periods, federal tables with each region's own bounds,
and the working-time figures in SQL (hand-computed expected values)."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from cur_desktop.domain.enums import Status
from cur_desktop.domain.periods import LocalPeriod, PeriodKind
from cur_desktop.storage.incidents import bulk_insert_incidents
from cur_desktop.storage.stats import (
    federal_stats,
    local_month_stats_by_municipality,
    local_period_stats,
    region_period,
)
from tests.helpers.row_factories import make_row

NOW = datetime(2026, 4, 10, tzinfo=UTC)
MSK = ZoneInfo("Europe/Moscow")
H = timedelta(hours=1)


def _row(rng: random.Random, region: str, received: datetime, **extra: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {"status": Status.CLOSED, "first_answer_at": received + H}
    fields.update(extra)
    return make_row(rng, region_code=region, received_at=received, **fields)


def _insert(engine: Engine, rows: list[dict[str, Any]]) -> None:
    with engine.begin() as conn:
        bulk_insert_incidents(conn, rows)


def test_kamchatka_incident_of_1_march_0500_belongs_to_march(engine: Engine) -> None:
    rng = random.Random(1)
    march_first = datetime(2026, 2, 28, 17, tzinfo=UTC)  # 1 Mar 05:00 in Камчатка (UTC+12)
    feb_last = datetime(2026, 2, 28, 11, 59, tzinfo=UTC)  # 28 Feb 23:59 there
    _insert(engine, [_row(rng, "RU-KAM", march_first), _row(rng, "RU-KAM", feb_last)])
    march = region_period("RU-KAM", PeriodKind.MONTH, date(2026, 3, 1))
    february = region_period("RU-KAM", PeriodKind.MONTH, date(2026, 2, 1))
    with engine.connect() as conn:
        assert local_period_stats(conn, "RU-KAM", march, NOW).registered == 1
        assert local_period_stats(conn, "RU-KAM", february, NOW).registered == 1
        # the same month in Moscow's calendar would put the 05:00 incident in February
        moscow_feb = march.in_zone("Europe/Moscow").previous()
        assert local_period_stats(conn, "RU-KAM", moscow_feb, NOW).registered == 2
        per_m = local_month_stats_by_municipality(conn, "RU-KAM", march, NOW)
    assert sum(m.stats.registered for m in per_m) == 1


def test_federal_table_uses_each_regions_own_month(engine: Engine) -> None:
    rng = random.Random(2)
    at = datetime
    rows = [
        # Камчатка, UTC+12: March is [28 Feb 12:00, 31 Mar 12:00) UTC
        _row(rng, "RU-KAM", at(2026, 2, 28, 12, tzinfo=UTC)),  # 1 Mar 00:00: March
        _row(rng, "RU-KAM", at(2026, 3, 31, 11, 59, 59, tzinfo=UTC)),  # 31 Mar 23:59:59: March
        _row(rng, "RU-KAM", at(2026, 3, 31, 12, tzinfo=UTC)),  # 1 Apr 00:00: April
        # Калининград, UTC+2: March is [28 Feb 22:00, 31 Mar 22:00) UTC
        _row(rng, "RU-KGD", at(2026, 2, 28, 21, 59, tzinfo=UTC)),  # 28 Feb 23:59: February
        _row(rng, "RU-KGD", at(2026, 2, 28, 22, tzinfo=UTC)),  # 1 Mar 00:00: March
        # Тула, UTC+3: March is [28 Feb 21:00, 31 Mar 21:00) UTC
        _row(rng, "RU-TUL", at(2026, 2, 28, 21, tzinfo=UTC)),  # March
        _row(rng, "RU-TUL", at(2026, 3, 31, 20, 59, tzinfo=UTC)),  # March
        _row(rng, "RU-TUL", at(2026, 3, 31, 21, tzinfo=UTC)),  # April
    ]
    _insert(engine, rows)
    with engine.connect() as conn:
        march = federal_stats(conn, PeriodKind.MONTH, date(2026, 3, 1), NOW)
        april = federal_stats(conn, PeriodKind.MONTH, date(2026, 4, 1), NOW)
        february = federal_stats(conn, PeriodKind.MONTH, date(2026, 2, 1), NOW)
    assert {code: s.registered for code, s in march.items()} == {
        "RU-KAM": 2,
        "RU-KGD": 1,
        "RU-TUL": 2,
    }
    assert {code: s.registered for code, s in april.items()} == {"RU-KAM": 1, "RU-TUL": 1}
    assert {code: s.registered for code, s in february.items()} == {"RU-KGD": 1}


def test_working_time_figures_in_sql(engine: Engine) -> None:
    rng = random.Random(3)

    def answered(received: datetime, after: timedelta) -> dict[str, Any]:
        return _row(rng, "RU-TUL", received, first_answer_at=received + after)

    rows = [
        # Fri 13 Mar 17:00 -> Mon 16 Mar 10:00: 65 wall hours; working 17-18 + 09-10 = 2 h
        answered(datetime(2026, 3, 13, 17, tzinfo=MSK), 65 * H),
        # Tue 10 Mar 12:00 -> 15:00: 3 wall hours; working 12-13 + 14-15 = 2 h
        answered(datetime(2026, 3, 10, 12, tzinfo=MSK), 3 * H),
        # Tue 10 Mar 09:00 -> 10:00: 1 h either way
        answered(datetime(2026, 3, 10, 9, tzinfo=MSK), H),
    ]
    _insert(engine, rows)
    march = region_period("RU-TUL", PeriodKind.MONTH, date(2026, 3, 1))
    with engine.connect() as conn:
        stats = local_period_stats(conn, "RU-TUL", march, NOW)
    assert stats.working_known == 3
    assert stats.mean_first_answer_time == 23 * H  # (65 + 3 + 1) / 3
    assert stats.mean_first_answer_working_time == timedelta(hours=1, minutes=40)  # 5 h / 3
    assert stats.median_first_answer_working_time == 2 * H
    assert stats.median_first_answer_time == 3 * H


def test_week_and_quarter_and_year_are_local(engine: Engine) -> None:
    rng = random.Random(4)
    # Mon 9 Mar 2026 00:30 in Камчатка = Sun 8 Mar 12:30 UTC: in the week of Monday 9 March
    _insert(engine, [_row(rng, "RU-KAM", datetime(2026, 3, 8, 12, 30, tzinfo=UTC))])
    week = LocalPeriod("Asia/Kamchatka", PeriodKind.WEEK, date(2026, 3, 9))
    quarter = LocalPeriod("Asia/Kamchatka", PeriodKind.QUARTER, date(2026, 1, 1))
    year = LocalPeriod("Asia/Kamchatka", PeriodKind.YEAR, date(2026, 1, 1))
    with engine.connect() as conn:
        assert local_period_stats(conn, "RU-KAM", week, NOW).registered == 1
        assert local_period_stats(conn, "RU-KAM", week.previous(), NOW).registered == 0
        assert local_period_stats(conn, "RU-KAM", quarter, NOW).registered == 1
        assert local_period_stats(conn, "RU-KAM", year, NOW).registered == 1
