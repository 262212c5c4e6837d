"""Upgrading a store file made at revision 0001 (with data) to head, and back down."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, Engine, MetaData, Table, func, insert, inspect, select, text

from cur_desktop.domain.enums import Source, Status
from cur_desktop.storage.database import create_store_engine
from cur_desktop.storage.diagnostics import analyze, explain_query_plan, integrity_ok
from cur_desktop.storage.inbox import InboxFilter, filter_clauses, inbox_count
from cur_desktop.storage.incidents import get_incident
from cur_desktop.storage.migrations import alembic_config, include_name, upgrade_to_head
from cur_desktop.storage.search import search, stem_texts
from cur_desktop.storage.stats import month_stats_by_municipality
from cur_desktop.storage.tables import incident_table, metadata, sync_state_table
from cur_desktop.storage.types import to_micros
from tests.helpers.row_factories import make_rows

FIRST = "0001_initial"
HEAD = "0012_changed_by"
NEW_INDEXES = {"ix_incident_topic_source_received", "ix_incident_region_received"}
"""Indexes revision 0002 adds."""
DUE_INDEXES = {"ix_incident_due", "ix_incident_status_due"}
CURRENT_DUE_INDEXES = {"ix_incident_current_due", "ix_incident_status_current_due"}
"""Revision 0004 replaces the first-answer due indexes by the current-due ones."""
DERIVED = ("current_due", "current_warn_at")
"""Revision 0004's columns, computed from the row (filled by the upgrade)."""
FROM_SERVER = ("moderation_due", "moderation_warn_at", "first_answer_working_us")
"""Revision 0003's columns: wire fields an old row gets only when the server sends it again."""
CHANGED_BY = ("changed_by",)
"""Revision 0012's column (a wire field too: ``NULL`` until the server sends the row again)."""
OLD_COLUMNS = [
    c for c in incident_table.columns if c.name not in DERIVED + FROM_SERVER + CHANGED_BY
]


def _migrate(engine: Engine, action: str, revision: str) -> None:
    with engine.begin() as conn:
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        getattr(command, action)(cfg, revision)


def _indexes(conn: Connection) -> set[str]:
    return set(
        conn.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'incident'"
        ).scalars()
    )


def _version(conn: Connection) -> str:
    return str(conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar_one())


def _snapshot(conn: Connection) -> list[dict[str, Any]]:
    """The rows' 0001 columns (typed), in rowid order."""
    stmt = select(*OLD_COLUMNS).order_by(incident_table.c.rowid_)
    return [dict(r._mapping) for r in conn.execute(stmt)]


def _raw(value: Any) -> Any:
    if isinstance(value, datetime):
        return to_micros(value)
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, bool):
        return int(value)
    return value


