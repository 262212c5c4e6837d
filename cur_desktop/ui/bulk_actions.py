"""Bulk actions on the inbox's multi-selection: toolbar, context menu, shortcuts, dialogs.

Take into work, assign to an operator, route to an executor, reject as a duplicate (merged
into an original the operator picks among the selection), as spam or as out of scope; mark
as unread; dismiss a reminder. Each action asks for confirmation with the count, then calls
one bulk method of the workstation (N ordinary outbox mutations in one transaction, see
:mod:`cur_desktop.services.bulk`) and shows every refused incident with its Russian reason
while the others stay done.

The dialogs are attributes (``confirm``, ``choose``, ``show_report``) so tests replace them.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any, Protocol

from PySide6.QtCore import QCoreApplication, QObject, QPoint, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QInputDialog,
    QMenu,
    QMessageBox,
    QTableView,
    QToolBar,
    QWidget,
)

from cur_desktop.domain.enums import RejectReason
from cur_desktop.services.bulk import BulkOutcome
from cur_desktop.services.outcomes import OperationError
from cur_desktop.services.window_reads import WindowReads
from cur_desktop.ui.inbox_model import InboxTableModel

log = logging.getLogger(__name__)

MAX_BULK = 1000
"""The most incidents one bulk action takes (a larger selection is refused with a message)."""

Confirm = Callable[[str], bool]
Choose = Callable[[str, str, Sequence[str]], int | None]
"""``(title, label, items) -> chosen index`` (``None``: cancelled)."""


class Host(Protocol):
    """What the actions need of the inbox page."""

    reads: WindowReads
    table: QTableView
    model: InboxTableModel

    def executor_names(self) -> dict[str, str]:
        """Executor id → name."""
        ...

    def spawn_task(self, coro: Coroutine[Any, Any, None]) -> None:
        """Run a coroutine on the window's loop."""
        ...


def bulk_shortcuts() -> list[tuple[str, str]]:
    """The bulk actions' shortcuts for the help dialog (F1)."""
    return [
        (
            "Ctrl+Shift+T",
            QCoreApplication.translate("BulkActions", "Take the selected incidents into work"),
        ),
        (
            "Ctrl+Shift+A",
            QCoreApplication.translate(
                "BulkActions", "Assign the selected incidents to an operator"
            ),
        ),
        (
            "Ctrl+Shift+E",
            QCoreApplication.translate(
                "BulkActions", "Route the selected incidents to an executor"
            ),
        ),
        (
            "Ctrl+Shift+D",
            QCoreApplication.translate(
                "BulkActions", "Reject as duplicates, merged into an original"
            ),
        ),
        ("Ctrl+Shift+S", QCoreApplication.translate("BulkActions", "Reject as spam")),
        ("Ctrl+Shift+O", QCoreApplication.translate("BulkActions", "Reject as out of scope")),
        ("Ctrl+Shift+U", QCoreApplication.translate("BulkActions", "Mark as unread")),
        ("Ctrl+Shift+R", QCoreApplication.translate("BulkActions", "Dismiss the reminder")),
        (
            "Shift+↑ / ↓, Ctrl+click, Ctrl+A",
            QCoreApplication.translate("BulkActions", "Select several incidents"),
        ),
    ]


