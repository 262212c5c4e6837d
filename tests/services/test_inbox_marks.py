"""Unread markers, bulk actions, reminders and deadline notices on a real local store."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection

from cur_desktop.contract import wire
from cur_desktop.domain.enums import AnswerKind, Outcome, Priority, RejectReason, Status
from cur_desktop.services import Workstation
from cur_desktop.services.deadline_notices import DeadlineNotices
from cur_desktop.services.saved_views import SavedView, view_filter
from cur_desktop.services.window_reads import WindowReads
from cur_desktop.storage.database import DbWriter, open_engine
from cur_desktop.storage.inbox import InboxFilter, InboxSort
from cur_desktop.storage.pull_pages import apply_page
from cur_desktop.sync.syncer import decode_page
from tests.helpers.wire_factories import incident, page
from tests.services.conftest import Seed

T = TypeVar("T")
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # Tuesday, 12:00 Moscow time


def run(directory: Path, body: Callable[[Workstation], Awaitable[T]], now: datetime = NOW) -> T:
    """Open a workstation with a fixed clock, run ``body``, close it."""

    async def main() -> T:
        station = await Workstation.open(directory, clock=lambda: now)
        try:
            return await body(station)
        finally:
            await station.close()

    return asyncio.run(main())


def pull(directory: Path, *items: wire.IncidentWire, seq: int) -> None:
    """Apply a pull page carrying ``items`` to the profile's store (as the sync engine does)."""
    engine = open_engine(directory / "local.sqlite3")
    pulled = page(list(items), start_seq=seq)
    try:
        with DbWriter(engine) as writer:

            def apply(conn: Connection) -> None:
                apply_page(conn, pulled, decode_page(pulled))

            writer.submit(apply).result()
    finally:
        engine.dispose()


def bumped(item: wire.IncidentWire, **changes: object) -> wire.IncidentWire:
    """The next server version of ``item``."""
    return item.model_copy(update={"version": item.version + 1, **changes})


# --------------------------------------------------------------------------- unread


def test_read_state_follows_opening_and_pulled_changes_and_survives_restart(
    seeded_profile: Seed,
) -> None:
    first, second = incident(), incident()
    ids = [str(first.id), str(second.id)]
    directory = seeded_profile(first, second)

    async def open_first(station: Workstation) -> tuple[set[str], set[str], list[str]]:
        before = await station.unread_among(ids)
        changes = await station.mark_read([ids[0]])
        return before, await station.unread_among(ids), sorted(changes.incident_ids)

    before, after, announced = run(directory, open_first)
    assert before == set(ids)  # both arrived and were never opened
    assert after == {ids[1]}
    assert announced == [ids[0]]  # the row repaints

    # a restart keeps it read
    assert run(directory, lambda s: s.unread_among(ids)) == {ids[1]}

    # someone else changed it on the server: the pull brings version 2 -> unread again
    pull(directory, bumped(first, assignee="petrov"), seq=50)
    assert run(directory, lambda s: s.unread_among(ids)) == set(ids)

    # opened again: read; marking read twice changes nothing
    async def reopen(station: Workstation) -> tuple[set[str], bool]:
        await station.mark_read([ids[0]])
        again = await station.mark_read([ids[0]])
        return await station.unread_among(ids), again.empty

    assert run(directory, reopen) == ({ids[1]}, True)


def test_my_own_change_does_not_make_the_incident_unread(seeded_profile: Seed) -> None:
    mine = incident(status=Status.MODERATION)
    key = str(mine.id)
    directory = seeded_profile(mine)

    async def take(station: Workstation) -> set[str]:
        await station.mark_read([key])
        await station.take(key)
        return await station.unread_among([key])

    assert run(directory, take) == set()
    # the server confirms my change with version 2: still read
    pull(directory, bumped(mine, assignee="ivanova"), seq=60)
    assert run(directory, lambda s: s.unread_among([key])) == set()
    # a colleague's later change (version 3) makes it unread
    pull(directory, bumped(bumped(mine), assignee="ivanova", priority=Priority.HIGH), seq=61)
    assert run(directory, lambda s: s.unread_among([key])) == {key}


def test_unread_counts_of_mine_and_new(seeded_profile: Seed) -> None:
    new = [incident(status=Status.NEW) for _ in range(3)]
    mine = [incident(status=Status.MODERATION, assignee="ivanova") for _ in range(2)]
    directory = seeded_profile(*new, *mine)

    async def body(station: Workstation) -> tuple[dict[SavedView, int], dict[SavedView, int]]:
        reads = WindowReads(station, "RU-TUL")
        before = await reads.unread_counts(login="ivanova", now=NOW)
        await station.mark_read([str(new[0].id), str(mine[1].id)])
        return before, await reads.unread_counts(login="ivanova", now=NOW)

    before, after = run(directory, body)
    assert before == {SavedView.MINE: 2, SavedView.NEW: 3}
    assert after == {SavedView.MINE: 1, SavedView.NEW: 2}


