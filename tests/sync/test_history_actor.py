"""A colleague's moves reach the history with who made them, against a REAL ``cur-server``.

The server names the login behind an incident's latest version (``changed_by``); a pulled
version that moves what a workstation showed is journalled (``incident_event``) with that
login as the actor, and a first sync from the server's snapshot carries it too. An ingested
post names nobody. Expected logins and moves written out by hand.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from cur_desktop.storage.database import open_engine
from cur_desktop.storage.tables import incident_event_table, incident_table
from cur_desktop.sync.profile import Profile
from cur_desktop.sync.syncer import SyncEngine
from tests.helpers.live import REGION, USERS, ingest, local_rows, login, sync_once, with_engine
from tests.helpers.server_process import (
    ServerProcess,
    fresh_postgres_database,
    postgres_admin_dsn,
    running_server,
)


def _events(profile: Profile, incident_id: str) -> list[tuple[str, str | None, str | None, Any]]:
    """``(field, from, to, actor)`` of the journal of one incident, oldest first."""
    t = incident_event_table
    engine = open_engine(profile.db_path)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(t.c.field, t.c.from_value, t.c.to_value, t.c.actor, t.c.mutation_id)
                .where(t.c.incident_id == incident_id)
                .order_by(t.c.at, t.c.id)
            ).all()
    finally:
        engine.dispose()
    assert all(r.mutation_id is None for r in rows)  # pulled, not this workstation's own
    return [(r.field, r.from_value, r.to_value, r.actor) for r in rows]


def test_a_colleagues_take_and_move_are_journalled_with_the_colleague_as_actor(
    server: ServerProcess, tmp_path: Path
) -> None:
    incident_id, untouched = ingest(server, "boss", REGION, 2)
    ivanova = login(tmp_path / "ivanova", server.base_url, "ivanova")
    petrov = login(tmp_path / "petrov", server.base_url, "petrov")
    with_engine(ivanova, sync_once)
    with_engine(petrov, sync_once)
    assert local_rows(petrov, incident_table)[incident_id]["changed_by"] is None  # ingested

    async def take_and_moderate(engine: SyncEngine) -> None:
        await engine.record(
            "incident.assign", {"incident_id": incident_id, "expected": None, "assignee": "ivanova"}
        )
        await engine.sync_once()  # one version the colleague pulls ...
        await engine.record(
            "incident.transition",
            {"incident_id": incident_id, "from_status": "new", "to_status": "moderation"},
        )
        await engine.sync_once()

    with_engine(ivanova, take_and_moderate)
    with_engine(petrov, sync_once)
    rows = local_rows(petrov, incident_table)
    assert (rows[incident_id]["assignee"], rows[incident_id]["status"]) == ("ivanova", "moderation")
    assert rows[incident_id]["changed_by"] == "ivanova"
    # both versions came in one pull; the view moved once, the journal says who moved it
    assert sorted(_events(petrov, incident_id)) == [
        ("assignee", None, "ivanova", "ivanova"),
        ("status", "new", "moderation", "ivanova"),
    ]
    assert _events(petrov, untouched) == []
    assert rows[untouched]["changed_by"] is None

    # the supervisor hands it to petrov: petrov's store names the supervisor, not himself
    response = httpx.post(
        f"{server.base_url}/api/v1/sync/push",
        headers=server.login("boss"),
        json={
            "client_id": str(uuid.uuid4()),
            "mutations": [
                {
                    "id": 1,
                    "name": "incident.assign",
                    "args": {
                        "incident_id": incident_id,
                        "expected": "ivanova",
                        "assignee": "petrov",
                    },
                }
            ],
        },
        timeout=30,
    )
    response.raise_for_status()
    assert response.json()["results"][0]["outcome"] == "applied"
    with_engine(petrov, sync_once)
    assert _events(petrov, incident_id)[-1] == ("assignee", "ivanova", "petrov", "boss")


@contextmanager
def _server_on(kind: str, tmp_path: Path) -> Iterator[ServerProcess]:
    if kind == "sqlite":
        with running_server(tmp_path / "server", users=USERS) as srv:
            yield srv
        return
    try:
        postgres_admin_dsn()
    except OSError as exc:
        pytest.skip(f"PostgreSQL on 127.0.0.1:5432 is not reachable: {exc}")
    with (
        fresh_postgres_database() as db_url,
        running_server(tmp_path / "server", users=USERS, db_url=db_url) as srv,
    ):
        yield srv


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_a_first_sync_from_the_snapshot_carries_who_made_each_version(
    kind: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with _server_on(kind, tmp_path) as server:  # its own: no snapshot cached before the move
        taken, ingested = ingest(server, "boss", REGION, 2)
        response = httpx.post(
            f"{server.base_url}/api/v1/sync/push",
            headers=server.login("ivanova"),
            json={
                "client_id": str(uuid.uuid4()),
                "mutations": [
                    {
                        "id": 1,
                        "name": "incident.assign",
                        "args": {"incident_id": taken, "expected": None, "assignee": "ivanova"},
                    }
                ],
            },
            timeout=30,
        )
        response.raise_for_status()
        assert response.json()["results"][0]["outcome"] == "applied"

        petrov = login(tmp_path / "petrov", server.base_url, "petrov")
        with caplog.at_level(logging.INFO, logger="cur_desktop.sync.syncer"):
            with_engine(petrov, sync_once)
    assert any(
        r.getMessage().startswith("first sync from a snapshot: 2 incidents") for r in caplog.records
    ), [r.getMessage() for r in caplog.records]
    rows = local_rows(petrov, incident_table)
    assert (rows[taken]["assignee"], rows[taken]["changed_by"]) == ("ivanova", "ivanova")
    assert rows[ingested]["changed_by"] is None
    assert _events(petrov, taken) == []  # a first sync journals nothing: nothing moved here
