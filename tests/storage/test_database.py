"""Engine, pragmas, migrations, the single writer and crash safety on a real SQLite file."""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import signal
import subprocess
import sys
import threading
import warnings
from collections.abc import Callable
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, Engine, func, select, text

from cur_desktop.contract import wire
from cur_desktop.contract.mutations import MutationRejected
from cur_desktop.storage.database import DbWriter, open_engine
from cur_desktop.storage.incidents import bulk_insert_incidents
from cur_desktop.storage.migrations import include_name, upgrade_to_head
from cur_desktop.storage.search import search
from cur_desktop.storage.tables import incident_table, metadata, sync_state_table
from tests.helpers.row_factories import make_rows

REPO = Path(__file__).resolve().parents[2]


def test_pragmas_in_force_on_every_connection(engine: Engine) -> None:
    for _ in range(2):
        with engine.connect() as conn:
            got = {
                p: conn.exec_driver_sql(f"PRAGMA {p}").scalar()
                for p in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
            }
            assert got == {
                "journal_mode": "wal",
                "synchronous": 1,  # NORMAL (WAL): docs/STORAGE.md, "Durability"
                "foreign_keys": 1,
                "busy_timeout": 5000,
            }


def test_migrated_schema_matches_models(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    upgrade_to_head(url)
    eng = open_engine(tmp_path / "empty.sqlite3")  # second run: already at head, no-op
    with eng.connect() as conn, warnings.catch_warnings():
        ctx = MigrationContext.configure(conn, opts={"include_name": include_name})
        diff = compare_metadata(ctx, metadata)
        tables = set(conn.exec_driver_sql("SELECT name FROM sqlite_master").scalars())
    eng.dispose()
    assert diff == []
    assert {"incident_fts", "alembic_version", *metadata.tables} <= tables


def test_compare_detects_a_missing_index(engine: Engine) -> None:
    # the comparison above can fail: drop an index and it is reported
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP INDEX ix_incident_received")
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"include_name": include_name})
        diff = compare_metadata(ctx, metadata)
    assert [d[0] for d in diff] == ["add_index"]


def _bump(conn: Connection) -> int:
    current = conn.execute(
        select(sync_state_table.c.value).where(sync_state_table.c.key == "counter")
    ).scalar_one_or_none()
    value = int(current or 0) + 1
    conn.execute(sync_state_table.delete().where(sync_state_table.c.key == "counter"))
    conn.execute(sync_state_table.insert().values(key="counter", value=str(value)))
    return value


def test_writer_serialises_jobs_from_many_threads(engine: Engine) -> None:
    active = 0
    peak = 0
    threads_seen: set[int] = set()
    guard = threading.Lock()

    def job(conn: Connection) -> int:
        nonlocal active, peak
        with guard:
            active += 1
            peak = max(peak, active)
            threads_seen.add(threading.get_ident())
        try:
            return _bump(conn)
        finally:
            with guard:
                active -= 1

    results: list[int] = []
    with DbWriter(engine) as writer:

        def client() -> None:
            futures = [writer.submit(job) for _ in range(25)]
            got = [f.result() for f in futures]
            with guard:
                results.extend(got)

        clients = [threading.Thread(target=client) for _ in range(6)]
        for t in clients:
            t.start()
        for t in clients:
            t.join()
    assert sorted(results) == list(range(1, 151))
    assert peak == 1
    assert len(threads_seen) == 1
    with engine.connect() as conn:
        assert conn.execute(select(sync_state_table.c.value)).scalar_one() == "150"


@pytest.mark.allow_error_log  # the writer logs the failing job (it is the point)
def test_writer_rolls_back_a_failing_job(engine: Engine) -> None:
    def failing(conn: Connection) -> None:
        bulk_insert_incidents(conn, make_rows(3))
        raise RuntimeError("boom")

    with DbWriter(engine) as writer:
        with pytest.raises(RuntimeError, match="boom"):
            writer.submit(failing).result()
        assert writer.submit(lambda c: bulk_insert_incidents(c, make_rows(2, seed=9))).result() == 2
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(incident_table)).scalar_one() == 2
    with pytest.raises(RuntimeError):
        writer.submit(_bump)


