"""Benchmark of the sync path: initial sync rate, push of queued mutations, loop stalls, wire size.

Run from the project root::

    .venv/bin/python bench/sync_bench.py --count 100000 --push 5000 --slow-count 5000

A real ``cur-server serve`` process (SQLite, in a temporary folder) is filled through the
ingestion endpoint (``POST /api/v1/ingest``, 5,000 items a request); the client is the real
:class:`cur_desktop.sync.syncer.SyncEngine` in this process, on a fresh profile store. Figures
are printed as a table with their targets; see bench/README.md for what each one includes.
Exit status is 0 whatever the figures: this script measures, it does not gate.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import logging
import os
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

log = logging.getLogger("sync_bench")

DEFAULT_END = datetime(2026, 3, 16, 9, 0, tzinfo=UTC)
MAIN_REGION = "RU-SVE"
SLOW_REGION = "RU-TUL"
PASSWORD = "бенчмарк-пароль"
INGEST_BATCH = 5_000
TICK = 0.002  # the ticker's sleep, seconds


@dataclass(frozen=True, slots=True)
class Figure:
    """One line of the result table."""

    name: str
    value: float
    unit: str
    target: str
    met: bool | None
    spread: str = ""


# --------------------------------------------------------------------------- helpers


def _fmt(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:,.1f}"
    return f"{value:,.2f}"


def print_table(figures: Sequence[Figure]) -> None:
    """Print the figures as an aligned table."""
    width = max(len(f.name) for f in figures) + 2
    print(f"{'figure':<{width}}{'median':>16}  {'runs':<24}{'target':>14}  result")
    for f in figures:
        value = f"{_fmt(f.value)} {f.unit}"
        result = "-" if f.met is None else ("met" if f.met else "MISSED")
        print(f"{f.name:<{width}}{value:>16}  {f.spread:<24}{f.target:>14}  {result}")


class LoopTicker:
    """Measures how long the event loop stays busy: the max lateness of a short sleep."""

    def __init__(self, tick: float = TICK) -> None:
        self.tick = tick
        self.max_gap = 0.0
        self.gaps: list[float] = []
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            before = loop.time()
            await asyncio.sleep(self.tick)
            late = loop.time() - before - self.tick
            self.gaps.append(late)
            self.max_gap = max(self.max_gap, late)

    def start(self) -> None:
        """Start ticking on the running loop."""
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        """Stop ticking."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def p99(self) -> float:
        """99th percentile of the lateness."""
        if not self.gaps:
            return 0.0
        ordered = sorted(self.gaps)
        return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


# --------------------------------------------------------------------------- a shaping proxy


