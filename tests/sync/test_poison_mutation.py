"""Issue 6, finding 1 on the client: a change the server keeps failing on never stops a workstation.

A REAL ``cur-server`` whose test hook (``CUR_SERVER_TEST_FAIL_ON_TEXT``, docs/SERVER.md) fails
every push of a mutation carrying a marker with HTTP 500 -- a server bug its own guard does not
catch -- and the REAL ``cur-desktop sync --once`` command. The rounds before the change is set
aside still pull; after ``MAX_SERVER_ERRORS`` rounds it waits in "needs attention" and the
changes behind it reach the server.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cur_desktop.storage import outbox
from cur_desktop.storage.tables import incident_table
from cur_desktop.sync.syncer import SyncEngine
from tests.helpers.live import REGION, USERS, ingest, local_rows, login, server_rows, with_engine
from tests.helpers.server_process import running_server
from tests.sync.test_cli import cli

MARKER = "ЯД-7f3c"
EXIT_ERROR, EXIT_NEEDS_ATTENTION = 1, 3


def _create(text: str) -> dict[str, str]:
    incident_id = str(uuid.uuid4())
    return {
        "id": incident_id,
        "source": "other",
        "external_id": f"call-{incident_id}",
        "text": text,
        "received_at": (datetime.now(UTC) - timedelta(minutes=3)).isoformat(),
    }


@pytest.mark.slow
def test_a_mutation_the_server_keeps_failing_on_is_set_aside_and_the_rest_go_on(
    tmp_path: Path,
) -> None:
    env = {"CUR_SERVER_TEST_FAIL_ON_TEXT": MARKER}
    with running_server(tmp_path / "server", users=USERS, env=env) as server:
        profile = login(tmp_path / "ivanova", server.base_url, "ivanova")
        first, poisoned, last = (
            _create("Звонок 1"),
            _create(f"Звонок {MARKER}"),
            _create("Звонок 3"),
        )

        async def record(engine: SyncEngine) -> list[int]:
            return [
                await engine.record("incident.create", args) for args in (first, poisoned, last)
            ]

        ids = with_engine(profile, record)
        for round_number in range(1, outbox.MAX_SERVER_ERRORS):
            posted = ingest(server, "boss", REGION, 1)[0]
            done = cli("sync", "--profile", str(profile.directory), "--once")
            assert done.returncode == EXIT_ERROR, (round_number, done.stderr)
            assert "Сервер временно недоступен" in done.stderr
            # The round still pulled: the post ingested just before it is on the workstation.
            assert posted in local_rows(profile, incident_table)
        on_server = server_rows(server, "ivanova")
        assert f"incident:{first['id']}" in on_server
        assert f"incident:{last['id']}" not in on_server

        done = cli("sync", "--profile", str(profile.directory), "--once")
        assert done.returncode == EXIT_NEEDS_ATTENTION, done.stderr
        on_server = server_rows(server, "ivanova")
        assert f"incident:{last['id']}" in on_server
        assert f"incident:{poisoned['id']}" not in on_server

        async def attention(engine: SyncEngine) -> list[tuple[int, str | None, str | None]]:
            return [(r.id, r.reject_code, r.reject_message) for r in await engine.needs_attention()]

        [(set_aside, code, message)] = with_engine(profile, attention)
        assert (set_aside, code) == (ids[1], outbox.SET_ASIDE_CODE)
        assert message is not None
        assert f"{outbox.MAX_SERVER_ERRORS} раза подряд" in message
        # The view no longer shows the set-aside change; the others are confirmed.
        local = local_rows(profile, incident_table)
        assert poisoned["id"] not in local
        assert {first["id"], last["id"]} <= set(local)

        # Later syncs are clean (nothing pending; only the set-aside change awaits a decision).
        done = cli("sync", "--profile", str(profile.directory), "--once")
        assert done.returncode == EXIT_NEEDS_ATTENTION, done.stderr
        status = dict(line.split(": ", 1) for line in done.stdout.splitlines())
        assert status["отправлено"] == "0"
        assert "poisoned mutation" in server.log_text()
