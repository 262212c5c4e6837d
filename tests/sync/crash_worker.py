"""Child process of the crash tests: works on a profile in a loop until the parent SIGKILLs it.

Run as ``python -m tests.sync.crash_worker --profile DIR --mode MODE --journal FILE --seed N``
from the repository root, on a profile that is already logged in. Modes:

* ``write``: records local mutations (``answer.add`` notes, ``incident.create``) one after
  another, no network;
* ``pull``: forces a full re-snapshot (cursor 0) and pulls it in big pages (5,000 rows), again
  and again, recording a local mutation before each round (so copy-on-write rows exist while a
  reset page is applied);
* ``sync``: records one to three mutations, then a full sync (push + pull in small pages);
* ``push-hang``: records a few mutations, pushes them, and once the server's answer has
  arrived prints ``pushed`` and sleeps before the engine can record it (the parent kills it
  there: "after sending a push and before recording the answer");
* ``snapshot``: a first sync from the server's snapshot, loaded 20 incidents a range. With
  ``--hang-at N`` it prints ``hang`` and sleeps INSIDE the writer transaction of the N-th range
  (1-based; 0: of the step that finishes the load), its rows written and not committed;
  otherwise it syncs and prints ``synced``.

Protocol with the parent: ``ready`` on stdout when the engine is up; ``apply`` on stdout each
time a pull page starts being applied. The journal gets ``intent <kind> <id>`` (flushed) BEFORE
each local change is recorded and ``done <kind> <id> <mutation id>`` after, and
``apply-start`` / ``apply-end`` around every page application, so the parent knows what the
child was doing when it died.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select

from cur_desktop.contract import wire
from cur_desktop.storage import snapshot_load, sync_state
from cur_desktop.storage.database import open_engine
from cur_desktop.storage.tables import incident_table
from cur_desktop.sync import syncer as syncer_module
from cur_desktop.sync.profile import Profile
from cur_desktop.sync.syncer import RetryPolicy, SyncEngine
from cur_desktop.sync.transport import SyncTransport
from tests.helpers.journal import Journal

MODES = ("write", "pull", "sync", "push-hang", "snapshot")
SNAPSHOT_RANGE = 20
BIG_PAGE = 5_000


class _HangAfterPush(SyncTransport):
    """Pushes for real, then announces it and hangs before handing the answer to the engine."""

    async def push(self, request: wire.PushRequest) -> wire.PushResponse:
        response = await super().push(request)
        print("pushed", flush=True)
        await asyncio.sleep(3600)
        return response


def _install_apply_markers(journal: Journal) -> None:
    """Mark the start and end of every page application (runs on the writer thread)."""
    original = syncer_module.apply_page

    def marked(conn: Connection, page: wire.PullResponse, changes: Sequence[Any]) -> int:
        journal.line("apply-start")
        print("apply", flush=True)
        applied = original(conn, page, changes)
        journal.line("apply-end")
        return applied

    syncer_module.apply_page = marked


def _install_snapshot_hang(hang_at: int) -> None:
    """Sleep inside the writer job of range ``hang_at`` (0: of the finishing step)."""
    load, finish = snapshot_load.load_incidents, snapshot_load.finish
    ranges = 0

    def hang() -> None:
        print("hang", flush=True)
        time.sleep(3600)

    def load_then_hang(conn: Connection, **kwargs: Any) -> int:
        nonlocal ranges
        loaded = load(conn, **kwargs)
        ranges += 1
        if ranges == hang_at:
            hang()
        return loaded

    def finish_then_hang(conn: Connection, **kwargs: Any) -> int:
        done = finish(conn, **kwargs)
        if hang_at == 0:
            hang()
        return done

    snapshot_load.load_incidents = load_then_hang  # type: ignore[assignment]
    snapshot_load.finish = finish_then_hang  # type: ignore[assignment]


async def _record_one(sync: SyncEngine, rng: random.Random, journal: Journal) -> None:
    incident_ids = await sync.writer.run(
        lambda conn: [str(r[0]) for r in conn.execute(select(incident_table.c.id))]
    )
    if incident_ids and rng.random() < 0.75:
        answer_id = str(uuid.uuid4())
        journal.line(f"intent answer {answer_id}")
        mutation_id = await sync.record(
            wire.MutationName.ANSWER_ADD,
            {
                "id": answer_id,
                "incident_id": rng.choice(incident_ids),
                "kind": "internal_note",
                "text": f"Заметка {answer_id[:8]}: позвонили в управляющую компанию.",
            },
        )
        journal.line(f"done answer {answer_id} {mutation_id}")
    else:
        incident_id = str(uuid.uuid4())
        journal.line(f"intent incident {incident_id}")
        mutation_id = await sync.record(
            wire.MutationName.INCIDENT_CREATE,
            {
                "id": incident_id,
                "source": "other",
                "external_id": f"crash-{incident_id}",
                "author": "Звонок на горячую линию",
                "text": "Житель сообщил по телефону: во дворе прорвало трубу.",
                "received_at": datetime.now(UTC).isoformat(),
            },
        )
        journal.line(f"done incident {incident_id} {mutation_id}")


def _reset_cursor(conn: Connection) -> None:
    sync_state.set_state(conn, sync_state.KEY_CURSOR, 0)


async def _run(args: argparse.Namespace) -> None:
    rng = random.Random(args.seed)
    journal = Journal(Path(args.journal))
    _install_apply_markers(journal)
    profile = Profile(Path(args.profile))
    store = open_engine(profile.db_path)
    with store.connect() as conn:
        server_url = sync_state.get_state(conn, sync_state.KEY_SERVER_URL)
    token = profile.credentials().load()
    if not server_url or not token:
        raise SystemExit("profile is not logged in")
    transport_class = _HangAfterPush if args.mode == "push-hang" else SyncTransport
    async with transport_class(server_url, token=token) as transport:
        sync = SyncEngine(
            store,
            transport,
            retry=RetryPolicy(attempts=3, initial=0.05, maximum=0.2),
            pull_limit=BIG_PAGE if args.mode == "pull" else 50,
        )
        print("ready", flush=True)
        if args.mode == "write":
            while True:
                await _record_one(sync, rng, journal)
        elif args.mode == "pull":
            while True:
                await _record_one(sync, rng, journal)
                await sync.writer.run(_reset_cursor)
                await sync.pull()
        elif args.mode == "snapshot":
            syncer_module.SNAPSHOT_CHUNK = SNAPSHOT_RANGE
            if args.hang_at is not None:
                _install_snapshot_hang(args.hang_at)
            await sync.sync_once()
            print("synced", flush=True)
            await asyncio.sleep(3600)
        elif args.mode == "sync":
            while True:
                for _ in range(rng.randint(1, 3)):
                    await _record_one(sync, rng, journal)
                await sync.sync_once()
        else:
            for _ in range(rng.randint(2, 5)):
                await _record_one(sync, rng, journal)
            await sync.sync_once()


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the arguments and work until killed."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--profile", required=True)
    parser.add_argument("--mode", required=True, choices=MODES)
    parser.add_argument("--journal", required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--hang-at", type=int, default=None)
    asyncio.run(_run(parser.parse_args(argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
