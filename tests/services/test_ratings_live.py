"""The federal rating through a workstation against a REAL server, then offline from the cache."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from cur_desktop.contract.ratings import RatingsResponse
from cur_desktop.services import Workstation
from cur_desktop.storage import sync_state
from cur_desktop.storage.database import open_engine
from cur_desktop.sync.profile import DB_FILE_NAME
from tests.helpers.live import FAST, OTHER_REGION, PASSWORD, REGION, ingest
from tests.helpers.server_process import ServerProcess


def test_rating_online_scoped_then_offline_from_the_cache(
    server: ServerProcess, tmp_path: Path
) -> None:
    ingest(server, "boss", REGION, 3)
    ingest(server, "kirov", OTHER_REGION, 2)
    month = datetime.now(UTC).astimezone(ZoneInfo("Europe/Moscow")).strftime("%Y-%m")
    profile = tmp_path / "boss"

    async def online() -> tuple[RatingsResponse | None, bool]:
        station = await Workstation.open(profile, retry=FAST, poll_interval=300.0)
        try:
            await station.login(server.base_url, "boss", PASSWORD)
            return await station.federal_ratings(month)
        finally:
            await station.close()

    rating, from_cache = asyncio.run(online())
    assert from_cache is False
    assert rating is not None
    assert rating.whole_table is False
    rows = rating.rows
    assert [r.region_code for r in rows] == [REGION]
    assert rows[0].registered >= 3
    assert rows[0].place_processing is not None
    assert rating.regions_ranked >= 2
    assert OTHER_REGION not in rating.model_dump_json()

    # the server becomes unreachable: the kept copy is shown with its computation time
    engine = open_engine(profile / DB_FILE_NAME)
    with engine.begin() as conn:
        sync_state.set_state(conn, sync_state.KEY_SERVER_URL, "http://127.0.0.1:9")
    engine.dispose()

    async def offline() -> tuple[RatingsResponse | None, bool]:
        station = await Workstation.open(profile, retry=FAST, poll_interval=300.0)
        try:
            return await station.federal_ratings(month)
        finally:
            await station.close()

    cached, cached_flag = asyncio.run(offline())
    assert cached_flag is True
    assert cached is not None
    assert cached == rating
    assert cached.computed_at == rating.computed_at
