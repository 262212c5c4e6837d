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
from typing import Any, BinaryIO, TypeVar

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
        """Download the first-sync snapshot, unpacked, into ``target``; ``None`` without one.

        ``None`` when the server has no snapshot of this format (404: an older server); the
        caller then pulls pages. A cut download, a body that is not complete gzip, or one that
        unpacks to more than :data:`SNAPSHOT_MAX_RATIO` times its size raises
        :class:`ServerProtocolError`; ``target`` is then removed. Unpacked as it arrives, a
        block at a time (no whole file in memory).
        """
        headers = {**self._headers(), "Accept": snapshot_contract.MEDIA_TYPE}
        request = self._client.build_request(
            "GET", SNAPSHOT_PATH, params={"format": snapshot_contract.FORMAT}, headers=headers
        )
        try:
            response = await self._client.send(request, stream=True)
        except httpx.TimeoutException as exc:
            raise NetworkError("Сервер не ответил вовремя.") from exc
        except httpx.TransportError as exc:
            raise NetworkError("Нет связи с сервером.") from exc
        complete = False
        try:
            if response.status_code == 404:
                log.info("the server has no snapshot of format %d", snapshot_contract.FORMAT)
                return None
            if response.status_code != 200:
                await response.aread()
                self._raise_for_status(response)
            media = response.headers.get("content-type", "").partition(";")[0].strip()
            try:
                cursor = int(response.headers[snapshot_contract.HEADER_CURSOR])
                incidents = int(response.headers[snapshot_contract.HEADER_ROWS])
            except (KeyError, ValueError) as exc:
                raise ServerProtocolError("Сервер прислал снимок без курсора.") from exc
            if media != snapshot_contract.MEDIA_TYPE or cursor < 0 or incidents < 0:
                raise ServerProtocolError("Сервер прислал снимок в неизвестном виде.")
            head = await self._unpack(response, target, cursor, incidents)
            complete = True
            return head
        except httpx.TransportError as exc:
            log.warning("snapshot download cut (%s)", type(exc).__name__)
            raise ServerProtocolError(
                "Загрузка снимка оборвалась на середине; данные не применены."
            ) from exc
        finally:
            self.bytes_received += response.num_bytes_downloaded
            await response.aclose()
            if not complete:
                await asyncio.to_thread(target.unlink, missing_ok=True)

    async def _unpack(
        self, response: httpx.Response, target: Path, cursor: int, incidents: int
    ) -> SnapshotHead:
        """Unpack the body into ``target`` as it arrives, a megabyte at a time in a thread.

        Not on the event loop: writing hundreds of megabytes while the store writes its own
        can block in the kernel for a tenth of a second (dirty-page throttling).
        """
        unpacker = zlib.decompressobj(wbits=31)  # gzip framing
        sizes = [0, 0]  # packed, unpacked

        def unpack(blocks: list[bytes], out: BinaryIO) -> None:
            for block in blocks:
                sizes[0] += len(block)
                try:
                    data = unpacker.decompress(block)
                except zlib.error as exc:
                    raise ServerProtocolError("Снимок с сервера повреждён (не gzip).") from exc
                sizes[1] += len(data)
                if sizes[1] > SNAPSHOT_MAX_RATIO * sizes[0] + (1 << 20):
                    raise ServerProtocolError("Снимок с сервера распаковывается в слишком много.")
                out.write(data)
                if unpacker.eof and unpacker.unused_data:
                    raise ServerProtocolError("После снимка сервер прислал лишние данные.")

        with target.open("wb") as out:
            pending: list[bytes] = []
            size = 0
            async for block in response.aiter_raw():
                pending.append(block)
                size += len(block)
                if size >= _UNPACK_BATCH:
                    await asyncio.to_thread(unpack, pending, out)
                    pending, size = [], 0
            await asyncio.to_thread(unpack, pending, out)
        if not unpacker.eof:
            raise ServerProtocolError(
                "Загрузка снимка оборвалась на середине; данные не применены."
            )
        return SnapshotHead(target, cursor, incidents, sizes[0])

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
