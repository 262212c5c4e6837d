"""A small TCP proxy for fault tests: forward, refuse, drop a response, delay, cut, throttle.

It runs its own asyncio loop in a daemon thread, so both in-process async clients and client
subprocesses can talk through it. Faults are switched at run time::

    with FaultProxy("127.0.0.1", server_port) as proxy:
        proxy.drop_response_to("/api/v1/sync/push")   # forward the request, lose the answer
        proxy.refuse = True                            # the server "goes away"
        proxy.delay = 0.5                              # seconds before each response chunk
        proxy.cut_after = 100                          # forward 100 response bytes, then close
        proxy.throttle = 20_000                        # response bytes per second

Every fault acts on the server-to-client direction only (requests always reach the server), which
is what "the server committed but the client never heard" needs.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from types import TracebackType


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class FaultProxy:
    """TCP proxy from ``127.0.0.1:<port>`` to ``upstream_host:upstream_port`` with faults."""

    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.port = free_port()
        self.refuse = False
        self.delay = 0.0
        self.cut_after: int | None = None
        self.throttle: int | None = None
        self.dropped = 0
        self.connections = 0
        self._drop_rules: list[bytes] = []
        self._cut_rules: list[tuple[bytes, int]] = []
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.Server | None = None
        self._thread = threading.Thread(target=self._run, name="fault-proxy", daemon=True)
        self._started = threading.Event()
        self._writers: set[asyncio.StreamWriter] = set()

    @property
    def url(self) -> str:
        """Base URL of the proxy."""
        return f"http://127.0.0.1:{self.port}"

    def drop_response_to(self, path: str, count: int = 1) -> None:
        """Forward the next ``count`` requests whose path starts with ``path``; drop the answers."""
        with self._lock:
            self._drop_rules.extend([path.encode()] * count)

    def cut_response_to(self, path: str, after: int, count: int = 1) -> None:
        """Cut the answers to the next ``count`` requests for ``path`` after ``after`` bytes."""
        with self._lock:
            self._cut_rules.extend([(path.encode(), after)] * count)

    def reset(self) -> None:
        """Back to a plain forwarder."""
        with self._lock:
            self._drop_rules.clear()
            self._cut_rules.clear()
        self.refuse = False
        self.delay = 0.0
        self.cut_after = None
        self.throttle = None

    def close_connections(self) -> None:
        """Break every open connection (as a flaky link would)."""

        def _close() -> None:
            for writer in list(self._writers):
                writer.close()

        self._loop.call_soon_threadsafe(_close)

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> FaultProxy:
        self._thread.start()
        if not self._started.wait(10):
            raise RuntimeError("proxy did not start")
        return self

    def stop(self) -> None:
        async def _shutdown() -> None:
            if self._server is not None:
                self._server.close()
            for writer in list(self._writers):
                writer.close()
            await asyncio.sleep(0)

        if self._thread.is_alive():
            asyncio.run_coroutine_threadsafe(_shutdown(), self._loop).result(10)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
        self._loop.close()

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(
            asyncio.start_server(self._handle, "127.0.0.1", self.port)
        )
        self._started.set()
        self._loop.run_forever()

    # ------------------------------------------------------------------ piping

    def _take_drop_rule(self, chunk: bytes) -> bool:
        with self._lock:
            for rule in self._drop_rules:
                if b" " + rule in chunk.split(b"\r\n", 1)[0]:
                    self._drop_rules.remove(rule)
                    return True
        return False

    def _take_cut_rule(self, chunk: bytes) -> int | None:
        with self._lock:
            for rule in self._cut_rules:
                if b" " + rule[0] in chunk.split(b"\r\n", 1)[0]:
                    self._cut_rules.remove(rule)
                    return rule[1]
        return None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        if self.refuse:
            writer.close()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            writer.close()
            return
        self._writers.update((writer, up_writer))
        pending_drop = asyncio.Event()
        cut_at: list[int] = []  # a per-request cut (cut_response_to) for this connection

        async def client_to_server() -> None:
            while chunk := await reader.read(65536):
                if self._take_drop_rule(chunk):
                    pending_drop.set()
                if (after := self._take_cut_rule(chunk)) is not None:
                    cut_at.append(after)
                up_writer.write(chunk)
                await up_writer.drain()
            up_writer.close()

        async def server_to_client() -> None:
            sent = 0
            while chunk := await up_reader.read(65536):
                if pending_drop.is_set():
                    # The server answered (so it committed); the client never hears it.
                    self.dropped += 1
                    break
                if self.delay:
                    await asyncio.sleep(self.delay)
                limit = cut_at[0] if cut_at else self.cut_after
                if limit is not None:
                    chunk = chunk[: max(0, limit - sent)]
                if self.throttle:
                    for i in range(0, len(chunk), 1024):
                        writer.write(chunk[i : i + 1024])
                        await writer.drain()
                        await asyncio.sleep(1024 / self.throttle)
                else:
                    writer.write(chunk)
                    await writer.drain()
                sent += len(chunk)
                if limit is not None and sent >= limit:
                    break
            writer.close()
            up_writer.close()

        tasks = [
            asyncio.ensure_future(client_to_server()),
            asyncio.ensure_future(server_to_client()),
        ]
        with contextlib.suppress(Exception):
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(BaseException):
                await task
        for w in (writer, up_writer):
            w.close()
            self._writers.discard(w)
