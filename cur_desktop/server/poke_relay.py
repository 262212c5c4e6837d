"""Pokes across server processes: PostgreSQL ``LISTEN``/``NOTIFY`` behind :class:`PokeBroker`.

With several server processes on one PostgreSQL database (``cur-server serve --workers N``, or
several hosts), a change committed through one process must wake the SSE subscribers of every
process. :class:`RelayedPokeBroker` sends ``NOTIFY cur_poke, '<regions>'`` instead of waking its
own subscribers; a listener thread per process (``LISTEN cur_poke``, its own connection) wakes
the local subscribers for every notification, its own process's included, so there is one path
for all. PostgreSQL delivers a notification only after the sender's transaction commits; the
push and ingestion endpoints poke after their commits anyway.

Faults: when the notifying connection fails, the poke is delivered locally (the subscribers of
this process are still woken; the others catch up on their timer, as the client's poll does)
and the connection is reopened on the next poke; the listener reconnects with a back-off and
pokes every local subscriber after a reconnect (notifications sent while it was away are lost,
and a spurious pull is cheap). SQLite servers are single-process and use the plain broker.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterable

import psycopg

from cur_desktop.server.poke import PokeBroker

log = logging.getLogger(__name__)

CHANNEL = "cur_poke"


class RelayedPokeBroker(PokeBroker):
    """A :class:`PokeBroker` whose pokes travel through PostgreSQL to every process."""

    def __init__(self, dsn: str, *, reconnect_seconds: float = 1.0) -> None:
        super().__init__()
        self._dsn = dsn
        self._reconnect_seconds = reconnect_seconds
        self._send_lock = threading.Lock()
        self._sender: psycopg.Connection[tuple[object, ...]] | None = None
        self._stop = threading.Event()
        self._listening = threading.Event()
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ sending

    def poke(self, regions: Iterable[str]) -> None:
        """Notify every process (this one included) that ``regions`` changed."""
        regions = sorted(set(regions))
        if not regions:
            return
        payload = ",".join(regions)
        with self._send_lock:
            try:
                if self._sender is None or self._sender.closed:
                    self._sender = psycopg.connect(self._dsn, autocommit=True)
                self._sender.execute("SELECT pg_notify(%s, %s)", (CHANNEL, payload))
                return
            except psycopg.Error as exc:
                log.warning("poke relay: NOTIFY failed (%s); local subscribers only", exc)
                self._close_sender()
        self.poke_local(regions)

    def poke_local(self, regions: Iterable[str]) -> None:
        """Wake this process's subscribers only."""
        super().poke(regions)

    def _close_sender(self) -> None:
        if self._sender is not None:
            with contextlib.suppress(psycopg.Error):
                self._sender.close()
            self._sender = None

    # ------------------------------------------------------------------ listening

    def start(self) -> None:
        """Start the listener thread (idempotent)."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._listen, name="poke-listener", daemon=True)
        self._thread.start()

    def wait_listening(self, timeout: float) -> bool:
        """Block until the listener is subscribed (for start-up and tests)."""
        return self._listening.wait(timeout)

    def stop(self) -> None:
        """Stop the listener and close the connections."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        with self._send_lock:
            self._close_sender()

    def _listen(self) -> None:
        while not self._stop.is_set():
            try:
                with psycopg.connect(self._dsn, autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self._listening.set()
                    log.info("poke relay: listening on %s", CHANNEL)
                    self.poke_local_all()  # whatever was missed while not listening
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=0.5):
                            self.poke_local(p for p in note.payload.split(",") if p)
            except psycopg.Error as exc:
                self._listening.clear()
                log.warning("poke relay: listener lost its connection (%s); reconnecting", exc)
                self._stop.wait(self._reconnect_seconds)

    def poke_local_all(self) -> None:
        """Wake every local subscriber (after a reconnect of the listener)."""
        with self._lock:
            subscribers = list(self._subscribers.values())
        for sub in subscribers:
            try:
                sub.loop.call_soon_threadsafe(sub.wake.set)
            except RuntimeError:  # pragma: no cover - the subscriber is going away
                log.debug("poke to a closed loop skipped")
