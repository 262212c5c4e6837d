"""Stop the server when the process that started it is gone (``serve --exit-with-stdin``).

The demo's embedded server is a child of the window (or of ``cur-desktop --demo --headless``).
When that parent is killed or crashes it cannot stop its child, and the server used to run on
as an orphan. The parent therefore starts the server with a pipe on its standard input and keeps
the write end; nothing is ever written. When the parent dies, for whatever reason, the kernel
closes that end and the server's read returns end-of-file: a daemon thread then sends the server
SIGTERM, so uvicorn shuts down as on a normal stop. This works on every platform (Windows too)
and needs no polling; the parent's ordinary stop (terminate) is unchanged.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


def _terminate_self() -> None:
    os.kill(os.getpid(), signal.SIGTERM)


def _wait_for_eof(fd: int, on_eof: Callable[[], None]) -> None:
    while True:
        try:
            data = os.read(fd, 4096)
        except InterruptedError:  # pragma: no cover (retried by Python since 3.5)
            continue
        except OSError as exc:
            log.warning("standard input unreadable (%s): stopping as if the parent were gone", exc)
            break
        if not data:
            break
    log.info("the parent process is gone (standard input closed): stopping the server")
    on_eof()


def exit_with_stdin(fd: int = 0, on_eof: Callable[[], None] = _terminate_self) -> threading.Thread:
    """Start a daemon thread that calls ``on_eof`` (default: SIGTERM to self) at EOF on ``fd``."""
    thread = threading.Thread(
        target=_wait_for_eof, args=(fd, on_eof), name="parent-watch", daemon=True
    )
    thread.start()
    return thread


__all__ = ["exit_with_stdin"]
