"""Fixtures of the server tests: a real database (SQLite file, or PostgreSQL when reachable),
the FastAPI app on it through TestClient, a settable clock, and users of two regions."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from sqlalchemy import delete, update
from starlette.exceptions import StarletteDeprecationWarning

from cur_desktop.domain.enums import Role
from cur_desktop.server import auth
from cur_desktop.server.db import Database
from cur_desktop.server.migrate import upgrade
from cur_desktop.server.security import token_digest
from cur_desktop.server.settings import ServerSettings
from cur_desktop.server.tables import (
    Answer,
    Attachment,
    Client,
    Executor,
    Incident,
    Meta,
    Municipality,
    SeqCounter,
    Token,
)
from cur_desktop.server.web_app import create_app
from tests.helpers.server_process import fresh_postgres_database

with warnings.catch_warnings():
    # Starlette asks for httpx2; the project pins httpx (see the report to the lead).
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient

API = "/api/v1"

USERS: dict[str, tuple[Role, str | None]] = {
    "tul.op": (Role.OPERATOR, "RU-TUL"),
    "tul.op2": (Role.OPERATOR, "RU-TUL"),
    "tul.sup": (Role.SUPERVISOR, "RU-TUL"),
    "sam.op": (Role.OPERATOR, "RU-SAM"),
    "sam.sup": (Role.SUPERVISOR, "RU-SAM"),
    "analyst": (Role.FEDERAL_ANALYST, None),
    "admin": (Role.ADMIN, None),
}


def password_of(login: str) -> str:
    """The test password of ``login``."""
    return f"пароль-{login}"


class Clock:
    """A clock the tests move by hand (the server's only notion of time)."""

    def __init__(self) -> None:
        self.now = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


def _prepare(db: Database) -> int:
    upgrade(db.engine)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    with db.write() as session:
        for login, (role, region) in USERS.items():
            auth.add_user(
                session,
                login=login,
                password=password_of(login),
                role=role,
                region_code=region,
                now=now,
            )
    with db.snapshot() as session:
        return int(session.get_one(SeqCounter, 1).value)


@dataclass
class Backend:
    """A migrated database with the users of :data:`USERS`, shared by one session."""

    db: Database
    seq_after_users: int
    tokens: dict[str, str] = field(default_factory=dict)  # kept across tests: logins are slow


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database: a SQLite file, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'served.sqlite3'}"
        return
    try:
        manager = fresh_postgres_database()
        url = manager.__enter__()
    except OSError as exc:
        pytest.skip(f"PostgreSQL not reachable at 127.0.0.1:5432: {exc}")
    try:
        yield url
    finally:
        manager.__exit__(None, None, None)


