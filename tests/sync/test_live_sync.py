"""The sync engine against a REAL ``cur-server`` process on a free loopback port."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from cur_desktop.storage import localstate as ls
from cur_desktop.storage.tables import answer_table, incident_table
from cur_desktop.sync import session
from cur_desktop.sync.errors import NetworkError
from cur_desktop.sync.events import NeedsAttention, Offline, SyncEvent, UpToDate
from cur_desktop.sync.syncer import SyncCounts, SyncEngine
from tests.helpers.live import (
    OTHER_REGION,
    REGION,
    USERS,
    answers_of,
    ingest,
    local_rows,
    login,
    server_rows,
    sync_once,
    with_engine,
)
from tests.helpers.proxy import FaultProxy
from tests.helpers.server_process import ServerProcess, init_database, running_server


def test_login_and_first_sync_bring_the_region_and_nothing_else(
    server: ServerProcess, tmp_path: Path
) -> None:
    mine = ingest(server, "boss", REGION, 7)
    theirs = ingest(server, "kirov", OTHER_REGION, 4)
    profile = login(tmp_path / "ivanova", server.base_url, "ivanova")
    events: list[SyncEvent] = []
    counts = with_engine(profile, sync_once, events)

    incidents = local_rows(profile, incident_table)
    assert set(mine) <= set(incidents)
    assert not set(theirs) & set(incidents)
    assert {r["region_code"] for r in incidents.values()} == {REGION}
    expected = {
        k.split(":", 1)[1] for k in server_rows(server, "ivanova") if k.startswith("incident:")
    }
    assert set(incidents) == expected
    assert counts.pulled >= len(mine)
    assert (counts.pushed, counts.rejected) == (0, 0)
    assert isinstance(events[-1], UpToDate)
    status = session.read_status(profile)
    assert status.cursor > 0
    assert (status.pending, status.login) == (0, "ivanova")


@pytest.mark.slow
def test_offline_change_survives_a_restart_and_lands_when_the_server_returns(
    tmp_path: Path,
) -> None:
    db_url = f"sqlite:///{tmp_path / 'server.sqlite3'}"
    init_database(db_url, USERS)
    with running_server(tmp_path / "a", db_url=db_url, users=USERS, initialise=False) as first:
        host, port = first.base_url.removeprefix("http://").split(":")
        proxy = FaultProxy(host, int(port)).start()
        try:
            incident_id = ingest(first, "boss", REGION, 1)[0]
            profile = login(tmp_path / "ivanova", proxy.url, "ivanova")
            with_engine(profile, sync_once)
        except BaseException:
            proxy.stop()
            raise
    # The server is down now. The operator works on.
    try:
        answer_id = str(uuid.uuid4())

        async def work_offline(engine: SyncEngine) -> None:
            await engine.record(
                "incident.assign",
                {"incident_id": incident_id, "expected": None, "assignee": "ivanova"},
            )
            await engine.record(
                "answer.add",
                {
                    "id": answer_id,
                    "incident_id": incident_id,
                    "kind": "interim",
                    "text": "Заявка передана в управляющую компанию, срок — до пятницы.",
                },
            )
            with pytest.raises(NetworkError):
                await engine.sync_once()

        events: list[SyncEvent] = []
        with_engine(profile, work_offline, events)
        assert any(isinstance(e, Offline) for e in events)
        # "Restart": a new engine over the same profile sees the queued work.
        status = session.read_status(profile)
        assert (status.pending, status.rejected) == (2, 0)
        assert local_rows(profile, incident_table)[incident_id]["assignee"] == "ivanova"
        assert answer_id in local_rows(profile, answer_table)

        with running_server(tmp_path / "b", db_url=db_url, users=USERS, initialise=False) as second:
            proxy.upstream = ("127.0.0.1", int(second.base_url.rsplit(":", 1)[1]))
            counts = with_engine(profile, sync_once)
            assert (counts.pushed, counts.rejected) == (2, 0)
            status = session.read_status(profile)
            assert (status.pending, status.rejected) == (0, 0)
            rows = server_rows(second, "boss")
            assert rows[f"incident:{incident_id}"]["assignee"] == "ivanova"
            assert [a["id"] for a in answers_of(rows, incident_id)] == [answer_id]
            local = local_rows(profile, incident_table)[incident_id]
            assert local["assignee"] == "ivanova"
            assert not local["local_changed"]
    finally:
        proxy.stop()


def test_lost_push_answer_is_retried_and_applied_exactly_once(
    server: ServerProcess, tmp_path: Path
) -> None:
    host, port = server.base_url.removeprefix("http://").split(":")
    with FaultProxy(host, int(port)) as proxy:
        incident_id = ingest(server, "boss", REGION, 1)[0]
        profile = login(tmp_path / "ivanova", proxy.url, "ivanova")
        with_engine(profile, sync_once)
        answer_id = str(uuid.uuid4())

        async def answer_and_sync(engine: SyncEngine) -> SyncCounts:
            await engine.record(
                "answer.add",
                {
                    "id": answer_id,
                    "incident_id": incident_id,
                    "kind": "solution",
                    "state": "draft",
                    "text": "Снег во дворе убран 3 марта, фото приложено.",
                },
            )
            proxy.drop_response_to("/api/v1/sync/push")
            return await engine.sync_once()

        counts = with_engine(profile, answer_and_sync)
        assert proxy.dropped == 1
        assert (counts.pushed, counts.rejected) == (1, 0)
        assert session.read_status(profile).pending == 0
        answers = answers_of(server_rows(server, "boss"), incident_id)
        assert [a["id"] for a in answers] == [answer_id]
        local_answers = local_rows(profile, answer_table).values()
        assert [a["id"] for a in local_answers if a["incident_id"] == incident_id] == [answer_id]


def test_offline_assignment_loses_to_a_colleague_and_waits_for_the_operator(
    server: ServerProcess, tmp_path: Path
) -> None:
    incident_id = ingest(server, "boss", REGION, 1)[0]
    ivanova = login(tmp_path / "ivanova", server.base_url, "ivanova")
    petrov = login(tmp_path / "petrov", server.base_url, "petrov")
    with_engine(ivanova, sync_once)
    with_engine(petrov, sync_once)
    mine, his = str(uuid.uuid4()), str(uuid.uuid4())

    def take(who: str, answer_id: str, text: str) -> Callable[[SyncEngine], Awaitable[None]]:
        async def work(engine: SyncEngine) -> None:
            await engine.record(
                "incident.assign",
                {"incident_id": incident_id, "expected": None, "assignee": who},
            )
            await engine.record(
                "answer.add",
                {
                    "id": answer_id,
                    "incident_id": incident_id,
                    "kind": "internal_note",
                    "text": text,
                },
            )

        return work

    with_engine(ivanova, take("ivanova", mine, "Беру, позвоню в УК."))  # not pushed yet
    with_engine(petrov, take("petrov", his, "Беру в работу."))
    assert with_engine(petrov, sync_once).pushed == 2  # the colleague, online, is first

    events: list[SyncEvent] = []
    counts = with_engine(ivanova, sync_once, events)
    assert (counts.pushed, counts.rejected) == (1, 1)
    assert NeedsAttention(1) in events

    async def attention(engine: SyncEngine) -> list[ls.OutboxRow]:
        return await engine.needs_attention()

    rows = with_engine(ivanova, attention)
    assert [(r.name.value, r.reject_code) for r in rows] == [("incident.assign", "assign_conflict")]
    assert "petrov" in (rows[0].reject_message or "")
    assert rows[0].args["assignee"] == "ivanova"
    local = local_rows(ivanova, incident_table)[incident_id]
    assert local["assignee"] == "petrov"  # the colleague's choice is what she sees
    assert {mine, his} <= set(local_rows(ivanova, answer_table))
    server_answers = {a["id"] for a in answers_of(server_rows(server, "boss"), incident_id)}
    assert server_answers == {mine, his}

    async def give_up(engine: SyncEngine) -> list[ls.OutboxRow]:
        await engine.discard(rows[0].id)
        return await engine.needs_attention()

    assert with_engine(ivanova, give_up) == []


def test_a_poke_from_the_server_triggers_a_pull(server: ServerProcess, tmp_path: Path) -> None:
    profile = login(tmp_path / "ivanova", server.base_url, "ivanova")
    new_ids: list[str] = []

    async def live(engine: SyncEngine) -> None:
        engine.poll_interval = 300.0  # the timer must not be what brings the change
        ready = asyncio.Event()
        arrived = asyncio.Event()
        engine.add_listener(lambda e: ready.set() if isinstance(e, UpToDate) else None)
        engine.add_change_listener(
            lambda e: arrived.set() if new_ids and new_ids[0] in e.incident_ids else None
        )
        runner = asyncio.create_task(engine.run_forever())
        try:
            await asyncio.wait_for(ready.wait(), 30)
            # the server says when this subscriber is registered: no poke can be missed after
            await asyncio.wait_for(engine.subscribed.wait(), 30)
            new_ids.extend(await asyncio.to_thread(ingest, server, "boss", REGION, 1))
            await asyncio.wait_for(arrived.wait(), 30)
            view = await engine.writer.run(lambda c: ls.load_view_incident(c, new_ids[0]))
            assert view is not None
        finally:
            engine.stop()
            await asyncio.wait_for(runner, 10)

    with_engine(profile, live)
    assert new_ids[0] in local_rows(profile, incident_table)


def test_token_is_never_logged(
    server: ServerProcess, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    profile = login(tmp_path / "ivanova", server.base_url, "ivanova")
    with_engine(profile, sync_once)
    token = profile.credentials().load()
    assert token
    assert len(caplog.records) > 5  # DEBUG really was on
    assert token not in caplog.text
    assert token[:16] not in caplog.text