class ShapingProxy:
    """TCP proxy with a one-way latency per response, a bandwidth cap, cuts and byte counts.

    Runs its own asyncio loop in a daemon thread. ``latency`` delays the first response chunk
    after each request chunk (one round trip's worth); ``rate`` caps response bytes per second;
    ``cut()`` closes every open connection now (the link drops mid-transfer).
    """

    def __init__(self, upstream_port: int, *, rate: int | None, latency: float) -> None:
        from tests.helpers.server_process import free_port

        self.upstream_port = upstream_port
        self.port = free_port()
        self.rate = rate
        self.latency = latency
        self.bytes_down = 0
        self.bytes_up = 0
        self.cuts = 0
        self._loop = asyncio.new_event_loop()
        self._writers: set[asyncio.StreamWriter] = set()
        self._server: asyncio.Server | None = None
        self._started = threading.Event()
        self._thread = threading.Thread(target=self._run, name="shaping-proxy", daemon=True)

    @property
    def url(self) -> str:
        """Base URL of the proxy."""
        return f"http://127.0.0.1:{self.port}"

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)

        async def start() -> None:
            self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)
            self._started.set()

        self._loop.run_until_complete(start())
        self._loop.run_forever()

    def __enter__(self) -> ShapingProxy:
        self._thread.start()
        self._started.wait(10)
        return self

    def __exit__(self, *_exc: object) -> None:
        async def shutdown() -> None:
            if self._server is not None:
                self._server.close()
            for writer in list(self._writers):
                writer.close()

        asyncio.run_coroutine_threadsafe(shutdown(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def cut(self) -> None:
        """Close every open connection (both sides) now."""

        def _close() -> None:
            self.cuts += 1
            for writer in list(self._writers):
                writer.transport.abort()

        self._loop.call_soon_threadsafe(_close)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        self._writers |= {writer, up_writer}
        request_seen = asyncio.Event()

        async def client_to_server() -> None:
            while chunk := await reader.read(65536):
                self.bytes_up += len(chunk)
                request_seen.set()
                up_writer.write(chunk)
                await up_writer.drain()
            up_writer.close()

        async def server_to_client() -> None:
            while chunk := await up_reader.read(4096):
                if request_seen.is_set():
                    request_seen.clear()
                    await asyncio.sleep(self.latency)
                if self.rate:
                    await asyncio.sleep(len(chunk) / self.rate)
                self.bytes_down += len(chunk)
                writer.write(chunk)
                await writer.drain()
            writer.close()

        try:
            await asyncio.gather(client_to_server(), server_to_client())
        except (ConnectionError, OSError):
            pass
        finally:
            for w in (writer, up_writer):
                w.transport.abort()
            self._writers -= {writer, up_writer}


# --------------------------------------------------------------------------- server filling


def ingest_items(count: int, *, region: str, seed: int) -> Iterator[dict[str, Any]]:
    """Monitoring-feed items made from the demo generator's incidents (one region)."""
    from cur_desktop.contract import wire
    from cur_desktop.demodata.generator import generate_incidents

    ingest_fields = tuple(wire.IngestItem.model_fields)

    for row in generate_incidents(count, seed=seed, regions=[MAIN_REGION], end=DEFAULT_END):
        item = {k: row[k] for k in ingest_fields}
        item["received_at"] = row["received_at"].isoformat()
        item["external_id"] = f"{region}-{row['external_id']}"
        # The bench server holds no municipalities (``init`` + users only) and ingestion checks
        # references since issue 6: the generator's municipality ids would be refused.
        item["municipality_id"] = None
        if region != MAIN_REGION:
            item["region_code"] = region
        yield item


def fill_server(base_url: str, token: str, items: Iterator[dict[str, Any]]) -> tuple[int, float]:
    """Ingest ``items`` in batches; return (created, seconds)."""
    created = 0
    batch: list[dict[str, Any]] = []
    headers = {"Authorization": f"Bearer {token}"}
    start = time.perf_counter()
    with httpx.Client(base_url=base_url, headers=headers, timeout=300) as client:

        def send() -> int:
            response = client.post("/api/v1/ingest", json=batch)
            response.raise_for_status()
            return sum(1 for r in response.json() if r["status"] == "created")

        for item in items:
            batch.append(item)
            if len(batch) == INGEST_BATCH:
                created += send()
                batch = []
        if batch:
            created += send()
    return created, time.perf_counter() - start


def login_token(base_url: str, login: str) -> str:
    """A bearer token of ``login``."""
    response = httpx.post(
        f"{base_url}/api/v1/auth/login", json={"login": login, "password": PASSWORD}, timeout=60
    )
    response.raise_for_status()
    return str(response.json()["access_token"])


# --------------------------------------------------------------------------- client side


def new_client(profile: Path, base_url: str, token: str, login: str, region: str) -> Any:
    """A fresh profile store bound to ``login`` and a ``SyncEngine`` on it."""
    from cur_desktop.storage import sync_state
    from cur_desktop.storage.database import open_engine
    from cur_desktop.sync.syncer import SyncEngine
    from cur_desktop.sync.transport import SyncTransport

    engine = open_engine(profile)
    with engine.begin() as conn:
        sync_state.set_state(conn, sync_state.KEY_SERVER_URL, base_url)
        sync_state.set_state(conn, sync_state.KEY_LOGIN, login)
        sync_state.set_state(conn, sync_state.KEY_ROLE, "supervisor")
        sync_state.set_state(conn, sync_state.KEY_REGION, region)
    transport = SyncTransport(base_url, token=token)
    return SyncEngine(engine, transport)


def count_incidents(sync: Any) -> int:
    """Incidents in the client's view."""
    from sqlalchemy import func, select

    from cur_desktop.storage.tables import incident_table

    with sync.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(incident_table)).scalar_one())