class BulkActions(QObject):
    """The actions, their toolbar and context menu over one inbox page (module docstring)."""

    message = Signal(str)
    """A short result for the status bar."""
    finished = Signal(object)
    """A bulk action ended (its :class:`BulkOutcome`, or ``None`` for marks; tests wait)."""

    def __init__(self, host: Host, parent: QWidget) -> None:
        super().__init__(parent)
        # weak: the page owns these actions; a Python cycle page <-> actions would leave the
        # page to the cyclic GC, which may run on a reader thread (Qt objects must die on the
        # GUI thread)
        self._host = weakref.ref(host)
        self._parent = weakref.ref(parent)
        self.confirm: Confirm = self._confirm_dialog
        self.choose: Choose = self._choose_dialog
        self.show_report: Callable[[str], None] = self._report_dialog

        def action(text: str, keys: str, slot: Callable[[], None]) -> QAction:
            made = QAction(text, parent)
            made.setShortcut(QKeySequence(keys))
            made.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            made.triggered.connect(slot)
            parent.addAction(made)
            return made

        self.take = action(self.tr("Take"), "Ctrl+Shift+T", self.take_selected)
        self.assign = action(self.tr("Assign…"), "Ctrl+Shift+A", self.assign_selected)
        self.route = action(self.tr("To executor…"), "Ctrl+Shift+E", self.route_selected)
        self.duplicate = action(self.tr("Duplicate…"), "Ctrl+Shift+D", self.merge_selected)
        self.spam = action(self.tr("Spam"), "Ctrl+Shift+S", self.reject_spam)
        self.out_of_scope = action(
            self.tr("Out of scope"), "Ctrl+Shift+O", self.reject_out_of_scope
        )
        self.mark_unread = action(self.tr("Mark as unread"), "Ctrl+Shift+U", self.unread_selected)
        self.dismiss = action(
            self.tr("Dismiss the reminder"), "Ctrl+Shift+R", self.dismiss_selected
        )
        self.acting = (
            self.take,
            self.assign,
            self.route,
            self.duplicate,
            self.spam,
            self.out_of_scope,
        )
        for item in self.acting:
            item.setToolTip(f"{item.text()} ({item.shortcut().toString()})")

    @property
    def host(self) -> Host:
        """The inbox page (alive while these actions are)."""
        host = self._host()
        assert host is not None
        return host

    @property
    def parent_widget(self) -> QWidget:
        """The widget dialogs open over."""
        widget = self._parent()
        assert widget is not None
        return widget

    # ------------------------------------------------------------------ widgets

    def toolbar(self, parent: QWidget) -> QToolBar:
        """The bulk toolbar shown above the list."""
        bar = QToolBar(parent)
        bar.setObjectName("bulkToolbar")
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        bar.addActions(list(self.acting[:3]))
        bar.addSeparator()
        bar.addActions(list(self.acting[3:]))
        return bar

    def menu(self) -> QMenu:
        """The list's context menu."""
        menu = QMenu(self.parent_widget)
        menu.setObjectName("bulkMenu")
        menu.addActions(list(self.acting[:3]))
        reject = menu.addMenu(self.tr("Reject"))
        reject.addActions(list(self.acting[3:]))
        menu.addSeparator()
        menu.addAction(self.mark_unread)
        menu.addAction(self.dismiss)
        return menu

    def show_menu(self, pos: QPoint) -> None:
        """Context menu at ``pos`` of the list's viewport."""
        menu = self.menu()
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.popup(self.host.table.viewport().mapToGlobal(pos))

    def update_enabled(self) -> None:
        """Actions are enabled while something is selected."""
        selected = self.host.table.selectionModel().hasSelection()
        for item in (*self.acting, self.mark_unread, self.dismiss):
            item.setEnabled(selected)

    # ------------------------------------------------------------------ selection

    def selected_rows(self) -> list[int]:
        """Selected display rows, in order."""
        return sorted({i.row() for i in self.host.table.selectionModel().selectedRows()})

    async def selected_ids(self) -> list[str]:
        """Incident ids of the selection (rows not loaded yet are read by key)."""
        keys = self.host.model.keys_of_rows(self.selected_rows())
        if not keys:
            return []
        rows = await self.host.reads.workstation.inbox_rows(keys)
        return [r.id for r in rows]

    # ------------------------------------------------------------------ actions

    def take_selected(self) -> None:
        """Take the selection into work."""
        ws = self.host.reads.workstation
        self._run(self.tr("Take %1 incident(s) into work?"), ws.bulk_take)

    def assign_selected(self) -> None:
        """Assign the selection to an operator the user picks."""

        async def flow() -> None:
            ws = self.host.reads.workstation
            logins = await ws.assignees()
            index = self.choose(self.tr("Assign"), self.tr("Operator:"), logins)
            if index is None:
                return
            login = logins[index]
            await self._apply(
                self.tr("Assign %1 incident(s) to %2?").replace("%2", login),
                lambda ids: ws.bulk_assign(ids, login),
            )

        self.host.spawn_task(flow())

    def route_selected(self) -> None:
        """Route the selection to an executor the user picks."""
        names = sorted(self.host.executor_names().items(), key=lambda kv: kv[1])
        index = self.choose(self.tr("Route"), self.tr("Executor:"), [n for _, n in names])
        if index is None:
            return
        executor_id, name = names[index]
        ws = self.host.reads.workstation
        self._run(
            self.tr("Route %1 incident(s) to %2?").replace("%2", name),
            lambda ids: ws.bulk_route(ids, executor_id),
        )

    def reject_spam(self) -> None:
        """Reject the selection as spam."""
        self.reject_selected(RejectReason.SPAM)

    def reject_out_of_scope(self) -> None:
        """Reject the selection as out of scope."""
        self.reject_selected(RejectReason.OUT_OF_SCOPE)

    def reject_selected(self, reason: RejectReason) -> None:
        """Reject the selection as spam or out of scope."""
        question = (
            self.tr("Reject %1 incident(s) as spam?")
            if reason is RejectReason.SPAM
            else self.tr("Reject %1 incident(s) as out of scope?")
        )
        ws = self.host.reads.workstation
        self._run(question, lambda ids: ws.bulk_reject(ids, reason))

    def merge_selected(self) -> None:
        """Reject the selection as duplicates, merged into the original the user picks."""

        async def flow() -> None:
            ids = await self.selected_ids()
            if len(ids) < 2:  # an original and at least one duplicate
                self.show_report(
                    self.tr(
                        "Select the original and its duplicates (at least two incidents), "
                        "then pick the original."
                    )
                )
                return
            ws = self.host.reads.workstation
            rows = await ws.inbox_rows_by_id(ids)
            labels = [f"{r.author or '—'}: {' '.join(r.preview.split())[:70]}" for r in rows]
            index = self.choose(
                self.tr("Merge duplicates"), self.tr("The original incident:"), labels
            )
            if index is None:
                return
            original = rows[index].id
            duplicates = [i for i in ids if i != original]
            await self._apply(
                self.tr("Reject %1 incident(s) as duplicates merged into the original?"),
                lambda chosen: ws.bulk_merge(chosen, original),
                ids=duplicates,
            )

        self.host.spawn_task(flow())

    def unread_selected(self) -> None:
        """Show the selection as unread again."""

        async def flow() -> None:
            ids = await self.selected_ids()
            await self.host.reads.workstation.mark_unread(ids)
            self.finished.emit(None)

        self.host.spawn_task(flow())

    def dismiss_selected(self) -> None:
        """Drop the reminders of the selection."""

        async def flow() -> None:
            ws = self.host.reads.workstation
            for incident_id in await self.selected_ids():
                await ws.dismiss_reminder(incident_id)
            self.finished.emit(None)

        self.host.spawn_task(flow())

    # ------------------------------------------------------------------ running

    def _run(self, question: str, call: Callable[[list[str]], Awaitable[BulkOutcome]]) -> None:
        self.host.spawn_task(self._apply(question, call))

    async def _apply(
        self,
        question: str,
        call: Callable[[list[str]], Awaitable[BulkOutcome]],
        *,
        ids: list[str] | None = None,
    ) -> None:
        chosen = await self.selected_ids() if ids is None else ids
        if not chosen:
            return
        if len(chosen) > MAX_BULK:
            self.show_report(
                self.tr("At most %1 incidents at once: select fewer.").replace("%1", str(MAX_BULK))
            )
            return
        if not self.confirm(question.replace("%1", str(len(chosen)))):
            return
        self.message.emit(self.tr("Working on %1 incident(s)…").replace("%1", str(len(chosen))))
        try:
            outcome = await call(chosen)
        except OperationError as exc:
            self.show_report(exc.message)
            return
        await self._report(outcome)
        self.finished.emit(outcome)

    async def _report(self, outcome: BulkOutcome) -> None:
        done = self.tr("Done: %1.").replace("%1", str(len(outcome.done)))
        if not outcome.failures:
            self.message.emit(done)
            return
        rows = await self.host.reads.workstation.inbox_rows_by_id(
            [f.incident_id for f in outcome.failures]
        )
        names = {r.id: f"{r.author or '—'}: {' '.join(r.preview.split())[:50]}" for r in rows}
        lines = [
            f"• {names.get(f.incident_id, f.incident_id)} — {f.message}" for f in outcome.failures
        ]
        refused = self.tr("Refused: %1.").replace("%1", str(len(outcome.failures)))
        self.message.emit(f"{done} {refused}")
        self.show_report("\n".join([f"{done} {refused}", "", *lines]))

    # ------------------------------------------------------------------ default dialogs

    def _confirm_dialog(self, question: str) -> bool:
        answer = QMessageBox.question(self.parent_widget, self.tr("Bulk action"), question)
        return answer == QMessageBox.StandardButton.Yes

    def _choose_dialog(self, title: str, label: str, items: Sequence[str]) -> int | None:
        if not items:
            self.show_report(self.tr("Nothing to choose from."))
            return None
        text, ok = QInputDialog.getItem(self.parent_widget, title, label, list(items), 0, False)
        return list(items).index(text) if ok else None

    def _report_dialog(self, text: str) -> None:
        QMessageBox.information(self.parent_widget, self.tr("Bulk action"), text)


__all__ = ["MAX_BULK", "BulkActions", "bulk_shortcuts"]
