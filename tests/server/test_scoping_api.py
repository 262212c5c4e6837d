"""Region and role scoping: what the server lets each caller read and change."""

from __future__ import annotations

from uuid import uuid4

from tests.server.conftest import Api


def test_operator_cannot_read_another_regions_incidents(api: Api) -> None:
    tul_id = api.create_incident("tul.op")
    sam_id = api.create_incident("sam.op")
    tul_seen = {c["id"] for c in api.pull_all("tul.op") if c["entity"] == "incident"}
    sam_seen = {c["id"] for c in api.pull_all("sam.op") if c["entity"] == "incident"}
    assert tul_seen == {tul_id}
    assert sam_seen == {sam_id}


def test_operator_cannot_change_another_regions_incident(api: Api) -> None:
    sam_id = api.create_incident("sam.op")
    result = api.push(
        "tul.op",
        (
            "incident.transition",
            {"incident_id": sam_id, "from_status": "new", "to_status": "moderation"},
        ),
        ("incident.assign", {"incident_id": sam_id, "expected": None, "assignee": "tul.op"}),
        (
            "answer.add",
            {
                "id": str(uuid4()),
                "incident_id": sam_id,
                "kind": "solution",
                "state": "published",
                "text": "Сделано",
            },
        ),
    )
    assert [r["code"] for r in result["results"]] == ["not_found"] * 3
    assert api.incident("sam.op", sam_id)["status"] == "new"
    assert api.incident("sam.op", sam_id)["version"] == 1


def test_created_incident_belongs_to_the_callers_region_whatever_is_sent(api: Api) -> None:
    result = api.push(
        "tul.op",
        (
            "incident.create",
            {
                "id": str(uuid4()),
                "source": "vk",
                "external_id": "x",
                "text": "t",
                "received_at": "2026-03-10T08:00:00+03:00",
                "region_code": "RU-SAM",
            },
        ),
    )
    assert result["results"][0]["code"] == "invalid"  # region is not the client's to choose
    incident_id = api.create_incident("tul.op")
    assert api.incident("tul.op", incident_id)["region_code"] == "RU-TUL"


def test_federal_analyst_reads_every_region_and_changes_nothing(api: Api) -> None:
    tul_id = api.create_incident("tul.op")
    sam_id = api.create_incident("sam.op")
    seen = {c["id"] for c in api.pull_all("analyst") if c["entity"] == "incident"}
    assert seen == {tul_id, sam_id}
    result = api.push(
        "analyst",
        (
            "incident.transition",
            {"incident_id": tul_id, "from_status": "new", "to_status": "moderation"},
        ),
    )
    assert result["results"][0]["code"] == "forbidden"
    assert api.incident("tul.op", tul_id)["status"] == "new"


def test_client_id_belongs_to_the_login_that_first_used_it(api: Api) -> None:
    api.create_incident("tul.op")
    stolen = api.client.post(
        "/api/v1/sync/push",
        headers=api.headers("tul.op2"),
        json={"client_id": str(api.client_id("tul.op")), "mutations": []},
    )
    assert stolen.status_code == 403
    assert "другому пользователю" in stolen.json()["detail"]


def test_operator_may_not_reassign_a_colleague_supervisor_may(api: Api) -> None:
    incident_id = api.create_incident("tul.op")
    api.push(
        "tul.op",
        ("incident.assign", {"incident_id": incident_id, "expected": None, "assignee": "tul.op"}),
    )
    refused = api.push(
        "tul.op2",
        (
            "incident.assign",
            {"incident_id": incident_id, "expected": "tul.op", "assignee": "tul.op2"},
        ),
    )
    assert refused["results"][0]["code"] == "forbidden"
    moved = api.push(
        "tul.sup",
        (
            "incident.assign",
            {"incident_id": incident_id, "expected": "tul.op", "assignee": "tul.op2"},
        ),
    )
    assert moved["results"][0]["outcome"] == "applied"
    assert api.incident("tul.op", incident_id)["assignee"] == "tul.op2"
    foreign = api.push(
        "tul.sup",
        (
            "incident.assign",
            {"incident_id": incident_id, "expected": "tul.op2", "assignee": "sam.op"},
        ),
    )
    assert foreign["results"][0]["code"] == "invalid"  # not a member of the region


def test_only_supervisor_approves_answers(api: Api) -> None:
    incident_id = api.create_incident("tul.op")
    api.route("tul.op", incident_id)
    answer_id = str(uuid4())
    api.push(
        "tul.op",
        (
            "answer.add",
            {
                "id": answer_id,
                "incident_id": incident_id,
                "kind": "solution",
                "state": "on_approval",
                "text": "Мусор вывезен 11 марта, фото прилагаем",
            },
        ),
    )
    move = {"answer_id": answer_id, "from_state": "on_approval", "to_state": "approved"}
    assert api.push("tul.op", ("answer.set_state", move))["results"][0]["code"] == "forbidden"
    assert api.push("tul.sup", ("answer.set_state", move))["results"][0]["outcome"] == "applied"
