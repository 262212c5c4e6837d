"""The workstation: the one long-lived object the window talks to (no Qt here).

:class:`Workstation` owns, for one operator profile, everything that lives as long as the
program: the local database (engine), the single writer (:class:`DbWriter`), a small pool of
readers that never queue behind the writer (:class:`DbReaders`, WAL snapshots), the HTTP
transport and the sync engine. It is created once with :meth:`Workstation.open` and closed
once with :meth:`Workstation.close` (or ``async with``).

Everything is ``async`` and must be awaited on the event loop the workstation was opened on
(the window's qasync loop, or ``asyncio.run`` headless). Database work runs on the writer or
reader threads; network work on the loop; nothing blocks the loop.

Operations (take, assign, route, classify, change status, reject, merge a duplicate, drafts,
answers, notes, approve / return) each:

1. check the rules against what this workstation shows and refuse with
   :class:`OperationError` (Russian ``message``) before writing anything;
2. record the change through the outbox in ONE write transaction
   (:func:`cur_desktop.storage.outbox.record_local_mutation`: view updated, mutation queued,
   the same rule the server will apply: :mod:`cur_desktop.contract.mutations`);
3. return :class:`Changes` (the incident ids touched) and announce the same object to
   subscribers; then wake the background sync so the change goes out.

Reads return the frozen values of :mod:`cur_desktop.services.views`.

Events: :meth:`subscribe` registers a plain callback that receives :class:`Changes` (after
every local operation, every applied pull page, every push answer that rejected something)
and the sync progress events (``Offline``, ``Syncing``, ``UpToDate``, ``NeedsAttention``,
``SyncError`` from :mod:`cur_desktop.sync.events`). Callbacks run on the event loop's thread,
must be quick, and must not raise (an exception is logged and swallowed). The window bridges
them to Qt signals.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine

from cur_desktop.contract import mutations
from cur_desktop.contract.ratings import RatingsResponse
from cur_desktop.domain.date_range import StatsPeriod
from cur_desktop.domain.deadlines import TimeLeft
from cur_desktop.domain.enums import (
    AnswerKind,
    Outcome,
    Priority,
    RejectReason,
    Source,
    Status,
)
from cur_desktop.services import bulk, evidence, operations, reads, supervision, timers
from cur_desktop.services.administration import Administration
from cur_desktop.services.outcomes import (
    CODE_INVALID,
    CODE_NOT_CONNECTED,
    CODE_NOT_FOUND,
    CODE_SYNC_FAILED,
    ChangeOrigin,
    Changes,
    EventCallback,
    OperationError,
    Unsubscribe,
    WorkstationEvent,
)
from cur_desktop.services.supervision import StatisticsReport
from cur_desktop.services.views import (
    Draft,
    InboxPage,
    InboxRow,
    InboxSnapshot,
    IncidentDetail,
    NamedRef,
    PendingChange,
    SessionInfo,
)
from cur_desktop.storage import attachments as attachments_store
from cur_desktop.storage import history, localstate, operator_marks, outbox, sync_state
from cur_desktop.storage.database import DbReaders, DbWriter, open_engine
from cur_desktop.storage.inbox import InboxFilter, InboxSort, PageCursor
from cur_desktop.storage.outbox import SyncStatus
from cur_desktop.storage.search import SearchHit
from cur_desktop.storage.stats import MunicipalityStats, PeriodStats
from cur_desktop.sync import session
from cur_desktop.sync.errors import SyncClientError
from cur_desktop.sync.events import DataChanged, Offline, SyncEvent, UpToDate
from cur_desktop.sync.evidence_upload import EvidenceSync
from cur_desktop.sync.profile import Profile
from cur_desktop.sync.syncer import RetryPolicy, SyncCounts, SyncEngine
from cur_desktop.sync.transport import SyncTransport

log = logging.getLogger(__name__)

T = TypeVar("T")

Clock = Callable[[], datetime]
TransportFactory = Callable[[str, str | None], SyncTransport]
"""``(server_url, token) -> SyncTransport``; tests pass one to route through a fault proxy."""

DEFAULT_READERS = 2


def _attach(
    conn: Connection, incident_id: str, copied: evidence.CopiedFile, now: datetime
) -> Changes:
    evidence.add_draft(conn, incident_id, copied, now)
    return Changes.local([incident_id], [])


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _login(conn: Connection) -> str:
    return sync_state.get_state(conn, sync_state.KEY_LOGIN) or ""


def _default_transport(server_url: str, token: str | None) -> SyncTransport:
    return SyncTransport(server_url, token=token)


class Workstation:
    """One operator's workstation: database, writer, readers, transport and sync engine.

    Do not construct directly; use ``await Workstation.open(profile_dir)``.
    """

    def __init__(
        self,
        profile: Profile,
        engine: Engine,
        writer: DbWriter,
        readers: DbReaders,
        *,
        clock: Clock,
        transport_factory: TransportFactory,
        retry: RetryPolicy | None,
        poll_interval: float,
    ) -> None:
        self.profile = profile
        self._engine = engine
        self._writer = writer
        self._readers = readers
        self._clock = clock
        self._transport_factory = transport_factory
        self._retry = retry
        self._poll_interval = poll_interval
        self._transport: SyncTransport | None = None
        self._syncer: SyncEngine | None = None
        self._sync_task: asyncio.Task[None] | None = None
        self._listeners: list[EventCallback] = []
        self._closed = False
        self._offline = True
        """Whether a change made now is made without a connection (for the history's mark):
        true while no server is bound and after an ``Offline`` event, until ``UpToDate``."""

    # ------------------------------------------------------------------ lifecycle

    @classmethod
    async def open(
        cls,
        profile_dir: Path | None = None,
        *,
        readers: int = DEFAULT_READERS,
        clock: Clock | None = None,
        transport_factory: TransportFactory | None = None,
        retry: RetryPolicy | None = None,
        poll_interval: float = 60.0,
    ) -> Workstation:
        """Open the profile in ``profile_dir`` (default: the user data directory).

        Creates and migrates the local database if needed, starts the writer and ``readers``
        reader threads, and, when the profile is bound to a server and holds a token, builds
        the transport and the sync engine (sync is NOT started: call :meth:`start_sync`).
        ``clock`` replaces the wall clock for operations (tests); ``transport_factory`` builds
        the HTTP transport (tests route it through a fault proxy).
        """
        profile = await asyncio.to_thread(Profile.at, profile_dir)
        engine = await asyncio.to_thread(open_engine, profile.db_path)
        writer = DbWriter(engine)
        pool = DbReaders(engine, workers=readers)
        station = cls(
            profile,
            engine,
            writer,
            pool,
            clock=clock or _utc_now,
            transport_factory=transport_factory or _default_transport,
            retry=retry,
            poll_interval=poll_interval,
        )
        try:
            await station._connect()
        except BaseException:
            await station.close()
            raise
        log.info("workstation opened at %s", profile.directory)
        return station

    async def _connect(self) -> None:
        """(Re)build transport and sync engine from the stored binding and token."""
        await self._disconnect()
        server_url = await self._writer.run(
            lambda conn: sync_state.get_state(conn, sync_state.KEY_SERVER_URL)
        )
        token = await asyncio.to_thread(self.profile.credentials().load)
        if not server_url or not token:
            log.info("profile not bound to a server: working offline only")
            return
        self._transport = self._transport_factory(server_url, token)
        self._syncer = SyncEngine(
            self._engine,
            self._transport,
            on_event=self._on_sync_event,
            writer=self._writer,
            retry=self._retry,
            poll_interval=self._poll_interval,
        )
        self._syncer.add_change_listener(self._on_data_changed)
        self._offline = False

    async def _disconnect(self) -> None:
        await self.stop_sync()
        if self._syncer is not None:
            self._syncer.close()  # the writer is ours: the engine does not close it
            self._syncer = None
        if self._transport is not None:
            await self._transport.aclose()
            self._transport = None

    async def close(self) -> None:
        """Stop sync, close the transport, finish queued writes, stop the threads. Idempotent."""
        if self._closed:
            return
        self._closed = True
        await self._disconnect()
        await asyncio.to_thread(self._writer.close)
        await asyncio.to_thread(self._readers.close)
        await asyncio.to_thread(self._engine.dispose)
        self._listeners.clear()
        log.info("workstation closed")

    async def __aenter__(self) -> Workstation:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # ------------------------------------------------------------------ events

    def subscribe(self, callback: EventCallback) -> Unsubscribe:
        """Call ``callback(event)`` for every :data:`WorkstationEvent`; returns unsubscribe.

        Events: :class:`Changes` after every local operation (``origin=LOCAL``), every applied
        pull page (``PULLED``; ``everything=True`` after a full re-snapshot) and every push
        answer that rejected a change (``PUSHED``); and the sync progress events. Delivered on
        the event loop's thread, in order; a raising callback is logged and skipped.
        """
        self._listeners.append(callback)

        def unsubscribe() -> None:
            with contextlib.suppress(ValueError):
                self._listeners.remove(callback)

        return unsubscribe

    def _emit(self, event: WorkstationEvent) -> None:
        for callback in list(self._listeners):
            try:
                callback(event)
            except Exception:
                log.exception("workstation event listener failed on %r", event)

    def _on_sync_event(self, event: SyncEvent) -> None:
        if isinstance(event, Offline):
            self._offline = True
        elif isinstance(event, UpToDate):
            self._offline = False
        self._emit(event)

    def _on_data_changed(self, event: DataChanged) -> None:
        origin = ChangeOrigin.PULLED if event.pulled else ChangeOrigin.PUSHED
        self._emit(
            Changes(origin, event.incident_ids, everything=event.everything, lookups=event.lookups)
        )

    # ------------------------------------------------------------------ plumbing

    async def _read(self, fn: Callable[[Connection], T]) -> T:
        """Run ``fn`` on a reader thread in one snapshot (never behind the writer)."""
        return await self._readers.run(fn)

    async def _operate(self, fn: Callable[[Connection, datetime], Changes]) -> Changes:
        """Run one operation in one write transaction; map refusals to OperationError."""
        now = self._clock()

        def run(conn: Connection) -> Changes:
            changes = fn(conn, now)
            if changes.mutation_ids:  # what I changed myself is not unread for me
                operator_marks.mark_seen(conn, _login(conn), sorted(changes.incident_ids))
                history.journal_mutations(
                    conn, changes.mutation_ids, actor=_login(conn), offline=self._offline
                )
            return changes

        try:
            changes = await self._writer.run(run, expected=(OperationError,))
        except mutations.MutationRejected as exc:
            raise OperationError(exc.message, exc.code.value) from exc
        if not changes.empty:
            self._emit(changes)
            if changes.mutation_ids and self._syncer is not None:
                self._syncer.poke()
        return changes

    # ------------------------------------------------------------------ who and where

    async def session_info(self) -> SessionInfo:
        """Who is logged in on this profile, where, and whether sync is possible."""
        info = await self._read(reads.session_info)
        return SessionInfo(
            login=info.login,
            role=info.role,
            region_code=info.region_code,
            server_url=info.server_url,
            can_sync=self._syncer is not None,
        )

    async def login(self, server_url: str, login: str, password: str) -> SessionInfo:
        """Log in to ``server_url`` and bind this profile to it (see :mod:`..sync.session`).

        Refused (``OperationError``) when the password is wrong, the server unreachable, or the
        profile holds unsent changes of another user. Rebuilds the sync engine; a running
        background sync is restarted.
        """
        was_syncing = self._sync_task is not None
        try:
            await session.login_with(
                self.profile,
                self._writer,
                server_url,
                login,
                password,
                transport_factory=self._transport_factory,
            )
        except SyncClientError as exc:
            raise OperationError(exc.message, CODE_NOT_CONNECTED) from exc
        await self._connect()
        if was_syncing:
            self.start_sync()
        self._emit(Changes(ChangeOrigin.PULLED, everything=True))
        return await self.session_info()

    async def logout(self) -> None:
        """Stop sync, revoke the token on the server if reachable, forget it locally."""
        await self._disconnect()
        await session.logout(self.profile)

    # ------------------------------------------------------------------ operations

    async def register_incident(
        self,
        channel: str,
        text: str,
        *,
        author: str = "",
        contact: str = "",
        received_at: datetime | None = None,
        region_code: str | None = None,
        municipality_id: str | None = None,
        topic_code: str | None = None,
        priority: Priority = Priority.NORMAL,
    ) -> Changes:
        """Register by hand a call, a letter or a visit (``channel``: ``phone`` / ``letter`` /
        ``visit``); works offline.

        The new incident is in the view at once (its id is the one of
        ``Changes.incident_ids``), with deadlines computed here by the region's rules and marked
        provisional (:attr:`IncidentDetail.provisional`) until the server's row arrives. Refused
        (``OperationError``) for another region than the user's, an empty text, a received
        time in the future, an unknown topic or municipality.
        """
        return await self._operate(
            lambda conn, now: operations.register_incident(
                conn,
                now,
                channel=channel,
                text=text,
                author=author,
                contact=contact,
                received_at=received_at,
                region_code=region_code,
                municipality_id=municipality_id,
                topic_code=topic_code,
                priority=priority,
            )
        )

    async def take(self, incident_id: str) -> Changes:
        """Take a free incident into work (the assignee becomes the logged-in user).

        Refused when someone else already holds it («Инцидент уже в работе у сотрудника …»).
        Taking an incident one already holds changes nothing (empty :class:`Changes`).
        """
        return await self._operate(lambda conn, now: operations.take(conn, incident_id, now))

    async def release(self, incident_id: str) -> Changes:
        """Give back an incident one holds (no assignee afterwards)."""
        return await self._operate(lambda conn, now: operations.release(conn, incident_id, now))

    async def assign(self, incident_id: str, assignee: str | None) -> Changes:
        """Assign (or, for a held incident, reassign) to ``assignee`` (``None``: nobody).

        Supervisors only, except an operator assigning to themselves (that is :meth:`take`).
        Compare-and-set against the assignee this workstation shows: if the server meanwhile
        knows another one, the server rejects it and it lands in :meth:`needs_attention`.
        """
        return await self._operate(
            lambda conn, now: operations.assign(conn, incident_id, assignee, now)
        )

    async def reassign(self, incident_id: str, assignee: str) -> Changes:
        """Move a held incident to another employee (supervisors); see :meth:`assign`."""
        return await self._operate(
            lambda conn, now: operations.assign(conn, incident_id, assignee, now, held=True)
        )

    async def route_to_executor(self, incident_id: str, executor_id: str) -> Changes:
        """Route to an executor: set it, and move the status to «Направлен исполнителю».

        From «Новый» the incident passes through «На модерации»; from «На модерации»,
        «Переоткрыт» or «На доработке» it goes straight there; an incident already with an
        executor is re-routed (only the executor changes). The executor must belong to the
        region (known locally).
        """
        return await self._operate(
            lambda conn, now: operations.route_to_executor(conn, incident_id, executor_id, now)
        )

    async def classify(
        self,
        incident_id: str,
        *,
        topic_code: str | None = None,
        subtopic_code: str | None = None,
        municipality_id: str | None = None,
        priority: Priority | None = None,
        source: Source | None = None,
    ) -> Changes:
        """Set topic / subtopic / municipality / priority / source; ``None`` leaves a field as is.

        Codes are checked against the reference topics and the region's municipalities. A new
        incident moves to «На модерации» with its first classification. A change of source,
        topic or priority makes the server recompute the running deadlines (they arrive with
        the next pull).
        """
        return await self._operate(
            lambda conn, now: operations.classify(
                conn,
                incident_id,
                now,
                topic_code=topic_code,
                subtopic_code=subtopic_code,
                municipality_id=municipality_id,
                priority=priority,
                source=source,
            )
        )

    async def change_status(
        self,
        incident_id: str,
        to_status: Status,
        *,
        outcome: Outcome | None = None,
        reject_reason: RejectReason | None = None,
    ) -> Changes:
        """Move the status from what this workstation shows to ``to_status``.

        ``outcome`` is required for «Закрыт», ``reject_reason`` for «Отклонён» (or use
        :meth:`reject`). A move the status machine forbids is refused with its reason; the
        status already reached changes nothing.
        """
        return await self._operate(
            lambda conn, now: operations.change_status(
                conn, incident_id, to_status, now, outcome=outcome, reject_reason=reject_reason
            )
        )

    async def reject(
        self, incident_id: str, reason: RejectReason, comment: str | None = None
    ) -> Changes:
        """Reject an incident that needs no answer (spam, duplicate, out of scope …).

        ``comment``, if given, is kept as an internal note on the incident.
        """
        return await self._operate(
            lambda conn, now: operations.reject(conn, incident_id, reason, comment, now)
        )

    async def merge_duplicate(self, duplicate_id: str, into_id: str) -> Changes:
        """Merge a duplicate post into the incident it repeats.

        The duplicate is rejected with reason «Дубликат» and gets an internal note naming the
        incident it was merged into; that incident gets a note with the duplicate's author,
        link and text, so nothing the resident wrote is lost. Touches both ids.
        """
        return await self._operate(
            lambda conn, now: operations.merge_duplicate(conn, duplicate_id, into_id, now)
        )

    async def save_draft(self, incident_id: str, kind: AnswerKind, text: str) -> Changes:
        """Keep an answer draft on this workstation (never sent until :meth:`send_answer`).

        One draft per incident; saving replaces it; empty ``text`` deletes it. Drafts survive
        restarts. Returns ``Changes`` with no mutation ids.
        """
        return await self._operate(
            lambda conn, now: operations.save_draft(conn, incident_id, kind, text, now)
        )

    async def discard_draft(self, incident_id: str) -> Changes:
        """Delete the incident's draft (nothing is sent)."""
        return await self._operate(
            lambda conn, now: operations.discard_draft(conn, incident_id, now)
        )

    async def send_answer(
        self,
        incident_id: str,
        kind: AnswerKind,
        text: str,
        *,
        for_approval: bool = False,
        outcome: Outcome = Outcome.SOLVED,
    ) -> Changes:
        """Send a public answer (interim, solution or final); the draft is dropped.

        ``for_approval``: the answer goes to a supervisor («На согласовании») instead of being
        published. A published answer also moves the status forward where the status machine
        allows: a solution or interim answer to «Дан первичный ответ» (an interim one further
        to «На контроле»), a final answer to «Закрыт» with ``outcome``.
        """
        return await self._operate(
            lambda conn, now: operations.send_answer(
                conn, incident_id, kind, text, now, for_approval=for_approval, outcome=outcome
            )
        )

    # ------------------------------------------------------------------ evidence

    @property
    def attachments_dir(self) -> Path:
        """Where the profile keeps evidence files (``attachments/``)."""
        return self.profile.directory / "attachments"

    async def attach_file(self, incident_id: str, source: Path) -> Changes:
        """Check ``source`` and copy it into the profile as evidence of the answer being written.

        The copy and its SHA-256 run in a worker thread; the row is written by the writer.
        The attachment goes with the next answer sent for the incident (``send_answer``).
        """
        copied = await asyncio.to_thread(evidence.copy_into_profile, source, self.attachments_dir)
        try:
            return await self._operate(lambda conn, now: _attach(conn, incident_id, copied, now))
        except BaseException:
            (self.attachments_dir / copied.local_name).unlink(missing_ok=True)
            raise

    async def remove_attachment(self, attachment_id: str) -> Changes:
        """Remove an attachment that has not been sent (its copy in the profile too)."""

        def remove(conn: Connection, _now: datetime) -> Changes:
            found = attachments_store.remove_draft(conn, attachment_id)
            if found is None:
                raise OperationError("Отправленное вложение удалить нельзя", CODE_INVALID)
            if found.local_name:
                (self.attachments_dir / found.local_name).unlink(missing_ok=True)
            return Changes.local([found.incident_id], [])

        return await self._operate(remove)

    @property
    def evidence_sync(self) -> EvidenceSync | None:
        """The sync engine's evidence uploader (chunk size, progress callback); ``None`` offline."""
        return None if self._syncer is None else self._syncer.evidence

    async def attachment_file(self, attachment_id: str) -> Path:
        """The attachment's file in the profile, downloaded from the server first if needed."""
        row = await self._read(lambda conn: attachments_store.get(conn, attachment_id))
        if row is None:
            raise OperationError("Вложение не найдено", CODE_NOT_FOUND)
        if row.local_name and (self.attachments_dir / row.local_name).exists():
            return self.attachments_dir / row.local_name
        if self._syncer is None:
            raise OperationError(
                "Файл есть только на сервере: войдите на сервер ЦУР.", CODE_NOT_CONNECTED
            )
        try:
            return await self._syncer.evidence.download(row)
        except SyncClientError as exc:
            raise OperationError(exc.message, CODE_SYNC_FAILED) from exc

    async def attachments(self, incident_id: str) -> list[evidence.AttachmentView]:
        """Every attachment of the incident (drafts, sent, and pulled from the server)."""
        rows = await self._read(lambda conn: attachments_store.for_incident(conn, incident_id))
        return [evidence.view(row, self.attachments_dir) for row in rows]

    async def publish_answer(self, answer_id: str, *, outcome: Outcome = Outcome.SOLVED) -> Changes:
        """Publish an approved answer (and move the status forward as :meth:`send_answer`)."""
        return await self._operate(
            lambda conn, now: operations.publish_answer(conn, answer_id, now, outcome=outcome)
        )

    async def add_note(self, incident_id: str, text: str) -> Changes:
        """Add an internal note (never published; seen by colleagues of the region)."""
        return await self._operate(
            lambda conn, now: operations.add_note(conn, incident_id, text, now)
        )

    async def approve_answer(self, answer_id: str) -> Changes:
        """Approve an answer waiting for approval (supervisors)."""
        return await self._operate(
            lambda conn, now: operations.approve_answer(conn, answer_id, now)
        )

    async def return_answer(self, answer_id: str, reason: str | None = None) -> Changes:
        """Return an answer for correction (supervisors); ``reason`` becomes an internal note."""
        return await self._operate(
            lambda conn, now: operations.return_answer(conn, answer_id, reason, now)
        )

    # ------------------------------------------------------------------ bulk actions

    async def _operate_bulk(
        self, incident_ids: Sequence[str], operation: bulk.ItemOperation
    ) -> bulk.BulkOutcome:
        """One write transaction, one savepoint per incident (see :mod:`.bulk`)."""
        now = self._clock()

        def run(conn: Connection) -> bulk.BulkOutcome:
            outcome = bulk.apply_each(conn, incident_ids, operation, now)
            if outcome.changes.mutation_ids:
                operator_marks.mark_seen(conn, _login(conn), sorted(outcome.changes.incident_ids))
                history.journal_mutations(
                    conn, outcome.changes.mutation_ids, actor=_login(conn), offline=self._offline
                )
            return outcome

        outcome = await self._writer.run(run)
        if not outcome.changes.empty:
            self._emit(outcome.changes)
            if outcome.changes.mutation_ids and self._syncer is not None:
                self._syncer.poke()
        return outcome

    async def bulk_take(self, incident_ids: Sequence[str]) -> bulk.BulkOutcome:
        """Take every incident of the selection into work (refusals kept per incident)."""
        return await self._operate_bulk(incident_ids, bulk.take)

    async def bulk_assign(self, incident_ids: Sequence[str], assignee: str) -> bulk.BulkOutcome:
        """Assign every incident of the selection to ``assignee``."""
        return await self._operate_bulk(incident_ids, bulk.assign_to(assignee))

    async def bulk_route(self, incident_ids: Sequence[str], executor_id: str) -> bulk.BulkOutcome:
        """Route every incident of the selection to the executor ``executor_id``."""
        return await self._operate_bulk(incident_ids, bulk.route_to(executor_id))

    async def bulk_reject(
        self, incident_ids: Sequence[str], reason: RejectReason
    ) -> bulk.BulkOutcome:
        """Reject every incident of the selection with ``reason`` (spam, out of scope …)."""
        return await self._operate_bulk(incident_ids, bulk.reject_as(reason))

    async def bulk_merge(self, incident_ids: Sequence[str], original_id: str) -> bulk.BulkOutcome:
        """Merge every incident of the selection into ``original_id`` as its duplicate."""
        return await self._operate_bulk(incident_ids, bulk.merge_into(original_id))

    # ------------------------------------------------------------------ operator's marks

    async def _mark(self, fn: Callable[[Connection, str, datetime], T]) -> T:
        now = self._clock()
        return await self._writer.run(lambda conn: fn(conn, _login(conn), now))

    async def mark_read(self, incident_ids: Sequence[str]) -> Changes:
        """The logged-in user has seen these incidents as they are now (unread markers)."""
        was_unread = await self._mark(
            lambda conn, login, _now: operator_marks.mark_seen(conn, login, incident_ids)
        )
        changes = Changes.local(was_unread)
        if not changes.empty:
            self._emit(changes)
        return changes

    async def mark_unread(self, incident_ids: Sequence[str]) -> Changes:
        """Show these incidents as unread again."""
        await self._mark(
            lambda conn, login, _now: operator_marks.mark_unseen(conn, login, incident_ids)
        )
        changes = Changes.local(incident_ids)
        self._emit(changes)
        return changes

    async def inbox_rows_with_marks(
        self, rowids: Sequence[int]
    ) -> tuple[list[InboxRow], set[str], dict[str, datetime]]:
        """:meth:`inbox_rows` plus, in the same snapshot, which are unread and their reminders."""

        def read(conn: Connection) -> tuple[list[InboxRow], set[str], dict[str, datetime]]:
            rows = reads.inbox_rows(conn, rowids)
            ids = [r.id for r in rows]
            login = _login(conn)
            unread = operator_marks.unread_among(conn, login, ids)
            found = operator_marks.reminders_of(conn, login, ids)
            return rows, unread, {r.incident_id: r.remind_at for r in found}

        return await self._read(read)

    async def unread_among(self, incident_ids: Sequence[str]) -> set[str]:
        """Which of these incidents the logged-in user has not seen since they changed."""
        return await self._read(
            lambda conn: operator_marks.unread_among(conn, _login(conn), incident_ids)
        )

    async def unread_count(self, flt: InboxFilter) -> int:
        """How many incidents matching ``flt`` are unread (use on small views)."""
        return await self._read(lambda conn: operator_marks.unread_count(conn, _login(conn), flt))

    async def set_reminder(self, incident_id: str, remind_at: datetime, note: str = "") -> Changes:
        """Remind the logged-in user of ``incident_id`` at ``remind_at`` (local, not synced)."""
        if remind_at.tzinfo is None:
            raise OperationError("Время напоминания должно быть с часовым поясом")

        def run(conn: Connection, login: str, now: datetime) -> None:
            if localstate.load_view_incident(conn, incident_id) is None:
                raise OperationError("Инцидент не найден", CODE_NOT_FOUND)
            operator_marks.set_reminder(conn, login, incident_id, remind_at, note=note, now=now)

        now = self._clock()
        await self._writer.run(
            lambda conn: run(conn, _login(conn), now), expected=(OperationError,)
        )
        changes = Changes.local([incident_id])
        self._emit(changes)
        return changes

    async def dismiss_reminder(self, incident_id: str) -> Changes:
        """Drop the logged-in user's reminder on ``incident_id`` (done or not wanted)."""
        removed = await self._mark(
            lambda conn, login, _now: operator_marks.delete_reminder(conn, login, incident_id)
        )
        changes = Changes.local([incident_id] if removed else [])
        if not changes.empty:
            self._emit(changes)
        return changes

    async def reminders(self, incident_ids: Sequence[str]) -> dict[str, datetime]:
        """The logged-in user's reminders on these incidents (incident id → when)."""
        found = await self._read(
            lambda conn: operator_marks.reminders_of(conn, _login(conn), incident_ids)
        )
        return {r.incident_id: r.remind_at for r in found}

    async def due_reminders(self, now: datetime | None = None) -> list[str]:
        """Incidents whose reminder is due (soonest first)."""
        at = now or self._clock()
        return await self._read(
            lambda conn: operator_marks.due_reminder_ids(conn, _login(conn), at)
        )

    async def unnotified(self, pairs: Sequence[tuple[str, datetime]]) -> list[tuple[str, datetime]]:
        """Which (incident, due) warnings were not yet notified to the logged-in user."""
        shown = await self._read(
            lambda conn: operator_marks.notices_shown(conn, _login(conn), pairs)
        )
        return [p for p in pairs if p not in shown]

    async def record_notified(self, pairs: Sequence[tuple[str, datetime]]) -> None:
        """Remember that these (incident, due) warnings were notified (also across restarts)."""
        await self._mark(
            lambda conn, login, now: operator_marks.record_notices(conn, login, pairs, now)
        )

    # ------------------------------------------------------------------ reads

    async def inbox_page(
        self,
        flt: InboxFilter,
        sort: InboxSort = InboxSort.DUE_ASC,
        *,
        after: PageCursor | None = None,
        limit: int = 100,
    ) -> InboxPage:
        """A keyset page of the inbox (``after``: the previous page's ``next_cursor``).

        ``InboxSort.DUE_ASC`` orders by the current due (incidents without a running timer
        last).
        """
        return await self._read(lambda conn: reads.inbox_page(conn, flt, sort, after, limit))

    async def inbox_count(self, flt: InboxFilter) -> int:
        """How many incidents match ``flt``."""
        return await self._read(lambda conn: reads.inbox_count(conn, flt))

    async def inbox_snapshot(
        self, flt: InboxFilter, sort: InboxSort, limit: int | None = None
    ) -> InboxSnapshot:
        """The row keys of every matching incident in ``sort`` order (for a virtual list).

        ``limit``: only the first keys (the head of a long view, shown while the rest is read).
        """
        return await self._read(lambda conn: reads.inbox_snapshot(conn, flt, sort, limit))

    async def inbox_rows(self, rowids: Sequence[int]) -> list[InboxRow]:
        """Rows for these keys, in the order given (keys of deleted incidents are skipped)."""
        return await self._read(lambda conn: reads.inbox_rows(conn, rowids))

    async def inbox_rows_by_id(self, incident_ids: Sequence[str]) -> list[InboxRow]:
        """Rows for these incident ids (e.g. the ids of a :class:`Changes`), in that order."""
        return await self._read(lambda conn: reads.inbox_rows_by_id(conn, incident_ids))

    async def search(
        self,
        query: str,
        flt: InboxFilter | None = None,
        *,
        limit: int = 50,
        snippets: int | None = None,
    ) -> list[SearchHit]:
        """Full-text search (Russian stemming), best first, with marked snippets.

        ``snippets``: only the best ``snippets`` hits get one (default: all).
        """
        return await self._read(lambda conn: reads.search(conn, query, flt, limit, snippets))

    async def incident(self, incident_id: str) -> IncidentDetail:
        """An incident with its answers, notes, draft, pending changes and history.

        Raises :class:`OperationError` (``not_found``) when this workstation does not know it.
        """
        detail = await self._read(lambda conn: reads.incident_detail(conn, incident_id))
        if detail is None:
            raise OperationError("Инцидент не найден", CODE_NOT_FOUND)
        return detail

    async def draft(self, incident_id: str) -> Draft | None:
        """The saved draft of an incident, if any."""
        return await self._read(lambda conn: reads.draft(conn, incident_id))

    async def period_stats(self, flt: InboxFilter, now: datetime | None = None) -> PeriodStats:
        """Figures of the incidents matching ``flt`` (use ``received_from`` / ``received_to``)."""
        at = now or self._clock()
        return await self._read(lambda conn: reads.period_stats(conn, flt, at))

    async def month_stats_by_municipality(
        self, region_code: str, month_start: datetime, month_end: datetime
    ) -> list[MunicipalityStats]:
        """Figures per municipality of incidents received in ``[month_start, month_end)``."""
        now = self._clock()
        return await self._read(
            lambda conn: reads.month_stats(conn, region_code, month_start, month_end, now)
        )

    def timer(
        self,
        region_code: str,
        due: datetime | None,
        warn_at: datetime | None,
        now: datetime | None = None,
    ) -> TimeLeft | None:
        """What a deadline's timer shows (time left, wall and working, and its band).

        Pass a row's ``current_due`` / ``current_warn_at`` and its region; ``None`` when no
        timer runs. Pure computation on the region's business calendar (no database).
        """
        return timers.timer(region_code, due, warn_at, now or self._clock())

    async def federal_ratings(self, month: str) -> tuple[RatingsResponse | None, bool]:
        """The federal rating of ``month`` and whether it comes from the local cache.

        Online: asked from the server (scoped there to what this user may see) and kept in the
        local store; offline, or when the server cannot answer: the copy kept last time (its
        ``computed_at`` says when it was computed), or ``None``.
        """
        key = f"ratings:{month}"
        if self._transport is not None:
            try:
                table = await self._transport.ratings(month)
            except SyncClientError as exc:
                log.info("ratings of %s not fetched: %s", month, exc.message)
            else:
                text = table.model_dump_json()
                await self._writer.run(lambda conn: sync_state.set_state(conn, key, text))
                return table, False
        cached = await self._read(lambda conn: sync_state.get_state(conn, key))
        if cached is None:
            return None, True
        return RatingsResponse.model_validate_json(cached), True

    async def statistics(
        self, region_code: str, period: StatsPeriod, now: datetime | None = None
    ) -> StatisticsReport:
        """The statistics of the region's ``period`` (:func:`supervision.statistics_report`).

        First the writer brings the per-day rollup up to date for the period and the previous
        one (only days whose incidents were written since: usually none or a few; a first
        build in jobs of :data:`supervision.REFRESH_CHUNK_DAYS` days), then a reader computes
        the report from it.
        """
        at = now or self._clock()
        chunk = supervision.REFRESH_CHUNK_DAYS
        while await self._writer.run(
            lambda conn: supervision.refresh_rollup(conn, region_code, period, chunk)
        ):
            pass  # one chunk per job: syncs and operations go between them
        return await self._read(
            lambda conn: supervision.statistics_report(conn, region_code, period, at)
        )

    def administration(self) -> Administration:
        """Requests of an admin to the server (online only; see :mod:`.administration`)."""
        return Administration(self._transport)

    async def run_read(self, fn: Callable[[Connection], T]) -> T:
        """Run a read function (e.g. of :mod:`.supervision`) on a reader thread, one snapshot."""
        return await self._read(fn)

    async def municipalities(self) -> list[NamedRef]:
        """Municipalities known locally (the region's), by name."""
        return await self._read(reads.municipalities)

    async def executors(self, municipality_id: str | None = None) -> list[NamedRef]:
        """Executors known locally, by name (optionally those of one municipality)."""
        return await self._read(lambda conn: reads.executors(conn, municipality_id))

    async def assignees(self) -> list[str]:
        """Logins seen as assignees in the local data (for pick lists), sorted."""
        return await self._read(reads.assignees)

    # ------------------------------------------------------------------ sync control

    @property
    def can_sync(self) -> bool:
        """Whether the profile is bound to a server and has a token."""
        return self._syncer is not None

    @property
    def sync_running(self) -> bool:
        """Whether the background sync task runs."""
        return self._sync_task is not None and not self._sync_task.done()

    def start_sync(self) -> None:
        """Start background sync: at once, on every server poke, on a timer, after reconnects.

        No-op when already running or when the profile is not connected.
        """
        if self._syncer is None or self.sync_running:
            return
        self._sync_task = asyncio.get_running_loop().create_task(
            self._syncer.run_forever(), name="workstation-sync"
        )

    async def wait_live(self, timeout: float) -> bool:
        """Wait until background sync listens to the server's "pull now" stream.

        From then on a change committed on the server reaches this workstation without waiting
        for the timer. Returns ``False`` after ``timeout`` seconds (or when not syncing).
        """
        if self._syncer is None or not self.sync_running:
            return False
        try:
            await asyncio.wait_for(self._syncer.subscribed.wait(), timeout)
        except TimeoutError:
            return False
        return True

    @property
    def live(self) -> bool:
        """Whether background sync currently listens to the server's poke stream."""
        return self._syncer is not None and self._syncer.subscribed.is_set()

    async def stop_sync(self) -> None:
        """Stop background sync and wait until it has stopped."""
        task, self._sync_task = self._sync_task, None
        if task is None:
            return
        if self._syncer is not None:
            self._syncer.stop()
        try:
            await asyncio.wait_for(asyncio.shield(task), timeout=5.0)
        except TimeoutError:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def sync_now(self) -> SyncCounts:
        """Push, then pull until caught up, now; returns the counts.

        Raises :class:`OperationError` (``not_connected`` / ``sync_failed``) with the reason;
        what was applied before an error stays applied.
        """
        if self._syncer is None:
            raise OperationError(
                "Профиль не подключён к серверу: войдите на сервер ЦУР.", CODE_NOT_CONNECTED
            )
        try:
            return await self._syncer.sync_once()
        except SyncClientError as exc:
            raise OperationError(exc.message, CODE_SYNC_FAILED) from exc

    async def sync_status(self) -> SyncStatus:
        """Queue sizes, last sync and cursor (no network)."""
        return await self._read(outbox.read_status)

    async def needs_attention(self) -> list[PendingChange]:
        """Changes the server rejected, oldest first, with its reason (retry / edit / discard)."""
        return await self._read(reads.needs_attention)

    async def retry(self, mutation_id: int) -> Changes:
        """Queue a rejected change again, unchanged (e.g. after the conflict was resolved)."""
        return await self._operate(
            lambda conn, now: operations.retry_rejected(conn, mutation_id, now)
        )

    async def edit(self, mutation_id: int, new_args: Mapping[str, Any]) -> Changes:
        """Replace a rejected change by one with ``new_args`` (the same action)."""
        return await self._operate(
            lambda conn, now: operations.edit_rejected(conn, mutation_id, new_args, now)
        )

    async def discard(self, mutation_id: int) -> Changes:
        """Drop a rejected change for good."""
        return await self._operate(
            lambda conn, now: operations.discard_rejected(conn, mutation_id, now)
        )


async def open_workstation(profile_dir: Path | None = None, **kwargs: Any) -> Workstation:
    """Shorthand for :meth:`Workstation.open`."""
    return await Workstation.open(profile_dir, **kwargs)


__all__ = ["Workstation", "open_workstation"]
