"""The window's asyncio loop: qasync's ``QEventLoop`` whose thread-safe path touches no Qt.

qasync's ``call_soon_threadsafe`` emits a Qt signal (``Signal(object, tuple)``) from the
calling thread. Every database read and write (``asyncio.wrap_future`` over the reader and
writer pools), every ``asyncio.to_thread`` and every ``run_in_executor`` ends in that call, on
a worker thread. PySide6 ≥ 6.8 crashes now and then when a signal is emitted from a thread Qt
did not start while the GUI thread runs Qt code (PYSIDE-3124; the window died with exit 139
after a background sync, its GUI thread inside ``QCoreApplication.translate``). PySide releases
the GIL inside Qt calls, so the two threads really run Qt at the same time.

:class:`GuiEventLoop` replaces that one method. A worker appends an ``asyncio.Handle`` to a
``deque`` and, if no wake-up is already pending, writes one byte into a socket pair; the GUI
thread watches the other end with a ``QSocketNotifier`` (created on the GUI thread, as every Qt
object here) and runs the queued handles in order. A worker thread therefore calls only
``deque.append``, ``Lock.acquire`` and ``socket.send``: no Qt at all.

Wake-ups are coalesced: the "pending" token is a ``threading.Lock`` taken without blocking by
the thread that writes the byte and released by the GUI thread after reading it, so at most one
byte is in flight however many callbacks arrive. Nothing here blocks, so the method is safe in
a Python signal handler too. A worker that appends after the GUI thread released the token
writes a new byte; one that appends while the token is held is drained by the pass that
follows the release (see :meth:`GuiEventLoop._on_wake`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextvars import Context
from typing import Any

import qasync
from PySide6.QtCore import QCoreApplication, QSocketNotifier

from cur_desktop.storage.thread_priority import lower_this_thread

log = logging.getLogger(__name__)


class GuiEventLoop(qasync.QEventLoop):  # type: ignore[misc]  # qasync has no type hints
    """qasync's loop with a Qt-free ``call_soon_threadsafe`` (queue + self-pipe wake-up).

    Create it on the GUI thread, like ``qasync.QEventLoop``. Callbacks scheduled from any
    thread run on the GUI thread exactly once, in the order each thread scheduled them, the
    next time Qt's event loop turns. ``close()`` drops callbacks that never ran (as asyncio
    drops its ready queue) and closes the socket pair; later calls raise ``RuntimeError``.
    """

    def __init__(
        self, app: QCoreApplication | None = None, *, already_running: bool = False
    ) -> None:
        self._wake_queue: deque[asyncio.Handle] = deque()
        self._wake_token = threading.Lock()
        self._wake_closed = False
        self._wake_in, self._wake_out = socket.socketpair()
        self._wake_in.setblocking(False)
        self._wake_out.setblocking(False)
        super().__init__(app, already_running=already_running)
        # ``asyncio.to_thread`` and ``run_in_executor(None, …)``: plain threads (they call no
        # Qt), at a lower priority than the GUI thread once the window enabled it
        # (storage/thread_priority.py), instead of qasync's QThreads
        self.set_default_executor(
            ThreadPoolExecutor(thread_name_prefix="loop-worker", initializer=lower_this_thread)
        )
        self._wake_notifier: QSocketNotifier | None = QSocketNotifier(
            self._wake_in.fileno(), QSocketNotifier.Type.Read
        )
        self._wake_notifier.activated.connect(self._on_wake)
        self._wake_notifier.setEnabled(True)

    def call_soon_threadsafe(
        self, callback: Callable[..., object], *args: Any, context: Context | None = None
    ) -> asyncio.Handle:
        """Schedule ``callback(*args)`` on the GUI thread from any thread; no Qt call here."""
        if self._wake_closed:
            raise RuntimeError("Event loop is closed")
        handle = asyncio.Handle(callback, args, self, context=context)
        self._wake_queue.append(handle)
        if self._wake_token.acquire(blocking=False):
            try:
                self._wake_out.send(b"\0")
            except OSError:
                # closed meanwhile (close() drops the queue), or the buffer is full, which
                # cannot happen with one byte in flight; either way nobody is left to wake
                log.debug("wake-up byte not written", exc_info=True)
        return handle

    def _on_wake(self, *_args: object) -> None:
        """GUI thread: the socket is readable; run the callbacks queued so far, in order."""
        got = 0
        while True:
            try:
                chunk = self._wake_in.recv(4096)
            except (BlockingIOError, InterruptedError):
                break
            except OSError:
                return
            if not chunk:
                break
            got += len(chunk)
        if got:
            # the byte is consumed: the next append wakes us again; everything appended
            # before this point is in the queue and is run below
            with contextlib.suppress(RuntimeError):
                self._wake_token.release()
        # run only what is queued now: callbacks queued while these run come with their own
        # byte, so a busy worker cannot keep the GUI thread here forever
        for _ in range(len(self._wake_queue)):
            try:
                handle = self._wake_queue.popleft()
            except IndexError:  # a nested event loop inside a callback ran the rest
                break
            if not handle.cancelled():
                handle._run()

    def close(self) -> None:
        """Close as qasync does, then stop the wake-ups and drop callbacks that never ran."""
        if self.is_running():
            raise RuntimeError("Cannot close a running event loop")
        if self._wake_closed:
            return
        # qasync waits here for its default executor's threads; their last results still
        # queue (and are dropped below, as asyncio drops its ready queue on close)
        super().close()
        self._wake_closed = True
        notifier, self._wake_notifier = self._wake_notifier, None
        if notifier is not None:
            notifier.setEnabled(False)
            notifier.activated.disconnect(self._on_wake)
        self._wake_queue.clear()
        self._wake_out.close()
        self._wake_in.close()


__all__ = ["GuiEventLoop"]
