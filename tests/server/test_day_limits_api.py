"""Limits in days on the server, moderation on the wire, and deadlines that follow a
reclassification. Expected instants are computed by hand (see the comments; production calendar
facts as in tests/unit/test_limits_in_days.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

from cur_desktop.server.reclassify import SYSTEM_AUTHOR
from tests.server.conftest import API, Api


def _utc(value: str | None) -> datetime:
    assert value is not None
    return datetime.fromisoformat(value).astimezone(UTC)


def _item(source: str, received: str, region: str = "RU-TUL", **extra: Any) -> dict[str, Any]:
    return {
        "source": source,
        "external_id": f"{source}-{uuid4()}",
        "text": "Не вывозят мусор со двора",
        "received_at": received,
        "region_code": region,
        **extra,
    }


def _ingest(api: Api, *items: dict[str, Any]) -> list[str]:
    response = api.client.post(f"{API}/ingest", headers=api.headers("admin"), json=list(items))
    assert response.status_code == 200, response.text
    results = response.json()
    assert [r["status"] for r in results] == ["created"] * len(items), results
    return [r["incident_id"] for r in results]


def _analyst_incident(api: Api, incident_id: str) -> dict[str, Any]:
    return api.incident("analyst", incident_id)


def _move(incident_id: str, a: str, b: str) -> tuple[str, dict[str, Any]]:
    return "incident.transition", {"incident_id": incident_id, "from_status": a, "to_status": b}


def _applied(result: Any) -> None:
    assert [r["outcome"] for r in result["results"]] == ["applied"] * len(result["results"])


def _interim(incident_id: str) -> tuple[str, dict[str, Any]]:
    args = {
        "id": str(uuid4()),
        "incident_id": incident_id,
        "kind": "interim",
        "state": "published",
        "text": "Взяли в работу: управляющая компания вывезет мусор до пятницы",
    }
    return "answer.add", args


def _to_on_control(api: Api, incident_id: str) -> None:
    api.route("tul.op", incident_id)  # sent_to_executor needs an executor
    _applied(
        api.push(
            "tul.op",
            _move(incident_id, "new", "moderation"),
            _move(incident_id, "moderation", "sent_to_executor"),
            _interim(incident_id),
            _move(incident_id, "sent_to_executor", "primary_answered"),
            _move(incident_id, "primary_answered", "on_control"),
        )
    )


def test_ingestion_counts_limits_in_days_by_the_civil_code(api: Api) -> None:
    vk, pos, appeal, kam, kgd = _ingest(
        api,
        _item("vk", "2025-12-30T09:00:00+03:00"),
        _item("pos", "2025-04-24T16:00:00+03:00"),
        _item("appeal_59fz", "2025-04-03T10:00:00+03:00"),
        _item("vk", "2025-02-28T17:00:00+00:00", "RU-KAM"),
        _item("vk", "2025-03-03T21:30:00+00:00", "RU-KGD"),
    )
    got = {key: _analyst_incident(api, i) for key, i in (("vk", vk), ("pos", pos))}
    got |= {key: _analyst_incident(api, i) for key, i in (("appeal", appeal), ("kam", kam))}
    got["kgd"] = _analyst_incident(api, kgd)
    # moderation of a message of Tue 30 Dec 2025 09:00 MSK: the end of Mon 12 Jan 2026 (18:00
    # MSK = 15:00 UTC); its first answer: 8 working hours, 09-13 and 14-18 of 30 Dec
    assert _utc(got["vk"]["moderation_due"]) == datetime(2026, 1, 12, 15, tzinfo=UTC)
    assert _utc(got["vk"]["first_answer_due"]) == datetime(2025, 12, 30, 15, tzinfo=UTC)
    # moderation warning: 16 working hours in between, 75 % = 12: 12 Jan 13:00 MSK
    assert _utc(got["vk"]["moderation_warn_at"]) == datetime(2026, 1, 12, 10, tzinfo=UTC)
    # ПОС of Thu 24 Apr 2025 16:00: the 10th working day is Wed 14 May: 18:00 MSK
    assert _utc(got["pos"]["first_answer_due"]) == datetime(2025, 5, 14, 15, tzinfo=UTC)
    # 59-ФЗ of Thu 3 Apr 2025: day 30 is Sat 3 May -> Mon 5 May, 18:00 MSK
    assert _utc(got["appeal"]["first_answer_due"]) == datetime(2025, 5, 5, 15, tzinfo=UTC)
    # Камчатка: Sat 1 Mar 05:00 local; 1 working day -> Mon 3 Mar 18:00 (UTC+12) = 06:00 UTC
    assert _utc(got["kam"]["moderation_due"]) == datetime(2025, 3, 3, 6, tzinfo=UTC)
    # Калининград: Mon 3 Mar 23:30 local -> Tue 4 Mar 18:00 (UTC+2) = 16:00 UTC
    assert _utc(got["kgd"]["moderation_due"]) == datetime(2025, 3, 4, 16, tzinfo=UTC)


def test_create_sets_moderation_due(api: Api) -> None:
    # Tue 10 Mar 2026 08:30 MSK: the end of Wed 11 Mar, 18:00 MSK = 15:00 UTC
    incident_id = api.create_incident("tul.op")
    incident = api.incident("tul.op", incident_id)
    assert _utc(incident["moderation_due"]) == datetime(2026, 3, 11, 15, tzinfo=UTC)


def test_final_answer_and_working_time_to_the_first_answer(api: Api) -> None:
    api.clock.now = datetime(2025, 4, 24, 17, tzinfo=UTC)  # Thu 24 Apr 2025 20:00 MSK
    incident_id = api.create_incident("tul.op", received_at="2025-04-24T08:00:00+03:00")
    _to_on_control(api, incident_id)
    incident = api.incident("tul.op", incident_id)
    # interim at 20:00 on Thu 24 Apr + 7 working days: the end of Wed 7 May, 18:00 MSK
    assert _utc(incident["final_answer_due"]) == datetime(2025, 5, 7, 15, tzinfo=UTC)
    # received 08:00, answered 20:00: working time 09-13 and 14-18 = 8 h
    assert incident["first_answer_working_us"] == 8 * 3600 * 1_000_000


def _notes(api: Api, incident_id: str) -> list[dict[str, Any]]:
    return [
        c["data"]
        for c in api.pull_all("tul.op")
        if c["entity"] == "answer" and c["data"]["incident_id"] == incident_id
    ]


def test_raising_priority_recomputes_the_first_answer_and_notes_it(api: Api) -> None:
    incident_id = api.create_incident("tul.op")  # Tue 10 Mar 2026 08:30 MSK, normal
    before = api.incident("tul.op", incident_id)
    # 8 working hours: 09-13, 14-18 -> 18:00 MSK = 15:00 UTC
    assert _utc(before["first_answer_due"]) == datetime(2026, 3, 10, 15, tzinfo=UTC)
    classify = {"incident_id": incident_id, "priority": "high"}
    _applied(api.push("tul.op", ("incident.classify", classify)))
    after = api.incident("tul.op", incident_id)
    # high: 4 working hours from the same start: 09-13 -> 13:00 MSK = 10:00 UTC; warning at 3 h
    assert _utc(after["first_answer_due"]) == datetime(2026, 3, 10, 10, tzinfo=UTC)
    assert _utc(after["first_answer_warn_at"]) == datetime(2026, 3, 10, 9, tzinfo=UTC)
    assert after["moderation_due"] == before["moderation_due"]  # 1 working day either way
    notes = _notes(api, incident_id)
    assert len(notes) == 1
    note = notes[0]
    assert (note["kind"], note["author"]) == ("internal_note", SYSTEM_AUTHOR)
    assert "приоритет: normal → high" in note["text"]
    assert "первичный ответ: до 10.03.2026 13:00 (было 10.03.2026 18:00)" in note["text"]


def test_changing_the_source_to_pos_counts_ten_working_days(api: Api) -> None:
    incident_id = api.create_incident("tul.op")  # Tue 10 Mar 2026 08:30 MSK
    _applied(
        api.push("tul.op", ("incident.classify", {"incident_id": incident_id, "source": "pos"}))
    )
    after = api.incident("tul.op", incident_id)
    assert after["source"] == "pos"
    # 11, 12, 13, 16, 17, 18, 19, 20, 23, 24 Mar: the end of Tue 24 Mar, 18:00 MSK
    assert _utc(after["first_answer_due"]) == datetime(2026, 3, 24, 15, tzinfo=UTC)


def test_a_source_taken_by_another_incident_is_a_duplicate(api: Api) -> None:
    first = api.create_incident("tul.op", external_id="same-1")
    api.create_incident("tul.op", source="pos", external_id="same-1")
    result = api.push("tul.op", ("incident.classify", {"incident_id": first, "source": "pos"}))
    assert result["results"][0]["outcome"] == "rejected"
    assert result["results"][0]["code"] == "duplicate"


def test_a_met_first_answer_is_not_recomputed(api: Api) -> None:
    incident_id = api.create_incident("tul.op")
    api.route("tul.op", incident_id)  # sent_to_executor needs an executor
    _applied(
        api.push(
            "tul.op",
            _move(incident_id, "new", "moderation"),
            _move(incident_id, "moderation", "sent_to_executor"),
            _interim(incident_id),
        )
    )
    before = api.incident("tul.op", incident_id)
    classify = {"incident_id": incident_id, "priority": "high"}
    _applied(api.push("tul.op", ("incident.classify", classify)))
    after = api.incident("tul.op", incident_id)
    assert after["priority"] == "high"
    assert after["first_answer_due"] == before["first_answer_due"]
    assert [n["author"] for n in _notes(api, incident_id)] == ["tul.op"]  # the interim only


def test_final_answer_follows_a_change_to_59fz(api: Api) -> None:
    api.clock.now = datetime(2025, 4, 28, 7, tzinfo=UTC)  # Mon 28 Apr 2025 10:00 MSK
    incident_id = api.create_incident("tul.op", received_at="2025-04-03T10:00:00+03:00")
    _to_on_control(api, incident_id)
    before = api.incident("tul.op", incident_id)
    # 29, 30 Apr, 5, 6, 7, 12, 13 May: the end of Tue 13 May
    assert _utc(before["final_answer_due"]) == datetime(2025, 5, 13, 15, tzinfo=UTC)
    move = {"incident_id": incident_id, "source": "appeal_59fz"}
    _applied(api.push("tul.op", ("incident.classify", move)))
    after = api.incident("tul.op", incident_id)
    # 30 calendar days from 3 Apr: Sat 3 May -> Mon 5 May, its end; earlier than 13 May
    assert _utc(after["final_answer_due"]) == datetime(2025, 5, 5, 15, tzinfo=UTC)
    assert after["first_answer_due"] == before["first_answer_due"]  # already met
    [note] = [n for n in _notes(api, incident_id) if n["author"] == SYSTEM_AUTHOR]
    assert "окончательный ответ: до 05.05.2025 18:00 (было 13.05.2025 18:00)" in note["text"]
