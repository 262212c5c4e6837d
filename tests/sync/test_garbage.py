"""Garbage from the server is never applied: error state, local data and cursor intact."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from cur_desktop.storage.database import open_engine
from cur_desktop.storage.tables import executor_table, incident_table, outbox_table
from cur_desktop.sync import session
from cur_desktop.sync.errors import NetworkError, ServerProtocolError
from cur_desktop.sync.events import Offline, SyncError, SyncEvent
from cur_desktop.sync.profile import Profile
from cur_desktop.sync.syncer import SyncCounts, SyncEngine
from cur_desktop.sync.transport import SyncTransport
from tests.helpers.garbage_server import GarbageServer
from tests.helpers.live import FAST, REGION, ingest, local_rows, login, sync_once, with_engine
from tests.helpers.proxy import FaultProxy
from tests.helpers.server_process import ServerProcess

_VALID_EMPTY = {"changes": [], "next_cursor": 10**9, "has_more": False, "last_mutation_id": 0}
_BAD_ROW = {
    **_VALID_EMPTY,
    "changes": [{"seq": 10**9, "entity": "incident", "id": "x", "data": {"id": "x"}}],
}
_UNSORTED = {
    **_VALID_EMPTY,
    "changes": [
        {"seq": 10**9, "entity": "executor", "id": "e1", "data": None},
        {"seq": 10**9 - 1, "entity": "executor", "id": "e2", "data": None},
    ],
}
GARBAGE: dict[str, tuple[bytes, int | None]] = {
    "invalid-json": (b"{'changes': [", None),
    "html": (b"<html><body>502 Bad Gateway</body></html>", None),
    "wrong-schema": (json.dumps({"changes": "all", "next_cursor": "soon"}).encode(), None),
    "bad-row": (json.dumps(_BAD_ROW).encode(), None),
    "unsorted": (json.dumps(_UNSORTED).encode(), None),
    "truncated": (json.dumps(_VALID_EMPTY).encode()[:20], 400),
}


def _snapshot(profile: Profile) -> tuple[dict[str, Any], dict[str, Any], int]:
    return (
        local_rows(profile, incident_table),
        local_rows(profile, outbox_table),
        session.read_status(profile).cursor,
    )


@pytest.fixture
def synced(server: ServerProcess, tmp_path: Path) -> Profile:
    ingest(server, "boss", REGION, 3)
    profile = login(tmp_path / "ivanova", server.base_url, "ivanova")
    with_engine(profile, sync_once)
    return profile


def _sync_against(profile: Profile, url: str, events: list[SyncEvent]) -> None:
    async def run() -> None:
        engine = open_engine(profile.db_path)
        async with SyncTransport(url, token="not-a-real-token") as transport:
            sync = SyncEngine(engine, transport, on_event=events.append, retry=FAST)
            try:
                await sync.sync_once()
            finally:
                sync.close()
                engine.dispose()

    asyncio.run(run())


@pytest.mark.parametrize("kind", sorted(GARBAGE))
def test_garbage_pull_page_is_refused_and_nothing_changes(synced: Profile, kind: str) -> None:
    before = _snapshot(synced)
    assert before[0]  # there is local data to protect
    events: list[SyncEvent] = []
    with GarbageServer() as garbage:
        garbage.body, garbage.declared_length = GARBAGE[kind]
        with pytest.raises(ServerProtocolError):
            _sync_against(synced, garbage.url, events)
        assert garbage.requests[-1].startswith("GET /api/v1/sync/pull")
    assert isinstance(events[-1], SyncError)
    assert "не применены" in events[-1].message or "ничего не применено" in events[-1].message
    assert _snapshot(synced) == before


def test_unknown_fields_of_a_newer_server_are_ignored_not_refused(synced: Profile) -> None:
    """A newer server adds fields (envelope and row): today's client applies the page."""
    newer = {
        **_VALID_EMPTY,
        "server_build": "2027.1",
        "changes": [
            {
                "seq": 10**9,
                "entity": "executor",
                "id": "exec-new",
                "data": {
                    "id": "exec-new",
                    "region_code": REGION,
                    "name": "МКУ «Дороги»",
                    "municipality_id": None,
                    "phone": "+7 4872 00-00-00",
                },
                "origin": "future",
            }
        ],
    }
    events: list[SyncEvent] = []
    with GarbageServer() as server:
        server.body, server.declared_length = json.dumps(newer).encode(), None
        _sync_against(synced, server.url, events)
    assert not [e for e in events if isinstance(e, SyncError)]
    executors = local_rows(synced, executor_table)
    assert executors["exec-new"]["name"] == "МКУ «Дороги»"
    assert "phone" not in executors["exec-new"]
    assert session.read_status(synced).cursor == 10**9


def test_garbage_push_answer_keeps_the_mutation_pending(synced: Profile) -> None:
    incident_id = next(iter(local_rows(synced, incident_table)))

    async def assign(engine: SyncEngine) -> int:
        return await engine.record(
            "incident.assign", {"incident_id": incident_id, "expected": None, "assignee": "ivanova"}
        )

    with_engine(synced, assign)
    before = _snapshot(synced)
    events: list[SyncEvent] = []
    with GarbageServer() as garbage:
        garbage.body = json.dumps({"results": [], "last_mutation_id": 99}).encode()
        with pytest.raises(ServerProtocolError):
            _sync_against(synced, garbage.url, events)
    assert isinstance(events[-1], SyncError)
    assert _snapshot(synced) == before
    assert session.read_status(synced).pending == 1


async def _paged_sync(engine: SyncEngine) -> SyncCounts:
    engine.use_snapshot = False  # a page, not the first sync's snapshot file
    return await engine.sync_once()


def test_real_page_cut_on_the_wire_is_not_applied(server: ServerProcess, tmp_path: Path) -> None:
    host, port = server.base_url.removeprefix("http://").split(":")
    with FaultProxy(host, int(port)) as proxy:
        profile = login(tmp_path / "ivanova", proxy.url, "ivanova")
        before = _snapshot(profile)
        proxy.cut_after = 300  # headers and the first bytes of the page only
        events: list[SyncEvent] = []
        with pytest.raises(ServerProtocolError):
            with_engine(profile, _paged_sync, events)
        assert isinstance(events[-1], SyncError)
        assert _snapshot(profile) == before
        # the same cut in the first sync's snapshot download: a link error (kept to resume),
        # nothing applied
        snapshot_events: list[SyncEvent] = []
        with pytest.raises(NetworkError):
            with_engine(profile, sync_once, snapshot_events)
        assert isinstance(snapshot_events[-1], Offline)
        assert _snapshot(profile) == before
        proxy.reset()
        counts = with_engine(profile, sync_once)
        assert counts.pulled > 0
        assert _snapshot(profile)[2] > 0
