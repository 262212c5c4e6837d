"""Closing the workstation while a sync is in flight (what SIGTERM / the close button do).

A real server behind a throttling proxy (tests/helpers/proxy.py): the pull of a few hundred
incidents trickles in, the workstation is closed in the middle of it. ``close()`` must return
(the sync is asked to stop, then cancelled after its grace period), the profile must be sound
(``integrity_check``), and the next start must catch up to exactly what the server shows.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from cur_desktop.services import Workstation
from cur_desktop.services.outcomes import WorkstationEvent
from cur_desktop.storage.tables import incident_table
from cur_desktop.sync.events import Syncing
from cur_desktop.sync.profile import Profile
from tests.helpers.live import FAST, PASSWORD, REGION, ingest, local_rows, server_rows
from tests.helpers.proxy import FaultProxy
from tests.helpers.server_process import ServerProcess

THROTTLE_BYTES_PER_S = 200  # the pass cannot finish within the 5 s grace: it is cancelled


def test_closing_in_the_middle_of_a_pull_leaves_a_resumable_profile(
    server: ServerProcess, tmp_path: Path
) -> None:
    ingest(server, "boss", REGION, 300)
    port = int(server.base_url.rsplit(":", 1)[1])
    profile_dir = tmp_path / "ivanova"

    async def main() -> tuple[int, int]:
        with FaultProxy("127.0.0.1", port) as proxy:
            first = await Workstation.open(profile_dir, retry=FAST, poll_interval=300.0)
            await first.login(proxy.url, "ivanova", PASSWORD)
            syncing = asyncio.Event()

            def seen(event: WorkstationEvent) -> None:
                if isinstance(event, Syncing):
                    syncing.set()

            first.subscribe(seen)
            proxy.throttle = THROTTLE_BYTES_PER_S
            first.start_sync()
            await asyncio.wait_for(syncing.wait(), 60)
            await asyncio.sleep(1.0)  # the pull is now trickling through the proxy
            await asyncio.wait_for(first.close(), 60)  # returns: stop asked, then cancelled
            cut_at = _stored_cursor(profile_dir)
            proxy.throttle = 0
            second = await Workstation.open(profile_dir, retry=FAST, poll_interval=300.0)
            try:
                await second.sync_now()
                return cut_at, (await second.sync_status()).cursor
            finally:
                await second.close()

    cut_at, caught_up = asyncio.run(main())

    assert cut_at < caught_up  # the first close really came before the pull was done
    conn = sqlite3.connect(profile_dir / "local.sqlite3")
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()
    shown = server_rows(server, "ivanova")
    expected = {key.split(":", 1)[1] for key in shown if key.startswith("incident:")}
    assert set(local_rows(Profile.at(profile_dir), incident_table)) == expected


def _stored_cursor(profile_dir: Path) -> int:
    """The pull cursor the profile's store holds (plain sqlite3, no project code)."""
    conn = sqlite3.connect(profile_dir / "local.sqlite3")
    try:
        row = conn.execute("SELECT value FROM sync_state WHERE key = 'cursor'").fetchone()
    finally:
        conn.close()
    return int(row[0]) if row is not None else 0
