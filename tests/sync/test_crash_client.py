"""The client process is SIGKILLed at random points; on restart nothing is half-done.

A child process (``tests/sync/crash_worker.py``) works on a real profile against a real
``cur-server`` and is killed with a real SIGKILL after a seeded random delay: while recording
local changes, while applying big pull pages, in the middle of syncs, and after a push was
answered but before the answer was recorded. After every kill the profile is checked:

* ``PRAGMA integrity_check`` is ``ok``;
* every local change the child started is either both in the view and in the outbox (or
  confirmed by the server), or in neither: a change and its outbox row live or die together;
* the cursor is never ahead of the data: every row the server holds at ``seq <= |cursor|`` is in
  the local confirmed state, identical;
* the next sync converges: the local state equals the server's for the region, outbox empty.
"""

from __future__ import annotations

import os
import random
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select as sql_select
from sqlalchemy import text

from cur_desktop.contract import wire
from cur_desktop.storage import localstate as ls
from cur_desktop.storage import sync_state
from cur_desktop.storage.database import open_engine
from cur_desktop.storage.tables import (
    answer_base_table,
    answer_table,
    incident_base_table,
    incident_table,
)
from cur_desktop.sync import session
from cur_desktop.sync.profile import Profile
from tests.helpers.live import USERS, ingest, login, sync_once, with_engine
from tests.helpers.server_process import ServerProcess, running_server

REPO_ROOT = Path(__file__).resolve().parents[2]
SEED = 20261129
INCIDENTS = 400
# mode -> number of kills, (min, max) delay after "ready" (or after the marker the mode waits for)
SCHEDULE: dict[str, tuple[int, tuple[float, float]]] = {
    "write": (5, (0.05, 0.8)),
    "pull": (6, (0.0, 0.15)),  # measured from the start of a page application
    "sync": (6, (0.1, 1.5)),
    "push-hang": (3, (0.0, 0.05)),  # measured from "pushed"
}
MARKER = {"write": "ready", "pull": "apply", "sync": "ready", "push-hang": "pushed"}
LINE_TIMEOUT = 60.0


@pytest.fixture(scope="module")
def crash_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A server of its own with a region big enough that a pull page takes a while to apply."""
    with running_server(tmp_path_factory.mktemp("crash-server"), users=USERS) as srv:
        ingest(srv, "boss", "RU-TUL", INCIDENTS)
        yield srv


def _wait_for_line(process: subprocess.Popen[bytes], wanted: str, log_path: Path) -> None:
    assert process.stdout is not None
    deadline = time.monotonic() + LINE_TIMEOUT
    while time.monotonic() < deadline:
        ready, _, _ = select.select([process.stdout], [], [], 0.5)
        if not ready:
            if process.poll() is not None:
                break
            continue
        line = process.stdout.readline()
        if not line:
            break
        if line.decode().strip() == wanted:
            return
    raise AssertionError(
        f"crash worker never said {wanted!r}; exit {process.poll()}:\n"
        + log_path.read_text(errors="replace")
    )


def _run_and_kill(profile: Profile, mode: str, delay: float, seed: int, tmp: Path) -> list[str]:
    """Start the worker, wait for its marker, sleep ``delay``, SIGKILL it; return its journal."""
    journal = tmp / f"journal-{seed}.txt"
    log_path = tmp / f"worker-{seed}.log"
    process = start_worker(profile, mode, journal, log_path, "--seed", str(seed))
    kill_at_line(process, MARKER[mode], log_path, delay)
    return journal.read_text(encoding="utf-8").splitlines() if journal.exists() else []


def start_worker(
    profile: Profile, mode: str, journal: Path, log_path: Path, *extra: str
) -> subprocess.Popen[bytes]:
    """Start ``tests.sync.crash_worker`` in ``mode`` on ``profile`` (its stderr to ``log_path``)."""
    env = dict(os.environ)
    env.pop("PYTHONWARNINGS", None)
    command = [sys.executable, "-m", "tests.sync.crash_worker", "--profile"]
    command += [str(profile.directory), "--mode", mode, "--journal", str(journal), *extra]
    with log_path.open("wb") as log_file:
        return subprocess.Popen(
            command, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=log_file, env=env
        )


def kill_at_line(
    process: subprocess.Popen[bytes], wanted: str, log_path: Path, delay: float = 0.0
) -> None:
    """Wait for the worker's line ``wanted``, sleep ``delay``, SIGKILL it and reap it."""
    try:
        _wait_for_line(process, wanted, log_path)
        time.sleep(delay)
        assert process.poll() is None, log_path.read_text(errors="replace")
        os.kill(process.pid, signal.SIGKILL)
        assert process.wait(timeout=30) == -signal.SIGKILL
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)
        assert process.stdout is not None
        process.stdout.close()


def _server_changes(server: ServerProcess, headers: dict[str, str]) -> dict[str, wire.Change]:
    """Every row the server shows the operator now, keyed ``entity:id`` (with its seq)."""
    rows: dict[str, wire.Change] = {}
    cursor = 0
    while True:
        response = httpx.get(
            f"{server.base_url}/api/v1/sync/pull",
            params={"cursor": cursor, "limit": 5_000},
            headers=headers,
            timeout=60,
        )
        response.raise_for_status()
        page = wire.PullResponse.model_validate_json(response.content)
        for change in page.changes:
            rows[f"{change.entity.value}:{change.id}"] = change
        cursor = page.next_cursor
        if not page.has_more:
            return rows


