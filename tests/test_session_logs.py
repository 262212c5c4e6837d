"""Issue 6, finding 8: the server logs of a whole test session hold no password and no token.

Runs last (``tests/conftest.py`` moves it to the end of the session), then reads the log of
every real ``cur-server`` process the session started (``tests/server_process.SESSION_LOGS``)
and looks for every password and token the session handed to them (``SESSION_SECRETS``). It
starts one server of its own first, with the classic mistakes (a password typed into the login
field, wrong passwords, a token sent to every endpoint), so it never checks an empty set.
With pytest-xdist (``scripts/test.sh``) each worker is a session of its own: the check then
covers the servers of the worker that runs it (the files it ran before), not every worker's.
"""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.helpers.server_process import SESSION_LOGS, SESSION_SECRETS, UserSpec, running_server

PASSWORD = "пароль-журнала-42"


def test_session_server_logs_hold_no_password_or_token(tmp_path: Path) -> None:
    users = [UserSpec("logs.op", "operator", "RU-TUL", PASSWORD)]
    with running_server(tmp_path, users=users) as server:
        url = f"{server.base_url}/api/v1"
        typed_as_login = "Сек-рет-в-поле-логина-99"
        SESSION_SECRETS.add(typed_as_login)
        httpx.post(f"{url}/auth/login", json={"login": typed_as_login, "password": "x"}, timeout=30)
        httpx.post(
            f"{url}/auth/login", json={"login": "logs.op", "password": "неверный"}, timeout=30
        )
        headers = server.login("logs.op")
        for path in ("/auth/me", "/sync/pull", "/health"):
            httpx.get(f"{url}{path}", headers=headers, timeout=30)
        httpx.post(f"{url}/auth/logout", headers=headers, timeout=30)
        httpx.get(f"{url}/auth/me", headers=headers, timeout=30)  # a revoked token
    assert SESSION_LOGS, "no server log to check"
    secrets = sorted(s for s in SESSION_SECRETS if len(s) >= 6)
    assert PASSWORD in secrets
    leaks = []
    for log_path in SESSION_LOGS:
        text = log_path.read_text(encoding="utf-8", errors="replace")
        leaks += [f"{log_path.name}: {secret[:3]}…" for secret in secrets if secret in text]
    assert leaks == []
