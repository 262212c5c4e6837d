"""Helpers of the sync tests around a REAL ``cur-server`` (see ``tests/helpers/server_process.py``).

Users of two regions, registering posts through the real ingestion endpoint, and reading what
the server holds through its real pull endpoint (for assertions independent of the client).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx
from sqlalchemy import select

from cur_desktop.storage.database import open_engine
from cur_desktop.sync import session
from cur_desktop.sync.events import SyncEvent
from cur_desktop.sync.profile import Profile
from cur_desktop.sync.syncer import RetryPolicy, SyncCounts, SyncEngine
from tests.helpers.server_process import ServerProcess, UserSpec

PASSWORD = "пароль-для-тестов-1"
REGION = "RU-TUL"
OTHER_REGION = "RU-KIR"
USERS: tuple[UserSpec, ...] = (
    UserSpec("ivanova", "operator", REGION, PASSWORD),
    UserSpec("petrov", "operator", REGION, PASSWORD),
    UserSpec("boss", "supervisor", REGION, PASSWORD),
    UserSpec("kirov", "supervisor", OTHER_REGION, PASSWORD),
)


def ingest(server: ServerProcess, supervisor: str, region: str, count: int) -> list[str]:
    """Register ``count`` posts in ``region`` through ``/ingest``; return the incident ids."""
    now = datetime.now(UTC)
    tag = uuid.uuid4().hex[:8]
    items = [
        {
            "source": "vk",
            "external_id": f"post-{tag}-{i}",
            "author": "Жительница",
            "text": f"Во дворе дома {i} не убирают снег ({tag})",
            "received_at": (now - timedelta(minutes=count - i)).isoformat(),
            "region_code": region,
        }
        for i in range(count)
    ]
    response = httpx.post(
        f"{server.base_url}/api/v1/ingest", json=items, headers=server.login(supervisor), timeout=30
    )
    response.raise_for_status()
    return [str(r["incident_id"]) for r in response.json()]


def region_executor(server: ServerProcess, region: str = REGION) -> str:
    """Load the demo municipalities and executors of ``region`` into the server's database (as
    ``cur-server seed-demo`` would); return one executor's id. A move to sent_to_executor
    needs an executor on the incident (docs/DOMAIN_RULES.md); clients pull the list."""
    from cur_desktop.server.db import Database
    from cur_desktop.server.seed import load_reference_data
    from cur_desktop.server.tables import Executor

    db = Database(server.db_url)
    try:
        load_reference_data(db, [region])
        with db.snapshot() as snapshot:
            found = snapshot.scalars(
                select(Executor.id).where(Executor.region_code == region).order_by(Executor.id)
            ).first()
    finally:
        db.dispose()
    assert found is not None, f"no demo executor in {region}"
    return str(found)


def server_rows(server: ServerProcess, login: str) -> dict[str, dict[str, Any]]:
    """Every row the server shows ``login`` now, keyed by ``entity:id``."""
    headers = server.login(login)
    rows: dict[str, dict[str, Any]] = {}
    cursor = 0
    while True:
        response = httpx.get(
            f"{server.base_url}/api/v1/sync/pull",
            params={"cursor": cursor},
            headers=headers,
            timeout=30,
        )
        response.raise_for_status()
        body = response.json()
        fold_pull_page(rows, body)
        cursor = body["next_cursor"]
        if not body["has_more"]:
            return rows


def fold_pull_page(rows: dict[str, dict[str, Any]], body: dict[str, Any]) -> None:
    """Apply one raw pull page to ``rows`` keyed "entity:id" (a removed row is dropped)."""
    for change in body["changes"]:
        key = f"{change['entity']}:{change['id']}"
        if change["data"] is None:
            rows.pop(key, None)
        else:
            rows[key] = change["data"]


def answers_of(rows: dict[str, dict[str, Any]], incident_id: str) -> list[dict[str, Any]]:
    """Answer rows of one incident among ``server_rows``."""
    return [
        row
        for key, row in rows.items()
        if key.startswith("answer:") and row["incident_id"] == incident_id
    ]


T = TypeVar("T")
FAST = RetryPolicy(attempts=3, initial=0.05, maximum=0.2)


def login(directory: Path, url: str, user: str) -> Profile:
    profile = Profile.at(directory)
    asyncio.run(session.login(profile, url, user, PASSWORD))
    return profile


def with_engine(
    profile: Profile,
    fn: Callable[[SyncEngine], Awaitable[T]],
    events: list[SyncEvent] | None = None,
) -> T:
    return asyncio.run(
        session.with_engine(
            profile, fn, on_event=None if events is None else events.append, retry=FAST
        )
    )


async def sync_once(engine: SyncEngine) -> SyncCounts:
    return await engine.sync_once()


def local_rows(profile: Profile, table: Any) -> dict[str, dict[str, Any]]:
    engine = open_engine(profile.db_path)
    try:
        with engine.connect() as conn:
            return {str(r["id"]): dict(r) for r in conn.execute(select(table)).mappings()}
    finally:
        engine.dispose()
