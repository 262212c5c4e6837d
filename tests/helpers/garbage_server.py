"""An HTTP server that answers with whatever bytes a test sets: the hostile-server case.

Not a stand-in for ``cur-server`` behaviour: it plays a broken or malicious server, which the
real one cannot be made to be. Runs in a daemon thread on a free loopback port.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType


class GarbageServer:
    """Answers every request with ``status`` and ``body`` (and ``declared_length`` if set)."""

    def __init__(self) -> None:
        self.status = 200
        self.body = b"{}"
        self.declared_length: int | None = None
        self.requests: list[str] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                owner.requests.append(f"{self.command} {self.path}")
                self.send_response(owner.status)
                self.send_header("Content-Type", "application/json")
                declared = owner.declared_length or len(owner.body)
                self.send_header("Content-Length", str(declared))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(owner.body)
                self.close_connection = True

            do_GET = _answer  # noqa: N815 - http.server's naming
            do_POST = _answer  # noqa: N815

            def log_message(self, format: str, *args: object) -> None:
                return

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> GarbageServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(10)
