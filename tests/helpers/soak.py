"""The soak (issue 11): many client processes, SIGKILLs, cut links, skewed clocks; then audit.

Used by ``bench/soak.py`` (20 clients, 50,000 changes) and by the short variant in
``tests/sync/test_soak.py``. :func:`run_soak`:

1. a real ``cur-server serve`` on a fresh PostgreSQL database (``cur-server init`` as a
   subprocess, users added in this process), ``--incidents`` posts per region ingested through
   the API;
2. per client an operator profile logged in through its own :class:`FaultProxy`, and a worker
   process (``tests/helpers/soak_worker.py``) with its clock skewed by up to ``max_skew``
   (either way) that records its share of the changes and syncs;
3. while they work, chaos at random: a worker is SIGKILLed and started again on the same
   profile, a client's link is cut (every open connection closed), a push answer is dropped
   after the server committed it;
4. when every worker has finished (its changes recorded, nothing pending), the links are healed,
   every client syncs twice round, and the audit compares: every client's incidents and answers
   equal the server's for its region (ids, versions, every field), the server's
   ``last_mutation_id`` of each client equals the changes that client recorded, each rejection
   the server keeps is the one the client keeps in "needs attention", every note a client
   recorded is on the server exactly once (lost: recorded, not rejected, missing; doubled: the
   same note text twice).
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from cur_desktop.contract import wire
from cur_desktop.domain.enums import Role
from cur_desktop.server import auth
from cur_desktop.server.db import Database
from cur_desktop.server.tables import Answer, Client, RejectedMutation
from cur_desktop.storage import localstate as ls
from cur_desktop.storage import sync_state
from cur_desktop.storage.database import open_engine
from cur_desktop.storage.tables import (
    answer_base_table,
    answer_table,
    incident_base_table,
    incident_table,
)
from cur_desktop.sync.profile import Profile
from tests.helpers.live import PASSWORD, ingest, login, server_rows, sync_once, with_engine
from tests.helpers.proxy import FaultProxy
from tests.helpers.server_process import (
    SESSION_SECRETS,
    ServerProcess,
    UserSpec,
    fresh_postgres_database,
    init_database,
    running_server,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
REGIONS = ("RU-TUL", "RU-KIR", "RU-SVE", "RU-NVS")


@dataclass(frozen=True)
class SoakConfig:
    """What to run: clients, changes in total, how much chaos."""

    clients: int = 20
    changes: int = 50_000
    regions: int = 4
    incidents: int = 150  # per region
    kills_per_minute: float = 10.0
    min_life: float = 4.0  # a worker is killed only after running this long (start-up ~1-3 s)
    cuts_per_minute: float = 60.0
    drops_per_minute: float = 30.0
    max_skew: float = 3 * 86_400.0  # seconds either way
    burst: int = 20
    min_kills: int = 0  # forced (on a worker past min_life) until this many happened
    min_cuts: int = 0
    seed: int = 20261201
    timeout: float = 1_800.0


@dataclass
class SoakResult:
    """The counts the soak prints, and what went wrong (empty lists when all is well)."""

    clients: int = 0
    recorded: int = 0
    applied: int = 0
    rejected: int = 0
    rejected_codes: Counter[str] = field(default_factory=Counter)
    notes: int = 0
    kills: int = 0
    cuts: int = 0
    dropped_answers: int = 0
    restarts_after_crash: int = 0
    lost: int = 0
    doubled: int = 0
    server_incidents: int = 0
    server_answers: int = 0
    seconds: float = 0.0
    mismatches: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """The report, one figure a line."""
        codes = ", ".join(f"{k} {v}" for k, v in sorted(self.rejected_codes.items())) or "none"
        return [
            f"clients                       {self.clients}",
            f"changes recorded              {self.recorded:,}",
            f"  applied by the server       {self.applied:,}",
            f"  rejected (needs attention)  {self.rejected:,} ({codes})",
            f"  of which notes              {self.notes:,}",
            f"SIGKILLs of clients           {self.kills}",
            f"link cuts                     {self.cuts}",
            f"push answers dropped          {self.dropped_answers}",
            f"worker crashes (restarted)    {self.restarts_after_crash}",
            f"server rows: incidents        {self.server_incidents:,}",
            f"server rows: answers          {self.server_answers:,}",
            f"LOST                          {self.lost}",
            f"DOUBLED                       {self.doubled}",
            f"clients differing from server {len(self.mismatches)}",
            f"wall time                     {self.seconds:.0f} s",
        ]


@dataclass
class _Client:
    login: str
    region: str
    target: int
    directory: Path
    proxy: FaultProxy
    profile: Profile
    skew: float
    process: subprocess.Popen[bytes] | None = None
    finished: bool = False
    starts: int = 0
    crashes: int = 0
    started_at: float = 0.0

    @property
    def journal(self) -> Path:
        return self.directory / "journal.txt"


def _users(config: SoakConfig) -> tuple[list[UserSpec], list[UserSpec]]:
    regions = REGIONS[: config.regions]
    operators = [
        UserSpec(f"soak{n:02d}", "operator", regions[n % len(regions)], PASSWORD)
        for n in range(config.clients)
    ]
    supervisors = [
        UserSpec(f"soak.boss.{r[3:].lower()}", "supervisor", r, PASSWORD) for r in regions
    ]
    return operators, supervisors


def _add_users(db_url: str, users: list[UserSpec]) -> None:
    """Create the users in this process (an ``add-user`` subprocess each costs a second)."""
    SESSION_SECRETS.update(u.password for u in users)
    db = Database(db_url)
    try:
        with db.write() as session:
            for user in users:
                auth.add_user(
                    session,
                    login=user.login,
                    password=user.password,
                    role=Role(user.role),
                    region_code=user.region,
                    now=datetime.now(UTC),
                )
    finally:
        db.dispose()


def _start(client: _Client, seed: int, burst: int) -> None:
    log = (client.directory / "worker.log").open("ab")
    client.process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.helpers.soak_worker",
            "--profile",
            str(client.directory),
            "--target",
            str(client.target),
            "--journal",
            str(client.journal),
            "--seed",
            str(seed),
            "--skew",
            str(client.skew),
            "--burst",
            str(burst),
        ],
        cwd=REPO_ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    log.close()
    client.starts += 1
    client.started_at = time.monotonic()


def _chaos(
    clients: list[_Client], config: SoakConfig, rng: random.Random, result: SoakResult
) -> None:
    """Run the workers to the end with kills, cuts and dropped answers at random."""
    tick = 0.1
    per_tick = {
        "kill": config.kills_per_minute * tick / 60.0,
        "cut": config.cuts_per_minute * tick / 60.0,
        "drop": config.drops_per_minute * tick / 60.0,
    }
    deadline = time.monotonic() + config.timeout
    for n, client in enumerate(clients):
        _start(client, config.seed + n, config.burst)
    while True:
        running = []
        for client in clients:
            process = client.process
            if client.finished or process is None:
                continue
            code = process.poll()
            if code is None:
                running.append(client)
            elif code == 0:
                client.finished = True
            elif code == -signal.SIGKILL:
                _start(client, rng.randrange(1 << 30), config.burst)
                running.append(client)
            else:
                client.crashes += 1
                result.restarts_after_crash += 1
                if client.crashes > 5:
                    raise RuntimeError(
                        f"worker {client.login} keeps failing (exit {code}); see "
                        f"{client.directory / 'worker.log'}"
                    )
                _start(client, rng.randrange(1 << 30), config.burst)
                running.append(client)
        if not running:
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"soak did not finish in {config.timeout:.0f} s")
        grown = [c for c in running if time.monotonic() - c.started_at >= config.min_life]
        forced_kill = result.kills < config.min_kills
        if grown and (forced_kill or rng.random() < per_tick["kill"]):
            victim = rng.choice(grown)
            assert victim.process is not None
            victim.process.send_signal(signal.SIGKILL)
            victim.process.wait(30)
            result.kills += 1
            _start(victim, rng.randrange(1 << 30), config.burst)
        if result.cuts < config.min_cuts or rng.random() < per_tick["cut"]:
            rng.choice(running).proxy.close_connections()
            result.cuts += 1
        if rng.random() < per_tick["drop"]:
            rng.choice(running).proxy.drop_response_to(wire.API_PREFIX + "/sync/push")
        time.sleep(tick)


def _local(profile: Profile) -> dict[str, Any]:
    engine = open_engine(profile.db_path)
    try:
        with engine.connect() as conn:

            def table(t: Any) -> dict[str, Any]:
                return {str(r["id"]): r for r in conn.execute(select(t)).mappings()}

            return {
                "incident": table(incident_table),
                "answer": table(answer_table),
                "incident_base": table(incident_base_table),
                "answer_base": table(answer_base_table),
                "outbox": ls.outbox_rows(conn),
                "allocated": sync_state.get_int_state(conn, sync_state.KEY_ALLOCATED),
                "client_id": sync_state.get_state(conn, sync_state.KEY_CLIENT_ID),
            }
    finally:
        engine.dispose()


def _journal_notes(client: _Client, local_answers: dict[str, Any]) -> set[str]:
    """Ids of the notes this client recorded (done, or intended and in its store)."""
    recorded: set[str] = set()
    if not client.journal.exists():
        return recorded
    for line in client.journal.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) < 3 or parts[1] != "answer":
            continue
        if parts[0] == "done" or (parts[0] == "intent" and parts[2] in local_answers):
            recorded.add(parts[2])
    return recorded


def _audit(
    server: ServerProcess, clients: list[_Client], supervisors: dict[str, str], result: SoakResult
) -> None:
    """Compare every client with the server; fill the counts of ``result``."""
    by_region = {region: server_rows(server, login) for region, login in supervisors.items()}
    db = Database(server.db_url)
    try:
        with db.snapshot() as session:
            last_ids = {c.client_id: c.last_mutation_id for c in session.scalars(select(Client))}
            rejected_rows = Counter(
                str(r[0]) for r in session.execute(select(RejectedMutation.client_id))
            )
            notes_on_server = Counter(
                str(t)
                for t in session.scalars(select(Answer.text).where(Answer.text.like("soak %")))
            )
            result.server_incidents = sum(
                1 for rows in by_region.values() for k in rows if k.startswith("incident:")
            )
            result.server_answers = int(
                session.execute(select(func.count()).select_from(Answer)).scalar_one()
            )
    finally:
        db.dispose()
    result.doubled = sum(n - 1 for n in notes_on_server.values() if n > 1)
    server_answer_ids = {
        key.split(":", 1)[1]
        for rows in by_region.values()
        for key in rows
        if key.startswith("answer:")
    }
    result.clients = len(clients)
    for client in clients:
        local = _local(client.profile)
        rows = by_region[client.region]
        problems: list[str] = []
        pending = [r for r in local["outbox"] if r.state == ls.PENDING]
        rejected = [r for r in local["outbox"] if r.state == ls.REJECTED]
        if pending:
            problems.append(f"{len(pending)} changes still pending")
        if local["incident_base"] or local["answer_base"]:
            problems.append("copy-on-write shadows left")
        for kind, model in (("incident", wire.IncidentWire), ("answer", wire.AnswerWire)):
            expected = {
                key.split(":", 1)[1]: model.model_validate(data)
                for key, data in rows.items()
                if key.startswith(kind + ":")
            }
            reader = ls.incident_from_row if kind == "incident" else ls.answer_from_row
            actual = {key: reader(row) for key, row in local[kind].items()}
            if actual != expected:
                missing = len(expected.keys() - actual.keys())
                extra = len(actual.keys() - expected.keys())
                differing = sum(
                    1 for k in expected.keys() & actual.keys() if expected[k] != actual[k]
                )
                problems.append(
                    f"{kind}s differ: {missing} missing, {extra} extra, {differing} differing"
                )
        allocated = int(local["allocated"])
        server_last = last_ids.get(str(local["client_id"]), 0)
        if server_last != allocated:
            problems.append(f"server's last_mutation_id {server_last} != recorded {allocated}")
        if rejected_rows.get(str(local["client_id"]), 0) != len(rejected):
            problems.append(
                f"server keeps {rejected_rows.get(str(local['client_id']), 0)} rejections, "
                f"client {len(rejected)}"
            )
        rejected_ids = {
            str(r.args.get("id")) for r in rejected if r.name is wire.MutationName.ANSWER_ADD
        }
        notes = _journal_notes(client, local["answer"])
        lost = {n for n in notes if n not in server_answer_ids and n not in rejected_ids}
        result.lost += len(lost)
        result.notes += len(notes)
        result.recorded += allocated
        result.rejected += len(rejected)
        result.rejected_codes.update(str(r.reject_code) for r in rejected)
        if problems:
            result.mismatches.append(f"{client.login}: " + "; ".join(problems))
    result.applied = result.recorded - result.rejected


@contextlib.contextmanager
def _database(db_url: str | None) -> Iterator[str]:
    if db_url is not None:
        yield db_url
        return
    with fresh_postgres_database() as url:
        yield url


def run_soak(config: SoakConfig, workdir: Path, *, db_url: str | None = None) -> SoakResult:
    """Run the soak in ``workdir`` (see the module docstring); raises ``OSError`` without PG."""
    result = SoakResult()
    rng = random.Random(config.seed)
    started = time.perf_counter()
    operators, supervisors = _users(config)
    with _database(db_url) as url:
        init_database(url)
        _add_users(url, operators + supervisors)
        with running_server(
            workdir / "server", users=operators + supervisors, db_url=url, initialise=False
        ) as server:
            for boss in supervisors:
                assert boss.region is not None
                ingest(server, boss.login, boss.region, config.incidents)
            port = int(server.base_url.rsplit(":", 1)[1])
            share, extra = divmod(config.changes, config.clients)
            clients: list[_Client] = []
            try:
                for n, spec in enumerate(operators):
                    assert spec.region is not None
                    directory = workdir / spec.login
                    proxy = FaultProxy("127.0.0.1", port).start()
                    profile = login(directory, proxy.url, spec.login)
                    clients.append(
                        _Client(
                            login=spec.login,
                            region=spec.region,
                            target=share + (1 if n < extra else 0),
                            directory=directory,
                            proxy=proxy,
                            profile=profile,
                            skew=rng.uniform(-config.max_skew, config.max_skew),
                        )
                    )
                _chaos(clients, config, rng, result)
                result.dropped_answers = sum(c.proxy.dropped for c in clients)
                for client in clients:
                    client.proxy.reset()
                for _round in range(2):
                    for client in clients:
                        _settle(client.profile)
                _audit(
                    server,
                    clients,
                    {s.region: s.login for s in supervisors if s.region is not None},
                    result,
                )
            finally:
                for client in clients:
                    if client.process is not None and client.process.poll() is None:
                        client.process.kill()
                        client.process.wait(30)
                    client.proxy.stop()
    result.seconds = time.perf_counter() - started
    return result


def _settle(profile: Profile) -> None:
    """Sync ``profile`` once (through its healed proxy), retrying a few transient failures."""
    for attempt in range(5):
        try:
            with_engine(profile, sync_once)
            return
        except Exception:
            if attempt == 4:
                raise
            time.sleep(0.5)
