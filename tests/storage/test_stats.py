"""SQL statistics held equal to the pure functions of cur_desktop.domain.metrics."""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, event

from cur_desktop.domain import metrics
from cur_desktop.domain.calendar import BusinessCalendar
from cur_desktop.domain.enums import Status
from cur_desktop.domain.metrics import IncidentFacts
from cur_desktop.storage.database import open_engine
from cur_desktop.storage.diagnostics import explain_query_plan
from cur_desktop.storage.inbox import InboxFilter
from cur_desktop.storage.incidents import bulk_insert_incidents, delete_all_incidents
from cur_desktop.storage.stats import (
    PeriodStats,
    month_stats_by_municipality,
    month_stats_query,
    period_stats,
)
from tests.helpers.row_factories import MUNICIPALITIES, make_row, make_rows

MONTH_START = datetime(2026, 3, 1, tzinfo=UTC)
MONTH_END = datetime(2026, 4, 1, tzinfo=UTC)
NOW = datetime(2026, 3, 20, 12, tzinfo=UTC)
TULA = BusinessCalendar("Europe/Moscow")


def _facts(rows: Sequence[dict[str, Any]]) -> list[IncidentFacts]:
    return [
        IncidentFacts(
            received_at=r["received_at"],
            status=Status(r["status"]),
            first_answer_at=r["first_answer_at"],
            first_answer_due=r["first_answer_due"],
            has_interim=r["has_interim"],
            has_final=r["has_final"],
            was_reworked=r["was_reworked"],
            was_reopened=r["was_reopened"],
            rating=r["rating"],
        )
        for r in rows
    ]


def _assert_equal(
    got: PeriodStats,
    rows: Sequence[dict[str, Any]],
    now: datetime,
    calendar: BusinessCalendar | None = None,
) -> None:
    facts = _facts(rows)
    if calendar is not None:  # rows carry the cached working time: SQL equals the domain
        answered = [f for f in facts if f.counts and f.is_answered]
        assert got.working_known == len(answered)
        assert got.mean_first_answer_working_time == (
            metrics.mean_first_answer_working_time(facts, calendar)
        )
        assert got.median_first_answer_working_time == (
            metrics.median_first_answer_working_time(facts, calendar)
        )
    assert got.registered == len(rows)
    assert got.rejected == sum(Status(r["status"]) is Status.REJECTED for r in rows)
    assert got.answered == sum(f.counts and f.is_answered for f in facts)
    assert got.mean_first_answer_time == metrics.mean_first_answer_time(facts)
    assert got.median_first_answer_time == metrics.median_first_answer_time(facts)
    assert got.processing_share == metrics.processing_share(facts)
    assert got.overdue_share == metrics.overdue_share(facts, now)
    assert got.interim_only_share == metrics.interim_only_share(facts)
    assert got.rework_share == metrics.rework_share(facts)
    assert got.reopened_share == metrics.reopened_share(facts)
    assert got.mean_rating == metrics.mean_rating(facts)


def _check_month(engine: Engine, rows: Sequence[dict[str, Any]]) -> None:
    in_month = [
        r
        for r in rows
        if r["region_code"] == "RU-TUL" and MONTH_START <= r["received_at"] < MONTH_END
    ]
    with engine.connect() as conn:
        per_m = month_stats_by_municipality(conn, "RU-TUL", MONTH_START, MONTH_END, NOW)
        whole = period_stats(
            conn,
            InboxFilter(region_code="RU-TUL", received_from=MONTH_START, received_to=MONTH_END),
            NOW,
        )
    present = {r["municipality_id"] for r in in_month}
    # SQL orders NULL first
    assert [m.municipality_id for m in per_m] == sorted(present, key=lambda m: (m is not None, m))
    for m in per_m:
        _assert_equal(
            m.stats,
            [r for r in in_month if r["municipality_id"] == m.municipality_id],
            NOW,
            TULA,
        )
    _assert_equal(whole, in_month, NOW, TULA)


def test_generated_month_matches_domain_metrics(engine: Engine) -> None:
    rows = make_rows(3000, seed=5)
    rows += make_rows(200, seed=6, region_code="RU-SEV")  # another region: left out
    with engine.begin() as conn:
        bulk_insert_incidents(conn, rows)
    _check_month(engine, rows)


def test_empty_month_gives_no_rows_and_none_figures(engine: Engine) -> None:
    with engine.connect() as conn:
        assert month_stats_by_municipality(conn, "RU-TUL", MONTH_START, MONTH_END, NOW) == []
        stats = period_stats(conn, InboxFilter(), NOW)
    assert stats.registered == 0
    assert stats.mean_first_answer_time is None
    assert stats.median_first_answer_time is None
    assert stats.processing_share is None
    assert stats.mean_rating is None


@pytest.fixture(scope="module")
def shared_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    eng = open_engine(Path(tmp_path_factory.mktemp("stats")) / "store.sqlite3")
    yield eng
    eng.dispose()


