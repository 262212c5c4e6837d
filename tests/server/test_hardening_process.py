"""Issue 6 against a REAL ``cur-server serve`` process: bad and hostile input never stops it.

Each test is a probe from the issue, sent over HTTP the way a careless client or an attacker
would; the answers and the data the server keeps afterwards are checked.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.helpers.live import fold_pull_page
from tests.helpers.server_process import ServerProcess, UserSpec, running_server

API = "/api/v1"
TUL, KIR = "RU-TUL", "RU-KIR"
USERS = [
    UserSpec("h.tul.op", "operator", TUL, "пароль-оператора-тулы"),
    UserSpec("h.tul.sup", "supervisor", TUL, "пароль-руководителя-тулы"),
    UserSpec("h.kir.op", "operator", KIR, "пароль-оператора-кирова"),
    UserSpec("h.kir.sup", "supervisor", KIR, "пароль-руководителя-кирова"),
]
LIMIT = 64 * 1024


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    with running_server(tmp_path_factory.mktemp("hardening"), users=USERS) as srv:
        yield srv


class Client:
    """One user's HTTP calls with its own client id and mutation sequence."""

    def __init__(self, server: ServerProcess, login: str) -> None:
        self.server = server
        self.headers = server.login(login)
        self.client_id = str(uuid.uuid4())
        self.next_id = 0

    def push(self, *mutations: tuple[str, dict[str, Any]]) -> list[dict[str, Any]]:
        batch = []
        for name, args in mutations:
            self.next_id += 1
            batch.append({"id": self.next_id, "name": name, "args": args})
        response = httpx.post(
            f"{self.server.base_url}{API}/sync/push",
            headers=self.headers,
            json={"client_id": self.client_id, "mutations": batch},
            timeout=60,
        )
        assert response.status_code == 200, response.text
        return list(response.json()["results"])

    def ingest(self, items: list[dict[str, Any]]) -> httpx.Response:
        return httpx.post(
            f"{self.server.base_url}{API}/ingest", headers=self.headers, json=items, timeout=60
        )

    def rows(self) -> dict[str, dict[str, Any]]:
        rows: dict[str, dict[str, Any]] = {}
        cursor = 0
        while True:
            response = httpx.get(
                f"{self.server.base_url}{API}/sync/pull",
                headers=self.headers,
                params={"cursor": cursor},
                timeout=60,
            )
            assert response.status_code == 200, response.text
            body = response.json()
            fold_pull_page(rows, body)
            cursor = body["next_cursor"]
            if not body["has_more"]:
                return rows


def _now() -> datetime:
    return datetime.now(UTC)


def _post(region: str, *, external_id: str | None = None, **fields: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "source": "vk",
        "external_id": external_id or f"post-{uuid.uuid4()}",
        "text": "Во дворе не убирают снег",
        "received_at": (_now() - timedelta(hours=1)).isoformat(),
        "region_code": region,
    }
    item.update(fields)
    return item


def _create_args(**fields: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "source": "other",
        "external_id": f"call-{uuid.uuid4()}",
        "text": "Звонок: не работает уличное освещение",
        "received_at": (_now() - timedelta(minutes=5)).isoformat(),
    }
    args.update(fields)
    return args


def _outcomes(results: list[dict[str, Any]]) -> list[tuple[str, str | None]]:
    return [(r["outcome"], r["code"]) for r in results]


# --------------------------------------------------------------------------- 1 and 2


EXTREME_INSTANTS = ("9999-12-31T23:00:00+00:00", "0001-01-01T00:00:00+14:00")


def test_extreme_instants_are_refused_per_item_and_valid_items_are_stored(
    server: ServerProcess,
) -> None:
    sup = Client(server, "h.tul.sup")
    valid = _post(TUL)
    items = [_post(TUL, received_at=at) for at in EXTREME_INSTANTS]
    items += [valid, _post(TUL, received_at="1999-12-31T23:59:00+00:00")]
    items.append(_post(TUL, received_at=(_now() + timedelta(days=2)).isoformat()))
    response = sup.ingest(items)
    assert response.status_code == 422, response.text
    results = response.json()
    assert [r["status"] for r in results] == ["invalid", "invalid", "created", "invalid", "invalid"]
    for result in (results[0], results[4]):
        assert "received_at" in result["reason"]
        assert "позже" in result["reason"]
    for result in (results[1], results[3]):
        assert "раньше 2000-01-01" in result["reason"]
    stored = Client(server, "h.tul.op").rows()
    assert stored[f"incident:{results[2]['incident_id']}"]["external_id"] == valid["external_id"]
    refused = {i["external_id"] for i in items} - {valid["external_id"]}
    assert refused.isdisjoint(r.get("external_id") for r in stored.values())


