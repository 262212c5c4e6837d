"""The client sync engine: push the outbox, pull pages until caught up, rebase, report events.

Push sends pending outbox rows in id order, in batches; the server's verdicts are stored
(rejected rows stay, with code and message, for the "needs attention" list; see
:func:`cur_desktop.storage.outbox.store_push_results`). Pull applies each page in ONE
transaction (:func:`cur_desktop.storage.pull_pages.apply_page`: data, acknowledged outbox rows,
rebase and cursor together). Pages are fully validated here before the transaction opens:
garbage is never applied.

Network I/O runs on the event loop; parsing and validating pages runs in a worker thread
(``asyncio.to_thread``) so the loop (the window) stays responsive; database work runs on the
single writer (:class:`cur_desktop.storage.database.DbWriter`), and no writer job ever waits on
the network. The next page is fetched while the current one is written.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import tempfile
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from pydantic import ValidationError
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_after_attempt,
    wait_random_exponential,
)

from cur_desktop.contract import wire
from cur_desktop.storage import localstate as ls
from cur_desktop.storage import outbox, snapshot_load, sync_state
from cur_desktop.storage.bulk_rows import prepare_incidents
from cur_desktop.storage.database import DbWriter, open_engine
from cur_desktop.storage.pull_pages import DecodedChange, apply_page
from cur_desktop.sync.errors import (
    AuthenticationError,
    MutationGapError,
    NetworkError,
    ServerProtocolError,
    ServerUnavailableError,
    SyncClientError,
)
from cur_desktop.sync.events import (
    DataCallback,
    DataChanged,
    EventCallback,
    NeedsAttention,
    Offline,
    SyncError,
    SyncEvent,
    Syncing,
    UpToDate,
)
from cur_desktop.sync.evidence_upload import EvidenceSync
from cur_desktop.sync.gc_tuning import larger_young_generation, short_switch_interval
from cur_desktop.sync.page_codec import parse_ndjson_page, peek_head, peek_total
from cur_desktop.sync.transport import (
    SnapshotHead,
    SyncTransport,
    forget_snapshot_download,
    parse_json_page,
)

log = logging.getLogger(__name__)

T = TypeVar("T")

_RETRYABLE = (NetworkError, ServerUnavailableError)
DEFAULT_PUSH_BATCH = 2_000
"""Mutations per push request: the server applies them in groups of 500 per transaction, so
2,000 is three round trips for 5,000 changes while one request stays well inside the 30 s
timeout on a loaded machine (~1 ms a mutation)."""
RoundHook = Callable[[], Awaitable[frozenset[str]]]


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


_PULL_AHEAD = 2  # pages fetched and decoded ahead of the one being written
SNAPSHOT_CHUNK = 10_000
"""Incidents per writer job while a snapshot loads (~0.2 s of work: the window shows them as
they arrive, and a local change waits at most that long for the writer)."""


@dataclass(frozen=True, slots=True)
class _Fetched:
    """A fetched page: the job that decodes it (worker thread) and whether more follow."""

    decode: Callable[[], tuple[wire.PullResponse, list[DecodedChange]]]
    has_more: bool
    total: int | None = None
    """The server's count of changes from this page to the head (first page of a pull)."""


def decode_ndjson(body: bytes, cursor: int) -> tuple[wire.PullResponse, list[DecodedChange]]:
    """Validate an NDJSON page and prepare its incidents for the bulk insert."""
    page, decoded = parse_ndjson_page(body, cursor)
    return page, with_prepared_rows(decoded)


def _decoded_json(page: wire.PullResponse) -> tuple[wire.PullResponse, list[DecodedChange]]:
    return page, decode_page(page)


_MODELS: Mapping[wire.EntityKind, type[Any]] = {
    wire.EntityKind.INCIDENT: wire.IncidentWire,
    wire.EntityKind.ANSWER: wire.AnswerWire,
    wire.EntityKind.MUNICIPALITY: wire.MunicipalityWire,
    wire.EntityKind.EXECUTOR: wire.ExecutorWire,
}


def decode_page(page: wire.PullResponse) -> list[DecodedChange]:
    """Validate every change of a page; any bad row makes the whole page a protocol error."""
    decoded: list[DecodedChange] = []
    for change in page.changes:
        data = None
        if change.data is not None:
            try:
                # Fields this client does not know are ignored: a newer server may add some.
                data = _MODELS[change.entity].model_validate(change.data, extra="ignore")
            except ValidationError as exc:
                log.warning("pull page: invalid %s row at seq %d", change.entity, change.seq)
                raise ServerProtocolError(
                    "Сервер прислал повреждённые данные; ничего не применено."
                ) from exc
            if str(data.id) != change.id:
                raise ServerProtocolError(
                    "Сервер прислал противоречивые данные; ничего не применено."
                )
        decoded.append(DecodedChange(change.entity, change.id, data))
    return with_prepared_rows(decoded)


