"""``incident.register`` over the HTTP API: a call, a letter or a visit registered by hand.

The server puts the incident in the caller's region (never one from the body), computes its
deadlines from the region's SLA policy, answers a retry of the same id without a second row,
and refuses hostile args per mutation (``rejected`` with a Russian reason) while the rest of
the batch is applied.

Hand computation for every deadline below (RU-TUL, Europe/Moscow, UTC+3; working day
09:00–18:00 with lunch 13:00–14:00; the default SLA rule of a source ``other``: first answer in
8 working hours capped at 24 calendar hours, moderation by the end of the next working day):
received Friday 2026-03-06 17:30 local. 8 March 2026 is a Sunday, so its day off moves to Monday
9 March (Labour Code art. 112); the next working day is Tuesday 10 March. First answer: 0.5 h on
Friday, then nothing until Tuesday 09:00, so 8 working hours end Tuesday 17:30, but the 24-hour
cap ends Saturday 7 March 17:30 local = 14:30 UTC (earlier, so it wins). Moderation: end of
Tuesday 10 March, 18:00 local = 15:00 UTC.
"""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from tests.server.conftest import Api

RECEIVED = "2026-03-06T17:30:00+03:00"
FIRST_DUE_UTC = "2026-03-07T14:30:00"
MODERATION_DUE_UTC = "2026-03-10T15:00:00"


def _register(**overrides: Any) -> dict[str, Any]:
    return {
        "id": str(uuid4()),
        "channel": "phone",
        "author": "Петрова Мария Ивановна",
        "contact": "+7 900 123-45-67",
        "text": "Звонок: в подъезде дома 12 по ул. Мира не работает лифт третий день",
        "received_at": RECEIVED,
        **overrides,
    }


def _outcomes(result: dict[str, Any]) -> list[tuple[str, str | None]]:
    return [(r["outcome"], r.get("code")) for r in result["results"]]


def test_registered_incident_gets_the_callers_region_and_the_servers_deadlines(api: Api) -> None:
    args = _register()
    assert _outcomes(api.push("tul.op", ("incident.register", args))) == [("applied", None)]
    row = api.incident("tul.op", args["id"])
    assert row["region_code"] == "RU-TUL"
    assert row["source"] == "other"
    assert row["external_id"] == f"phone:{args['id']}"
    assert row["author"] == "Петрова Мария Ивановна"
    assert row["link"] == "+7 900 123-45-67"
    assert row["status"] == "new"
    assert row["first_answer_due"].startswith(FIRST_DUE_UTC)
    assert row["moderation_due"].startswith(MODERATION_DUE_UTC)
    # another region's user does not see it
    assert not [c for c in api.pull_all("sam.op") if c["id"] == args["id"]]


def test_a_retry_of_the_same_registration_makes_no_second_row(api: Api) -> None:
    args = _register(channel="letter")
    first = api.push("tul.op", ("incident.register", args))
    again = api.push("tul.op", ("incident.register", args))  # a new mutation id, the same incident
    assert _outcomes(first) == [("applied", None)]
    assert _outcomes(again) == [("applied", None)]
    rows = [
        c for c in api.pull_all("tul.op") if c["entity"] == "incident" and c["id"] == args["id"]
    ]
    assert len(rows) == 1
    assert rows[0]["data"]["version"] == 1


HOSTILE: list[tuple[dict[str, Any], str]] = [
    ({"region_code": "RU-SAM"}, "region_code"),  # the region is never taken from the body
    ({"channel": "fax"}, "channel"),
    ({"text": ""}, "text"),
    ({"received_at": "2026-03-06T17:30:00"}, "received_at"),  # no time zone
    ({"received_at": "9999-12-31T23:59:00+00:00"}, "не принимается"),
    ({"author": "Я" * 301}, "author"),
    ({"topic_code": "no-such-topic"}, "тема"),
    ({"municipality_id": "nowhere"}, "Муниципалитет"),
    ({"id": "not-a-uuid"}, "id"),
]
"""Args a hostile or broken client might send, and a word the refusal must contain."""


def test_hostile_args_are_refused_with_a_reason_and_do_not_block_the_batch(api: Api) -> None:
    good = [_register(channel="visit"), _register(channel="letter")]
    batch = [
        ("incident.register", good[0]),
        *[("incident.register", _register(**overrides)) for overrides, _ in HOSTILE],
        ("incident.register", good[1]),
    ]
    result = api.push("tul.op", *batch)
    outcomes = _outcomes(result)
    assert outcomes[0] == outcomes[-1] == ("applied", None)
    assert outcomes[1:-1] == [("rejected", "invalid")] * len(HOSTILE)
    for answer, (_overrides, says) in zip(result["results"][1:-1], HOSTILE, strict=True):
        assert says.lower() in answer["message"].lower(), answer["message"]
    incidents = [c for c in api.pull_all("tul.op") if c["entity"] == "incident"]
    assert sorted(c["id"] for c in incidents) == sorted(g["id"] for g in good)
    assert {c["data"]["region_code"] for c in incidents} == {"RU-TUL"}


def test_garbage_instead_of_args_is_refused_per_mutation(api: Api) -> None:
    good = _register()
    response = api.client.post(
        "/api/v1/sync/push",
        headers=api.headers("tul.sup"),
        json={
            "client_id": str(api.client_id("tul.sup")),
            "mutations": [
                {"id": 1, "name": "incident.register", "args": {}},
                {"id": 2, "name": "incident.register", "args": {"id": ["x"], "text": 5}},
                {"id": 3, "name": "incident.register", "args": good},
            ],
        },
    )
    assert response.status_code == 200
    body = response.json()
    assert [r["outcome"] for r in body["results"]] == ["rejected", "rejected", "applied"]
    assert all("incident.register" in r["message"] for r in body["results"][:2])
    # a body that is not a push at all is a clear 4xx, never a 5xx
    broken = api.client.post(
        "/api/v1/sync/push",
        headers=api.headers("tul.sup"),
        json={"client_id": "x", "mutations": "incident.register"},
    )
    assert 400 <= broken.status_code < 500
    assert broken.json()


def test_a_federal_analyst_cannot_register(api: Api) -> None:
    result = api.push("analyst", ("incident.register", _register()))
    assert _outcomes(result) == [("rejected", "forbidden")]
