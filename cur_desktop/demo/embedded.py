"""The embedded demo: a local central server with realistic data and a profile synced to it.

``cur-desktop --demo`` needs no configuration. Until the workstation window lands it runs
headless and shows what the core already does:

1. a demo folder (``<user data dir>/demo`` or ``--demo-dir``) holds a SQLite server database
   filled by ``seed-demo`` (idempotent: a second start reuses it) and an operator's profile;
2. ``cur-server serve`` starts on a free loopback port as a child process;
3. the operator logs in and the profile syncs once (push, then pull until caught up);
4. the region's inbox (open incidents by current due, with the deadline timers) and the
   month's figures are printed through the operator's workstation
   (:class:`cur_desktop.services.Workstation`, the same object the window uses);
5. the server is stopped.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TextIO

import httpx
import platformdirs

from cur_desktop.domain.deadlines import Band
from cur_desktop.domain.metrics import format_hmm
from cur_desktop.domain.status_machine import STATUS_TITLES
from cur_desktop.frozen import server_command
from cur_desktop.reference.data import load_topics, region_by_code
from cur_desktop.server.db import Database
from cur_desktop.server.migrate import upgrade
from cur_desktop.server.seed import seed_demo
from cur_desktop.services import Workstation
from cur_desktop.storage.inbox import OPEN_STATUSES, InboxFilter, InboxSort
from cur_desktop.sync.syncer import SyncCounts

log = logging.getLogger(__name__)

DEMO_PASSWORD = "demo"
DEMO_REGIONS = 2
DEMO_DAYS = 10
DEMO_PER_DAY = 15
STARTUP_TIMEOUT_S = 60.0
BAND_MARKS = {Band.OK: "  ", Band.WARNING: "! ", Band.OVERDUE: "!!"}


@dataclass(frozen=True)
class DemoServer:
    """A running demo server."""

    base_url: str
    process: subprocess.Popen[bytes]


def default_demo_dir() -> Path:
    """The demo folder in the user data directory."""
    return Path(platformdirs.user_data_dir("cur-desktop", appauthor=False)) / "demo"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _seed(db_url: str) -> str:
    """Seed the server database; return the login of the first operator."""
    db = Database(db_url)
    try:
        upgrade(db.engine)
        report = seed_demo(
            db, regions=DEMO_REGIONS, days=DEMO_DAYS, per_day=DEMO_PER_DAY, password=DEMO_PASSWORD
        )
    finally:
        db.engine.dispose()
    operators = [login for login, _, role, _ in report.created_users if role == "operator"]
    if operators:
        return operators[0]
    from cur_desktop.demodata.generator import demo_regions  # noqa: PLC0415 (only on re-runs)

    return demo_regions()[0].operators[0]


@contextmanager
def running_demo_server(db_url: str, log_path: Path) -> Iterator[DemoServer]:
    """Start ``cur-server serve`` on a free loopback port; stop it on exit.

    The server's standard input is a pipe whose write end only this process holds
    (``--exit-with-stdin``): if this process dies without stopping it (killed, crashed), the
    kernel closes the pipe and the server stops itself instead of running on as an orphan.
    """
    port = _free_port()
    command = [*server_command(), "serve", "--db", db_url, "--exit-with-stdin"]
    command += ["--host", "127.0.0.1", "--port", str(port)]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=log_file, stderr=subprocess.STDOUT, env=env
        )
    server = DemoServer(base_url=f"http://127.0.0.1:{port}", process=process)
    try:
        _wait_ready(server, log_path)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        if process.stdin is not None:
            process.stdin.close()


def _wait_ready(server: DemoServer, log_path: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            tail = log_path.read_text(encoding="utf-8", errors="replace")[-2000:]
            raise RuntimeError(
                f"Демо-сервер завершился с кодом {server.process.returncode}:\n{tail}"
            )
        try:
            if httpx.get(f"{server.base_url}/api/v1/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"Демо-сервер не ответил за {STARTUP_TIMEOUT_S:.0f} с")


async def _sync_and_show(profile_dir: Path, base_url: str, login: str, out: TextIO) -> SyncCounts:
    """Open the operator's workstation, log in, sync once, print the queue and the month."""
    station = await Workstation.open(profile_dir)
    try:
        await station.login(base_url, login, DEMO_PASSWORD)
        counts = await station.sync_now()
        print(
            f"Синхронизация: получено {counts.pulled}, отправлено {counts.pushed}, "
            f"отклонено {counts.rejected}",
            file=out,
        )
        region_code = (await station.session_info()).region_code or ""
        now = datetime.now(UTC)
        await _print_inbox(station, region_code, now, out)
        await _print_month(station, region_code, now, out)
        return counts
    finally:
        await station.close()


