"""A first sync from a snapshot, killed with a real SIGKILL in the middle of the load.

The child (``tests.sync.crash_worker --mode snapshot``) loads the server's snapshot 20 incidents
a range and sleeps INSIDE the writer transaction of a chosen range (or of the step that finishes
the load), rows written and not committed; the parent kills it there. After each kill the store
must be sound (``integrity_check``), still marked as loading, its cursor still 0; the next start
must finish the first sync and leave the store exactly as a paged first sync of the same server
leaves it (rows, answers, search hits, the indexes of a fresh store), without the marks.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from cur_desktop.storage import deferred_indexes, snapshot_load, sync_state
from cur_desktop.storage.database import open_engine
from cur_desktop.sync.profile import Profile
from cur_desktop.sync.syncer import SyncCounts, SyncEngine
from tests.helpers.live import USERS, ingest, login, region_executor, with_engine
from tests.helpers.server_process import ServerProcess, running_server
from tests.sync.test_crash_client import kill_at_line, start_worker
from tests.sync.test_snapshot_sync import _answer_twice, _store

INCIDENTS = 130  # 7 ranges of 20


@pytest.fixture(scope="module")
def snapshot_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A server of its own: its region's size decides how many ranges a load has."""
    with running_server(tmp_path_factory.mktemp("snapshot-crash"), users=USERS) as srv:
        region_executor(srv)
        incidents = ingest(srv, "boss", "RU-TUL", INCIDENTS)
        _answer_twice(srv, incidents)
        yield srv


def _kill_inside(profile: Profile, hang_at: int, tmp: Path) -> None:
    """Run the worker until it hangs inside range ``hang_at`` (0: the finish), SIGKILL it."""
    log_path = tmp / f"worker-{hang_at}-{os.getpid()}.log"
    process = start_worker(
        profile, "snapshot", tmp / "journal.txt", log_path, "--hang-at", str(hang_at)
    )
    kill_at_line(process, "hang", log_path)


def _marks(profile: Profile) -> dict[str, Any]:
    """Integrity, cursor, the loading and deferred-index marks, the incident indexes."""
    engine = open_engine(profile.db_path)
    try:
        with engine.connect() as conn:
            return {
                "integrity": conn.execute(text("PRAGMA integrity_check")).scalar_one(),
                "cursor": sync_state.get_int_state(conn, sync_state.KEY_CURSOR),
                "loading": sync_state.get_state(conn, snapshot_load.KEY_LOADING),
                "deferred": sync_state.get_state(conn, deferred_indexes.KEY),
                "indexes": sorted(
                    str(name)
                    for (name,) in conn.execute(
                        text(
                            "SELECT name FROM sqlite_master WHERE type = 'index' "
                            "AND tbl_name = 'incident'"
                        )
                    )
                ),
            }
    finally:
        engine.dispose()


async def _paged_only(engine: SyncEngine) -> SyncCounts:
    engine.use_snapshot = False
    return await engine.sync_once()


async def _sync(engine: SyncEngine) -> SyncCounts:
    return await engine.sync_once()


@pytest.mark.slow
@pytest.mark.parametrize("hangs", [(3,), (1, 0), (6, 2, 0)], ids=["mid", "first-finish", "thrice"])
def test_a_first_sync_killed_inside_the_snapshot_load_completes_at_the_next_start(
    snapshot_server: ServerProcess,
    tmp_path: Path,
    hangs: tuple[int, ...],
    caplog: pytest.LogCaptureFixture,
) -> None:
    reference = login(tmp_path / "paged", snapshot_server.base_url, "petrov")
    with_engine(reference, _paged_only)
    fresh_indexes = _marks(reference)["indexes"]

    profile = login(tmp_path / "killed", snapshot_server.base_url, "ivanova")
    for hang_at in hangs:
        _kill_inside(profile, hang_at, tmp_path)
        after_kill = _marks(profile)
        assert after_kill["integrity"] == "ok"
        assert after_kill["cursor"] == 0  # moved only by the finishing step's commit
        assert after_kill["loading"] is not None  # the next load drops what this one wrote

    caplog.set_level(logging.INFO, logger="cur_desktop.storage.snapshot_load")
    counts = with_engine(profile, _sync)
    assert counts.rejected == 0
    assert "of an interrupted load dropped" in caplog.text  # it really took the snapshot again
    done = _marks(profile)
    assert (done["integrity"], done["loading"], done["deferred"]) == ("ok", None, None)
    assert done["indexes"] == fresh_indexes
    with_engine(reference, _sync)  # the logins since its first sync moved the server's head
    got, expected = _store(profile), _store(reference)
    assert got["cursor"] > 0
    assert len(got["incidents"]) >= INCIDENTS
    assert got == expected
