"""The board's SQL: group counts, breach buckets and paged group rows over a real SQLite store.

Hand data (now = 10.03.2026 12:00 UTC; the Moscow day ends at 21:00 UTC):

=========  ==============  ======  ================================
operator   due             status  buckets
=========  ==============  ======  ================================
ivanova    now − 2 h       new     overdue
ivanova    now + 30 min    new     within the hour, today
ivanova    now + 5 h       new     today (17:00 < 21:00)
petrov     now + 2 days    new     none
petrov     no deadline     new     none (last)
nobody     now − 10 min    new     overdue
ivanova    now − 3 h       closed  not on the board
ivanova    now − 3 h       new     RU-MOW: another region
=========  ==============  ======  ================================

Open 6 · overdue 2 · within the hour 1 · today 2. Groups in board order: ivanova (first due
now − 2 h), nobody (now − 10 min), petrov (now + 2 days).
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from cur_desktop.domain.enums import Status
from cur_desktop.services.deadline_groups import (
    BoardMoment,
    GroupField,
    ShowMode,
    board_summary,
    group_rows,
)
from cur_desktop.storage.database import open_engine
from cur_desktop.storage.incidents import bulk_insert_incidents
from tests.helpers.row_factories import make_unanswered_row

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
MOMENT = BoardMoment(now=NOW, end_of_day=datetime(2026, 3, 10, 21, 0, tzinfo=UTC))
H = timedelta(hours=1)


def _open(key: str, assignee: str | None, due: datetime | None, **extra: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {"status": Status.NEW, **extra}
    return make_unanswered_row(
        random.Random(key), due, id=_id(key), received_at=NOW - 4 * H, assignee=assignee, **fields
    )


def _store(tmp_path: Path) -> Connection:
    engine = open_engine(tmp_path / "board.sqlite")
    rows = [
        _open("1", "ivanova", NOW - 2 * H),
        _open("2", "ivanova", NOW + H / 2),
        _open("3", "ivanova", NOW + 5 * H),
        _open("4", "petrov", NOW + 48 * H),
        _open("5", "petrov", None),
        _open("6", None, NOW - H / 6),
        _open("7", "ivanova", NOW - 3 * H, **{"status": Status.CLOSED}),
        _open("8", "ivanova", NOW - 3 * H, region_code="RU-MOW"),
    ]
    with engine.begin() as conn:
        bulk_insert_incidents(conn, rows)
    return engine.connect()


def _id(key: str) -> str:
    return f"00000000-0000-4000-8000-{key:0>12}"


def test_summary_counts_every_bucket_per_group_in_board_order(tmp_path: Path) -> None:
    with _store(tmp_path) as conn:
        summary = board_summary(conn, "RU-TUL", None, GroupField.ASSIGNEE, MOMENT)
    assert summary.open_total == 6
    assert (summary.breaches.overdue, summary.breaches.within_hour, summary.breaches.today) == (
        2,
        1,
        2,
    )
    assert [g.key for g in summary.shown(ShowMode.ALL)] == ["ivanova", None, "petrov"]
    by_key = {g.key: g for g in summary.groups}
    assert by_key["ivanova"].counts == {
        ShowMode.ALL: 3,
        ShowMode.OVERDUE: 1,
        ShowMode.HOUR: 1,
        ShowMode.TODAY: 2,
    }
    assert by_key["ivanova"].first_due[ShowMode.ALL] == NOW - 2 * H
    assert by_key["ivanova"].first_due[ShowMode.TODAY] == NOW + H / 2
    assert by_key["petrov"].counts[ShowMode.ALL] == 2
    assert by_key["petrov"].first_due[ShowMode.OVERDUE] is None
    assert [g.key for g in summary.shown(ShowMode.OVERDUE)] == ["ivanova", None]
    assert [g.key for g in summary.shown(ShowMode.TODAY)] == ["ivanova"]
    assert summary.shown_count(ShowMode.HOUR) == 1


def test_group_rows_come_by_the_page_soonest_first_no_deadline_last(tmp_path: Path) -> None:
    with _store(tmp_path) as conn:

        def page(key: str | None, mode: ShowMode, limit: int, skip: int = 0) -> list[str]:
            rows = group_rows(
                conn,
                "RU-TUL",
                None,
                GroupField.ASSIGNEE,
                key,
                mode=mode,
                moment=MOMENT,
                limit=limit,
                skip_dated=skip,
            )
            return [r.incident_id for r in rows]

        assert page("ivanova", ShowMode.ALL, 2) == [_id("1"), _id("2")]
        assert page("ivanova", ShowMode.ALL, 2, 2) == [_id("3")]
        assert page("ivanova", ShowMode.TODAY, 10) == [_id("2"), _id("3")]
        assert page("petrov", ShowMode.ALL, 10) == [_id("4"), _id("5")]
        assert page("petrov", ShowMode.ALL, 1) == [_id("4")]
        assert page("petrov", ShowMode.ALL, 1, 1) == [_id("5")]  # past the dated: the undated
        assert page(None, ShowMode.OVERDUE, 10) == [_id("6")]


def test_an_operator_board_and_other_groupings(tmp_path: Path) -> None:
    with _store(tmp_path) as conn:
        mine = board_summary(conn, "RU-TUL", "petrov", GroupField.ASSIGNEE, MOMENT)
        by_executor = board_summary(conn, "RU-TUL", None, GroupField.EXECUTOR, MOMENT)
    assert [(g.key, g.counts[ShowMode.ALL]) for g in mine.groups] == [("petrov", 2)]
    assert mine.breaches.overdue == 0
    assert sum(g.counts[ShowMode.ALL] for g in by_executor.groups) == 6
