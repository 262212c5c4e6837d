"""A first sync from the server's snapshot, against a REAL ``cur-server`` process.

The snapshot path must leave the store exactly as the paged path does (the same server, a
profile with snapshots turned off), bring what changed after the snapshot in the same sync,
and fall back to pages whenever the snapshot cannot be used: a server without the format, a
download cut in the middle, a body that is not what it claims.
"""

from __future__ import annotations

import asyncio
import gzip
import logging
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from cur_desktop.contract import snapshot as snapshot_contract
from cur_desktop.storage.database import open_engine
from cur_desktop.storage.search import search
from cur_desktop.storage.tables import answer_table, executor_table, incident_table
from cur_desktop.sync import session
from cur_desktop.sync.errors import NetworkError, ServerProtocolError
from cur_desktop.sync.profile import Profile
from cur_desktop.sync.syncer import SyncCounts, SyncEngine
from cur_desktop.sync.transport import SNAPSHOT_PATH, SyncTransport
from tests.helpers.live import (
    REGION,
    USERS,
    ingest,
    local_rows,
    login,
    region_executor,
    sync_once,
    with_engine,
)
from tests.helpers.proxy import FaultProxy
from tests.helpers.server_process import ServerProcess, running_server

_SNAPSHOT_LOG = "first sync from a snapshot"


async def _paged_only(engine: SyncEngine) -> SyncCounts:
    engine.use_snapshot = False
    return await engine.sync_once()


def _answer_twice(server: ServerProcess, incidents: list[str]) -> None:
    """An interim answer (published) and an internal note, pushed by an operator."""
    mutations = []
    for number, incident_id in enumerate(incidents[:2]):
        for kind, state in (("interim", "published"), ("internal_note", "draft")):
            mutations.append(
                {
                    "id": len(mutations) + 1,
                    "name": "answer.add",
                    "args": {
                        "id": str(uuid.uuid4()),
                        "incident_id": incident_id,
                        "kind": kind,
                        "state": state,
                        "text": f"Ответ {number}: заявка передана в управляющую компанию",
                    },
                }
            )
    response = httpx.post(
        f"{server.base_url}/api/v1/sync/push",
        headers=server.login("petrov"),
        json={"client_id": str(uuid.uuid4()), "mutations": mutations},
    )
    response.raise_for_status()
    assert {r["outcome"] for r in response.json()["results"]} == {"applied"}


def _store(profile: Profile) -> dict[str, Any]:
    """Everything a user sees of the confirmed state, rowids aside."""
    incidents = {
        k: {c: v for c, v in row.items() if c != "rowid_"}
        for k, row in local_rows(profile, incident_table).items()
    }
    engine = open_engine(profile.db_path)
    try:
        with engine.connect() as conn:
            hits = {
                q: sorted(h.id for h in search(conn, q))
                for q in ("снег", "двор", "жительница", "мусор")
            }
            answers = sorted(tuple(r) for r in conn.execute(select(answer_table)).all())
    finally:
        engine.dispose()
    return {
        "incidents": incidents,
        "answers": answers,
        "executors": local_rows(profile, executor_table),
        "hits": hits,
        "cursor": session.read_status(profile).cursor,
    }