@pytest.fixture(
    scope="session",
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
)
def backend(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Backend]:
    """The database of the session: a SQLite file, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        path: Path = tmp_path_factory.mktemp("server-db") / "server.sqlite3"
        db = Database(f"sqlite:///{path}")
        try:
            yield Backend(db, _prepare(db))
        finally:
            db.dispose()
        return
    try:
        manager = fresh_postgres_database()
        url = manager.__enter__()
    except OSError as exc:
        pytest.skip(f"PostgreSQL not reachable at 127.0.0.1:5432: {exc}")
    db = Database(url)
    try:
        yield Backend(db, _prepare(db))
    finally:
        db.dispose()
        manager.__exit__(None, None, None)


def _reset(backend: Backend) -> None:
    """Empty everything but users and tokens (each costs an Argon2 hash or check)."""
    with backend.db.write() as session:
        kept = [token_digest(t) for t in backend.tokens.values()]
        session.execute(delete(Token).where(Token.token_hash.not_in(kept)))
        for table in (Attachment, Answer, Incident, Municipality, Executor, Client):
            session.execute(delete(table))
        session.execute(update(SeqCounter).values(value=backend.seq_after_users))
        session.execute(update(Meta).values(compaction_horizon=0))


@dataclass
class Api:
    """The app under test and helpers that speak its HTTP API."""

    client: TestClient
    db: Database
    clock: Clock
    _tokens: dict[str, str]
    _clients: dict[str, UUID] = field(default_factory=dict)
    _next_mutation: dict[str, int] = field(default_factory=dict)

    def token(self, login: str) -> str:
        if login not in self._tokens:
            response = self.client.post(
                f"{API}/auth/login", json={"login": login, "password": password_of(login)}
            )
            assert response.status_code == 200, response.text
            self._tokens[login] = response.json()["access_token"]
        return self._tokens[login]

    def headers(self, login: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(login)}"}

    def client_id(self, login: str) -> UUID:
        return self._clients.setdefault(login, uuid4())

    def push(self, login: str, *mutations: tuple[str, dict[str, Any]]) -> Any:
        """Push ``(name, args)`` mutations with the next ids of ``login``'s client."""
        batch = []
        for name, args in mutations:
            self._next_mutation[login] = self._next_mutation.get(login, 0) + 1
            batch.append({"id": self._next_mutation[login], "name": name, "args": args})
        response = self.client.post(
            f"{API}/sync/push",
            headers=self.headers(login),
            json={"client_id": str(self.client_id(login)), "mutations": batch},
        )
        assert response.status_code == 200, response.text
        return response.json()

    def create_incident(self, login: str, **overrides: Any) -> str:
        incident_id = str(uuid4())
        args = {
            "id": incident_id,
            "source": "vk",
            "external_id": f"vk-{incident_id}",
            "text": "Во дворе дома 5 по улице Ленина третий день не вывозят мусор",
            "received_at": "2026-03-10T08:30:00+03:00",
            **overrides,
        }
        result = self.push(login, ("incident.create", args))
        assert result["results"][0]["outcome"] == "applied", result
        return incident_id

    def route(self, login: str, incident_id: str, region_code: str = "RU-TUL") -> str:
        """Give the incident an executor of its region (the demo reference data, loaded once
        per test); return the executor's id. A solution or final answer needs one."""
        from sqlalchemy import select

        from cur_desktop.server.seed import load_reference_data
        from cur_desktop.server.tables import Executor

        with self.db.write() as session:
            found = session.execute(
                select(Executor.id).where(Executor.region_code == region_code).limit(1)
            ).scalar()
        if found is None:
            load_reference_data(self.db, [region_code])
            return self.route(login, incident_id, region_code)
        result = self.push(
            login, ("incident.classify", {"incident_id": incident_id, "executor_id": found})
        )
        assert result["results"][0]["outcome"] == "applied", result
        return str(found)

    def pull_all(self, login: str, *, limit: int = 1000, cursor: int = 0) -> list[dict[str, Any]]:
        changes: list[dict[str, Any]] = []
        while True:
            response = self.client.get(
                f"{API}/sync/pull",
                headers=self.headers(login),
                params={"cursor": cursor, "limit": limit},
            )
            assert response.status_code == 200, response.text
            page = response.json()
            changes.extend(page["changes"])
            cursor = page["next_cursor"]
            if not page["has_more"]:
                return changes

    def incident(self, login: str, incident_id: str) -> dict[str, Any]:
        found = [
            c["data"]
            for c in self.pull_all(login)
            if c["entity"] == "incident" and c["id"] == incident_id
        ]
        assert len(found) == 1, found
        return found[0]


@pytest.fixture
def api(backend: Backend, tmp_path: Path) -> Iterator[Api]:
    """A fresh server state (users kept) behind a TestClient; evidence files in ``tmp_path``."""
    _reset(backend)
    clock = Clock()
    settings = ServerSettings(clock=clock, max_body_bytes=2 * 1024 * 1024, data_dir=tmp_path)
    app = create_app(backend.db, settings)
    with TestClient(app) as client:
        yield Api(client=client, db=backend.db, clock=clock, _tokens=backend.tokens)
