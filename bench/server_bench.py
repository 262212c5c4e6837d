"""The central server on PostgreSQL at national volume (issue 11): set-up by COPY, then the API.

Run from the project root (PostgreSQL at 127.0.0.1:5432, trust auth)::

    .venv/bin/python bench/server_bench.py            # 5,000,000 incidents, 89 regions, 2 years
    .venv/bin/python bench/server_bench.py --reuse    # keep the loaded database, skip the load
    .venv/bin/python bench/server_bench.py --small    # 200,000 incidents (quick run)
    .venv/bin/python bench/server_bench.py --reuse --partitions   # + partitioned copies compared

Set-up (skipped with ``--reuse`` when the database already holds a finished load of the same
size, marked by a comment on the database): a fresh database (``cur_bench_5m``, or
``cur_bench_<count>``), ``cur-server init`` and ``add-user`` as subprocesses, then incidents of
all 89 regions (weighted by population) over the two years before ``--end`` and one published
answer per answered incident, bulk-loaded with ``COPY`` (psycopg) with the tables' indexes and
constraints dropped before and built again after (the exact definitions read back from the
catalogue), seqs in time order, the seq counter set to the last one, ``ANALYZE``. Rows come
from the demo generator (texts, sources, topics, statuses and answer times of its seven demo
regions) and are moved to the 89 regions; deadlines of the set-up rows use the generator's
calendar offsets (the ingestion measured below computes exact ones).

Measured against a real ``cur-server serve`` process on that database (medians of
``--repeat`` runs where repeated): ingestion through ``POST /api/v1/ingest`` (items/s,
deadlines computed by the server; target >= 5,000/s per process), a region's pull from cursor
0 (NDJSON pages as the client asks for them, gzip; incidents/s and changes/s), an incremental
pull at the head (ms), a push of ``--push`` changes by one client (batches of 500, as the
client sends them), and the federal ratings of one month (``GET /api/v1/ratings``; < 1 s).
``--partitions`` also copies the incident table into a table partitioned by month and into one
partitioned by region (schemas ``part_month`` / ``part_region`` of the same database) and
times the ratings statement and a region's pull in this process against each (docs/SCALING.md).
Exit status 0 whatever the figures: this script measures, it does not gate.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

log = logging.getLogger("server_bench")

PG = "host=127.0.0.1 port=5432 user=postgres"
DEFAULT_END = datetime(2026, 11, 1, tzinfo=UTC)
PULL_REGION = "RU-SVE"
PASSWORD = "бенчмарк-пароль"
INGEST_BATCH = 5_000
PUSH_BATCH = 500
CHUNK_DAYS = 10  # the set-up generates and loads the two years in windows of this many days
MUNICIPALITIES_PER_REGION = 12
EXECUTORS_PER_REGION = 40
PROTOCOL = {"X-Cur-Protocol": "2"}
USERS = (
    ("bench.admin", "admin", None),
    ("bench.analyst", "federal_analyst", None),
    ("sve.supervisor", "supervisor", PULL_REGION),
    ("sve.operator", "operator", PULL_REGION),
)
_NOT_LOADED = frozenset({"seq", "moderation_due", "moderation_warn_at", "first_answer_working_us"})
"""Incident columns the set-up leaves NULL (the generator has no moderation deadline) or adds."""


def _incident_columns() -> tuple[str, ...]:
    """The server's incident columns the set-up fills, ``seq`` last."""
    from cur_desktop.server.tables import Incident

    names = [c.name for c in Incident.__table__.columns if c.name not in _NOT_LOADED]
    return (*names, "seq")


ANSWER_COLUMNS = (
    "id",
    "incident_id",
    "region_code",
    "kind",
    "state",
    "text",
    "author",
    "created_at",
    "published_at",
    "version",
    "seq",
)
ANSWER_TEXTS = (
    "Здравствуйте! Ваше обращение передано в управляющую компанию, работы выполнены.",
    "Добрый день! Обращение взято в работу, ответ будет дан после проверки на месте.",
    "Здравствуйте! Дорожное покрытие восстановлено, спасибо за обращение.",
    "Добрый день! Вывоз мусора по адресу организован по графику, нарушения устранены.",
)


@dataclass(frozen=True, slots=True)
class Figure:
    """One line of the result table."""

    name: str
    value: float
    unit: str
    target: str = ""
    met: bool | None = None
    spread: str = ""


def print_table(figures: Sequence[Figure]) -> None:
    """Print the figures as sync_bench.py does (median, runs, target, met / MISSED)."""
    from bench import sync_bench

    print()
    sync_bench.print_table(
        [sync_bench.Figure(f.name, f.value, f.unit, f.target, f.met, f.spread) for f in figures]
    )


def _fmt(value: float) -> str:
    from bench.sync_bench import _fmt as fmt

    return fmt(value)


