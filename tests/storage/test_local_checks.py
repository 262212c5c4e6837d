"""Issue 6 on the client: a change the server would refuse for its data is refused before it is
recorded (instants, text sizes, reference codes), on a real SQLite store; nothing is queued."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, func, insert, select

from cur_desktop.contract import wire
from cur_desktop.contract.mutations import MutationRejected
from cur_desktop.storage import outbox
from cur_desktop.storage.pull_pages import apply_page
from cur_desktop.storage.tables import executor_table, municipality_table, outbox_table
from cur_desktop.sync.syncer import decode_page
from tests.helpers.wire_factories import T0, incident, page

Tx = Callable[[Callable[[Connection], Any]], Any]


def _queued(tx: Tx) -> int:
    return int(tx(lambda c: c.execute(select(func.count()).select_from(outbox_table)).scalar_one()))


def _create(**fields: Any) -> dict[str, Any]:
    incident_id = str(uuid.uuid4())
    args: dict[str, Any] = {
        "id": incident_id,
        "source": "other",
        "external_id": f"call-{incident_id}",
        "text": "Звонок: яма на дороге",
        "received_at": (T0 - timedelta(minutes=10)).isoformat(),
    }
    args.update(fields)
    return args


def _refused(tx: Tx, name: str, args: dict[str, Any]) -> MutationRejected:
    with pytest.raises(MutationRejected) as caught:
        tx(lambda c: outbox.record_local_mutation(c, name, args, now=T0))
    assert caught.value.code is wire.RejectCode.INVALID
    return caught.value


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"received_at": "9999-12-31T23:00:00+00:00"}, "позже"),
        ({"received_at": "0001-01-01T00:00:00+14:00"}, "раньше 2000-01-01"),
        ({"text": "ж" * (32 * 1024 + 1)}, "64 КиБ"),
        ({"topic_code": "no-such-topic"}, "рубрикатор"),
        ({"topic_code": "x" * 100_000}, "topic_code"),
        ({"topic_code": "zhkh", "subtopic_code": "roads.potholes"}, "не относится"),
    ],
)
def test_a_create_the_server_would_refuse_is_refused_locally(
    tx: Tx, fields: dict[str, Any], reason: str
) -> None:
    refused = _refused(tx, "incident.create", _create(**fields))
    assert reason in refused.message
    assert _queued(tx) == 0


def test_the_largest_allowed_text_is_recorded(tx: Tx) -> None:
    tx(
        lambda c: outbox.record_local_mutation(
            c, "incident.create", _create(text="ж" * 32 * 1024), now=T0
        )
    )
    assert _queued(tx) == 1


def test_municipality_and_executor_must_be_in_the_synced_lists(tx: Tx) -> None:
    confirmed = incident()
    first = page([confirmed], start_seq=1, reset=True)
    tx(lambda c: apply_page(c, first, decode_page(first)))
    classify = {"incident_id": str(confirmed.id), "municipality_id": "m-nowhere"}
    # No list synced yet: the server is left to judge (it refuses an unknown id itself).
    tx(lambda c: outbox.record_local_mutation(c, "incident.classify", classify, now=T0))
    assert _queued(tx) == 1

    def lists(conn: Connection) -> None:
        conn.execute(
            insert(municipality_table).values(id="m-tula", region_code="RU-TUL", name="Тула")
        )
        conn.execute(
            insert(executor_table).values(
                id="e-roads", region_code="RU-TUL", name="Дорожное агентство", municipality_id=None
            )
        )

    tx(lists)
    assert "Муниципалитет" in _refused(tx, "incident.classify", classify).message
    bad_executor = {"incident_id": str(confirmed.id), "executor_id": "e-nowhere"}
    assert "Исполнитель" in _refused(tx, "incident.classify", bad_executor).message
    good = {"incident_id": str(confirmed.id), "municipality_id": "m-tula", "executor_id": "e-roads"}
    tx(lambda c: outbox.record_local_mutation(c, "incident.classify", good, now=T0))
    assert _queued(tx) == 2


def test_answers_and_notes_have_the_text_limit(tx: Tx) -> None:
    confirmed = incident()
    first = page([confirmed], start_seq=1, reset=True)
    tx(lambda c: apply_page(c, first, decode_page(first)))
    for kind in ("interim", "internal_note"):
        args = {
            "id": str(uuid.uuid4()),
            "incident_id": str(confirmed.id),
            "kind": kind,
            "text": "ы" * (512 * 1024),
        }
        assert "64 КиБ" in _refused(tx, "answer.add", args).message
    assert _queued(tx) == 0


def test_the_client_skip_placeholder_cannot_be_recorded_by_hand(tx: Tx) -> None:
    _refused(tx, "client.skip", {})
    assert _queued(tx) == 0
