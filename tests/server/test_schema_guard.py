"""``cur-server`` refuses a database whose schema a newer release migrated (exit code 2).

The database is migrated to this code's head, then its ``alembic_version`` row is set to a
revision this code does not ship (what a newer release would leave). ``migrate`` / ``init`` /
``serve`` must refuse with a clear Russian message and exit code 2, and leave the database as
it was; the same database at this code's head is accepted.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from cur_desktop.server.commands import main as server_main
from cur_desktop.server.db import Database
from cur_desktop.server.migrate import code_head, database_revisions, upgrade

FUTURE = "0099_from_a_newer_release"


def _migrate_then_stamp(url: str, revision: str | None) -> None:
    db = Database(url)
    try:
        upgrade(db.engine)
        if revision is not None:
            with db.engine.begin() as conn:
                conn.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})
    finally:
        db.dispose()


def _revisions(url: str) -> tuple[str, ...]:
    db = Database(url)
    try:
        return database_revisions(db.engine)
    finally:
        db.dispose()


@pytest.mark.parametrize("command", ["migrate", "init"])
def test_migrate_refuses_a_newer_schema(
    db_url: str, command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _migrate_then_stamp(db_url, FUTURE)

    code = server_main([command, "--db", db_url])

    assert code == 2
    err = capsys.readouterr().err
    assert "новее этой версии cur-server" in err
    assert FUTURE in err
    assert code_head() in err
    assert _revisions(db_url) == (FUTURE,)  # untouched


def test_migrate_accepts_the_schema_it_knows(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _migrate_then_stamp(db_url, None)

    assert server_main(["migrate", "--db", db_url]) == 0
    assert "База данных готова" in capsys.readouterr().out
    assert _revisions(db_url) == (code_head(),)


@pytest.mark.slow  # a real cur-server process
def test_serve_process_refuses_a_newer_schema_before_listening(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'guard.sqlite3'}"
    _migrate_then_stamp(url, FUTURE)

    done = subprocess.run(
        [sys.executable, "-m", "cur_desktop.server.commands", "serve", "--db", url, "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode == 2, done.stderr
    assert "новее этой версии cur-server" in done.stderr
    assert "Uvicorn running" not in done.stderr


def test_the_database_comes_from_the_environment_when_db_is_not_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "from-env.sqlite3"
    monkeypatch.setenv("CUR_SERVER_DB_URL", f"sqlite:///{path}")

    assert server_main(["migrate"]) == 0

    assert str(path) in capsys.readouterr().out
    assert _revisions(f"sqlite:///{path}") == (code_head(),)
