"""Wires the evidence thumbnails of the card and the editor to the workstation.

Attaching copies each chosen or dropped file into the profile (``Workstation.attach_file``,
off the GUI thread); removing drops an unsent one; opening shows the file with the desktop's
viewer (downloaded from the server first when only its metadata is here). After each action,
and whenever the window reloads the card, :meth:`load` refreshes both strips.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QUrl
from PySide6.QtGui import QDesktopServices

from cur_desktop.services import OperationError, Workstation
from cur_desktop.ui.incident_card import IncidentCard

log = logging.getLogger(__name__)

Spawn = Callable[[Coroutine[Any, Any, object]], None]


class EvidenceController(QObject):
    """Attach / remove / open evidence for the incident open in ``card``."""

    def __init__(
        self,
        card: IncidentCard,
        spawn: Spawn,
        workstation: Callable[[], Workstation | None],
        show_message: Callable[[str], None],
    ) -> None:
        super().__init__(card)
        self.card = card
        self._spawn = spawn
        self._workstation = workstation
        self._show_message = show_message
        strip = card.editor.evidence
        strip.attach_requested.connect(self._on_attach)
        strip.remove_requested.connect(self._on_remove)
        strip.open_requested.connect(self._on_open)
        card.evidence.open_requested.connect(self._on_open)

    def _incident_id(self) -> str | None:
        return card_id if (card_id := self.card.editor.incident_id) else None

    async def load(self, incident_id: str) -> None:
        """Show the incident's attachments: unsent ones in the editor, the rest in the card."""
        ws = self._workstation()
        if ws is None:
            return
        items = await ws.attachments(incident_id)
        if self._incident_id() != incident_id:
            return
        self.card.editor.set_attachments([a for a in items if a.removable])
        self.card.evidence.set_items([a for a in items if not a.removable])

    def _on_attach(self, paths: list[str]) -> None:
        incident_id = self._incident_id()
        ws = self._workstation()
        if incident_id is None or ws is None:
            return

        async def run() -> None:
            problems: list[str] = []
            for path in paths:
                try:
                    await ws.attach_file(incident_id, Path(path))
                except OperationError as exc:
                    problems.append(f"{Path(path).name}: {exc.message}")
            await self.load(incident_id)
            if problems:
                self._show_message(self.tr("Not attached: %1").replace("%1", "; ".join(problems)))

        self._spawn(run())

    def _on_remove(self, attachment_id: str) -> None:
        incident_id = self._incident_id()
        ws = self._workstation()
        if incident_id is None or ws is None:
            return

        async def run() -> None:
            await ws.remove_attachment(attachment_id)
            await self.load(incident_id)

        self._spawn(run())

    def _on_open(self, attachment_id: str) -> None:
        ws = self._workstation()
        if ws is None:
            return

        async def run() -> None:
            path = await ws.attachment_file(attachment_id)
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))

        self._spawn(run())


__all__ = ["EvidenceController"]
