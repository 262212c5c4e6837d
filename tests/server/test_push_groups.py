"""Group commit of a push: one transaction per group, a savepoint per mutation (issue 11).

Each mutation is still answered on its own; a rejection takes back only its own writes (and
its change numbers); a failure that is not a rejection keeps the mutations before it and the
retry answers them ``already_processed``. SQLite and PostgreSQL (the ``backend`` fixture).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from typing import Any
from uuid import UUID, uuid4

import pytest
from sqlalchemy import event, func, select
from sqlalchemy import text as sql_text

from cur_desktop.contract import wire
from cur_desktop.contract.mutations import MutationRejected
from cur_desktop.domain.enums import Role
from cur_desktop.server import faults, push
from cur_desktop.server.auth import Caller
from cur_desktop.server.db import lock_counter
from cur_desktop.server.tables import Answer, Client, Incident, SeqCounter, User
from tests.server.conftest import Api


def _caller(api: Api, login: str) -> Caller:
    with api.db.snapshot() as session:
        user = session.execute(select(User).where(User.login == login)).scalar_one()
        return Caller(user_id=user.id, login=login, role=Role(user.role), region_code="RU-TUL")


def _request(client_id: UUID, first_id: int, *mutations: tuple[str, dict[str, Any]]) -> Any:
    return wire.PushRequest(
        client_id=client_id,
        mutations=[
            wire.Mutation(id=first_id + n, name=name, args=args)
            for n, (name, args) in enumerate(mutations)
        ],
    )


def _note(incident_id: str, text: str) -> tuple[str, dict[str, Any]]:
    return (
        "answer.add",
        {"id": str(uuid4()), "incident_id": incident_id, "kind": "internal_note", "text": text},
    )


def _moderate(incident_id: str) -> tuple[str, dict[str, Any]]:
    return (
        "incident.transition",
        {"incident_id": incident_id, "from_status": "new", "to_status": "moderation"},
    )


def _close(incident_id: str) -> tuple[str, dict[str, Any]]:
    return (
        "incident.transition",
        {"incident_id": incident_id, "from_status": "answer_review", "to_status": "closed"},
    )


def _dispatch(incident_id: str) -> tuple[str, dict[str, Any]]:
    return (
        "incident.transition",
        {"incident_id": incident_id, "from_status": "moderation", "to_status": "sent_to_executor"},
    )


def _state(api: Api, client_id: UUID) -> tuple[int, int, int, int]:
    """(answers, seq counter, rows with a seq, client's last_mutation_id)."""
    with api.db.snapshot() as session:
        answers = session.execute(select(func.count()).select_from(Answer)).scalar_one()
        counter = session.execute(select(SeqCounter.value)).scalar_one()
        rows = answers + session.execute(select(func.count()).select_from(Incident)).scalar_one()
        client = session.get(Client, str(client_id))
        return answers, counter, rows, 0 if client is None else client.last_mutation_id


def test_groups_answer_every_mutation_on_its_own_and_a_retry_changes_nothing(api: Api) -> None:
    incident_id = api.create_incident("tul.op")  # the api's own client, not ours
    caller, client_id = _caller(api, "tul.op"), uuid4()
    now = api.clock()
    request = _request(
        client_id,
        1,
        _note(incident_id, "первая"),
        _moderate(incident_id),
        _close(incident_id),  # from a status it is not in: rejected
        _note(incident_id, "вторая"),
        _note(incident_id, "третья"),
    )
    answers_before, counter_before, _, _ = _state(api, client_id)
    outcome = push.push(api.db, caller, request, now=now, group_size=2)
    applied, refused, done = "applied", "rejected", "already_processed"
    assert [r.outcome.value for r in outcome.results] == [
        applied,
        applied,
        "rejected",
        applied,
        applied,
    ]
    assert outcome.last_mutation_id == 5
    answers, counter, _, last = _state(api, client_id)
    # Three notes and one transition written, each with its own change number.
    assert (answers - answers_before, counter - counter_before, last) == (3, 4, 5)

    again = push.push(api.db, caller, request, now=now, group_size=3)
    assert [r.outcome.value for r in again.results] == [done, done, refused, done, done]
    assert again.results[2].message == outcome.results[2].message  # the same reason again
    assert _state(api, client_id) == (answers, counter, answers + 1, 5)  # nothing doubled


def test_a_rejection_after_writing_takes_back_its_writes_and_its_change_numbers(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = api.create_incident("tul.op")
    second = api.create_incident("tul.op")
    caller, client_id = _caller(api, "tul.op"), uuid4()
    real_save = push._save_incident

    def refuse_after_writing(session: Any, current: Any, new: Any, **kw: Any) -> set[str]:
        regions = real_save(session, current, new, **kw)  # written, change number taken
        if str(new.id) == second:
            raise MutationRejected(wire.RejectCode.INVALID, "отказ после записи")
        return regions

    monkeypatch.setattr(push, "_save_incident", refuse_after_writing)
    _, counter_before, _, _ = _state(api, client_id)
    outcome = push.push(
        api.db,
        caller,
        _request(client_id, 1, _moderate(first), _moderate(second), _note(first, "после")),
        now=api.clock(),
    )
    assert [r.outcome.value for r in outcome.results] == ["applied", "rejected", "applied"]
    with api.db.snapshot() as session:
        statuses = dict(session.execute(select(Incident.id, Incident.status)).all())
        seqs = sorted(
            [
                *session.execute(select(Incident.seq)).scalars(),
                *session.execute(select(Answer.seq)).scalars(),
            ]
        )
        counter = session.execute(select(SeqCounter.value)).scalar_one()
    assert statuses[first] == "moderation"
    assert statuses[second] == "new"  # the savepoint took the write back
    # Two changes written (the transition of the first incident, the note): numbers dense.
    assert counter == counter_before + 2
    assert seqs[-2:] == [counter_before + 1, counter_before + 2]


def test_a_failure_mid_group_keeps_the_mutations_before_it(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    incident_id = api.create_incident("tul.op")
    caller, client_id = _caller(api, "tul.op"), uuid4()
    request = _request(
        client_id,
        1,
        _note(incident_id, "до сбоя"),
        _note(incident_id, "ЯД: сервер падает на этом"),
        _note(incident_id, "после сбоя"),
    )
    answers_before, _, _, _ = _state(api, client_id)
    monkeypatch.setattr(faults, "POISON", faults.PoisonFault("ЯД"))
    with pytest.raises(RuntimeError, match="poisoned"):
        push.push(api.db, caller, request, now=api.clock())
    answers, _, _, last = _state(api, client_id)
    assert (answers - answers_before, last) == (1, 1)  # the first kept, nothing after it

    monkeypatch.setattr(faults, "POISON", faults.PoisonFault(None))
    outcome = push.push(api.db, caller, request, now=api.clock())
    assert [r.outcome.value for r in outcome.results] == [
        "already_processed",
        "applied",
        "applied",
    ]
    answers, _, _, last = _state(api, client_id)
    assert (answers - answers_before, last) == (3, 3)


def test_two_mutations_of_one_incident_in_one_group_see_each_other(api: Api) -> None:
    incident_id = api.create_incident("tul.op")  # version 1
    api.route("tul.op", incident_id)  # the executor: version 2
    caller, client_id = _caller(api, "tul.op"), uuid4()
    outcome = push.push(
        api.db,
        caller,
        _request(
            client_id,
            1,
            _moderate(incident_id),
            (
                "incident.transition",
                {
                    "incident_id": incident_id,
                    "from_status": "moderation",
                    "to_status": "sent_to_executor",
                },
            ),
        ),
        now=api.clock(),
    )
    assert [r.outcome.value for r in outcome.results] == ["applied", "applied"]
    with api.db.snapshot() as session:
        row = session.get_one(Incident, incident_id)
        assert (row.status, row.version) == ("sent_to_executor", 4)


def test_a_group_reads_its_incidents_up_front_yet_each_mutation_sees_the_ones_before(
    api: Api,
) -> None:
    """The group reads its incidents in one query (issue 11, push speed): an incident created
    earlier in the group, one moved by a rejected mutation's neighbour, and an id that is no
    UUID must all be answered as if each mutation had read the database itself."""
    existing = api.create_incident("tul.op")
    api.route("tul.op", existing)  # an executor, so that it may be sent to one
    created = str(uuid4())
    caller, client_id = _caller(api, "tul.op"), uuid4()
    create = (
        "incident.create",
        {
            "id": created,
            "source": "vk",
            "external_id": f"vk-{created}",
            "text": "Яма на дороге у школы № 3",
            "received_at": "2026-03-10T08:30:00+03:00",
        },
    )
    outcome = push.push(
        api.db,
        caller,
        _request(
            client_id,
            1,
            _close(existing),  # rejected: the incident is new (read from the group's rows)
            _moderate(existing),  # applied: reads it again
            _dispatch(existing),  # sees the move just made (the group's row says "new")
            create,  # absent when the group read its incidents
            _moderate(created),  # sees the incident created one mutation earlier
            ("incident.transition", {"incident_id": "не-uuid", "from_status": "new"}),
        ),
        now=api.clock(),
    )
    assert [r.outcome.value for r in outcome.results] == [
        "rejected",
        "applied",
        "applied",
        "applied",
        "applied",
        "rejected",
    ]
    assert outcome.results[5].code is wire.RejectCode.INVALID
    with api.db.snapshot() as session:
        statuses = dict(session.execute(select(Incident.id, Incident.status)).all())
    assert (statuses[existing], statuses[created]) == ("sent_to_executor", "moderation")


def test_a_batch_answered_before_is_answered_again_while_a_writer_holds_the_lock(
    api: Api,
) -> None:
    """The soak's 20 clients re-sent batches after lost answers; each re-push took the global
    counter lock and the waiting handlers exhausted the pool (500s). Answers given before are
    now read from a snapshot: a re-push completes while another writer holds the lock, and a
    batch with new mutations in it waits for the lock as before."""
    incident_id = api.create_incident("tul.op")
    caller, client_id = _caller(api, "tul.op"), uuid4()
    now = api.clock()
    first = _request(client_id, 1, _note(incident_id, "одна"), _close(incident_id))
    answered = push.push(api.db, caller, first, now=now)
    assert [r.outcome.value for r in answered.results] == ["applied", "rejected"]

    results: dict[str, Any] = {}

    def repush(key: str, request: Any) -> None:
        results[key] = push.push(api.db, caller, request, now=now)

    with api.db.write() as session:
        lock_counter(session)  # another writer, mid-transaction
        again = threading.Thread(target=repush, args=("again", first))
        again.start()
        again.join(timeout=20)
        finished_under_the_lock = not again.is_alive()
        more = _request(client_id, 1, _note(incident_id, "одна"), _close(incident_id))
        more.mutations.append(
            wire.Mutation(id=3, name="answer.add", args=_note(incident_id, "ещё")[1])
        )
        new = threading.Thread(target=repush, args=("new", more))
        new.start()
        new.join(timeout=1)
        new_waited = new.is_alive()
    again.join(timeout=20)
    new.join(timeout=60)
    assert finished_under_the_lock
    assert [r.outcome.value for r in results["again"].results] == [
        "already_processed",
        "rejected",
    ]
    assert results["again"].results[1].message == answered.results[1].message
    assert new_waited  # a new mutation is applied under the lock, in seq order
    assert [r.outcome.value for r in results["new"].results] == [
        "already_processed",
        "rejected",
        "applied",
    ]


def test_a_group_sends_its_rows_in_a_few_batched_statements(api: Api) -> None:
    """The group's writes are kept and sent together (server/write_behind.py): 30 transitions
    and a note each cost a handful of statements for the group, not one or more per row."""
    incidents = [api.create_incident("tul.op") for _ in range(30)]
    caller, client_id = _caller(api, "tul.op"), uuid4()
    mutations = [_moderate(i) for i in incidents] + [_note(i, "заметка") for i in incidents]
    _, counter_before, _, _ = _state(api, client_id)
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
        statements.append(statement)

    event.listen(api.db.engine, "before_cursor_execute", count)
    try:
        outcome = push.push(
            api.db, caller, _request(client_id, 1, *mutations), now=api.clock(), group_size=500
        )
    finally:
        event.remove(api.db.engine, "before_cursor_execute", count)
    assert {r.outcome.value for r in outcome.results} == {"applied"}
    writes = [
        s
        for s in statements
        if s.lstrip().upper().startswith(("UPDATE INCIDENT", "INSERT INTO ANSWER"))
    ]
    # One UPDATE of the 30 incidents (executemany) and one INSERT of the 30 notes; one by one
    # it was 60 statements.
    assert len(writes) == 2, writes
    with api.db.snapshot() as session:
        rows = session.execute(
            select(Incident.id, Incident.status, Incident.seq).where(Incident.id.in_(incidents))
        ).all()
        note_seqs = session.execute(
            select(Answer.seq).where(Answer.incident_id.in_(incidents), Answer.text == "заметка")
        ).scalars()
        counter = session.execute(select(SeqCounter.value)).scalar_one()
        seqs = sorted([r.seq for r in rows] + list(note_seqs))
    assert {r.status for r in rows} == {"moderation"}
    assert seqs == list(range(counter_before + 1, counter_before + 61))
    assert counter == seqs[-1]


@pytest.fixture
def refusing_database(api: Api) -> Iterator[str]:
    """The database itself refuses an answer with this text (a real constraint, not a mock)."""
    text = "ОТКАЗ БАЗЫ"
    with api.db.write() as session:
        if api.db.is_postgres:
            session.execute(
                sql_text(f"ALTER TABLE answer ADD CONSTRAINT test_refuse CHECK (text <> '{text}')")
            )
        else:
            session.execute(
                sql_text(
                    "CREATE TRIGGER test_refuse BEFORE INSERT ON answer "
                    f"WHEN NEW.text = '{text}' BEGIN SELECT RAISE(ABORT, 'refused'); END"
                )
            )
    try:
        yield text
    finally:
        with api.db.write() as session:
            if api.db.is_postgres:
                session.execute(sql_text("ALTER TABLE answer DROP CONSTRAINT test_refuse"))
            else:
                session.execute(sql_text("DROP TRIGGER test_refuse"))


def test_a_row_the_database_refuses_rejects_its_mutation_only(
    api: Api, refusing_database: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Kept rows the database refuses cannot be pinned on one mutation: the group is rolled
    back and applied again with a savepoint each, where the refusal is its mutation's alone."""
    first, second = api.create_incident("tul.op"), api.create_incident("tul.op")
    caller, client_id = _caller(api, "tul.op"), uuid4()
    answers_before, counter_before, _, _ = _state(api, client_id)
    with caplog.at_level(logging.INFO, logger="cur_desktop.server.push"):
        outcome = push.push(
            api.db,
            caller,
            _request(
                client_id,
                1,
                _note(first, "до отказа"),
                _moderate(first),
                _note(second, refusing_database),
                _moderate(second),
                _note(second, "после отказа"),
            ),
            now=api.clock(),
        )
    assert [r.outcome.value for r in outcome.results] == [
        "applied",
        "applied",
        "rejected",
        "applied",
        "applied",
    ]
    assert outcome.results[2].code is wire.RejectCode.INVALID
    assert "applied again row by row" in caplog.text
    answers, counter, _, last = _state(api, client_id)
    # Two notes and two transitions kept, numbers dense; the refused note is nowhere.
    assert (answers - answers_before, counter - counter_before, last) == (2, 4, 5)
    with api.db.snapshot() as session:
        texts = set(
            session.execute(select(Answer.text).where(Answer.incident_id == second)).scalars()
        )
        statuses = set(
            session.execute(
                select(Incident.status).where(Incident.id.in_([first, second]))
            ).scalars()
        )
    assert refusing_database not in texts
    assert "после отказа" in texts
    assert statuses == {"moderation"}


def test_an_answer_kept_by_the_group_is_seen_by_the_mutations_after_it(api: Api) -> None:
    """A retry of an answer in the same group is quiet (it reads the kept answer), the same
    answer id on another incident is a duplicate, and a rejection after a read that sent the
    group's rows still takes back its own."""
    first, second = api.create_incident("tul.op"), api.create_incident("tul.op")
    caller, client_id = _caller(api, "tul.op"), uuid4()
    add = _note(first, "один раз")
    elsewhere = ("answer.add", {**add[1], "incident_id": second})
    answers_before, counter_before, _, _ = _state(api, client_id)
    outcome = push.push(
        api.db,
        caller,
        _request(client_id, 1, _moderate(first), add, add, elsewhere, _close(first)),
        now=api.clock(),
    )
    assert [r.outcome.value for r in outcome.results] == [
        "applied",
        "applied",
        "applied",
        "rejected",
        "rejected",
    ]
    assert outcome.results[3].code is wire.RejectCode.DUPLICATE
    answers, counter, _, _ = _state(api, client_id)
    assert (answers - answers_before, counter - counter_before) == (1, 2)


def test_two_kept_updates_of_one_incident_write_the_columns_of_both(api: Api) -> None:
    """A kept incident update sets only the columns that changed; two versions of one incident
    in a group (a move, then a classification: other columns) must both reach the row."""
    incident_id = api.create_incident("tul.op")
    caller, client_id = _caller(api, "tul.op"), uuid4()
    classify = (
        "incident.classify",
        {"incident_id": incident_id, "priority": "high", "topic_code": "roads"},
    )
    outcome = push.push(
        api.db,
        caller,
        _request(client_id, 1, _moderate(incident_id), classify),
        now=api.clock(),
    )
    assert [r.outcome.value for r in outcome.results] == ["applied", "applied"]
    with api.db.snapshot() as session:
        row = session.get_one(Incident, incident_id)
        counter = session.execute(select(SeqCounter.value)).scalar_one()
    assert (row.status, row.priority, row.topic_code, row.version) == (
        "moderation",
        "high",
        "roads",
        3,
    )
    assert row.seq <= counter