def _spread(values: Sequence[float]) -> str:
    return " / ".join(_fmt(v) for v in values)


# --------------------------------------------------------------------------- database set-up


def _admin() -> Any:
    import psycopg

    return psycopg.connect(PG + " dbname=postgres", autocommit=True)


def _connect(name: str) -> Any:
    import psycopg

    return psycopg.connect(f"{PG} dbname={name}")


def db_url(name: str) -> str:
    """SQLAlchemy URL of the bench database ``name``."""
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def _marker(count: int, end: datetime) -> str:
    return f"cur-bench loaded count={count} end={end.date().isoformat()}"


def loaded_marker(name: str) -> str | None:
    """The comment of database ``name`` (the finished-load marker), ``None`` if it is absent."""
    with _admin() as conn:
        row = conn.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            (name,),
        ).fetchone()
    if row is None:
        return None
    return str(row[0] or "")


def _cli(*args: str, stdin: str | None = None) -> None:
    command = [sys.executable, "-m", "cur_desktop.server.commands", *args]
    subprocess.run(
        command,
        check=True,
        capture_output=True,
        input=None if stdin is None else stdin.encode(),
        timeout=600,
    )


def _region_weights() -> tuple[list[str], list[float]]:
    from cur_desktop.reference import data as refdata

    regions = refdata.load_regions()
    codes = [r.iso_code for r in regions]
    cum: list[float] = []
    total = 0.0
    for region in regions:
        total += float(region.population or 1)
        cum.append(total)
    return codes, cum


def _municipality_rows(codes: Sequence[str], first_seq: int) -> list[tuple[Any, ...]]:
    rows = []
    seq = first_seq
    for code in codes:
        for n in range(1, MUNICIPALITIES_PER_REGION + 1):
            rows.append((f"{code}-{n:02d}", code, f"Муниципалитет №{n} ({code})", 50_000 * n, seq))
            seq += 1
    return rows


def _executor_rows(codes: Sequence[str], first_seq: int) -> list[tuple[Any, ...]]:
    rows = []
    seq = first_seq
    for code in codes:
        for n in range(EXECUTORS_PER_REGION):
            municipality = f"{code}-{n % MUNICIPALITIES_PER_REGION + 1:02d}"
            rows.append(
                (f"{code}-EX-{n:03d}", code, f"Исполнитель №{n} ({code})", municipality, seq)
            )
            seq += 1
    return rows


def _suffix_number(value: str | None) -> int:
    if not value:
        return 0
    digits = "".join(ch for ch in value.rsplit("-", 1)[-1] if ch.isdigit())
    return int(digits or 0)


def _municipality_of(code: str, demo_id: str | None) -> str | None:
    """One of the bench municipalities of region ``code`` for a demo municipality id."""
    if not demo_id:
        return None
    return f"{code}-{_suffix_number(demo_id) % MUNICIPALITIES_PER_REGION + 1:02d}"


def generated_chunks(
    count: int, end: datetime, *, seed: int = 1
) -> Iterator[tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]]:
    """(incident rows, answer rows) per window of :data:`CHUNK_DAYS`, in time order, seq-less.

    Rows are tuples in :func:`_incident_columns` / :data:`ANSWER_COLUMNS` order without the
    trailing ``seq``; each chunk is sorted by ``received_at``.
    """
    from cur_desktop.demodata.generator import generate_incidents

    codes, cum = _region_weights()
    columns = _incident_columns()[:-1]
    received = columns.index("received_at")
    rng = random.Random(seed)
    windows = (730 + CHUNK_DAYS - 1) // CHUNK_DAYS
    per_window = count // windows
    extra = count - per_window * windows
    for w in range(windows):
        window_end = end - timedelta(days=CHUNK_DAYS * (windows - 1 - w))
        n = per_window + (1 if w < extra else 0)
        regions = rng.choices(codes, cum_weights=cum, k=n)
        incidents: list[tuple[Any, ...]] = []
        answers: list[tuple[Any, ...]] = []
        rows = generate_incidents(n, seed=seed * 1000 + w, days=CHUNK_DAYS, end=window_end)
        for row, code in zip(rows, regions, strict=True):
            municipality = _municipality_of(code, row["municipality_id"])
            executor = (
                f"{code}-EX-{_suffix_number(row['executor_id']) % EXECUTORS_PER_REGION:03d}"
                if row["executor_id"]
                else None
            )
            assignee = (
                f"{code[3:].lower()}.op{int(row['id'][:4], 16) % 9}" if row["assignee"] else None
            )
            values = {
                **row,
                "external_id": f"w{w}-{row['external_id']}",
                "region_code": code,
                "municipality_id": municipality,
                "executor_id": executor,
                "assignee": assignee,
                # who made the latest version: the operator working it, none for a new post
                "changed_by": assignee,
            }
            incidents.append(tuple(values[c] for c in columns))
            answered = row["first_answer_at"]
            if answered is not None:
                answers.append(
                    (
                        str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                        row["id"],
                        code,
                        "interim" if row["has_interim"] else "solution",
                        "published",
                        ANSWER_TEXTS[len(answers) % len(ANSWER_TEXTS)],
                        assignee or "operator",
                        answered,
                        answered,
                        1,
                    )
                )
        incidents.sort(key=lambda r: r[received])
        yield incidents, answers


