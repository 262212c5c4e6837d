"""Bad input gets a 4xx with a reason, never a 500 (table-driven and hypothesis)."""

from __future__ import annotations

import json
from typing import Any
from uuid import uuid4

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.server.conftest import API, Api

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)

CASES: list[tuple[str, str, Any]] = [
    ("POST", "/auth/login", {"login": "tul.op"}),
    ("POST", "/auth/login", {"login": "tul.op", "password": "x", "admin": True}),
    ("POST", "/auth/login", {"login": 5, "password": ["x"]}),
    ("POST", "/auth/login", b"\x00\x01garbage"),
    ("POST", "/sync/push", {"client_id": "nope", "mutations": []}),
    ("POST", "/sync/push", {"client_id": str(uuid4()), "mutations": [{"id": 0}]}),
    (
        "POST",
        "/sync/push",
        {
            "client_id": str(uuid4()),
            "mutations": [{"id": 1, "name": "incident.delete", "args": {}}],
        },
    ),
    ("POST", "/sync/push", {"client_id": str(uuid4()), "mutations": "all"}),
    ("POST", "/sync/push", {"client_id": str(uuid4()), "mutations": [], "region_code": "RU-SAM"}),
    ("POST", "/sync/push", [1, 2, 3]),
    ("POST", "/sync/push", b"{"),
    ("GET", "/sync/pull?cursor=abc", None),
    ("GET", "/sync/pull?cursor=99999999999999999999999999", None),
    ("GET", "/sync/pull?client_id=not-a-uuid", None),
    (
        "POST",
        "/ingest",
        [
            {
                "source": "vk",
                "external_id": "x" * 500,
                "text": "t",
                "received_at": "2026-03-10T08:00:00Z",
                "region_code": "RU-TUL",
            }
        ],
    ),
    ("POST", "/ingest", {"items": []}),
    ("DELETE", "/sync/pull", None),
    ("GET", "/no/such/endpoint", None),
]


def _send(api: Api, method: str, path: str, body: Any, login: str = "tul.sup") -> Any:
    headers = api.headers(login)
    if isinstance(body, bytes):
        headers["Content-Type"] = "application/json"
        return api.client.request(method, f"{API}{path}", headers=headers, content=body)
    if body is None:
        return api.client.request(method, f"{API}{path}", headers=headers)
    return api.client.request(method, f"{API}{path}", headers=headers, json=body)


@pytest.mark.parametrize(("method", "path", "body"), CASES)
def test_bad_requests_are_4xx_with_a_reason(api: Api, method: str, path: str, body: Any) -> None:
    response = _send(api, method, path, body)
    assert 400 <= response.status_code < 500, (response.status_code, response.text)
    body = response.json()
    if isinstance(body, list):  # ingestion answers per item
        assert all(item["reason"] for item in body)
    else:
        assert body["detail"]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=JSON, endpoint=st.sampled_from(["/sync/push", "/ingest", "/auth/login"]))
def test_random_json_never_gives_500(api: Api, body: Any, endpoint: str) -> None:
    response = _send(api, "POST", endpoint, json.loads(json.dumps(body)))
    assert response.status_code < 500, response.text


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    args=st.dictionaries(
        st.sampled_from(
            [
                "id",
                "incident_id",
                "answer_id",
                "source",
                "external_id",
                "text",
                "received_at",
                "from_status",
                "to_status",
                "expected",
                "assignee",
                "kind",
                "state",
                "from_state",
                "to_state",
                "topic_code",
                "outcome",
            ]
        ),
        JSON,
        max_size=6,
    ),
    name=st.sampled_from(
        [
            "incident.create",
            "incident.classify",
            "incident.transition",
            "incident.assign",
            "answer.add",
            "answer.set_state",
        ]
    ),
)
def test_random_mutation_args_are_rejected_or_applied_never_500(
    api: Api, args: dict[str, Any], name: str
) -> None:
    response = api.client.post(
        f"{API}/sync/push",
        headers=api.headers("tul.op"),
        json={"client_id": str(uuid4()), "mutations": [{"id": 1, "name": name, "args": args}]},
    )
    assert response.status_code == 200, response.text
    assert response.json()["results"][0]["outcome"] in ("applied", "rejected")