def test_a_change_with_an_extreme_instant_is_rejected_and_the_next_one_applied(
    server: ServerProcess,
) -> None:
    op = Client(server, "h.tul.op")
    results = op.push(
        *[("incident.create", _create_args(received_at=at)) for at in EXTREME_INSTANTS],
        ("incident.create", _create_args()),
    )
    assert _outcomes(results) == [
        ("rejected", "invalid"),
        ("rejected", "invalid"),
        ("applied", None),
    ]
    assert all("received_at" in str(r["message"]) for r in results[:2])
    # The server keeps working for this client: the next push is applied too.
    assert _outcomes(op.push(("incident.create", _create_args()))) == [("applied", None)]


# --------------------------------------------------------------------------- 3


DEEP = b"[" * 100_000 + b"]" * 100_000


@pytest.mark.parametrize("path", ["/auth/login", "/ingest", "/sync/push", "/auth/logout"])
def test_deeply_nested_body_is_refused_with_422_on_every_endpoint(
    server: ServerProcess, path: str
) -> None:
    headers = {**server.login("h.tul.sup"), "Content-Type": "application/json"}
    started = time.monotonic()
    response = httpx.post(
        f"{server.base_url}{API}{path}", headers=headers, content=DEEP, timeout=60
    )
    assert response.status_code == 422, response.text
    assert "вложенность" in response.json()["detail"]
    assert time.monotonic() - started < 30  # generous: refused, not parsed for minutes
    # And the server still answers.
    assert httpx.get(f"{server.base_url}{API}/health", timeout=10).status_code == 200


# --------------------------------------------------------------------------- 4 and 5


def test_an_operator_cannot_block_ingestion_of_another_region(server: ServerProcess) -> None:
    external_id = f"kir-post-{uuid.uuid4()}"
    # What the old server would have made the id of that post: a UUID v5 of source + id.
    predicted = uuid.uuid5(
        uuid.UUID("5d0f9a56-8f0e-4a49-9a57-6f1d4c2b7e10"), f"vk\x1f{external_id}"
    )
    tul = Client(server, "h.tul.op")
    squat = _create_args(id=str(predicted), source="vk", external_id=external_id)
    assert _outcomes(tul.push(("incident.create", squat))) == [("applied", None)]

    kir = Client(server, "h.kir.sup")
    batch = [_post(KIR, external_id=external_id), _post(KIR)]
    response = kir.ingest(batch)
    assert response.status_code == 200, response.text
    results = response.json()
    assert [r["status"] for r in results] == ["created", "created"]
    assert results[0]["incident_id"] != str(predicted)
    kir_rows = Client(server, "h.kir.op").rows()
    assert kir_rows[f"incident:{results[0]['incident_id']}"]["region_code"] == KIR
    # The same post again is a duplicate with the same id, not a failure.
    again = kir.ingest(batch[:1]).json()
    assert (again[0]["status"], again[0]["incident_id"]) == ("duplicate", results[0]["incident_id"])


def test_ingested_ids_are_not_derived_from_the_post(server: ServerProcess) -> None:
    sup = Client(server, "h.tul.sup")
    item = _post(TUL)
    first = sup.ingest([item]).json()[0]["incident_id"]
    # The same source and external id in another region is another incident, another id.
    other = Client(server, "h.kir.sup").ingest([{**item, "region_code": KIR}]).json()[0]
    assert other["status"] == "created"
    assert other["incident_id"] != first
    # UUID v7 since issue 11's ingestion work (docs/SERVER.md): the creation millisecond, then
    # 74 random bits; nothing in it comes from the post.
    assert uuid.UUID(first).version == 7
    assert uuid.UUID(first).int & ((1 << 62) - 1) != uuid.UUID(other["incident_id"]).int & (
        (1 << 62) - 1
    )


def test_creating_with_a_foreign_incident_key_answers_as_if_it_did_not_exist(
    server: ServerProcess,
) -> None:
    kir_post = _post(KIR, source="vk")
    foreign_id = Client(server, "h.kir.sup").ingest([kir_post]).json()[0]["incident_id"]
    tul = Client(server, "h.tul.op")

    # The same source and external id: created exactly as with a pair nobody holds.
    same_pair = _create_args(source="vk", external_id=kir_post["external_id"])
    fresh_pair = _create_args(source="vk", external_id=f"nobody-{uuid.uuid4()}")
    assert _outcomes(tul.push(("incident.create", same_pair), ("incident.create", fresh_pair))) == [
        ("applied", None),
        ("applied", None),
    ]

    # The foreign id: the very answer of any incident the caller cannot see (the docs' not_found).
    missing = str(uuid.uuid4())
    results = tul.push(
        ("incident.create", _create_args(id=foreign_id)),
        (
            "incident.transition",
            {"incident_id": missing, "from_status": "new", "to_status": "moderation"},
        ),
        ("incident.classify", {"incident_id": foreign_id, "priority": "high"}),
    )
    answers = {(r["outcome"], r["code"], r["message"]) for r in results}
    assert answers == {("rejected", "not_found", "Инцидент не найден")}
    kir_rows = Client(server, "h.kir.op").rows()
    assert kir_rows[f"incident:{foreign_id}"]["external_id"] == kir_post["external_id"]


