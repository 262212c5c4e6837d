"""Reads the window's lists need, run off the GUI thread on a small pool of reader threads.

Each reader thread owns its own connection to the local store (SQLite in WAL mode: readers
never block the single writer, and each read sees one consistent snapshot). Every method is a
coroutine: the event loop (the window) never waits on SQL.

* :meth:`WindowReads.view_keys` — row keys of a saved view (or a search) in display order;
* :meth:`WindowReads.rows` — the list rows of some keys (a page of the visible window);
* :meth:`WindowReads.view_counts` — how many incidents each saved view holds;
* :meth:`WindowReads.keys_of` — row keys of incidents named by id (after a change event);
* :meth:`WindowReads.reference` — municipalities, executors and topics for dropdowns.
"""

from __future__ import annotations

import asyncio
import logging
import re
import threading
from array import array
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, select

from cur_desktop.reference.data import load_topics
from cur_desktop.services.saved_views import SavedView, view_filter
from cur_desktop.storage import inbox_window
from cur_desktop.storage.inbox import InboxFilter, InboxSort
from cur_desktop.storage.search import query_stems, stem_words
from cur_desktop.storage.tables import executor_table, municipality_table

log = logging.getLogger(__name__)

T = TypeVar("T")
SEARCH_LIMIT = 500
_WORD = re.compile(r"[^\W_]+")
"""Best full-text matches a search shows."""


@dataclass(frozen=True, slots=True)
class ViewKeys:
    """Row keys of a view in display order; ``snippets`` for search results (by key)."""

    keys: array[int]
    snippets: Mapping[int, str] = field(default_factory=dict)
    stems: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Reference:
    """Names for codes and ids shown in lists and dropdowns."""

    municipalities: Mapping[str, str]
    executors: Mapping[str, str]
    topics: Mapping[str, str]


class WindowReads:
    """Reader pool over one store engine (see the module docstring)."""

    def __init__(self, engine: Engine, *, workers: int = 2) -> None:
        self._engine = engine
        self._local = threading.local()
        self._conns: list[Connection] = []
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="db-reader")

    def _conn(self) -> Connection:
        conn: Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._engine.connect()
            self._local.conn = conn
            with self._lock:
                self._conns.append(conn)
        return conn

    def _read(self, fn: Callable[[Connection], T]) -> T:
        conn = self._conn()
        with conn.begin():  # one snapshot per read
            return fn(conn)

    async def run(self, fn: Callable[[Connection], T]) -> T:
        """Run ``fn(conn)`` in one read transaction on a reader thread."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, self._read, fn)

    def run_sync(self, fn: Callable[[Connection], T]) -> T:
        """Run ``fn(conn)`` on a reader thread and wait (tests and start-up only)."""
        return self._pool.submit(self._read, fn).result()

    # ------------------------------------------------------------------ reads

    async def view_keys(
        self,
        view: SavedView,
        *,
        login: str,
        sort: InboxSort,
        extra: InboxFilter | None = None,
        query: str = "",
        now: datetime | None = None,
    ) -> ViewKeys:
        """Keys of ``view`` (narrowed by ``extra``); with ``query`` the best text matches."""
        flt = view_filter(view, login=login, now=now or datetime.now(UTC), extra=extra)
        if query.strip():
            keys, snippets = await self.run(
                partial(inbox_window.search_keys, query=query, flt=flt, limit=SEARCH_LIMIT)
            )
            return ViewKeys(keys=keys, snippets=snippets, stems=tuple(query_stems(query)))
        keys = await self.run(partial(inbox_window.view_keys, flt=flt, sort=sort))
        return ViewKeys(keys=keys)

    async def rows(self, keys: Sequence[int]) -> dict[int, dict[str, Any]]:
        """The list rows of ``keys``."""
        return await self.run(partial(inbox_window.rows_by_keys, keys=list(keys)))

    async def view_counts(
        self, *, login: str, extra: InboxFilter | None = None, now: datetime | None = None
    ) -> dict[SavedView, int]:
        """How many incidents each saved view holds (with the extra filters applied)."""
        at = now or datetime.now(UTC)

        def counts(conn: Connection) -> dict[SavedView, int]:
            return {
                v: inbox_window.count(conn, view_filter(v, login=login, now=at, extra=extra))
                for v in SavedView
            }

        return await self.run(counts)

    async def keys_of(self, incident_ids: Iterable[str]) -> dict[str, int]:
        """Row keys of incidents given by id."""
        return await self.run(partial(inbox_window.keys_of_ids, incident_ids=list(incident_ids)))

    async def reference(self) -> Reference:
        """Municipality, executor and topic names."""

        def read(conn: Connection) -> Reference:
            places = {
                str(r[0]): str(r[1])
                for r in conn.execute(select(municipality_table.c.id, municipality_table.c.name))
            }
            bodies = {
                str(r[0]): str(r[1])
                for r in conn.execute(select(executor_table.c.id, executor_table.c.name))
            }
            topics = {t.code: t.name_ru for t in load_topics()}
            return Reference(municipalities=places, executors=bodies, topics=topics)

        return await self.run(read)

    def close(self) -> None:
        """Stop the reader threads and close their connections."""
        self._pool.shutdown(wait=True)
        with self._lock:
            for conn in self._conns:
                conn.close()
            self._conns.clear()


def match_spans(text: str, stems: Sequence[str]) -> list[tuple[int, int]]:
    """Character spans of the words of ``text`` whose Russian stem is among ``stems``."""
    if not stems:
        return []
    wanted = set(stems)
    found = list(_WORD.finditer(text))
    word_stems = stem_words(m.group().lower().replace("ё", "е") for m in found)
    return [(m.start(), m.end()) for m, s in zip(found, word_stems, strict=True) if s in wanted]


__all__ = ["SEARCH_LIMIT", "Reference", "ViewKeys", "WindowReads", "match_spans"]