# --------------------------------------------------------------------------- bulk


def test_bulk_take_records_one_mutation_each_and_keeps_the_refusals(seeded_profile: Seed) -> None:
    free = [incident(status=Status.MODERATION) for _ in range(3)]
    held = incident(status=Status.MODERATION, assignee="petrov")
    ids = [str(free[0].id), str(held.id), str(free[1].id), str(free[2].id)]
    directory = seeded_profile(*free, held)

    async def body(station: Workstation) -> tuple[object, int, list[str | None]]:
        outcome = await station.bulk_take(ids)
        status = await station.sync_status()
        rows = await station.inbox_rows_by_id(ids)
        return outcome, status.pending, [r.assignee for r in rows]

    outcome, pending, assignees = run(directory, body)
    assert outcome.done == (ids[0], ids[2], ids[3])  # type: ignore[attr-defined]
    assert [(f.incident_id, f.message) for f in outcome.failures] == [  # type: ignore[attr-defined]
        (ids[1], "Инцидент уже в работе у сотрудника petrov")
    ]
    assert outcome.changes.mutation_ids == (1, 2, 3)  # type: ignore[attr-defined]
    assert pending == 3
    assert assignees == ["ivanova", "petrov", "ivanova", "ivanova"]


def test_bulk_reject_keeps_going_past_a_status_machine_refusal(seeded_profile: Seed) -> None:
    spam = [incident(status=Status.MODERATION) for _ in range(2)]
    closed = incident(status=Status.CLOSED, outcome=Outcome.SOLVED)
    ids = [str(spam[0].id), str(closed.id), str(spam[1].id)]
    directory = seeded_profile(*spam, closed)

    async def body(station: Workstation) -> tuple[object, list[tuple[Status, object]]]:
        outcome = await station.bulk_reject(ids, RejectReason.SPAM)
        rows = [(await station.incident(i)).incident for i in ids]
        return outcome, [(r.status, r.reject_reason) for r in rows]

    outcome, states = run(directory, body)
    failures = outcome.failures  # type: ignore[attr-defined]
    assert [f.incident_id for f in failures] == [ids[1]]
    assert any("а" <= ch <= "я" for ch in failures[0].message.lower())  # told in Russian
    assert states == [
        (Status.REJECTED, RejectReason.SPAM),
        (Status.CLOSED, None),
        (Status.REJECTED, RejectReason.SPAM),
    ]


def test_bulk_merge_rejects_duplicates_into_the_chosen_original(seeded_profile: Seed) -> None:
    original = incident(status=Status.MODERATION, text="Яма на дороге у школы №5")
    dups = [incident(status=Status.NEW, author=f"Житель {n}") for n in range(2)]
    ids = [str(dups[0].id), str(original.id), str(dups[1].id)]
    directory = seeded_profile(original, *dups)

    async def body(station: Workstation) -> tuple[object, list[object], list[str]]:
        outcome = await station.bulk_merge(ids, str(original.id))
        dup_states = [(await station.incident(str(d.id))).incident.reject_reason for d in dups]
        notes = [
            a.text
            for a in (await station.incident(str(original.id))).answers
            if a.kind is AnswerKind.INTERNAL_NOTE
        ]
        return outcome, dup_states, notes

    outcome, dup_states, notes = run(directory, body)
    assert outcome.done == tuple(ids)  # type: ignore[attr-defined]  (the original: nothing to do)
    assert outcome.failures == ()  # type: ignore[attr-defined]
    assert dup_states == [RejectReason.DUPLICATE, RejectReason.DUPLICATE]
    assert len(notes) == 2
    assert any("Житель 0" in n for n in notes)
    assert any("Житель 1" in n for n in notes)


