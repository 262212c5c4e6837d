"""A store written at the FIRST schema revision, with changes queued, upgrades and replays them.

The "old client" pulls, then queues changes offline; its file is then taken down to revision
``0001_initial`` (the schema the first release created, its rows and queue intact): the
current sync engine writes every field of today's wire, which a first-revision table cannot
hold, so the old release's file is made by a downgrade rather than by running old code on it.
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
from cur_desktop.storage import sync_state
from cur_desktop.storage.database import DbWriter, create_store_engine, open_engine
from cur_desktop.storage.migrations import alembic_config
from cur_desktop.storage.sync_state import ensure_client_id
from cur_desktop.storage.tables import answer_table, incident_table
from cur_desktop.sync.syncer import SyncEngine
from cur_desktop.sync.transport import SyncTransport
from tests.helpers.live import FAST, PASSWORD, REGION, answers_of, ingest, server_rows
from tests.helpers.server_process import ServerProcess

FIRST_REVISION = "0001_initial"


def new_store(path: Path) -> Engine:
    """A new store file migrated to head."""
    engine = create_store_engine(path)
    _migrate(engine, "upgrade", "head")
    return engine


def _migrate(engine: Engine, action: str, revision: str) -> None:
    with engine.begin() as conn:
        config = alembic_config()
        config.attributes["connection"] = conn
        getattr(command, action)(config, revision)


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
                sync_state.set_state(conn, sync_state.KEY_SERVER_URL, server.base_url)
                sync_state.set_state(conn, sync_state.KEY_LOGIN, token.login)
                sync_state.set_state(conn, sync_state.KEY_ROLE, token.role.value)
                sync_state.set_state(conn, sync_state.KEY_REGION, token.region_code or "")
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

    old = new_store(path)
    try:
        asyncio.run(old_client(old))
        _migrate(old, "downgrade", FIRST_REVISION)
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
            # the upgrade filled the derived current due (waiting for a first answer)
            due = conn.execute(
                text("SELECT current_due, first_answer_due FROM incident WHERE id = :i"),
                {"i": incident_ids[0]},
            ).one()
            assert due[0] is not None
            assert due[0] == due[1]

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
