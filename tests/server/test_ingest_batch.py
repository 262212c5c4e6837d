"""A mixed batch is answered and stored exactly as the same items sent one by one (issue 11).

Ingestion validates a whole batch at once, computes deadlines with limits in days cached per
local day, takes the batch's change numbers in one statement and stores the rows with one
``COPY`` (PostgreSQL) or one ``executemany`` (SQLite). The same items sent one request each
must get the same answers (created / duplicate / invalid with its reason), the same deadlines
(also equal to :mod:`cur_desktop.server.deadline_policy` asked item by item) and change
numbers in the same order without gaps; a garbage item in the middle blocks nothing.
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from typing import Any

from cur_desktop.domain.enums import Priority, Source
from cur_desktop.server import deadline_policy, ingest
from tests.server.conftest import API, Api


def _item(external_id: str, region: str, received_at: str, **fields: Any) -> dict[str, Any]:
    return {
        "source": "vk",
        "external_id": external_id,
        "text": "Не работает уличное освещение",
        "received_at": received_at,
        "region_code": region,
        **fields,
    }


def _batch(tag: str) -> list[Any]:
    """Items of several regions, sources, priorities and days (holidays, days off, nights,
    lunch), a repeat, a garbage item in the middle and three refusals."""
    return [
        _item(f"{tag}-1", "RU-TUL", "2026-03-06T16:30:00+03:00"),  # before 3 days off
        _item(f"{tag}-2", "ru-sam", "2026-01-03T10:00:00+04:00", priority="high"),  # holidays
        _item(f"{tag}-3", "RU-SEV", "2026-02-28T23:59:59+03:00"),  # Saturday night, no cap
        _item(f"{tag}-1", "RU-TUL", "2026-03-06T16:30:00+03:00"),  # repeats item 0
        {"source": "vk", "external_id": f"{tag}-junk", "text": 5, "region_code": []},
        _item(f"{tag}-4", "RU-SAK", "2026-03-09T08:59:00+11:00", source="pos"),  # 10 working days
        _item(f"{tag}-5", "RU-XXX", "2026-03-09T10:00:00+03:00"),  # unknown region
        _item(f"{tag}-6", "RU-SMO", "2025-12-31T17:00:00+03:00", source="appeal_59fz"),
        _item(f"{tag}-7", "RU-TUL", "2026-03-10T11:00:00+03:00", topic_code="нет-такой"),
        _item(f"{tag}-8", "RU-KAM", "2026-03-10T12:13:14.5+12:00", priority="high"),
        _item(f"{tag}-9", "RU-TUL", "2026-03-09T13:30:00+03:00", source="ok"),  # at lunch
    ]


def _post(api: Api, items: list[Any]) -> list[dict[str, Any]]:
    response = api.client.post(f"{API}/ingest", headers=api.headers("admin"), json=items)
    assert response.status_code in (200, 422), response.text
    results: list[dict[str, Any]] = response.json()
    return results


def _incidents(api: Api) -> dict[str, dict[str, Any]]:
    """Stored incidents by id, each with its change number under ``seq``."""
    return {
        c["id"]: {**c["data"], "seq": c["seq"]}
        for c in api.pull_all("analyst")
        if c["entity"] == "incident"
    }


DEADLINES = ("first_answer_due", "first_answer_warn_at", "moderation_due", "moderation_warn_at")


def _instant(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def test_a_mixed_batch_equals_the_items_one_by_one(api: Api) -> None:
    earlier = _post(api, [_item("b-9", "RU-TUL", "2026-03-09T13:30:00+03:00", source="ok")])
    batch = _post(api, _batch("b"))
    single = [_post(api, [item])[0] for item in _batch("s")]
    stored = _incidents(api)

    statuses = ["created", "created", "created", "duplicate", "invalid", "created", "invalid"]
    statuses += ["created", "invalid", "created", "duplicate"]
    assert [r["status"] for r in batch] == statuses
    assert [r["index"] for r in batch] == list(range(len(statuses)))
    assert batch[3]["reason"] == "Повторяет запись №0 этого пакета"
    assert batch[3]["incident_id"] == batch[0]["incident_id"]
    assert batch[10]["reason"] == "Уже загружен ранее"  # stored by the earlier request
    assert batch[10]["incident_id"] == earlier[0]["incident_id"]
    assert batch[4]["reason"].startswith("Неверные данные: ")
    assert batch[6]["reason"] == "Неизвестный регион RU-XXX"
    # one by one: the same answers, item 3 now a repeat of an earlier request
    assert [r["status"] for r in single[:10]] == statuses[:10]
    assert single[10]["status"] == "created"  # "s-9" was not stored before
    assert single[3]["reason"] == "Уже загружен ранее"
    for index in (4, 6, 8):
        assert single[index]["reason"] == batch[index]["reason"]

    created = [i for i, s in enumerate(statuses) if s == "created"]
    batch_rows = [stored[batch[i]["incident_id"]] for i in created]
    single_rows = [stored[single[i]["incident_id"]] for i in created]
    for b, s in zip(batch_rows, single_rows, strict=True):
        assert [b[k] for k in DEADLINES] == [s[k] for k in DEADLINES]
        assert (b["region_code"], b["priority"], b["source"]) == (
            s["region_code"],
            s["priority"],
            s["source"],
        )
        assert b["external_id"].removeprefix("b-") == s["external_id"].removeprefix("s-")
        # and what the policy gives for this item alone
        keys = (
            b["region_code"],
            Source(b["source"]),
            b["topic_code"],
            Priority(b["priority"]),
            _instant(b["received_at"]),
        )
        first = deadline_policy.first_answer(*keys)
        moderation = deadline_policy.moderation(*keys)
        assert [_instant(b[k]) for k in DEADLINES] == [
            first.due,
            first.warn_at,
            moderation.due,
            moderation.warn_at,
        ]
    regions = ["RU-TUL", "RU-SAM", "RU-SEV", "RU-SAK", "RU-SMO", "RU-KAM"]
    assert [r["region_code"] for r in batch_rows] == regions
    # change numbers: the batch's rows take consecutive numbers in item order, as the
    # requests one by one do (nothing else writes in between)
    first_batch = batch_rows[0]["seq"]
    assert [r["seq"] - first_batch for r in batch_rows] == list(range(len(created)))
    first_single = single_rows[0]["seq"]
    assert [r["seq"] - first_single for r in single_rows] == list(range(len(created)))
    assert first_batch == stored[earlier[0]["incident_id"]]["seq"] + 1


def test_hand_computed_deadlines_of_a_batch(api: Api) -> None:
    """Two items whose deadlines are worked out by hand from the default policy (8 working
    hours, capped at 24 wall hours; moderation: end of the next working day; warnings at 75 %)
    and Tula's calendar (Europe/Moscow, 09:00-18:00, lunch 13-14; 7-9 March 2026 are off:
    8 March falls on a Sunday and moves to Monday 9)."""
    results = _post(
        api,
        [
            _item("h-1", "RU-TUL", "2026-03-06T16:30:00+03:00"),
            {"garbage": True},
            _item("h-2", "RU-TUL", "2026-03-10T11:00:00+03:00"),
        ],
    )
    assert [r["status"] for r in results] == ["created", "invalid", "created"]
    stored = _incidents(api)
    friday = stored[results[0]["incident_id"]]
    # Fri 6 Mar 16:30 MSK: 1.5 h that day, then Tue 10 Mar 09-13 (5.5 h) and 14:00 + 2.5 h:
    # Tue 16:30. The 24 h cap (Sat 7 Mar 16:30 MSK) comes first, warning at 18 h (Sat 10:30).
    assert _instant(friday["first_answer_due"]) == datetime(2026, 3, 7, 13, 30, tzinfo=UTC)
    assert _instant(friday["first_answer_warn_at"]) == datetime(2026, 3, 7, 7, 30, tzinfo=UTC)
    # moderation: the end of the next working day, Tue 10 Mar 18:00 MSK; the working time up
    # to it is 1.5 h + 8 h = 9.5 h, 75 % of it (7 h 7.5 min): 1.5 h on Friday, 4 h on Tuesday
    # morning, 1 h 37.5 min after lunch -> Tue 15:37:30 MSK
    assert _instant(friday["moderation_due"]) == datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
    assert _instant(friday["moderation_warn_at"]) == datetime(2026, 3, 10, 12, 37, 30, tzinfo=UTC)
    tuesday = stored[results[2]["incident_id"]]
    # Tue 10 Mar 11:00: 2 h to lunch, 4 h after it to 18:00, 2 h more on Wed 11 Mar -> 11:00,
    # the same instant as the 24 h cap; on equal due instants the earlier warning wins: the
    # working limit's (6 h: Tue 18:00 MSK), not the cap's (18 h: Wed 05:00 MSK)
    assert _instant(tuesday["first_answer_due"]) == datetime(2026, 3, 11, 8, 0, tzinfo=UTC)
    assert _instant(tuesday["first_answer_warn_at"]) == datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
    # moderation: end of Wed 11 Mar (18:00 MSK); 6 h + 8 h = 14 h, 75 % = 10.5 h: 6 h on
    # Tuesday, 4 h on Wednesday morning, 30 min after lunch -> Wed 14:30 MSK
    assert _instant(tuesday["moderation_due"]) == datetime(2026, 3, 11, 15, 0, tzinfo=UTC)
    assert _instant(tuesday["moderation_warn_at"]) == datetime(2026, 3, 11, 11, 30, tzinfo=UTC)


def test_new_ids_are_version_7_led_by_their_millisecond() -> None:
    before = time.time_ns() // 1_000_000
    ids = [ingest._new_id() for _ in range(2_000)]
    after = time.time_ns() // 1_000_000
    assert {(i.version, i.variant) for i in ids} == {(7, uuid.RFC_4122)}
    assert len(set(ids)) == len(ids)
    assert all(before <= i.int >> 80 <= after for i in ids)
    # the text form (the primary key) sorts by the millisecond; within one the 74 bits differ
    prefixes = [str(i)[:13] for i in ids]
    assert prefixes == sorted(prefixes)
    assert len({i.int & ((1 << 62) - 1) for i in ids}) == len(ids)
