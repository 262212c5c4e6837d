"""Deadlines travel from a REAL ``cur-server`` to the client: the warning instants of the first
answer (set at ingestion) and the final answer (set when an incident goes on control) land in
the client's store, and the inbox's "at risk" filter finds a pulled incident past its warning."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from cur_desktop.domain.calendar import BusinessCalendar
from cur_desktop.domain.deadlines import (
    final_answer_deadline,
    first_answer_deadline,
    moderation_deadline,
)
from cur_desktop.domain.enums import Priority, Source
from cur_desktop.reference import data as refdata
from cur_desktop.storage.database import open_engine
from cur_desktop.storage.inbox import InboxFilter, inbox_count
from cur_desktop.storage.tables import incident_table
from cur_desktop.sync.profile import Profile
from cur_desktop.sync.syncer import SyncEngine
from tests.helpers.live import (
    REGION,
    local_rows,
    login,
    region_executor,
    server_rows,
    sync_once,
    with_engine,
)
from tests.helpers.server_process import ServerProcess

_TICK = timedelta(seconds=1)
_WARN_FIELDS = (
    "first_answer_due",
    "first_answer_warn_at",
    "final_answer_due",
    "final_answer_warn_at",
)


def _ingest_at(server: ServerProcess, received_at: datetime) -> str:
    item = {
        "source": "vk",
        "external_id": f"deadline-{uuid.uuid4().hex}",
        "text": "На остановке у школы №3 третий день не горят фонари",
        "received_at": received_at.isoformat(),
        "region_code": REGION,
    }
    response = httpx.post(
        f"{server.base_url}/api/v1/ingest", json=[item], headers=server.login("boss"), timeout=30
    )
    response.raise_for_status()
    return str(response.json()[0]["incident_id"])


def _at_risk(profile: Profile, received_at: datetime, now: datetime) -> int:
    """At-risk incidents received exactly at ``received_at`` (isolates this test's rows)."""
    engine = open_engine(profile.db_path)
    try:
        with engine.connect() as conn:
            flt = InboxFilter(
                at_risk=True,
                now=now,
                region_code=REGION,
                received_from=received_at,
                received_to=received_at + timedelta(microseconds=1),
            )
            return inbox_count(conn, flt)
    finally:
        engine.dispose()


def _move(incident_id: str, from_status: str, to_status: str) -> dict[str, Any]:
    return {"incident_id": incident_id, "from_status": from_status, "to_status": to_status}


def test_warning_instants_reach_the_client_and_drive_the_at_risk_filter(
    server: ServerProcess, tmp_path: Path
) -> None:
    now = datetime.now(UTC)
    waiting_at = now - timedelta(minutes=7, microseconds=now.microsecond % 997 + 3)
    controlled_at = waiting_at - timedelta(minutes=1)
    waiting = _ingest_at(server, waiting_at)
    controlled = _ingest_at(server, controlled_at)
    executor_id = region_executor(server)  # before the first pull: the client lists it
    profile = login(tmp_path / "ivanova", server.base_url, "ivanova")
    with_engine(profile, sync_once)

    # The first answer's deadline arrived with the pull, as the domain computes it.
    rule = refdata.sla_policy_for_region(REGION).rule_for(Source.VK, None, Priority.NORMAL)
    calendar = BusinessCalendar(refdata.region_by_code(REGION).timezone)
    first = first_answer_deadline(waiting_at, rule, calendar, 0.75)
    row = local_rows(profile, incident_table)[waiting]
    assert (row["first_answer_due"], row["first_answer_warn_at"]) == (first.due, first.warn_at)
    # moderation's deadline travels the same way
    moderation = moderation_deadline(waiting_at, rule, calendar, 0.75)
    assert (row["moderation_due"], row["moderation_warn_at"]) == (
        moderation.due,
        moderation.warn_at,
    )
    assert row["first_answer_working_us"] is None  # not answered yet
    assert _at_risk(profile, waiting_at, first.warn_at - _TICK) == 0
    assert _at_risk(profile, waiting_at, first.warn_at + _TICK) == 1
    assert _at_risk(profile, waiting_at, first.due + _TICK) == 0  # overdue, no longer "at risk"

    created = str(uuid.uuid4())

    async def work(engine: SyncEngine) -> None:
        await engine.record(
            "incident.assign", {"incident_id": controlled, "expected": None, "assignee": "ivanova"}
        )
        await engine.record("incident.transition", _move(controlled, "new", "moderation"))
        await engine.record(
            "incident.classify", {"incident_id": controlled, "executor_id": executor_id}
        )
        await engine.record(
            "incident.transition", _move(controlled, "moderation", "sent_to_executor")
        )
        await engine.record(
            "answer.add",
            {
                "id": str(uuid.uuid4()),
                "incident_id": controlled,
                "kind": "interim",
                "state": "published",
                "text": "Обращение передано в МКУ «Тулгорсвет», замена ламп — до пятницы.",
            },
        )
        await engine.record(
            "incident.transition", _move(controlled, "sent_to_executor", "primary_answered")
        )
        await engine.record(
            "incident.transition", _move(controlled, "primary_answered", "on_control")
        )
        await engine.record(
            "incident.create",
            {
                "id": created,
                "source": "other",
                "external_id": f"call-{created}",
                "text": "Звонок: во дворе дома 12 прорвало трубу",
                "received_at": now.isoformat(),
            },
        )

    with_engine(profile, work)
    pending = local_rows(profile, incident_table)
    # Until the server confirms, nothing computes deadlines on the client.
    assert pending[controlled]["status"] == "on_control"
    assert (
        pending[controlled]["final_answer_due"],
        pending[controlled]["final_answer_warn_at"],
    ) == (
        None,
        None,
    )
    # A new incident gets its first-answer and moderation deadlines computed here by the same
    # rules (shown as provisional until the server's row arrives); no final-answer deadline.
    provisional = dict(pending[created])
    assert provisional["first_answer_due"] is not None
    assert provisional["moderation_due"] is not None
    assert (provisional["final_answer_due"], provisional["final_answer_warn_at"]) == (None, None)

    counts = with_engine(profile, sync_once)
    assert counts.rejected == 0
    confirmed = local_rows(profile, incident_table)
    on_server = server_rows(server, "ivanova")
    for incident_id in (controlled, created):
        remote = on_server[f"incident:{incident_id}"]
        local = confirmed[incident_id]
        assert not local["local_changed"]
        for name in (*_WARN_FIELDS[:2], "moderation_due", "moderation_warn_at"):
            assert local[name] == datetime.fromisoformat(remote[name])
    assert confirmed[created]["first_answer_warn_at"] is not None
    assert confirmed[created]["final_answer_due"] is None
    # the client's provisional deadlines were the server's (same rules, same received instant)
    for name in (*_WARN_FIELDS[:2], "moderation_due", "moderation_warn_at"):
        assert provisional[name] == confirmed[created][name], name

    interim_at = datetime.fromisoformat(on_server[f"incident:{controlled}"]["first_answer_at"])
    final = final_answer_deadline(interim_at, rule, calendar, 0.75, received_at=controlled_at)
    local = confirmed[controlled]
    # the working time to the first answer, cached by the server, stored by the client
    spent = calendar.working_time_between(controlled_at, interim_at)
    assert local["first_answer_working_us"] == spent // timedelta(microseconds=1)
    assert (
        local["first_answer_working_us"]
        == on_server[f"incident:{controlled}"]["first_answer_working_us"]
    )
    assert local["has_interim"]
    assert not local["has_final"]
    assert (local["final_answer_due"], local["final_answer_warn_at"]) == (final.due, final.warn_at)
    assert _at_risk(profile, controlled_at, final.warn_at - _TICK) == 0
    assert _at_risk(profile, controlled_at, final.warn_at + _TICK) == 1
