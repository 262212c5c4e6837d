"""Evidence uploads against a REAL server through the fault proxy: a cut link mid-upload and a
restart of the client, then the upload resumes at the server's offset and the server's file is
the original byte for byte; a colleague gets the metadata and downloads the file."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from cur_desktop.domain.enums import AnswerKind
from cur_desktop.services import OperationError, Workstation
from cur_desktop.sync.transport import SyncTransport
from tests.helpers.live import FAST, PASSWORD, REGION, ingest, region_executor
from tests.helpers.proxy import FaultProxy
from tests.helpers.server_process import ServerProcess

CHUNK = 64 * 1024
PHOTO = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + os.urandom(10 * CHUNK + 1234)  # 11 chunks


def _via(proxy: FaultProxy) -> object:
    def factory(_url: str, token: str | None) -> SyncTransport:
        return SyncTransport(proxy.url, token=token)

    return factory


async def _open(directory: Path, proxy: FaultProxy) -> Workstation:
    station = await Workstation.open(
        directory,
        retry=FAST,
        poll_interval=300.0,
        transport_factory=_via(proxy),  # type: ignore[arg-type]
    )
    if station.evidence_sync is not None:
        station.evidence_sync.chunk_size = CHUNK
    return station


def _server_file(server: ServerProcess, attachment_id: str) -> Path:
    database = make_url(server.db_url).database
    assert database is not None
    return Path(database).parent / "attachments" / attachment_id[:2] / attachment_id


def test_upload_survives_a_cut_link_and_a_restart_and_arrives_byte_for_byte(
    server: ServerProcess, tmp_path: Path
) -> None:
    (incident_id,) = ingest(server, "boss", REGION, 1)
    executor_id = region_executor(server)  # a solution needs a routed incident
    source = tmp_path / "двор после уборки.jpg"
    source.write_bytes(PHOTO)
    host, port = server.base_url.removeprefix("http://").split(":")
    acknowledged: list[int] = []

    async def first_session(proxy: FaultProxy) -> str:
        station = await _open(tmp_path / "ivanova", proxy)
        await station.login(proxy.url, "ivanova", PASSWORD)
        station = await _reopen(station, proxy)  # the engine is built at open: small chunks
        try:
            await station.sync_now()
            await station.attach_file(incident_id, source)
            (draft,) = await station.attachments(incident_id)
            assert (draft.state, draft.size, draft.removable) == ("draft", len(PHOTO), True)
            await station.route_to_executor(incident_id, executor_id)
            await station.send_answer(
                incident_id, AnswerKind.SOLUTION, "Мусор вывезен 3 марта, фото во вложении."
            )

            def on_progress(_id: str, offset: int, _size: int) -> None:
                acknowledged.append(offset)
                if len(acknowledged) == 3:
                    # The 4th chunk reaches the server, which stores it; its answer is lost.
                    proxy.drop_response_to("/api/v1/uploads/")

            assert station.evidence_sync is not None
            station.evidence_sync.on_progress = on_progress
            with pytest.raises(OperationError):
                await station.sync_now()
            (cut,) = await station.attachments(incident_id)
            assert cut.state == "uploading"
            assert cut.bytes_sent == 3 * CHUNK
            return cut.id
        finally:
            await station.close()  # the client stops ("restart")

    async def second_session(proxy: FaultProxy) -> None:
        station = await _open(tmp_path / "ivanova", proxy)
        resumed: list[int] = []
        assert station.evidence_sync is not None
        station.evidence_sync.on_progress = lambda _i, o, _s: resumed.append(o)
        try:
            await station.sync_now()
            (done,) = await station.attachments(incident_id)
            assert (done.state, done.bytes_sent) == ("uploaded", len(PHOTO))
            # The server held 4 chunks (the lost answer's included): the client went on from
            # there, not from its own 3, and not from 0.
            assert resumed[0] == 5 * CHUNK
            assert resumed[-1] == len(PHOTO)
        finally:
            await station.close()

    with FaultProxy(host, int(port)) as proxy:
        attachment_id = asyncio.run(first_session(proxy))
        assert proxy.dropped == 1
        assert acknowledged == [CHUNK, 2 * CHUNK, 3 * CHUNK]
        assert not _server_file(server, attachment_id).exists()
        asyncio.run(second_session(proxy))
    stored = _server_file(server, attachment_id).read_bytes()
    assert hashlib.sha256(stored).digest() == hashlib.sha256(PHOTO).digest()
    assert stored == PHOTO

    async def colleague() -> None:
        station = await Workstation.open(tmp_path / "boss", retry=FAST, poll_interval=300.0)
        try:
            await station.login(server.base_url, "boss", PASSWORD)
            await station.sync_now()
            (seen,) = await station.attachments(incident_id)
            assert (seen.id, seen.state, seen.path, seen.author) == (
                attachment_id,
                "remote",
                None,
                "ivanova",
            )
            assert seen.file_name == "двор после уборки.jpg"
            path = await station.attachment_file(attachment_id)
            assert path.read_bytes() == PHOTO
        finally:
            await station.close()

    asyncio.run(colleague())


async def _reopen(station: Workstation, proxy: FaultProxy) -> Workstation:
    await station.close()
    return await _open(station.profile.directory, proxy)


def test_an_upload_the_server_already_completed_is_marked_uploaded_without_resending(
    server: ServerProcess, tmp_path: Path
) -> None:
    """The last chunk's answer was lost: the next round asks, learns it is complete, sends
    nothing more."""
    (incident_id,) = ingest(server, "boss", REGION, 1)
    executor_id = region_executor(server)  # a solution needs a routed incident
    source = tmp_path / "акт.pdf"
    source.write_bytes(b"%PDF-1.4\n" + os.urandom(3000))

    async def main() -> None:
        station = await Workstation.open(tmp_path / "petrov", retry=FAST, poll_interval=300.0)
        try:
            await station.login(server.base_url, "petrov", PASSWORD)
            await station.sync_now()
            await station.attach_file(incident_id, source)
            await station.route_to_executor(incident_id, executor_id)
            await station.send_answer(incident_id, AnswerKind.SOLUTION, "Акт подписан 3 марта.")
            await station.sync_now()
            (done,) = await station.attachments(incident_id)
            assert done.state == "uploaded"
            with contextlib.closing(sqlite3.connect(station.profile.db_path, timeout=30)) as db:
                db.execute("UPDATE attachment SET state = 'uploading', bytes_sent = 0")
                db.commit()
            sent: list[int] = []
            assert station.evidence_sync is not None
            station.evidence_sync.on_progress = lambda _i, o, _s: sent.append(o)
            await station.sync_now()
            (again,) = await station.attachments(incident_id)
            assert (again.state, again.bytes_sent, sent) == ("uploaded", 3009, [])
        finally:
            await station.close()

    asyncio.run(main())
