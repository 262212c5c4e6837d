"""Workstations against a REAL server: operations reach it, colleagues hear of them, conflicts
land in "needs attention", background sync follows the poke stream. No fixed sleeps: tests wait
for the events the workstation announces."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import pytest

from cur_desktop.domain.enums import AnswerKind, AnswerState, Status
from cur_desktop.services import ChangeOrigin, Changes, OperationError, Workstation
from cur_desktop.services.outcomes import WorkstationEvent
from cur_desktop.sync.events import UpToDate
from tests.helpers.live import (
    FAST,
    PASSWORD,
    REGION,
    answers_of,
    ingest,
    region_executor,
    server_rows,
)
from tests.helpers.server_process import ServerProcess

T = TypeVar("T")


async def open_logged_in(directory: Path, server: ServerProcess, login: str) -> Workstation:
    station = await Workstation.open(directory, retry=FAST, poll_interval=300.0)
    await station.login(server.base_url, login, PASSWORD)
    return station


def pulled_ids(events: list[WorkstationEvent]) -> set[str]:
    ids: set[str] = set()
    for event in events:
        if isinstance(event, Changes) and event.origin is ChangeOrigin.PULLED:
            ids |= event.incident_ids
    return ids


def run(main: Callable[[], Awaitable[T]]) -> T:
    return asyncio.run(main())


def test_an_answer_goes_through_approval_to_the_server_and_to_the_colleague(
    server: ServerProcess, tmp_path: Path
) -> None:
    (incident_id,) = ingest(server, "boss", REGION, 1)
    executor_id = region_executor(server)  # before the first pull: the client lists it
    boss_events: list[WorkstationEvent] = []

    async def main() -> tuple[str, Status]:
        operator = await open_logged_in(tmp_path / "ivanova", server, "ivanova")
        boss = await open_logged_in(tmp_path / "boss", server, "boss")
        try:
            await operator.sync_now()
            await boss.sync_now()
            boss.subscribe(boss_events.append)
            await operator.take(incident_id)
            # A solution needs a routed incident (docs/DOMAIN_RULES.md): new → moderation,
            # classify (executor), moderation → sent_to_executor.
            await operator.route_to_executor(incident_id, executor_id)
            await operator.send_answer(
                incident_id, AnswerKind.SOLUTION, "Яму заделают до пятницы.", for_approval=True
            )
            counts = await operator.sync_now()
            assert (counts.pushed, counts.rejected) == (5, 0)
            await boss.sync_now()
            assert incident_id in pulled_ids(boss_events)
            seen = await boss.incident(incident_id)
            assert seen.incident.assignee == "ivanova"
            (answer,) = seen.answers
            assert answer.state is AnswerState.ON_APPROVAL
            await boss.approve_answer(str(answer.id))
            await boss.sync_now()
            await operator.sync_now()
            await operator.publish_answer(str(answer.id))
            await operator.sync_now()
            mine = await operator.incident(incident_id)
            assert not mine.local_changed
            assert mine.pending == []
            return str(answer.id), mine.incident.status
        finally:
            await operator.close()
            await boss.close()

    answer_id, status = run(main)
    assert status is Status.PRIMARY_ANSWERED
    rows = server_rows(server, "boss")
    assert rows[f"incident:{incident_id}"]["status"] == "primary_answered"
    assert rows[f"incident:{incident_id}"]["assignee"] == "ivanova"
    assert rows[f"incident:{incident_id}"]["first_answer_at"] is not None
    (answer,) = answers_of(rows, incident_id)
    assert (answer["id"], answer["state"]) == (answer_id, "published")


def test_a_conflicting_take_is_rejected_announced_and_waits_for_the_operator(
    server: ServerProcess, tmp_path: Path
) -> None:
    (incident_id,) = ingest(server, "boss", REGION, 1)
    petrov_events: list[WorkstationEvent] = []

    async def main() -> None:
        ivanova = await open_logged_in(tmp_path / "ivanova", server, "ivanova")
        petrov = await open_logged_in(tmp_path / "petrov", server, "petrov")
        try:
            await ivanova.sync_now()
            await petrov.sync_now()
            petrov.subscribe(petrov_events.append)
            await ivanova.take(incident_id)  # both take it while offline from each other
            await petrov.take(incident_id)
            await ivanova.sync_now()
            counts = await petrov.sync_now()
            assert counts.rejected == 1
            pushed = [
                e
                for e in petrov_events
                if isinstance(e, Changes) and e.origin is ChangeOrigin.PUSHED
            ]
            assert [e.incident_ids for e in pushed] == [frozenset({incident_id})]
            (item,) = await petrov.needs_attention()
            assert (item.title, item.code) == ("Назначение", "assign_conflict")
            assert item.message == "Инцидент уже в работе у сотрудника ivanova"
            assert (await petrov.incident(incident_id)).incident.assignee == "ivanova"
            changes = await petrov.discard(item.mutation_id)
            assert changes.incident_ids == frozenset({incident_id})
            assert await petrov.needs_attention() == []
            with pytest.raises(OperationError, match="Такого отклонённого изменения нет"):
                await petrov.discard(item.mutation_id)
        finally:
            await ivanova.close()
            await petrov.close()

    run(main)


def test_background_sync_brings_a_colleagues_change_through_the_poke_stream(
    server: ServerProcess, tmp_path: Path
) -> None:
    (incident_id,) = ingest(server, "boss", REGION, 1)

    async def main() -> None:
        ivanova = await open_logged_in(tmp_path / "ivanova", server, "ivanova")
        boss = await open_logged_in(tmp_path / "boss", server, "boss")
        arrived = asyncio.Event()
        caught_up = asyncio.Event()

        def on_event(event: WorkstationEvent) -> None:
            if isinstance(event, UpToDate):
                caught_up.set()
            if (
                isinstance(event, Changes)
                and incident_id in event.incident_ids
                and event.origin is ChangeOrigin.PULLED
                and caught_up.is_set()
            ):
                arrived.set()

        try:
            await ivanova.sync_now()
            boss.subscribe(on_event)
            boss.start_sync()  # poll_interval is 300 s: only a poke can bring the change fast
            await asyncio.wait_for(caught_up.wait(), 30)
            assert await boss.wait_live(30)
            await ivanova.take(incident_id)
            await ivanova.sync_now()
            await asyncio.wait_for(arrived.wait(), 30)
            assert (await boss.incident(incident_id)).incident.assignee == "ivanova"
        finally:
            await boss.close()
            await ivanova.close()

    run(main)


@pytest.mark.slow  # ~2–9 s on a loaded 2-core machine: two workstations, five syncs
def test_bulk_take_reaches_the_server_and_only_a_colleagues_change_makes_it_unread(
    server: ServerProcess, tmp_path: Path
) -> None:
    ids = ingest(server, "boss", REGION, 3)

    async def main() -> tuple[set[str], set[str], dict[str, str | None]]:
        operator = await open_logged_in(tmp_path / "ivanova", server, "ivanova")
        boss = await open_logged_in(tmp_path / "boss", server, "boss")
        try:
            await operator.sync_now()
            await operator.mark_read(ids)
            outcome = await operator.bulk_take(ids)
            assert outcome.failures == ()
            counts = await operator.sync_now()
            assert (counts.pushed, counts.rejected) == (3, 0)
            after_own = await operator.unread_among(ids)  # the server confirmed my change
            await boss.sync_now()
            await boss.reassign(ids[0], "boss")
            await boss.sync_now()
            await operator.sync_now()
            after_colleague = await operator.unread_among(ids)
            rows = await operator.inbox_rows_by_id(ids)
            return after_own, after_colleague, {r.id: r.assignee for r in rows}
        finally:
            await operator.close()
            await boss.close()

    after_own, after_colleague, assignees = run(main)
    assert after_own == set()
    assert after_colleague == {ids[0]}
    assert assignees == {ids[0]: "boss", ids[1]: "ivanova", ids[2]: "ivanova"}
    on_server = server_rows(server, "boss")
    assert [on_server[f"incident:{i}"]["assignee"] for i in ids] == ["boss", "ivanova", "ivanova"]
