"""Three days offline: 5,000 queued changes, a compacted server log, then everything lands.

The operator works offline on 250 incidents (take, moderate, classify, route, fourteen notes, a
solution drafted and published: 20 changes each, stamped over three days) while colleagues
online take 25 of those incidents and the supervisor rejects 25 others; the server then gets
new posts and its log is compacted (``cur-server compact``), so the client's cursor is below
the horizon. On reconnect:

1. a pull alone gets a full re-snapshot (``reset``) in several pages while all 5,000 changes
   are still queued: the outbox survives, the view shows the operator's work replayed on the
   new snapshot, and changes that no longer fit are not shown (the colleague's assignment);
2. the sync pushes all 5,000: exactly the 75 that conflict are rejected (25 assignments,
   50 status changes) with their codes and Russian messages in "needs attention", the other
   4,925 are applied, none is lost, and the client ends equal to the server.
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Connection

from cur_desktop.contract import wire
from cur_desktop.storage import localstate as ls
from cur_desktop.storage import outbox
from cur_desktop.storage.tables import answer_table, incident_table
from cur_desktop.sync import session as sync_session
from cur_desktop.sync.page_codec import parse_ndjson_page
from cur_desktop.sync.syncer import SyncCounts, SyncEngine
from cur_desktop.sync.transport import parse_json_page
from tests.helpers.live import (
    REGION,
    USERS,
    ingest,
    local_rows,
    login,
    region_executor,
    server_rows,
    with_engine,
)
from tests.helpers.server_process import ServerProcess, running_server

INCIDENTS = 250
PER_INCIDENT = 20
NOTES = 14
TAKEN_BY_COLLEAGUE = range(0, 25)
REJECTED_BY_SUPERVISOR = range(25, 50)
OFFLINE_FOR = timedelta(days=3)


def offline_work(
    incident_ids: list[str], login_name: str, executor_id: str
) -> list[tuple[str, dict[str, Any]]]:
    """The 5,000 changes the operator makes offline, in order (20 per incident); the
    classification names the executor, which the move to sent_to_executor needs."""
    work: list[tuple[str, dict[str, Any]]] = []
    for n, incident_id in enumerate(incident_ids):
        solution = str(uuid.uuid5(uuid.NAMESPACE_URL, f"solution/{incident_id}"))
        work += [
            (
                "incident.assign",
                {"incident_id": incident_id, "expected": None, "assignee": login_name},
            ),
            (
                "incident.transition",
                {"incident_id": incident_id, "from_status": "new", "to_status": "moderation"},
            ),
            (
                "incident.classify",
                {
                    "incident_id": incident_id,
                    "topic_code": "zhkh",
                    "priority": "high",
                    "executor_id": executor_id,
                },
            ),
            (
                "incident.transition",
                {
                    "incident_id": incident_id,
                    "from_status": "moderation",
                    "to_status": "sent_to_executor",
                },
            ),
        ]
        work += [
            (
                "answer.add",
                {
                    "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"note/{incident_id}/{k}")),
                    "incident_id": incident_id,
                    "kind": "internal_note",
                    "text": f"Звонок в УК №{k}: обещали выехать (инцидент {n})",
                },
            )
            for k in range(NOTES)
        ]
        work += [
            (
                "answer.add",
                {
                    "id": solution,
                    "incident_id": incident_id,
                    "kind": "solution",
                    "text": f"Двор очищен от снега, фото приложено (инцидент {n}).",
                },
            ),
            (
                "answer.set_state",
                {"answer_id": solution, "from_state": "draft", "to_state": "published"},
            ),
        ]
    return work


async def record_all(
    engine: SyncEngine, work: list[tuple[str, dict[str, Any]]], start: datetime
) -> None:
    """Queue ``work`` through the real outbox, 500 changes per transaction, over three days."""
    step = OFFLINE_FOR / len(work)

    def chunk(first: int, items: list[tuple[str, dict[str, Any]]]) -> Any:
        def job(conn: Connection) -> None:
            for k, (name, args) in enumerate(items):
                outbox.record_local_mutation(conn, name, args, now=start + step * (first + k))

        return job

    for first in range(0, len(work), 500):
        await engine.writer.run(chunk(first, work[first : first + 500]))


def compact(server: ServerProcess) -> None:
    """Run ``cur-server compact`` against the running server's database (a real subprocess)."""
    subprocess.run(
        [sys.executable, "-m", "cur_desktop.server.commands", "compact", "--db", server.db_url],
        check=True,
        capture_output=True,
        timeout=120,
    )