def test_bulk_route_and_a_refused_assignment_write_nothing_for_the_refused(
    seeded_profile: Seed,
) -> None:
    items = [incident(status=Status.MODERATION) for _ in range(2)]
    ids = [str(i.id) for i in items]
    directory = seeded_profile(*items)

    async def body(station: Workstation) -> tuple[object, object, int, list[tuple[Status, Any]]]:
        routed = await station.bulk_route(ids, "ex-roads")
        pending_after_route = (await station.sync_status()).pending
        assigned = await station.bulk_assign(ids, "petrov")  # an operator may not
        assert (await station.sync_status()).pending == pending_after_route
        rows = [(await station.incident(i)).incident for i in ids]
        return routed, assigned, pending_after_route, [(r.status, r.executor_id) for r in rows]

    routed, assigned, pending, states = run(directory, body)
    # Neither had an executor: the bulk route carries it (classify, then the move), so the
    # rule «sent_to_executor needs an executor» lets both through.
    assert routed.failures == ()  # type: ignore[attr-defined]
    assert pending == 4  # classify + transition, twice
    assert states == [(Status.SENT_TO_EXECUTOR, "ex-roads")] * 2
    assert [f.incident_id for f in assigned.failures] == ids  # type: ignore[attr-defined]
    assert assigned.changes.empty  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- reminders


def test_a_due_reminder_puts_the_incident_first_in_mine_until_dismissed(
    seeded_profile: Seed,
) -> None:
    mine = incident(status=Status.MODERATION, assignee="ivanova")
    other = incident(status=Status.MODERATION, assignee="petrov")
    directory = seeded_profile(mine, other)
    at = NOW + timedelta(hours=1)

    async def set_it(station: Workstation) -> None:
        await station.set_reminder(str(other.id), at, "обещали сообщить")

    run(directory, set_it)

    async def look(station: Workstation) -> tuple[list[str], int, list[str]]:
        reads = WindowReads(station, "RU-TUL")
        keys = await reads.view_keys(
            SavedView.MINE, login="ivanova", sort=InboxSort.DUE_ASC, now=station._clock()
        )
        rows = await station.inbox_rows(list(keys.keys))
        counts = await reads.view_counts(login="ivanova", now=station._clock())
        return [r.id for r in rows], counts[SavedView.MINE], await station.due_reminders()

    # before it is due: only my own incident
    assert run(directory, look) == ([str(mine.id)], 1, [])
    # once due (and after a restart): the reminded incident comes first
    later = at + timedelta(minutes=1)
    assert run(directory, look, now=later) == (
        [str(other.id), str(mine.id)],
        2,
        [str(other.id)],
    )

    async def dismiss(station: Workstation) -> dict[str, datetime]:
        await station.dismiss_reminder(str(other.id))
        return await station.reminders([str(other.id)])

    assert run(directory, dismiss, now=later) == {}
    assert run(directory, look, now=later) == ([str(mine.id)], 1, [])


# --------------------------------------------------------------------------- deadline notices


def test_a_warning_is_notified_once_also_across_restarts(seeded_profile: Seed) -> None:
    due = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)
    warn = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    mine = incident(
        status=Status.MODERATION,
        assignee="ivanova",
        first_answer_due=due,
        first_answer_warn_at=warn,
    )
    not_mine = incident(
        status=Status.MODERATION,
        assignee="petrov",
        first_answer_due=due,
        first_answer_warn_at=warn,
    )
    directory = seeded_profile(mine, not_mine)

    def check(now: datetime) -> list[str]:
        async def body(station: Workstation) -> list[str]:
            return [w.incident_id for w in await DeadlineNotices(station, "ivanova").check(now)]

        return run(directory, body, now=now)

    assert check(warn - timedelta(minutes=1)) == []  # calm band
    assert check(warn + timedelta(minutes=1)) == [str(mine.id)]  # entered the warning band
    assert check(warn + timedelta(minutes=2)) == []  # the next tick (and a restart): no repeat
    assert check(due + timedelta(minutes=1)) == []  # overdue is not the warning band
    # the server moved the deadline: a new (incident, due) pair is notified again
    later_due, later_warn = due + timedelta(days=2), warn + timedelta(days=2)
    pull(
        directory,
        bumped(mine, first_answer_due=later_due, first_answer_warn_at=later_warn),
        seq=70,
    )
    assert check(later_warn + timedelta(minutes=1)) == [str(mine.id)]
    assert view_filter(SavedView.AT_RISK, login="x", now=NOW, extra=InboxFilter()).at_risk


def test_closed_incidents_are_never_unread_until_reopened(seeded_profile: Seed) -> None:
    closed = incident(status=Status.CLOSED, outcome=Outcome.SOLVED)
    key = str(closed.id)
    directory = seeded_profile(closed)
    assert run(directory, lambda s: s.unread_among([key])) == set()
    pull(directory, bumped(closed, status=Status.REOPENED, outcome=None), seq=80)
    assert run(directory, lambda s: s.unread_among([key])) == {key}
