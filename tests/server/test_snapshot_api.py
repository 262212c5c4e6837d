"""``GET /api/v1/sync/snapshot``: the region's rows as one SQLite file (SQLite and PostgreSQL).

The expected rows come from the paged pull (a different path: JSON rendered by the database,
instants as ISO text), converted here by hand: instants to epoch microseconds with
``datetime.fromisoformat``.
"""

from __future__ import annotations

import gzip
import os
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

from cur_desktop.contract import snapshot as contract
from cur_desktop.server.db import compact
from tests.server.conftest import API, Api

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _fetch(api: Api, login: str, tmp_path: Path, **params: Any) -> tuple[Any, Path | None]:
    response = api.client.get(f"{API}/sync/snapshot", headers=api.headers(login), params=params)
    if response.status_code != 200:
        return response, None
    target = tmp_path / f"{login}-{uuid4()}.sqlite3"
    target.write_bytes(gzip.decompress(response.content))
    return response, target


def _tables(path: Path) -> dict[str, list[dict[str, Any]]]:
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    try:
        return {
            table: [dict(r) for r in conn.execute(f"SELECT * FROM {table} ORDER BY rowid")]
            for table in (*contract.TABLES, contract.META_TABLE)
        }
    finally:
        conn.close()


def _as_snapshot(entity: str, data: dict[str, Any]) -> dict[str, Any]:
    """A pulled row as format 1 stores it (instants → epoch µs), converted by hand."""
    kinds = {c.name: c.kind for c in contract.TABLES[entity]}
    row: dict[str, Any] = {}
    for name, kind in kinds.items():
        value = data.get(name)
        if kind == "instant" and value is not None:
            delta = datetime.fromisoformat(value) - _EPOCH
            value = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
        row[name] = value
    return row


def _varied_region(api: Api) -> list[str]:
    """Incidents of RU-TUL in several states, with answers; one of RU-SAM."""
    new = api.create_incident("tul.op", text="Яма на дороге у дома 5 — машины бьются")
    routed = api.create_incident("tul.op", received_at="2026-03-09T23:59:59.250000+03:00")
    api.route("tul.op", routed)
    answered = api.create_incident("tul.op", author="Ёлкина", link="https://vk.com/wall-1_2")
    api.route("tul.op", answered)
    result = api.push(
        "tul.op",
        (
            "answer.add",
            {
                "id": str(uuid4()),
                "incident_id": answered,
                "kind": "interim",
                "state": "published",
                "text": "Заявка передана в управляющую компанию, ответ дадим до пятницы",
            },
        ),
        (
            "answer.add",
            {
                "id": str(uuid4()),
                "incident_id": answered,
                "kind": "internal_note",
                "state": "draft",
                "text": "позвонить в УК «Жилсервис»",
            },
        ),
    )
    assert [r["outcome"] for r in result["results"]] == ["applied", "applied"], result
    api.create_incident("sam.op", text="Самара: не горят фонари")
    return [new, routed, answered]


def test_snapshot_holds_what_a_pull_from_zero_brings_and_only_the_region(
    api: Api, tmp_path: Path
) -> None:
    mine = _varied_region(api)
    response, path = _fetch(api, "tul.op", tmp_path, format=1)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == contract.MEDIA_TYPE
    assert path is not None
    tables = _tables(path)

    pulled = api.pull_all("tul.op")
    expected: dict[str, list[dict[str, Any]]] = {t: [] for t in contract.TABLES}
    for change in pulled:
        if change["data"] is not None:
            expected[change["entity"]].append(_as_snapshot(change["entity"], change["data"]))
    for table in contract.TABLES:
        key = "id"
        got = sorted(tables[table], key=lambda r: str(r[key]))
        assert got == sorted(expected[table], key=lambda r: str(r[key])), table
    assert {r["id"] for r in tables["incident"]} == set(mine)
    assert {r["region_code"] for r in tables["incident"]} == {"RU-TUL"}
    assert {r["region_code"] for r in tables["executor"]} <= {"RU-TUL"}
    assert len(tables["answer"]) == 2
    # a fraction of a second survives exactly (23:59:59.25 at +03:00 = 20:59:59.25 UTC)
    routed = next(r for r in tables["incident"] if r["id"] == mine[1])
    hand = (datetime(2026, 3, 9, 20, 59, 59, 250_000, tzinfo=UTC) - _EPOCH).total_seconds()
    assert routed["received_at"] == round(hand * 1_000_000)

    meta = {r["key"]: r["value"] for r in tables[contract.META_TABLE]}
    head = api.client.get(
        f"{API}/sync/pull", headers=api.headers("tul.op"), params={"cursor": 0, "limit": 5000}
    ).json()
    assert meta == {"format": "1", "cursor": str(head["next_cursor"]), "scope": "RU-TUL"}
    assert response.headers[contract.HEADER_CURSOR] == str(head["next_cursor"])
    assert response.headers[contract.HEADER_ROWS] == "3"