def _constraints_and_indexes(cur: Any, table: str) -> tuple[list[str], list[str]]:
    """(DROP statements, CREATE statements) of ``table``'s constraints and plain indexes."""
    drops: list[str] = []
    creates: list[str] = []
    constraints = cur.execute(
        "SELECT conname, pg_get_constraintdef(oid), contype FROM pg_constraint "
        "WHERE conrelid = %s::regclass ORDER BY contype DESC",
        (table,),
    ).fetchall()
    for name, definition, _kind in constraints:
        drops.append(f'ALTER TABLE {table} DROP CONSTRAINT "{name}" CASCADE')
        creates.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    constraint_names = {c[0] for c in constraints}
    for name, definition in cur.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s", (table,)
    ).fetchall():
        if name in constraint_names:
            continue
        drops.append(f'DROP INDEX "{name}"')
        creates.append(definition)
    return drops, creates


def set_up(name: str, count: int, end: datetime) -> None:
    """Create database ``name`` and bulk-load ``count`` incidents (see the module docstring)."""
    with _admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    url = db_url(name)
    started = time.perf_counter()
    _cli("init", "--db", url)
    for login, role, region in USERS:
        args = ["add-user", "--db", url, "--login", login, "--role", role]
        if region:
            args += ["--region", region]
        _cli(*args, "--password-stdin", stdin=PASSWORD + "\n")
    print(f"  migrated, {len(USERS)} users: {time.perf_counter() - started:.1f} s", flush=True)
    codes, _ = _region_weights()
    with _connect(name) as conn, conn.cursor() as cur:
        seq = int(cur.execute("SELECT value FROM seq_counter WHERE id = 1").fetchone()[0]) + 1
        municipalities = _municipality_rows(codes, seq)
        seq += len(municipalities)
        executors = _executor_rows(codes, seq)
        seq += len(executors)
        with cur.copy(
            "COPY municipality (id, region_code, name, population, seq) FROM STDIN"
        ) as copy:
            for row in municipalities:
                copy.write_row(row)
        with cur.copy(
            "COPY executor (id, region_code, name, municipality_id, seq) FROM STDIN"
        ) as copy:
            for row in executors:
                copy.write_row(row)
        # the answer table's constraints first: its foreign key refers to incident's key
        answer_drops, answer_creates = _constraints_and_indexes(cur, "answer")
        incident_drops, incident_creates = _constraints_and_indexes(cur, "incident")
        for statement in answer_drops + incident_drops:
            cur.execute(statement)
        conn.commit()
        t0 = time.perf_counter()
        loaded = answers_loaded = 0
        for incidents, answers in generated_chunks(count, end):
            answer_of = {a[1]: a for a in answers}
            incident_columns = ", ".join(_incident_columns())
            with cur.copy(f"COPY incident ({incident_columns}) FROM STDIN") as ci:
                with_answers: list[tuple[Any, ...]] = []
                for row in incidents:
                    answer = answer_of.get(row[0])
                    if answer is not None:
                        with_answers.append((*answer, seq))
                        seq += 1
                    ci.write_row((*row, seq))
                    seq += 1
            with cur.copy(f"COPY answer ({', '.join(ANSWER_COLUMNS)}) FROM STDIN") as ca:
                for row in with_answers:
                    ca.write_row(row)
            conn.commit()
            loaded += len(incidents)
            answers_loaded += len(with_answers)
            if loaded % (count // 10 or 1) < len(incidents):
                rate = loaded / (time.perf_counter() - t0)
                print(f"  COPY: {loaded:,} incidents, {answers_loaded:,} answers ({rate:,.0f}/s)")
        print(f"  COPY done in {time.perf_counter() - t0:.0f} s", flush=True)
        t1 = time.perf_counter()
        cur.execute("SET maintenance_work_mem = '512MB'")
        for statement in incident_creates + answer_creates:
            cur.execute(statement)
            conn.commit()
        print(f"  indexes and constraints rebuilt in {time.perf_counter() - t1:.0f} s", flush=True)
        cur.execute("UPDATE seq_counter SET value = %s WHERE id = 1", (seq - 1,))
        conn.commit()
    with _connect(name) as conn:
        conn.autocommit = True
        t2 = time.perf_counter()
        conn.execute("VACUUM (ANALYZE)")
        print(f"  VACUUM ANALYZE in {time.perf_counter() - t2:.0f} s", flush=True)
    with _admin() as admin:
        admin.execute(f"COMMENT ON DATABASE \"{name}\" IS '{_marker(count, end)}'")
    print(f"  set-up of {count:,} incidents: {time.perf_counter() - started:.0f} s", flush=True)


def table_sizes(name: str) -> str:
    """Rows and on-disk sizes of the big tables (for the note)."""
    with _connect(name) as conn:
        parts = []
        for table in ("incident", "answer"):
            rows, size, total = conn.execute(
                "SELECT reltuples::bigint, pg_size_pretty(pg_relation_size(oid)), "
                "pg_size_pretty(pg_total_relation_size(oid)) FROM pg_class "
                "WHERE oid = %s::regclass",
                (table,),
            ).fetchone()
            parts.append(f"{table}: ~{rows:,} rows, heap {size}, with indexes {total}")
        db_size = conn.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        parts.append(f"database {db_size.fetchone()[0]}")
    return "; ".join(parts)


# --------------------------------------------------------------------------- the server process


@dataclass
class Served:
    """A running ``cur-server serve`` on the bench database."""

    base_url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def token(self, login: str) -> dict[str, str]:
        """Authorization + protocol headers of ``login``."""
        response = httpx.post(
            f"{self.base_url}/api/v1/auth/login",
            json={"login": login, "password": PASSWORD},
            headers=PROTOCOL,
            timeout=60,
        )
        response.raise_for_status()
        return {"Authorization": f"Bearer {response.json()['access_token']}", **PROTOCOL}


def serve(name: str, out: Path, source: Path | None = None) -> Served:
    """Start ``cur-server serve`` on a free port and wait for ``/health``.

    ``source``: run the server from another checkout of the project (its root put first on
    ``PYTHONPATH``), e.g. the code before a change, for a baseline in the same run.
    """
    from tests.helpers.server_process import free_port

    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    if source is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(source), env.get("PYTHONPATH", "")])
    port = free_port()
    log_path = out / f"server-{port}.log"
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "cur_desktop.server.commands",
                "serve",
                "--db",
                db_url(name),
                "--port",
                str(port),
            ],
            stdout=log_file,
            stderr=subprocess.STDOUT,
            env=env,
            # ``-m`` puts the working directory first on sys.path, before PYTHONPATH: run from
            # the other checkout, or its server would import this checkout's code
            cwd=source,
        )
    served = Served(f"http://127.0.0.1:{port}", process, log_path)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(log_path.read_text(errors="replace"))
        try:
            if httpx.get(f"{served.base_url}/api/v1/health", timeout=2).status_code == 200:
                return served
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("cur-server did not start")


