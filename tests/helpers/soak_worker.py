"""Child process of the soak (``tests/helpers/soak.py``): one operator's workstation at work.

Run as ``python -m tests.helpers.soak_worker --profile DIR --target N --journal FILE --seed S
--skew SECONDS`` from the repository root, on a profile that is already logged in (through its
own fault proxy). It records local changes a few at a time and syncs after each burst, until its
profile has recorded ``N`` changes (the profile's own gap-free mutation counter, written in the
same transaction as the change, so a SIGKILL never makes it record one twice or skip one);
then it syncs until nothing is pending and exits 0. Killed at any moment, it is simply started
again on the same profile and carries on.

Changes: notes (``answer.add``, 65 %; the text names the login and the mutation number), takes
and releases (compare-and-set, 15 %), status moves along the status machine (10 %) and
classifications (10 %), each built from what this client sees, so colleagues' changes make some
of them conflict (the server rejects those; they stay in "needs attention").

The clock the sync engine reads is this process's clock shifted by ``--skew`` seconds (the
module's ``datetime``, as ``tests/sync/test_clock_skew.py`` does): client clocks decide nothing.
The journal gets ``intent answer <id>`` (flushed) before each note is recorded and
``done answer <id> <mutation id>`` after, so the parent can tell a note that was recorded from
one that died with the process.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

from sqlalchemy import select

from cur_desktop.contract import wire
from cur_desktop.contract.mutations import MutationRejected
from cur_desktop.domain.enums import Outcome, Priority, RejectReason, Status
from cur_desktop.domain.status_machine import TRANSITIONS
from cur_desktop.storage import sync_state
from cur_desktop.storage.database import open_engine
from cur_desktop.storage.tables import incident_table
from cur_desktop.sync import syncer as syncer_module
from cur_desktop.sync.errors import SyncClientError
from cur_desktop.sync.profile import Profile
from cur_desktop.sync.syncer import RetryPolicy, SyncEngine
from cur_desktop.sync.transport import SyncTransport
from tests.helpers.journal import Journal

PULL_LIMIT = 500


def install_skew(seconds: float) -> None:
    """Make the sync engine's clock run ``seconds`` ahead (negative: behind) of the real one."""
    offset = timedelta(seconds=seconds)

    class _Skewed(datetime):
        @classmethod
        def now(cls, tz: tzinfo | None = None) -> Any:
            value = datetime.now(UTC) + offset
            return value if tz is None else value.astimezone(tz)

    syncer_module.datetime = _Skewed  # type: ignore[misc]


def _incidents(conn: Any) -> list[tuple[str, str, str | None]]:
    rows = conn.execute(
        select(incident_table.c.id, incident_table.c.status, incident_table.c.assignee)
    )
    return [(str(r[0]), str(r[1]), r[2]) for r in rows]


def _allocated(conn: Any) -> int:
    return sync_state.get_int_state(conn, sync_state.KEY_ALLOCATED)


async def _record_one(
    sync: SyncEngine, rng: random.Random, journal: Journal, login: str, number: int
) -> bool:
    """Record one change built from the local view; ``False`` when the rules refused it."""
    incidents = await sync.writer.run(_incidents)
    if not incidents:
        return False
    incident_id, status, assignee = incidents[int(rng.random() * len(incidents))]
    roll = rng.random()
    name: wire.MutationName
    args: dict[str, Any]
    answer_id = ""
    if roll < 0.65:
        answer_id = str(uuid.uuid4())
        name = wire.MutationName.ANSWER_ADD
        args = {
            "id": answer_id,
            "incident_id": incident_id,
            "kind": "internal_note",
            "text": f"soak {login} m{number}: позвонили исполнителю, ждём ответа.",
        }
    elif roll < 0.80:
        name = wire.MutationName.INCIDENT_ASSIGN
        take = assignee != login
        args = {
            "incident_id": incident_id,
            "expected": assignee,
            "assignee": login if take else None,
        }
    elif roll < 0.90:
        targets = sorted(TRANSITIONS[Status(status)])
        if not targets:
            return False
        target = targets[int(rng.random() * len(targets))]
        name = wire.MutationName.INCIDENT_TRANSITION
        args = {"incident_id": incident_id, "from_status": status, "to_status": target.value}
        if target is Status.CLOSED:
            args["outcome"] = Outcome.SOLVED.value
        if target is Status.REJECTED:
            args["reject_reason"] = RejectReason.DUPLICATE.value
    else:
        name = wire.MutationName.INCIDENT_CLASSIFY
        priority = Priority.HIGH if rng.random() < 0.5 else Priority.NORMAL
        args = {"incident_id": incident_id, "priority": priority.value}
    if answer_id:
        journal.line(f"intent answer {answer_id}")
    try:
        mutation_id = await sync.record(name, args)
    except MutationRejected:
        return False
    if answer_id:
        journal.line(f"done answer {answer_id} {mutation_id}")
    return True


async def _sync_until_clean(sync: SyncEngine) -> None:
    while True:
        try:
            await sync.sync_once()
        except SyncClientError:
            await asyncio.sleep(0.2)
            continue
        if (await sync.status()).pending == 0:
            return


async def _run(args: argparse.Namespace) -> None:
    install_skew(args.skew)
    rng = random.Random(args.seed)
    journal = Journal(Path(args.journal))
    profile = Profile(Path(args.profile))
    store = open_engine(profile.db_path)
    with store.connect() as conn:
        server_url = sync_state.get_state(conn, sync_state.KEY_SERVER_URL)
        login = sync_state.get_state(conn, sync_state.KEY_LOGIN) or ""
    token = profile.credentials().load()
    if not server_url or not token:
        raise SystemExit("profile is not logged in")
    async with SyncTransport(server_url, token=token) as transport:
        sync = SyncEngine(
            store,
            transport,
            retry=RetryPolicy(attempts=2, initial=0.05, maximum=0.2),
            pull_limit=PULL_LIMIT,
        )
        print("ready", flush=True)
        while True:
            done = await sync.writer.run(_allocated)
            if done >= args.target:
                break
            burst = min(rng.randint(1, args.burst), args.target - done)
            for _ in range(burst):
                number = await sync.writer.run(_allocated) + 1
                for _attempt in range(5):
                    if await _record_one(sync, rng, journal, login, number):
                        break
            try:
                await sync.sync_once()
            except SyncClientError:
                await asyncio.sleep(0.1)
        await _sync_until_clean(sync)
        sync.close()
    print("done", flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the arguments and work until the target is reached (or the process is killed)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--profile", required=True)
    parser.add_argument("--target", type=int, required=True)
    parser.add_argument("--journal", required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--skew", type=float, default=0.0)
    parser.add_argument("--burst", type=int, default=20)
    asyncio.run(_run(parser.parse_args(argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
