"""What a workstation operation returns, raises and announces: changes, the error, events.

* :class:`Changes` is what every operation returns and what every change event carries: the
  incident ids whose rows (or answers, drafts, pending state) changed, and why
  (:class:`ChangeOrigin`). A view refreshes only those rows (Anki's ``OpChanges``).
* :class:`OperationError` is the ONE error every operation raises for a refusal the person
  can act on (a rule refused the change, the incident is gone, the server is unreachable on
  "sync now" ...). ``message`` is Russian and can be shown as is; ``code`` is a stable
  machine-readable reason (the sync contract's ``RejectCode`` values, or the few local ones
  below). Anything else escaping an operation is a bug and is logged with its traceback.
* :data:`WorkstationEvent` is what :meth:`Workstation.subscribe` callbacks receive: a
  :class:`Changes` after every local operation and every applied pull page, and the sync
  progress events of :mod:`cur_desktop.sync.events` (``Offline``, ``Syncing``, ``UpToDate``,
  ``NeedsAttention``, ``SyncError``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum

from cur_desktop.sync.events import SyncEvent

log = logging.getLogger(__name__)


class ChangeOrigin(StrEnum):
    """Why rows changed."""

    LOCAL = "local"
    """An operation of this workstation (recorded in the outbox, or a draft saved)."""
    PULLED = "pulled"
    """A pull page from the server was applied (someone else's work, or ours confirmed)."""
    PUSHED = "pushed"
    """The server answered a push: a rejected mutation left the view (rebased) and joined the
    needs-attention list."""


@dataclass(frozen=True, slots=True)
class Changes:
    """The incidents a local operation or an applied pull page changed.

    ``incident_ids``: ids (UUID text) whose incident row, answers, draft or pending state
    changed. ``everything``: the whole local state was replaced (a full re-snapshot from the
    server): reload every view; ``incident_ids`` then names only what the page itself
    carried. ``lookups``: municipalities or executors changed (reload pick lists).
    ``mutation_ids``: the outbox ids a local operation recorded (empty for drafts and for
    pulled changes).
    """

    origin: ChangeOrigin
    incident_ids: frozenset[str] = frozenset()
    everything: bool = False
    mutation_ids: tuple[int, ...] = ()
    lookups: bool = False

    @classmethod
    def local(cls, incident_ids: Iterable[str], mutation_ids: Iterable[int] = ()) -> Changes:
        """Changes made by an operation of this workstation."""
        return cls(ChangeOrigin.LOCAL, frozenset(incident_ids), mutation_ids=tuple(mutation_ids))

    @property
    def empty(self) -> bool:
        """Whether nothing changed (e.g. an operation that was already in effect)."""
        return not self.incident_ids and not self.everything and not self.lookups


class OperationError(Exception):
    """A refusal or failure of a workstation operation, told in Russian for a person.

    ``str(exc)`` is ``message``. Nothing was written when an operation raises it.
    """

    def __init__(self, message: str, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.code = code

    def __repr__(self) -> str:
        return f"OperationError({self.message!r}, code={self.code!r})"


# Local refusal codes (besides the sync contract's RejectCode values)
CODE_NOT_FOUND = "not_found"
CODE_INVALID = "invalid"
CODE_FORBIDDEN = "forbidden"
CODE_NOT_CONNECTED = "not_connected"
CODE_SYNC_FAILED = "sync_failed"

WorkstationEvent = Changes | SyncEvent
"""What subscribers receive (see the module docstring)."""

EventCallback = Callable[[WorkstationEvent], None]
Unsubscribe = Callable[[], None]