# --------------------------------------------------------------------------- measurements


def ingest_batches(count: int, run_tag: str, *, own: int = 0, seed: int = 7) -> list[bytes]:
    """``count`` monitoring items (received in the last 30 days), as request bodies.

    ``own`` of them belong to :data:`PULL_REGION` (the push below works on them), the rest to
    all 89 regions by population; the batches mix regions as a federal feed would.
    """
    from cur_desktop.contract import wire
    from cur_desktop.demodata.generator import generate_incidents

    fields = tuple(wire.IngestItem.model_fields)
    codes, cum = _region_weights()
    rng = random.Random(seed)
    regions = rng.choices(codes, cum_weights=cum, k=count - own) + [PULL_REGION] * own
    rng.shuffle(regions)
    end = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    items = []
    for row, code in zip(
        generate_incidents(count, seed=seed, days=30, end=end), regions, strict=True
    ):
        item = {k: row[k] for k in fields}
        item["received_at"] = row["received_at"].isoformat()
        item["external_id"] = f"{run_tag}-{row['external_id']}"
        item["region_code"] = code
        item["municipality_id"] = _municipality_of(code, row["municipality_id"])
        items.append(item)
    return [
        json.dumps(items[i : i + INGEST_BATCH], ensure_ascii=False).encode()
        for i in range(0, len(items), INGEST_BATCH)
    ]


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` so far (all its threads; Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def backend_cpu_seconds(name: str) -> float:
    """CPU seconds so far of the PostgreSQL backends connected to database ``name``."""
    with _admin() as conn:
        pids = [
            int(row[0])
            for row in conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s", (name,)
            ).fetchall()
        ]
    total = 0.0
    for pid in pids:
        with contextlib.suppress(OSError):  # the backend ended meanwhile
            total += cpu_seconds(pid)
    return total


@dataclass
class IngestRun:
    """What one ingestion measurement gives."""

    created: int
    seconds: float
    rates: list[float]  # items/s of each batch
    cpu: float  # CPU seconds of the server process
    pg_cpu: float  # CPU seconds of the database's PostgreSQL backends
    load: float  # 1-minute load average at the start

    def per_item(self, seconds: float) -> str:
        """``seconds`` of CPU per created item, in µs."""
        return f"{seconds * 1e6 / max(1, self.created):,.0f} µs"


def measure_ingest(served: Served, bodies: list[bytes], name: str) -> IngestRun:
    """Send the batches one after the other, as one feed would."""
    headers = {**served.token("bench.admin"), "Content-Type": "application/json"}
    created = 0
    rates: list[float] = []
    load = os.getloadavg()[0]
    pg_before = backend_cpu_seconds(name)
    cpu_before = cpu_seconds(served.process.pid)
    start = time.perf_counter()
    with httpx.Client(base_url=served.base_url, headers=headers, timeout=600) as client:
        for body in bodies:
            t = time.perf_counter()
            response = client.post("/api/v1/ingest", content=body)
            if response.status_code not in (200, 422):
                raise RuntimeError(f"ingest answered {response.status_code}: {response.text[:300]}")
            results = response.json()
            invalid = [r for r in results if r["status"] == "invalid"]
            if invalid:
                raise RuntimeError(f"{len(invalid)} invalid items, e.g. {invalid[0]}")
            created += sum(1 for r in results if r["status"] == "created")
            rates.append(len(results) / (time.perf_counter() - t))
    seconds = time.perf_counter() - start
    cpu = cpu_seconds(served.process.pid) - cpu_before
    return IngestRun(created, seconds, rates, cpu, backend_cpu_seconds(name) - pg_before, load)


def measure_pull(
    served: Served, headers: dict[str, str], cursor: int = 0
) -> tuple[int, int, float, int]:
    """Pull every page from ``cursor``; (incidents, changes, seconds, final cursor)."""
    incidents = changes = 0
    start = time.perf_counter()
    with httpx.Client(
        base_url=served.base_url,
        headers={**headers, "Accept": "application/x-ndjson", "Accept-Encoding": "gzip"},
        timeout=600,
    ) as client:
        while True:
            response = client.get("/api/v1/sync/pull", params={"cursor": cursor, "limit": 1000})
            response.raise_for_status()
            lines = response.content.split(b"\n")
            head = json.loads(lines[0])
            body = lines[1:]
            changes += len(body)
            incidents += sum(1 for line in body if b'"entity":"incident"' in line[:120])
            cursor = int(head["next_cursor"])
            if not head["has_more"]:
                break
    return incidents, changes, time.perf_counter() - start, cursor


def measure_head_pull(
    served: Served, headers: dict[str, str], cursor: int, repeat: int
) -> list[float]:
    """Milliseconds of pulls at the head (nothing new), ``repeat`` times."""
    times = []
    with httpx.Client(base_url=served.base_url, headers=headers, timeout=60) as client:
        for _ in range(repeat):
            t = time.perf_counter()
            response = client.get("/api/v1/sync/pull", params={"cursor": cursor, "limit": 1000})
            response.raise_for_status()
            times.append((time.perf_counter() - t) * 1000)
            if response.json()["changes"]:
                raise RuntimeError("the head pull returned changes")
    return times


def new_incident_ids(name: str, region: str, count: int) -> list[str]:
    """Ids of ``count`` incidents of ``region`` still in status ``new`` (the latest)."""
    with _connect(name) as conn:
        rows = conn.execute(
            "SELECT id FROM incident WHERE region_code = %s AND status = 'new' "
            "ORDER BY seq DESC LIMIT %s",
            (region, count),
        ).fetchall()
    return [r[0] for r in rows]


def measure_push(served: Served, ids: list[str]) -> tuple[float, dict[str, int]]:
    """One client pushes a move to moderation (half) or a classification (half) per incident."""
    headers = served.token("sve.operator")
    client_id = str(uuid.uuid4())
    mutations = []
    for n, incident_id in enumerate(ids, start=1):
        if n % 2:
            args: dict[str, Any] = {
                "incident_id": incident_id,
                "from_status": "new",
                "to_status": "moderation",
            }
            mutations.append({"id": n, "name": "incident.transition", "args": args})
        else:
            args = {"incident_id": incident_id, "priority": "high", "topic_code": "roads"}
            mutations.append({"id": n, "name": "incident.classify", "args": args})
    outcomes: dict[str, int] = {}
    start = time.perf_counter()
    with httpx.Client(base_url=served.base_url, headers=headers, timeout=600) as client:
        for i in range(0, len(mutations), PUSH_BATCH):
            body = {"client_id": client_id, "mutations": mutations[i : i + PUSH_BATCH]}
            response = client.post("/api/v1/sync/push", json=body)
            response.raise_for_status()
            for result in response.json()["results"]:
                outcomes[result["outcome"]] = outcomes.get(result["outcome"], 0) + 1
    return time.perf_counter() - start, outcomes


def measure_ratings(served: Served, month: str, repeat: int) -> tuple[list[float], int]:
    """Seconds of ``GET /api/v1/ratings?month=`` as the federal analyst; (times, regions)."""
    headers = served.token("bench.analyst")
    times = []
    regions = 0
    with httpx.Client(base_url=served.base_url, headers=headers, timeout=120) as client:
        for _ in range(repeat):
            t = time.perf_counter()
            response = client.get("/api/v1/ratings", params={"month": month})
            response.raise_for_status()
            times.append(time.perf_counter() - t)
            regions = int(response.json()["regions_ranked"])
    return times, regions


# --------------------------------------------------------------------------- partitioning


PARTITION_LAYOUTS = ("public", "part_month", "part_region")


def build_partitioned(name: str, months: list[date]) -> None:
    """Copies of ``incident`` partitioned by month (``part_month``) and by region."""
    from cur_desktop.reference import data as refdata

    codes = [r.iso_code for r in refdata.load_regions()]
    with _connect(name) as conn:
        conn.autocommit = True
        cur = conn.cursor()
        for schema in ("part_month", "part_region"):
            cur.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
            cur.execute(f"CREATE SCHEMA {schema}")
        t = time.perf_counter()
        cur.execute(
            "CREATE TABLE part_month.incident (LIKE public.incident INCLUDING DEFAULTS) "
            "PARTITION BY RANGE (received_at)"
        )
        cur.execute(
            "CREATE TABLE part_month.incident_old PARTITION OF part_month.incident "
            f"FOR VALUES FROM (MINVALUE) TO ('{months[0].isoformat()}')"
        )
        for first, after in zip(months, [*months[1:], None], strict=True):
            upper = f"'{after.isoformat()}'" if after else "MAXVALUE"
            cur.execute(
                f"CREATE TABLE part_month.incident_{first:%Y%m} PARTITION OF part_month.incident "
                f"FOR VALUES FROM ('{first.isoformat()}') TO ({upper})"
            )
        cur.execute(
            "CREATE TABLE part_region.incident (LIKE public.incident INCLUDING DEFAULTS) "
            "PARTITION BY LIST (region_code)"
        )
        for code in codes:
            suffix = code[3:].lower().replace("-", "_")
            cur.execute(
                f"CREATE TABLE part_region.incident_{suffix} PARTITION OF part_region.incident "
                f"FOR VALUES IN ('{code}')"
            )
        for schema in ("part_month", "part_region"):
            cur.execute(f"INSERT INTO {schema}.incident SELECT * FROM public.incident")
            cur.execute("SET maintenance_work_mem = '512MB'")
            # the same secondary indexes as the plain table (a partitioned table's unique
            # keys must contain the partition key: the primary key and the natural key get it)
            key = "received_at" if schema == "part_month" else "region_code"
            pk_columns = "id, received_at" if key == "received_at" else "id, region_code"
            cur.execute(f"ALTER TABLE {schema}.incident ADD PRIMARY KEY ({pk_columns})")
            natural = "region_code, source, external_id" + (
                ", received_at" if key == "received_at" else ""
            )
            cur.execute(f"CREATE UNIQUE INDEX ON {schema}.incident ({natural})")
            cur.execute(f"CREATE INDEX ON {schema}.incident (region_code, seq)")
            cur.execute(f"CREATE INDEX ON {schema}.incident (region_code, received_at)")
            cur.execute(f"CREATE INDEX ON {schema}.incident (seq)")
            cur.execute(f"ANALYZE {schema}.incident")
        print(f"  partitioned copies built in {time.perf_counter() - t:.0f} s", flush=True)


def measure_layouts(name: str, month: str, region: str, repeat: int) -> list[Figure]:
    """Ratings of ``month`` and a whole pull of ``region`` in this process, per layout."""
    from sqlalchemy import event

    from cur_desktop.domain.enums import Role
    from cur_desktop.server import pull_json, ratings
    from cur_desktop.server.auth import Caller
    from cur_desktop.server.db import Database

    figures: list[Figure] = []
    supervisor = Caller(user_id=0, login="bench", role=Role.SUPERVISOR, region_code=region)
    for layout in PARTITION_LAYOUTS:
        db = Database(db_url(name))

        def _path(dbapi_connection: Any, _record: Any, schema: str = layout) -> None:
            dbapi_connection.execute(f"SET search_path = {schema}, public")
            dbapi_connection.commit()

        event.listen(db.engine, "connect", _path)
        rating_times = []
        for _ in range(repeat):
            with db.snapshot() as session:
                t = time.perf_counter()
                ratings.compute(session, month, datetime.now(UTC))
                rating_times.append(time.perf_counter() - t)
        pull_times = []
        first_page_times = []
        rows = 0
        for _ in range(max(1, repeat - 1)):
            cursor, rows = 0, 0
            t = time.perf_counter()
            while True:
                tp = time.perf_counter()
                page = pull_json.pull_json(db, supervisor, cursor=cursor, limit=1000, ndjson=True)
                if cursor == 0:
                    first_page_times.append((time.perf_counter() - tp) * 1000)
                head = json.loads(page.split(b"\n", 1)[0])
                rows += int(head["count"])
                cursor = int(head["next_cursor"])
                if not head["has_more"]:
                    break
            pull_times.append(rows / (time.perf_counter() - t))
        db.dispose()
        label = {"public": "plain", "part_month": "by month", "part_region": "by region"}[layout]
        figures.append(
            Figure(
                f"ratings of {month}, table {label} (in process)",
                statistics.median(rating_times),
                "s",
                "< 1 s",
                statistics.median(rating_times) < 1.0,
                _spread(rating_times),
            )
        )
        figures.append(
            Figure(
                f"pull of {region} from 0, table {label} (in process)",
                statistics.median(pull_times),
                "rows/s",
                spread=_spread(pull_times) + f" ({rows:,} rows)",
            )
        )
        figures.append(
            Figure(
                f"first pull page, table {label} (in process)",
                statistics.median(first_page_times),
                "ms",
                spread=_spread(first_page_times),
            )
        )
    return figures


def explain(name: str, sql: str, schema: str = "public") -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of ``sql`` under ``search_path = schema``."""
    with _connect(name) as conn:
        conn.execute(f"SET search_path = {schema}, public")
        plan = conn.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql).fetchall()
    return "\n".join(str(r[0]) for r in plan)


# --------------------------------------------------------------------------- main


def baseline_ingest(name: str, out: Path, args: argparse.Namespace) -> Figure:
    """Ingestion through a server run from ``--baseline-src`` (same database, same run)."""
    served = serve(name, out, args.baseline_src)
    try:
        bodies = ingest_batches(args.baseline_ingest, f"b{int(time.time())}", seed=11)
        run = measure_ingest(served, bodies, name)
    finally:
        served.process.terminate()
        served.process.wait(30)
    print(
        f"  baseline ingestion: {run.created / run.seconds:,.0f} items/s, server "
        f"{run.per_item(run.cpu)} CPU an item, PostgreSQL {run.per_item(run.pg_cpu)}, "
        f"load {run.load:.1f}",
        flush=True,
    )
    return Figure(
        f"BASELINE ingestion, server from {args.baseline_src} ({run.created:,} items)",
        run.created / run.seconds,
        "items/s",
        spread=f"server {run.per_item(run.cpu)} + PostgreSQL {run.per_item(run.pg_cpu)} CPU "
        f"an item, load {run.load:.1f}",
    )


def api_figures(name: str, out: Path, args: argparse.Namespace) -> list[Figure]:
    """Ingestion, pulls, push and ratings through a real ``cur-server serve`` process."""
    figures: list[Figure] = []
    served = serve(name, out)
    try:
        run_tag = f"r{int(time.time())}"
        bodies = ingest_batches(args.ingest, run_tag, own=min(args.push, args.ingest))
        run = measure_ingest(served, bodies, name)
        created, seconds, rates, cpu = run.created, run.seconds, run.rates, run.cpu
        rate = created / seconds
        figures.append(
            Figure(
                f"ingestion via API ({created:,} items, batches of {INGEST_BATCH:,})",
                rate,
                "items/s",
                ">= 5,000/s",
                rate >= 5_000,
                "batches " + _spread(sorted(rates)[:: max(1, len(rates) // 4)]),
            )
        )
        figures.append(
            Figure(
                "  the same: items per CPU-second of the server process",
                created / cpu,
                "items/s",
                ">= 5,000/s",
                created / cpu >= 5_000,
                f"{cpu * 1e6 / created:,.0f} µs CPU an item",
            )
        )
        figures.append(
            Figure(
                "  the same: items per CPU-second of server + PostgreSQL backends",
                created / (cpu + run.pg_cpu),
                "items/s",
                spread=f"PostgreSQL {run.per_item(run.pg_cpu)} CPU an item, load {run.load:.1f}",
            )
        )
        print(
            f"  ingestion: {rate:,.0f} items/s, server {run.per_item(cpu)} CPU an item, "
            f"PostgreSQL {run.per_item(run.pg_cpu)}, load {run.load:.1f}",
            flush=True,
        )

        sup = served.token("sve.supervisor")
        pull_rates, change_rates, cursor, pulled = [], [], 0, 0
        for _ in range(max(1, args.repeat - 1)):
            incidents, changes, seconds, cursor = measure_pull(served, sup)
            pull_rates.append(incidents / seconds)
            change_rates.append(changes / seconds)
            pulled = incidents
            print(
                f"  pull of {PULL_REGION}: {incidents:,} incidents in {seconds:.1f} s", flush=True
            )
        figures.append(
            Figure(
                f"pull of {PULL_REGION} from cursor 0 ({pulled:,} incidents)",
                _median_of(pull_rates),
                "inc/s",
                spread=_spread(pull_rates),
            )
        )
        figures.append(
            Figure(
                "  the same pull, all changes (incidents + answers + refs)",
                _median_of(change_rates),
                "changes/s",
                spread=_spread(change_rates),
            )
        )
        head = measure_head_pull(served, sup, cursor, 30)
        figures.append(
            Figure(
                "incremental pull at the head (nothing new)",
                _median_of(head),
                "ms",
                spread=f"p90 {_fmt(sorted(head)[int(len(head) * 0.9)])} ms, {len(head)} pulls",
            )
        )

        ids = new_incident_ids(name, PULL_REGION, args.push)
        if len(ids) < args.push:
            print(f"  only {len(ids)} new incidents of {PULL_REGION} to push changes on")
        seconds, outcomes = measure_push(served, ids)
        figures.append(
            Figure(
                f"push of {len(ids):,} changes (one client, batches of {PUSH_BATCH})",
                seconds,
                "s",
                "< 3 s",
                seconds < 3.0,
                ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())),
            )
        )
        rating_times, regions = measure_ratings(served, args.month, args.repeat)
        figures.append(
            Figure(
                f"federal ratings of {args.month} via API ({regions} regions)",
                _median_of(rating_times),
                "s",
                "< 1 s",
                _median_of(rating_times) < 1.0,
                _spread(rating_times),
            )
        )
    finally:
        served.process.terminate()
        served.process.wait(30)
    print(f"  server log: {served.log_path}")
    return figures


def _median_of(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--count", type=int, default=5_000_000, help="incidents in the set-up")
    parser.add_argument("--small", action="store_true", help="200,000 incidents (quick run)")
    parser.add_argument(
        "--db", default=None, help="database name (default cur_bench_5m / cur_bench_<count>)"
    )
    parser.add_argument(
        "--reuse", action="store_true", help="reuse a finished load of the same size"
    )
    parser.add_argument("--ingest", type=int, default=50_000, help="items ingested through the API")
    parser.add_argument("--push", type=int, default=5_000, help="changes pushed by one client")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--month", default="2026-09", help="month of the ratings (YYYY-MM)")
    parser.add_argument("--partitions", action="store_true", help="also compare partitioned copies")
    parser.add_argument(
        "--baseline-src",
        type=Path,
        default=None,
        help="also ingest --baseline-ingest items through a server run from this checkout",
    )
    parser.add_argument("--baseline-ingest", type=int, default=5_000)
    parser.add_argument(
        "--skip-api", action="store_true", help="no server process figures (with --partitions)"
    )
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING)
    count = 200_000 if args.small else args.count
    name = args.db or ("cur_bench_5m" if count == 5_000_000 else f"cur_bench_{count}")
    if name == "test" or name.startswith("cur_test_"):
        parser.error("refusing to use a test database")
    out = args.out or Path(tempfile.mkdtemp(prefix="server-bench-"))
    out.mkdir(parents=True, exist_ok=True)
    print(
        f"server bench: {count:,} incidents in {name}; files in {out}; {os.cpu_count()} CPUs, "
        f"load {os.getloadavg()[0]:.1f} (a shared machine: other work runs beside this)",
        flush=True,
    )
    end = DEFAULT_END
    marker = loaded_marker(name)
    if args.reuse and marker == _marker(count, end):
        print(f"  reusing the loaded database {name} ({marker})", flush=True)
    else:
        if args.reuse:
            print(
                f"  no finished load of {count:,} in {name} (marker {marker!r}): loading",
                flush=True,
            )
        set_up(name, count, end)
    print("  " + table_sizes(name), flush=True)

    figures: list[Figure] = []
    if args.baseline_src is not None:
        figures.append(baseline_ingest(name, out, args))
    if not args.skip_api:
        figures.extend(api_figures(name, out, args))
    if args.partitions:
        first = date(end.year - 2, end.month, 1)
        months = []
        current = first
        while current <= end.date() + timedelta(days=40):
            months.append(current)
            current = (current + timedelta(days=32)).replace(day=1)
        build_partitioned(name, months)
        figures.extend(measure_layouts(name, args.month, PULL_REGION, args.repeat))
    if figures:
        print_table(figures)
    print(f"\nload average at the end: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
