"""The first-sync bulk path: new incidents as prepared tuples; indexes built after a snapshot."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select, text

from cur_desktop.contract import wire
from cur_desktop.domain.enums import Priority, Source, Status
from cur_desktop.storage import deferred_indexes, sync_state
from cur_desktop.storage import localstate as ls
from cur_desktop.storage.bulk_rows import insert_new_incidents, prepare_incidents
from cur_desktop.storage.database import open_engine
from cur_desktop.storage.pull_pages import apply_page
from cur_desktop.storage.search import search
from cur_desktop.storage.tables import incident_table
from cur_desktop.sync.syncer import decode_page
from tests.helpers.wire_factories import T0, incident, page

Tx = Callable[[Callable[[Connection], Any]], Any]

_INDEXES = text(
    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'incident' "
    "AND sql IS NOT NULL ORDER BY name"
)


def _rows(conn: Connection) -> dict[str, dict[str, Any]]:
    rows = conn.execute(select(incident_table)).mappings()
    return {str(r["id"]): {k: v for k, v in r.items() if k != "rowid_"} for r in rows}


def _varied() -> list[wire.IncidentWire]:
    return [
        incident(seq_minutes=1),
        incident(
            seq_minutes=2,
            source=Source.POS,
            priority=Priority.HIGH,
            status=Status.SENT_TO_EXECUTOR,
            first_answer_due=T0.replace(hour=21),
            first_answer_warn_at=T0.replace(hour=18, microsecond=250_000),
            topic_code="roads",
            municipality_id="RU-TUL-01",
            assignee="ivanova",
            text="Яма на дороге у дома 5 — ёлки, машины бьются",
        ),
        incident(seq_minutes=3, author="", link="https://vk.com/wall-1_2"),
        # the sticky flags follow the status on a new row; closed: no deadline runs
        incident(seq_minutes=4, status=Status.REWORK, first_answer_due=T0.replace(hour=22)),
        incident(seq_minutes=5, status=Status.REOPENED),
        incident(seq_minutes=6, status=Status.CLOSED, first_answer_due=T0.replace(hour=22)),
    ]


def test_prepared_insert_writes_what_the_general_upsert_writes(tmp_path: Path) -> None:
    incidents = _varied()
    fast = open_engine(tmp_path / "fast.sqlite3")
    general = open_engine(tmp_path / "general.sqlite3")
    try:
        with fast.begin() as conn:
            bulk = insert_new_incidents(conn, incidents, prepare_incidents(incidents))
        with general.begin() as conn:  # the general upsert, then the derived flags
            ls.write_view_incidents(conn, incidents)
            ls.refresh_derived(conn, [str(i.id) for i in incidents])
        assert bulk.others == []
        assert bulk.inserted == [str(i.id) for i in incidents]
        with fast.connect() as a, general.connect() as b:
            assert _rows(a) == _rows(b)
            assert len(_rows(a)) == 6
            flags = {
                r["status"]: (r["was_reworked"], r["was_reopened"], r["current_due"])
                for r in _rows(a).values()
            }
            assert flags["rework"][:2] == (True, False)
            assert flags["reopened"][:2] == (False, True)
            assert flags["closed"] == (False, False, None)
            assert flags["rework"][2] == T0.replace(hour=22)
            # The full-text index agrees too: the word forms of one incident find it.
            for conn in (a, b):
                hits = search(conn, "ямы дороги")
                assert [h.id for h in hits] == [str(incidents[1].id)]
    finally:
        fast.dispose()
        general.dispose()


def test_known_incidents_are_handed_back_for_the_upsert(tmp_path: Path) -> None:
    old, new = incident(seq_minutes=1), incident(seq_minutes=2)
    engine = open_engine(tmp_path / "store.sqlite3")
    try:
        with engine.begin() as conn:
            ls.write_view_incidents(conn, [old])
            changed = old.model_copy(update={"text": "Мусор так и не вывезли", "version": 2})
            back = insert_new_incidents(conn, [changed, new], prepare_incidents([changed, new]))
            assert back.others == [changed]
            assert back.inserted == [str(new.id)]
            assert str(new.id) in _rows(conn)
    finally:
        engine.dispose()


def test_indexes_are_set_aside_during_a_snapshot_and_built_at_its_end(tx: Tx) -> None:
    original = tx(lambda c: c.execute(_INDEXES).all())
    secondary = [name for name, sql in original if not sql.startswith("CREATE UNIQUE")]
    assert len(secondary) >= 10  # the inbox's filter indexes exist before
    first = [incident(seq_minutes=i) for i in range(3)]
    second = [incident(seq_minutes=10 + i) for i in range(2)]
    head = page(first, start_seq=1, reset=True, has_more=True)
    tx(lambda c: apply_page(c, head, decode_page(head)))

    during = tx(lambda c: c.execute(_INDEXES).all())
    assert [name for name, _ in during] == sorted({name for name, sql in original} - set(secondary))
    assert tx(lambda c: sync_state.get_state(c, deferred_indexes.KEY))
    # A second reset while they are set aside must not forget them.
    tx(lambda c: apply_page(c, head, decode_page(head)))

    tail = page(second, start_seq=4)
    tx(lambda c: apply_page(c, tail, decode_page(tail)))
    assert tx(lambda c: c.execute(_INDEXES).all()) == original
    assert tx(lambda c: sync_state.get_state(c, deferred_indexes.KEY)) is None
    assert set(tx(_rows)) == {str(i.id) for i in first + second}
    plan = tx(
        lambda c: c.execute(
            text(
                "EXPLAIN QUERY PLAN SELECT id FROM incident WHERE status = 'new' "
                "ORDER BY current_due LIMIT 5"
            )
        ).all()
    )
    assert "USING INDEX ix_incident_status" in " ".join(str(r[-1]) for r in plan)


def test_a_one_page_reset_keeps_the_indexes(tx: Tx) -> None:
    original = tx(lambda c: c.execute(_INDEXES).all())
    only = page([incident()], start_seq=1, reset=True)
    tx(lambda c: apply_page(c, only, decode_page(only)))
    assert tx(lambda c: c.execute(_INDEXES).all()) == original
