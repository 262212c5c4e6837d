"""Loading a format-1 snapshot file into an empty store (storage/snapshot_load.py).

The files are written here from wire objects by this module's own encoder (not the server's),
and the result is compared with the paged path applying the same rows.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from enum import Enum
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import Engine, select

from cur_desktop.contract import snapshot as contract
from cur_desktop.contract import wire
from cur_desktop.domain.enums import Status
from cur_desktop.storage import outbox, snapshot_load, sync_state
from cur_desktop.storage.pull_pages import apply_page
from cur_desktop.storage.tables import answer_table, incident_table
from tests.helpers.wire_factories import T0, incident, page
from tests.storage.test_first_sync_bulk import _contents, _general, _snapshot, _store

Chunks = list[list[wire.IncidentWire | wire.AnswerWire]]


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _encode(value: Any) -> Any:
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if hasattr(value, "tzinfo"):  # an aware instant: microseconds since the epoch, by hand
        delta = value - _EPOCH
        return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    return value


def write_file(
    path: Path,
    items: Sequence[wire.IncidentWire | wire.AnswerWire],
    *,
    cursor: int = 12,
    edit: Callable[[sqlite3.Connection], None] | None = None,
) -> Path:
    """A format-1 snapshot of ``items`` (``edit`` may spoil it afterwards)."""
    conn = sqlite3.connect(path)
    conn.execute(f"CREATE TABLE {contract.META_TABLE} (key TEXT PRIMARY KEY, value TEXT)")
    meta = {"format": "1", "cursor": str(cursor), "scope": "RU-TUL"}
    conn.executemany(f"INSERT INTO {contract.META_TABLE} VALUES (?, ?)", meta.items())
    for table, columns in contract.TABLES.items():
        conn.execute(f"CREATE TABLE {table} ({', '.join(c.name for c in columns)})")
        model = contract.TABLE_MODELS[table]
        rows = [
            tuple(_encode(getattr(item, c.name)) for c in columns)
            for item in items
            if isinstance(item, model)
        ]
        marks = ", ".join("?" * len(columns))
        conn.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
    if edit is not None:
        edit(conn)
    conn.commit()
    conn.close()
    return path


def load(engine: Engine, path: Path, *, chunk: int = 2, stop_after: int | None = None) -> int:
    """What the sync engine does, without the network: adapt, attach, check, copy, finish."""
    snapshot_load.adapt(path)
    with engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        snapshot_load.attach(raw, path)  # type: ignore[arg-type]
        reader = snapshot_load.ChunkReader(path)
        try:
            with conn.begin():
                plan = snapshot_load.begin(conn)
            done = 0
            for start in range(plan.first_rowid, plan.last_rowid + 1, chunk):
                if stop_after is not None and done >= stop_after:
                    return done  # a crash between two ranges
                tokens = reader.tokens(start, start + chunk - 1)
                with conn.begin():
                    done += snapshot_load.load_incidents(
                        conn, plan, start, start + chunk - 1, tokens
                    )
            with conn.begin():
                snapshot_load.finish(conn, plan)
            return done
        finally:
            reader.close()
            snapshot_load.detach(raw)  # type: ignore[arg-type]


def _every_status() -> list[wire.IncidentWire | wire.AnswerWire]:
    """An incident in each status, with and without a first answer, every due set."""
    dues = {
        "first_answer_due": T0 + timedelta(hours=4),
        "first_answer_warn_at": T0 + timedelta(hours=3),
        "final_answer_due": T0 + timedelta(days=9),
        "final_answer_warn_at": T0 + timedelta(days=8),
    }
    made: list[wire.IncidentWire | wire.AnswerWire] = []
    for number, status in enumerate(Status):
        for answered in (None, T0 + timedelta(hours=1)):
            made.append(
                incident(seq_minutes=30 + number, status=status, first_answer_at=answered, **dues)
            )
    return made


def _flat(chunks: Chunks) -> list[wire.IncidentWire | wire.AnswerWire]:
    return [item for chunk in chunks for item in chunk]


def _paged(engine: Engine, chunks: Chunks) -> None:
    """The same rows as pull pages from cursor 0 (a reset), applied as the pull applies them."""
    seq = 1
    for number, chunk in enumerate(chunks):
        last = number == len(chunks) - 1
        pulled = page(chunk, start_seq=seq, reset=number == 0, has_more=not last)
        with engine.begin() as conn:
            apply_page(conn, pulled, _general(pulled))
        seq += len(chunk)


def test_a_snapshot_loads_what_the_paged_pull_writes(tmp_path: Path) -> None:
    from_file, paged = _store(tmp_path / "file.sqlite3"), _store(tmp_path / "paged.sqlite3")
    try:
        chunks = [*_snapshot(), _every_status()]
        path = write_file(tmp_path / "snap.sqlite3", _flat(chunks), cursor=12)
        statuses = 2 * len(Status)
        assert load(from_file, path) == 9 + statuses
        _paged(paged, chunks)
        with from_file.connect() as a, paged.connect() as b:
            got, expected = _contents(a), _contents(b)
            assert got == expected
            assert len(got["view"]) == 9 + statuses
            assert got["fts_rows"] == 9 + statuses
            assert got["hits"]["светофор"]
            assert got["hits"]["елки"]
            answers = sorted(tuple(r) for r in a.execute(select(answer_table)).all())
            assert answers == sorted(tuple(r) for r in b.execute(select(answer_table)).all())
            assert len(answers) == 3
            flags = {  # the answer flags, set in finish (a hand count of _snapshot())
                r.status: (r.has_interim, r.has_final)
                for r in a.execute(select(incident_table)).all()
                if r.has_interim or r.has_final
            }
            assert flags == {
                "sent_to_executor": (True, False),
                "rework": (True, False),
                "moderation": (False, True),
            }
            assert sync_state.pull_position(a)[0] == 12
            assert sync_state.get_state(a, snapshot_load.KEY_LOADING) is None
    finally:
        from_file.dispose()
        paged.dispose()


SPOILED = {
    "unknown status": "UPDATE incident SET status = 'lost' WHERE rowid = 3",
    "id not a UUID": "UPDATE incident SET id = 'x' WHERE rowid = 5",
    "upper-case UUID": "UPDATE incident SET id = upper(id) WHERE rowid = 1",
    "instant as text": "UPDATE incident SET received_at = '2026-03-02' WHERE rowid = 2",
    "instant out of range": "UPDATE incident SET updated_at = 1e300 WHERE rowid = 2",
    "version zero": "UPDATE incident SET version = 0 WHERE rowid = 4",
    "external id too long": "UPDATE incident SET external_id = printf('%.201c', 'x')",
    "missing text": "UPDATE incident SET text = NULL WHERE rowid = 6",
    "link not UTF-8": "UPDATE incident SET link = CAST(x'd0' AS TEXT) WHERE rowid = 7",
    "text not UTF-8": "UPDATE incident SET text = CAST(x'6162ff' AS TEXT) WHERE rowid = 8",
    "answer kind unknown": "UPDATE answer SET kind = 'gossip'",
    "answer text not UTF-8": "UPDATE answer SET text = CAST(x'c3' AS TEXT)",
    "a column renamed": "ALTER TABLE executor RENAME COLUMN name TO title",
    "a table missing": "DROP TABLE municipality",
    "a newer format": f"UPDATE {contract.META_TABLE} SET value = '2' WHERE key = 'format'",
    "no cursor": f"DELETE FROM {contract.META_TABLE} WHERE key = 'cursor'",
    "a view, not a table": (
        "ALTER TABLE answer RENAME TO answer_rows; CREATE VIEW answer AS SELECT * FROM answer_rows"
    ),
}


@pytest.mark.parametrize("spoil", SPOILED.values(), ids=SPOILED.keys())
def test_a_spoiled_snapshot_is_refused_and_the_paged_pull_then_fills_the_store(
    tmp_path: Path, spoil: str
) -> None:
    engine, paged = _store(tmp_path / "store.sqlite3"), _store(tmp_path / "paged.sqlite3")
    try:
        chunks = _snapshot()
        path = write_file(
            tmp_path / "snap.sqlite3", _flat(chunks), edit=lambda c: c.executescript(spoil)
        )
        with pytest.raises(snapshot_load.SnapshotRefusedError):
            load(engine, path, chunk=100)
        with engine.connect() as conn:  # nothing of the file was written
            assert conn.execute(select(incident_table.c.id)).all() == []
            assert conn.execute(select(answer_table.c.id)).all() == []
            assert sync_state.pull_position(conn)[0] == 0
        _paged(engine, chunks)  # what the sync engine does next: pages, from a reset
        _paged(paged, chunks)
        with engine.connect() as a, paged.connect() as b:
            assert _contents(a) == _contents(b)  # indexes set aside by the refused load rebuilt
    finally:
        engine.dispose()
        paged.dispose()


def test_only_a_store_that_never_synced_and_has_nothing_to_send_takes_a_snapshot(
    tmp_path: Path,
) -> None:
    engine = _store(tmp_path / "store.sqlite3")
    chunks = _snapshot()
    try:
        with engine.begin() as conn:
            assert snapshot_load.eligible(conn)
            outbox.record_local_mutation(
                conn,
                wire.MutationName.INCIDENT_CREATE,
                {
                    "id": "6b0f6f5e-3c1b-4f0e-9d0a-4f8f2b1c9e01",
                    "source": "vk",
                    "external_id": "vk-1",
                    "text": "Нет света в подъезде",
                    "received_at": "2026-03-02T09:00:00+03:00",
                },
                now=T0,
            )
            assert not snapshot_load.eligible(conn)  # an unsent change: pages keep it
        path = write_file(tmp_path / "snap.sqlite3", _flat(chunks))
        with pytest.raises(snapshot_load.SnapshotRefusedError):
            load(engine, path)
    finally:
        engine.dispose()
    synced = _store(tmp_path / "synced.sqlite3")
    try:
        _paged(synced, chunks)
        with synced.begin() as conn:
            assert not snapshot_load.eligible(conn)  # its cursor moved
    finally:
        synced.dispose()


def test_a_load_cut_between_two_ranges_is_redone_whole_by_the_next(tmp_path: Path) -> None:
    cut, whole = _store(tmp_path / "cut.sqlite3"), _store(tmp_path / "whole.sqlite3")
    try:
        path = write_file(tmp_path / "snap.sqlite3", _flat(_snapshot()))
        assert load(cut, path, chunk=2, stop_after=4) == 4  # the program died here
        with cut.begin() as conn:
            assert len(conn.execute(select(incident_table.c.id)).all()) == 4
            assert snapshot_load.eligible(conn)  # the loading mark says: start again
        assert load(cut, path, chunk=3) == 9
        load(whole, path)
        with cut.connect() as a, whole.connect() as b:
            assert _contents(a) == _contents(b)
    finally:
        cut.dispose()
        whole.dispose()


def test_an_older_servers_file_gets_the_new_fields_defaults_and_a_newer_ones_extras_are_ignored(
    tmp_path: Path,
) -> None:
    chunks = _snapshot()
    older = write_file(
        tmp_path / "older.sqlite3",
        _flat(chunks),
        edit=lambda c: c.executescript(
            "ALTER TABLE incident DROP COLUMN changed_by; ALTER TABLE incident DROP COLUMN link;"
            "ALTER TABLE municipality DROP COLUMN population;"
        ),
    )
    newer = write_file(
        tmp_path / "newer.sqlite3",
        _flat(chunks),
        edit=lambda c: c.executescript(
            "ALTER TABLE incident ADD COLUMN mood TEXT DEFAULT 'весна';"
            "ALTER TABLE answer ADD COLUMN likes INTEGER DEFAULT 7;"
            "UPDATE incident SET link = 'https://vk.com/wall-1_2' WHERE rowid = 1;"
        ),
    )
    stores = {name: _store(tmp_path / f"{name}-store.sqlite3") for name in ("older", "newer")}
    try:
        assert load(stores["older"], older) == 9
        assert load(stores["newer"], newer) == 9
        with stores["older"].connect() as a, stores["newer"].connect() as b:
            old_rows, new_rows = _contents(a)["view"], _contents(b)["view"]
            assert set(old_rows) == set(new_rows)
            # the older file had no links: the wire default (""), not the value
            assert {r["link"] for r in old_rows.values()} == {""}
            assert "https://vk.com/wall-1_2" in {r["link"] for r in new_rows.values()}
            assert {r["changed_by"] for r in old_rows.values()} == {None}
            for rows in (old_rows, new_rows):
                for row in rows.values():
                    row.pop("link")
            assert old_rows == new_rows
    finally:
        for engine in stores.values():
            engine.dispose()


def test_a_file_without_a_required_column_is_refused_before_it_is_attached(tmp_path: Path) -> None:
    path = write_file(
        tmp_path / "snap.sqlite3",
        _flat(_snapshot()),
        edit=lambda c: c.execute("ALTER TABLE incident DROP COLUMN text"),
    )
    with pytest.raises(snapshot_load.SnapshotRefusedError, match="text"):
        snapshot_load.adapt(path)
    garbage = tmp_path / "garbage.sqlite3"
    garbage.write_bytes(b"SQLite format 3\x00" + bytes(range(256)) * 40)
    with pytest.raises(snapshot_load.SnapshotRefusedError):
        snapshot_load.adapt(garbage)


def test_a_file_damaged_inside_is_refused_by_the_range_reader(tmp_path: Path) -> None:
    path = write_file(tmp_path / "snap.sqlite3", _flat(_snapshot()))
    snapshot_load.adapt(path)  # the schema page is whole: it passes
    data = bytearray(path.read_bytes())
    page = 4096
    data[page:] = bytes(range(256)) * ((len(data) - page) // 256) + bytes(
        (len(data) - page) % 256
    )  # every page after the first overwritten with garbage
    path.write_bytes(bytes(data))
    reader = snapshot_load.ChunkReader(path)
    try:
        with pytest.raises(snapshot_load.SnapshotRefusedError):
            reader.tokens(1, 100)
    finally:
        reader.close()