class GcWatch:
    """Records the longest pause of CPython's cyclic garbage collector (``gc.callbacks``)."""

    def __init__(self) -> None:
        self.longest = 0.0
        self.full_passes = 0
        self._start = 0.0

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._start = time.perf_counter()
            return
        self.longest = max(self.longest, time.perf_counter() - self._start)
        if info.get("generation") == 2:
            self.full_passes += 1

    def __enter__(self) -> GcWatch:
        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *_exc: object) -> None:
        gc.callbacks.remove(self._callback)


async def initial_sync(sync: Any) -> tuple[int, float, LoopTicker, int]:
    """Pull everything into the fresh store; return (pulled, seconds, ticker, bytes received)."""
    ticker = LoopTicker()
    ticker.start()
    before = getattr(sync.transport, "bytes_received", 0)
    start = time.perf_counter()
    pulled = await sync.pull()
    seconds = time.perf_counter() - start
    await ticker.stop()
    return pulled, seconds, ticker, getattr(sync.transport, "bytes_received", 0) - before


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far, from ``/proc`` (Linux).

    Beside a wall time on a loaded machine: what the work cost, without the waits for a core.
    """
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15 of proc(5))
    return ticks / os.sysconf("SC_CLK_TCK")


def raw_load(store: Path, target: Path) -> tuple[int, float]:
    """``sqlite3.executemany`` of the store's incident rows into a new file, same schema.

    The schema is the ``incident`` table and its indexes copied from the migrated store
    (no FTS table, no triggers); the rows are read out as plain SQLite values before the
    clock starts; the pragmas are the store's own.
    """
    from cur_desktop.storage.database import PRAGMAS

    src = sqlite3.connect(store)
    ddl = [
        r[0]
        for r in src.execute(
            "SELECT sql FROM sqlite_master WHERE tbl_name = 'incident' AND sql IS NOT NULL "
            "AND type IN ('table', 'index') ORDER BY type DESC"
        )
    ]
    columns = [r[1] for r in src.execute("PRAGMA table_info(incident)")]
    rows = src.execute(f"SELECT {', '.join(columns)} FROM incident").fetchall()
    src.close()
    for old in target.parent.glob(f"{target.name}*"):  # an earlier run's (--out reused)
        old.unlink()
    dst = sqlite3.connect(target, isolation_level=None)
    for pragma in PRAGMAS:
        dst.execute(pragma)
    for statement in ddl:
        dst.execute(statement)
    sql = f"INSERT INTO incident ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    start = time.perf_counter()
    dst.execute("BEGIN")
    dst.executemany(sql, rows)
    dst.execute("COMMIT")
    seconds = time.perf_counter() - start
    dst.close()
    return len(rows), seconds


async def record_mutations(sync: Any, count: int) -> int:
    """Queue ``count`` local mutations (take into moderation / classify) in one writer job."""
    from sqlalchemy import select

    from cur_desktop.storage import outbox
    from cur_desktop.storage.tables import incident_table

    now = datetime.now(UTC)

    def job(conn: Any) -> int:
        ids = [
            str(r[0])
            for r in conn.execute(
                select(incident_table.c.id)
                .where(incident_table.c.status == "new")
                .order_by(incident_table.c.rowid_)
                .limit(count)
            )
        ]
        for i, incident_id in enumerate(ids):
            if i % 2 == 0:
                args: dict[str, Any] = {
                    "incident_id": incident_id,
                    "from_status": "new",
                    "to_status": "moderation",
                }
                outbox.record_local_mutation(conn, "incident.transition", args, now=now)
            else:
                args = {"incident_id": incident_id, "priority": "high", "topic_code": "roads"}
                outbox.record_local_mutation(conn, "incident.classify", args, now=now)
        return len(ids)

    recorded: int = await sync.writer.run(job)
    return recorded


async def throttled_sync(
    port: int,
    token: str,
    login: str,
    profile: Path,
    *,
    rate: int,
    latency: float,
    expected_bytes: int,
) -> tuple[float, int, int, int, int]:
    """Initial sync through the shaping proxy, cut twice mid-transfer, retried until done.

    Returns (seconds, sync attempts, cuts, incidents in the store, response bytes).
    """
    from cur_desktop.sync.errors import SyncClientError

    with ShapingProxy(port, rate=rate, latency=latency) as proxy:
        sync = new_client(profile, proxy.url, token, login, SLOW_REGION)
        sync.pull_limit = 1000
        cut_points = [int(0.35 * expected_bytes), int(0.7 * expected_bytes)]

        async def cutter() -> None:
            while cut_points:
                await asyncio.sleep(0.02)
                if proxy.bytes_down >= cut_points[0]:
                    cut_points.pop(0)
                    log.info("cutting the link at %d bytes", proxy.bytes_down)
                    proxy.cut()

        task = asyncio.get_running_loop().create_task(cutter())
        start = time.perf_counter()
        tries = 0
        try:
            while True:
                tries += 1
                try:
                    await sync.sync_once()
                except SyncClientError as exc:
                    log.info("sync attempt %d failed: %s", tries, exc.message)
                    await asyncio.sleep(0.5)
                    continue
                break
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        seconds = time.perf_counter() - start
        local = count_incidents(sync)
        await sync.transport.aclose()
        sync.close()
        return seconds, tries, proxy.cuts, local, proxy.bytes_down


# --------------------------------------------------------------------------- main


@contextlib.contextmanager
def bench_server(folder: Path) -> Iterator[Any]:
    """A real server with an admin and a supervisor in each bench region.

    A server database already in ``folder/server`` (an earlier run's ``--out``) is started
    again as it is (``--reuse-server``): its incidents are not ingested a second time.
    """
    from tests.helpers.server_process import UserSpec, running_server

    users = [
        UserSpec("bench.admin", "admin", None, PASSWORD),
        UserSpec("sve.boss", "supervisor", MAIN_REGION, PASSWORD),
        UserSpec("tul.boss", "supervisor", SLOW_REGION, PASSWORD),
    ]
    exists = (folder / "server" / "server.sqlite3").exists()
    with running_server(folder / "server", users=users, initialise=not exists) as server:
        yield server


def server_incidents(server: Any, region: str) -> int:
    """Incidents of ``region`` already in the bench server's SQLite file."""
    path = server.db_url.removeprefix("sqlite:///")
    with contextlib.closing(sqlite3.connect(path)) as conn:
        row = conn.execute("SELECT count(*) FROM incident WHERE region_code = ?", (region,))
        return int(row.fetchone()[0])


def load_average() -> str:
    """The 1-minute load average (``/proc/loadavg``), printed beside the figures."""
    return Path("/proc/loadavg").read_text().split()[0]


async def run(args: argparse.Namespace, folder: Path) -> list[Figure]:
    """Every measurement; returns the table."""
    figures: list[Figure] = []
    with bench_server(folder) as server:
        base = server.base_url
        port = int(base.rsplit(":", 1)[1])
        admin = login_token(base, "bench.admin")
        present = server_incidents(server, MAIN_REGION)
        if present:  # an earlier run's server (--out): reused as filled
            print(f"server already holds {present:,} incidents of {MAIN_REGION}", flush=True)
            if present != args.count:
                raise SystemExit(f"--count {args.count:,} but the server holds {present:,}")
        else:
            created, seconds = fill_server(
                base, admin, ingest_items(args.count, region=MAIN_REGION, seed=1)
            )
            print(f"ingested {created:,} incidents of {MAIN_REGION} in {seconds:.1f} s", flush=True)
            figures.append(Figure("server fill via /ingest", created / seconds, "inc/s", "", None))
        if args.slow_count and not server_incidents(server, SLOW_REGION):
            created_slow, _ = fill_server(
                base, admin, ingest_items(args.slow_count, region=SLOW_REGION, seed=2)
            )
            print(f"ingested {created_slow:,} incidents of {SLOW_REGION}", flush=True)

        # The control: how late the ticker is with nothing to do (machine noise).
        idle = LoopTicker()
        idle.start()
        await asyncio.sleep(3)
        await idle.stop()
        figures.append(
            Figure("event-loop stall, idle (control)", idle.max_gap * 1000, "ms", "", None)
        )

        # 1, 3, 4: initial sync, loop stalls, bytes on the wire
        rates: list[float] = []
        stalls: list[float] = []
        p99s: list[float] = []
        per_incident: list[float] = []
        raw_rates: list[float] = []
        gc_pauses: list[float] = []
        sync_cpu: list[tuple[float, float]] = []
        loads: list[str] = []
        token = login_token(base, "sve.boss")
        sync = None
        kinds: list[str] = []  # "built" (snapshot made on request), "cached" or "paged"
        snapshots = folder / "server" / "snapshots"
        for run_no in range(args.repeat + args.paged_runs):
            kind = "paged" if run_no >= args.repeat else "built" if run_no == 0 else "cached"
            if kind == "built":  # the first sync of the run makes the server build its snapshot
                for old in snapshots.glob("*"):
                    old.unlink()
            kinds.append(kind)
            if sync is not None:
                await sync.transport.aclose()
                sync.close()
                sync.engine.dispose()
            profile = folder / f"client-{run_no}.sqlite3"
            for old in folder.glob(f"{profile.name}*"):  # an earlier run's (--out reused)
                old.unlink()
            sync = new_client(profile, base, token, "sve.boss", MAIN_REGION)
            sync.pull_limit = args.page
            sync.use_snapshot = kind != "paged"
            if args.gc_freeze:
                gc.freeze()  # what an application does once after start-up
            cpu_client, cpu_server = time.process_time(), process_cpu(server.process.pid)
            with GcWatch() as watch:
                pulled, secs, ticker, nbytes = await initial_sync(sync)
            cpu_client = time.process_time() - cpu_client
            cpu_server = process_cpu(server.process.pid) - cpu_server
            sync_cpu.append((cpu_client, cpu_server))
            loads.append(load_average())
            gc_pauses.append(watch.longest * 1000)
            local = count_incidents(sync)
            rates.append(local / secs)
            stalls.append(ticker.max_gap * 1000)
            p99s.append(ticker.p99() * 1000)
            per_incident.append(nbytes / max(local, 1))
            n_raw, raw_secs = raw_load(profile, folder / f"raw-{run_no}.sqlite3")
            raw_rates.append(n_raw / raw_secs)
            print(
                f"run {run_no + 1} ({kind}): {local:,} incidents ({pulled:,} changes) "
                f"in {secs:.1f} s; "
                f"max loop stall {ticker.max_gap * 1000:.1f} ms; {nbytes:,} bytes; "
                f"raw executemany {n_raw / raw_secs:,.0f} rows/s; CPU client {cpu_client:.1f} s, "
                f"server {cpu_server:.1f} s; load {loads[-1]}",
                flush=True,
            )
        assert sync is not None
        ratios = [a / b * 100 for a, b in zip(rates, raw_rates, strict=True)]

        def spread(values: list[float]) -> str:
            return " / ".join(_fmt(v) for v in values)

        rate = statistics.median(rates)
        figures.append(
            Figure(
                f"initial sync of {args.count:,} incidents (page {args.page})",
                rate,
                "inc/s",
                ">= 25,000",
                rate >= 25_000,
                spread(rates),
            )
        )
        figures.append(
            Figure(
                "raw sqlite3.executemany, same rows",
                statistics.median(raw_rates),
                "rows/s",
                "",
                None,
                spread(raw_rates),
            )
        )
        figures.append(
            Figure(
                "  its CPU time, client + server processes",
                statistics.median(a + b for a, b in sync_cpu),
                "s",
                "",
                None,
                " / ".join(f"{a:.1f}+{b:.1f}" for a, b in sync_cpu),
            )
        )
        figures.append(
            Figure(
                "  load average (1 min) after each sync",
                statistics.median(float(x) for x in loads),
                "",
                "",
                None,
                " / ".join(loads),
            )
        )
        for kind, label in (
            ("built", "initial sync / raw, snapshot built on request"),
            ("cached", "initial sync / raw, snapshot cached by the server"),
            ("paged", "initial sync / raw, paged (no snapshot), for comparison"),
        ):
            chosen = [r for r, k in zip(ratios, kinds, strict=True) if k == kind]
            if chosen:
                ratio = statistics.median(chosen)
                met = ratio >= 50 if kind != "paged" else None
                figures.append(Figure(label, ratio, "%", ">= 50 %", met, spread(chosen)))
        stall = statistics.median(stalls)
        figures.append(
            Figure(
                "longest event-loop stall during the sync",
                stall,
                "ms",
                "< 50 ms",
                stall < 50,
                spread(stalls),
            )
        )
        figures.append(
            Figure(
                "99th percentile loop lateness",
                statistics.median(p99s),
                "ms",
                "",
                None,
                spread(p99s),
            )
        )
        figures.append(
            Figure(
                "longest garbage-collector pause during the sync",
                statistics.median(gc_pauses),
                "ms",
                "",
                None,
                spread(gc_pauses),
            )
        )
        figures.append(
            Figure(
                "bytes on the wire per incident (gzip body)",
                statistics.median(per_incident),
                "B",
                "",
                None,
            )
        )

        # 2: push of queued mutations (on the last run's store)
        recorded = await record_mutations(sync, args.push)
        start = time.perf_counter()
        client_cpu, server_cpu = time.process_time(), process_cpu(server.process.pid)
        accepted, rejected = await sync.push()
        push_secs = time.perf_counter() - start
        client_cpu = time.process_time() - client_cpu
        server_cpu = process_cpu(server.process.pid) - server_cpu
        print(
            f"pushed {recorded:,} mutations: {accepted:,} accepted, "
            f"{rejected:,} rejected in {push_secs:.1f} s"
        )
        figures.append(
            Figure(f"push of {recorded:,} queued mutations", push_secs, "s", "< 3 s", push_secs < 3)
        )
        figures.append(
            Figure(
                "  its CPU time, client + server processes",
                client_cpu + server_cpu,
                "s",
                "",
                None,
                f"{client_cpu:.2f} + {server_cpu:.2f}",
            )
        )
        start = time.perf_counter()
        pulled_after = await sync.pull()
        figures.append(
            Figure(
                f"pull of their {pulled_after:,} changes",
                time.perf_counter() - start,
                "s",
                "",
                None,
            )
        )
        status = await sync.status()
        print(f"after the pull: {status.pending} pending, {status.rejected} rejected")
        await sync.transport.aclose()
        sync.close()

        # 5: throttled and cut link
        if args.slow_count:
            slow_token = login_token(base, "tul.boss")
            secs, tries, cuts, local, nbytes = await throttled_sync(
                port,
                slow_token,
                "tul.boss",
                folder / "client-slow.sqlite3",
                rate=args.rate // 8,
                latency=args.latency,
                expected_bytes=int(args.slow_count * statistics.median(per_incident)),
            )
            print(
                f"throttled sync: {local:,} incidents in {secs:.1f} s, {tries} attempts, "
                f"{cuts} cuts, {nbytes:,} bytes"
            )
            figures.append(
                Figure(
                    f"sync of {args.slow_count:,} at {args.rate // 1000} kbit/s, "
                    f"{args.latency * 1000:.0f} ms, {cuts} cuts",
                    secs,
                    "s",
                    "completes",
                    local == args.slow_count,
                    f"{tries} attempts",
                )
            )
    return figures


def main(argv: Sequence[str] | None = None) -> int:
    """Parse options, run, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000, help="incidents for the initial sync")
    parser.add_argument("--push", type=int, default=5_000, help="queued mutations to push")
    parser.add_argument(
        "--slow-count", type=int, default=5_000, help="incidents for the slow link (0: skip)"
    )
    parser.add_argument("--rate", type=int, default=256_000, help="slow link, bits per second")
    parser.add_argument(
        "--latency", type=float, default=0.3, help="slow link, seconds per round trip"
    )
    parser.add_argument("--repeat", type=int, default=3, help="initial syncs (fresh profile each)")
    parser.add_argument("--page", type=int, default=1000, help="pull page size (limit)")
    parser.add_argument(
        "--paged-runs",
        type=int,
        default=0,
        help="initial syncs without the snapshot after the others (pages only), for comparison",
    )
    parser.add_argument(
        "--out", type=Path, default=None, help="folder for the files (default: temporary)"
    )
    parser.add_argument(
        "--gc-freeze",
        action="store_true",
        help="gc.freeze() before each initial sync (as an application would after start-up)",
    )
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING)
    with contextlib.ExitStack() as stack:
        folder = args.out or Path(
            stack.enter_context(tempfile.TemporaryDirectory(prefix="sync_bench-"))
        )
        folder.mkdir(parents=True, exist_ok=True)
        figures = asyncio.run(run(args, folder))
    print()
    print_table(figures)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
