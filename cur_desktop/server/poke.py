"""The "pull now" poke stream (``GET /api/v1/sync/events``, Server-Sent Events).

Data-free: a subscriber learns only that something changed in a region it can read, and pulls.
Pokes are coalesced (one pending poke per subscriber). Writers run in worker threads, so
:meth:`PokeBroker.poke` is thread-safe and hands the wake-up to each subscriber's event loop.
Single process only: several server processes would need PostgreSQL LISTEN/NOTIFY.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import threading
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass

from cur_desktop.server.auth import Caller

log = logging.getLogger(__name__)

POKE_EVENT = "event: poke\ndata: {}\n\n"
HEARTBEAT = ": heartbeat\n\n"


@dataclass
class _Subscriber:
    caller: Caller
    loop: asyncio.AbstractEventLoop
    wake: asyncio.Event


class PokeBroker:
    """Fan-out of "something changed in region X" to the SSE subscribers who may see X."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ids = itertools.count()
        self._subscribers: dict[int, _Subscriber] = {}

    @property
    def subscriber_count(self) -> int:
        """How many streams are open."""
        with self._lock:
            return len(self._subscribers)

    def poke(self, regions: Iterable[str]) -> None:
        """Wake every subscriber that can read one of ``regions`` (callable from any thread)."""
        regions = set(regions)
        if not regions:
            return
        with self._lock:
            targets = [
                s for s in self._subscribers.values() if any(s.caller.can_read(r) for r in regions)
            ]
        for sub in targets:
            try:
                sub.loop.call_soon_threadsafe(sub.wake.set)
            except RuntimeError:  # the subscriber's loop is closed: it is going away
                log.debug("poke to a closed loop skipped")

    async def stream(
        self,
        caller: Caller,
        *,
        heartbeat_seconds: float,
        is_disconnected: Callable[[], object] | None = None,
    ) -> AsyncIterator[str]:
        """SSE text for one subscriber: a first comment, pokes, and heartbeat comments."""
        sub = _Subscriber(caller, asyncio.get_running_loop(), asyncio.Event())
        key = next(self._ids)
        with self._lock:
            self._subscribers[key] = sub
        log.info("events stream opened for %s", caller.login)
        try:
            yield "retry: 5000\n: connected\n\n"
            while True:
                try:
                    await asyncio.wait_for(sub.wake.wait(), timeout=heartbeat_seconds)
                except TimeoutError:
                    yield HEARTBEAT
                    continue
                sub.wake.clear()
                yield POKE_EVENT
        finally:
            with self._lock:
                self._subscribers.pop(key, None)
            log.info("events stream closed for %s", caller.login)
