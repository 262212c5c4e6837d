"""Group commit of a push: one transaction per group, a savepoint per mutation (issue 11).

Each mutation is still answered on its own; a rejection takes back only its own writes (and
its change numbers); a failure that is not a rejection keeps the mutations before it and the
retry answers them ``already_processed``. SQLite and PostgreSQL (the ``backend`` fixture).
"""

from __future__ import annotations

import threading
from typing import Any
from uuid import UUID, uuid4

import pytest
from sqlalchemy import func, select

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
