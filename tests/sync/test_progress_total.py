"""A long sync knows its size: the server tells the total on a pull's first page (issue 9).

A real ``cur-server`` process with a known number of incidents; the engine's ``Syncing``
events must carry that total while ``down`` counts up to it page by page.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx

from cur_desktop.sync.events import SyncEvent, Syncing
from cur_desktop.sync.syncer import SyncCounts, SyncEngine
from tests.helpers.live import REGION, USERS, ingest, login, with_engine
from tests.helpers.server_process import running_server


def _limited(limit: int) -> Callable[[SyncEngine], Awaitable[SyncCounts]]:
    async def run(engine: SyncEngine) -> SyncCounts:
        engine.pull_limit = limit
        return await engine.sync_once()

    return run


def _pull_progress(events: list[SyncEvent]) -> list[tuple[int, int | None]]:
    return [(e.down, e.total) for e in events if isinstance(e, Syncing) and e.down > 0]


def test_progress_events_carry_the_total_the_server_tells(tmp_path: Path) -> None:
    with running_server(tmp_path / "server", users=USERS) as server:
        profile = login(tmp_path / "client", server.base_url, "boss")
        first: list[SyncEvent] = []
        counts = with_engine(profile, _limited(10), first)
        # whatever the first sync brought (reference rows, if any), its total was told up front
        assert all(total == counts.pulled for _down, total in _pull_progress(first))
        before = counts.pulled

        ingest(server, "boss", REGION, 23)  # 23 new incidents, nothing else changes
        events: list[SyncEvent] = []
        counts = with_engine(profile, _limited(10), events)
        assert counts.pulled == 23
        assert _pull_progress(events) == [(10, 23), (20, 23), (23, 23)]

        # an old-style request (plain JSON) sees the field on the first page only
        headers = server.login("boss")
        url = f"{server.base_url}/api/v1/sync/pull"
        body = httpx.get(url, params={"cursor": 0, "limit": 5}, headers=headers).json()
        assert body["total"] == before + 23
        assert len(body["changes"]) == 5
        assert body["has_more"] is True
        later = httpx.get(
            url, params={"cursor": body["next_cursor"], "limit": 5}, headers=headers
        ).json()
        assert "total" not in later
