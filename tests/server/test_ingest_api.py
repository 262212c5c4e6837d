"""Ingestion: idempotency, per-item refusals (422), limits (413), rights, deadlines."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from cur_desktop.contract import wire
from tests.server.conftest import API, Api


def _item(external_id: str, region: str = "RU-TUL", **fields: Any) -> dict[str, Any]:
    return {
        "source": "vk",
        "external_id": external_id,
        "text": "Сломана детская площадка во дворе",
        "received_at": "2026-03-10T11:00:00+03:00",
        "region_code": region,
        **fields,
    }


def _ingest(api: Api, login: str, items: Any) -> Any:
    return api.client.post(f"{API}/ingest", headers=api.headers(login), json=items)


def test_ingest_is_idempotent_on_source_and_external_id(api: Api) -> None:
    items = [_item("a"), _item("b", priority="high"), _item("a", source="ok")]
    first = _ingest(api, "admin", items)
    assert first.status_code == 200
    assert [r["status"] for r in first.json()] == ["created"] * 3
    again = _ingest(api, "admin", items)
    assert again.status_code == 200
    assert [r["status"] for r in again.json()] == ["duplicate"] * 3
    assert [r["incident_id"] for r in again.json()] == [r["incident_id"] for r in first.json()]
    incidents = [c for c in api.pull_all("tul.op") if c["entity"] == "incident"]
    assert len(incidents) == 3


def test_server_computes_deadlines_from_the_sla_policy(api: Api) -> None:
    result = _ingest(api, "admin", [_item("n"), _item("h", priority="high")]).json()
    by_id = {c["id"]: c["data"] for c in api.pull_all("tul.op")}
    normal = by_id[result[0]["incident_id"]]
    high = by_id[result[1]["incident_id"]]
    received = datetime.fromisoformat(normal["received_at"])
    due_normal = datetime.fromisoformat(normal["first_answer_due"])
    due_high = datetime.fromisoformat(high["first_answer_due"])
    assert received < due_high < due_normal
    assert (due_normal - received).total_seconds() <= 24 * 3600


def test_invalid_items_are_refused_per_item_and_valid_ones_stored(api: Api) -> None:
    items = [
        _item("ok-1"),
        _item("bad-1", received_at="вчера"),
        _item("bad-2", region="RU-XXX"),
        {"source": "vk"},
        "not an object",
        _item("ok-2", surprise=1),
        _item("ok-3"),
    ]
    response = _ingest(api, "admin", items)
    assert response.status_code == 422
    statuses = [r["status"] for r in response.json()]
    assert statuses == ["created", "invalid", "invalid", "invalid", "invalid", "invalid", "created"]
    reasons = [r["reason"] for r in response.json()]
    assert "RU-XXX" in reasons[2]
    stored = {c["data"]["external_id"] for c in api.pull_all("tul.op") if c["entity"] == "incident"}
    assert stored == {"ok-1", "ok-3"}


def test_supervisor_ingests_only_for_own_region_operator_not_at_all(api: Api) -> None:
    response = _ingest(api, "tul.sup", [_item("t1"), _item("s1", region="RU-SAM")])
    assert response.status_code == 422
    assert [r["status"] for r in response.json()] == ["created", "invalid"]
    assert "RU-SAM" in response.json()[1]["reason"]
    assert _ingest(api, "tul.op", [_item("t2")]).status_code == 403
    assert _ingest(api, "analyst", [_item("t3")]).status_code == 403


def test_too_many_items_is_413(api: Api) -> None:
    items = [_item(f"x{i}") for i in range(wire.MAX_INGEST_BATCH + 1)]
    response = _ingest(api, "admin", items)
    assert response.status_code == 413
    assert "5000" in response.json()["detail"]
    assert api.pull_all("tul.op") == []


def test_too_long_text_is_413_naming_the_item(api: Api) -> None:
    items = [_item("short"), _item("long", text="я" * (wire.MAX_TEXT_BYTES // 2 + 1))]
    response = _ingest(api, "admin", items)
    assert response.status_code == 413
    assert "№1" in response.json()["detail"]


def test_body_over_the_request_limit_is_413(api: Api) -> None:
    body = b"[" + b" " * (3 * 1024 * 1024) + b"]"  # the test app allows 2 MiB
    response = api.client.post(
        f"{API}/ingest",
        headers={**api.headers("admin"), "Content-Type": "application/json"},
        content=body,
    )
    assert response.status_code == 413
    assert "Слишком большой запрос" in response.json()["detail"]


def test_ingest_body_must_be_a_json_array(api: Api) -> None:
    for body in (b"{}", b"not json", b'"text"', b"\xff\xfe"):
        response = api.client.post(
            f"{API}/ingest",
            headers={**api.headers("admin"), "Content-Type": "application/json"},
            content=body,
        )
        assert response.status_code == 422, body


def test_chunked_body_over_the_limit_is_413_too(api: Api) -> None:
    chunk = b" " * (512 * 1024)

    def body() -> Any:
        yield b"["
        for _ in range(6):  # 3 MiB, no Content-Length: the limit is counted while reading
            yield chunk
        yield b"]"

    response = api.client.post(
        f"{API}/ingest",
        headers={**api.headers("admin"), "Content-Type": "application/json"},
        content=body(),
    )
    assert response.status_code == 413
    assert "Слишком большой запрос" in response.json()["detail"]
