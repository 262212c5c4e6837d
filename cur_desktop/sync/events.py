"""Progress events of the sync engine: plain dataclasses, no Qt.

``ui/`` turns them into Qt signals; headless callers print or log them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Offline:
    """The server cannot be reached; local work goes on, changes wait in the outbox."""


@dataclass(frozen=True, slots=True)
class Syncing:
    """A sync is running: ``up`` mutations left to push, ``down`` changes pulled so far.

    ``total``: the changes this pull will bring, when the server told it (its first pull page
    carries ``total``; older servers do not): ``down`` counts up to about ``total``.
    """

    up: int
    down: int
    total: int | None = None


@dataclass(frozen=True, slots=True)
class UpToDate:
    """Caught up with the server at ``at`` (the client's clock, for display only)."""

    at: datetime


@dataclass(frozen=True, slots=True)
class NeedsAttention:
    """``count`` mutations were rejected by the server and wait for retry / edit / discard."""

    count: int


@dataclass(frozen=True, slots=True)
class SyncError:
    """The sync stopped on an error; ``message`` is Russian and may be shown as is."""

    message: str


SyncEvent = Offline | Syncing | UpToDate | NeedsAttention | SyncError
EventCallback = Callable[[SyncEvent], None]


@dataclass(frozen=True, slots=True)
class DataChanged:
    """Local rows changed because of the server (not a progress event; its own listeners).

    ``pulled``: a pull page was applied (else: a push answer rejected changes, whose incidents
    were rebased without them). ``incident_ids``: incidents whose row or answers changed;
    ``everything``: the confirmed state was replaced (full re-snapshot); ``lookups``:
    municipalities or executors changed.
    """

    incident_ids: frozenset[str]
    pulled: bool
    everything: bool = False
    lookups: bool = False


DataCallback = Callable[[DataChanged], None]
