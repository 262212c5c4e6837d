"""Evidence in the sync round: upload pending attachments (resumable), then list new ones.

Runs after push and pull in every sync round (a hook of :class:`cur_desktop.sync.syncer.
SyncEngine`), so the answer that references an attachment reaches the server first and the
file follows (docs/SYNC.md, "Evidence"). Each file goes in chunks of ``chunk_size`` bytes with
its offset; the bytes the server acknowledged are written to the local row (at most every
half second, at every state change and when the link fails).
A cut link ends the round with :class:`NetworkError` (the engine reports Offline and retries
with backoff); the next round, or the next start of the program, asks the server for its
offset and goes on from there. Files are read in a worker thread, never on the event loop.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from pydantic import ValidationError
from sqlalchemy import Connection, Engine

from cur_desktop.contract.attachments import (
    ATTACHMENTS_PATH,
    OFFSET_HEADER,
    UPLOADS_PATH,
    AttachmentPage,
    UploadCreate,
    UploadStatus,
)
from cur_desktop.domain.evidence import EvidenceType
from cur_desktop.storage import attachments as store
from cur_desktop.storage import sync_state
from cur_desktop.storage.database import DbWriter
from cur_desktop.sync.errors import (
    AuthenticationError,
    ClientTooOldError,
    ServerProtocolError,
    SyncClientError,
)
from cur_desktop.sync.transport import SyncTransport

log = logging.getLogger(__name__)

DEFAULT_CHUNK_BYTES = 1024 * 1024
"""1 MiB a request: a cut link loses at most this much; bench/upload_bench.py measures it."""

PROGRESS_EVERY_S = 0.5
"""The acknowledged offset is written to the local row at most this often (and at every state
change and when the link fails): a row write per chunk cost an fsync each."""

ProgressCallback = Callable[[str, int, int], None]
"""``(attachment_id, bytes acknowledged, size)`` after every chunk."""


def _read_chunk(path: Path, offset: int, count: int) -> bytes:
    with path.open("rb") as handle:
        handle.seek(offset)
        return handle.read(count)


def _write_file(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".part")
    partial.write_bytes(data)
    partial.replace(path)


def _status_of(response: httpx.Response) -> UploadStatus:
    try:
        return UploadStatus.model_validate_json(response.content, extra="ignore")
    except ValidationError as exc:
        raise ServerProtocolError("Сервер прислал некорректный ответ (загрузка вложения).") from exc


def _detail(response: httpx.Response) -> tuple[str, int | None]:
    try:
        body = response.json()
    except ValueError:
        return f"код {response.status_code}", None
    if not isinstance(body, dict):
        return f"код {response.status_code}", None
    detail = body.get("detail")
    offset = body.get("offset")
    text = detail[:300] if isinstance(detail, str) else f"код {response.status_code}"
    return text, offset if isinstance(offset, int) else None


class EvidenceSync:
    """Uploads this profile's pending attachments and brings other workstations' metadata."""

    def __init__(
        self,
        engine: Engine,
        writer: DbWriter,
        transport: SyncTransport,
        *,
        chunk_size: int = DEFAULT_CHUNK_BYTES,
        on_progress: ProgressCallback | None = None,
    ) -> None:
        self.engine = engine
        self.writer = writer
        self.transport = transport
        self.chunk_size = chunk_size
        self.on_progress = on_progress
        self.on_change: Callable[[frozenset[str]], None] | None = None
        """Told the incident when one of its attachments changes state (uploading, uploaded,
        failed), so a window shows it before the round ends."""
        self._listing_supported = True
        self._states: dict[str, str] = {}
        self._acknowledged: dict[str, int] = {}

    async def run_round(self) -> frozenset[str]:
        """Upload what waits, then list new attachments; the incidents whose evidence changed.

        A failed upload fails the round (the engine reports it and retries with backoff); a
        failed listing does not: the incidents and answers are already in step, the listing is
        tried again next round (a warning is logged).
        """
        touched = await self.upload_pending()
        try:
            touched |= await self.pull_metadata()
        except (AuthenticationError, ClientTooOldError):
            raise
        except SyncClientError as exc:
            log.warning("attachment listing failed (%s); tried again next round", exc.message)
        return frozenset(touched)

    # ------------------------------------------------------------------ upload

    async def upload_pending(self) -> set[str]:
        """Send every pending attachment to its end (or until the link fails)."""
        waiting = await self.writer.run(store.to_upload)
        touched: set[str] = set()
        for item in waiting:
            await self._upload(item)
            touched.add(item.incident_id)
        return touched

    async def _record(
        self, item: store.StoredAttachment, state: str, sent: int, error: str | None = None
    ) -> None:
        await self.writer.run(lambda conn: store.set_progress(conn, item.id, state, sent, error))
        if state != self._states.get(item.id, item.state) and self.on_change is not None:
            self.on_change(frozenset({item.incident_id}))
        self._states[item.id] = state

    async def _fail(self, item: store.StoredAttachment, reason: str, sent: int = 0) -> None:
        log.warning("attachment %s refused: %s", item.id, reason)
        await self._record(item, store.FAILED, sent, reason)

    async def _start(self, item: store.StoredAttachment) -> UploadStatus | None:
        """The server's status of the upload, declaring it when the server does not know it."""
        if item.state == store.UPLOADING:
            response = await self.transport.request("GET", f"{UPLOADS_PATH}/{item.id}")
            if response.status_code == 200:
                return _status_of(response)
            if response.status_code != 404:
                self.transport.raise_for_status(response)
        declaration = UploadCreate.model_validate(
            {
                "id": item.id,
                "incident_id": item.incident_id,
                "answer_id": item.answer_id,
                "file_name": item.file_name,
                "content_type": EvidenceType(item.content_type),
                "size": item.size,
                "sha256": item.sha256,
            }
        )
        response = await self.transport.request(
            "POST", UPLOADS_PATH, json_body=declaration.model_dump(mode="json")
        )
        if response.status_code in (200, 201):
            return _status_of(response)
        if 400 <= response.status_code < 500 and response.status_code not in (401, 426):
            await self._fail(item, _detail(response)[0])
            return None
        self.transport.raise_for_status(response)
        raise AssertionError("unreachable: raise_for_status raised")

    async def _upload(self, item: store.StoredAttachment) -> None:
        if not item.local_name:
            await self._fail(item, "Файл вложения отсутствует в профиле")
            return
        path = store.attachments_dir(self.engine) / item.local_name
        status = await self._start(item)
        if status is None:
            return
        offset = status.offset
        try:
            await self._send_chunks(item, path, status)
        except SyncClientError:
            # The link failed mid-upload: keep what the server acknowledged (the next round
            # asks the server anyway), then let the round fail.
            sent = self._acknowledged.pop(item.id, offset)
            await self._record(item, store.UPLOADING, sent)
            raise
        self._acknowledged.pop(item.id, None)

    async def _send_chunks(
        self, item: store.StoredAttachment, path: Path, status: UploadStatus
    ) -> None:
        offset = status.offset
        resets = 0
        recorded_at = time.monotonic()
        if status.complete:  # e.g. the last chunk's answer was lost: the server has it all
            await self._record(item, store.UPLOADED, status.size)
        while not status.complete:
            data = await asyncio.to_thread(_read_chunk, path, offset, self.chunk_size)
            if not data:
                await self._fail(item, "Файл вложения в профиле короче объявленного")
                return
            response = await self.transport.request(
                "PATCH",
                f"{UPLOADS_PATH}/{item.id}",
                content=data,
                headers={
                    OFFSET_HEADER: str(offset),
                    "Content-Type": "application/octet-stream",
                },
            )
            if response.status_code == 200:
                status = _status_of(response)
                offset = status.offset
            elif response.status_code in (409, 422) and _detail(response)[1] is not None:
                # 409: not where the server is (e.g. a chunk whose answer was lost);
                # 422: checksum mismatch, the server dropped the bytes: once more from 0.
                reason, server_offset = _detail(response)
                resets += response.status_code == 422
                if resets > 1:
                    await self._fail(item, reason)
                    return
                log.info("attachment %s: resuming at the server's offset", item.id)
                offset = int(server_offset or 0)
            elif 400 <= response.status_code < 500 and response.status_code not in (401, 426):
                await self._fail(item, _detail(response)[0], offset)
                return
            else:
                self.transport.raise_for_status(response)
            self._acknowledged[item.id] = offset
            state = store.UPLOADED if status.complete else store.UPLOADING
            changed = state != self._states.get(item.id, item.state)
            if changed or time.monotonic() - recorded_at >= PROGRESS_EVERY_S:
                await self._record(item, state, offset)
                recorded_at = time.monotonic()
            if self.on_progress is not None:
                self.on_progress(item.id, offset, item.size)
        log.info("attachment %s uploaded (%d bytes)", item.id, item.size)

    # ------------------------------------------------------------------ download

    async def download(self, item: store.StoredAttachment) -> Path:
        """Fetch the content of an attachment the profile does not hold; returns its path.

        The bytes are checked against the listed SHA-256 before the file is kept.
        """
        folder = store.attachments_dir(self.engine)
        response = await self.transport.request("GET", f"{UPLOADS_PATH}/{item.id}/content")
        self.transport.raise_for_status(response)
        data = response.content
        if len(data) != item.size or hashlib.sha256(data).hexdigest() != item.sha256:
            raise ServerProtocolError("Сервер прислал вложение с другой контрольной суммой.")
        kind = EvidenceType(item.content_type)
        local_name = f"{item.id}.{'pdf' if kind is EvidenceType.PDF else kind.value[6:]}"
        target = folder / local_name
        await asyncio.to_thread(_write_file, target, data)
        await self.writer.run(lambda conn: store.set_local_name(conn, item.id, local_name))
        return target

    # ------------------------------------------------------------------ listing

    async def pull_metadata(self) -> set[str]:
        """Apply the server's listing of complete attachments after the stored position."""
        if not self._listing_supported:
            return set()
        touched: set[str] = set()
        while True:
            after = await self.writer.run(
                lambda conn: sync_state.get_int_state(conn, store.KEY_AFTER)
            )
            response = await self.transport.request(
                "GET", ATTACHMENTS_PATH, params={"after": after, "limit": 200}
            )
            if response.status_code == 404:
                log.info("server lists no attachments (older server): skipped")
                self._listing_supported = False
                return touched
            self.transport.raise_for_status(response)
            try:
                page = AttachmentPage.model_validate_json(response.content, extra="ignore")
            except ValidationError as exc:
                raise ServerProtocolError(
                    "Сервер прислал некорректный ответ (список вложений); данные не применены."
                ) from exc

            def apply(conn: Connection, page: AttachmentPage = page) -> set[str]:
                found = store.apply_remote(conn, page.attachments)
                sync_state.set_state(conn, store.KEY_AFTER, page.next_after)
                return found

            touched |= await self.writer.run(apply)
            if not page.has_more:
                return touched


__all__ = ["DEFAULT_CHUNK_BYTES", "EvidenceSync", "ProgressCallback"]