async def _print_inbox(station: Workstation, region_code: str, now: datetime, out: TextIO) -> None:
    region = region_by_code(region_code)
    topics = {t.code: t.name_ru for t in load_topics()}
    places = {m.id: m.name for m in await station.municipalities()}
    open_filter = InboxFilter(statuses=frozenset(OPEN_STATUSES), region_code=region_code, now=now)
    print(f"\nОчередь: {region.name_ru} ({region.timezone})", file=out)
    overdue = await station.inbox_count(InboxFilter(region_code=region_code, overdue=True, now=now))
    at_risk = await station.inbox_count(InboxFilter(region_code=region_code, at_risk=True, now=now))
    print(
        f"Открытых инцидентов: {await station.inbox_count(open_filter)}, "
        f"просрочено: {overdue}, под угрозой: {at_risk}",
        file=out,
    )
    page = await station.inbox_page(open_filter, InboxSort.DUE_ASC, limit=12)
    for row in page.rows:
        left = station.timer(region_code, row.current_due, row.current_warn_at, now)
        if left is not None:
            timer = f"{BAND_MARKS[left.band]}{format_hmm(left.wall):>14}"
        else:
            timer = f"{'':>16}"
        status = STATUS_TITLES[row.status]
        topic = topics.get(row.topic_code or "", "—")[:18]
        place = places.get(row.municipality_id or "", "—")[:20]
        preview = row.preview.replace("\n", " ")[:60]
        print(f"{timer}  {status:<22} {topic:<18} {place:<20} {preview}", file=out)


async def _print_month(station: Workstation, region_code: str, now: datetime, out: TextIO) -> None:
    start = now - timedelta(days=30)
    stats = await station.period_stats(
        InboxFilter(region_code=region_code, received_from=start, received_to=now), now
    )

    def share(value: float | None) -> str:
        return "—" if value is None else f"{value:.1f} %"

    mean = stats.mean_first_answer_time
    median = stats.median_first_answer_time
    print("\nПоказатели за 30 дней:", file=out)
    print(f"  зарегистрировано: {stats.registered}, отклонено: {stats.rejected}", file=out)
    print(f"  среднее время первичного ответа: {format_hmm(mean) if mean else '—'}", file=out)
    print(f"  медиана: {format_hmm(median) if median else '—'}", file=out)
    print(f"  доля обработки: {share(stats.processing_share)}", file=out)
    print(f"  доля просроченных: {share(stats.overdue_share)}", file=out)
    print(f"  только промежуточный ответ: {share(stats.interim_only_share)}", file=out)


def run_demo(demo_dir: Path | None = None, out: TextIO = sys.stdout) -> int:
    """Run the headless demo (see the module docstring); returns the exit code."""
    folder = (demo_dir or default_demo_dir()).expanduser()
    folder.mkdir(parents=True, exist_ok=True)
    db_url = f"sqlite:///{folder / 'server.sqlite3'}"
    print(f"Демо-папка: {folder}", file=out)
    print("Готовлю демонстрационный сервер (первый запуск — до минуты)…", file=out, flush=True)
    login = _seed(db_url)
    with running_demo_server(db_url, folder / "server.log") as server:
        print(f"Сервер ЦУР: {server.base_url}; оператор: {login} / {DEMO_PASSWORD}", file=out)
        asyncio.run(_sync_and_show(folder / "operator", server.base_url, login, out))
    return 0
