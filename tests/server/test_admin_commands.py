"""Issue 12, item 5: ``cur-server`` administration commands, run in-process on a SQLite file."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from cur_desktop.server import auth
from cur_desktop.server.commands import main
from cur_desktop.server.db import Database
from cur_desktop.server.tables import Municipality

PASSWORD = "пароль-администратора"


@pytest.fixture
def db_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'server.sqlite3'}"
    assert main(["init", "--db", url]) == 0
    for login, role, region in (
        ("root", "admin", None),
        ("tul.op", "operator", "RU-TUL"),
    ):
        monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
        args = ["add-user", "--db", url, "--login", login, "--role", role, "--password-stdin"]
        assert main(args + (["--region", region] if region else [])) == 0
    return url


def _can_log_in(url: str, login: str, password: str) -> bool:
    db = Database(url)
    try:
        with db.write() as session:
            issued = auth.login(
                session,
                login=login,
                password=password,
                now=datetime.now(UTC),
                ttl_seconds=60,
            )
        return issued is not None
    finally:
        db.dispose()


def test_disable_enable_reset_and_role_change_from_the_terminal(
    db_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["disable-user", "--db", db_url, "--login", "tul.op"]) == 0
    assert not _can_log_in(db_url, "tul.op", PASSWORD)
    assert main(["enable-user", "--db", db_url, "--login", "tul.op"]) == 0
    assert _can_log_in(db_url, "tul.op", PASSWORD)

    monkeypatch.setattr("sys.stdin", io.StringIO("совсем-новый-пароль\n"))
    assert main(["reset-password", "--db", db_url, "--login", "tul.op", "--password-stdin"]) == 0
    assert not _can_log_in(db_url, "tul.op", PASSWORD)
    assert _can_log_in(db_url, "tul.op", "совсем-новый-пароль")

    args = ["set-role", "--db", db_url, "--login", "tul.op", "--role", "supervisor"]
    assert main([*args, "--region", "RU-TUL"]) == 0
    capsys.readouterr()
    assert main(["list-users", "--db", db_url]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert "tul.op\tsupervisor\tRU-TUL\tактивен" in listed

    assert main(["audit-log", "--db", db_url]) == 0
    actions = [line.split("\t")[2] for line in capsys.readouterr().out.splitlines()]
    assert actions == [
        "user.change_role",
        "user.reset_password",
        "user.enable",
        "user.disable",
        "user.create",
        "user.create",
    ]


def test_refusals_are_clear_and_exit_1(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["disable-user", "--db", db_url, "--login", "nobody"]) == 1
    assert "Пользователь nobody не найден" in capsys.readouterr().err
    assert main(["disable-user", "--db", db_url, "--login", "root"]) == 1
    assert "последнего администратора" in capsys.readouterr().err
    args = ["set-role", "--db", db_url, "--login", "tul.op", "--role", "operator"]
    assert main(args) == 1
    assert "нужен код региона" in capsys.readouterr().err


def _count_municipalities(url: str) -> int:
    db = Database(url)
    try:
        with db.snapshot() as session:
            return int(session.execute(select(func.count()).select_from(Municipality)).scalar_one())
    finally:
        db.dispose()


def test_import_reference_dry_run_shows_and_writes_nothing_then_applies(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv_file = tmp_path / "mun.csv"
    # Excel's "CSV (разделители — точки с запятой)" on Russian Windows: cp1251, ';'
    csv_file.write_bytes("id;name;population\r\nT1;Новомосковск;120000\r\n".encode("cp1251"))
    args = ["import-reference", "--db", db_url, "--region", "RU-TUL", "--municipalities"]
    assert main([*args, str(csv_file), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "файл прочитан в кодировке Windows-1251" in out
    assert "Добавить: 1; изменить: 0" in out
    assert "+ муниципалитеты T1: Новомосковск" in out
    assert "Пробный запуск: ничего не записано" in out
    assert _count_municipalities(db_url) == 0

    assert main([*args, str(csv_file)]) == 0
    assert "Записано строк: 1" in capsys.readouterr().out
    assert _count_municipalities(db_url) == 1

    assert main([*args, str(tmp_path / "absent.csv")]) == 1
    assert "не прочитан файл" in capsys.readouterr().err
    garbage = tmp_path / "garbage.csv"
    garbage.write_bytes(b"\x00\xff\xfe binary \x81\x98")
    assert main([*args, str(garbage)]) == 1
    assert "Ошибок:" in capsys.readouterr().out
