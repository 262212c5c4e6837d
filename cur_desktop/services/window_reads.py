"""What the window's lists read, built on the :class:`Workstation`'s reads (no SQL here).

The window's list model holds a compact snapshot of row keys for the current view and fetches
the visible window of rows by key (:meth:`Workstation.inbox_snapshot` /
:meth:`Workstation.inbox_rows`, on the workstation's reader pool: the event loop never waits
on SQL). This module adds what the window's lists need on top:

* :meth:`WindowReads.view_keys` — the keys of a saved view narrowed by the filter bar, or of a
  full-text search (best matches first, with a snippet around the first match);
* :meth:`WindowReads.rows` — list rows as plain mappings (what the Qt model reads);
* :meth:`WindowReads.view_counts` — how many incidents each saved view holds;
* :meth:`WindowReads.unread_counts` — how many of them are unread (Мои and Новые only);
* :meth:`WindowReads.keys_of` — row keys of incidents named by id (after a change event);
* :meth:`WindowReads.reference` — municipality, executor and topic names for the dropdowns;
* :func:`match_spans` — where the search's words occur in a text (highlighting).

Operator's marks (docs/WINDOW.md): each row carries ``unread`` and ``remind_at`` (the
logged-in user's reminder, if any); Мои also lists, first, the incidents whose reminder is due
(whoever holds them).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import re
from array import array
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cur_desktop.reference.data import load_topics, region_by_code
from cur_desktop.services.saved_views import SavedView, view_filter
from cur_desktop.services.workstation import Workstation
from cur_desktop.storage.inbox import InboxFilter, InboxSort
from cur_desktop.storage.search import query_stems, stem_words

log = logging.getLogger(__name__)

SEARCH_LIMIT = 500
"""Best full-text matches a search shows."""
UNREAD_VIEWS = (SavedView.MINE, SavedView.NEW)
"""Views whose unread count is shown (small views; counting "Все" would scan the store)."""
SEARCH_SNIPPETS = 100
"""Hits shown with a snippet around their first match; further ones show the start of the
text (matches highlighted there too): a snippet costs about half a millisecond."""
_WORD = re.compile(r"[^\W_]+")
_MARK = re.compile(r"\[([^\[\]]+)\]")


@dataclass(frozen=True, slots=True)
class ViewKeys:
    """Row keys of a view in display order; ``snippets`` for search results (by key).

    ``complete`` is false when only the head of the view was read (``view_keys(first=N)``
    found ``N`` keys): the rest follows from a second, full read.
    """

    keys: array[int]
    snippets: Mapping[int, str] = field(default_factory=dict)
    stems: tuple[str, ...] = ()
    complete: bool = True


@dataclass(frozen=True, slots=True)
class Reference:
    """Names for codes and ids shown in lists and dropdowns."""

    municipalities: Mapping[str, str]
    executors: Mapping[str, str]
    topics: Mapping[str, str]
    regions: Mapping[str, str] = field(default_factory=dict)
    """The regions the user may put an incident in (a regional user: only their own)."""
    executor_places: Mapping[str, str | None] = field(default_factory=dict)
    """Each executor's municipality id (``None``: a regional body serving the whole region)."""


def executor_groups(ref: Reference, municipality_id: str | None) -> tuple[list[str], list[str]]:
    """Executor ids for the card's dropdown: ``(near, rest)``, each sorted by name.

    ``near``: the executors of the incident's municipality, then the regional bodies (no
    municipality); ``rest``: the other municipalities' executors. Without a municipality the
    regional bodies are ``near``.
    """

    def key(executor_id: str) -> tuple[str, str]:
        return ref.executors[executor_id].casefold(), executor_id

    own = [
        e
        for e in ref.executors
        if municipality_id and ref.executor_places.get(e) == municipality_id
    ]
    regional = [e for e in ref.executors if ref.executor_places.get(e) is None]
    near = set(own) | set(regional)
    rest = [e for e in ref.executors if e not in near]
    return sorted(own, key=key) + sorted(regional, key=key), sorted(rest, key=key)


def row_mapping(row: Any, region_code: str | None) -> dict[str, Any]:
    """A list row (``InboxRow``) as the mapping the Qt model reads.

    A shallow copy of the fields (all plain values): ``dataclasses.asdict`` deep-copies every
    datetime, about 0.1 ms a row on the GUI thread (11 ms for a page of 100 at load 5).
    """
    data = {f.name: getattr(row, f.name) for f in dataclasses.fields(row)}
    if data.get("region_code") is None:  # a user of several regions: each row's own clock
        data["region_code"] = region_code
    return data


