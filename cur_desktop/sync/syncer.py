"""The client sync engine: push the outbox, pull pages until caught up, rebase, report events.

Push sends pending outbox rows in id order, in batches; the server's verdicts are stored
(rejected rows stay, with code and message, for the "needs attention" list). Pull applies each
page in ONE transaction: confirmed rows go to the shadow tables for incidents with pending
mutations and straight to the view for the others; on the page that ends the snapshot
(``has_more`` false) outbox rows with ``id <= last_mutation_id`` are dropped; touched incidents
are rebased; the cursor moves last, inside the same transaction, so it is never ahead of the
data. Pages are fully validated before the transaction opens: garbage is never applied.

Network I/O runs on the event loop; parsing and validating pages runs in a worker thread
(``asyncio.to_thread``) so the loop (the window) stays responsive; database work runs on the
single writer (:class:`cur_desktop.storage.database.DbWriter`), and no writer job ever waits on
the network. The next page is fetched while the current one is written; runs of plain view
rows are written in bulk (see :class:`_PageWriter`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from pydantic import ValidationError
from sqlalchemy import Connection, Engine, delete, insert, select
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_after_attempt,
    wait_random_exponential,
)

from cur_desktop.contract import wire
from cur_desktop.storage import localstate as ls
from cur_desktop.storage import outbox
from cur_desktop.storage.database import DbWriter, open_engine
from cur_desktop.storage.incidents import delete_all_incidents, delete_incident
from cur_desktop.storage.tables import (
    answer_base_table,
    answer_table,
    executor_table,
    incident_base_table,
    municipality_table,
    outbox_table,
)
from cur_desktop.sync.errors import (
    AuthenticationError,
    MutationGapError,
    NetworkError,
    ServerProtocolError,
    ServerUnavailableError,
    SyncClientError,
)
from cur_desktop.sync.events import (
    EventCallback,
    NeedsAttention,
    Offline,
    SyncError,
    SyncEvent,
    Syncing,
    UpToDate,
)
from cur_desktop.sync.transport import SyncTransport

log = logging.getLogger(__name__)

T = TypeVar("T")

_RETRYABLE = (NetworkError, ServerUnavailableError)


@dataclass(frozen=True, slots=True)
class SyncCounts:
    """What one sync did: changes pulled, mutations pushed (accepted), mutations rejected."""

    pulled: int
    pushed: int
    rejected: int


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Backoff with jitter for network errors and 5xx: ``attempts`` tries per request."""

    attempts: int = 4
    initial: float = 0.5
    maximum: float = 30.0


@dataclass(frozen=True, slots=True)
class SyncStatus:
    """What ``status`` shows: queue sizes, the last sync and the cursor."""

    pending: int
    rejected: int
    last_sync_at: datetime | None
    cursor: int
    last_mutation_id: int
    client_id: str | None
    server_url: str | None
    login: str | None


@dataclass(frozen=True, slots=True)
class _Decoded:
    """One change of a pull page, validated."""

    entity: wire.EntityKind
    id: str
    data: wire.IncidentWire | wire.AnswerWire | wire.MunicipalityWire | wire.ExecutorWire | None


_MODELS: Mapping[wire.EntityKind, type[Any]] = {
    wire.EntityKind.INCIDENT: wire.IncidentWire,
    wire.EntityKind.ANSWER: wire.AnswerWire,
    wire.EntityKind.MUNICIPALITY: wire.MunicipalityWire,
    wire.EntityKind.EXECUTOR: wire.ExecutorWire,
}


def decode_page(page: wire.PullResponse) -> list[_Decoded]:
    """Validate every change of a page; any bad row makes the whole page a protocol error."""
    decoded: list[_Decoded] = []
    for change in page.changes:
        data = None
        if change.data is not None:
            try:
                data = _MODELS[change.entity].model_validate(change.data)
            except ValidationError as exc:
                log.warning("pull page: invalid %s row at seq %d", change.entity, change.seq)
                raise ServerProtocolError(
                    "Сервер прислал повреждённые данные; ничего не применено."
                ) from exc
            if str(data.id) != change.id:
                raise ServerProtocolError(
                    "Сервер прислал противоречивые данные; ничего не применено."
                )
        decoded.append(_Decoded(change.entity, change.id, data))
    return decoded


def _upsert_simple(conn: Connection, table: Any, row: dict[str, Any]) -> None:
    conn.execute(delete(table).where(table.c.id == row["id"]))
    conn.execute(insert(table).values(**row))


