"""Typed HTTP transport of the sync client: login, logout, push, pull and the live poke stream.

A thin wrapper over :class:`httpx.AsyncClient`. Every answer is parsed with the wire models of
:mod:`cur_desktop.contract.wire`; anything else (invalid JSON, a wrong schema, a cut body) raises
:class:`~cur_desktop.sync.errors.ServerProtocolError` so that callers never apply it. The token
is sent as a bearer header and never logged.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import zlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from cur_desktop.contract import snapshot as snapshot_contract
from cur_desktop.contract.admin import ADMIN_PREFIX
from cur_desktop.contract.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION, too_old_message
from cur_desktop.contract.ratings import RATINGS_PATH, RatingsResponse
from cur_desktop.contract.wire import (
    API_PREFIX,
    Change,
    LoginRequest,
    PullResponse,
    PushGap,
    PushRequest,
    PushResponse,
    TokenResponse,
)
from cur_desktop.sync.errors import (
    AuthenticationError,
    ClientTooOldError,
    MutationGapError,
    NetworkError,
    RequestRefusedError,
    ServerProtocolError,
    ServerUnavailableError,
)
from cur_desktop.sync.page_codec import NDJSON

log = logging.getLogger(__name__)

LOGIN_PATH = f"{API_PREFIX}/auth/login"
LOGOUT_PATH = f"{API_PREFIX}/auth/logout"
PUSH_PATH = f"{API_PREFIX}/sync/push"
PULL_PATH = f"{API_PREFIX}/sync/pull"
EVENTS_PATH = f"{API_PREFIX}/sync/events"
SNAPSHOT_PATH = f"{API_PREFIX}{snapshot_contract.PATH}"
_UNPACK_BATCH = 1 << 20
SNAPSHOT_MAX_RATIO = 100
"""A snapshot may unpack to at most this many times its compressed size (SQLite files unpack
to about 4x): more is refused as a decompression bomb."""

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=5.0)

_M = TypeVar("_M", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class SnapshotHead:
    """A downloaded snapshot: where it is and what its headers said."""

    path: Path
    cursor: int
    incidents: int
    compressed_bytes: int


def _parse(model: type[_M], body: bytes, what: str) -> _M:
    """Parse ``body`` as ``model``; anything off-contract is a :class:`ServerProtocolError`."""
    try:
        # Fields this client does not know are ignored (a newer server may add some); the
        # server, for its part, refuses unknown fields from clients.
        return model.model_validate_json(body, extra="ignore")
    except ValidationError as exc:
        log.warning("server sent an invalid %s: %d error(s)", what, exc.error_count())
        raise ServerProtocolError(
            f"Сервер прислал некорректный ответ ({what}); данные не применены."
        ) from exc


def _parse_page(body: bytes, cursor: int) -> PullResponse:
    """Parse a pull page and check its seq order against the cursor it answers.

    Validated change by change rather than in one call over the whole body: the parser holds
    the GIL for the length of a call, and one call over a megabyte-sized page would stall the
    event loop (the window) for tens of milliseconds even from another thread.
    """
    what = "получение изменений"
    try:
        raw = json.loads(body)
    except (ValueError, RecursionError) as exc:
        log.warning("server sent a pull page that is not JSON")
        raise ServerProtocolError(
            f"Сервер прислал некорректный ответ ({what}); данные не применены."
        ) from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("changes"), list):
        page = _parse_python(PullResponse, raw, what)  # raises: not the envelope's shape
    else:
        changes = [_parse_python(Change, item, what) for item in raw["changes"]]
        page = _parse_python(PullResponse, {**raw, "changes": changes}, what)
    if page.changes:
        seqs = [c.seq for c in page.changes]
        after = 0 if page.reset else abs(cursor)
        ordered = all(a < b for a, b in itertools.pairwise(seqs))
        if not ordered or seqs[0] <= after or abs(page.next_cursor) < seqs[-1]:
            raise ServerProtocolError(
                "Сервер прислал изменения не по порядку; данные не применены."
            )
    return page


def _parse_python(model: type[_M], data: Any, what: str) -> _M:
    """Validate decoded JSON as ``model``; off-contract data is a :class:`ServerProtocolError`."""
    try:
        return model.model_validate(data, extra="ignore")
    except ValidationError as exc:
        log.warning("server sent an invalid %s: %d error(s)", what, exc.error_count())
        raise ServerProtocolError(
            f"Сервер прислал некорректный ответ ({what}); данные не применены."
        ) from exc


def _detail(response: httpx.Response) -> str:
    """The server's own (Russian) explanation of a refusal, if it gave a short one."""
    try:
        body = response.json()
    except ValueError:
        return ""
    detail = body.get("detail") if isinstance(body, dict) else None
    return detail[:300] if isinstance(detail, str) else ""


