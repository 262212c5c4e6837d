"""The demo behind the window: a seeded local server, the demo login, and a live feed.

``cur-desktop --demo`` (the window) calls :func:`start_demo_server` off the GUI thread: the demo
folder (a fresh temporary one unless ``--demo-dir`` is given; temporary ones left by killed
windows are removed first, see :mod:`~cur_desktop.demo.stale_folders`) gets a SQLite server database
filled by ``seed-demo``'s generator (several regions in different time zones, municipalities,
executors, posts per topic and source, history with answers, operators and a supervisor), and
``cur-server serve`` starts on a free loopback port. :class:`LiveFeed` then ingests a new
realistic post every few seconds, so the inbox is alive. Nothing here imports Qt.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from cur_desktop.contract import wire
from cur_desktop.demo.embedded import DEMO_PASSWORD, DemoServer, running_demo_server
from cur_desktop.demo.stale_folders import make_temporary_folder, remove_stale_folders
from cur_desktop.demodata.generator import demo_regions, generate_incidents
from cur_desktop.server.db import Database
from cur_desktop.server.migrate import upgrade
from cur_desktop.server.seed import seed_demo

log = logging.getLogger(__name__)

WINDOW_DEMO_REGIONS = 2
WINDOW_DEMO_DAYS = 90
WINDOW_DEMO_PER_DAY = 3
FEED_INTERVAL_S = (4.0, 8.0)
ADMIN_LOGIN = "demo.admin"
_INGEST_FIELDS = tuple(wire.IngestItem.model_fields)


@dataclass
class RunningDemo:
    """A prepared demo: the server, who to sign in as, and what to clean up."""

    server: DemoServer
    folder: Path
    login: str
    region_code: str
    password: str = DEMO_PASSWORD
    _stack: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)
    _temporary: bool = False

    @property
    def profile_dir(self) -> Path:
        """The profile directory of the signed-in demo user."""
        return self.folder / f"profile-{self.login}"

    def stop(self) -> None:
        """Stop the server; remove a temporary demo folder."""
        self._stack.close()
        if self._temporary:
            shutil.rmtree(self.folder, ignore_errors=True)


def demo_login(role: str) -> tuple[str, str]:
    """The login of the demo user of ``role`` (operator, supervisor or admin) and its region.

    The demo's admin administers every region (``demo.admin``, no region of its own).
    """
    region = demo_regions()[0]
    if role == "admin":
        return ADMIN_LOGIN, region.code
    if role == "supervisor":
        return f"{region.code.removeprefix('RU-').lower()}.supervisor", region.code
    return region.operators[0], region.code


def start_demo_server(
    folder: Path | None,
    role: str,
    progress: Callable[[str, int, int], None] = lambda _stage, _done, _total: None,
    *,
    days: int = WINDOW_DEMO_DAYS,
    per_day: int = WINDOW_DEMO_PER_DAY,
) -> RunningDemo:
    """Seed (first time) and start the demo server (blocking: run it in a worker thread).

    ``progress(stage, done, total)`` receives ``"seeding"`` with the incidents worked so far
    and their number, then ``"starting"``.
    """
    temporary = folder is None
    if temporary:  # a killed window could not remove its folder: the next start does
        remove_stale_folders()
    where = make_temporary_folder() if folder is None else folder.expanduser()
    where.mkdir(parents=True, exist_ok=True)
    db_url = f"sqlite:///{where / 'server.sqlite3'}"
    progress("seeding", 0, 0)
    db = Database(db_url)
    try:
        upgrade(db.engine)
        report = seed_demo(
            db,
            regions=WINDOW_DEMO_REGIONS,
            days=days,
            per_day=per_day,
            password=DEMO_PASSWORD,
            progress=lambda done, total: progress("seeding", done, total),
        )
    finally:
        db.engine.dispose()
    log.info("demo seeded: %d incidents created", report.incidents_created)
    progress("starting", 0, 0)
    login, region = demo_login(role)
    demo = RunningDemo(
        server=None,  # type: ignore[arg-type]  # set right below, once started
        folder=where,
        login=login,
        region_code=region,
        _temporary=temporary,
    )
    try:
        demo.server = demo._stack.enter_context(running_demo_server(db_url, where / "server.log"))
    except BaseException:
        demo.stop()
        raise
    return demo


def _ingest_item(row: dict[str, Any], hours_ago: float = 0.0) -> dict[str, Any]:
    item = {k: row[k] for k in _INGEST_FIELDS if row.get(k) is not None}
    item["received_at"] = (datetime.now(UTC) - timedelta(hours=hours_ago)).isoformat()
    item["external_id"] = f"live-{uuid.uuid4().hex[:12]}"
    return item


class LiveFeed:
    """Ingests one new post every few seconds into the demo server (an asyncio task)."""

    def __init__(
        self, base_url: str, region_code: str, *, seed: int | None = None, burst: int = 14
    ) -> None:
        self.base_url = base_url
        self.burst = burst
        self.region_code = region_code
        self.rng = random.Random(seed)
        self.sent = 0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start feeding (on the running loop)."""
        if self._task is None:
            self._task = asyncio.ensure_future(self._run())

    async def stop(self) -> None:
        """Stop feeding."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None

    async def _run(self) -> None:
        async with httpx.AsyncClient(base_url=self.base_url, timeout=10) as client:
            token = None
            while True:
                if not self.burst:
                    await asyncio.sleep(self.rng.uniform(*FEED_INTERVAL_S))
                try:
                    if token is None:
                        response = await client.post(
                            f"{wire.API_PREFIX}/auth/login",
                            json={"login": ADMIN_LOGIN, "password": DEMO_PASSWORD},
                        )
                        response.raise_for_status()
                        token = response.json()["access_token"]
                    if self.burst:
                        await self._feed_burst(client, token)
                    await self._feed_one(client, token)
                except httpx.HTTPError as exc:
                    log.info("demo feed: %s", exc)
                    token = None

    async def _feed_burst(self, client: httpx.AsyncClient, token: str) -> None:
        """Posts of the last hours, so the views have fresh, due-soon and overdue work at once."""
        seed = self.rng.getrandbits(32)
        rows = generate_incidents(self.burst, seed=seed, regions=[self.region_code], days=1)
        items = [_ingest_item(row, hours_ago=self.rng.uniform(0.2, 30.0)) for row in rows]
        response = await client.post(
            f"{wire.API_PREFIX}/ingest",
            json=items,
            headers={"Authorization": f"Bearer {token}"},
        )
        response.raise_for_status()
        self.sent += len(items)
        self.burst = 0

    async def _feed_one(self, client: httpx.AsyncClient, token: str) -> None:
        seed = self.rng.getrandbits(32)
        row = next(generate_incidents(1, seed=seed, regions=[self.region_code], days=1))
        response = await client.post(
            f"{wire.API_PREFIX}/ingest",
            json=[_ingest_item(row)],
            headers={"Authorization": f"Bearer {token}"},
        )
        response.raise_for_status()
        self.sent += 1


__all__ = ["LiveFeed", "RunningDemo", "demo_login", "start_demo_server"]
