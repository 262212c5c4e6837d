"""Who made an incident's latest version (``changed_by``) travels in the pull.

The login of the caller whose mutation produced the version (classify, take, a transition, a
create); ``null`` for an ingested post (the server made that version by itself). SQLite and
PostgreSQL alike (the ``api`` fixture runs both). Expected logins written out by hand.
"""

from __future__ import annotations

from cur_desktop.server.tables import Incident
from tests.server.conftest import API, Api


def _ingested(api: Api) -> str:
    item = {
        "source": "vk",
        "external_id": "vk-changed-by-1",
        "text": "Не горит фонарь у подъезда",
        "received_at": "2026-03-10T11:00:00+03:00",
        "region_code": "RU-TUL",
    }
    response = api.client.post(f"{API}/ingest", headers=api.headers("admin"), json=[item])
    assert response.status_code == 200, response.text
    return str(response.json()[0]["incident_id"])


def test_an_ingested_post_names_nobody_and_each_move_names_its_caller(api: Api) -> None:
    incident_id = _ingested(api)
    assert api.incident("tul.op", incident_id)["changed_by"] is None

    api.route("tul.op2", incident_id)  # incident.classify with an executor
    assert api.incident("tul.op", incident_id)["changed_by"] == "tul.op2"

    taken = api.push(
        "tul.op",
        ("incident.assign", {"incident_id": incident_id, "expected": None, "assignee": "tul.op"}),
    )
    assert taken["results"][0]["outcome"] == "applied", taken
    row = api.incident("tul.op2", incident_id)
    assert (row["assignee"], row["changed_by"]) == ("tul.op", "tul.op")

    moved = api.push(
        "tul.sup",
        (
            "incident.transition",
            {"incident_id": incident_id, "from_status": "new", "to_status": "moderation"},
        ),
    )
    assert moved["results"][0]["outcome"] == "applied", moved
    row = api.incident("tul.op", incident_id)
    assert (row["status"], row["changed_by"]) == ("moderation", "tul.sup")


def test_a_no_op_keeps_the_author_of_the_version_it_left_alone(api: Api) -> None:
    incident_id = _ingested(api)
    take = {"incident_id": incident_id, "expected": None, "assignee": "tul.op"}
    assert api.push("tul.op", ("incident.assign", take))["results"][0]["outcome"] == "applied"
    # the same assignment again from the supervisor: already so, nothing written
    again = api.push("tul.sup", ("incident.assign", take))
    assert again["results"][0]["outcome"] == "applied", again
    row = api.incident("tul.op", incident_id)
    assert (row["version"], row["changed_by"]) == (2, "tul.op")


def test_a_created_incident_names_its_creator_in_the_pull_and_the_table(api: Api) -> None:
    incident_id = api.create_incident("tul.op2")
    assert api.incident("tul.sup", incident_id)["changed_by"] == "tul.op2"
    with api.db.snapshot() as session:
        stored = session.get(Incident, incident_id)
        assert stored is not None
        assert stored.changed_by == "tul.op2"
