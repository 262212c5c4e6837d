"""The pure model behind the inbox list: row keys of a view and a small cache of row pages.

It knows nothing of Qt and nothing of SQL. It holds:

* a snapshot of the row keys (local row ids) of the current view in display order;
* a least-recently-used cache of pages of rows (``page_size`` rows each, at most
  ``max_pages`` pages);
* which pages are wanted (a row was asked for and is not cached) and which are being fetched.

``row(i)`` answers from the cache or returns ``None`` and records the page as wanted: it never
waits. The owner (the Qt model) fetches the wanted pages off the GUI thread and hands them to
:meth:`store_page` together with the ``generation`` they were asked under; pages of an older
snapshot are dropped. On a "what changed" event the owner calls :meth:`forget_keys`, which drops
only the cached pages holding those keys and tells which display rows to repaint, and then shows
the view's new keys with :meth:`refresh`. Neither blanks a row: the rows dropped are kept aside
as *stale*, and :meth:`stale_row` gives them to show until their page is read again.
"""

from __future__ import annotations

import logging
import sys
from array import array
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from typing import Any

log = logging.getLogger(__name__)

FEW_KEYS = 16
"""Up to this many keys are looked up by searching the keys; more build a reverse index."""

Row = Mapping[str, Any]


class InboxPager:
    """Row keys of one view plus an LRU cache of row pages (see the module docstring)."""

    def __init__(self, page_size: int = 100, max_pages: int = 12) -> None:
        if page_size <= 0 or max_pages <= 0:
            raise ValueError("page_size and max_pages must be positive")
        self.page_size = page_size
        self.max_pages = max_pages
        self.generation = 0
        self._keys: array[int] = array("q")
        self._pages: OrderedDict[int, dict[int, Row]] = OrderedDict()
        self._wanted: set[int] = set()
        self._in_flight: set[int] = set()
        self._stale: dict[int, Row] = {}  # key -> a row dropped but not yet read again
        self._bytes: bytes | None = None  # the keys as bytes, for a C-speed search
        self._index: array[int] | None = None  # key -> display row (-1: not in the view)

    # ------------------------------------------------------------------ keys

    def reset(self, keys: array[int]) -> None:
        """Show a new snapshot of keys: the cache, wishes and fetches in flight are dropped."""
        self._keys = keys
        self._pages.clear()
        self._wanted.clear()
        self._in_flight.clear()
        self._stale = {}
        self._index = None
        self._bytes = None
        self.generation += 1

    def refresh(self, keys: array[int]) -> None:
        """Show a refreshed snapshot of the same view: like :meth:`reset`, but the rows cached
        so far stay shown (stale) until their pages are read again, so the list does not blank
        while a change is read."""
        stale = self._stale
        for page in self._pages.values():
            stale.update(page)
        self.reset(keys)
        self._stale = stale
        self._trim_stale()

    def _trim_stale(self) -> None:
        """Keep no more stale rows than the cache holds (the oldest go first)."""
        limit = self.page_size * self.max_pages
        while len(self._stale) > limit:
            del self._stale[next(iter(self._stale))]

    def continues(self, keys: array[int]) -> bool:
        """Whether ``keys`` start with the current keys (the rest of a view whose head is shown)."""
        head = len(self._keys)
        return len(keys) >= head and keys[:head] == self._keys

    def extend_keys(self, keys: array[int]) -> None:
        """Show ``keys``, which :meth:`continue <continues>` the current ones: cached pages stay
        (they hold the same rows; the head's last, partial page keeps showing its rows and is
        read again when one of its new rows is asked for), and pages in flight are asked again
        (a new generation)."""
        if not self.continues(keys):
            raise ValueError("keys do not continue the current snapshot")
        if self._in_flight:  # pages asked under the head's keys would come back short
            self.generation += 1
            self._in_flight.clear()
        self._keys = keys
        self._index = None
        self._bytes = None

    @property
    def row_count(self) -> int:
        """Rows of the current view."""
        return len(self._keys)

    def key_at(self, row: int) -> int:
        """The key shown in display row ``row``."""
        return self._keys[row]

    def row_of_key(self, key: int) -> int | None:
        """The display row of ``key`` in the current snapshot (``None``: not in the view).

        A few lookups search the keys' bytes (``bytes.find``: about a millisecond through a
        million keys, no index); :meth:`rows_of_keys` builds an index when asked for many.
        """
        if self._index is not None:
            found = self._index[key] if 0 <= key < len(self._index) else -1
            return None if found < 0 else found
        if self._bytes is None:
            self._bytes = self._keys.tobytes()
        needle = key.to_bytes(self._keys.itemsize, sys.byteorder, signed=True)
        start = 0
        while (pos := self._bytes.find(needle, start)) != -1:
            if pos % self._keys.itemsize == 0:
                return pos // self._keys.itemsize
            start = pos + 1
        return None

    def rows_of_keys(self, keys: Iterable[int]) -> dict[int, int]:
        """Display rows of those ``keys`` that are in the view.

        For more than :data:`FEW_KEYS` keys, a reverse index (4 bytes per possible key, built
        once per snapshot) is made; a dict of a million keys took about 100 MB.
        """
        wanted = list(keys)
        if len(wanted) > FEW_KEYS and self._index is None and self._keys:
            index = array("l", [-1]) * (max(self._keys) + 1)
            for row, key in enumerate(self._keys):
                index[key] = row
            self._index = index
        rows = {key: self.row_of_key(key) for key in wanted}
        return {key: row for key, row in rows.items() if row is not None}

    # ------------------------------------------------------------------ rows

    def page_of(self, row: int) -> int:
        """The page index holding display row ``row``."""
        return row // self.page_size

    def keys_of_page(self, page: int) -> list[int]:
        """The keys of page ``page`` of the current snapshot."""
        start = page * self.page_size
        return list(self._keys[start : start + self.page_size])

    def row(self, row: int) -> Row | None:
        """The cached row shown at ``row``, or ``None`` (its page is then marked wanted)."""
        if not 0 <= row < len(self._keys):
            return None
        page = self.page_of(row)
        cached = self._pages.get(page)
        if cached is not None:
            self._pages.move_to_end(page)
            found = cached.get(self._keys[row])
            if found is None and page not in self._in_flight:
                self._wanted.add(page)  # a page cached short (the head's last): read it again
            return found
        if page not in self._in_flight:
            self._wanted.add(page)
        return None

    def stale_row(self, row: int) -> Row | None:
        """What ``row`` showed before its page was dropped (see :meth:`refresh`), to show
        until :meth:`row` has it again; ``None`` if nothing."""
        return self._stale.get(self._keys[row]) if 0 <= row < len(self._keys) else None

    def take_wanted(self) -> list[int]:
        """Pages to fetch now (marked in flight); nearest to the most recent wish first."""
        pages = sorted(self._wanted)
        self._wanted.clear()
        self._in_flight.update(pages)
        return pages

    def store_page(self, generation: int, page: int, rows: Mapping[int, Row]) -> range | None:
        """Cache a fetched page; return its display rows, or ``None`` if it is stale."""
        self._in_flight.discard(page)
        if generation != self.generation:
            return None
        wanted_keys = set(self.keys_of_page(page))
        self._pages[page] = {k: r for k, r in rows.items() if k in wanted_keys}
        if self._stale:
            for key in wanted_keys:
                self._stale.pop(key, None)
        self._pages.move_to_end(page)
        while len(self._pages) > self.max_pages:
            self._pages.popitem(last=False)
        start = page * self.page_size
        return range(start, min(start + self.page_size, len(self._keys)))

    def forget_in_flight(self, page: int) -> None:
        """A fetch of ``page`` was abandoned: it may be wanted again."""
        self._in_flight.discard(page)

    def forget_keys(self, keys: Iterable[int]) -> list[int]:
        """Drop the cached pages holding ``keys``; return the display rows to refetch and
        repaint. The pages' rows stay shown (stale) until the pages are read again.

        Only the cached pages are looked at (at most ``max_pages × page_size`` keys): a sync
        page of a thousand changes costs no lookup through the whole view.
        """
        changed = set(keys)
        rows: list[int] = []
        for page in list(self._pages):
            start = page * self.page_size
            page_keys = self._keys[start : start + self.page_size]
            hits = [start + offset for offset, key in enumerate(page_keys) if key in changed]
            if hits:
                self._stale.update(self._pages.pop(page))
                rows.extend(hits)
        self._trim_stale()
        return sorted(rows)

    def cached_keys_of_ids(self, incident_ids: Iterable[str]) -> list[int]:
        """Keys of the cached rows of these incidents (rows not cached need no repaint: a
        change event costs no store read, only a look at the cached pages)."""
        wanted = set(incident_ids)
        return [
            key
            for page in self._pages.values()
            for key, row in page.items()
            if str(row.get("id")) in wanted
        ]

    def cached_rows(self) -> int:
        """How many rows the cache holds (for tests and diagnostics)."""
        return sum(len(p) for p in self._pages.values())


__all__ = ["InboxPager", "Row"]
