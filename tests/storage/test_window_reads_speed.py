"""Store reads the window leans on over large views (issue 9): the head of a view, search hits
with their row keys and a bounded number of snippets, and a start without Alembic."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, select

from cur_desktop.storage import migrations
from cur_desktop.storage.database import create_store_engine, open_engine
from cur_desktop.storage.inbox import InboxFilter, InboxSort, inbox_rowids
from cur_desktop.storage.incidents import bulk_insert_incidents
from cur_desktop.storage.search import search
from cur_desktop.storage.tables import incident_table
from tests.helpers.row_factories import make_rows


def _store(engine: Engine, rows: list[dict[str, object]]) -> None:
    with engine.begin() as conn:
        bulk_insert_incidents(conn, rows)


def test_the_head_of_a_view_is_the_start_of_the_whole_view(engine: Engine) -> None:
    _store(engine, make_rows(120, seed=3))
    with engine.connect() as conn:
        for sort in InboxSort:
            whole = inbox_rowids(conn, InboxFilter(), sort)
            assert len(whole) == 120
            assert len(set(whole)) == 120
            for limit in (1, 7, 119, 120, 500):
                assert inbox_rowids(conn, InboxFilter(), sort, limit=limit) == whole[:limit]
        # the due order: rows with a running timer first, by due; then the others by rowid
        dues = {
            r.rowid_: r.current_due
            for r in conn.execute(select(incident_table.c.rowid_, incident_table.c.current_due))
        }
        order = list(inbox_rowids(conn, InboxFilter(), InboxSort.DUE_ASC))
    timed = [k for k in order if dues[k] is not None]
    assert order[: len(timed)] == timed
    assert [dues[k] for k in timed] == sorted(dues[k] for k in timed)
    assert order[len(timed) :] == sorted(k for k in order if dues[k] is None)


def test_search_hits_carry_their_row_keys_and_snippets_for_the_best(engine: Engine) -> None:
    rows = make_rows(30, seed=5)
    for number, row in enumerate(rows):
        row["text"] = f"Во дворе дома {number} яма на дороге, машины бьют колёса"
    _store(engine, rows)
    with engine.connect() as conn:
        keys = {r.id: r.rowid_ for r in conn.execute(select(incident_table))}
        every = search(conn, "яма на дороге", limit=20)
        few = search(conn, "яма на дороге", limit=20, snippets=3)
    assert len(every) == 20
    assert all(hit.rowid == keys[hit.id] for hit in every)
    assert [h.id for h in few] == [h.id for h in every]
    assert [h.rowid for h in few] == [h.rowid for h in every]
    assert [h.snippet for h in few[:3]] == [h.snippet for h in every[:3]]
    assert all("[яма]" in h.snippet for h in every)
    assert [h.snippet for h in few[3:]] == [""] * 17


def test_a_store_at_head_opens_without_alembic(tmp_path: Path) -> None:
    path = tmp_path / "local.sqlite3"
    fresh = create_store_engine(path)
    assert not migrations.is_at_head(fresh)  # no version table yet
    fresh.dispose()
    open_engine(path).dispose()
    engine = create_store_engine(path)
    try:
        with engine.connect() as conn:
            written = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
        # the head read from the version files is the one Alembic itself migrated to
        assert migrations.head_revisions() == frozenset({written})
        assert migrations.is_at_head(engine)
        with engine.begin() as conn:
            conn.exec_driver_sql("UPDATE alembic_version SET version_num = '0003_deadlines_stats'")
        assert not migrations.is_at_head(engine)  # an older store is migrated as before
    finally:
        engine.dispose()
