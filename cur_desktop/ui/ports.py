"""What the window needs from the services layer, written as a typing ``Protocol``.

The window is handed one object satisfying :class:`WorkstationPort` (the services layer's
long-lived workstation, wrapped by :mod:`cur_desktop.ui.adapter` where names differ) and never
a connection. Keeping the list here makes it plain which use-cases the window relies on.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from cur_desktop.domain.enums import AnswerKind
from cur_desktop.services.window_model import AttentionItem, Draft, IncidentDetail
from cur_desktop.services.window_reads import WindowReads


class WorkstationPort(Protocol):
    """Use-cases of the operator's window (each returns the ids of incidents it changed)."""

    @property
    def login(self) -> str:
        """Who is signed in."""
        ...

    @property
    def role(self) -> str:
        """The signed-in user's role (``operator``, ``supervisor`` ...)."""
        ...

    @property
    def reads(self) -> WindowReads:
        """The reader pool for lists."""
        ...

    def subscribe(self, callback: Callable[[object], None]) -> Callable[[], None]:
        """Receive change and sync-status events; returns the unsubscribe function."""
        ...

    async def incident_detail(self, incident_id: str) -> IncidentDetail | None:
        """The incident with its answers, notes and pending local changes."""
        ...

    async def take(self, incident_id: str) -> Sequence[str]:
        """Assign the incident to me (and start moderation when it is new)."""
        ...

    async def classify(
        self,
        incident_id: str,
        *,
        municipality_id: str | None,
        topic_code: str | None,
        executor_id: str | None,
    ) -> Sequence[str]:
        """Set municipality, topic and executor."""
        ...

    async def send_answer(self, incident_id: str, kind: AnswerKind, text: str) -> Sequence[str]:
        """Publish an answer (or add an internal note) through the outbox."""
        ...

    async def save_draft(self, incident_id: str, kind: AnswerKind, text: str) -> None:
        """Keep the editor's text locally (crash-safe)."""
        ...

    async def load_draft(self, incident_id: str) -> Draft | None:
        """The saved draft of an incident, if any."""
        ...

    async def discard_draft(self, incident_id: str) -> None:
        """Forget the draft (after sending)."""
        ...

    async def needs_attention(self) -> list[AttentionItem]:
        """Changes the server rejected, with the operator's text."""
        ...

    async def retry(self, item_id: int) -> Sequence[str]:
        """Queue a rejected change again."""
        ...

    async def discard(self, item_id: int) -> Sequence[str]:
        """Drop a rejected change."""
        ...

    async def edit_text(self, item_id: int, text: str) -> Sequence[str]:
        """Queue a rejected answer again with new text."""
        ...

    def sync_now(self) -> None:
        """Ask for a sync as soon as possible."""
        ...

    async def close(self) -> None:
        """Stop syncing and release everything."""
        ...


__all__ = ["WorkstationPort"]
