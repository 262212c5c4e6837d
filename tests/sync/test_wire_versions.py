"""Versioned wire: protocol headers both ways, a too-old client told to update, NDJSON pages.

Real ``cur-server`` processes; the NDJSON decoder is also fed hand-made pages, good and bad.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
import pytest

from cur_desktop.contract import wire
from cur_desktop.contract.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION
from cur_desktop.storage.database import open_engine
from cur_desktop.storage.tables import incident_table
from cur_desktop.sync.errors import ClientTooOldError, ServerProtocolError
from cur_desktop.sync.events import SyncError, SyncEvent
from cur_desktop.sync.page_codec import parse_ndjson_page, peek_head
from cur_desktop.sync.syncer import SyncEngine, decode_page
from cur_desktop.sync.transport import SyncTransport
from tests.helpers.live import FAST, PASSWORD, REGION, USERS, ingest, local_rows, login, sync_once
from tests.helpers.live import with_engine as run_engine
from tests.helpers.server_process import init_database
from tests.helpers.wire_factories import incident, page
from tests.sync.test_server_cluster import serve


def _ndjson(pulled: wire.PullResponse, *, count: int | None = None) -> bytes:
    head = {
        "count": len(pulled.changes) if count is None else count,
        "next_cursor": pulled.next_cursor,
        "has_more": pulled.has_more,
        "last_mutation_id": pulled.last_mutation_id,
        "reset": pulled.reset,
    }
    lines = [json.dumps(head), *(c.model_dump_json() for c in pulled.changes)]
    return "\n".join(lines).encode()


def test_an_ndjson_page_decodes_like_the_json_page() -> None:
    pulled = page([incident(seq_minutes=i) for i in range(4)], start_seq=7, reset=True)
    envelope, decoded = parse_ndjson_page(_ndjson(pulled), 0)
    assert [(d.entity, d.id, d.data) for d in decoded] == [
        (d.entity, d.id, d.data) for d in decode_page(pulled)
    ]
    assert (envelope.next_cursor, envelope.has_more, envelope.reset) == (10, False, True)
    assert peek_head(_ndjson(pulled)) == (10, False)


def _bad_pages() -> dict[str, bytes]:
    good = page([incident(), incident()], start_seq=5)
    rows = _ndjson(good).split(b"\n")
    wrong_id = json.loads(rows[1])
    wrong_id["id"] = "другой"
    bad_row = json.loads(rows[1])
    bad_row["data"]["version"] = 0
    return {
        "count-short": _ndjson(good, count=3),
        "cut-line": b"\n".join([rows[0], rows[1][:40]]),
        "unsorted": b"\n".join([rows[0], rows[2], rows[1]]),
        "id-mismatch": b"\n".join([rows[0], json.dumps(wrong_id).encode(), rows[2]]),
        "bad-row": b"\n".join([rows[0], json.dumps(bad_row).encode(), rows[2]]),
        "bad-head": b"\n".join([b'{"count": "two"}', rows[1], rows[2]]),
        "html": b"<html>502</html>",
    }


@pytest.mark.parametrize("kind", sorted(_bad_pages()))
def test_a_bad_ndjson_page_is_refused(kind: str) -> None:
    with pytest.raises(ServerProtocolError):
        parse_ndjson_page(_bad_pages()[kind], 4)


def test_unknown_fields_in_an_ndjson_page_are_ignored() -> None:
    good = page([incident()], start_seq=5)
    head, row = _ndjson(good).split(b"\n")
    newer_head = json.loads(head) | {"shard": 3}
    newer_row = json.loads(row)
    newer_row["data"]["sentiment"] = "negative"
    body = b"\n".join([json.dumps(newer_head).encode(), json.dumps(newer_row).encode()])
    _, decoded = parse_ndjson_page(body, 4)
    assert decoded[0].data == decode_page(good)[0].data


def test_both_sides_send_their_version_and_an_unversioned_client_is_served(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'server.sqlite3'}"
    init_database(url, USERS)
    with serve(tmp_path, url) as server:
        sent: list[str | None] = []

        async def handshake() -> None:
            async with SyncTransport(server.base_url) as transport:
                await transport.login("ivanova", PASSWORD)
                sent.append(transport._client.headers.get(PROTOCOL_HEADER))

        asyncio.run(handshake())
        assert sent == [str(PROTOCOL_VERSION)]
        old = httpx.post(  # a client from before the header: protocol 1, still served
            f"{server.base_url}/api/v1/auth/login",
            json={"login": "ivanova", "password": PASSWORD},
            timeout=10,
        )
        assert old.status_code == 200
        assert old.headers[PROTOCOL_HEADER] == str(PROTOCOL_VERSION)
        garbage = httpx.get(
            f"{server.base_url}/api/v1/sync/pull", headers={PROTOCOL_HEADER: "next"}, timeout=10
        )
        assert garbage.status_code == 400
        assert PROTOCOL_HEADER in garbage.json()["detail"]


def test_a_client_too_old_for_the_server_is_told_to_update(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'server.sqlite3'}"
    init_database(url, USERS)
    with serve(tmp_path, url) as today:
        ingest(today, "boss", REGION, 2)
        profile = login(tmp_path / "ivanova", today.base_url, "ivanova")
        run_engine(profile, sync_once)
    before = local_rows(profile, incident_table)
    assert len(before) == 2
    token = profile.credentials().load()
    assert token
    # The same database, now served by a server that no longer serves this client's protocol.
    with serve(tmp_path, url, "--min-client-protocol", str(PROTOCOL_VERSION + 1)) as newer:
        events: list[SyncEvent] = []

        async def sync() -> str:
            engine = open_engine(profile.db_path)
            async with SyncTransport(newer.base_url, token=token) as transport:
                sync = SyncEngine(engine, transport, on_event=events.append, retry=FAST)
                try:
                    with pytest.raises(ClientTooOldError) as refused:
                        await sync.sync_once()
                    return refused.value.message
                finally:
                    sync.close()
                    engine.dispose()

        message = asyncio.run(sync())
    assert "обновите cur-desktop" in message
    errors = [e for e in events if isinstance(e, SyncError)]
    assert [e.message for e in errors] == [message]  # one clear message, not a stack
    assert local_rows(profile, incident_table) == before
