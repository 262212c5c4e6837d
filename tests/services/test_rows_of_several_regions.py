"""A user of several regions (federal analyst, admin without a region) sees each row on its own
region's clock: the list rows carry the incident's region, not the user's (which is none)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from cur_desktop.services.window_reads import WindowReads
from cur_desktop.services.workstation import Workstation
from cur_desktop.storage.database import open_engine
from cur_desktop.storage.incidents import bulk_insert_incidents
from cur_desktop.sync.profile import DB_FILE_NAME
from tests.helpers.row_factories import make_rows


def test_rows_carry_their_own_region_when_the_user_has_none(tmp_path: Path) -> None:
    profile = tmp_path / "profile"
    profile.mkdir()
    engine = open_engine(profile / DB_FILE_NAME)
    rows = make_rows(3, seed=3, region_code="RU-TUL") + make_rows(2, seed=4, region_code="RU-SAM")
    with engine.begin() as conn:
        bulk_insert_incidents(conn, rows)
    engine.dispose()
    expected = {row["id"]: row["region_code"] for row in rows}

    async def read(region: str | None) -> dict[str, str]:
        station = await Workstation.open(profile)
        try:
            reads = WindowReads(station, region)
            keys = await station.inbox_rows_by_id(list(expected))
            mapped = await reads.rows([row.rowid for row in keys])
            return {str(m["id"]): str(m["region_code"]) for m in mapped.values()}
        finally:
            await station.close()

    assert asyncio.run(read(None)) == expected
    assert asyncio.run(read("RU-TUL")) == expected  # the row's own region wins
