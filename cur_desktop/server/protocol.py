"""The protocol-version check of the server (ASGI middleware).

Every answer carries ``X-Cur-Protocol: <server version>``. A request whose
``X-Cur-Protocol`` is below ``min_client`` (no header: version 1) is answered
``426 Upgrade Required`` with a Russian ``detail`` before any endpoint runs; a header that is
not a positive integer is a 400. ``/api/v1/health`` is always answered (monitoring needs no
version). See :mod:`cur_desktop.contract.protocol`.
"""

from __future__ import annotations

import json
import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cur_desktop.contract.protocol import (
    MIN_CLIENT_PROTOCOL,
    PROTOCOL_HEADER,
    PROTOCOL_VERSION,
    UNVERSIONED,
    too_old_message,
)
from cur_desktop.contract.wire import API_PREFIX

log = logging.getLogger(__name__)

_HEADER = PROTOCOL_HEADER.lower().encode("latin-1")
_EXEMPT = (f"{API_PREFIX}/health",)


class ProtocolVersionMiddleware:
    """Refuse clients below ``min_client``; stamp the server's version on every answer."""

    def __init__(self, app: ASGIApp, *, min_client: int = MIN_CLIENT_PROTOCOL) -> None:
        self.app = app
        self.min_client = min_client

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        stamp = (_HEADER, str(PROTOCOL_VERSION).encode("latin-1"))

        async def stamped(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), stamp]
            await send(message)

        if scope.get("path", "") not in _EXEMPT:
            raw = dict(scope.get("headers", [])).get(_HEADER)
            refusal = self._refusal(raw)
            if refusal is not None:
                status, detail = refusal
                body = json.dumps({"detail": detail}, ensure_ascii=False).encode()
                await stamped(
                    {
                        "type": "http.response.start",
                        "status": status,
                        "headers": [
                            (b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, stamped)

    def _refusal(self, raw: bytes | None) -> tuple[int, str] | None:
        if raw is None:
            version = UNVERSIONED
        else:
            try:
                version = int(raw.decode("latin-1").strip())
            except ValueError:
                version = 0
            if version < 1:
                return 400, f"Заголовок {PROTOCOL_HEADER} должен быть целым числом ≥ 1"
        if version < self.min_client:
            log.info("client protocol %d refused (minimum %d)", version, self.min_client)
            return 426, too_old_message(version, self.min_client)
        return None