# --------------------------------------------------------------------------- 6


def test_every_path_in_has_the_64_kib_text_limit(server: ServerProcess) -> None:
    op = Client(server, "h.tul.op")
    at_limit = "ж" * (LIMIT // 2)  # two bytes each in UTF-8: exactly 64 KiB
    over = at_limit + "!"
    created = _create_args(text=at_limit)
    results = op.push(
        ("incident.create", created),
        ("incident.create", _create_args(text=over)),
        ("incident.create", _create_args(text="ж" * (25 * 1024 * 1024))),  # 50 MB
    )
    assert _outcomes(results) == [
        ("applied", None),
        ("rejected", "invalid"),
        ("rejected", "invalid"),
    ]
    assert "64 КиБ" in str(results[1]["message"])

    incident_id = created["id"]
    answers = []
    for kind in ("interim", "internal_note"):
        for text in (at_limit, over, "ж" * (512 * 1024)):  # the probe's 1 MB answer
            answers.append(
                (
                    "answer.add",
                    {
                        "id": str(uuid.uuid4()),
                        "incident_id": incident_id,
                        "kind": kind,
                        "text": text,
                    },
                )
            )
    assert (
        _outcomes(op.push(*answers))
        == [
            ("applied", None),
            ("rejected", "invalid"),
            ("rejected", "invalid"),
        ]
        * 2
    )

    sup = Client(server, "h.tul.sup")
    assert sup.ingest([_post(TUL, text=at_limit)]).status_code == 200
    too_long = sup.ingest([_post(TUL), _post(TUL, text=over)])
    assert too_long.status_code == 413
    assert "Запись №1" in too_long.json()["detail"]


@pytest.mark.slow
def test_a_pull_page_is_capped_by_bytes(tmp_path: Path) -> None:
    with running_server(tmp_path, users=USERS) as server:
        sup = Client(server, "h.tul.sup")
        big = "ы" * (30 * 1024)  # 60 KiB in UTF-8
        for _ in range(2):
            items = [_post(TUL, text=big) for _ in range(60)]
            assert sup.ingest(items).status_code == 200
        op = Client(server, "h.tul.op")
        response = httpx.get(
            f"{server.base_url}{API}/sync/pull",
            headers=op.headers,
            params={"cursor": 0, "limit": 5000},
            timeout=60,
        )
        body = response.json()
        assert len(response.content) <= 4 * 1024 * 1024 + LIMIT  # cap + at most one row's text
        assert body["has_more"] is True
        assert 0 < len(body["changes"]) < 120
        # Paging on still delivers everything.
        incidents = [k for k in op.rows() if k.startswith("incident:")]
        assert len(incidents) == 120


# --------------------------------------------------------------------------- 7


def test_reference_codes_are_checked_against_the_reference_data(server: ServerProcess) -> None:
    op = Client(server, "h.tul.op")
    created = _create_args()
    assert _outcomes(op.push(("incident.create", created))) == [("applied", None)]
    incident_id = created["id"]

    def classify(**fields: Any) -> tuple[str, str | None]:
        result = op.push(("incident.classify", {"incident_id": incident_id, **fields}))[0]
        return result["outcome"], result["code"]

    assert classify(topic_code="x" * 100_000) == ("rejected", "invalid")  # the 100 KB probe
    assert classify(topic_code="no-such-topic") == ("rejected", "invalid")
    assert classify(subtopic_code="roads.no-such-sub") == ("rejected", "invalid")
    assert classify(topic_code="zhkh", subtopic_code="roads.potholes") == ("rejected", "invalid")
    assert classify(municipality_id="no-such-municipality") == ("rejected", "invalid")
    assert classify(executor_id="e" * 5000) == ("rejected", "invalid")
    assert classify(topic_code="roads", subtopic_code="roads.potholes") == ("applied", None)
    bad_create = op.push(("incident.create", _create_args(topic_code="no-such-topic")))[0]
    assert (bad_create["outcome"], bad_create["code"]) == ("rejected", "invalid")

    results = (
        Client(server, "h.tul.sup")
        .ingest(
            [
                _post(TUL, topic_code="no-such-topic"),
                _post(TUL, municipality_id="no-such-municipality"),
                _post(TUL, topic_code="roads", subtopic_code="roads.potholes"),
            ]
        )
        .json()
    )
    assert [r["status"] for r in results] == ["invalid", "invalid", "created"]
    assert "рубрикатор" in results[0]["reason"]
    assert "Муниципалитет" in results[1]["reason"]
