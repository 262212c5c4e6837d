"""Incident rows: round trip, upsert, delete, and the FTS index kept in step."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import StatementError

from cur_desktop.domain.enums import Priority, Source, Status
from cur_desktop.storage.incidents import (
    bulk_insert_incidents,
    delete_incident,
    get_incident,
    upsert_incident,
)
from cur_desktop.storage.search import search
from cur_desktop.storage.tables import incident_table
from tests.helpers.row_factories import make_row, make_rows

MSK = timezone(timedelta(hours=3))
KAMCHATKA = timezone(timedelta(hours=12))


def _count(engine: Engine, table_name: str = "incident") -> int:
    with engine.connect() as conn:
        return int(conn.exec_driver_sql(f"SELECT count(*) FROM {table_name}").scalar_one())


def test_round_trip_keeps_values_and_aware_instants(engine: Engine) -> None:
    incident_id = uuid.uuid4()
    row = make_row(
        id=incident_id,
        received_at=datetime(2026, 3, 5, 9, 30, 15, 123456, tzinfo=MSK),
        first_answer_at=datetime(2026, 3, 5, 23, 1, tzinfo=KAMCHATKA),
        first_answer_due=datetime(2026, 3, 5, 17, 30, tzinfo=MSK),
        status=Status.ON_CONTROL,
        priority="high",
        source=Source.POS,
        rating=4,
    )
    with engine.begin() as conn:
        assert bulk_insert_incidents(conn, [row]) == 1
    with engine.connect() as conn:
        got = get_incident(conn, incident_id)
    assert got is not None
    assert got["id"] == str(incident_id)
    for key in ("received_at", "first_answer_at", "first_answer_due", "updated_at"):
        assert got[key] == row[key]
        assert got[key].utcoffset() == timedelta(0)
    assert got["status"] is Status.ON_CONTROL
    assert got["priority"] is Priority.HIGH
    assert got["source"] is Source.POS
    assert got["rating"] == 4
    assert got["text"] == row["text"]
    assert got["has_interim"] is row["has_interim"]
    assert isinstance(got["rowid_"], int)


def test_naive_datetime_and_unknown_enum_are_refused(engine: Engine) -> None:
    with engine.begin() as conn, pytest.raises(ValueError, match="naive"):
        upsert_incident(conn, make_row(received_at=datetime(2026, 3, 1, 12, 0)))
    with engine.begin() as conn, pytest.raises(ValueError, match="not a valid Status"):
        upsert_incident(conn, make_row(status="lost"))
    with engine.begin() as conn, pytest.raises(ValueError, match="unknown incident columns"):
        upsert_incident(conn, make_row(colour="red"))
    with engine.begin() as conn, pytest.raises(TypeError, match="datetime expected"):
        upsert_incident(conn, make_row(first_answer_at="2026-03-01T10:00:00+03:00"))
    with engine.begin() as conn, pytest.raises(StatementError, match="naive"):
        # the typed Core path refuses naive instants as well
        conn.execute(
            incident_table.select().where(incident_table.c.received_at < datetime(2026, 3, 1))
        )
    assert _count(engine) == 0


def test_upsert_updates_in_place_and_reindexes_text(engine: Engine) -> None:
    row = make_row(text="На улице нет света")
    with engine.begin() as conn:
        upsert_incident(conn, row)
        rowid = get_incident(conn, row["id"])["rowid_"]  # type: ignore[index]
    with engine.begin() as conn:
        upsert_incident(
            conn, {**row, "text": "Во дворе гора мусора", "status": "closed", "version": 7}
        )
    with engine.connect() as conn:
        got = get_incident(conn, row["id"])
        assert got is not None
        assert (got["rowid_"], got["status"], got["version"]) == (rowid, Status.CLOSED, 7)
        assert search(conn, "свет") == []
        assert [h.id for h in search(conn, "мусор")] == [row["id"]]
        conn.exec_driver_sql("INSERT INTO incident_fts(incident_fts) VALUES ('integrity-check')")
    assert _count(engine) == 1


def test_bulk_upsert_of_many_chunks_and_duplicates(engine: Engine) -> None:
    rows = make_rows(4500, seed=3)
    changed = [{**r, "text": f"новый текст про асфальт {i}"} for i, r in enumerate(rows[:10])]
    with engine.begin() as conn:
        assert bulk_insert_incidents(conn, rows) == 4500
        # later duplicate in the same batch wins
        assert bulk_insert_incidents(conn, [rows[20], {**rows[20], "version": 99}]) == 1
        assert bulk_insert_incidents(conn, changed) == 10
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(incident_table)).scalar_one() == 4500
        assert get_incident(conn, rows[20]["id"])["version"] == 99  # type: ignore[index]
        hits = search(conn, "асфальт", limit=100)
        assert sorted(h.id for h in hits) == sorted(r["id"] for r in rows[:10])
        fts_rows = conn.exec_driver_sql("SELECT count(*) FROM incident_fts_docsize").scalar_one()
        assert fts_rows == 4500


def test_delete_removes_row_and_index_entry(engine: Engine) -> None:
    a, b = make_row(text="яма на дороге"), make_row(text="яма во дворе")
    with engine.begin() as conn:
        bulk_insert_incidents(conn, [a, b])
        assert delete_incident(conn, a["id"]) is True
        assert delete_incident(conn, a["id"]) is False
    with engine.connect() as conn:
        assert get_incident(conn, a["id"]) is None
        assert [h.id for h in search(conn, "яма")] == [b["id"]]
        conn.exec_driver_sql("INSERT INTO incident_fts(incident_fts) VALUES ('integrity-check')")
