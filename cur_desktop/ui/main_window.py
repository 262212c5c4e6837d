"""The operator's main window: tabs Входящие / Сроки / Статистика, status bar, attention panel.

The window is handed a :class:`~cur_desktop.ui.ports.WorkstationPort` (the services layer)
once it exists; until then (demo data being prepared, first sign-in) it shows progress in the
status bar and an empty inbox, never a frozen or blank window. Core events reach it through
the one :class:`~cur_desktop.ui.bridge.CoreBridge`. Window geometry, the splitter and the last
saved view are kept in ``QSettings`` and restored on start.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDockWidget,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QTabWidget,
    QWidget,
)

from cur_desktop.domain.enums import AnswerKind, Role, Status
from cur_desktop.services.answer_templates import TemplateContext
from cur_desktop.services.deadline_notices import DeadlineNotices
from cur_desktop.services.outcomes import OperationError
from cur_desktop.services.saved_views import SavedView
from cur_desktop.services.supervision import DrillCriterion
from cur_desktop.services.timers import prepare_timers, promise_date, region_timezone
from cur_desktop.services.views import ChangeState, SessionInfo
from cur_desktop.services.window_reads import WindowReads
from cur_desktop.services.workstation import Workstation
from cur_desktop.ui import format as fmt
from cur_desktop.ui.admin_page import AdminPage
from cur_desktop.ui.attention_panel import AttentionPanel
from cur_desktop.ui.bridge import CoreBridge
from cur_desktop.ui.bulk_actions import bulk_shortcuts
from cur_desktop.ui.deadline_notifier import DeadlineNotifier
from cur_desktop.ui.evidence_controller import EvidenceController
from cur_desktop.ui.help_dialog import ShortcutsDialog
from cur_desktop.ui.inbox_page import InboxPage
from cur_desktop.ui.incident_card import IncidentCard
from cur_desktop.ui.labels import role_label
from cur_desktop.ui.register_dialog import RegisterDialog, Registration
from cur_desktop.ui.reminder_offer import attach_reminder_offer
from cur_desktop.ui.status_bar import SyncStatusBar
from cur_desktop.ui.supervisor_pages import SupervisorPages
from cur_desktop.ui.task_errors import report_failure

log = logging.getLogger(__name__)

TICK_MS = 1000
START_OTHER_PAGES_MS = 3000
"""The board starts at the latest this long after attach, even before the inbox shows rows."""
MIN_SIZE = (1280, 720)


def _expected_kind(status: Status) -> AnswerKind:
    """The answer an incident waits for: the final one once on control after an interim
    answer, else the first (interim or solution; the editor starts on interim)."""
    return AnswerKind.FINAL if status is Status.ON_CONTROL else AnswerKind.INTERIM


class MainWindow(QMainWindow):
    """The workstation window (see the module docstring)."""

    closing = Signal()
    """The window is closing (after drafts and settings were saved)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.setWindowTitle(self.tr("CUR workstation"))
        self.setMinimumSize(*MIN_SIZE)
        self.ws: Workstation | None = None
        self.reads: WindowReads | None = None
        self.login = ""
        self.region_code: str | None = None
        self.bridge = CoreBridge(self)
        self._unsubscribe: Callable[[], None] | None = None
        self._tasks: set[asyncio.Future[Any]] = set()
        self._open_version: dict[str, int] = {}
        self._closed = False
        self.inbox: InboxPage | None = None
        self.deadlines: DeadlineNotifier | None = None
        self.admin_page: AdminPage | None = None
        self.card = IncidentCard(self)
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("tabs")
        self.inbox_holder = QSplitter(Qt.Orientation.Vertical, self)
        self.inbox_holder.setObjectName("inboxSplitter")
        self.waiting = QLabel(self.tr("Preparing data…"), self)
        self.waiting.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.waiting.setStyleSheet("font-size: 14pt; color: #555;")
        self.inbox_holder.addWidget(self.waiting)
        self.inbox_holder.addWidget(self.card)
        self.card.hide()  # until signed in
        self.tabs.addTab(self.inbox_holder, self.tr("Inbox"))
        self.supervision = SupervisorPages(self, self._open_from_board, self._show_message)
        self.tabs.addTab(self.supervision.board, self.tr("Deadlines"))
        self.tabs.addTab(self.supervision.statistics_holder, self.tr("Statistics"))
        self.tabs.currentChanged.connect(self._on_tab_changed)
        self.supervision.inbox_requested.connect(self.show_drill)
        self.setCentralWidget(self.tabs)
        self.status = SyncStatusBar(self)
        self.setStatusBar(self.status)
        self.attention = AttentionPanel(self)
        self.attention_dock = QDockWidget(self.tr("Needs attention"), self)
        self.attention_dock.setObjectName("attentionDock")
        self.attention_dock.setWidget(self.attention)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.attention_dock)
        self.attention_dock.hide()
        self.status.attention_clicked.connect(self._toggle_attention)
        self.status.sync_clicked.connect(self._on_sync_now)
        self.attention.retry_requested.connect(self._on_retry)
        self.attention.discard_requested.connect(self._on_discard)
        self.attention.edit_requested.connect(self._on_edit)
        self.card.take_requested.connect(self._on_take)
        self.card.open_requested.connect(self.open_incident)
        self.card.classify_requested.connect(self._on_classify)
        self._reload_started = 0
        """Card reloads begun (each one's ticket)."""
        self._reload_shown = 0
        """The ticket of the newest card reload shown."""
        self._sent_at_ticket = 0
        """Card reloads begun when the last answer or note went to the outbox: only a reload
        begun after it may say «отправлен» (an older read does not know the outbox row yet)."""
        self.card.editor.draft_changed.connect(self._on_draft_changed)
        self.card.editor.send_requested.connect(self._on_send)
        self.reminder_offer = attach_reminder_offer(self.card.editor, self.card.editor.text)
        self.reminder_offer.remind_requested.connect(self._on_remind)
        self.evidence = EvidenceController(
            self.card, self.spawn, lambda: self.ws, self._show_message
        )
        self.bridge.core_event.connect(self._on_core_event)
        self.bridge.incidents_changed.connect(self._on_incidents_changed)
        self._ticker = QTimer(self)
        self._ticker.setInterval(TICK_MS)
        self._ticker.timeout.connect(self._on_tick)
        self._ticker.start()
        self.shortcuts = self._make_shortcuts()
        self.register_action = self._make_menu()
        self.restore_settings()

    def _placeholder(self, text: str) -> QWidget:
        label = QLabel(text, self)
        label.setWordWrap(True)
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        label.setStyleSheet("font-size: 12pt; color: #555; padding: 40px;")
        return label

    # ------------------------------------------------------------------ wiring

    def attach(self, ws: Workstation, info: SessionInfo, *, offline: bool = False) -> None:
        """Start working with the services layer (``info``: who signed in)."""
        self.ws = ws
        self.login = info.login or ""
        self.card.login = self.login
        role = role_label(info.role).lower() if info.role is not None else ""
        self.setWindowTitle(
            self.tr("CUR workstation — %1 (%2)").replace("%1", self.login).replace("%2", role)
        )
        self.reads = WindowReads(ws, info.region_code)
        # the holiday calendar loads off the GUI thread, before the first timers are painted
        self.spawn(asyncio.to_thread(prepare_timers, info.region_code, datetime.now(UTC)))
        self._unsubscribe = ws.subscribe(self.bridge.deliver)
        self.inbox = InboxPage(self.reads, self.login, self)
        self.inbox.open_requested.connect(self.open_incident)
        self.inbox.view_changed.connect(self._on_view_changed)
        self.inbox.bulk.message.connect(self._show_message)
        self.deadlines = DeadlineNotifier(
            DeadlineNotices(ws, self.login), lambda: datetime.now(UTC), self
        )
        self.deadlines.status_message.connect(self._show_message)
        self.deadlines.start()
        self.waiting.hide()
        self.waiting.setParent(None)
        self.inbox_holder.insertWidget(0, self.inbox)
        self.card.show()
        self._restore_splitter()
        self.status.set_offline_mode(offline)
        view = self._saved_view()
        self.inbox.set_view(view)
        if self.inbox.views.currentRow() == list(SavedView).index(view):
            self.inbox.reload()
        self.spawn(self._load_reference())
        self.spawn(self._load_attention())
        # the inbox first: the other pages start reading once it has shown rows (or is empty)
        self.supervision.attach(ws, info)
        self.inbox.model.page_loaded.connect(self._start_other_pages)
        self.inbox.model.keys_loaded.connect(self._on_first_keys)
        QTimer.singleShot(START_OTHER_PAGES_MS, self._start_other_pages)
        self.region_code = info.region_code
        fmt.set_region_zone(region_timezone(info.region_code) if info.region_code else None)
        self.register_action.setEnabled(bool(info.region_code))
        if info.role is Role.ADMIN:
            self.admin_page = AdminPage(self)
            self.tabs.addTab(self.admin_page, self.tr("Administration"))
            self.admin_page.attach(ws.administration(), info.region_code)
        self._on_tab_changed(self.tabs.currentIndex())
        self.inbox.table.setFocus()

    def _on_first_keys(self) -> None:
        if self.inbox is not None and self.inbox.model.rowCount() == 0:
            self._start_other_pages()

    def _start_other_pages(self) -> None:
        """The board starts reading (once); until now the reader pool served the inbox."""
        if not self._closed:
            self.supervision.start()

    def _on_tab_changed(self, index: int) -> None:
        if index <= 0 or self.ws is None:
            return
        self.supervision.start()
        if self.tabs.widget(index) is self.supervision.statistics_holder:
            self.supervision.statistics.show()  # built on first use (pyqtgraph)

    def show_drill(self, criteria: list[DrillCriterion]) -> None:
        """A drill-down of the statistics: the Входящие tab filtered to exactly its incidents."""
        if self.inbox is None:
            return
        self.tabs.setCurrentIndex(0)
        self.inbox.show_drill(criteria)
        self.inbox.table.setFocus()

    def spawn(self, coro: Coroutine[Any, Any, object]) -> None:
        """Run a coroutine on the loop, keep it alive, log its failure."""
        if self._closed:
            coro.close()
            return
        try:
            asyncio.get_running_loop()
        except RuntimeError:  # no event loop any more (the window is closing)
            coro.close()
            return
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Future[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled() or task.exception() is None:
            return
        exc = task.exception()
        if isinstance(exc, OperationError):  # a refusal told in Russian: show it, no traceback
            log.info("operation refused: %s (%s)", exc.message, exc.code)
            message = exc.message
        else:  # unexpected: the crash handler's report and dialog (ui/task_errors.py)
            report_failure(task)
            message = str(exc)
        self.status.showMessage(self.tr("Error: %1").replace("%1", message), 10_000)

    async def _load_reference(self) -> None:
        assert self.reads is not None
        assert self.inbox is not None
        ref = await self.reads.reference()
        self.inbox.set_reference(ref)
        self.card.set_reference(ref)

    async def _load_attention(self) -> None:
        assert self.ws is not None
        items = await self.ws.needs_attention()
        self.attention.set_items(items)
        self.status.set_attention(len(items))

    # ------------------------------------------------------------------ events

    def _on_core_event(self, event: object) -> None:
        self.status.on_event(event)
        kind = type(event).__name__
        if kind in ("NeedsAttention", "UpToDate") and self.ws is not None:
            self.spawn(self._load_attention())
        if kind == "Changes" and getattr(event, "lookups", False) and self.reads is not None:
            self.spawn(self._load_reference())
        if kind == "Changes" and getattr(event, "everything", False) and self.inbox is not None:
            # the local state was replaced (a re-snapshot): rows may have new keys, so the list
            # starts empty rather than showing the rows it had as stale (inbox_pager.refresh)
            self.inbox.reload()
        if kind == "Progress":
            text = str(getattr(event, "text", ""))
            done = getattr(event, "done", None)
            total = getattr(event, "total", None)
            self.status.show_preparing(text, done, total)

    def _on_incidents_changed(self, ids: list[str]) -> None:
        self.supervision.on_incidents_changed(ids)
        if self.inbox is not None:
            self.inbox.on_incidents_changed(ids)
        if self.deadlines is not None:
            self.deadlines.changed()
        detail = self.card.detail
        if detail is not None and str(detail.incident.id) in ids:
            self.spawn(self._reload_card(str(detail.incident.id), from_event=True))

    def _on_tick(self) -> None:
        if self.inbox is not None and self.isVisible() and self.tabs.currentIndex() == 0:
            self.inbox.repaint_timers()

    def _open_from_board(self, incident_id: str) -> None:
        self.tabs.setCurrentIndex(0)
        self.open_incident(incident_id)

    def _show_message(self, text: str) -> None:
        self.status.showMessage(text, 8000)

    def _on_view_changed(self, view: str) -> None:
        QSettings().setValue("inbox/view", view)

    # ------------------------------------------------------------------ card

    def open_incident(self, incident_id: str) -> None:
        """Show an incident in the card with its draft."""
        self.spawn(self._open(incident_id))

    async def _open(self, incident_id: str) -> None:
        assert self.ws is not None
        try:
            detail = await self.ws.incident(incident_id)
        except OperationError:
            self.status.showMessage(self.tr("The incident is no longer available."), 8000)
            return
        self.card.show_detail(detail)
        self._open_version[incident_id] = detail.incident.version
        self.spawn(self.ws.mark_read([incident_id]))  # opened: no longer unread
        incident = detail.incident
        promise = promise_date(
            incident.region_code,
            incident.source,
            incident.topic_code,
            incident.priority,
            datetime.now(UTC),
        )
        context = self._template_context(promise)
        draft = detail.draft
        self.reminder_offer.set_incident(incident_id, incident.region_code)
        self.card.editor.open_incident(
            incident_id,
            context,
            incident.topic_code,
            draft_kind=None if draft is None else draft.kind,
            draft_text="" if draft is None else draft.text,
        )
        if draft is None:
            self.card.editor.suggest_kind(_expected_kind(incident.status))
        await self.evidence.load(incident_id)

    def _template_context(self, promise: datetime | None) -> TemplateContext:
        """The template variables of the card's incident as it is shown now."""
        assert self.card.detail is not None
        incident = self.card.detail.incident
        municipality, executor, topic = self.card.names()
        return TemplateContext(
            author=incident.author.split()[0] if incident.author else None,
            executor=executor,
            due_local=promise,
            municipality=municipality,
            topic=topic,
            operator=self.login,
        )

    async def _reload_card(self, incident_id: str, *, from_event: bool) -> None:
        assert self.ws is not None
        # reads run on reader threads and may end out of order: a read begun before a newer
        # one was shown is older and is dropped (a slow read from a sync's event landed after
        # the classification's own reload and showed the incident without its executor)
        self._reload_started += 1
        ticket = self._reload_started
        try:
            detail = await self.ws.incident(incident_id)
        except OperationError:
            return
        if ticket < self._reload_shown:
            return
        if self.card.detail is None or str(self.card.detail.incident.id) != incident_id:
            return
        self._reload_shown = ticket
        self.card.show_detail(detail)
        if self.card.editor.current_kind() is AnswerKind.INTERIM:  # the interim answer went out
            self.card.editor.suggest_kind(_expected_kind(detail.incident.status))
        # a classification saved since opening fills {исполнитель}, {муниципалитет}, {тема}
        self.card.editor.context = self._template_context(self.card.editor.context.due_local)
        sent = (
            self.card.editor.show_sent_state(
                any(p.state is ChangeState.PENDING for p in detail.pending)
            )
            if ticket > self._sent_at_ticket
            else None
        )
        if sent is not None:  # the status line said «в очереди» a moment ago
            self.status.showMessage(
                self.tr("Note sent to the server")
                if sent is AnswerKind.INTERNAL_NOTE
                else self.tr("Answer sent to the server"),
                6000,
            )
        await self.evidence.load(incident_id)
        opened = self._open_version.get(incident_id)
        if from_event and opened is not None and detail.incident.version > opened:
            others = [a.author for a in detail.answers if a.author != self.login]
            if others or detail.incident.assignee not in (None, self.login):
                self.card.editor.show_changed_banner(others[-1] if others else "")

    # ------------------------------------------------------------------ operations

    def _on_take(self, incident_id: str) -> None:
        async def run() -> None:
            assert self.ws is not None
            await self.ws.take(incident_id)
            self._open_version.pop(incident_id, None)
            await self._reload_card(incident_id, from_event=False)
            if self.card.detail is not None:
                self._open_version[incident_id] = self.card.detail.incident.version
            self.status.showMessage(self.tr("Taken into work"), 4000)

        self.spawn(run())

    def _on_remind(self, incident_id: str, remind_at: datetime) -> None:
        async def run() -> None:
            assert self.ws is not None
            await self.ws.set_reminder(incident_id, remind_at)
            self.status.showMessage(
                self.tr("Reminder set for %1").replace("%1", fmt.region_date_time(remind_at)),
                6000,
            )

        self.spawn(run())

    def take_current(self) -> None:
        """Take the selected incident."""
        if self.inbox is None:
            return
        incident_id = self.inbox.current_incident_id()
        if incident_id:
            self._on_take(incident_id)

    def _on_classify(
        self, incident_id: str, municipality: object, topic: object, executor: object
    ) -> None:
        async def run() -> None:
            assert self.ws is not None
            await self.ws.classify(
                incident_id,
                municipality_id=None if municipality is None else str(municipality),
                topic_code=None if topic is None else str(topic),
            )
            detail = self.card.detail
            current = None if detail is None else detail.incident.executor_id
            if executor is not None and str(executor) != current:
                await self.ws.route_to_executor(incident_id, str(executor))
            self.status.showMessage(self.tr("Classification saved"), 4000)

        self.spawn(run())

    def _on_draft_changed(self, incident_id: str, kind: str, text: str) -> None:
        if self.ws is None:
            return
        self.spawn(self.ws.save_draft(incident_id, AnswerKind(kind), text))

    def _on_send(self, incident_id: str, kind: str, text: str) -> None:
        async def run() -> None:
            assert self.ws is not None
            answer_kind = AnswerKind(kind)
            note = answer_kind is AnswerKind.INTERNAL_NOTE
            try:
                if note:
                    await self.ws.add_note(incident_id, text)
                    await self.ws.discard_draft(incident_id)
                else:
                    await self.ws.send_answer(incident_id, answer_kind, text)
            except OperationError as exc:  # refused here: the text stays, the reason shows
                self.card.editor.show_refusal(exc.message, answer_kind)
                raise
            self.card.editor.clear_after_send(answer_kind)
            self._sent_at_ticket = self._reload_started
            self._open_version.pop(incident_id, None)
            await self._reload_card(incident_id, from_event=False)
            detail = self.card.detail
            if detail is not None:
                self._open_version[incident_id] = detail.incident.version
            if not self.card.editor.waiting_for_server:  # already confirmed: the reload said so
                return
            self.status.showMessage(
                self.tr("Note saved; it goes to the server when connected.")
                if note
                else self.tr(
                    "The answer is in the outbox; it is sent when the server is reachable."
                ),
                6000,
            )

        self.spawn(run())

    def _on_sync_now(self) -> None:
        if self.ws is not None:
            self.spawn(self._sync_now())

    async def _sync_now(self) -> None:
        assert self.ws is not None
        try:
            await self.ws.sync_now()
        except OperationError as exc:  # offline: the status bar already says so
            log.info("sync now: %s", exc.message)

    def _toggle_attention(self) -> None:
        self.attention_dock.setVisible(not self.attention_dock.isVisible())

    def _after_attention(self) -> None:
        self.spawn(self._load_attention())

    def _on_retry(self, item_id: int) -> None:
        async def run() -> None:
            assert self.ws is not None
            await self.ws.retry(item_id)
            self._after_attention()

        self.spawn(run())

    def _on_discard(self, item_id: int) -> None:
        async def run() -> None:
            assert self.ws is not None
            await self.ws.discard(item_id)
            self._after_attention()

        self.spawn(run())

    def _on_edit(self, item_id: int, text: str) -> None:
        async def run() -> None:
            assert self.ws is not None
            item = next(i for i in self.attention.items if i.mutation_id == item_id)
            await self.ws.edit(item_id, {**item.args, "text": text})
            self._after_attention()

        self.spawn(run())

    # ------------------------------------------------------------------ keyboard

    def shortcut_list(self) -> list[tuple[str, str]]:
        """Every shortcut and what it does (the help dialog shows this list)."""
        return [
            ("↑ / ↓, PgUp / PgDn", self.tr("Move in the list")),
            ("Enter", self.tr("Open the selected incident")),
            ("Ctrl+T", self.tr("Take the selected incident into work")),
            ("Ctrl+R", self.tr("Answer: open the incident and go to the editor")),
            ("Ctrl+Enter", self.tr("Send the answer (after the quality check)")),
            ("Ctrl+N", self.tr("Register an incident by hand (call, letter, visit)")),
            ("F8", self.tr("Next overdue incident")),
            ("Ctrl+F", self.tr("Search the text")),
            (
                "Ctrl+1 … Ctrl+6",
                self.tr("Saved views: Mine, New, Due soon, Overdue, On control, All"),
            ),
            ("Esc", self.tr("Back to the list")),
            ("F5", self.tr("Synchronise now")),
            ("F1", self.tr("This list")),
            *bulk_shortcuts(),
        ]

    def _make_shortcuts(self) -> list[QShortcut]:
        made: list[QShortcut] = []

        def bind(keys: str, slot: Callable[[], object]) -> None:
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
            shortcut.activated.connect(slot)
            made.append(shortcut)

        bind("Return", self._on_enter)
        bind("Ctrl+T", self.take_current)
        bind("Ctrl+R", self.answer_current)
        bind("F8", self.next_overdue)
        bind("Ctrl+F", self.focus_search)
        bind("Escape", self.focus_list)
        bind("F5", self._on_sync_now)
        bind("F1", self.show_shortcuts)
        for number, view in enumerate(SavedView, start=1):
            bind(f"Ctrl+{number}", functools.partial(self._show_view, view))
        return made

    def _make_menu(self) -> QAction:
        """The «Инцидент» menu; its «Зарегистрировать обращение…» is also Ctrl+N."""
        menu = self.menuBar().addMenu(self.tr("&Incident"))
        action = QAction(self.tr("&Register an incident…"), self)
        action.setObjectName("registerAction")
        action.setShortcut(QKeySequence("Ctrl+N"))
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.setEnabled(False)  # until signed in
        action.triggered.connect(self.show_register_dialog)
        menu.addAction(action)
        return action

    def show_register_dialog(self) -> RegisterDialog | None:
        """Open the registration dialog (returned for tests); the new incident opens after."""
        if self.ws is None or self.reads is None:
            return None
        ws = self.ws

        async def submit(entered: Registration) -> str:
            changes = await ws.register_incident(
                entered.channel,
                entered.text,
                author=entered.author,
                contact=entered.contact,
                received_at=entered.received_at,
                region_code=entered.region_code,
                municipality_id=entered.municipality_id,
                topic_code=entered.topic_code,
            )
            return next(iter(changes.incident_ids))

        dialog = RegisterDialog(
            submit,
            self.card.ref,
            self.region_code,
            region_timezone(self.region_code),
            self,
        )
        dialog.accepted.connect(lambda: self._after_registration(dialog))
        dialog.open()
        return dialog

    def _after_registration(self, dialog: RegisterDialog) -> None:
        if dialog.registered_id is None:
            return
        self.tabs.setCurrentIndex(0)
        self.open_incident(dialog.registered_id)
        self.status.showMessage(
            self.tr("Incident registered; it is sent when the server is reachable."), 6000
        )

    def _on_enter(self) -> None:
        if self.inbox is not None and self.inbox.table.hasFocus():
            self.inbox.open_current()

    def _show_view(self, view: SavedView) -> None:
        if self.inbox is not None:
            self.tabs.setCurrentIndex(0)
            self.inbox.set_view(view)
            self.inbox.table.setFocus()

    def answer_current(self) -> None:
        """Open the selected incident and put the cursor in the editor."""
        if self.inbox is None:
            return
        incident_id = self.inbox.current_incident_id()
        if incident_id is None:
            return

        async def run() -> None:
            await self._open(incident_id)
            self.card.editor.text.setFocus()

        self.spawn(run())

    def next_overdue(self) -> None:
        """Select the next overdue incident."""
        if self.inbox is not None:
            self.tabs.setCurrentIndex(0)
            self.inbox.select_next_overdue()
            self.inbox.table.setFocus()

    def focus_search(self) -> None:
        """Put the cursor into the search box."""
        if self.inbox is not None:
            self.tabs.setCurrentIndex(0)
            self.inbox.search.setFocus()
            self.inbox.search.selectAll()

    def focus_list(self) -> None:
        """Back to the list."""
        if self.inbox is not None:
            self.inbox.table.setFocus()

    def show_shortcuts(self) -> ShortcutsDialog:
        """Open the shortcuts dialog (returned for tests)."""
        dialog = ShortcutsDialog(self.shortcut_list(), self)
        dialog.open()
        return dialog

    # ------------------------------------------------------------------ settings

    def _saved_view(self) -> SavedView:
        value = QSettings().value("inbox/view", SavedView.ALL.value)
        try:
            return SavedView(str(value))
        except ValueError:
            return SavedView.ALL

    def restore_settings(self) -> None:
        """Geometry and window state of the last session (or a size that fits 1366×768)."""
        settings = QSettings()
        geometry = settings.value("window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(1366, 740)
        state = settings.value("window/state")
        if isinstance(state, QByteArray) and not state.isEmpty():
            self.restoreState(state)
        tab = settings.value("window/tab", 0)
        self.tabs.setCurrentIndex(int(str(tab)) if str(tab).isdigit() else 0)

    def _restore_splitter(self) -> None:
        state = QSettings().value("inbox/splitter")
        if isinstance(state, QByteArray) and not state.isEmpty():
            self.inbox_holder.restoreState(state)
        else:
            self.inbox_holder.setSizes([330, 370])

    def save_settings(self) -> None:
        """Remember geometry, state, tab, splitter and the saved view."""
        settings = QSettings()
        settings.setValue("window/geometry", self.saveGeometry())
        settings.setValue("window/state", self.saveState())
        settings.setValue("window/tab", self.tabs.currentIndex())
        if self.inbox is not None:
            settings.setValue("inbox/splitter", self.inbox_holder.saveState())
            settings.setValue("inbox/view", self.inbox.view.value)
        settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        """Save the draft being typed and the window's settings."""
        self.card.editor.flush_draft()
        self.save_settings()
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self._ticker.stop()
        self.cancel_tasks()
        super().closeEvent(event)
        self.closing.emit()

    def cancel_tasks(self) -> None:
        """Cancel reads and operations in flight (the services are about to close)."""
        self._closed = True
        for task in list(self._tasks):
            task.cancel()
        if self.inbox is not None:
            self.inbox.cancel_tasks()
        if self.deadlines is not None:
            self.deadlines.stop()
        self.supervision.cancel_tasks()
        if self.admin_page is not None:
            self.admin_page.cancel_tasks()

    def show_error(self, title: str, message: str) -> None:
        """One place for error dialogs."""
        QMessageBox.warning(self, title, message)


__all__ = ["MainWindow"]
