"""Request body size limit (ASGI middleware): oversized bodies get 413 with a reason."""

from __future__ import annotations

import json
import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)


def _too_large_body(limit: int) -> bytes:
    detail = f"Слишком большой запрос: допускается не более {limit // (1024 * 1024)} МиБ"
    return json.dumps({"detail": detail}, ensure_ascii=False).encode("utf-8")


class BodySizeLimitMiddleware:
    """Refuse request bodies over ``max_bytes``: by Content-Length, or while streaming."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    await self._reply(send, 400, b'{"detail": "Invalid Content-Length"}')
                    return
                if declared > self.max_bytes:
                    await self._reply(send, 413, _too_large_body(self.max_bytes))
                    return
        received = 0
        exceeded = False
        replied = False

        async def limited_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    exceeded = True
                    # Stop feeding the app: it sees an empty, finished body.
                    return {"type": "http.request", "body": b"", "more_body": False}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal replied
            if not exceeded:
                await send(message)
                return
            if not replied:
                replied = True
                await self._reply(send, 413, _too_large_body(self.max_bytes))

        await self.app(scope, limited_receive, guarded_send)

    @staticmethod
    async def _reply(send: Send, status: int, body: bytes) -> None:
        log.info("request refused with %d", status)
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json; charset=utf-8"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
