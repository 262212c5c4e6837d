"""Local half of the sync engine on a real SQLite store: outbox, copy-on-write, pages, rebase."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, func, select

from cur_desktop.contract import wire
from cur_desktop.contract.mutations import MutationRejected
from cur_desktop.domain.enums import AnswerKind, Status
from cur_desktop.storage import localstate as ls
from cur_desktop.storage import outbox, sync_state
from cur_desktop.storage.pull_pages import apply_page
from cur_desktop.storage.tables import (
    answer_base_table,
    answer_table,
    incident_base_table,
    incident_table,
    outbox_table,
)
from cur_desktop.sync.errors import ServerProtocolError
from cur_desktop.sync.syncer import decode_page
from tests.helpers.wire_factories import T0, incident, page

Tx = Callable[[Callable[[Connection], Any]], Any]


def _count(conn: Connection, table: Any) -> int:
    return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def _seed(tx: Tx, *items: wire.IncidentWire | wire.AnswerWire, start_seq: int = 1) -> None:
    pulled = page(list(items), start_seq=start_seq, reset=start_seq == 1)
    tx(lambda conn: apply_page(conn, pulled, decode_page(pulled)))


def _assign(inc: wire.IncidentWire, expected: str | None, who: str | None) -> dict[str, Any]:
    return {"incident_id": str(inc.id), "expected": expected, "assignee": who}


def test_local_change_is_shown_queued_and_shadowed_in_one_go(tx: Tx) -> None:
    inc = incident(executor_id="tul-uk-1")  # routed below: it needs an executor
    _seed(tx, inc)
    now = T0 + timedelta(hours=1)
    first = tx(
        lambda c: outbox.record_local_mutation(
            c, "incident.assign", _assign(inc, None, "ivanova"), now=now
        )
    )
    second = tx(
        lambda c: outbox.record_local_mutation(
            c,
            wire.MutationName.INCIDENT_TRANSITION,
            {
                "incident_id": str(inc.id),
                "from_status": "moderation",
                "to_status": "sent_to_executor",
            },
            now=now,
        )
    )
    assert (first, second) == (1, 2)

    def check(conn: Connection) -> None:
        view = ls.load_view_incident(conn, str(inc.id))
        base = ls.load_base_incident(conn, str(inc.id))
        assert view is not None
        assert base is not None
        assert (view.assignee, view.status) == ("ivanova", Status.SENT_TO_EXECUTOR)
        assert (base.assignee, base.status, base.version) == (None, Status.MODERATION, 1)
        rows = ls.outbox_rows(conn)
        assert [(r.id, r.name, r.state, r.entity_id) for r in rows] == [
            (1, wire.MutationName.INCIDENT_ASSIGN, "pending", str(inc.id)),
            (2, wire.MutationName.INCIDENT_TRANSITION, "pending", str(inc.id)),
        ]
        assert rows[0].base_version == 1
        assert rows[1].base_version == 2

    tx(check)


def test_rule_violation_is_refused_before_anything_is_written(tx: Tx) -> None:
    inc = incident(status=Status.CLOSED, outcome="solved")
    _seed(tx, inc)
    bad = {"incident_id": str(inc.id), "from_status": "new", "to_status": "moderation"}
    with pytest.raises(MutationRejected) as info:
        tx(lambda c: outbox.record_local_mutation(c, "incident.transition", bad, now=T0))
    assert info.value.code is wire.RejectCode.STATUS_CONFLICT
    assert "закрыт" in info.value.message

    def check(conn: Connection) -> None:
        assert _count(conn, outbox_table) == 0
        assert _count(conn, incident_base_table) == 0
        view = ls.load_view_incident(conn, str(inc.id))
        assert view == inc
        assert sync_state.get_state(conn, sync_state.KEY_ALLOCATED) is None

    tx(check)


def test_invalid_args_are_refused_in_russian(tx: Tx) -> None:
    with pytest.raises(MutationRejected) as info:
        tx(lambda c: outbox.record_local_mutation(c, "answer.add", {"text": ""}, now=T0))
    assert info.value.code is wire.RejectCode.INVALID
    assert "Неверные данные" in info.value.message


def test_pulled_row_of_a_shadowed_incident_is_rebased(tx: Tx) -> None:
    inc = incident()
    _seed(tx, inc)
    answer_id = str(uuid.uuid4())
    tx(
        lambda c: outbox.record_local_mutation(
            c,
            "answer.add",
            {"id": answer_id, "incident_id": str(inc.id), "kind": "interim", "text": "Взято"},
            now=T0,
        )
    )
    # A colleague classified it meanwhile: the server's new version arrives.
    theirs = inc.model_copy(update={"topic_code": "roads", "version": 2})
    pulled = page([theirs], start_seq=2, last_mutation_id=0)
    tx(lambda conn: apply_page(conn, pulled, decode_page(pulled)))

    def check(conn: Connection) -> None:
        view = ls.load_view_incident(conn, str(inc.id))
        base = ls.load_base_incident(conn, str(inc.id))
        assert view is not None
        assert base is not None
        assert base.topic_code == "roads"
        assert base.version == 2
        assert view.topic_code == "roads"  # the colleague's change is visible ...
        answers = ls.load_answers(conn, str(inc.id), base=False)
        assert list(answers) == [answer_id]  # ... with my pending answer on top
        assert answers[answer_id].kind is AnswerKind.INTERIM
        assert _count(conn, answer_base_table) == 0
        assert sync_state.get_int_state(conn, sync_state.KEY_CURSOR) == 2
        assert ls.count_outbox(conn, ls.PENDING) == 1

    tx(check)


def test_acknowledged_mutations_drop_only_when_the_snapshot_is_complete(tx: Tx) -> None:
    inc = incident()
    _seed(tx, inc)
    tx(
        lambda c: outbox.record_local_mutation(
            c, "incident.assign", _assign(inc, None, "ivanova"), now=T0
        )
    )
    other = incident()
    mid = page([other], start_seq=2, has_more=True, last_mutation_id=1)
    tx(lambda conn: apply_page(conn, mid, decode_page(mid)))
    assert tx(lambda c: ls.count_outbox(c, ls.PENDING)) == 1  # its effect may be further on
    confirmed = inc.model_copy(update={"assignee": "ivanova", "version": 2})
    last = page([confirmed], start_seq=3, last_mutation_id=1)
    tx(lambda conn: apply_page(conn, last, decode_page(last)))

    def check(conn: Connection) -> None:
        assert _count(conn, outbox_table) == 0
        assert _count(conn, incident_base_table) == 0
        local = conn.execute(
            select(incident_table.c.local_changed).where(incident_table.c.id == str(inc.id))
        ).scalar_one()
        assert not local
        view = ls.load_view_incident(conn, str(inc.id))
        assert view == confirmed

    tx(check)


def test_server_rejection_reverts_the_view_and_waits_for_the_operator(tx: Tx) -> None:
    from cur_desktop.storage.outbox import store_push_results

    inc = incident()
    _seed(tx, inc)
    tx(
        lambda c: outbox.record_local_mutation(
            c, "incident.assign", _assign(inc, None, "ivanova"), now=T0
        )
    )
    batch = tx(lambda c: ls.outbox_rows(c, state=ls.PENDING))
    response = wire.PushResponse(
        results=[
            wire.MutationResult(
                id=1,
                outcome=wire.MutationOutcome.REJECTED,
                code=wire.RejectCode.ASSIGN_CONFLICT,
                message="Инцидент уже в работе у сотрудника petrov",
            )
        ],
        last_mutation_id=1,
    )
    verdicts = tx(lambda c: store_push_results(c, batch, response))
    assert verdicts == (0, 1, frozenset({str(inc.id)}))
    theirs = inc.model_copy(update={"assignee": "petrov", "version": 2})
    pulled = page([theirs], start_seq=2, last_mutation_id=1)
    tx(lambda conn: apply_page(conn, pulled, decode_page(pulled)))

    attention = tx(outbox.needs_attention)
    assert [(r.id, r.reject_code, r.reject_message) for r in attention] == [
        (1, "assign_conflict", "Инцидент уже в работе у сотрудника petrov")
    ]
    assert attention[0].args["assignee"] == "ivanova"
    view = tx(lambda c: ls.load_view_incident(c, str(inc.id)))
    assert view is not None
    assert view.assignee == "petrov"

    # retry as is: the local rules now refuse it, and the rejected row stays
    with pytest.raises(MutationRejected):
        tx(lambda c: outbox.retry(c, 1, now=T0))
    assert [r.id for r in tx(outbox.needs_attention)] == [1]
    # edit: take it over from petrov explicitly -> a new mutation with the next id
    new_id = tx(lambda c: outbox.edit(c, 1, _assign(inc, "petrov", "ivanova"), now=T0))
    assert new_id == 2
    assert tx(outbox.needs_attention) == []
    view = tx(lambda c: ls.load_view_incident(c, str(inc.id)))
    assert view is not None
    assert view.assignee == "ivanova"


@pytest.mark.allow_error_log  # discarding a pending row is a KeyError the writer logs
def test_discard_removes_only_rejected_rows(tx: Tx) -> None:
    inc = incident()
    _seed(tx, inc)
    tx(
        lambda c: outbox.record_local_mutation(
            c, "incident.assign", _assign(inc, None, "ivanova"), now=T0
        )
    )
    with pytest.raises(KeyError):
        tx(lambda c: outbox.discard(c, 1))
    assert tx(lambda c: ls.count_outbox(c, ls.PENDING)) == 1


def test_garbage_row_in_a_page_is_a_protocol_error(bound_store: Engine) -> None:
    bad = wire.PullResponse(
        changes=[
            wire.Change(seq=1, entity=wire.EntityKind.INCIDENT, id="x", data={"id": "nonsense"})
        ],
        next_cursor=1,
        has_more=False,
        last_mutation_id=0,
    )
    with pytest.raises(ServerProtocolError):
        decode_page(bad)


def test_reset_replaces_confirmed_state_but_keeps_the_outbox(tx: Tx) -> None:
    kept, gone = incident(), incident()
    _seed(tx, kept, gone)
    tx(
        lambda c: outbox.record_local_mutation(
            c, "incident.assign", _assign(kept, None, "ivanova"), now=T0
        )
    )
    fresh = kept.model_copy(update={"text": "Текст уточнён", "version": 5})
    snapshot = page([fresh], start_seq=1, reset=True)
    tx(lambda conn: apply_page(conn, snapshot, decode_page(snapshot)))

    def check(conn: Connection) -> None:
        assert ls.load_view_incident(conn, str(gone.id)) is None
        view = ls.load_view_incident(conn, str(kept.id))
        assert view is not None
        assert (view.text, view.assignee) == ("Текст уточнён", "ivanova")
        assert ls.count_outbox(conn, ls.PENDING) == 1
        assert _count(conn, answer_table) == 0

    tx(check)


def test_derived_flags_follow_answers_and_stick_to_past_statuses(tx: Tx) -> None:
    inc = incident(status=Status.SENT_TO_EXECUTOR)
    _seed(tx, inc)
    tx(
        lambda c: outbox.record_local_mutation(
            c,
            "answer.add",
            {
                "id": str(uuid.uuid4()),
                "incident_id": str(inc.id),
                "kind": "interim",
                "state": "published",
                "text": "Взято в работу, ответим до пятницы.",
            },
            now=T0,
        )
    )
    reworked = inc.model_copy(update={"status": Status.REWORK, "version": 2})
    pulled = page([reworked], start_seq=2)
    tx(lambda conn: apply_page(conn, pulled, decode_page(pulled)))
    back = inc.model_copy(update={"status": Status.ANSWER_REVIEW, "version": 3})
    pulled = page([back], start_seq=3)
    tx(lambda conn: apply_page(conn, pulled, decode_page(pulled)))

    def flags(conn: Connection) -> tuple[bool, bool, bool, bool, bool]:
        row = conn.execute(
            select(
                incident_table.c.has_interim,
                incident_table.c.has_final,
                incident_table.c.was_reworked,
                incident_table.c.was_reopened,
                incident_table.c.local_changed,
            ).where(incident_table.c.id == str(inc.id))
        ).one()
        return (bool(row[0]), bool(row[1]), bool(row[2]), bool(row[3]), bool(row[4]))

    assert tx(flags) == (True, False, True, False, True)