def push_as(server: ServerProcess, user: str, mutations: list[tuple[str, dict[str, Any]]]) -> None:
    """A colleague online pushes ``mutations`` through the real endpoint; all must apply."""
    body = {
        "client_id": str(uuid.uuid4()),
        "mutations": [
            {"id": i + 1, "name": name, "args": args} for i, (name, args) in enumerate(mutations)
        ],
    }
    response = httpx.post(
        f"{server.base_url}/api/v1/sync/push", json=body, headers=server.login(user), timeout=120
    )
    response.raise_for_status()
    outcomes = {r["outcome"] for r in response.json()["results"]}
    assert outcomes == {"applied"}, response.json()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A server of this module's own: the compaction must not touch the shared one."""
    with running_server(tmp_path_factory.mktemp("offline-server"), users=USERS) as srv:
        yield srv


@pytest.mark.slow
def test_three_days_offline_with_5000_changes_and_a_compacted_log(
    server: ServerProcess, tmp_path: Path
) -> None:
    run_long_offline(server, tmp_path, INCIDENTS, TAKEN_BY_COLLEAGUE, REJECTED_BY_SUPERVISOR)


def run_long_offline(
    server: ServerProcess, tmp_path: Path, incidents: int, taken: range, rejected: range
) -> None:
    """The scenario of the module docstring with ``incidents`` x 20 queued changes."""
    incident_ids = ingest(server, "boss", REGION, incidents)
    executor_id = region_executor(server)  # before the first pull: the client lists it
    profile = login(tmp_path / "ivanova", server.base_url, "ivanova")
    with_engine(profile, lambda engine: engine.sync_once())
    old_cursor = sync_session.read_status(profile).cursor
    assert old_cursor > 0

    work = offline_work(incident_ids, "ivanova", executor_id)
    total = incidents * PER_INCIDENT
    assert len(work) == total

    async def go_offline(engine: SyncEngine) -> None:
        await record_all(engine, work, datetime.now(UTC) - OFFLINE_FOR)

    with_engine(profile, go_offline)
    assert sync_session.read_status(profile).pending == total

    # Meanwhile on the server: colleagues work, new posts come, the log is compacted.
    push_as(
        server,
        "petrov",
        [
            (
                "incident.assign",
                {"incident_id": incident_ids[i], "expected": None, "assignee": "petrov"},
            )
            for i in taken
        ],
    )
    push_as(
        server,
        "boss",
        [
            (
                "incident.transition",
                {
                    "incident_id": incident_ids[i],
                    "from_status": "new",
                    "to_status": "rejected",
                    "reject_reason": "spam",
                },
            )
            for i in rejected
        ],
    )
    before_compaction = ingest(server, "boss", REGION, 20)
    compact(server)
    after_compaction = ingest(server, "boss", REGION, 5)
    stale = httpx.get(
        f"{server.base_url}/api/v1/sync/pull",
        params={"cursor": old_cursor},
        headers=server.login("ivanova"),
        timeout=30,
    ).json()
    assert stale["reset"] is True  # the old cursor is below the horizon now

    pages: list[wire.PullResponse] = []

    async def reconnect_and_pull(engine: SyncEngine) -> int:
        real_pull = engine.transport.pull_body

        async def observed(*args: Any, **kwargs: Any) -> tuple[bytes, bool]:
            body, is_ndjson = await real_pull(*args, **kwargs)
            cursor = args[0]
            page = (
                parse_ndjson_page(body, cursor)[0] if is_ndjson else parse_json_page(body, cursor)
            )
            pages.append(page)
            return body, is_ndjson

        # An observer around the real transport, to see the pages the engine got.
        engine.transport.pull_body = observed  # type: ignore[method-assign]
        engine.pull_limit = 50
        return await engine.pull()

    with_engine(profile, reconnect_and_pull)
    # 1. A full re-snapshot in several pages, with the whole outbox still queued.
    assert pages[0].reset is True
    assert len(pages) >= 2
    assert all(p.next_cursor < 0 for p in pages[:-1])
    assert pages[-1].next_cursor > 0
    assert not any(p.reset for p in pages[1:])
    status = sync_session.read_status(profile)
    assert (status.pending, status.rejected) == (total, 0)
    view = local_rows(profile, incident_table)
    assert set(before_compaction + after_compaction) <= set(view)
    mine = incident_ids[-1]
    assert (view[mine]["assignee"], view[mine]["status"]) == ("ivanova", "sent_to_executor")
    assert view[mine]["local_changed"]
    colleagues = incident_ids[taken[0]]
    assert view[colleagues]["assignee"] == "petrov"  # her pending take no longer fits: not shown
    assert view[incident_ids[rejected[0]]]["status"] == "rejected"
    answers = local_rows(profile, answer_table)
    assert sum(1 for a in answers.values() if a["incident_id"] == mine) == NOTES + 1

    # 2. Everything lands: applied or rejected with a reason, none lost.
    async def sync(engine: SyncEngine) -> tuple[SyncCounts, list[ls.OutboxRow]]:
        counts = await engine.sync_once()
        return counts, await engine.needs_attention()

    counts, attention = with_engine(profile, sync)
    assert counts.pushed + counts.rejected == total
    assert counts.rejected == len(taken) + 2 * len(rejected)
    status = sync_session.read_status(profile)
    assert (status.pending, status.rejected) == (0, counts.rejected)
    by_code: dict[str, set[str]] = {}
    for row in attention:
        assert row.reject_message
        by_code.setdefault(row.reject_code or "", set()).add(str(row.args["incident_id"]))
    assert by_code == {
        "assign_conflict": {incident_ids[i] for i in taken},
        "status_conflict": {incident_ids[i] for i in rejected},
    }
    assert all(
        "petrov" in (r.reject_message or "")
        for r in attention
        if r.reject_code == "assign_conflict"
    )

    rows = server_rows(server, "ivanova")
    for n, incident_id in enumerate(incident_ids):
        incident = rows[f"incident:{incident_id}"]
        expected_status = "rejected" if n in rejected else "sent_to_executor"
        expected_assignee = "petrov" if n in taken else "ivanova"
        assert (incident["status"], incident["assignee"], incident["topic_code"]) == (
            expected_status,
            expected_assignee,
            "zhkh",
        ), n
        assert incident["first_answer_at"] is not None  # the published solution
    server_answers = {k.split(":", 1)[1]: v for k, v in rows.items() if k.startswith("answer:")}
    queued_answers = {args["id"] for name, args in work if name == "answer.add"}
    assert len(queued_answers) == incidents * (NOTES + 1)
    assert queued_answers <= set(server_answers)
    assert all(server_answers[a]["author"] == "ivanova" for a in queued_answers)

    # The client ends equal to the server.
    local_incidents = local_rows(profile, incident_table)
    server_incidents = {k.split(":", 1)[1]: v for k, v in rows.items() if k.startswith("incident:")}
    assert set(local_incidents) == set(server_incidents)
    assert not any(r["local_changed"] for r in local_incidents.values())
    for incident_id in incident_ids:
        local = ls.incident_from_row(local_incidents[incident_id])
        assert local == wire.IncidentWire.model_validate(server_incidents[incident_id])
    assert set(local_rows(profile, answer_table)) == set(server_answers)