_instants = st.builds(
    lambda day, us: MONTH_START + timedelta(days=day, microseconds=us),
    st.integers(min_value=-2, max_value=32),
    st.integers(min_value=0, max_value=24 * 3600 * 10**6 - 1),
)
_durations = st.integers(min_value=0, max_value=3 * 24 * 3600 * 10**6).map(
    lambda us: timedelta(microseconds=us)
)


@st.composite
def _row(draw: st.DrawFn) -> dict[str, Any]:
    received = draw(_instants)
    answer = draw(st.none() | _durations)
    due = draw(st.none() | _durations)
    return make_row(
        random.Random(draw(st.integers(0, 2**32))),
        received_at=received,
        status=draw(st.sampled_from(list(Status))),
        first_answer_at=None if answer is None else received + answer,
        first_answer_due=None if due is None else received + due,
        municipality_id=draw(st.sampled_from([*MUNICIPALITIES[:2], None])),
        has_interim=draw(st.booleans()),
        has_final=draw(st.booleans()),
        was_reworked=draw(st.booleans()),
        was_reopened=draw(st.booleans()),
        rating=draw(st.none() | st.integers(1, 5)),
    )


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(rows=st.lists(_row(), max_size=40, unique_by=lambda r: r["id"]))
def test_any_data_matches_domain_metrics(shared_engine: Engine, rows: list[dict[str, Any]]) -> None:
    with shared_engine.begin() as conn:
        delete_all_incidents(conn)
        bulk_insert_incidents(conn, rows)
    _check_month(shared_engine, rows)


def _answered(rng: random.Random, received: datetime, us: int, **extra: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {"status": Status.CLOSED, **extra}
    return make_row(
        rng, received_at=received, first_answer_at=received + timedelta(microseconds=us), **fields
    )


def test_median_edge_cases_match_domain_metrics(engine: Engine) -> None:
    """Even counts (half up), one value, negative and multi-day durations, rejected left out."""
    rng = random.Random(11)
    t = MONTH_START + timedelta(days=3)
    a, b, c, d = MUNICIPALITIES
    rows = [
        # even count: middle values 1 and 2 µs, their mean 1.5 rounds half up to 2 µs
        _answered(rng, t, 1, municipality_id=a),
        _answered(rng, t, 2, municipality_id=a),
        # a single answered incident; the rejected one does not enter the median
        _answered(rng, t, 7_200_000_000, municipality_id=b),
        _answered(rng, t, 1, municipality_id=b, status=Status.REJECTED),
        # an answer stamped before registration (clock trouble upstream) and a long one
        _answered(rng, t, -5, municipality_id=c),
        _answered(rng, t, -9, municipality_id=c),
        _answered(rng, t, 3 * 24 * 3600 * 10**6 + 1, municipality_id=c),
        # no answered incident at all: no median
        make_row(rng, received_at=t, status=Status.NEW, first_answer_at=None, municipality_id=d),
        make_row(rng, received_at=t, status=Status.NEW, first_answer_at=None, municipality_id=None),
        # only rejected incidents: counted as registered and rejected, no other figure
        _answered(rng, t, 60, municipality_id="m-rejected", status=Status.REJECTED),
        make_row(rng, received_at=t, status=Status.REJECTED, municipality_id="m-rejected"),
    ]
    with engine.begin() as conn:
        bulk_insert_incidents(conn, rows)
    _check_month(engine, rows)
    with engine.connect() as conn:
        medians = {
            m.municipality_id: m.stats.median_first_answer_time
            for m in month_stats_by_municipality(conn, "RU-TUL", MONTH_START, MONTH_END, NOW)
        }
    assert medians == {
        None: None,
        a: timedelta(microseconds=2),
        b: timedelta(hours=2),
        c: timedelta(microseconds=-5),
        d: None,
        "m-rejected": None,
    }


def test_month_stats_read_the_rows_once(engine: Engine) -> None:
    """One statement per call: the medians come from the same pass as the sums."""
    with engine.begin() as conn:
        bulk_insert_incidents(conn, make_rows(300, seed=8))
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", record)
    try:
        with engine.connect() as conn:
            per_m = month_stats_by_municipality(conn, "RU-TUL", MONTH_START, MONTH_END, NOW)
            period_stats(conn, InboxFilter(region_code="RU-TUL"), NOW)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert per_m
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 2


def test_month_stats_search_the_region_month_index(engine: Engine) -> None:
    """The plan reads only the region's month, visiting the table in row id order."""
    with engine.connect() as conn:
        plan = explain_query_plan(conn, month_stats_query("RU-TUL", MONTH_START, MONTH_END, NOW))
    # row ids from the covering (region_code, received_at) index, then the table in id order
    assert any("COVERING INDEX ix_incident_region_received" in line for line in plan), plan
    assert any("INTEGER PRIMARY KEY" in line for line in plan), plan