class WindowReads:
    """The window's list reads over one :class:`Workstation` (see the module docstring)."""

    def __init__(self, workstation: Workstation, region_code: str | None) -> None:
        self.workstation = workstation
        self.region_code = region_code

    async def view_keys(
        self,
        view: SavedView,
        *,
        login: str,
        sort: InboxSort,
        extra: InboxFilter | None = None,
        query: str = "",
        now: datetime | None = None,
        first: int | None = None,
    ) -> ViewKeys:
        """Keys of ``view`` (narrowed by ``extra``); with ``query`` the best text matches.

        ``first``: read only the first keys of a view (not of a search); the answer says
        whether that was all of them (a million keys take a second or more to read).
        """
        flt = view_filter(view, login=login, now=now or datetime.now(UTC), extra=extra)
        if query.strip():
            hits = await self.workstation.search(
                query, flt, limit=SEARCH_LIMIT, snippets=SEARCH_SNIPPETS
            )
            keys = array("q", (h.rowid for h in hits))
            snippets = {h.rowid: _MARK.sub(r"\1", h.snippet) for h in hits if h.snippet}
            return ViewKeys(keys=keys, snippets=snippets, stems=tuple(query_stems(query)))
        snapshot = await self.workstation.inbox_snapshot(flt, sort, first)
        complete = first is None or len(snapshot.rowids) < first
        keys = snapshot.rowids
        if view is SavedView.MINE:  # due reminders first, in the head and in the whole list
            keys = await self._with_due_reminders(keys, now)
        return ViewKeys(keys=keys, complete=complete)

    async def _with_due_reminders(self, keys: array[int], now: datetime | None) -> array[int]:
        """Мои: the incidents with a due reminder first, then the rest of ``keys``."""
        due = await self.workstation.due_reminders(now)
        if not due:
            return keys
        rows = await self.workstation.inbox_rows_by_id(due)
        first = array("q", (r.rowid for r in rows))
        if not first:
            return keys
        skip = set(first)
        first.extend(k for k in keys if k not in skip)
        return first

    async def rows(self, keys: Sequence[int]) -> dict[int, dict[str, Any]]:
        """The list rows of ``keys`` by key."""
        rows, unread, reminders = await self.workstation.inbox_rows_with_marks(list(keys))
        found = {r.rowid: row_mapping(r, self.region_code) for r in rows}
        for data in found.values():
            data["unread"] = data["id"] in unread
            data["remind_at"] = reminders.get(data["id"])
        return found

    async def view_counts(
        self, *, login: str, extra: InboxFilter | None = None, now: datetime | None = None
    ) -> dict[SavedView, int]:
        """How many incidents each saved view holds (with the extra filters applied)."""
        at = now or datetime.now(UTC)
        views = list(SavedView)
        counts, due = await asyncio.gather(
            asyncio.gather(
                *(
                    self.workstation.inbox_count(view_filter(v, login=login, now=at, extra=extra))
                    for v in views
                )
            ),
            self.workstation.due_reminders(at),
        )
        found = dict(zip(views, counts, strict=True))
        if due:  # Мои also lists due reminders on incidents not otherwise in it
            mine = view_filter(SavedView.MINE, login=login, now=at, extra=None)
            rows = await self.workstation.inbox_rows_by_id(due)
            open_statuses = mine.statuses or frozenset()
            found[SavedView.MINE] += sum(
                1 for r in rows if r.assignee != login or r.status not in open_statuses
            )
        return found

    async def unread_counts(
        self, *, login: str, extra: InboxFilter | None = None, now: datetime | None = None
    ) -> dict[SavedView, int]:
        """How many incidents of Мои and Новые are unread (see :data:`UNREAD_VIEWS`)."""
        at = now or datetime.now(UTC)
        counts = await asyncio.gather(
            *(
                self.workstation.unread_count(view_filter(v, login=login, now=at, extra=extra))
                for v in UNREAD_VIEWS
            )
        )
        return dict(zip(UNREAD_VIEWS, counts, strict=True))

    async def keys_of(self, incident_ids: Sequence[str]) -> dict[str, int]:
        """Row keys of incidents given by id."""
        rows = await self.workstation.inbox_rows_by_id(list(incident_ids))
        return {r.id: r.rowid for r in rows}

    async def reference(self) -> Reference:
        """Municipality, executor and topic names."""
        places = await self.workstation.municipalities()
        bodies = await self.workstation.executors()
        topics = {t.code: t.name_ru for t in load_topics()}
        return Reference(
            municipalities={p.id: p.name for p in places},
            executors={b.id: b.name for b in bodies},
            topics=topics,
            executor_places={b.id: b.municipality_id for b in bodies},
            regions=region_names(self.region_code),
        )


def region_names(region_code: str | None) -> dict[str, str]:
    """The user's region by code with its Russian name (empty for a user without a region)."""
    if not region_code:
        return {}
    try:
        return {region_code: region_by_code(region_code).name_ru}
    except KeyError:
        return {region_code: region_code}


def match_spans(text: str, stems: Sequence[str]) -> list[tuple[int, int]]:
    """Character spans of the words of ``text`` whose Russian stem is among ``stems``."""
    if not stems:
        return []
    wanted = set(stems)
    found = list(_WORD.finditer(text))
    word_stems = stem_words(m.group().lower().replace("ё", "е") for m in found)
    return [(m.start(), m.end()) for m, s in zip(found, word_stems, strict=True) if s in wanted]


__all__ = [
    "SEARCH_LIMIT",
    "UNREAD_VIEWS",
    "Reference",
    "ViewKeys",
    "WindowReads",
    "match_spans",
    "row_mapping",
]
