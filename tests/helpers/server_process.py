"""Start a REAL ``cur-server serve`` subprocess on a free loopback port, for tests.

Usage (any test package may import it)::

    from tests.helpers.server_process import UserSpec, running_server

    def test_x(tmp_path):
        users = [UserSpec("tul.op", "operator", "RU-TUL", "пароль")]
        with running_server(tmp_path, users=users) as server:
            httpx.post(f"{server.base_url}/api/v1/auth/login", json=...)

The database is fresh: a SQLite file in ``tmp_dir`` by default, or pass ``db_url`` (e.g. from
:func:`fresh_postgres_database`). ``cur-server init`` and ``add-user`` run as subprocesses too,
so the whole command line is exercised. The server is killed when the block ends; its output is
in ``server.log_path``.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

SESSION_LOGS: list[Path] = []
"""Log files of every server process this test session started (for the secrets check)."""
SESSION_SECRETS: set[str] = set()
"""Passwords and tokens this test session handed to real server processes."""

PG_HOST = "127.0.0.1"
PG_PORT = 5432
STARTUP_TIMEOUT = 30.0


@dataclass(frozen=True)
class UserSpec:
    """A user to create before the server starts."""

    login: str
    role: str
    region: str | None
    password: str


@dataclass
class ServerProcess:
    """A running server: where it answers, its database, its process and log."""

    base_url: str
    db_url: str
    process: subprocess.Popen[bytes]
    log_path: Path
    users: dict[str, UserSpec] = field(default_factory=dict)

    def login(self, login: str) -> dict[str, str]:
        """Log ``login`` in over HTTP; returns the Authorization header."""
        spec = self.users[login]
        response = httpx.post(
            f"{self.base_url}/api/v1/auth/login",
            json={"login": spec.login, "password": spec.password},
            timeout=30,
        )
        response.raise_for_status()
        token = str(response.json()["access_token"])
        SESSION_SECRETS.add(token)
        return {"Authorization": f"Bearer {token}"}

    def log_text(self) -> str:
        """What the server printed so far."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "cur_desktop.server.commands", *args]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONUNBUFFERED"] = "1"
    env.pop("PYTHONWARNINGS", None)
    return env


def init_database(db_url: str, users: Sequence[UserSpec] = ()) -> None:
    """Run ``cur-server init`` and ``add-user`` for each of ``users`` (subprocesses)."""
    SESSION_SECRETS.update(user.password for user in users)
    subprocess.run(
        _cli("init", "--db", db_url), check=True, capture_output=True, env=_env(), timeout=120
    )
    for user in users:
        command = ["add-user", "--db", db_url, "--login", user.login, "--role", user.role]
        if user.region:
            command += ["--region", user.region]
        subprocess.run(
            _cli(*command, "--password-stdin"),
            input=(user.password + "\n").encode("utf-8"),
            check=True,
            capture_output=True,
            env=_env(),
            timeout=120,
        )


@contextlib.contextmanager
def running_server(
    tmp_dir: Path,
    *,
    users: Sequence[UserSpec] = (),
    db_url: str | None = None,
    initialise: bool = True,
    env: dict[str, str] | None = None,
) -> Iterator[ServerProcess]:
    """Init a fresh database, start ``cur-server serve``, wait for /health, stop at the end."""
    tmp_dir.mkdir(parents=True, exist_ok=True)
    url = db_url or f"sqlite:///{tmp_dir / 'server.sqlite3'}"
    if initialise:
        init_database(url, users)
    port = free_port()
    log_path = tmp_dir / f"server-{port}.log"
    SESSION_LOGS.append(log_path)
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            _cli("serve", "--db", url, "--host", "127.0.0.1", "--port", str(port)),
            stdout=log_file,
            stderr=subprocess.STDOUT,
            env={**_env(), **(env or {})},
        )
    server = ServerProcess(
        base_url=f"http://127.0.0.1:{port}",
        db_url=url,
        process=process,
        log_path=log_path,
        users={u.login: u for u in users},
    )
    try:
        _wait_ready(server)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _wait_ready(server: ServerProcess) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    last_error = ""
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(
                f"cur-server exited with {server.process.returncode}:\n{server.log_text()}"
            )
        try:
            response = httpx.get(f"{server.base_url}/api/v1/health", timeout=2)
        except httpx.HTTPError as exc:
            last_error = repr(exc)
        else:
            if response.status_code == 200:
                return
            last_error = f"HTTP {response.status_code}"
        time.sleep(0.1)
    raise RuntimeError(f"cur-server did not answer in {STARTUP_TIMEOUT} s ({last_error})")


def postgres_admin_dsn() -> str:
    """A libpq DSN of the ``test`` database, or raise ``OSError`` with the reason."""
    import psycopg

    errors = []
    for user in ("postgres", "root"):
        dsn = f"host={PG_HOST} port={PG_PORT} user={user} dbname=test connect_timeout=3"
        try:
            with psycopg.connect(dsn):
                return dsn
        except psycopg.Error as exc:
            errors.append(f"{user}: {str(exc).strip()}")
    raise OSError("; ".join(errors))


@contextlib.contextmanager
def fresh_postgres_database() -> Iterator[str]:
    """Create ``cur_test_<random>`` next to ``test``; yield its SQLAlchemy URL; drop it at the end.

    Raises ``OSError`` when PostgreSQL is not reachable (callers turn it into a skip).
    """
    import psycopg

    admin_dsn = postgres_admin_dsn()
    user = admin_dsn.split("user=")[1].split()[0]
    name = f"cur_test_{secrets.token_hex(6)}"
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://{user}@{PG_HOST}:{PG_PORT}/{name}"
    finally:
        with psycopg.connect(admin_dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