def _reset_confirmed(conn: Connection) -> set[str]:
    """Forget the confirmed state (a re-snapshot follows); return incidents under copy-on-write."""
    cow = ls.pending_incident_ids(conn)
    for table in (incident_base_table, answer_base_table, municipality_table, executor_table):
        conn.execute(delete(table))
    conn.execute(delete(answer_table))
    dropped = delete_all_incidents(conn)
    log.info(
        "reset: confirmed state dropped (%d incidents); %d under copy-on-write", dropped, len(cow)
    )
    return cow


class _PageWriter:
    """Applies a page's changes in seq order, batching runs of plain view writes.

    Confirmed incidents and answers of incidents without pending mutations are collected and
    written in bulk; any other change (a removal, a row under copy-on-write, a municipality or
    executor) first flushes what was collected, so the outcome equals applying row by row.
    """

    def __init__(self, conn: Connection, cow: set[str], touched: set[str]) -> None:
        self.conn = conn
        self.cow = cow
        self.touched = touched
        self.incidents: dict[str, wire.IncidentWire] = {}
        self.answers: dict[str, wire.AnswerWire] = {}

    def flush(self) -> None:
        if self.incidents:
            ls.write_view_incidents(self.conn, list(self.incidents.values()))
            self.incidents.clear()
        if self.answers:
            ls.write_view_answers(self.conn, list(self.answers.values()))
            self.answers.clear()

    def apply(self, change: _Decoded) -> None:
        data = change.data
        if isinstance(data, wire.IncidentWire) and change.id not in self.cow:
            self.incidents[change.id] = data
            return
        if isinstance(data, wire.AnswerWire) and str(data.incident_id) not in self.cow:
            self.answers[change.id] = data
            return
        self.flush()
        if change.entity is wire.EntityKind.INCIDENT:
            _apply_incident(self.conn, change, self.touched, self.cow)
        elif change.entity is wire.EntityKind.ANSWER:
            _apply_answer(self.conn, change, self.touched, self.cow)
        else:
            table = (
                municipality_table
                if change.entity is wire.EntityKind.MUNICIPALITY
                else executor_table
            )
            if data is None:
                self.conn.execute(delete(table).where(table.c.id == change.id))
            else:
                _upsert_simple(self.conn, table, data.model_dump())


def apply_page(conn: Connection, page: wire.PullResponse, changes: Sequence[_Decoded]) -> int:
    """Apply one validated pull page inside the caller's transaction; return rows applied."""
    touched: set[str] = set()
    if page.reset:
        touched |= _reset_confirmed(conn)
    # Pending mutations do not change while a page is applied: one query tells them all.
    writer = _PageWriter(conn, ls.pending_incident_ids(conn), touched)
    for change in changes:
        writer.apply(change)
    writer.flush()
    if not page.has_more:
        # The snapshot is complete: every acknowledged mutation's effect is in what we applied.
        acked = conn.execute(
            select(outbox_table.c.id, outbox_table.c.entity_id).where(
                outbox_table.c.state == ls.PENDING, outbox_table.c.id <= page.last_mutation_id
            )
        ).all()
        if acked:
            conn.execute(delete(outbox_table).where(outbox_table.c.id.in_([r[0] for r in acked])))
            touched |= {str(r[1]) for r in acked if r[1] is not None}
            log.info("dropped %d acknowledged outbox rows", len(acked))
    ls.rebase(conn, touched)
    ls.refresh_derived(conn, _view_incidents(changes) - touched)
    ls.set_state(conn, ls.KEY_CURSOR, page.next_cursor)
    ls.set_state(conn, ls.KEY_LAST_MUTATION_ID, page.last_mutation_id)
    if not page.has_more:
        ls.set_state(conn, ls.KEY_LAST_SYNC_AT, datetime.now(UTC).isoformat())
    return len(changes)


def _view_incidents(changes: Sequence[_Decoded]) -> set[str]:
    """Incidents whose row or answers a page changed (for the derived columns)."""
    ids: set[str] = set()
    for change in changes:
        if change.entity is wire.EntityKind.INCIDENT:
            ids.add(change.id)
        elif isinstance(change.data, wire.AnswerWire):
            ids.add(str(change.data.incident_id))
    return ids