def test_first_sync_from_the_snapshot_equals_the_paged_one_and_brings_later_changes(
    server: ServerProcess, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # the worker's shared server: it may hold other tests' rows too; both profiles see them all
    caplog.set_level(logging.INFO, logger="cur_desktop.sync.syncer")
    region_executor(server)  # the region's reference data
    incidents = ingest(server, "boss", REGION, 25)
    _answer_twice(server, incidents)

    snap = login(tmp_path / "snap", server.base_url, "ivanova")
    paged = login(tmp_path / "paged", server.base_url, "petrov")
    with_engine(snap, sync_once)
    assert _SNAPSHOT_LOG in caplog.text
    caplog.clear()
    with_engine(paged, _paged_only)
    assert _SNAPSHOT_LOG not in caplog.text
    got, expected = _store(snap), _store(paged)
    assert got == expected
    assert set(incidents) <= set(got["incidents"])
    assert set(incidents) <= set(got["hits"]["снег"])  # the search finds them
    assert not set(incidents) & set(got["hits"]["мусор"])
    assert got["executors"]
    assert len([a for a in got["answers"] if str(a[1]) in incidents[:2]]) == 4
    assert {i for i in incidents if got["incidents"][i]["has_interim"]} == set(incidents[:2])

    # three posts after the (cached) snapshot: a new profile gets the snapshot and pages
    later = ingest(server, "boss", REGION, 3)
    fresh = login(tmp_path / "fresh", server.base_url, "ivanova")
    caplog.clear()
    with_engine(fresh, sync_once)
    assert _SNAPSHOT_LOG in caplog.text
    with_engine(snap, sync_once)
    assert _store(fresh) == _store(snap)
    assert set(later) <= set(_store(fresh)["incidents"])


def test_a_server_without_the_format_is_pulled_as_pages(
    server: ServerProcess,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    mine = ingest(server, "boss", REGION, 12)
    monkeypatch.setattr(snapshot_contract, "FORMAT", 99)  # the server answers 404
    profile = login(tmp_path / "client", server.base_url, "ivanova")
    with_engine(profile, sync_once)
    assert "no snapshot of format 99" in caplog.text
    assert _SNAPSHOT_LOG not in caplog.text
    assert set(mine) <= set(local_rows(profile, incident_table))


def test_a_download_cut_in_the_middle_resumes_where_it_stopped(
    server: ServerProcess, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    mine = ingest(server, "boss", REGION, 40)
    host, port = server.base_url.removeprefix("http://").split(":")
    with FaultProxy(host, int(port)) as proxy:
        profile = login(tmp_path / "client", proxy.url, "ivanova")
        proxy.cut_response_to(SNAPSHOT_PATH, after=2_000)  # headers and a little body
        with_engine(profile, sync_once)  # the engine's retry asks for the rest only
    assert "snapshot download resumed at" in caplog.text
    assert _SNAPSHOT_LOG in caplog.text
    assert set(mine) <= set(local_rows(profile, incident_table))
    assert not list((tmp_path / "client").glob("*.snapshot*"))  # nothing left behind


def test_a_download_cut_every_time_is_kept_and_resumed_by_the_next_sync(
    server: ServerProcess, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    mine = ingest(server, "boss", REGION, 40)
    host, port = server.base_url.removeprefix("http://").split(":")
    with FaultProxy(host, int(port)) as proxy:
        profile = login(tmp_path / "client", proxy.url, "ivanova")
        proxy.cut_response_to(SNAPSHOT_PATH, after=700, count=10)  # every try this sync
        with pytest.raises(NetworkError):
            with_engine(profile, sync_once)
        kept = list((tmp_path / "client").glob("*.snapshot.part"))
        assert len(kept) == 1
        assert kept[0].stat().st_size > 0
        assert local_rows(profile, incident_table) == {}  # nothing applied from a part
        proxy.reset()
        with_engine(profile, sync_once)  # the link is back: the rest, then the load
    assert "snapshot download resumed at" in caplog.text
    assert set(mine) <= set(local_rows(profile, incident_table))
    assert not list((tmp_path / "client").glob("*.snapshot*"))


def test_a_kept_download_no_longer_of_use_is_deleted(server: ServerProcess, tmp_path: Path) -> None:
    ingest(server, "boss", REGION, 3)
    profile = login(tmp_path / "client", server.base_url, "ivanova")
    with_engine(profile, _paged_only)  # pages filled the store: it takes no snapshot any more
    part = profile.db_path.with_name(profile.db_path.name + ".snapshot.part")
    part.write_bytes(b"\x1f\x8b" + bytes(5_000))
    part.with_name(part.name + ".json").write_text('{"etag": "x", "cursor": 1, "incidents": 1}')
    with_engine(profile, sync_once)
    assert not list(profile.db_path.parent.glob("*.snapshot*"))


def test_a_server_failing_to_build_the_snapshot_is_pulled_as_pages(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    with running_server(tmp_path / "server", users=USERS) as server:
        ingest(server, "boss", REGION, 9)
        # a file where the server keeps its snapshots: building one fails (a 500, four times)
        (tmp_path / "server" / "snapshots").write_text("not a folder")
        profile = login(tmp_path / "client", server.base_url, "ivanova")
        counts = with_engine(profile, sync_once)
        assert "snapshot not used" in caplog.text
        assert "500" in caplog.text
        assert len(local_rows(profile, incident_table)) == 9
        assert counts.pulled >= 9


# --------------------------------------------------------------------------- hostile bodies


class _Answers(BaseHTTPRequestHandler):
    """Answers the snapshot path with what the test put in ``server.answer``."""

    def do_GET(self) -> None:
        status, headers, body = self.server.answer  # type: ignore[attr-defined]
        self.server.ranges.append(self.headers.get("Range"))  # type: ignore[attr-defined]
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: Any) -> None:
        return


@pytest.fixture
def fake_server() -> Iterator[ThreadingHTTPServer]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Answers)
    httpd.ranges = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield httpd
    finally:
        httpd.shutdown()
        httpd.server_close()


_GOOD_HEADERS = {
    "Content-Type": snapshot_contract.MEDIA_TYPE,
    snapshot_contract.HEADER_CURSOR: "10",
    snapshot_contract.HEADER_ROWS: "3",
}
HOSTILE = {
    "not gzip": (200, _GOOD_HEADERS, b"SQLite format 3\x00" + b"\x01" * 500),
    "gzip cut short": (200, _GOOD_HEADERS, gzip.compress(b"x" * 100_000)[:-40]),
    "a decompression bomb": (200, _GOOD_HEADERS, gzip.compress(bytes(30_000_000), 9)),
    "bytes after the gzip": (200, _GOOD_HEADERS, gzip.compress(b"abc") + b"more"),
    "no cursor": (200, {"Content-Type": snapshot_contract.MEDIA_TYPE}, gzip.compress(b"a")),
    "a negative cursor": (
        200,
        {**_GOOD_HEADERS, snapshot_contract.HEADER_CURSOR: "-5"},
        gzip.compress(b"a"),
    ),
    "JSON instead": (200, {**_GOOD_HEADERS, "Content-Type": "application/json"}, b"{}"),
}


@pytest.mark.parametrize("answer", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_hostile_snapshot_body_is_refused_and_leaves_no_file(
    fake_server: ThreadingHTTPServer, tmp_path: Path, answer: tuple[int, dict[str, str], bytes]
) -> None:
    fake_server.answer = answer  # type: ignore[attr-defined]
    target = tmp_path / "store.sqlite3.snapshot"
    part = tmp_path / "store.sqlite3.snapshot.part"

    async def download() -> None:
        transport = SyncTransport(f"http://127.0.0.1:{fake_server.server_address[1]}", token="t")
        try:
            await transport.download_snapshot(target)
        finally:
            await transport.aclose()

    with pytest.raises(ServerProtocolError):
        asyncio.run(download())
    assert not target.exists()
    assert not part.exists()
    assert not part.with_name(part.name + ".json").exists()


@pytest.mark.parametrize(
    "kept_meta",
    ["not json {", "[1, 2]", '{"etag": ""}', '{"cursor": 10}', "\x00\xff"],
    ids=["garbage", "a list", "an empty tag", "no tag", "binary"],
)
def test_a_spoiled_kept_download_starts_over_and_is_cleaned_up(
    fake_server: ThreadingHTTPServer, tmp_path: Path, kept_meta: str
) -> None:
    body = b"SQLite format 3\x00" + bytes(range(256)) * 40
    fake_server.answer = (200, _GOOD_HEADERS, gzip.compress(body))  # type: ignore[attr-defined]
    target = tmp_path / "store.sqlite3.snapshot"
    part = tmp_path / "store.sqlite3.snapshot.part"
    part.write_bytes(b"junk of an earlier try")
    part.with_name(part.name + ".json").write_text(kept_meta)

    async def download() -> object:
        transport = SyncTransport(f"http://127.0.0.1:{fake_server.server_address[1]}", token="t")
        try:
            return await transport.download_snapshot(target)
        finally:
            await transport.aclose()

    head = asyncio.run(download())
    assert head is not None
    assert fake_server.ranges == [None]  # type: ignore[attr-defined]  # asked for the whole file
    assert target.read_bytes() == body
    assert not part.exists()
    assert not part.with_name(part.name + ".json").exists()


def test_a_404_means_no_snapshot_and_other_refusals_are_errors(
    fake_server: ThreadingHTTPServer, tmp_path: Path
) -> None:
    async def download() -> object:
        transport = SyncTransport(f"http://127.0.0.1:{fake_server.server_address[1]}", token="t")
        try:
            return await transport.download_snapshot(tmp_path / "x.snapshot")
        finally:
            await transport.aclose()

    fake_server.answer = (404, {"Content-Type": "application/json"}, b'{"detail":"no"}')  # type: ignore[attr-defined]
    assert asyncio.run(download()) is None
    fake_server.answer = (401, {"Content-Type": "application/json"}, b'{"detail":"no"}')  # type: ignore[attr-defined]
    with pytest.raises(Exception, match="Сеанс истёк"):
        asyncio.run(download())
