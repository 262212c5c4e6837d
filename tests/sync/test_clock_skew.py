"""A client clock two days ahead, or jumping back while the operator works, changes nothing.

Conflicts are decided by rules (``from -> to`` transitions, compare-and-set assignment,
append-only answers), never by timestamps: the same offline work of two operators, synced in
the same order, ends in the same state with correct clocks and with skewed ones. The clock the
sync engine reads (``datetime.now`` in :mod:`cur_desktop.sync.syncer`, used for the time of
every recorded change, ``last_sync_at`` and events) is replaced for real in that module.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

import pytest

from cur_desktop.storage import pull_pages as pull_pages_module
from cur_desktop.storage.tables import answer_table, incident_table
from cur_desktop.sync import session
from cur_desktop.sync import syncer as syncer_module
from cur_desktop.sync.syncer import SyncEngine
from tests.helpers.live import (
    REGION,
    answers_of,
    ingest,
    local_rows,
    login,
    server_rows,
    with_engine,
)
from tests.helpers.server_process import ServerProcess

Clock = Callable[[], datetime]


def _true_clock() -> datetime:
    return datetime.now(UTC)


def _ahead(days: int) -> Clock:
    return lambda: datetime.now(UTC) + timedelta(days=days)


def _jumping_back() -> Clock:
    """Every reading is three hours earlier than the one before."""
    start = datetime.now(UTC)
    readings = iter(range(10**6))
    return lambda: start - timedelta(hours=3 * next(readings))


class _ClockSwitch:
    """The clock the engine module reads; switched per operator by the test."""

    current: Clock = _true_clock
    readings = 0


class _EngineDatetime(datetime):
    @classmethod
    def now(cls, tz: tzinfo | None = None) -> Any:
        _ClockSwitch.readings += 1
        value = _ClockSwitch.current()
        return value if tz is None else value.astimezone(tz)


def _run_scenario(server: ServerProcess, tmp: Path, clocks: dict[str, Clock]) -> dict[str, Any]:
    """Two operators work offline on the same incidents, then sync; return the end state."""
    incident_a, incident_b = ingest(server, "boss", REGION, 2)
    labels = {incident_a: "A", incident_b: "B"}
    profiles = {who: login(tmp / who, server.base_url, who) for who in ("ivanova", "petrov")}
    for profile in profiles.values():
        with_engine(profile, lambda e: e.sync_once())
    answer_labels: dict[str, str] = {}

    def note(label: str, incident_id: str, kind: str = "internal_note") -> dict[str, Any]:
        answer_id = str(uuid.uuid4())
        answer_labels[answer_id] = label
        return {"id": answer_id, "incident_id": incident_id, "kind": kind, "text": f"Текст {label}"}

    work: dict[str, list[tuple[str, dict[str, Any]]]] = {
        "ivanova": [
            ("incident.assign", {"incident_id": incident_a, "expected": None,
                                 "assignee": "ivanova"}),
            ("incident.transition", {"incident_id": incident_a, "from_status": "new",
                                     "to_status": "moderation"}),
            ("answer.add", note("ivanova-a", incident_a)),
            ("incident.classify", {"incident_id": incident_b, "priority": "high"}),
            ("answer.add", note("ivanova-b", incident_b, "interim")),
            ("incident.transition", {"incident_id": incident_b, "from_status": "new",
                                     "to_status": "moderation"}),
        ],
        "petrov": [
            ("incident.assign", {"incident_id": incident_a, "expected": None,
                                 "assignee": "petrov"}),
            ("incident.transition", {"incident_id": incident_a, "from_status": "new",
                                     "to_status": "moderation"}),
            ("answer.add", note("petrov-a", incident_a)),
            ("incident.transition", {"incident_id": incident_b, "from_status": "new",
                                     "to_status": "rejected", "reject_reason": "spam"}),
        ],
    }  # fmt: skip

    for who, steps in work.items():
        _ClockSwitch.current = clocks[who]

        async def record(engine: SyncEngine, steps: Any = steps) -> None:
            for name, args in steps:
                await engine.record(name, args)

        with_engine(profiles[who], record)
    for who in ("petrov", "ivanova", "petrov", "ivanova"):
        _ClockSwitch.current = clocks[who]
        with_engine(profiles[who], lambda e: e.sync_once())
    _ClockSwitch.current = _true_clock

    rows = server_rows(server, "boss")
    state: dict[str, Any] = {}
    for incident_id, label in labels.items():
        row = rows[f"incident:{incident_id}"]
        state[label] = (
            row["status"],
            row["assignee"],
            row["priority"],
            row["reject_reason"],
            row["version"],
            sorted(
                # the server's own history note (reclassification) has no label of ours
                (
                    answer_labels.get(a["id"], "history"),
                    a["author"],
                    a["kind"],
                    a["state"],
                    a["version"],
                )
                for a in answers_of(rows, incident_id)
            ),
        )
    for who, profile in profiles.items():

        async def attention(engine: SyncEngine) -> Any:
            return await engine.needs_attention()

        rejected = with_engine(profile, attention)
        state[f"{who} needs attention"] = sorted((r.name.value, r.reject_code) for r in rejected)
        assert session.read_status(profile).pending == 0
        # Each operator's view equals the server's rows of these incidents.
        incidents = local_rows(profile, incident_table)
        answers = local_rows(profile, answer_table)
        for incident_id in labels:
            assert incidents[incident_id]["version"] == rows[f"incident:{incident_id}"]["version"]
            assert incidents[incident_id]["status"] == rows[f"incident:{incident_id}"]["status"]
            assert {
                a: r["version"] for a, r in answers.items() if r["incident_id"] == incident_id
            } == {a["id"]: a["version"] for a in answers_of(rows, incident_id)}
    return state


@pytest.mark.slow
def test_skewed_and_jumping_client_clocks_end_in_the_same_state(
    server: ServerProcess, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(syncer_module, "datetime", _EngineDatetime)
    monkeypatch.setattr(pull_pages_module, "datetime", _EngineDatetime)
    true_state = _run_scenario(
        server, tmp_path / "true", {"ivanova": _true_clock, "petrov": _true_clock}
    )
    readings_before = _ClockSwitch.readings
    skewed_state = _run_scenario(
        server, tmp_path / "skewed", {"ivanova": _ahead(2), "petrov": _jumping_back()}
    )
    assert _ClockSwitch.readings > readings_before  # the engine really read the skewed clocks
    assert skewed_state == true_state
    # And the rules decided what they should: petrov was first online.
    assert true_state["A"][:2] == ("moderation", "petrov")
    assert true_state["B"][0] == "rejected"
    assert true_state["ivanova needs attention"] == [
        ("incident.assign", "assign_conflict"),
        ("incident.transition", "status_conflict"),
    ]
    assert true_state["petrov needs attention"] == []


def test_a_change_recorded_two_days_ahead_is_stamped_by_the_server_clock(
    server: ServerProcess, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(syncer_module, "datetime", _EngineDatetime)
    monkeypatch.setattr(pull_pages_module, "datetime", _EngineDatetime)
    monkeypatch.setattr(_ClockSwitch, "current", _ahead(2))
    incident_id = ingest(server, "boss", REGION, 1)[0]
    profile = login(tmp_path / "ivanova", server.base_url, "ivanova")
    answer_id = str(uuid.uuid4())

    async def answer(engine: SyncEngine) -> datetime:
        await engine.sync_once()
        await engine.record(
            "answer.add",
            {"id": answer_id, "incident_id": incident_id, "kind": "interim", "text": "Принято."},
        )
        local = local_rows(profile, answer_table)[answer_id]["created_at"]
        await engine.sync_once()
        assert isinstance(local, datetime)
        return local

    local_time = with_engine(profile, answer)
    before = datetime.now(UTC)
    assert local_time > before + timedelta(days=1)  # the local view used the skewed clock
    confirmed = local_rows(profile, answer_table)[answer_id]["created_at"]
    assert confirmed < before + timedelta(minutes=1)  # the server's own time replaced it
