"""Issue 6, findings 8 and 10, against a REAL ``cur-server serve`` process.

Password guessing is throttled per login and per address (429 with ``Retry-After``, growing
delays, never long for a real user), and what was typed into the login field never reaches the
server's log. Each test starts its own server: the throttle's memory is per process.
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import httpx

from tests.helpers.server_process import ServerProcess, UserSpec, running_server

LOGIN_PATH = "/api/v1/auth/login"
PASSWORD = "верный-пароль-7"
USERS = [UserSpec("g.tul.op", "operator", "RU-TUL", PASSWORD)]


def _login(server: ServerProcess, login: str, password: str) -> httpx.Response:
    return httpx.post(
        f"{server.base_url}{LOGIN_PATH}", json={"login": login, "password": password}, timeout=30
    )


def test_guessing_one_login_is_throttled_and_the_user_gets_in_after_the_delay(
    tmp_path: Path,
) -> None:
    with running_server(tmp_path, users=USERS) as server:
        guesses = [f"угадайка-{i}" for i in range(6)]
        for guess in guesses[:5]:
            assert _login(server, "g.tul.op", guess).status_code == 401
        blocked = _login(server, "g.tul.op", guesses[5])
        assert blocked.status_code == 429
        wait = int(blocked.headers["Retry-After"])
        assert 1 <= wait <= 60
        assert "повторите через" in blocked.json()["detail"]
        # The right password right after the guesses is refused too, until the delay is over.
        assert _login(server, "g.tul.op", PASSWORD).status_code == 429
        time.sleep(wait + 0.2)
        # Another wrong guess: 401, and the next delay is longer (it doubles).
        assert _login(server, "g.tul.op", guesses[5]).status_code == 401
        second = _login(server, "g.tul.op", PASSWORD)
        assert second.status_code == 429
        assert int(second.headers["Retry-After"]) > wait
        time.sleep(int(second.headers["Retry-After"]) + 0.2)
        assert _login(server, "g.tul.op", PASSWORD).status_code == 200
        # A success clears the login's failures: one more typo is a plain 401.
        assert _login(server, "g.tul.op", "опечатка").status_code == 401
        assert _login(server, "g.tul.op", PASSWORD).status_code == 200

        log = server.log_text()
        assert "login throttled for sha256:" in log
        assert "g.tul.op" not in _lines_with(log, "throttled")
        for secret in (*guesses, PASSWORD, "опечатка"):
            assert secret not in log


def test_guessing_many_logins_from_one_address_is_throttled(tmp_path: Path) -> None:
    with running_server(tmp_path, users=USERS) as server:
        for i in range(20):
            assert _login(server, f"нет-такого-{i}", "пароль").status_code == 401
        blocked = _login(server, "нет-такого-20", "пароль")
        assert blocked.status_code == 429
        assert int(blocked.headers["Retry-After"]) >= 1


def test_a_password_typed_into_the_login_field_is_not_logged(tmp_path: Path) -> None:
    typed = "МойСекретныйПароль!2026"
    with running_server(tmp_path, users=USERS) as server:
        assert _login(server, typed, "что-то").status_code == 401
        assert _login(server, "x" * 100, "что-то").status_code == 401
        log = server.log_text()
    assert typed not in log
    assert typed[:8] not in log
    fingerprint = hashlib.sha256(typed.encode()).hexdigest()[:12]
    assert f"failed login for sha256:{fingerprint}/{len(typed)}" in log


def _lines_with(text: str, word: str) -> str:
    return "\n".join(line for line in text.splitlines() if word in line)
