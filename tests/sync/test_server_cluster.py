"""Several server processes on one PostgreSQL database: pokes cross processes; SQLite says no.

Two real ``cur-server serve`` processes on one fresh PostgreSQL database (two ports), a client
connected to each: a change pushed through the first process wakes the poke stream of the
client connected to the second (LISTEN/NOTIFY, server/poke_relay.py), and that client then
pulls the change. ``serve --workers 2`` starts two worker processes behind one port that serve
the API and relay pokes to every stream. ``serve --workers 2`` on SQLite is refused with a
clear message. Without a reachable PostgreSQL the PostgreSQL tests are skipped with the reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cur_desktop.sync import session
from cur_desktop.sync.syncer import SyncEngine
from cur_desktop.sync.transport import SyncTransport
from tests.helpers.live import FAST, PASSWORD, REGION, USERS, ingest, login
from tests.helpers.server_process import (
    ServerProcess,
    _cli,
    _env,
    _wait_ready,
    free_port,
    fresh_postgres_database,
    init_database,
    postgres_admin_dsn,
)

pytestmark = pytest.mark.postgres


@contextlib.contextmanager
def serve(tmp: Path, db_url: str, *extra: str) -> Iterator[ServerProcess]:
    """``cur-server serve`` with ``extra`` options on an initialised database."""
    port = free_port()
    log_path = tmp / f"server-{port}.log"
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            _cli("serve", "--db", db_url, "--host", "127.0.0.1", "--port", str(port), *extra),
            stdout=log_file,
            stderr=subprocess.STDOUT,
            env=_env(),
        )
    server = ServerProcess(
        base_url=f"http://127.0.0.1:{port}",
        db_url=db_url,
        process=process,
        log_path=log_path,
        users={u.login: u for u in USERS},
    )
    try:
        _wait_ready(server)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture
def pg_url() -> Iterator[str]:
    try:
        postgres_admin_dsn()
    except OSError as exc:
        pytest.skip(f"PostgreSQL on 127.0.0.1:5432 is not reachable: {exc}")
    with fresh_postgres_database() as url:
        init_database(url, USERS)
        yield url


async def _first_poke(transport: SyncTransport, opened: asyncio.Event) -> str:
    """Wait on the poke stream: set ``opened`` when connected, return the first poke's name."""
    async for event in transport.events():
        if event in ("open", "subscribed"):  # connected / registered by the server
            opened.set()
            continue
        return event
    raise AssertionError("the poke stream ended")


async def _logged_in(base_url: str, login: str) -> SyncTransport:
    transport = SyncTransport(base_url)
    await transport.login(login, PASSWORD)
    return transport


def test_a_change_through_one_process_pokes_a_client_of_another(
    pg_url: str, tmp_path: Path
) -> None:
    with serve(tmp_path, pg_url) as first, serve(tmp_path, pg_url) as second:
        incident_id = ingest(first, "boss", REGION, 1)[0]
        profile = login(tmp_path / "ivanova", first.base_url, "ivanova")

        async def change_it(engine: SyncEngine) -> tuple[int, int]:
            await engine.sync_once()
            await engine.record(
                "incident.transition",
                {"incident_id": incident_id, "from_status": "new", "to_status": "moderation"},
                now=datetime.now(UTC),
            )
            return await engine.push()

        async def scenario() -> None:
            watcher = await _logged_in(second.base_url, "petrov")
            opened = asyncio.Event()
            poke = asyncio.create_task(_first_poke(watcher, opened))
            try:
                await asyncio.wait_for(opened.wait(), timeout=15)
                await asyncio.sleep(0.5)  # the stream is registered once its first bytes went out
                assert not poke.done()
                # The change goes through the FIRST process only.
                assert await session.with_engine(profile, change_it, retry=FAST) == (1, 0)
                assert await asyncio.wait_for(poke, timeout=15) == "poke"
                # The poked client of the second process pulls the change from its own server.
                page = await watcher.pull(0)
                statuses = {
                    c.id: (c.data or {}).get("status")
                    for c in page.changes
                    if c.entity == "incident"
                }
                assert statuses[incident_id] == "moderation"
            finally:
                poke.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await poke
                await watcher.aclose()

        asyncio.run(scenario())
    assert "poke relay: listening" in first.log_text()
    assert "poke relay: listening" in second.log_text()


def test_two_workers_behind_one_port_poke_every_stream(pg_url: str, tmp_path: Path) -> None:
    with serve(tmp_path, pg_url, "--workers", "2") as server:
        incident_id = ingest(server, "boss", REGION, 1)[0]

        async def scenario() -> None:
            watchers = [await _logged_in(server.base_url, "petrov") for _ in range(4)]
            opened = [asyncio.Event() for _ in watchers]
            pokes = [
                asyncio.create_task(_first_poke(w, o))
                for w, o in zip(watchers, opened, strict=True)
            ]
            try:
                for event in opened:
                    await asyncio.wait_for(event.wait(), timeout=15)
                await asyncio.sleep(0.5)
                # A second ingestion (a committed change in the region) through any worker.
                await asyncio.to_thread(ingest, server, "boss", REGION, 1)
                names = await asyncio.wait_for(asyncio.gather(*pokes), timeout=15)
                assert names == ["poke"] * 4
            finally:
                for task in pokes:
                    task.cancel()
                for w in watchers:
                    await w.aclose()

        asyncio.run(scenario())
        assert incident_id
    log = server.log_text()
    # Two worker processes were started and each listens for pokes.
    assert log.count("poke relay: listening") == 2, log[-3000:]


def test_sqlite_stays_single_process(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'server.sqlite3'}"
    init_database(url)
    result = subprocess.run(
        _cli("serve", "--db", url, "--port", str(free_port()), "--workers", "2"),
        capture_output=True,
        check=False,
        env=_env(),
        timeout=60,
    )
    assert result.returncode == 2
    assert "SQLite обслуживается одним процессом" in result.stderr.decode()