def _insert_at_0001(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Write rows (and their search tokens) as the 0001 code did, into the 0001 table."""
    old = Table("incident", MetaData(), autoload_with=conn)
    names = [c.name for c in old.columns if c.name != "rowid_"]
    conn.execute(
        insert(old),
        [{n: _raw(r.get(n, False if n == "local_changed" else None)) for n in names} for r in rows],
    )
    rowids = dict(conn.execute(select(old.c.id, old.c.rowid_)).all())
    tokens = stem_texts(f"{r['author']}\n{r['text']}" for r in rows)
    conn.execute(
        text("INSERT INTO incident_fts(rowid, tokens) VALUES (:rowid, :tokens)"),
        [{"rowid": rowids[r["id"]], "tokens": t} for r, t in zip(rows, tokens, strict=True)],
    )


def _current_due(row: dict[str, Any]) -> tuple[datetime | None, datetime | None]:
    """The rule of the current due, written out again for the test."""
    status = Status(row["status"])
    if status in (Status.CLOSED, Status.REJECTED):
        return None, None
    if row["first_answer_at"] is None:
        return row["first_answer_due"], row["first_answer_warn_at"]
    if status is Status.ON_CONTROL:
        return row["final_answer_due"], row["final_answer_warn_at"]
    return None, None


@pytest.fixture
def old_store(tmp_path: Path) -> Iterator[tuple[Engine, list[dict[str, Any]]]]:
    """A store file at revision 0001 holding 300 incidents and some sync state."""
    engine = create_store_engine(tmp_path / "old.sqlite3")
    _migrate(engine, "upgrade", FIRST)
    rows = make_rows(300, seed=5)
    rows[0]["text"] = "Мусор не вывозят с площадки уже неделю"
    with engine.begin() as conn:
        _insert_at_0001(conn, rows)
        conn.execute(sync_state_table.insert().values(key="cursor", value="-42"))
    yield engine, rows
    engine.dispose()


@pytest.mark.parametrize("analysed", [False, True], ids=["no-stats", "with-stats"])
def test_upgrade_from_0001_keeps_data_and_adds_indexes(
    old_store: tuple[Engine, list[dict[str, Any]]], analysed: bool
) -> None:
    engine, rows = old_store
    with engine.begin() as conn:
        if analysed:
            analyze(conn)
        assert _version(conn) == FIRST
        assert not NEW_INDEXES & _indexes(conn)
        before = _snapshot(conn)

    upgrade_to_head(engine)

    with engine.connect() as conn:
        assert _version(conn) == HEAD
        assert _indexes(conn) >= NEW_INDEXES | CURRENT_DUE_INDEXES
        assert not _indexes(conn) & DUE_INDEXES
        assert _snapshot(conn) == before
        assert len(before) == 300
        first = get_incident(conn, rows[0]["id"])
        assert first is not None
        assert {k: first[k] for k in before[0]} == before[0]
        assert all(first[name] is None for name in FROM_SERVER + CHANGED_BY)
        by_id = {r["id"]: r for r in rows}
        filled = conn.execute(
            select(incident_table.c.id, *(incident_table.c[c] for c in DERIVED))
        ).all()
        assert {str(i): (d, w) for i, d, w in filled} == {
            i: _current_due(r) for i, r in by_id.items()
        }
        assert any(d is not None for _, d, _ in filled)
        assert any(r["status"] is Status.ON_CONTROL and _current_due(r)[0] for r in rows)
        assert conn.execute(select(sync_state_table.c.value)).scalar_one() == "-42"
        assert integrity_ok(conn)
        assert [h.id for h in search(conn, "мусор вывозят")] == [rows[0]["id"]]
        stat_tables = set(
            conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")
            .scalars()
            .all()
        )
        if analysed:  # the new indexes were analysed like their neighbours
            analysed_indexes = set(
                conn.exec_driver_sql("SELECT idx FROM sqlite_stat1 WHERE tbl = 'incident'")
                .scalars()
                .all()
            )
            assert analysed_indexes >= NEW_INDEXES | CURRENT_DUE_INDEXES
        else:
            assert stat_tables == set()
        with warnings.catch_warnings():
            ctx = MigrationContext.configure(conn, opts={"include_name": include_name})
            assert compare_metadata(ctx, metadata) == []


def test_upgraded_store_uses_the_new_indexes(
    old_store: tuple[Engine, list[dict[str, Any]]],
) -> None:
    engine, rows = old_store
    upgrade_to_head(engine)
    flt = InboxFilter(topic_codes=frozenset({"roads"}), sources=frozenset({Source.VK}))
    count_stmt = select(func.count()).select_from(incident_table).where(*filter_clauses(flt))
    month = [
        incident_table.c.region_code == "RU-TUL",
        incident_table.c.received_at >= datetime(2026, 3, 1, tzinfo=UTC),
        incident_table.c.received_at < datetime(2026, 4, 1, tzinfo=UTC),
    ]
    month_stmt = select(func.count()).select_from(incident_table).where(*month)
    with engine.connect() as conn:
        count_plan = explain_query_plan(conn, count_stmt)
        month_plan = explain_query_plan(conn, month_stmt)
        expected = sum(1 for r in rows if r["topic_code"] == "roads" and r["source"] == Source.VK)
        assert inbox_count(conn, flt) == expected
        stats = month_stats_by_municipality(
            conn,
            "RU-TUL",
            datetime(2026, 3, 1, tzinfo=UTC),
            datetime(2026, 4, 1, tzinfo=UTC),
            datetime(2026, 6, 1, tzinfo=UTC),
        )
        in_march = sum(1 for r in rows if r["received_at"].month == 3)
        assert sum(m.stats.registered for m in stats) == in_march
    assert any("ix_incident_topic_source_received" in line for line in count_plan), count_plan
    assert any("ix_incident_region_received" in line for line in month_plan), month_plan


def test_downgrade_to_0001_restores_its_schema_and_keeps_the_data(
    old_store: tuple[Engine, list[dict[str, Any]]],
) -> None:
    engine, _ = old_store
    upgrade_to_head(engine)
    with engine.begin() as conn:
        analyze(conn)
        at_head = _indexes(conn)
        before = _snapshot(conn)
    _migrate(engine, "downgrade", FIRST)
    with engine.connect() as conn:
        assert _version(conn) == FIRST
        assert _indexes(conn) == (at_head - NEW_INDEXES - CURRENT_DUE_INDEXES) | DUE_INDEXES
        assert _snapshot(conn) == before
        columns = {c["name"] for c in inspect(conn).get_columns("incident")}
        assert not columns & set(DERIVED + FROM_SERVER + CHANGED_BY)
        assert "draft" not in inspect(conn).get_table_names()
        stats_for = set(conn.exec_driver_sql("SELECT idx FROM sqlite_stat1").scalars().all())
        assert not (NEW_INDEXES | CURRENT_DUE_INDEXES) & stats_for
    upgrade_to_head(engine)  # and up again
    with engine.connect() as conn:
        assert _indexes(conn) == at_head