def with_prepared_rows(decoded: list[DecodedChange]) -> list[DecodedChange]:
    """Attach column values and FTS tokens to the incidents (the bulk-insert fast path)."""
    positions = [i for i, c in enumerate(decoded) if isinstance(c.data, wire.IncidentWire)]
    if not positions:
        return decoded
    incidents = [decoded[i].data for i in positions]
    prepared = prepare_incidents(incidents)  # type: ignore[arg-type]
    for position, ready in zip(positions, prepared, strict=True):
        change = decoded[position]
        decoded[position] = DecodedChange(change.entity, change.id, change.data, ready)
    return decoded


class _PushServerError(ServerUnavailableError):
    """A push of the single mutation ``mutation_id`` got a server error (after retries)."""

    def __init__(self, cause: ServerUnavailableError, mutation_id: int) -> None:
        super().__init__(cause.message, cause.status_code)
        self.mutation_id = mutation_id


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
        push_batch: int = DEFAULT_PUSH_BATCH,
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
        self._data_listeners: list[DataCallback] = []
        self.retry_policy = retry if retry is not None else RetryPolicy()
        self.push_batch = min(push_batch, wire.MAX_PUSH_BATCH)
        self.pull_limit = pull_limit
        self.poll_interval = poll_interval
        self.use_snapshot = True
        """Whether a first sync asks the server for a snapshot (storage/snapshot_load.py)."""
        self._sync_lock = asyncio.Lock()
        self.subscribed = asyncio.Event()
        """Set while :meth:`run_forever` is registered on the server's poke stream (a change
        committed from then on pokes this engine); cleared when the stream drops."""
        self._poke: asyncio.Event | None = None
        self._stop: asyncio.Event | None = None
        self.evidence = EvidenceSync(self.engine, self.writer, transport)
        self.evidence.on_change = lambda ids: self._emit_data(DataChanged(ids, pulled=True))
        self.round_hooks: list[RoundHook] = [self.evidence.run_round]
        """Run after push and pull in every round (evidence uploads: sync/evidence_upload.py);
        each returns the incidents it changed locally."""

    # ------------------------------------------------------------------ events

    def add_listener(self, callback: EventCallback) -> None:
        """Also deliver events to ``callback``."""
        self._listeners.append(callback)

    def add_change_listener(self, callback: DataCallback) -> None:
        """Deliver :class:`DataChanged` to ``callback`` after every applied pull page that
        changed something and every push answer that rejected changes (on the loop's thread).
        """
        self._data_listeners.append(callback)

    def _emit_data(self, event: DataChanged) -> None:
        for callback in list(self._data_listeners):
            try:
                callback(event)
            except Exception:
                log.exception("data change listener failed")

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

    async def status(self) -> outbox.SyncStatus:
        """Queue sizes, last sync, cursor."""
        return await self.writer.run(outbox.read_status)

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
        """Push every pending mutation; return (accepted, rejected).

        After a server error on a batch the rest goes one mutation at a time, so that the
        mutation the server fails on is known (:class:`_PushServerError`); the server commits
        the mutations before a failure (group commit, a savepoint each), so those are answered
        ``already_processed``.
        """
        accepted = rejected = 0
        size = self.push_batch
        while True:
            client_id, batch = await self.writer.run(partial(outbox.pending_batch, limit=size))
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
            except ServerUnavailableError as exc:
                if len(batch) > 1:
                    log.info("push of %d mutations failed (%s); one at a time", len(batch), exc)
                    size = 1
                    continue
                raise _PushServerError(exc, batch[0].id) from exc
            except MutationGapError as exc:
                expected = exc.gap.expected_id
                if expected > batch[0].id:
                    # The server already has the head of the batch: resume where it says.
                    log.info("push gap: server expects %d; skipping ahead", expected)
                    await self.writer.run(
                        partial(
                            sync_state.set_int_state,
                            key=sync_state.KEY_PUSHED_UP_TO,
                            value=expected - 1,
                        )
                    )
                    continue
                raise
            verdicts = await self.writer.run(
                partial(outbox.store_push_results, batch=batch, response=response)
            )
            accepted += verdicts.accepted
            rejected += verdicts.rejected
            if verdicts.rejected_incidents:
                self._emit_data(DataChanged(verdicts.rejected_incidents, pulled=False))

    async def _pages(
        self, cursor: int, client_id: str, queue: asyncio.Queue[_Fetched | BaseException]
    ) -> None:
        """Fetch pages from ``cursor`` until the last; queue each with the job that decodes it.

        The next request goes out as soon as a page has arrived (an NDJSON page's first line
        tells its ``next_cursor``), so the server renders page N+1 while page N is decoded and
        written. Decoding is left to the consumer, one page at a time, in the same worker
        thread hop as nothing else: a CPU-bound thread beside the writer would make the
        writer's SQLite calls (which release and retake the GIL on every row) wait for the
        GIL. The queue's bound keeps at most a few pages in memory.
        """
        try:
            while True:
                body, is_ndjson = await self._call(
                    partial(
                        self.transport.pull_body,
                        cursor,
                        limit=self.pull_limit,
                        client_id=client_id,
                    )
                )
                if is_ndjson:
                    next_cursor, has_more = peek_head(body)
                    total = peek_total(body)
                    job = partial(decode_ndjson, body, cursor)
                else:  # an older server: the whole page is parsed to learn its cursor
                    page = await asyncio.to_thread(parse_json_page, body, cursor)
                    next_cursor, has_more, total = page.next_cursor, page.has_more, page.total
                    job = partial(_decoded_json, page)
                await queue.put(_Fetched(job, has_more, total))
                if not has_more:
                    return
                cursor = next_cursor
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # handed to the consumer, which re-raises it in order
            await queue.put(exc)

    async def pull(self) -> int:
        """Pull pages until the server says there is no more; return changes applied.

        Pages are fetched ahead (see :meth:`_pages`) and still decoded and applied one at a
        time, in order; what was fetched ahead is thrown away if a page fails. The GIL switch
        interval is short and the collector's young generation large meanwhile
        (:mod:`cur_desktop.sync.gc_tuning`).
        """
        # the loop gets the GIL back sooner; the collector walks the pages in flight less often
        with short_switch_interval(), larger_young_generation():
            return await self._pull()

    def _snapshot_file(self) -> Path:
        """Where a downloaded snapshot is unpacked: beside the store (same disk)."""
        database = self.engine.url.database
        if database and database != ":memory:":
            store = Path(database)
            return store.with_name(store.name + ".snapshot")
        return Path(tempfile.gettempdir()) / f"cur-desktop-{uuid.uuid4()}.snapshot"

    async def _load_snapshot(self) -> int:
        """A first sync's bulk load from the server's snapshot; return the rows loaded.

        0 (and the paged pull does all the work) when the store is not eligible
        (:func:`snapshot_load.eligible`), the server has no snapshot or fails to make one
        (5xx after the retries), the download breaks off or the file is refused; network
        errors after the retries propagate like a page's.
        """
        target = self._snapshot_file()
        if not self.use_snapshot or not await self.writer.run(snapshot_load.eligible):
            # a download kept from a cut, no longer of use (pages filled the store meanwhile)
            await asyncio.to_thread(forget_snapshot_download, target)
            return 0
        try:
            head = await self._call(partial(self.transport.download_snapshot, target))
            if head is None:
                return 0
            return await self._apply_snapshot(head)
        except (ServerProtocolError, ServerUnavailableError) as exc:
            # a broken body, or a server failing to build it: pages may still work
            log.warning("snapshot not used: %s", exc)
            return 0
        finally:  # in a thread: deleting a gigabyte-sized file takes ~0.1 s in the kernel
            await asyncio.to_thread(target.unlink, missing_ok=True)

    async def _apply_snapshot(self, head: SnapshotHead) -> int:
        """Check and copy an attached snapshot; the next range is tokenised meanwhile."""
        try:
            await asyncio.to_thread(snapshot_load.adapt, head.path)
        except snapshot_load.SnapshotRefusedError as exc:
            log.warning("snapshot refused: %s", exc)
            return 0
        await self.writer.run_bare(partial(snapshot_load.attach, path=head.path))
        reader = snapshot_load.ChunkReader(head.path)
        ahead: asyncio.Future[str] | None = None
        try:
            plan = await self.writer.run(
                snapshot_load.begin, expected=(snapshot_load.SnapshotRefusedError,)
            )
            loaded = 0
            self._emit(Syncing(up=0, down=0, total=plan.incidents))
            ranges = [
                (start, start + SNAPSHOT_CHUNK - 1)
                for start in range(plan.first_rowid, plan.last_rowid + 1, SNAPSHOT_CHUNK)
            ]
            for number, (start, end) in enumerate(ranges):
                tokens = await (ahead or asyncio.to_thread(reader.tokens, start, end))
                ahead = None
                if number + 1 < len(ranges):
                    ahead = asyncio.ensure_future(
                        asyncio.to_thread(reader.tokens, *ranges[number + 1])
                    )
                loaded += await self.writer.run(
                    partial(
                        snapshot_load.load_incidents, plan=plan, start=start, end=end, tokens=tokens
                    )
                )
                # the first range replaces the (empty or left-over) state; the later ones only add
                self._emit_data(DataChanged(frozenset(), pulled=True, everything=number == 0))
                self._emit(Syncing(up=0, down=loaded, total=plan.incidents))
            others = await self.writer.run(partial(snapshot_load.finish, plan=plan))
        except (snapshot_load.SnapshotRefusedError, DBAPIError) as exc:
            # what was written keeps the loading mark; the paged pull (a reset) replaces it
            log.warning("snapshot refused: %s", exc)
            return 0
        finally:
            if ahead is not None:
                with contextlib.suppress(BaseException):
                    await ahead  # the thread must be done with the reader before it closes
            reader.close()
            await self.writer.run_bare(snapshot_load.detach)
        self._emit_data(DataChanged(frozenset(), pulled=True, lookups=True))
        log.info(
            "first sync from a snapshot: %d incidents (%d bytes compressed), cursor %d",
            loaded,
            head.compressed_bytes,
            plan.cursor,
        )
        return loaded + others

    async def _pull(self) -> int:
        pulled = await self._load_snapshot()
        total: int | None = None  # what this pull brings, once the server told it
        cursor, client_id = await self.writer.run(sync_state.pull_position)
        queue: asyncio.Queue[_Fetched | BaseException] = asyncio.Queue(maxsize=_PULL_AHEAD)
        producer = asyncio.ensure_future(self._pages(cursor, client_id, queue))
        try:
            while True:
                item = await queue.get()
                if isinstance(item, BaseException):
                    raise item
                if item.total is not None and total is None:
                    total = pulled + item.total
                page, changes = await asyncio.to_thread(item.decode)
                applied = await self.writer.run(partial(apply_page, page=page, changes=changes))
                pulled += applied.count
                if applied.incident_ids or applied.reset or applied.lookups:
                    self._emit_data(
                        DataChanged(
                            applied.incident_ids,
                            pulled=True,
                            everything=applied.reset,
                            lookups=applied.lookups,
                        )
                    )
                self._emit(Syncing(up=0, down=pulled, total=total))
                if not item.has_more:
                    return pulled
        finally:
            producer.cancel()
            with contextlib.suppress(BaseException):
                await producer

    async def sync_once(self) -> SyncCounts:
        """Push, then pull until caught up; emit events; return the counts.

        Raises :class:`SyncClientError` (after emitting ``Offline`` or ``SyncError``) when it
        cannot finish; what was applied before the error stays applied and consistent.
        """
        async with self._sync_lock:
            try:
                status = await self.status()
                self._emit(Syncing(up=status.pending, down=0))
                pushed, rejected, pulled = await self._push_and_pull()
                for hook in self.round_hooks:
                    if touched := await hook():
                        self._emit_data(DataChanged(touched, pulled=True))
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

    async def _push_and_pull(self) -> tuple[int, int, int]:
        """Push and pull; a mutation the server keeps failing on does not stop the others.

        When the push fails on one mutation with a server error, the pull still runs (the
        operator keeps receiving); if it succeeds the server is up, so the failure is counted
        against that mutation (:func:`outbox.count_server_failure`). Until the mutation is set
        aside the round ends with the server error (retried later with backoff); once it is,
        the rest is pushed at once.
        """
        pushed = rejected = pulled = 0
        while True:
            failure: _PushServerError | None = None
            try:
                done, refused = await self.push()
                pushed, rejected = pushed + done, rejected + refused
            except _PushServerError as exc:
                failure = exc
            pulled += await self.pull()
            if failure is None:
                return pushed, rejected, pulled
            set_aside = await self.writer.run(
                partial(outbox.count_server_failure, mutation_id=failure.mutation_id)
            )
            if not set_aside:
                raise failure
            rejected += 1

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
        """Seconds to wait before reconnecting after ``failures`` failures in a row.

        tenacity's full-jitter exponential backoff (the same strategy as the per-request
        retries of :meth:`_call`), asked for one delay outside a retry loop.
        """
        policy = self.retry_policy
        wait = wait_random_exponential(multiplier=policy.initial, max=policy.maximum)
        state = RetryCallState(retry_object=AsyncRetrying(), fn=None, args=(), kwargs={})
        state.attempt_number = max(1, failures)
        return float(wait(state))

    async def _listen(self) -> None:
        """Follow the server's poke stream; poke on every message and on every (re)connect."""
        assert self._poke is not None
        failures = 0
        while True:
            try:
                async for event in self.transport.events():
                    failures = 0
                    if event == "subscribed":
                        self.subscribed.set()
                    self._poke.set()
            except AuthenticationError:
                log.info("poke stream: not authorised; relying on the timer")
                return
            except SyncClientError as exc:
                log.debug("poke stream dropped: %s", type(exc).__name__)
            finally:
                self.subscribed.clear()
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
