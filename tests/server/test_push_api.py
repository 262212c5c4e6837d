"""Push: applied / rejected / already_processed / gap, and the conflict rules over HTTP."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from tests.server.conftest import API, Api


def _raw_push(api: Api, login: str, mutations: list[dict[str, Any]]) -> Any:
    return api.client.post(
        f"{API}/sync/push",
        headers=api.headers(login),
        json={"client_id": str(api.client_id(login)), "mutations": mutations},
    )


def _moderate(incident_id: str) -> dict[str, Any]:
    return {"incident_id": incident_id, "from_status": "new", "to_status": "moderation"}


def test_retried_batch_is_already_processed_and_changes_nothing(api: Api) -> None:
    incident_id = str(uuid4())
    batch = [
        {
            "id": 1,
            "name": "incident.create",
            "args": {
                "id": incident_id,
                "source": "ok",
                "external_id": "ok-1",
                "text": "Нет воды",
                "received_at": "2026-03-10T07:00:00+03:00",
            },
        },
        {"id": 2, "name": "incident.transition", "args": _moderate(incident_id)},
    ]
    first = _raw_push(api, "tul.op", batch).json()
    assert [r["outcome"] for r in first["results"]] == ["applied", "applied"]
    version = api.incident("tul.op", incident_id)["version"]
    again = _raw_push(api, "tul.op", batch).json()
    assert [r["outcome"] for r in again["results"]] == ["already_processed"] * 2
    assert again["last_mutation_id"] == 2
    assert api.incident("tul.op", incident_id)["version"] == version


def test_gap_is_a_409_with_where_to_resume(api: Api) -> None:
    api.create_incident("tul.op")  # mutation 1
    response = _raw_push(
        api, "tul.op", [{"id": 5, "name": "incident.transition", "args": _moderate(str(uuid4()))}]
    )
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "mutation_gap"
    assert body["expected_id"] == 2
    assert "ожидалось №2" in body["message"]


def test_rejected_mutation_advances_last_mutation_id(api: Api) -> None:
    incident_id = api.create_incident("tul.op")
    result = api.push(
        "tul.op",
        (
            "incident.transition",
            {
                "incident_id": incident_id,
                "from_status": "moderation",
                "to_status": "rejected",
                "reject_reason": "spam",
            },
        ),
        ("incident.transition", _moderate(incident_id)),
    )
    assert [r["outcome"] for r in result["results"]] == ["rejected", "applied"]
    rejected = result["results"][0]
    assert rejected["code"] == "status_conflict"
    assert "новый" in rejected["message"]
    assert result["last_mutation_id"] == 3


def test_transition_rules_over_http(api: Api) -> None:
    incident_id = api.create_incident("tul.op")
    api.push("tul.op", ("incident.transition", _moderate(incident_id)))
    # A colleague's stale client does the same move: quiet success, nothing changes.
    version = api.incident("tul.op", incident_id)["version"]
    same = api.push("tul.op2", ("incident.transition", _moderate(incident_id)))
    assert same["results"][0]["outcome"] == "applied"
    assert api.incident("tul.op", incident_id)["version"] == version
    illegal = api.push(
        "tul.op",
        (
            "incident.transition",
            {"incident_id": incident_id, "from_status": "moderation", "to_status": "on_control"},
        ),
    )
    assert illegal["results"][0]["code"] == "illegal_transition"
    assert illegal["results"][0]["message"].startswith("Нельзя перевести инцидент")


def test_assign_conflict_names_the_colleague(api: Api) -> None:
    incident_id = api.create_incident("tul.op")
    take = {"incident_id": incident_id, "expected": None}
    assert (
        api.push("tul.op", ("incident.assign", {**take, "assignee": "tul.op"}))["results"][0][
            "outcome"
        ]
        == "applied"
    )
    lost = api.push("tul.op2", ("incident.assign", {**take, "assignee": "tul.op2"}))
    assert lost["results"][0]["code"] == "assign_conflict"
    assert "tul.op" in lost["results"][0]["message"]
    assert api.incident("tul.op2", incident_id)["assignee"] == "tul.op"


def test_publishing_the_first_public_answer_sets_first_answer_at(api: Api) -> None:
    incident_id = api.create_incident("tul.op")
    note_id, answer_id = str(uuid4()), str(uuid4())
    api.push(
        "tul.op",
        (
            "answer.add",
            {
                "id": note_id,
                "incident_id": incident_id,
                "kind": "internal_note",
                "text": "Звонил в УК",
            },
        ),
    )
    assert api.incident("tul.op", incident_id)["first_answer_at"] is None
    api.push(
        "tul.op",
        (
            "answer.add",
            {
                "id": answer_id,
                "incident_id": incident_id,
                "kind": "interim",
                "text": "Взято в работу, срок 12 марта",
            },
        ),
    )
    published_at = api.clock.now.isoformat().replace("+00:00", "Z")
    result = api.push(
        "tul.op",
        (
            "answer.set_state",
            {"answer_id": answer_id, "from_state": "draft", "to_state": "published"},
        ),
    )
    assert result["results"][0]["outcome"] == "applied"
    incident = api.incident("tul.op", incident_id)
    assert incident["first_answer_at"] == published_at
    answers = {c["id"]: c["data"] for c in api.pull_all("tul.op") if c["entity"] == "answer"}
    assert answers[answer_id]["state"] == "published"
    assert answers[note_id]["author"] == "tul.op"


def test_duplicate_external_id_is_rejected_as_duplicate(api: Api) -> None:
    api.create_incident("tul.op", external_id="vk-dup")
    result = api.push(
        "tul.op",
        (
            "incident.create",
            {
                "id": str(uuid4()),
                "source": "vk",
                "external_id": "vk-dup",
                "text": "Повтор",
                "received_at": "2026-03-10T08:00:00+03:00",
            },
        ),
    )
    assert result["results"][0]["code"] == "duplicate"


def test_invalid_args_are_rejected_not_500(api: Api) -> None:
    result = api.push(
        "tul.op",
        ("incident.transition", {"incident_id": "nope", "from_status": "new"}),
        (
            "answer.add",
            {"id": str(uuid4()), "incident_id": str(uuid4()), "kind": "solution", "text": "x"},
        ),
    )
    assert [r["code"] for r in result["results"]] == ["invalid", "not_found"]


def test_the_server_refuses_routing_without_an_executor_and_applies_the_rest(api: Api) -> None:
    """Client data is hostile (an old client, a hand-made batch): sent_to_executor needs an
    executor on the incident; the refusal is per mutation, the batch goes on."""
    incident_id = api.create_incident("tul.op")  # version 1
    route = {
        "incident_id": incident_id,
        "from_status": "moderation",
        "to_status": "sent_to_executor",
    }
    results = api.push(
        "tul.op",
        ("incident.transition", _moderate(incident_id)),  # version 2
        ("incident.transition", route),
        ("incident.classify", {"incident_id": incident_id, "priority": "high"}),  # version 3
    )["results"]
    assert [(r["outcome"], r.get("code")) for r in results] == [
        ("applied", None),
        ("rejected", "illegal_transition"),
        ("applied", None),
    ]
    assert results[1]["message"] == (
        "Нельзя перевести инцидент из статуса «На модерации» в «Направлен исполнителю»: "
        "не выбран исполнитель. Выберите исполнителя и сохраните классификацию"
    )
    stored = api.incident("tul.op", incident_id)
    assert (stored["status"], stored["priority"], stored["executor_id"], stored["version"]) == (
        "moderation",
        "high",
        None,
        3,
    )

    executor_id = api.route("tul.op", incident_id)  # version 4
    (routed,) = api.push("tul.op", ("incident.transition", route))["results"]  # version 5
    assert routed["outcome"] == "applied"
    stored = api.incident("tul.op", incident_id)
    assert (stored["status"], stored["executor_id"], stored["version"]) == (
        "sent_to_executor",
        executor_id,
        5,
    )


def test_an_executor_set_earlier_in_the_same_batch_lets_the_routing_through(api: Api) -> None:
    """What the workstation's «Направить исполнителю» sends: classify, then the moves."""
    incident_id = api.create_incident("tul.op")
    executor_id = api.route("tul.op", api.create_incident("tul.op"))  # an executor of RU-TUL
    results = api.push(
        "tul.op",
        ("incident.classify", {"incident_id": incident_id, "executor_id": executor_id}),
        ("incident.transition", _moderate(incident_id)),
        (
            "incident.transition",
            {
                "incident_id": incident_id,
                "from_status": "moderation",
                "to_status": "sent_to_executor",
            },
        ),
    )["results"]
    assert [r["outcome"] for r in results] == ["applied"] * 3
    stored = api.incident("tul.op", incident_id)
    assert (stored["status"], stored["executor_id"]) == ("sent_to_executor", executor_id)


def test_the_server_refuses_a_solution_or_final_answer_before_routing(api: Api) -> None:
    """Client data is hostile: the rule holds on the server whatever the client checked."""
    incident_id = api.create_incident("tul.op")

    def answer(kind: str, state: str) -> tuple[str, dict[str, Any]]:
        return (
            "answer.add",
            {
                "id": str(uuid4()),
                "incident_id": incident_id,
                "kind": kind,
                "state": state,
                "text": "Мусор вывезен 11 марта, фото прилагаем",
            },
        )

    results = api.push(
        "tul.op",
        answer("final", "published"),
        answer("solution", "on_approval"),
        answer("interim", "published"),
    )["results"]
    assert [(r["outcome"], r.get("code")) for r in results] == [
        ("rejected", "invalid"),
        ("rejected", "invalid"),
        ("applied", None),
    ]
    assert results[0]["message"].startswith(
        "Окончательный ответ нельзя отправить: инцидент не направлен исполнителю"
    )
    api.route("tul.op", incident_id)
    (routed,) = api.push("tul.op", answer("solution", "published"))["results"]
    assert routed["outcome"] == "applied"