def test_another_region_and_strangers_get_nothing_of_it(api: Api, tmp_path: Path) -> None:
    _varied_region(api)
    response, path = _fetch(api, "sam.op", tmp_path)
    assert response.status_code == 200
    assert path is not None
    tables = _tables(path)
    assert [r["text"] for r in tables["incident"]] == ["Самара: не горят фонари"]
    assert tables["answer"] == []
    assert "RU-TUL" not in path.read_bytes().decode("utf-8", "replace")

    anonymous = api.client.get(f"{API}/sync/snapshot")
    assert anonymous.status_code == 401
    everyone, all_path = _fetch(api, "analyst", tmp_path)
    assert everyone.status_code == 200
    assert all_path is not None
    assert {r["region_code"] for r in _tables(all_path)["incident"]} == {"RU-TUL", "RU-SAM"}


def test_an_unknown_format_is_a_clear_404_and_garbage_a_422(api: Api, tmp_path: Path) -> None:
    response, _ = _fetch(api, "tul.op", tmp_path, format=2)
    assert response.status_code == 404
    assert "формат" in response.json()["detail"]
    for garbage in ("abc", "-1", "99999999999999999999"):
        response, _ = _fetch(api, "tul.op", tmp_path, format=garbage)
        assert response.status_code == 422, garbage


def test_a_cached_snapshot_is_reused_until_stale_or_compacted(api: Api, tmp_path: Path) -> None:
    _varied_region(api)
    first, _ = _fetch(api, "tul.op", tmp_path)
    cursor = int(first.headers[contract.HEADER_CURSOR])
    api.create_incident("tul.op")  # one change: fewer than STALE_CHANGES, still served
    again, path = _fetch(api, "tul.op", tmp_path)
    assert int(again.headers[contract.HEADER_CURSOR]) == cursor
    assert path is not None
    assert len(_tables(path)["incident"]) == 3

    with api.db.write() as session:  # the horizon passes the snapshot: a pull from it resets
        compact(session)
    rebuilt, path = _fetch(api, "tul.op", tmp_path)
    assert int(rebuilt.headers[contract.HEADER_CURSOR]) > cursor
    assert path is not None
    assert len(_tables(path)["incident"]) == 4
    # the older file stays an hour (a download of it may resume), then the next build drops it
    files = sorted((tmp_path / "snapshots").glob("*.sqlite3.gz"), key=lambda p: p.stat().st_mtime)
    assert len(files) == 2
    os.utime(files[0], (time.time() - 7_200, time.time() - 7_200))
    api.create_incident("tul.op")
    with api.db.write() as session:
        compact(session)
    _fetch(api, "tul.op", tmp_path)
    names = {p.name for p in (tmp_path / "snapshots").glob("*.sqlite3.gz")}
    assert files[0].name not in names
    assert files[1].name in names


def test_a_cut_download_resumes_with_range_and_a_newer_file_is_sent_whole(
    api: Api, tmp_path: Path
) -> None:
    _varied_region(api)
    whole = api.client.get(f"{API}/sync/snapshot", headers=api.headers("tul.op"))
    assert whole.status_code == 200
    tag = whole.headers["etag"]
    rest = api.client.get(
        f"{API}/sync/snapshot",
        headers={**api.headers("tul.op"), "Range": "bytes=1000-", "If-Range": tag},
    )
    assert rest.status_code == 206
    assert rest.content == whole.content[1000:]
    assert rest.headers[contract.HEADER_CURSOR] == whole.headers[contract.HEADER_CURSOR]
    stale = api.client.get(
        f"{API}/sync/snapshot",
        headers={**api.headers("tul.op"), "Range": "bytes=1000-", "If-Range": '"an-old-file"'},
    )
    assert stale.status_code == 200  # not the file the part came from: all of this one
    assert stale.content == whole.content


def test_the_sqlite_shortcut_writes_the_same_file_as_the_general_path(
    api: Api, tmp_path: Path
) -> None:
    from cur_desktop.domain.enums import Role
    from cur_desktop.server.auth import Caller
    from cur_desktop.server.snapshot import sqlite_file, write_snapshot, write_snapshot_sqlite

    _varied_region(api)
    source = sqlite_file(api.db)
    if source is None:
        import pytest

        pytest.skip("the shortcut is for SQLite servers; PostgreSQL takes the general path")
    caller = Caller(user_id=0, login="tul.op", role=Role.OPERATOR, region_code="RU-TUL")
    with api.db.snapshot() as session:
        general = write_snapshot(session, caller, tmp_path / "general.sqlite3")
    shortcut = write_snapshot_sqlite(api.db, source, caller, tmp_path / "shortcut.sqlite3")
    assert general == shortcut
    a, b = _tables(tmp_path / "general.sqlite3"), _tables(tmp_path / "shortcut.sqlite3")
    assert a == b
    assert len(a["incident"]) == 3
    assert len(a["answer"]) == 2


def test_serve_forgets_the_cached_snapshots_at_start(tmp_path: Path) -> None:
    from cur_desktop.server.snapshot import forget_snapshots

    folder = tmp_path / "snapshots"
    folder.mkdir()
    for name in ("abc-def-120-3.sqlite3.gz", "abc-def.1.2.partial", "abc-def.1.2.gz-partial"):
        (folder / name).write_bytes(b"x")
    (folder / "notes.txt").write_text("not ours")
    assert forget_snapshots(folder) == 3
    assert [p.name for p in folder.iterdir()] == ["notes.txt"]