def _apply_incident(
    conn: Connection, change: _Decoded, touched: set[str], pending: set[str]
) -> None:
    incident_id = change.id
    cow = incident_id in pending
    if change.data is None:
        conn.execute(delete(incident_base_table).where(incident_base_table.c.id == incident_id))
        conn.execute(
            delete(answer_base_table).where(answer_base_table.c.incident_id == incident_id)
        )
        if cow:
            touched.add(incident_id)
        else:
            delete_incident(conn, incident_id)
            conn.execute(delete(answer_table).where(answer_table.c.incident_id == incident_id))
        return
    assert isinstance(change.data, wire.IncidentWire)
    if cow:
        ls.write_base_incident(conn, change.data)
        touched.add(incident_id)
    else:
        ls.write_view_incident(conn, change.data, local_changed=False)


def _apply_answer(conn: Connection, change: _Decoded, touched: set[str], pending: set[str]) -> None:
    if change.data is None:
        incident_id = ls.incident_of_answer(conn, change.id)
        if incident_id is None:
            return
        cow = incident_id in pending
        ls.delete_answer(conn, change.id, base=cow)
    else:
        assert isinstance(change.data, wire.AnswerWire)
        incident_id = str(change.data.incident_id)
        cow = incident_id in pending
        ls.write_answer(conn, change.data, base=cow)
    if cow:
        touched.add(incident_id)


def _pending_batch(conn: Connection, limit: int) -> tuple[str, list[ls.OutboxRow]]:
    """The client id and the next pending rows the server has not answered for yet."""
    client_id = ensure_client_id(conn)
    after = ls.get_int_state(conn, ls.KEY_PUSHED_UP_TO)
    return client_id, ls.outbox_rows(conn, state=ls.PENDING, after_id=after, limit=limit)


def _pull_position(conn: Connection) -> tuple[int, str]:
    return ls.get_int_state(conn, ls.KEY_CURSOR), ensure_client_id(conn)


def _set_int_state(conn: Connection, *, key: str, value: int) -> None:
    ls.set_state(conn, key, value)


def ensure_client_id(conn: Connection) -> str:
    """The profile's client id, made on first use."""
    client_id = ls.get_state(conn, ls.KEY_CLIENT_ID)
    if client_id is None:
        client_id = str(uuid.uuid4())
        ls.set_state(conn, ls.KEY_CLIENT_ID, client_id)
    return client_id


def read_status(conn: Connection) -> SyncStatus:
    """Queue sizes and sync markers of the profile."""
    last = ls.get_state(conn, ls.KEY_LAST_SYNC_AT)
    return SyncStatus(
        pending=ls.count_outbox(conn, ls.PENDING),
        rejected=ls.count_outbox(conn, ls.REJECTED),
        last_sync_at=None if last is None else datetime.fromisoformat(last),
        cursor=ls.get_int_state(conn, ls.KEY_CURSOR),
        last_mutation_id=ls.get_int_state(conn, ls.KEY_LAST_MUTATION_ID),
        client_id=ls.get_state(conn, ls.KEY_CLIENT_ID),
        server_url=ls.get_state(conn, ls.KEY_SERVER_URL),
        login=ls.get_state(conn, ls.KEY_LOGIN),
    )


def _store_push_results(
    conn: Connection, batch: Sequence[ls.OutboxRow], response: wire.PushResponse
) -> tuple[int, int]:
    by_id = {r.id: r for r in response.results}
    accepted = rejected = 0
    touched: set[str] = set()
    for row in batch:
        result = by_id[row.id]
        if result.outcome is wire.MutationOutcome.REJECTED:
            code = result.code.value if result.code is not None else wire.RejectCode.INVALID.value
            message = result.message or "Сервер отклонил изменение."
            entity = outbox.mark_rejected(conn, row.id, code, message)
            if entity is not None:
                touched.add(entity)
            rejected += 1
            log.info("mutation %d rejected by the server: %s", row.id, code)
        else:
            conn.execute(
                outbox_table.update()
                .where(outbox_table.c.id == row.id)
                .values(attempts=outbox_table.c.attempts + 1)
            )
            accepted += 1
    ls.set_state(
        conn,
        ls.KEY_PUSHED_UP_TO,
        max(ls.get_int_state(conn, ls.KEY_PUSHED_UP_TO), batch[-1].id),
    )
    ls.rebase(conn, touched)
    return accepted, rejected


