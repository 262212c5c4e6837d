"""Pull: paging in seq order, one snapshot per page, reset after compaction, gzip."""

from __future__ import annotations

from typing import Any

import pytest

from cur_desktop.server.db import compact
from tests.server.conftest import API, Api


def _page(api: Api, login: str, cursor: int, limit: int, **params: Any) -> Any:
    response = api.client.get(
        f"{API}/sync/pull",
        headers=api.headers(login),
        params={"cursor": cursor, "limit": limit, **params},
    )
    assert response.status_code == 200, response.text
    return response.json()


def _ingest(api: Api, count: int, region: str = "RU-TUL", prefix: str = "p") -> None:
    items = [
        {
            "source": "telegram",
            "external_id": f"{prefix}{i}",
            "text": f"Пост {i}",
            "received_at": "2026-03-09T12:00:00+03:00",
            "region_code": region,
        }
        for i in range(count)
    ]
    assert (
        api.client.post(f"{API}/ingest", headers=api.headers("admin"), json=items).status_code
        == 200
    )


def test_pages_follow_seq_order_without_gaps_or_repeats(api: Api) -> None:
    _ingest(api, 7)
    _ingest(api, 3, region="RU-SAM", prefix="s")
    first = _page(api, "tul.op", 0, 3)
    assert first["reset"] is True
    seqs = [c["seq"] for c in first["changes"]]
    cursor = first["next_cursor"]
    while True:
        page = _page(api, "tul.op", cursor, 3)
        assert page["reset"] is False
        seqs += [c["seq"] for c in page["changes"]]
        cursor = page["next_cursor"]
        if not page["has_more"]:
            break
    assert len(seqs) == 7
    assert seqs == sorted(seqs)
    assert len(set(seqs)) == 7
    # Caught up: nothing new, and the cursor skips the other region's changes for good.
    caught_up = _page(api, "tul.op", cursor, 3)
    assert caught_up["changes"] == []
    assert caught_up["next_cursor"] == cursor


def test_incremental_pull_returns_only_later_changes(api: Api) -> None:
    incident_id = api.create_incident("tul.op")
    cursor = _page(api, "tul.op", 0, 100)["next_cursor"]
    api.push(
        "tul.op",
        (
            "incident.transition",
            {"incident_id": incident_id, "from_status": "new", "to_status": "moderation"},
        ),
    )
    page = _page(api, "tul.op", cursor, 100, client_id=str(api.client_id("tul.op")))
    assert [(c["id"], c["data"]["status"]) for c in page["changes"]] == [
        (incident_id, "moderation")
    ]
    assert page["last_mutation_id"] == 2
    other = _page(api, "tul.op2", cursor, 100, client_id=str(api.client_id("tul.op")))
    assert other["last_mutation_id"] == 0  # not tul.op2's client


def test_cursor_below_the_horizon_gets_a_full_paged_snapshot(api: Api) -> None:
    _ingest(api, 5)
    old_cursor = _page(api, "tul.op", 0, 100)["next_cursor"]
    _ingest(api, 5, prefix="q")
    with api.db.write() as session:
        compact(session)
    first = _page(api, "tul.op", old_cursor - 1, 4)
    assert first["reset"] is True
    assert first["next_cursor"] < 0  # a snapshot in progress
    ids = [c["id"] for c in first["changes"]]
    cursor = first["next_cursor"]
    while True:
        page = _page(api, "tul.op", cursor, 4)
        assert page["reset"] is False
        ids += [c["id"] for c in page["changes"]]
        cursor = page["next_cursor"]
        if not page["has_more"]:
            break
    assert len(ids) == len(set(ids)) == 10
    assert cursor > 0
    assert _page(api, "tul.op", cursor, 4)["changes"] == []


def test_pull_includes_reference_data_of_the_region(api: Api) -> None:
    pytest.importorskip("faker", reason="seed-demo needs the [demo] extra (Faker)")
    from cur_desktop.server.seed import load_reference_data

    load_reference_data(api.db, ["RU-TUL", "RU-SAM"])
    changes = api.pull_all("tul.op")
    kinds = {c["entity"] for c in changes}
    assert kinds == {"municipality", "executor"}
    assert {c["data"]["region_code"] for c in changes} == {"RU-TUL"}


def test_large_pages_are_gzip_compressed(api: Api) -> None:
    _ingest(api, 30)
    response = api.client.get(
        f"{API}/sync/pull",
        headers={**api.headers("tul.op"), "Accept-Encoding": "gzip"},
        params={"cursor": 0},
    )
    assert response.headers["content-encoding"] == "gzip"
    assert len(response.json()["changes"]) == 30


def test_limit_out_of_range_is_422(api: Api) -> None:
    for limit in (0, -1, 10_000, "many"):
        response = api.client.get(
            f"{API}/sync/pull", headers=api.headers("tul.op"), params={"limit": limit}
        )
        assert response.status_code == 422
