"""A store written at the FIRST schema revision, with changes queued, upgrades and replays them.

The "old client" is the sync engine working on a store file migrated only to revision
``0001_initial`` (what the first release created): it pulls, then queues changes offline.
The file is then opened the way the current release opens it (``open_engine``: upgrade to
head, whatever revisions exist by now) and synced: every queued change reaches the server.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

from cur_desktop.storage import localstate as ls
from cur_desktop.storage.database import DbWriter, create_store_engine, open_engine
from cur_desktop.storage.migrations import alembic_config
from cur_desktop.storage.tables import answer_table, incident_table
from cur_desktop.sync.syncer import SyncEngine, ensure_client_id
from cur_desktop.sync.transport import SyncTransport
from tests.server_process import ServerProcess
from tests.sync.live import FAST, PASSWORD, REGION, answers_of, ingest, server_rows

FIRST_REVISION = "0001_initial"


def store_at_first_revision(path: Path) -> Engine:
    """A new store file migrated to the first revision only."""
    engine = create_store_engine(path)
    with engine.begin() as conn:
        config = alembic_config()
        config.attributes["connection"] = conn
        command.upgrade(config, FIRST_REVISION)
    return engine


def revision_of(engine: Engine) -> str:
    with engine.connect() as conn:
        return str(conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one())


def test_queued_changes_replay_after_an_upgrade_from_the_first_revision(
    server: ServerProcess, tmp_path: Path
) -> None:
    path = tmp_path / "old-profile" / "local.sqlite3"
    incident_ids = ingest(server, "boss", REGION, 3)
    created = str(uuid.uuid4())
    answer_id = str(uuid.uuid4())

    async def old_client(engine: Engine) -> None:
        async with SyncTransport(server.base_url) as transport:
            token = await transport.login("ivanova", PASSWORD)

            def bind(conn: Connection) -> None:
                ls.set_state(conn, ls.KEY_SERVER_URL, server.base_url)
                ls.set_state(conn, ls.KEY_LOGIN, token.login)
                ls.set_state(conn, ls.KEY_ROLE, token.role.value)
                ls.set_state(conn, ls.KEY_REGION, token.region_code or "")
                ensure_client_id(conn)

            with DbWriter(engine) as writer:
                writer.submit(bind).result()
            sync = SyncEngine(engine, transport, retry=FAST)
            try:
                await sync.sync_once()
                # Offline from here: nothing below is pushed by the old release.
                await sync.record(
                    "incident.assign",
                    {"incident_id": incident_ids[0], "expected": None, "assignee": "ivanova"},
                )
                await sync.record(
                    "incident.transition",
                    {
                        "incident_id": incident_ids[0],
                        "from_status": "new",
                        "to_status": "moderation",
                    },
                )
                await sync.record(
                    "answer.add",
                    {
                        "id": answer_id,
                        "incident_id": incident_ids[1],
                        "kind": "interim",
                        "state": "published",
                        "text": "Заявка передана в управляющую компанию, ответим до пятницы.",
                    },
                )
                await sync.record(
                    "incident.create",
                    {
                        "id": created,
                        "source": "other",
                        "external_id": f"call-{created}",
                        "author": "Звонок на горячую линию",
                        "text": "Не работает лифт в подъезде 2",
                        "received_at": datetime.now(UTC).isoformat(),
                    },
                )
                await sync.record(
                    "incident.classify", {"incident_id": created, "topic_code": "zhkh"}
                )
            finally:
                sync.close()

    old = store_at_first_revision(path)
    try:
        asyncio.run(old_client(old))
        assert revision_of(old) == FIRST_REVISION
    finally:
        old.dispose()

    # The current release opens the same file: upgrade to head, the queue intact.
    engine = open_engine(path)
    try:
        head = ScriptDirectory.from_config(alembic_config()).get_current_head()
        assert revision_of(engine) == head
        with engine.connect() as conn:
            pending = ls.outbox_rows(conn, state=ls.PENDING)
            assert [r.id for r in pending] == [1, 2, 3, 4, 5]
            view = ls.load_view_incident(conn, incident_ids[0])
            assert view is not None
            assert (view.assignee, view.status.value) == ("ivanova", "moderation")

        async def new_client() -> tuple[int, int]:
            async with SyncTransport(server.base_url) as transport:
                await transport.login("ivanova", PASSWORD)
                sync = SyncEngine(engine, transport, retry=FAST)
                try:
                    counts = await sync.sync_once()
                    status = await sync.status()
                    return counts.pushed + 10 * counts.rejected, status.pending + status.rejected
                finally:
                    sync.close()

        assert asyncio.run(new_client()) == (5, 0)
        with engine.connect() as conn:
            local_incidents = {
                str(r["id"]): r for r in conn.execute(incident_table.select()).mappings()
            }
            local_answers = {str(r["id"]) for r in conn.execute(answer_table.select()).mappings()}
    finally:
        engine.dispose()

    rows = server_rows(server, "ivanova")
    first = rows[f"incident:{incident_ids[0]}"]
    assert (first["assignee"], first["status"]) == ("ivanova", "moderation")
    assert [a["id"] for a in answers_of(rows, incident_ids[1])] == [answer_id]
    assert rows[f"incident:{incident_ids[1]}"]["first_answer_at"] is not None
    assert rows[f"incident:{created}"]["topic_code"] == "zhkh"
    assert not local_incidents[created]["local_changed"]
    assert local_incidents[incident_ids[0]]["assignee"] == "ivanova"
    assert answer_id in local_answers