@pytest.mark.allow_error_log  # the failing job's record is what is checked
def test_a_failing_jobs_log_line_does_not_copy_megabytes_of_arguments(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    tokens = "снег " * 250_000  # a snapshot range's search tokens are this big

    def failing(conn: Connection, *, tokens: str) -> None:
        raise RuntimeError("boom")

    with DbWriter(engine) as writer, pytest.raises(RuntimeError):
        writer.submit(functools.partial(failing, tokens=tokens)).result()
    (record,) = [r for r in caplog.records if r.levelno == logging.ERROR]
    message = record.getMessage()
    assert "failing" in message  # still says which job
    assert len(message) < 500
    assert "(1,250," in message  # and how long its repr was (the text alone: 1,250,000)


def test_writer_run_from_asyncio(engine: Engine) -> None:
    async def main(writer: DbWriter) -> list[int]:
        return list(await asyncio.gather(*(writer.run(_bump) for _ in range(10))))

    with DbWriter(engine) as writer:
        assert sorted(asyncio.run(main(writer))) == list(range(1, 11))


CHILD = """
import sys, time
from pathlib import Path
from cur_desktop.storage.database import open_engine
from cur_desktop.storage.incidents import bulk_insert_incidents
from tests.helpers.row_factories import make_rows
engine = open_engine(Path(sys.argv[1]))
with engine.begin() as conn:
    bulk_insert_incidents(conn, make_rows(50, seed=1))
conn = engine.connect()
conn.begin()
bulk_insert_incidents(conn, make_rows(3000, seed=2, text="недописанная строка"))
print("ready", flush=True)
time.sleep(60)
"""


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_crash_mid_transaction_leaves_no_half_written_rows(db_path: Path) -> None:
    with subprocess.Popen(
        [sys.executable, "-c", CHILD, str(db_path)],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.PIPE,
        text=True,
    ) as child:
        try:
            assert child.stdout is not None
            assert child.stdout.readline().strip() == "ready"
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    eng = open_engine(db_path)
    try:
        with eng.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
            assert conn.execute(select(func.count()).select_from(incident_table)).scalar_one() == 50
            conn.execute(text("INSERT INTO incident_fts(incident_fts) VALUES ('integrity-check')"))
            assert search(conn, "недописанная") == []
    finally:
        eng.dispose()


class _ExpectedError(Exception):
    """A refusal the caller lists as expected."""


def _refuse(exc: BaseException) -> Callable[[Connection], None]:
    def job(conn: Connection) -> None:
        _bump(conn)
        raise exc

    return job


@pytest.mark.allow_error_log  # a failing job is logged with its traceback: the test checks it
def test_writer_logs_refusals_quietly_and_failures_with_traceback(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="cur_desktop.storage.database")
    with DbWriter(engine, expected=(_ExpectedError,)) as writer:
        refused = MutationRejected(wire.RejectCode.NOT_FOUND, "Инцидент не найден")
        with pytest.raises(MutationRejected):
            writer.submit(_refuse(refused)).result()
        with pytest.raises(_ExpectedError):
            writer.submit(_refuse(_ExpectedError("занято"))).result()
        with pytest.raises(KeyError):  # expected for this one job only
            writer.submit(_refuse(KeyError("k")), expected=(KeyError,)).result()
        with pytest.raises(ValueError, match="сломано"):
            writer.submit(_refuse(ValueError("сломано"))).result()
    records = [r for r in caplog.records if r.name == "cur_desktop.storage.database"]
    failures = [r for r in records if "rolled back" in r.getMessage()]
    assert [(r.levelno, r.exc_info is not None) for r in failures] == [
        (logging.DEBUG, False),
        (logging.DEBUG, False),
        (logging.DEBUG, False),
        (logging.ERROR, True),
    ]
    assert "сломано" in caplog.text
    with engine.connect() as conn:  # every job rolled back
        assert conn.execute(select(sync_state_table.c.value)).first() is None