def _local(profile: Profile) -> dict[str, Any]:
    """What the profile holds: integrity, view, shadows, outbox, sync_state (read-only)."""
    engine = open_engine(profile.db_path)
    try:
        with engine.connect() as conn:
            integrity = conn.execute(text("PRAGMA integrity_check")).scalar_one()

            def table(t: Any) -> dict[str, Any]:
                return {str(r["id"]): r for r in conn.execute(sql_select(t)).mappings()}

            return {
                "integrity": integrity,
                "incident": table(incident_table),
                "answer": table(answer_table),
                "incident_base": table(incident_base_table),
                "answer_base": table(answer_base_table),
                "outbox": ls.outbox_rows(conn),
                "cursor": sync_state.get_int_state(conn, sync_state.KEY_CURSOR),
                "allocated": sync_state.get_int_state(conn, sync_state.KEY_ALLOCATED),
            }
    finally:
        engine.dispose()


def _check_after_kill(
    local: dict[str, Any], server_rows: dict[str, wire.Change], journal: list[str]
) -> None:
    assert local["integrity"] == "ok"
    outbox: list[ls.OutboxRow] = local["outbox"]
    assert all(r.id <= local["allocated"] for r in outbox)
    queued: dict[str, set[str]] = {"answer": set(), "incident": set()}
    for row in outbox:
        if row.name is wire.MutationName.ANSWER_ADD:
            queued["answer"].add(str(row.args["id"]))
        elif row.name is wire.MutationName.INCIDENT_CREATE:
            queued["incident"].add(str(row.args["id"]))
    # A change and its outbox row: both there, or both absent (or confirmed by the server).
    for line in journal:
        parts = line.split()
        if parts[0] != "intent":
            continue
        kind, entity_id = parts[1], parts[2]
        in_view = entity_id in local[kind]
        on_server = f"{kind}:{entity_id}" in server_rows
        assert in_view == (entity_id in queued[kind] or on_server), (kind, entity_id)
    # The cursor is never ahead of the applied data.
    horizon = abs(local["cursor"])
    cow = {r.entity_id for r in outbox if r.state == ls.PENDING}
    for change in server_rows.values():
        if change.seq > horizon or change.data is None:
            continue
        if change.entity is wire.EntityKind.INCIDENT:
            table = "incident_base" if change.id in cow else "incident"
            row = local[table].get(change.id)
            assert row is not None, f"incident {change.id} (seq {change.seq}) missing"
            assert ls.incident_from_row(row) == wire.IncidentWire.model_validate(change.data)
        elif change.entity is wire.EntityKind.ANSWER:
            data = wire.AnswerWire.model_validate(change.data)
            table = "answer_base" if str(data.incident_id) in cow else "answer"
            row = local[table].get(change.id)
            assert row is not None, f"answer {change.id} (seq {change.seq}) missing"
            assert ls.answer_from_row(row) == data


def _check_converged(local: dict[str, Any], server_rows: dict[str, wire.Change]) -> None:
    assert local["outbox"] == []
    assert local["incident_base"] == {}
    assert local["answer_base"] == {}
    for kind, model in (("incident", wire.IncidentWire), ("answer", wire.AnswerWire)):
        expected = {
            c.id: model.model_validate(c.data)
            for c in server_rows.values()
            if c.entity.value == kind and c.data is not None
        }
        reader = ls.incident_from_row if kind == "incident" else ls.answer_from_row
        actual = {key: reader(row) for key, row in local[kind].items()}
        assert actual == expected
        assert not any(row.get("local_changed") for row in local[kind].values())


@pytest.mark.slow
def test_sigkill_at_random_points_never_leaves_a_half_state(
    crash_server: ServerProcess, tmp_path: Path
) -> None:
    rng = random.Random(SEED)
    profile = login(tmp_path / "ivanova", crash_server.base_url, "ivanova")
    with_engine(profile, sync_once)
    headers = crash_server.login("ivanova")
    plan = [mode for mode, (count, _) in SCHEDULE.items() for _ in range(count)]
    rng.shuffle(plan)
    inside_apply = 0
    for round_no, mode in enumerate(plan):
        low, high = SCHEDULE[mode][1]
        journal = _run_and_kill(profile, mode, rng.uniform(low, high), SEED + round_no, tmp_path)
        applying = [line for line in journal if line.startswith("apply-")]
        inside_apply += bool(applying) and applying[-1] == "apply-start"
        _check_after_kill(_local(profile), _server_changes(crash_server, headers), journal)
        counts = with_engine(profile, sync_once)
        assert counts.rejected == 0
        _check_converged(_local(profile), _server_changes(crash_server, headers))
        assert session.read_status(profile).pending == 0
    print(f"{len(plan)} kills, {inside_apply} inside a pull page application")
    assert len(plan) == 20
