"""Deadlines the server sets: first answer (due + warning) at ingestion and create, and the
final answer (due + warning) when an incident goes on control; migration 0003 adds the columns."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from alembic import command
from sqlalchemy import inspect, select

from cur_desktop.domain.calendar import BusinessCalendar
from cur_desktop.domain.deadlines import Deadline, final_answer_deadline, first_answer_deadline
from cur_desktop.domain.enums import Priority, Source
from cur_desktop.domain.sla import SlaRule
from cur_desktop.reference import data as refdata
from cur_desktop.server.db import Database
from cur_desktop.server.migrate import alembic_config, upgrade
from cur_desktop.server.tables import Answer, Incident
from tests.server.conftest import API, Api

REGION = "RU-TUL"


def _rule(incident: dict[str, Any]) -> SlaRule:
    policy = refdata.sla_policy_for_region(incident["region_code"])
    return policy.rule_for(
        Source(incident["source"]), incident["topic_code"], Priority(incident["priority"])
    )


def _calendar(region_code: str) -> BusinessCalendar:
    return BusinessCalendar(refdata.region_by_code(region_code).timezone)


def _instant(value: str | None) -> datetime:
    assert value is not None
    return datetime.fromisoformat(value)


def _expected_first(incident: dict[str, Any]) -> Deadline:
    return first_answer_deadline(
        _instant(incident["received_at"]),
        _rule(incident),
        _calendar(incident["region_code"]),
        0.75,
    )


def _move(incident_id: str, from_status: str, to_status: str) -> tuple[str, dict[str, Any]]:
    args = {"incident_id": incident_id, "from_status": from_status, "to_status": to_status}
    return "incident.transition", args


def _publish(incident_id: str, kind: str) -> tuple[str, dict[str, Any]]:
    args = {
        "id": str(uuid4()),
        "incident_id": incident_id,
        "kind": kind,
        "state": "published",
        "text": "Заявка передана в управляющую компанию, ответ дадим до пятницы",
    }
    return "answer.add", args


def _applied(result: Any) -> None:
    assert [r["outcome"] for r in result["results"]] == ["applied"] * len(result["results"])


def _to_primary_answered(api: Api, incident_id: str, kind: str) -> None:
    api.route("tul.op", incident_id)
    _applied(
        api.push(
            "tul.op",
            _move(incident_id, "new", "moderation"),
            _move(incident_id, "moderation", "sent_to_executor"),
        )
    )
    api.clock.advance(timedelta(hours=3, minutes=17))
    _applied(
        api.push(
            "tul.op",
            _publish(incident_id, kind),
            _move(incident_id, "sent_to_executor", "primary_answered"),
        )
    )


def test_ingestion_sets_first_answer_due_and_warning_at_75_percent(api: Api) -> None:
    items = [
        {
            "source": source,
            "external_id": f"{source}-{priority}",
            "text": "Сломана детская площадка во дворе",
            "received_at": received,
            "region_code": REGION,
            "priority": priority,
        }
        for source, priority, received in (
            ("vk", "normal", "2026-03-10T11:00:00+03:00"),
            ("telegram", "high", "2026-03-13T17:40:00+03:00"),  # a Friday evening
            ("pos", "normal", "2026-03-07T10:15:00+03:00"),  # a Saturday
        )
    ]
    # Posts more than a day ahead of the server's clock are refused (issue 6): the server's
    # clock is moved past the latest post (with fresh tokens, the old ones expired meanwhile).
    api.clock.advance(timedelta(days=3, hours=6))
    for login in ("admin", "tul.op"):
        api._tokens.pop(login, None)
    response = api.client.post(f"{API}/ingest", headers=api.headers("admin"), json=items)
    assert response.status_code == 200, response.text
    incidents = [c["data"] for c in api.pull_all("tul.op") if c["entity"] == "incident"]
    assert len(incidents) == 3
    for incident in incidents:
        expected = _expected_first(incident)
        due = _instant(incident["first_answer_due"])
        warn = _instant(incident["first_answer_warn_at"])
        assert (due, warn) == (expected.due, expected.warn_at)
        assert _instant(incident["received_at"]) < warn < due
        assert incident["final_answer_due"] is None
        assert incident["final_answer_warn_at"] is None


def test_created_incident_gets_first_answer_due_and_warning(api: Api) -> None:
    incident_id = api.create_incident("tul.op", priority="high")
    incident = api.incident("tul.op", incident_id)
    expected = _expected_first(incident)
    assert _instant(incident["first_answer_due"]) == expected.due
    assert _instant(incident["first_answer_warn_at"]) == expected.warn_at
    assert incident["final_answer_warn_at"] is None


def test_on_control_sets_the_final_deadline_from_the_interim_answer_once(api: Api) -> None:
    incident_id = api.create_incident("tul.op")
    _to_primary_answered(api, incident_id, "interim")
    answered = api.incident("tul.op", incident_id)
    assert answered["first_answer_at"] is not None
    assert answered["final_answer_due"] is None  # not on control yet
    interim_at = _instant(answered["first_answer_at"])

    api.clock.advance(timedelta(hours=5))  # the move is later than the answer (tokens live 12 h)
    _applied(api.push("tul.op", _move(incident_id, "primary_answered", "on_control")))
    incident = api.incident("tul.op", incident_id)
    expected = final_answer_deadline(
        interim_at,
        _rule(incident),
        _calendar(REGION),
        0.75,
        received_at=_instant(incident["received_at"]),
    )
    assert incident["status"] == "on_control"
    assert _instant(incident["final_answer_due"]) == expected.due
    assert _instant(incident["final_answer_warn_at"]) == expected.warn_at
    assert interim_at < expected.warn_at < expected.due
    assert incident["version"] == answered["version"] + 1

    # Back through review to on_control: the first final deadline stays.
    api.clock.advance(timedelta(hours=2))
    _applied(
        api.push(
            "tul.op",
            _move(incident_id, "on_control", "answer_review"),
            _move(incident_id, "answer_review", "primary_answered"),
            _move(incident_id, "primary_answered", "on_control"),
        )
    )
    again = api.incident("tul.op", incident_id)
    assert again["status"] == "on_control"
    assert again["final_answer_due"] == incident["final_answer_due"]
    assert again["final_answer_warn_at"] == incident["final_answer_warn_at"]


def test_on_control_without_an_interim_answer_counts_from_the_first_answer(api: Api) -> None:
    incident_id = api.create_incident("tul.op")
    _to_primary_answered(api, incident_id, "solution")
    api.clock.advance(timedelta(hours=6))
    _applied(api.push("tul.op", _move(incident_id, "primary_answered", "on_control")))
    incident = api.incident("tul.op", incident_id)
    expected = final_answer_deadline(
        _instant(incident["first_answer_at"]),
        _rule(incident),
        _calendar(REGION),
        0.75,
        received_at=_instant(incident["received_at"]),
    )
    assert _instant(incident["final_answer_due"]) == expected.due
    assert _instant(incident["final_answer_warn_at"]) == expected.warn_at


def test_closing_without_control_leaves_the_final_deadline_unset(api: Api) -> None:
    incident_id = api.create_incident("tul.op")
    _to_primary_answered(api, incident_id, "solution")
    close = {
        "incident_id": incident_id,
        "from_status": "primary_answered",
        "to_status": "closed",
        "outcome": "solved",
    }
    _applied(api.push("tul.op", ("incident.transition", close)))
    incident = api.incident("tul.op", incident_id)
    assert incident["status"] == "closed"
    assert (incident["final_answer_due"], incident["final_answer_warn_at"]) == (None, None)


def test_migration_0003_adds_and_drops_the_warning_columns(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'm.sqlite3'}")

    def columns() -> set[str]:
        return {c["name"] for c in inspect(db.engine).get_columns("incident")}

    try:
        upgrade(db.engine, "0002")
        assert "first_answer_warn_at" not in columns()
        upgrade(db.engine)
        assert {"first_answer_warn_at", "final_answer_warn_at"} <= columns()
        config = alembic_config()
        with db.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0002")
        left = columns()
        assert not {"first_answer_warn_at", "final_answer_warn_at"} & left
        assert "final_answer_due" in left
    finally:
        db.dispose()


def test_seeded_demo_incidents_on_control_carry_final_deadlines(tmp_path: Path) -> None:
    pytest.importorskip("faker", reason="seed-demo needs the [demo] extra (Faker)")
    from cur_desktop.server.seed import seed_demo

    db = Database(f"sqlite:///{tmp_path / 'seed.sqlite3'}")
    try:
        upgrade(db.engine)
        report = seed_demo(db, regions=1, days=3, per_day=8, password="демо")
        assert report.mutations_rejected == 0
        with db.snapshot() as session:
            incidents = session.scalars(select(Incident)).all()
            # newest first, so that the earliest interim answer of an incident is kept
            newest_first = session.execute(
                select(Answer.incident_id, Answer.published_at)
                .where(Answer.kind == "interim", Answer.state == "published")
                .order_by(Answer.published_at.desc())
            ).all()
            interim = {str(r[0]): r[1] for r in newest_first}
        assert all(i.first_answer_warn_at is not None for i in incidents)
        controlled = [i for i in incidents if i.status == "on_control"]
        assert controlled, "the demo seed should leave some incidents on control"
        for incident in controlled:
            start = interim.get(incident.id) or incident.first_answer_at
            assert start is not None
            expected = final_answer_deadline(
                start,
                _rule(
                    {
                        "region_code": incident.region_code,
                        "source": incident.source,
                        "topic_code": incident.topic_code,
                        "priority": incident.priority,
                    }
                ),
                _calendar(incident.region_code),
                0.75,
                received_at=incident.received_at,
            )
            assert (incident.final_answer_due, incident.final_answer_warn_at) == (
                expected.due,
                expected.warn_at,
            )
    finally:
        db.dispose()
