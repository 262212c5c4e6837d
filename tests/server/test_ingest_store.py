"""How ingestion stores rows (issue 11: COPY on PostgreSQL, plain tuples, one key look-up).

On both backends: a stored row holds exactly what the wire model and the SLA policy give (the
rows are built without a wire model now), and a row that collides after all (an id already
taken) costs only its own item: the bulk write (COPY on PostgreSQL) fails, the rows are stored
one by one inside savepoints, the colliding item is ``invalid`` and the others are ``created``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from cur_desktop.domain.enums import Priority, Source
from cur_desktop.server import deadline_policy, ingest
from tests.server.conftest import API, Api


def _item(external_id: str, **fields: object) -> dict[str, object]:
    return {
        "source": "vk",
        "external_id": external_id,
        "text": "Не вывозят мусор третий день",
        "author": "Жительница",
        "link": "https://vk.com/wall-1_2",
        "received_at": "2026-03-10T21:30:00+03:00",
        "region_code": "ru-tul",
        "topic_code": "zhkh",
        **fields,
    }


def test_a_stored_row_holds_the_item_and_the_policy_deadlines(api: Api) -> None:
    response = api.client.post(
        f"{API}/ingest", headers=api.headers("admin"), json=[_item("row-1", priority="high")]
    )
    assert response.status_code == 200, response.text
    incident_id = response.json()[0]["incident_id"]
    data = next(c["data"] for c in api.pull_all("tul.op") if c["id"] == incident_id)
    received = datetime(2026, 3, 10, 18, 30, tzinfo=UTC)
    keys = ("RU-TUL", Source.VK, "zhkh", Priority.HIGH, received)
    first = deadline_policy.first_answer(*keys)
    moderation = deadline_policy.moderation(*keys)

    def instant(value: str) -> datetime:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))

    assert data["region_code"] == "RU-TUL"  # normalised to the reference spelling
    assert (data["source"], data["external_id"], data["priority"]) == ("vk", "row-1", "high")
    assert (data["status"], data["version"], data["assignee"]) == ("new", 1, None)
    assert data["text"] == "Не вывозят мусор третий день"
    assert (data["author"], data["link"]) == ("Жительница", "https://vk.com/wall-1_2")
    assert instant(data["received_at"]) == received
    assert instant(data["first_answer_due"]) == first.due
    assert instant(data["first_answer_warn_at"]) == first.warn_at
    assert instant(data["moderation_due"]) == moderation.due
    assert instant(data["moderation_warn_at"]) == moderation.warn_at
    assert data["final_answer_due"] is None
    assert data["first_answer_at"] is None


def test_a_colliding_row_costs_only_its_own_item(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    first = api.client.post(f"{API}/ingest", headers=api.headers("admin"), json=[_item("c-1")])
    taken = uuid.UUID(first.json()[0]["incident_id"])
    fresh = uuid.uuid4()
    ids: Iterator[uuid.UUID] = iter([taken, fresh])
    monkeypatch.setattr(ingest, "_new_id", lambda: next(ids))
    response = api.client.post(
        f"{API}/ingest", headers=api.headers("admin"), json=[_item("c-2"), _item("c-3")]
    )
    assert response.status_code == 422
    results = response.json()
    assert [r["status"] for r in results] == ["invalid", "created"]
    assert results[0]["reason"] == "Запись конфликтует с уже сохранённой"
    assert results[1]["incident_id"] == str(fresh)
    stored = {c["id"]: c["data"] for c in api.pull_all("tul.op") if c["entity"] == "incident"}
    assert set(stored) == {str(taken), str(fresh)}
    assert stored[str(taken)]["external_id"] == "c-1"  # the first row is untouched
    assert stored[str(fresh)]["external_id"] == "c-3"
