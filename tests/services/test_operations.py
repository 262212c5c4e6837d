"""Workstation operations on a real local store, offline: rules, outbox, changes, errors."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import Connection

from cur_desktop.domain.enums import AnswerKind, AnswerState, RejectReason, Status
from cur_desktop.services import ChangeOrigin, Changes, OperationError, Workstation
from cur_desktop.services.operations import forward_path
from cur_desktop.services.outcomes import WorkstationEvent
from cur_desktop.storage.inbox import InboxFilter, InboxSort
from tests.helpers.wire_factories import T0, incident
from tests.services.conftest import Seed

T = TypeVar("T")


def run(seed_dir: Path, body: Callable[[Workstation], Awaitable[T]]) -> T:
    """Open a workstation on ``seed_dir``, run ``body`` with it, close it."""

    async def main() -> T:
        station = await Workstation.open(seed_dir)
        try:
            return await body(station)
        finally:
            await station.close()

    return asyncio.run(main())


def _pending(station: Workstation, incident_id: str) -> Awaitable[list[tuple[str, dict[str, Any]]]]:
    async def read() -> list[tuple[str, dict[str, Any]]]:
        detail = await station.incident(incident_id)
        return [(p.name, p.args) for p in detail.pending]

    return read()


def test_take_records_one_assignment_and_announces_it(seeded_profile: Seed) -> None:
    inc = incident(status=Status.MODERATION)
    key = str(inc.id)
    events: list[WorkstationEvent] = []

    async def body(station: Workstation) -> tuple[Changes, Any, list[Any]]:
        station.subscribe(events.append)
        changes = await station.take(key)
        detail = await station.incident(key)
        return changes, detail, await _pending(station, key)

    changes, detail, pending = run(seeded_profile(inc), body)
    assert changes == Changes(ChangeOrigin.LOCAL, frozenset({key}), mutation_ids=(1,))
    assert events == [changes]
    assert detail.incident.assignee == "ivanova"
    assert detail.local_changed is True
    assert pending == [
        ("incident.assign", {"incident_id": key, "expected": None, "assignee": "ivanova"})
    ]


def test_taking_an_incident_someone_else_holds_is_refused_in_russian(seeded_profile: Seed) -> None:
    inc = incident(status=Status.MODERATION, assignee="petrov")

    async def body(station: Workstation) -> tuple[OperationError, int]:
        with pytest.raises(OperationError) as caught:
            await station.take(str(inc.id))
        return caught.value, (await station.sync_status()).pending

    error, pending = run(seeded_profile(inc), body)
    assert error.message == "Инцидент уже в работе у сотрудника petrov"
    assert error.code == "assign_conflict"
    assert pending == 0  # nothing was written


def test_routing_a_new_incident_passes_through_moderation(seeded_profile: Seed) -> None:
    inc = incident(status=Status.NEW)
    key = str(inc.id)

    async def body(station: Workstation) -> tuple[Any, Any]:
        await station.route_to_executor(key, "ex-roads")
        return await station.incident(key), await _pending(station, key)

    detail, pending = run(seeded_profile(inc), body)
    assert (detail.incident.status, detail.incident.executor_id) == (
        Status.SENT_TO_EXECUTOR,
        "ex-roads",
    )
    unchanged = dict.fromkeys(
        ("source", "topic_code", "subtopic_code", "municipality_id", "priority")
    )
    no_result = {"outcome": None, "reject_reason": None}
    assert pending == [
        ("incident.classify", {"incident_id": key, "executor_id": "ex-roads", **unchanged}),
        (
            "incident.transition",
            {"incident_id": key, "from_status": "new", "to_status": "moderation", **no_result},
        ),
        (
            "incident.transition",
            {
                "incident_id": key,
                "from_status": "moderation",
                "to_status": "sent_to_executor",
                **no_result,
            },
        ),
    ]


def test_routing_to_an_unknown_executor_is_refused(seeded_profile: Seed) -> None:
    inc = incident(status=Status.MODERATION)

    async def body(station: Workstation) -> OperationError:
        with pytest.raises(OperationError) as caught:
            await station.route_to_executor(str(inc.id), "ex-nowhere")
        return caught.value

    assert run(seeded_profile(inc), body).message == "Исполнитель ex-nowhere не найден"


def test_an_interim_answer_puts_the_incident_on_control_and_drops_the_draft(
    seeded_profile: Seed,
) -> None:
    due = T0 + timedelta(hours=8)
    inc = incident(status=Status.SENT_TO_EXECUTOR, first_answer_due=due)
    key = str(inc.id)

    async def body(station: Workstation) -> tuple[Any, Any, Any, Any]:
        await station.save_draft(key, AnswerKind.INTERIM, "Черновик")
        before = (await station.inbox_rows_by_id([key]))[0]
        await station.send_answer(key, AnswerKind.INTERIM, "  Взяли в работу, ответим до пятницы ")
        detail = await station.incident(key)
        return before, detail, await _pending(station, key), await station.draft(key)

    before, detail, pending, draft = run(seeded_profile(inc), body)
    assert (before.current_due, before.has_draft) == (due, True)
    assert detail.incident.status is Status.ON_CONTROL
    assert detail.incident.first_answer_at is not None
    # On control the final-answer due runs; the server computes it, so none is known yet.
    assert detail.current_due is None
    assert [a.text for a in detail.answers] == ["Взяли в работу, ответим до пятницы"]
    assert detail.answers[0].state is AnswerState.PUBLISHED
    assert [name for name, _ in pending] == [
        "answer.add",
        "incident.transition",
        "incident.transition",
    ]
    assert [(a.get("from_status"), a.get("to_status")) for _, a in pending[1:]] == [
        ("sent_to_executor", "primary_answered"),
        ("primary_answered", "on_control"),
    ]
    assert draft is None


def test_a_draft_is_never_queued_and_survives_a_restart(seeded_profile: Seed) -> None:
    inc = incident(status=Status.MODERATION)
    key = str(inc.id)
    directory = seeded_profile(inc)

    async def save(station: Workstation) -> Changes:
        return await station.save_draft(key, AnswerKind.SOLUTION, "Яма будет заделана")

    changes = run(directory, save)
    assert changes == Changes(ChangeOrigin.LOCAL, frozenset({key}))

    async def reopen(station: Workstation) -> tuple[Any, int, bool]:
        row = (await station.inbox_rows_by_id([key]))[0]
        return await station.draft(key), (await station.sync_status()).pending, row.has_draft

    draft, pending, has_draft = run(directory, reopen)
    assert draft is not None
    assert (draft.kind, draft.text) == (AnswerKind.SOLUTION, "Яма будет заделана")
    assert (pending, has_draft) == (0, True)


def test_merging_a_duplicate_rejects_it_and_notes_both(seeded_profile: Seed) -> None:
    kept = incident(status=Status.MODERATION)
    dup = incident(status=Status.NEW, author="Пётр", link="https://vk.com/wall-1_9", text="Яма!")
    kept_id, dup_id = str(kept.id), str(dup.id)

    async def body(station: Workstation) -> tuple[Changes, Any, Any]:
        changes = await station.merge_duplicate(dup_id, kept_id)
        return changes, await station.incident(dup_id), await station.incident(kept_id)

    changes, dup_detail, kept_detail = run(seeded_profile(kept, dup), body)
    assert changes.incident_ids == frozenset({kept_id, dup_id})
    assert (dup_detail.incident.status, dup_detail.incident.reject_reason) == (
        Status.REJECTED,
        RejectReason.DUPLICATE,
    )
    assert dup_detail.current_due is None
    (dup_note,) = dup_detail.answers
    assert dup_note.kind is AnswerKind.INTERNAL_NOTE
    assert kept_id in dup_note.text
    (kept_note,) = kept_detail.answers
    assert dup_id in kept_note.text
    assert "https://vk.com/wall-1_9" in kept_note.text
    assert "Пётр: Яма!" in kept_note.text


def test_an_illegal_status_move_is_refused_with_the_reason(seeded_profile: Seed) -> None:
    inc = incident(status=Status.NEW)

    async def body(station: Workstation) -> OperationError:
        with pytest.raises(OperationError) as caught:
            await station.change_status(str(inc.id), Status.ON_CONTROL)
        return caught.value

    error = run(seeded_profile(inc), body)
    assert error.code == "illegal_transition"
    assert error.message.startswith("Нельзя перевести инцидент из статуса «Новый» в «На контроле»")


def test_moving_to_sent_to_executor_without_an_executor_is_refused_locally(
    seeded_profile: Seed,
) -> None:
    """The status change of the card: refused in Russian before anything is recorded; with an
    executor already on the incident the same move goes through."""
    bare = incident(status=Status.MODERATION)
    chosen = incident(status=Status.MODERATION, executor_id="ex-roads")

    async def body(station: Workstation) -> tuple[OperationError, int, Status, Any]:
        with pytest.raises(OperationError) as caught:
            await station.change_status(str(bare.id), Status.SENT_TO_EXECUTOR)
        pending_after_refusal = (await station.sync_status()).pending
        kept = (await station.incident(str(bare.id))).incident.status
        await station.change_status(str(chosen.id), Status.SENT_TO_EXECUTOR)
        return caught.value, pending_after_refusal, kept, await station.incident(str(chosen.id))

    error, pending, kept, routed = run(seeded_profile(bare, chosen), body)
    assert (error.code, error.message) == (
        "illegal_transition",
        "Нельзя перевести инцидент из статуса «На модерации» в «Направлен исполнителю»: "
        "не выбран исполнитель. Выберите исполнителя и сохраните классификацию",
    )
    assert (pending, kept) == (0, Status.MODERATION)  # nothing was written
    assert (routed.incident.status, routed.incident.executor_id) == (
        Status.SENT_TO_EXECUTOR,
        "ex-roads",
    )


def test_rerouting_to_another_executor_keeps_the_status(seeded_profile: Seed) -> None:
    """DOMAIN.md: a sent incident may be re-routed; only the executor changes."""
    inc = incident(status=Status.SENT_TO_EXECUTOR, executor_id="ex-roads")
    key = str(inc.id)

    async def body(station: Workstation) -> tuple[Any, Any]:
        await station.route_to_executor(key, "ex-water")
        return await station.incident(key), await _pending(station, key)

    executors = (("ex-roads", "Дорожное управление"), ("ex-water", "Водоканал"))
    detail, pending = run(seeded_profile(inc, executors=executors), body)
    assert (detail.incident.status, detail.incident.executor_id) == (
        Status.SENT_TO_EXECUTOR,
        "ex-water",
    )
    assert [name for name, _ in pending] == ["incident.classify"]


def test_only_a_supervisor_approves_answers(seeded_profile: Seed) -> None:
    inc = incident(status=Status.SENT_TO_EXECUTOR, executor_id="ex-roads")
    key = str(inc.id)

    async def body(station: Workstation) -> OperationError:
        await station.send_answer(key, AnswerKind.SOLUTION, "Сделано", for_approval=True)
        answer_id = str((await station.incident(key)).answers[0].id)
        with pytest.raises(OperationError) as caught:
            await station.approve_answer(answer_id)
        return caught.value

    error = run(seeded_profile(inc), body)
    assert (error.code, error.message) == (
        "forbidden",
        "Согласовать ответ может только руководитель",
    )


def test_a_supervisor_approves_and_the_operator_publishes(seeded_profile: Seed) -> None:
    inc = incident(status=Status.SENT_TO_EXECUTOR, executor_id="ex-roads")
    key = str(inc.id)

    async def body(station: Workstation) -> Any:
        await station.send_answer(key, AnswerKind.SOLUTION, "Сделано", for_approval=True)
        answer_id = str((await station.incident(key)).answers[0].id)
        await station.approve_answer(answer_id)
        await station.publish_answer(answer_id)
        return await station.incident(key)

    detail = run(seeded_profile(inc, role="supervisor"), body)
    assert detail.answers[0].state is AnswerState.PUBLISHED
    assert detail.incident.status is Status.PRIMARY_ANSWERED


def test_the_inbox_sorts_by_the_due_that_matters_now(seeded_profile: Seed) -> None:
    first_due = T0 + timedelta(hours=8)
    # waiting for a first answer: its first-answer due counts
    waiting = incident(status=Status.MODERATION, first_answer_due=first_due + timedelta(hours=5))
    # on control: the final-answer due counts, though the first-answer due is earlier
    on_control = incident(
        status=Status.ON_CONTROL,
        first_answer_at=T0 + timedelta(hours=1),
        first_answer_due=first_due,
        final_answer_due=first_due + timedelta(hours=2),
    )
    # answered, not on control: no timer
    answered = incident(
        status=Status.PRIMARY_ANSWERED,
        first_answer_at=T0 + timedelta(hours=1),
        first_answer_due=first_due - timedelta(hours=4),
    )
    closed = incident(status=Status.CLOSED, first_answer_due=first_due - timedelta(hours=6))

    async def body(station: Workstation) -> tuple[list[str], list[str]]:
        page = await station.inbox_page(InboxFilter(), InboxSort.DUE_ASC)
        snapshot = await station.inbox_snapshot(InboxFilter(), InboxSort.DUE_ASC)
        rows = await station.inbox_rows(list(snapshot.rowids))
        return [r.id for r in page.rows], [r.id for r in rows]

    paged, snapped = run(seeded_profile(waiting, on_control, answered, closed), body)
    timed = [str(on_control.id), str(waiting.id)]
    assert paged[:2] == timed
    assert set(paged[2:]) == {str(answered.id), str(closed.id)}
    assert snapped == paged


def test_the_inbox_filters_by_current_due(seeded_profile: Seed) -> None:
    soon = incident(status=Status.MODERATION, first_answer_due=T0 + timedelta(hours=2))
    later = incident(status=Status.MODERATION, first_answer_due=T0 + timedelta(hours=20))

    async def body(station: Workstation) -> list[str]:
        page = await station.inbox_page(InboxFilter(due_before=T0 + timedelta(hours=3)))
        return [r.id for r in page.rows]

    assert run(seeded_profile(soon, later), body) == [str(soon.id)]


def test_reads_do_not_wait_for_a_busy_writer(seeded_profile: Seed) -> None:
    inc = incident(status=Status.MODERATION)
    directory = seeded_profile(inc)
    release = threading.Event()

    async def body(station: Workstation) -> int:
        def hold(_conn: Connection) -> None:
            release.wait(timeout=30)

        held = asyncio.ensure_future(station._writer.run(hold))
        try:
            # the writer is busy until ``release``: a read must still answer
            return await asyncio.wait_for(station.inbox_count(InboxFilter()), timeout=10)
        finally:
            release.set()
            await held

    assert run(directory, body) == 1


@pytest.mark.parametrize(
    ("current", "target", "expected"),
    [
        (
            Status.NEW,
            Status.ON_CONTROL,
            [Status.MODERATION, Status.PRIMARY_ANSWERED, Status.ON_CONTROL],
        ),
        (Status.SENT_TO_EXECUTOR, Status.PRIMARY_ANSWERED, [Status.PRIMARY_ANSWERED]),
        (Status.ON_CONTROL, Status.CLOSED, [Status.CLOSED]),
        (Status.ON_CONTROL, Status.PRIMARY_ANSWERED, []),  # never backwards
        (Status.REJECTED, Status.PRIMARY_ANSWERED, []),
        (Status.CLOSED, Status.CLOSED, []),
    ],
)
def test_a_published_answer_only_moves_the_status_forward(
    current: Status, target: Status, expected: list[Status]
) -> None:
    assert forward_path(current, target) == expected


def test_classifying_a_new_incident_starts_its_moderation(seeded_profile: Seed) -> None:
    inc = incident(status=Status.NEW)
    key = str(inc.id)

    async def body(station: Workstation) -> tuple[Any, list[str]]:
        await station.classify(key, topic_code="roads", subtopic_code="roads.potholes")
        detail = await station.incident(key)
        return detail, [name for name, _ in await _pending(station, key)]

    detail, names = run(seeded_profile(inc), body)
    assert (detail.incident.topic_code, detail.incident.subtopic_code) == (
        "roads",
        "roads.potholes",
    )
    assert detail.incident.status is Status.MODERATION
    assert names == ["incident.classify", "incident.transition"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"topic_code": "weather"}, "Неизвестная тема: weather"),
        ({"subtopic_code": "roads.flying"}, "Неизвестная подтема: roads.flying"),
        ({"municipality_id": "m-nowhere"}, "Муниципалитет m-nowhere не найден"),
        ({}, "Нечего менять: не выбрано ни одного поля"),
    ],
)
def test_classification_with_unknown_codes_is_refused(
    seeded_profile: Seed, kwargs: dict[str, str], message: str
) -> None:
    inc = incident(status=Status.MODERATION)

    async def body(station: Workstation) -> OperationError:
        with pytest.raises(OperationError) as caught:
            await station.classify(str(inc.id), **kwargs)
        return caught.value

    assert run(seeded_profile(inc), body).message == message


def test_rejecting_keeps_the_comment_as_a_note(seeded_profile: Seed) -> None:
    inc = incident(status=Status.MODERATION)
    key = str(inc.id)

    async def body(station: Workstation) -> Any:
        await station.reject(key, RejectReason.SPAM, "Реклама стройматериалов")
        return await station.incident(key)

    detail = run(seeded_profile(inc), body)
    assert (detail.incident.status, detail.incident.reject_reason) == (
        Status.REJECTED,
        RejectReason.SPAM,
    )
    (note,) = detail.answers
    assert (note.kind, note.text) == (AnswerKind.INTERNAL_NOTE, "Реклама стройматериалов")
    assert detail.current_due is None


def test_an_operator_releases_only_their_own_incident_and_a_supervisor_reassigns(
    seeded_profile: Seed,
) -> None:
    mine = incident(status=Status.MODERATION, assignee="ivanova")
    theirs = incident(status=Status.MODERATION, assignee="petrov")

    async def as_operator(station: Workstation) -> tuple[str | None, OperationError]:
        await station.release(str(mine.id))
        released = (await station.incident(str(mine.id))).incident.assignee
        with pytest.raises(OperationError) as caught:
            await station.reassign(str(theirs.id), "ivanova")
        return released, caught.value

    released, refused = run(seeded_profile(mine, theirs), as_operator)
    assert released is None
    assert refused.message == "Назначать и переназначать инциденты может только руководитель"

    async def as_supervisor(station: Workstation) -> list[tuple[str, dict[str, Any]]]:
        await station.reassign(str(theirs.id), "ivanova")
        return await _pending(station, str(theirs.id))

    pending = run(seeded_profile(mine, theirs, login="boss", role="supervisor"), as_supervisor)
    assert pending == [
        (
            "incident.assign",
            {"incident_id": str(theirs.id), "expected": "petrov", "assignee": "ivanova"},
        )
    ]


def test_a_returned_answer_carries_the_reason_as_a_note(seeded_profile: Seed) -> None:
    inc = incident(status=Status.SENT_TO_EXECUTOR, executor_id="ex-roads")
    key = str(inc.id)

    async def body(station: Workstation) -> Any:
        await station.send_answer(key, AnswerKind.SOLUTION, "Сделано", for_approval=True)
        answer_id = str((await station.incident(key)).answers[0].id)
        await station.return_answer(answer_id, "Нет срока выполнения работ")
        return await station.incident(key)

    detail = run(seeded_profile(inc, login="boss", role="supervisor"), body)
    answer, note = detail.answers
    assert answer.state is AnswerState.RETURNED
    assert note.text == "Ответ возвращён на исправление: Нет срока выполнения работ"
    assert detail.incident.status is Status.SENT_TO_EXECUTOR  # nothing published


def test_reads_search_pick_lists_and_who_is_working(seeded_profile: Seed) -> None:
    pothole = incident(status=Status.MODERATION, text="Огромные ямы на дороге у школы")
    snow = incident(status=Status.MODERATION, text="Не убирают снег во дворе")

    async def body(station: Workstation) -> tuple[Any, ...]:
        hits = await station.search("яма")
        return (
            [h.id for h in hits],
            await station.executors(),
            await station.session_info(),
            await station.inbox_count(InboxFilter()),
        )

    ids, executors, info, count = run(seeded_profile(pothole, snow), body)
    assert ids == [str(pothole.id)]  # "яма" finds "ямы": the stemmed index
    assert [(e.id, e.name) for e in executors] == [("ex-roads", "Дорожное управление")]
    assert (info.login, info.region_code, info.can_sync, info.supervises) == (
        "ivanova",
        "RU-TUL",
        False,
        False,
    )
    assert count == 2


def test_sync_now_without_a_server_says_how_to_connect(seeded_profile: Seed) -> None:
    inc = incident()

    async def body(station: Workstation) -> OperationError:
        with pytest.raises(OperationError) as caught:
            await station.sync_now()
        return caught.value

    error = run(seeded_profile(inc), body)
    assert error.code == "not_connected"
    assert "войдите" in error.message


def test_a_timer_shows_working_time_left_in_the_regions_own_hours(seeded_profile: Seed) -> None:
    from datetime import UTC, datetime

    from cur_desktop.domain.deadlines import Band

    inc = incident()
    # Tula is UTC+3, working day 09:00-18:00 with lunch 13:00-14:00 (reference data).
    # Mon 2 March 2026 10:00 local = 07:00Z; due Mon 16:00 local = 13:00Z:
    # working time left = 10:00-13:00 (3 h) + 14:00-16:00 (2 h) = 5 h.
    now = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
    due = datetime(2026, 3, 2, 13, 0, tzinfo=UTC)
    warn = datetime(2026, 3, 2, 11, 0, tzinfo=UTC)

    async def body(station: Workstation) -> tuple[Any, Any, Any]:
        return (
            station.timer("RU-TUL", due, warn, now),
            station.timer("RU-TUL", due, warn, datetime(2026, 3, 2, 12, 0, tzinfo=UTC)),
            station.timer("RU-TUL", None, None, now),
        )

    early, late, none = run(seeded_profile(inc), body)
    assert (early.band, early.wall, early.working) == (
        Band.OK,
        timedelta(hours=6),
        timedelta(hours=5),
    )
    assert late.band is Band.WARNING
    assert none is None


NO_EXECUTOR = (
    "нельзя отправить: инцидент не направлен исполнителю. Выберите исполнителя и сохраните "
    "классификацию или отправьте промежуточный ответ"
)


def test_a_solution_or_final_answer_needs_an_executor_an_interim_one_does_not(
    seeded_profile: Seed,
) -> None:
    inc = incident(status=Status.MODERATION)  # classified, not routed: no executor
    key = str(inc.id)

    async def body(station: Workstation) -> tuple[list[str], Status, int]:
        refused: list[str] = []
        for kind, for_approval in (
            (AnswerKind.FINAL, False),
            (AnswerKind.SOLUTION, False),
            (AnswerKind.SOLUTION, True),
        ):
            with pytest.raises(OperationError) as caught:
                await station.send_answer(
                    key, kind, "Яму заделали 3 марта.", for_approval=for_approval
                )
            refused.append(caught.value.message)
        await station.send_answer(key, AnswerKind.INTERIM, "Взяли в работу, ответим до пятницы.")
        detail = await station.incident(key)
        return refused, detail.incident.status, len(detail.answers)

    refused, status, answers = run(seeded_profile(inc), body)
    assert refused == [
        f"Окончательный ответ {NO_EXECUTOR}",
        f"Ответ с решением {NO_EXECUTOR}",
        f"Ответ с решением {NO_EXECUTOR}",
    ]
    # the interim answer went out (moderation → primary answered → on control)
    assert (status, answers) == (Status.ON_CONTROL, 1)


def test_a_routed_incident_takes_a_solution(seeded_profile: Seed) -> None:
    inc = incident(status=Status.SENT_TO_EXECUTOR, executor_id="ex-roads")
    key = str(inc.id)

    async def body(station: Workstation) -> Status:
        await station.send_answer(
            key, AnswerKind.SOLUTION, "Яму заделали 3 марта, фото в приложении."
        )
        return (await station.incident(key)).incident.status

    assert run(seeded_profile(inc), body) is Status.PRIMARY_ANSWERED