class SyncTransport:
    """HTTP client of one server for one user.

    ``base_url`` is the server's root (e.g. ``http://127.0.0.1:8000``). Pass ``client`` to share
    an :class:`httpx.AsyncClient` (its ``base_url`` is then ignored in favour of ours).
    """

    def __init__(
        self,
        base_url: str,
        *,
        token: str | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._token = token
        self.bytes_received = 0
        """Response body bytes read so far, as they came over the wire (compressed)."""
        self._client = httpx.AsyncClient(
            base_url=self.base_url,
            timeout=timeout,
            transport=transport,
            headers={
                "Accept": "application/json",
                "Accept-Encoding": "gzip, deflate",
                PROTOCOL_HEADER: str(PROTOCOL_VERSION),
            },
            follow_redirects=False,
        )

    # ------------------------------------------------------------------ lifecycle

    @property
    def token(self) -> str | None:
        """The bearer token in use (``None`` before login)."""
        return self._token

    def set_token(self, token: str | None) -> None:
        """Use ``token`` for the following requests."""
        self._token = token

    async def aclose(self) -> None:
        """Close the underlying connection pool."""
        await self._client.aclose()

    async def __aenter__(self) -> SyncTransport:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # ------------------------------------------------------------------ requests

    def _headers(self) -> dict[str, str]:
        if self._token is None:
            return {}
        return {"Authorization": f"Bearer {self._token}"}

    async def _request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        params: dict[str, Any] | None = None,
        accept: str | None = None,
        content: bytes | None = None,
        extra_headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """Send one request and read the whole body; map transport failures to our errors."""
        headers = {**self._headers(), **(extra_headers or {})}
        if accept is not None:
            headers["Accept"] = accept
        request = self._client.build_request(
            method, path, json=json_body, params=params, headers=headers, content=content
        )
        try:
            response = await self._client.send(request, stream=True)
        except httpx.TimeoutException as exc:
            log.info("%s %s: timeout", method, path)
            raise NetworkError("Сервер не ответил вовремя.") from exc
        except httpx.TransportError as exc:
            log.info("%s %s: %s", method, path, type(exc).__name__)
            raise NetworkError("Нет связи с сервером.") from exc
        try:
            await response.aread()
        except httpx.TransportError as exc:
            log.warning("%s %s: body cut (%s)", method, path, type(exc).__name__)
            raise ServerProtocolError(
                "Ответ сервера оборвался на середине; данные не применены."
            ) from exc
        finally:
            self.bytes_received += response.num_bytes_downloaded
            await response.aclose()
        log.debug(
            "%s %s -> %d (%d bytes)", method, path, response.status_code, len(response.content)
        )
        return response

    def _raise_for_status(self, response: httpx.Response, *, login: bool = False) -> None:
        status = response.status_code
        if status < 300:
            return
        if status >= 500:
            raise ServerUnavailableError(f"Сервер временно недоступен (код {status}).", status)
        if status == 426:
            # The server no longer serves this protocol: one clear message, not a stack of
            # refusals; the outbox is kept for the updated program.
            server = response.headers.get(PROTOCOL_HEADER, "?")
            log.warning("server (protocol %s) refuses client protocol %d", server, PROTOCOL_VERSION)
            detail = _detail(response) or too_old_message(PROTOCOL_VERSION, PROTOCOL_VERSION + 1)
            raise ClientTooOldError(detail)
        if status == 401:
            if login:
                raise AuthenticationError("Неверный логин или пароль.")
            raise AuthenticationError("Сеанс истёк или отозван: войдите заново.")
        detail = _detail(response)
        message = f"Сервер отклонил запрос (код {status})" + (f": {detail}" if detail else ".")
        raise RequestRefusedError(message, status)

    # ------------------------------------------------------------------ API

    async def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        params: dict[str, Any] | None = None,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """One authenticated request of another module's API (evidence uploads); the answer is
        read whole and NOT checked: see :meth:`raise_for_status`."""
        return await self._request(
            method, path, json_body=json_body, params=params, content=content, extra_headers=headers
        )

    def raise_for_status(self, response: httpx.Response) -> None:
        """Map a refusal to the sync errors (5xx, 401, 426, other 4xx with the server's text)."""
        self._raise_for_status(response)

    async def login(self, login: str, password: str) -> TokenResponse:
        """Log in; on success the token is kept for the following requests."""
        body = LoginRequest(login=login, password=password).model_dump(mode="json")
        response = await self._request("POST", LOGIN_PATH, json_body=body)
        self._raise_for_status(response, login=True)
        token = _parse(TokenResponse, response.content, "вход")
        self._token = token.access_token
        log.info("logged in as %s (role %s)", token.login, token.role.value)
        return token

    async def logout(self) -> None:
        """Revoke the token on the server (best effort on the caller's side) and forget it."""
        if self._token is None:
            return
        try:
            response = await self._request("POST", LOGOUT_PATH)
            if response.status_code != 401:
                self._raise_for_status(response)
        finally:
            self._token = None

    async def push(self, request: PushRequest) -> PushResponse:
        """Push a batch of mutations; a 409 gap raises :class:`MutationGapError`."""
        response = await self._request("POST", PUSH_PATH, json_body=request.model_dump(mode="json"))
        if response.status_code == 409:
            raise MutationGapError(_parse(PushGap, response.content, "разрыв очереди"))
        self._raise_for_status(response)
        result = _parse(PushResponse, response.content, "отправка изменений")
        sent = {m.id for m in request.mutations}
        answered = {r.id for r in result.results}
        if answered != sent:
            log.warning("push answer covers %d of %d mutations", len(answered & sent), len(sent))
            raise ServerProtocolError(
                "Сервер ответил не на те изменения, что были отправлены; данные не применены."
            )
        return result

    async def pull(
        self, cursor: int, *, limit: int | None = None, client_id: str | None = None
    ) -> PullResponse:
        """Fetch one page of changes after ``cursor`` (negative: a full snapshot in progress).

        ``client_id`` lets the server report this client's ``last_mutation_id``.
        """
        params: dict[str, Any] = {"cursor": cursor}
        if limit is not None:
            params["limit"] = limit
        if client_id is not None:
            params["client_id"] = client_id
        response = await self._request("GET", PULL_PATH, params=params)
        self._raise_for_status(response)
        # A page can be megabytes of JSON: parse it off the event loop (the window stays live).
        return await asyncio.to_thread(_parse_page, response.content, cursor)

    async def pull_body(
        self, cursor: int, *, limit: int | None = None, client_id: str | None = None
    ) -> tuple[bytes, bool]:
        """Like :meth:`pull`, asking for NDJSON, but not parsed: (body, whether it is NDJSON).

        A server that answers JSON (an older one) is answered ``False``; parse its body with
        :func:`parse_json_page`, an NDJSON body with
        :func:`cur_desktop.sync.page_codec.parse_ndjson_page`.
        """
        params: dict[str, Any] = {"cursor": cursor}
        if limit is not None:
            params["limit"] = limit
        if client_id is not None:
            params["client_id"] = client_id
        response = await self._request(
            "GET", PULL_PATH, params=params, accept=f"{NDJSON}, application/json;q=0.5"
        )
        self._raise_for_status(response)
        return response.content, response.headers.get("content-type", "").startswith(NDJSON)

    async def download_snapshot(self, target: Path) -> SnapshotHead | None:
        """Download the first-sync snapshot and unpack it into ``target``; ``None`` without one.

        The compressed bytes go to ``<target>.part`` first, with what the server said of them
        in ``<target>.part.json``; a download cut by the link keeps both and raises
        :class:`NetworkError`, and the next call asks only for the rest (``Range`` with
        ``If-Range``: a server that built a newer file meanwhile sends the whole new one).
        ``None`` when the server has no snapshot of this format (404: an older server); the
        caller then pulls pages. A body that is not complete gzip, bytes after it, or more than
        :data:`SNAPSHOT_MAX_RATIO` times unpacking raise :class:`ServerProtocolError` and
        nothing is kept.
        """
        part, meta_path = _part_paths(target)
        kept_etag = _kept_etag(meta_path, part)
        headers = {**self._headers(), "Accept": snapshot_contract.MEDIA_TYPE}
        if kept_etag is not None:
            headers["Range"] = f"bytes={part.stat().st_size}-"
            headers["If-Range"] = kept_etag
        request = self._client.build_request(
            "GET", SNAPSHOT_PATH, params={"format": snapshot_contract.FORMAT}, headers=headers
        )
        try:
            response = await self._client.send(request, stream=True)
        except httpx.TimeoutException as exc:
            raise NetworkError("Сервер не ответил вовремя.") from exc
        except httpx.TransportError as exc:
            raise NetworkError("Нет связи с сервером.") from exc
        try:
            if response.status_code == 404:
                log.info("the server has no snapshot of format %d", snapshot_contract.FORMAT)
                _forget_part(part, meta_path)
                return None
            if response.status_code == 416:  # the kept part is not a prefix of the file
                _forget_part(part, meta_path)
                raise NetworkError("Загрузку снимка придётся начать заново.")
            if response.status_code not in (200, 206):
                await response.aread()
                self._raise_for_status(response)
                raise ServerProtocolError(
                    f"Сервер ответил на запрос снимка кодом {response.status_code}."
                )
            head = _snapshot_head(response)
            if response.status_code == 206 and kept_etag == head["etag"]:
                log.info("snapshot download resumed at %d bytes", part.stat().st_size)
                mode = "ab"
            else:  # the whole file (first try, or the server has a newer one)
                mode = "wb"
                meta_path.write_text(json.dumps(head))
            await self._receive(response, part, mode)
        except httpx.TransportError as exc:
            log.warning("snapshot download cut (%s); kept to resume", type(exc).__name__)
            raise NetworkError(
                "Связь оборвалась во время загрузки снимка; продолжим с места обрыва."
            ) from exc
        except ServerProtocolError:
            _forget_part(part, meta_path)
            raise
        finally:
            self.bytes_received += response.num_bytes_downloaded
            await response.aclose()
        packed = part.stat().st_size
        try:
            unpacked = await asyncio.to_thread(_unpack_file, part, target)
        except BaseException:
            await asyncio.to_thread(_forget_part, part, meta_path, target)
            raise
        # in a thread: deleting a file of hundreds of megabytes takes the kernel a while
        await asyncio.to_thread(_forget_part, part, meta_path)
        log.info("snapshot downloaded: %d bytes, %d unpacked", packed, unpacked)
        return SnapshotHead(target, head["cursor"], head["incidents"], packed)

    async def _receive(self, response: httpx.Response, part: Path, mode: str) -> None:
        """Write the body to ``part`` as it arrives, a megabyte at a time in a thread (writing
        hundreds of megabytes beside the store's own writes can block in the kernel)."""
        with part.open(mode) as out:
            pending: list[bytes] = []
            size = 0
            try:
                async for block in response.aiter_raw():
                    pending.append(block)
                    size += len(block)
                    if size >= _UNPACK_BATCH:
                        await asyncio.to_thread(out.writelines, pending)
                        pending, size = [], 0
            finally:  # what came before a cut is kept: the next try asks for the rest
                await asyncio.to_thread(out.writelines, pending)

    async def ratings(self, month: str) -> RatingsResponse:
        """The federal rating of ``month`` (``YYYY-MM``) as the server lets this user see it."""
        response = await self._request("GET", RATINGS_PATH, params={"month": month})
        self._raise_for_status(response)
        return _parse(RatingsResponse, response.content, "рейтинг регионов")

    async def admin(
        self,
        method: str,
        path: str,
        answer: type[_M],
        *,
        body: Any = None,
        params: dict[str, Any] | None = None,
    ) -> _M:
        """One administration request (``/api/v1/admin`` + ``path``); the answer as ``answer``.

        Refusals (403, 404, 409, 422) raise :class:`RequestRefusedError` with the server's own
        Russian explanation.
        """
        response = await self._request(
            method, f"{API_PREFIX}{ADMIN_PREFIX}{path}", json_body=body, params=params
        )
        self._raise_for_status(response)
        return _parse(answer, response.content, "администрирование")

    async def events(self) -> AsyncIterator[str]:
        """Yield ``"open"`` once connected, then the event name of each message (SSE).

        The stream carries no data, only "pull now" pokes; comments (keep-alives) are skipped,
        except the server's first comment ``: connected``, sent once this subscriber is
        registered: it is yielded as ``"subscribed"`` (from then on no poke can be missed).
        """
        headers = {**self._headers(), "Accept": "text/event-stream"}
        timeout = httpx.Timeout(None, connect=5.0)
        try:
            async with self._client.stream(
                "GET", EVENTS_PATH, headers=headers, timeout=timeout
            ) as response:
                if response.status_code != 200:
                    await response.aread()
                    self._raise_for_status(response)
                    raise ServerProtocolError("Сервер не открыл поток уведомлений.")
                yield "open"  # connected: a reconnect is a reason to pull
                event = ""
                has_data = False
                async for line in response.aiter_lines():
                    if line == "":
                        if event or has_data:
                            yield event or "message"
                        event, has_data = "", False
                    elif line.startswith(":"):
                        if line[1:].strip() == "connected":
                            yield "subscribed"
                        continue
                    elif line.startswith("event:"):
                        event = line[len("event:") :].strip()
                    elif line.startswith("data:"):
                        has_data = True
        except httpx.TimeoutException as exc:
            raise NetworkError("Сервер не ответил вовремя.") from exc
        except httpx.TransportError as exc:
            raise NetworkError("Поток уведомлений прервался.") from exc


def parse_json_page(body: bytes, cursor: int) -> PullResponse:
    """Parse and check a JSON pull page (see :func:`_parse_page`)."""
    return _parse_page(body, cursor)


def _snapshot_head(response: httpx.Response) -> dict[str, Any]:
    """What the snapshot answer's headers say (cursor, incidents, the file's tag)."""
    media = response.headers.get("content-type", "").partition(";")[0].strip()
    try:
        cursor = int(response.headers[snapshot_contract.HEADER_CURSOR])
        incidents = int(response.headers[snapshot_contract.HEADER_ROWS])
    except (KeyError, ValueError) as exc:
        raise ServerProtocolError("Сервер прислал снимок без курсора.") from exc
    if media != snapshot_contract.MEDIA_TYPE or cursor < 0 or incidents < 0:
        raise ServerProtocolError("Сервер прислал снимок в неизвестном виде.")
    return {"cursor": cursor, "incidents": incidents, "etag": response.headers.get("etag", "")}


def _part_paths(target: Path) -> tuple[Path, Path]:
    """Where a download for ``target`` keeps its compressed bytes and what the server said."""
    part = target.with_name(target.name + ".part")
    return part, part.with_name(part.name + ".json")


def _kept_etag(meta_path: Path, part: Path) -> str | None:
    """The file tag of a cut download kept to resume, if both files are there and readable."""
    try:
        meta = json.loads(meta_path.read_text())
    except (OSError, ValueError):
        return None
    etag = str(meta.get("etag", "")) if isinstance(meta, dict) else ""
    return etag if etag and part.exists() else None


def _forget_part(*paths: Path) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


def forget_snapshot_download(target: Path) -> None:
    """Delete what :meth:`SyncTransport.download_snapshot` may have kept for ``target``."""
    _forget_part(*_part_paths(target))


def _unpack_file(part: Path, target: Path) -> int:
    """Unpack the gzip file ``part`` into ``target``; return the unpacked size.

    Refuses (:class:`ServerProtocolError`) a file that is not complete gzip, has bytes after
    it, or unpacks to more than :data:`SNAPSHOT_MAX_RATIO` times its size.
    """
    unpacker = zlib.decompressobj(wbits=31)  # gzip framing
    packed = unpacked = 0
    with part.open("rb") as source, target.open("wb") as out:
        while block := source.read(_UNPACK_BATCH):
            packed += len(block)
            try:
                data = unpacker.decompress(block)
            except zlib.error as exc:
                raise ServerProtocolError("Снимок с сервера повреждён (не gzip).") from exc
            unpacked += len(data)
            if unpacked > SNAPSHOT_MAX_RATIO * packed + (1 << 20):
                raise ServerProtocolError("Снимок с сервера распаковывается в слишком много.")
            out.write(data)
            if unpacker.eof and (unpacker.unused_data or source.read(1)):
                raise ServerProtocolError("После снимка сервер прислал лишние данные.")
    if not unpacker.eof:
        raise ServerProtocolError("Снимок с сервера неполон; данные не применены.")
    return unpacked