class SyncEngine:
    """Push/pull against one server for one profile database.

    ``engine_or_path``: an :class:`sqlalchemy.Engine` of the local store or the path of its file
    (opened and migrated here). ``on_event`` receives :mod:`cur_desktop.sync.events` objects on
    the event loop's thread; more listeners can be added with :meth:`add_listener`.
    """

    def __init__(
        self,
        engine_or_path: Engine | Path,
        transport: SyncTransport,
        *,
        on_event: EventCallback | None = None,
        writer: DbWriter | None = None,
        retry: RetryPolicy | None = None,
        push_batch: int = 500,
        pull_limit: int | None = None,
        poll_interval: float = 60.0,
    ) -> None:
        self.engine = (
            engine_or_path if isinstance(engine_or_path, Engine) else open_engine(engine_or_path)
        )
        self._owns_writer = writer is None
        self.writer = writer if writer is not None else DbWriter(self.engine)
        self.transport = transport
        self._listeners: list[EventCallback] = [] if on_event is None else [on_event]
        self.retry_policy = retry if retry is not None else RetryPolicy()
        self.push_batch = min(push_batch, wire.MAX_PUSH_BATCH)
        self.pull_limit = pull_limit
        self.poll_interval = poll_interval
        self._sync_lock = asyncio.Lock()
        self._poke: asyncio.Event | None = None
        self._stop: asyncio.Event | None = None

    # ------------------------------------------------------------------ events

    def add_listener(self, callback: EventCallback) -> None:
        """Also deliver events to ``callback``."""
        self._listeners.append(callback)

    def _emit(self, event: SyncEvent) -> None:
        log.debug("sync event %s", event)
        for callback in list(self._listeners):
            try:
                callback(event)
            except Exception:
                log.exception("sync event listener failed")

    # ------------------------------------------------------------------ local operations

    async def record(
        self, name: wire.MutationName | str, args: Mapping[str, Any], *, now: datetime | None = None
    ) -> int:
        """Record a local change (see :func:`outbox.record_local_mutation`); return its id."""
        when = now or datetime.now(UTC)
        mutation_id = await self.writer.run(
            lambda conn: outbox.record_local_mutation(conn, name, args, now=when)
        )
        self.poke()
        return mutation_id

    async def needs_attention(self) -> list[ls.OutboxRow]:
        """Rejected mutations waiting for the operator."""
        return await self.writer.run(outbox.needs_attention)

    async def retry(self, mutation_id: int) -> int:
        """Queue a rejected mutation again under a new id."""
        now = datetime.now(UTC)
        new_id = await self.writer.run(lambda conn: outbox.retry(conn, mutation_id, now=now))
        self.poke()
        return new_id

    async def edit(self, mutation_id: int, new_args: Mapping[str, Any]) -> int:
        """Replace a rejected mutation by one with ``new_args``."""
        now = datetime.now(UTC)
        new_id = await self.writer.run(
            lambda conn: outbox.edit(conn, mutation_id, new_args, now=now)
        )
        self.poke()
        return new_id

    async def discard(self, mutation_id: int) -> None:
        """Drop a rejected mutation."""
        await self.writer.run(lambda conn: outbox.discard(conn, mutation_id))

    async def status(self) -> SyncStatus:
        """Queue sizes, last sync, cursor."""
        return await self.writer.run(read_status)

    # ------------------------------------------------------------------ network

    async def _call(self, fn: Callable[[], Awaitable[T]]) -> T:
        policy = self.retry_policy

        def _before_sleep(state: RetryCallState) -> None:
            exc = state.outcome.exception() if state.outcome is not None else None
            log.info(
                "attempt %d failed (%s); backing off", state.attempt_number, type(exc).__name__
            )
            self._emit(Offline())

        async for attempt in AsyncRetrying(
            stop=stop_after_attempt(policy.attempts),
            wait=wait_random_exponential(multiplier=policy.initial, max=policy.maximum),
            retry=retry_if_exception_type(_RETRYABLE),
            before_sleep=_before_sleep,
            reraise=True,
        ):
            with attempt:
                return await fn()
        raise AssertionError("unreachable: tenacity re-raises the last error")

    async def push(self) -> tuple[int, int]:
        """Push every pending mutation; return (accepted, rejected)."""
        accepted = rejected = 0
        while True:
            client_id, batch = await self.writer.run(
                lambda conn: _pending_batch(conn, self.push_batch)
            )
            if not batch:
                return accepted, rejected
            request = wire.PushRequest(
                client_id=uuid.UUID(client_id),
                mutations=[
                    wire.Mutation(id=r.id, name=r.name, args=r.args, base_version=r.base_version)
                    for r in batch
                ],
            )
            try:
                response = await self._call(partial(self.transport.push, request))
            except MutationGapError as exc:
                expected = exc.gap.expected_id
                if expected > batch[0].id:
                    # The server already has the head of the batch: resume where it says.
                    log.info("push gap: server expects %d; skipping ahead", expected)
                    await self.writer.run(
                        partial(_set_int_state, key=ls.KEY_PUSHED_UP_TO, value=expected - 1)
                    )
                    continue
                raise
            batch_accepted, batch_rejected = await self.writer.run(
                partial(_store_push_results, batch=batch, response=response)
            )
            accepted += batch_accepted
            rejected += batch_rejected

    async def _fetch(self, cursor: int, client_id: str) -> tuple[wire.PullResponse, list[_Decoded]]:
        """Fetch one page and validate it; the CPU-heavy validation runs off the event loop."""
        page = await self._call(
            partial(self.transport.pull, cursor, limit=self.pull_limit, client_id=client_id)
        )
        changes = await asyncio.to_thread(decode_page, page)
        return page, changes

    async def pull(self) -> int:
        """Pull pages until the server says there is no more; return changes applied.

        The next page is fetched while the current one is written (its cursor is known as
        soon as the page arrives); pages are still applied one at a time, in order.
        """
        pulled = 0
        cursor, client_id = await self.writer.run(_pull_position)
        fetching = asyncio.ensure_future(self._fetch(cursor, client_id))
        try:
            while True:
                page, changes = await fetching
                if page.has_more:
                    fetching = asyncio.ensure_future(self._fetch(page.next_cursor, client_id))
                pulled += await self.writer.run(partial(apply_page, page=page, changes=changes))
                self._emit(Syncing(up=0, down=pulled))
                if not page.has_more:
                    return pulled
        finally:
            if not fetching.done():
                fetching.cancel()
            with contextlib.suppress(BaseException):
                await fetching

    async def sync_once(self) -> SyncCounts:
        """Push, then pull until caught up; emit events; return the counts.

        Raises :class:`SyncClientError` (after emitting ``Offline`` or ``SyncError``) when it
        cannot finish; what was applied before the error stays applied and consistent.
        """
        async with self._sync_lock:
            try:
                status = await self.status()
                self._emit(Syncing(up=status.pending, down=0))
                pushed, rejected = await self.push()
                pulled = await self.pull()
            except NetworkError:
                self._emit(Offline())
                raise
            except SyncClientError as exc:
                self._emit(SyncError(exc.message))
                raise
            status = await self.status()
            if status.rejected:
                self._emit(NeedsAttention(status.rejected))
            self._emit(UpToDate(at=datetime.now(UTC)))
            log.info("sync done: pulled %d, pushed %d, rejected %d", pulled, pushed, rejected)
            return SyncCounts(pulled=pulled, pushed=pushed, rejected=rejected)

    # ------------------------------------------------------------------ running

    def poke(self) -> None:
        """Ask ``run_forever`` for a sync now (no-op when it is not running)."""
        if self._poke is not None:
            self._poke.set()

    def stop(self) -> None:
        """Ask ``run_forever`` to return."""
        if self._stop is not None:
            self._stop.set()

    def _backoff(self, failures: int) -> float:
        policy = self.retry_policy
        ceiling = min(policy.maximum, policy.initial * (2 ** min(failures, 16)))
        return random.uniform(0, ceiling)  # jitter, not security

    async def _listen(self) -> None:
        """Follow the server's poke stream; poke on every message and on every (re)connect."""
        assert self._poke is not None
        failures = 0
        while True:
            try:
                async for _event in self.transport.events():
                    failures = 0
                    self._poke.set()
            except AuthenticationError:
                log.info("poke stream: not authorised; relying on the timer")
                return
            except SyncClientError as exc:
                log.debug("poke stream dropped: %s", type(exc).__name__)
            failures += 1
            await asyncio.sleep(self._backoff(failures))

    async def run_forever(self) -> None:
        """Sync on start, on every poke, on a timer and after reconnects until :meth:`stop`."""
        self._poke = asyncio.Event()
        self._stop = asyncio.Event()
        listener = asyncio.create_task(self._listen())
        failures = 0
        try:
            while not self._stop.is_set():
                self._poke.clear()
                try:
                    await self.sync_once()
                    failures = 0
                    delay = self.poll_interval
                except _RETRYABLE:
                    failures += 1
                    delay = self._backoff(failures)
                except SyncClientError:
                    delay = self.poll_interval
                waiters = [
                    asyncio.ensure_future(self._poke.wait()),
                    asyncio.ensure_future(self._stop.wait()),
                ]
                await asyncio.wait(waiters, timeout=delay, return_when=asyncio.FIRST_COMPLETED)
                for waiter in waiters:
                    waiter.cancel()
        finally:
            listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await listener
            self._poke = None
            self._stop = None

    def close(self) -> None:
        """Release the writer (if this engine made it)."""
        if self._owns_writer:
            self.writer.close()
