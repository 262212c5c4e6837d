"""``cur-desktop login / sync --once / status / logout`` end to end, as subprocesses."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.live import PASSWORD, REGION, ingest
from tests.helpers.server_process import ServerProcess, free_port


def cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    return subprocess.run(
        [sys.executable, "-m", "cur_desktop", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


@pytest.mark.slow
def test_login_sync_status_logout(server: ServerProcess, tmp_path: Path) -> None:
    ingest(server, "boss", REGION, 2)
    profile = str(tmp_path / "profile")
    done = cli(
        "login",
        "--profile",
        profile,
        "--server",
        server.base_url,
        "--login",
        "ivanova",
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    assert done.returncode == 0, done.stderr
    assert "Вход выполнен: ivanova" in done.stdout
    token_file = Path(profile) / "token"
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    token = token_file.read_text().strip()

    done = cli("-vv", "sync", "--profile", profile, "--once")
    assert done.returncode == 0, done.stderr
    lines = dict(line.split(": ", 1) for line in done.stdout.splitlines())
    assert int(lines["получено"]) >= 2
    assert (lines["отправлено"], lines["отклонено"]) == ("0", "0")
    assert "DEBUG" in done.stderr  # the journal was really verbose ...
    assert token not in done.stdout + done.stderr  # ... and still kept the token out

    done = cli("status", "--profile", profile)
    assert done.returncode == 0, done.stderr
    status = dict(line.split(": ", 1) for line in done.stdout.splitlines())
    assert status["ожидают отправки"] == "0"
    assert status["отклонены сервером"] == "0"
    assert int(status["курсор"]) > 0
    assert status["последняя синхронизация"] != "никогда"
    assert status["пользователь"] == "ivanova"

    done = cli("logout", "--profile", profile)
    assert done.returncode == 0, done.stderr
    assert not token_file.exists()
    done = cli("sync", "--profile", profile, "--once")
    assert done.returncode == 1
    assert "войдите" in done.stderr or "login" in done.stderr


def test_wrong_password_and_unreachable_server_fail_in_russian(
    server: ServerProcess, tmp_path: Path
) -> None:
    profile = str(tmp_path / "profile")
    done = cli(
        "login",
        "--profile",
        profile,
        "--server",
        server.base_url,
        "--login",
        "ivanova",
        "--password-stdin",
        stdin="не тот пароль\n",
    )
    assert done.returncode == 1
    assert "Неверный логин или пароль" in done.stderr
    nowhere = f"http://127.0.0.1:{free_port()}"
    done = cli(
        "login",
        "--profile",
        profile,
        "--server",
        nowhere,
        "--login",
        "ivanova",
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    assert done.returncode == 1
    assert "Нет связи с сервером" in done.stderr


def test_sync_without_login_is_refused(tmp_path: Path) -> None:
    done = cli("sync", "--profile", str(tmp_path / "p"), "--once")
    assert done.returncode == 1
    assert "cur-desktop login" in done.stderr
