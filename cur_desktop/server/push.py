"""Applying pushed mutations (``POST /api/v1/sync/push``): group commit, each answered alone.

A batch is applied in groups of :data:`GROUP_SIZE` mutations, ONE transaction per group. The
group keeps the rows its mutations write and sends them in batches
(:mod:`cur_desktop.server.write_behind`): a rejected mutation drops its own kept rows (or rolls
back its savepoint, when a read had to send them) and is answered on its own (applied /
rejected with its reason / already processed). When the database refuses a batch of kept rows,
the group is rolled back and applied again the exact way, a savepoint around each mutation and
each row written at once, where the refusal is its own mutation's rejection. The answers of a
group count only once its commit succeeded (a failed commit answers none of them; the client
sends them again and ``last_mutation_id`` tells what was kept). A failure that is not a
rejection (the database unreachable, a test fault) stops the batch: the group's mutations
before it are committed, the request fails (5xx) and the client resends the rest.

Per client: ``last_mutation_id`` is remembered; a mutation with ``id <= last`` is answered
``already_processed`` (or, if it was rejected, with the same rejection again: the client may
never have heard it); ``id > last + 1`` stops the batch with a gap (409, where to resume);
a rejected mutation still moves ``last_mutation_id`` (it has been answered). Every write
transaction takes the seq counter's lock first, so writers never deadlock and commit in seq
order. The rules themselves live in :mod:`cur_desktop.contract.mutations`, shared with the client.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, cast
from uuid import UUID

from pydantic import BaseModel
from sqlalchemy import Row, Table, bindparam, select
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm import Session

from cur_desktop.contract import registry, wire
from cur_desktop.contract.mutations import (
    MutationRejected,
)
from cur_desktop.domain.enums import Role, Status
from cur_desktop.reference import checks as validation
from cur_desktop.server import deadline_policy, faults, reclassify, write_behind
from cur_desktop.server.auth import Caller
from cur_desktop.server.convert import (
    answer_values,
    incident_values,
)
from cur_desktop.server.db import Database, SeqBlock, allocate_seq, lock_counter, seq_block
from cur_desktop.server.tables import (
    Answer,
    Client,
    Executor,
    Incident,
    Municipality,
    RejectedMutation,
    User,
)
from cur_desktop.server.write_behind import Kept, before_read, write_row

log = logging.getLogger(__name__)

_INCIDENT_TABLE = cast(Table, Incident.__table__)
_ANSWER_TABLE = cast(Table, Answer.__table__)
_INCIDENT_FIELDS = tuple(wire.IncidentWire.model_fields)
_ANSWER_FIELDS = tuple(wire.AnswerWire.model_fields)
# Statements built once (building one costs more than running it). Core, not the ORM: rows are
# read fresh from the database each time, which a group transaction needs (an ORM identity map
# would hand the second mutation of an incident the first one's stale object).
_INCIDENT_FOR_WRITE = (
    select(*(_INCIDENT_TABLE.c[f] for f in _INCIDENT_FIELDS))
    .where(_INCIDENT_TABLE.c.id == bindparam("b_id"))
    .with_for_update()
)
_INCIDENTS_FOR_WRITE = (
    select(*(_INCIDENT_TABLE.c[f] for f in _INCIDENT_FIELDS))
    .where(_INCIDENT_TABLE.c.id.in_(bindparam("b_ids", expanding=True)))
    .with_for_update()
)
_PREFETCH_CHUNK = 400  # ids per prefetch query (well under SQLite's bound-parameter limit)
_ANSWERS_FOR_WRITE = (
    select(*(_ANSWER_TABLE.c[f] for f in _ANSWER_FIELDS))
    .where(_ANSWER_TABLE.c.incident_id == bindparam("b_incident"))
    .with_for_update()
)
_NOT_FOUND = "Инцидент не найден"
_CANNOT_APPLY = (
    "Сервер не смог применить это изменение (внутренняя ошибка записана в журнал сервера); "
    "исправьте данные или удалите изменение"
)


GROUP_SIZE_ENV = "CUR_SERVER_PUSH_GROUP"


def _group_size(raw: str | None) -> int:
    """Mutations per transaction: ``CUR_SERVER_PUSH_GROUP`` if a positive integer, else 500."""
    try:
        value = int(raw or "")
    except ValueError:
        return 500
    return value if value > 0 else 500


GROUP_SIZE = _group_size(os.environ.get(GROUP_SIZE_ENV))
"""Mutations applied in one transaction. 500 holds the write lock for ~0.1-0.3 s on SQLite;
the environment variable exists for the fault tests (kill the server between two groups)."""


class ClientOwnershipError(PermissionError):
    """The client id belongs to another login (answered with 403)."""


@dataclass
class PushOutcome:
    """The answer to a push (or the gap that stopped it) and the regions changed."""

    results: list[wire.MutationResult]
    last_mutation_id: int
    gap: wire.PushGap | None = None
    changed_regions: set[str] = field(default_factory=set)

    def response(self) -> wire.PushResponse:
        """The wire answer when there was no gap."""
        return wire.PushResponse(results=self.results, last_mutation_id=self.last_mutation_id)


def push(
    db: Database,
    caller: Caller,
    request: wire.PushRequest,
    *,
    now: datetime,
    group_size: int | None = None,
) -> PushOutcome:
    """Apply ``request``'s mutations in order, in groups; see the module docstring."""
    client_id = str(request.client_id)
    last = _client_last(db, caller, client_id)
    outcome = PushOutcome(results=[], last_mutation_id=last)
    # Mutations answered before are answered again from a snapshot, without the counter lock:
    # an answer never changes once given. A client re-sending a big batch after a lost answer
    # (the soak: 20 clients) held that lock per request and queued every writer behind it.
    mutations = request.mutations
    answered = 0
    while answered < len(mutations) and mutations[answered].id <= last:
        answered += 1
    if answered:
        with db.snapshot() as session:
            ids = [m.id for m in mutations[:answered]]
            earlier = _rejections(session, client_id, ids)
        outcome.results.extend(earlier.get(i) or _already(i) for i in ids)
        mutations = mutations[answered:]
    size = max(1, group_size or GROUP_SIZE)
    for start in range(0, len(mutations), size):
        group = mutations[start : start + size]
        failure, committed = _push_group(db, caller, client_id, group, outcome, now=now)
        if committed:
            # test hook (docs/SERVER.md); inert when unset
            faults.PUSH_COMMITS.after_push_commit(committed)
        if failure is not None:
            raise failure
        if outcome.gap is not None:
            return outcome
    return outcome


def _client_last(db: Database, caller: Caller, client_id: str) -> int:
    """The last mutation id answered for ``client_id`` (registered to ``caller`` if new).

    A known client is read from a snapshot; only a new one takes the counter lock (two first
    pushes of one new client must not race to create it).
    """
    with db.snapshot() as session:
        known = session.get(Client, client_id)
        if known is not None:
            if known.login != caller.login:
                raise ClientOwnershipError(client_id)
            return known.last_mutation_id
    with db.write() as session:
        lock_counter(session)
        client = session.get(Client, client_id)
        if client is None:
            client = Client(client_id=client_id, login=caller.login, last_mutation_id=0)
            session.add(client)
        elif client.login != caller.login:
            raise ClientOwnershipError(client_id)
        return client.last_mutation_id


def _push_group(
    db: Database,
    caller: Caller,
    client_id: str,
    group: Sequence[wire.Mutation],
    outcome: PushOutcome,
    *,
    now: datetime,
) -> tuple[BaseException | None, int]:
    """Apply one group of mutations in ONE transaction, each answered on its own.

    Returns the failure that stopped the group (re-raised by the caller after the commit of
    the mutations before it) and how many mutations the commit answered (applied or
    rejected). A rejection takes back its own writes only; a failure that is not a
    rejection (the database unreachable, a test fault) stops the group: the mutations before
    it are committed and answered on the next push as ``already_processed``. The group's
    writes are kept and sent in batches (:mod:`cur_desktop.server.write_behind`); when the
    database refuses a batch, the group is rolled back and applied again the exact way (a
    savepoint around each mutation, each row written at once).
    """
    try:
        run = _run_group(db, caller, client_id, group, now=now, keep_writes=True)
    except write_behind.KeptWritesError as exc:
        log.info("push group of %s applied again row by row: %s", caller.login, exc)
        run = _run_group(db, caller, client_id, group, now=now, keep_writes=False)
    # Committed: only now do the answers count (a failed commit raised above, answering none).
    outcome.gap = run.gap
    outcome.results.extend(run.results)
    outcome.changed_regions |= run.regions
    outcome.last_mutation_id = run.last
    return run.failure, run.answered


def _run_group(
    db: Database,
    caller: Caller,
    client_id: str,
    group: Sequence[wire.Mutation],
    *,
    now: datetime,
    keep_writes: bool,
) -> _GroupRun:
    """One transaction over ``group``; the run's answers count once this returns (committed)."""
    run = _GroupRun(caller=caller, client_id=client_id, now=now, keep_writes=keep_writes)
    with db.write() as session:
        lock_counter(session)  # held to the commit: seqs and commits stay in order
        client = session.get(Client, client_id, with_for_update=True)
        if client is None:  # pragma: no cover - created above, never deleted
            raise RuntimeError("client row vanished")
        run.last = client.last_mutation_id
        with seq_block(session) as seqs:
            run.gap = run.apply(session, seqs, group)
        client.last_mutation_id = run.last
    return run


class _Guard(Protocol):
    """What takes a rejected mutation back: its savepoint, or its kept rows dropped."""

    def around(self) -> AbstractContextManager[None]:
        """Run one mutation; take back what it did if it raises (and re-raise)."""


@dataclass
class _GroupRun:
    """One group's pass: the answers so far, the last id answered, what stopped it."""

    caller: Caller
    client_id: str
    now: datetime
    keep_writes: bool = True
    """Keep the group's writes and send them in batches (module ``write_behind``)."""
    last: int = 0
    gap: wire.PushGap | None = None
    answered: int = 0
    results: list[wire.MutationResult] = field(default_factory=list)
    regions: set[str] = field(default_factory=set)
    failure: BaseException | None = None
    unread: dict[str, wire.IncidentWire | None] = field(default_factory=dict)
    """Incidents of the group read (and locked) up front, each handed out once: see
    :func:`_prefetch_incidents`."""

    def apply(
        self, session: Session, seqs: SeqBlock, group: Sequence[wire.Mutation]
    ) -> wire.PushGap | None:
        """Answer each mutation of ``group`` in order; return the gap that stopped it, if any."""
        earlier = _rejections(session, self.client_id, [m.id for m in group if m.id <= self.last])
        self.unread = _prefetch_incidents(session, [m for m in group if m.id > self.last])
        if self.keep_writes:
            pending = write_behind.start(session)
            try:
                gap = self._answer_all(session, seqs, pending, group, earlier)
                pending.before_read()  # the commit must carry every kept row
                return gap
            finally:
                write_behind.stop(session)
        savepoints = _Savepoints(session)
        try:
            return self._answer_all(session, seqs, savepoints, group, earlier)
        finally:
            savepoints.close()

    def _answer_all(
        self,
        session: Session,
        seqs: SeqBlock,
        guard: _Guard,
        group: Sequence[wire.Mutation],
        earlier: dict[int, wire.MutationResult],
    ) -> wire.PushGap | None:
        for mutation in group:
            if mutation.id <= self.last:
                self.results.append(earlier.get(mutation.id) or _already(mutation.id))
                continue
            if mutation.id > self.last + 1:
                return wire.PushGap(
                    message=(
                        f"Пропуск в последовательности изменений: ожидалось №{self.last + 1}, "
                        f"получено №{mutation.id}"
                    ),
                    expected_id=self.last + 1,
                )
            try:
                faults.POISON.check(mutation)  # test hook (docs/SERVER.md); inert when unset
                result = self._apply_one(session, seqs, guard, mutation)
            except write_behind.KeptWritesError:
                raise  # the whole group again, the exact way (_push_group)
            except Exception as exc:  # re-raised by push() after the commit of those before
                self.failure = exc
                return None
            self.results.append(result)
            self.last = mutation.id
            self.answered += 1
        return None

    def _apply_one(
        self,
        session: Session,
        seqs: SeqBlock,
        guard: _Guard,
        mutation: wire.Mutation,
    ) -> wire.MutationResult:
        """One mutation, taken back (seqs included) on rejection: its kept rows dropped, or
        its savepoint rolled back."""
        first_seq = seqs.next
        try:
            with guard.around():
                self.regions |= _apply_guarded(
                    session, self.caller, mutation, now=self.now, unread=self.unread
                )
        except MutationRejected as exc:
            seqs.next = first_seq  # the savepoint took its writes back: reuse their numbers
            log.info(
                "mutation %d %s of %s rejected: %s",
                mutation.id,
                mutation.name,
                self.caller.login,
                exc.code,
            )
            session.add(
                RejectedMutation(
                    client_id=self.client_id,
                    mutation_id=mutation.id,
                    code=exc.code.value,
                    message=exc.message,
                )
            )
            session.flush()  # now, outside any savepoint (a later rollback must not take it)
            return wire.MutationResult(
                id=mutation.id,
                outcome=wire.MutationOutcome.REJECTED,
                code=exc.code,
                message=exc.message,
            )
        return wire.MutationResult(id=mutation.id, outcome=wire.MutationOutcome.APPLIED)


def _apply_guarded(
    session: Session,
    caller: Caller,
    mutation: wire.Mutation,
    *,
    now: datetime,
    unread: dict[str, wire.IncidentWire | None],
) -> set[str]:
    """:func:`apply_mutation`, with any failure of this one change turned into a rejection.

    One change the server cannot apply must never make the push answer 500: the client would
    take it for a passing fault and send it again forever, and nothing after it would move.
    Only the database being unreachable (``OperationalError``) still propagates (a 5xx the
    client retries); a constraint violation or a bug on this mutation's data is its rejection.
    """
    try:
        return apply_mutation(session, caller, mutation, now=now, unread=unread)
    except (MutationRejected, write_behind.KeptWritesError):
        raise
    except (OperationalError, InterfaceError):
        raise
    except DBAPIError as exc:  # a constraint or a value the database refuses
        pending = write_behind.active(session)
        if pending is not None and not pending.savepoint_open:
            # No savepoint to take this back (PostgreSQL has aborted the transaction): the
            # group is applied again the exact way, where this is the mutation's rejection.
            raise write_behind.KeptWritesError(str(exc)) from exc
        log.warning("mutation %d %s refused by the database: %s", mutation.id, mutation.name, exc)
        raise MutationRejected(
            wire.RejectCode.INVALID, "Изменение конфликтует с уже сохранёнными данными"
        ) from exc
    except Exception as exc:
        log.exception(
            "mutation %d %s of %s could not be applied", mutation.id, mutation.name, caller.login
        )
        raise MutationRejected(wire.RejectCode.INVALID, _CANNOT_APPLY) from exc


_SAVEPOINT = "SAVEPOINT push_mutation"
_RELEASE = "RELEASE SAVEPOINT push_mutation"
_ROLLBACK = "ROLLBACK TO SAVEPOINT push_mutation"


class _Savepoints:
    """A savepoint around each mutation of a group, in plain SQL on the driver's cursor.

    Not ``Session.begin_nested``: its flush and bookkeeping cost about a sixth of a mutation,
    and nothing here needs them; not ``exec_driver_sql`` either, whose execution context costs
    more than the statement. Every write of a mutation is a Core statement and the ORM objects
    it reads (an answer's incident and region) do not change, so no ORM state is left behind
    by a rollback; the only ORM write, a ``RejectedMutation``, is flushed outside.

    The release of an applied mutation's savepoint is sent with the next mutation's
    ``SAVEPOINT`` (on PostgreSQL in one round trip: two statements, one simple query), and the
    last one's by the group's commit; a rejection sends ``ROLLBACK TO`` and ``RELEASE``
    together. So at most one savepoint is open, and a mutation costs one round trip for its
    savepoint instead of two (a third of a pushed transition's round trips on PostgreSQL).
    """

    def __init__(self, session: Session) -> None:
        connection = session.connection()
        self._cursor: Any = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        self._joined = connection.dialect.name == "postgresql"  # sqlite3 runs one at a time
        self._open = False

    def _run(self, *statements: str) -> None:
        if self._joined:
            self._cursor.execute("; ".join(statements))
            return
        for statement in statements:
            self._cursor.execute(statement)

    @contextmanager
    def around(self) -> Iterator[None]:
        """Run the block inside a new savepoint; roll it back (and re-raise) on failure."""
        if self._open:
            self._run(_RELEASE, _SAVEPOINT)
        else:
            self._run(_SAVEPOINT)
        self._open = True
        try:
            yield
        except BaseException:
            self._open = False
            self._run(_ROLLBACK, _RELEASE)
            raise

    def close(self) -> None:
        """Close the cursor (a savepoint still open is released by the commit)."""
        self._cursor.close()


def _already(mutation_id: int) -> wire.MutationResult:
    return wire.MutationResult(id=mutation_id, outcome=wire.MutationOutcome.ALREADY_PROCESSED)


def _rejections(
    session: Session, client_id: str, mutation_ids: list[int]
) -> dict[int, wire.MutationResult]:
    """The stored rejections among mutations pushed again (one query for the group).

    A mutation answered before is ``already_processed`` unless it was rejected: then the same
    rejection again (the client may never have heard it).
    """
    if not mutation_ids:
        return {}
    rows = session.execute(
        select(RejectedMutation).where(
            RejectedMutation.client_id == client_id,
            RejectedMutation.mutation_id.in_(mutation_ids),
        )
    ).scalars()
    return {
        r.mutation_id: wire.MutationResult(
            id=r.mutation_id,
            outcome=wire.MutationOutcome.REJECTED,
            code=wire.RejectCode(r.code),
            message=r.message,
        )
        for r in rows
    }


def apply_mutation(
    session: Session,
    caller: Caller,
    mutation: wire.Mutation,
    *,
    now: datetime,
    unread: dict[str, wire.IncidentWire | None] | None = None,
) -> set[str]:
    """Apply one mutation inside the caller's transaction; returns the regions it changed.

    Dispatches through the mutation's declaration (``contract.registry.REGISTRY``): parse,
    who may, the references and users the args name (in the incident's region), the incident
    loaded for update (with its answers, for a mutation that touches answers: the rules of the
    others never look at them), the declared rule, then what the rule changed is stored with
    new seqs (:func:`_save_state`). Raises :class:`MutationRejected` (the transaction's
    savepoint is then rolled back). ``unread``: incidents read up front by the group
    (:func:`_prefetch_incidents`).
    """
    if caller.role is Role.FEDERAL_ANALYST:
        raise MutationRejected(
            wire.RejectCode.FORBIDDEN, "Роль «федеральный аналитик» — только просмотр"
        )
    spec = registry.spec_of(mutation.name)
    args = spec.parse(mutation.args)
    _check_codes(args)
    refusal = spec.permission(caller.role, caller.login, args)
    if refusal is not None:
        raise MutationRejected(wire.RejectCode.FORBIDDEN, refusal)
    if spec.creates_incident:
        return _create(session, caller, spec, args, now=now, unread=unread)
    incident_id = spec.incident_of(
        args, lambda answer_id: _readable_answer_incident(session, caller, answer_id)
    )
    if incident_id is None:  # a placeholder (client.skip): belongs to no incident, writes nothing
        spec.rule(registry.IncidentState(None), args, _context(caller, "", now))
        log.info("mutation %d of %s: %s, nothing to write", mutation.id, caller.login, spec.name)
        return set()
    incident = _incident_for_write(session, caller, UUID(incident_id), unread)
    region_code = incident.region_code
    _check_refs(session, region_code, args, spec.references)
    _check_users(session, region_code, args, spec.users)
    answers = (
        _answers_for_write(session, str(incident.id))
        if spec.touches is wire.EntityKind.ANSWER
        else {}
    )
    before = registry.IncidentState(incident, answers)
    after = registry.IncidentState(incident, dict(answers))
    spec.rule(after, args, _context(caller, region_code, now))
    return _save_state(session, region_code, before, after, changed_by=caller.login, now=now)


def _context(caller: Caller, region_code: str, now: datetime) -> registry.RuleContext:
    return registry.RuleContext(actor=caller.login, region_code=region_code, now=now)


def _readable_answer_incident(session: Session, caller: Caller, answer_id: str) -> str | None:
    """The incident of an answer the caller may read (``None``: unknown to the caller)."""
    before_read(session, answers_of=answer_id)
    row = session.get(Answer, answer_id)
    if row is None or not caller.can_read(row.region_code):
        return None
    return str(row.incident_id)


def _answers_for_write(session: Session, incident_id: str) -> dict[str, wire.AnswerWire]:
    """Every answer of an incident, locked for this transaction."""
    before_read(session, answers_of=incident_id)
    rows = session.connection().execute(_ANSWERS_FOR_WRITE, {"b_incident": incident_id}).mappings()
    return {str(r["id"]): wire.AnswerWire.model_validate(dict(r)) for r in rows}


_DEADLINE_KEYS = ("source", "topic_code", "priority")
"""Incident fields its deadlines depend on: a change recomputes the running ones."""


def _save_state(
    session: Session,
    region_code: str,
    before: registry.IncidentState,
    after: registry.IncidentState,
    *,
    changed_by: str,
    now: datetime,
) -> set[str]:
    """Store what a rule changed: answers first, then the incident (new seq each).

    An answer id that belongs to another incident is a ``duplicate``. A change of the
    incident's source, topic or priority recomputes its running deadlines
    (:func:`cur_desktop.server.reclassify.recompute`; a new source must be free). A new
    version of the incident records ``changed_by`` (the caller's login) as who made it.
    """
    changed: set[str] = set()
    for answer_id, answer in after.answers.items():
        old = before.answers.get(answer_id)
        if old is not None and old.version == answer.version:
            continue
        values = answer_values(answer)
        if old is None:
            before_read(session, answers_of=answer_id)
            taken = session.get(Answer, answer_id)
            if taken is not None:  # an id of another incident: of this region, or unseen
                if taken.region_code != region_code:
                    raise MutationRejected(wire.RejectCode.NOT_FOUND, "Ответ не найден")
                raise MutationRejected(
                    wire.RejectCode.DUPLICATE, "Ответ с таким идентификатором уже существует"
                )
            values["region_code"] = region_code
            values["seq"] = allocate_seq(session)
            write_row(session, Kept.INSERT_ANSWER, values)
        else:
            values["seq"] = allocate_seq(session)
            write_row(session, Kept.UPDATE_ANSWER, values)
        changed.add(region_code)
    current, new = before.incident, after.incident
    if current is None or new is None:
        return changed
    if any(getattr(new, k) != getattr(current, k) for k in _DEADLINE_KEYS):
        _check_source_free(session, current, new)
        new = reclassify.recompute(session, current, new, now=now)
    return changed | _save_incident(session, current, new, changed_by=changed_by)


def _check_codes(args: BaseModel) -> None:
    """Topic and subtopic codes must be in the catalogue (reference data)."""
    problem = validation.topic_problem(
        getattr(args, "topic_code", None), getattr(args, "subtopic_code", None)
    )
    if problem is not None:
        raise MutationRejected(wire.RejectCode.INVALID, problem)


def _locked_incident(
    session: Session, incident_id: str, unread: dict[str, wire.IncidentWire | None] | None
) -> wire.IncidentWire | None:
    """An incident read fresh from the database and locked for this transaction.

    Taken from ``unread`` (the group's read up front) the first time it is asked for: until
    then no mutation of the transaction has written it (each reads its incident here before
    writing it), so that row is still the database's. Any later read goes to the database.
    """
    pending = write_behind.active(session)
    if pending is not None:
        # The group's own version first; a row read up front is the database's as long as the
        # group has kept no version of it (then it was never written), so it is not used up.
        latest = pending.incident(incident_id)
        if latest is not None:
            return latest
        if unread is not None and incident_id in unread:
            return unread[incident_id]
    elif unread is not None and incident_id in unread:
        return unread.pop(incident_id)
    row = session.connection().execute(_INCIDENT_FOR_WRITE, {"b_id": incident_id}).first()
    return None if row is None else _incident_of(row)


def _incident_of(row: Row[Any]) -> wire.IncidentWire:
    """An incident row as its wire model. Through a ``dict``: pydantic validates a plain dict
    in half the time of a row mapping (27 against 57 µs a row, measured at 5,000 rows)."""
    return wire.IncidentWire.model_validate(dict(row._mapping))


def _prefetch_incidents(
    session: Session, mutations: Sequence[wire.Mutation]
) -> dict[str, wire.IncidentWire | None]:
    """The incidents ``mutations`` name, read and locked in a few queries (``None``: absent).

    One query per :data:`_PREFETCH_CHUNK` ids instead of one per mutation (a fifth of a
    mutation's cost). Ids are read from the raw args (``incident_id``, or ``id`` of a
    mutation that creates an incident); one that is not a UUID is left to the mutation's own
    validation. Only a hint: a mutation whose incident is not here reads it itself.
    """
    wanted: list[str] = []
    for mutation in mutations:
        try:
            spec = registry.spec_of(mutation.name)
        except MutationRejected:  # answered by the mutation itself
            continue
        raw = mutation.args.get("id" if spec.creates_incident else "incident_id")
        try:
            wanted.append(str(UUID(str(raw))))
        except ValueError:
            continue
    unique = list(dict.fromkeys(wanted))
    found: dict[str, wire.IncidentWire | None] = dict.fromkeys(unique)
    conn = session.connection()
    for start in range(0, len(unique), _PREFETCH_CHUNK):
        chunk = unique[start : start + _PREFETCH_CHUNK]
        for row in conn.execute(_INCIDENTS_FOR_WRITE, {"b_ids": chunk}):
            incident = _incident_of(row)
            found[str(incident.id)] = incident
    return found


def _incident_for_write(
    session: Session,
    caller: Caller,
    incident_id: UUID,
    unread: dict[str, wire.IncidentWire | None] | None,
) -> wire.IncidentWire:
    incident = _locked_incident(session, str(incident_id), unread)
    if incident is None or not caller.can_read(incident.region_code):
        raise MutationRejected(wire.RejectCode.NOT_FOUND, _NOT_FOUND)
    if not caller.can_write(incident.region_code):
        raise MutationRejected(wire.RejectCode.FORBIDDEN, "Нет прав на изменение этого инцидента")
    return incident


_REFERENCES: dict[str, tuple[Any, str]] = {
    "municipality_id": (Municipality, "Муниципалитет {} не найден в регионе"),
    "executor_id": (Executor, "Исполнитель {} не найден в регионе"),
}
"""Arg fields that name a reference of the region: its table and the refusal."""


def _check_refs(
    session: Session, region_code: str, args: BaseModel, fields: tuple[str, ...]
) -> None:
    """Municipality and executor ids the args name must exist in the incident's region."""
    for name in fields:
        value = getattr(args, name, None)
        if value is None:
            continue
        table, message = _REFERENCES[name]
        found = session.execute(
            select(table.id).where(table.id == value, table.region_code == region_code)
        ).first()
        if found is None:
            raise MutationRejected(wire.RejectCode.INVALID, message.format(value))


def _check_users(
    session: Session, region_code: str, args: BaseModel, fields: tuple[str, ...]
) -> None:
    """Logins the args name must be active users of the incident's region."""
    for name in fields:
        login = getattr(args, name, None)
        if login is None:
            continue
        user = session.execute(
            select(User.id).where(User.login == login, User.region_code == region_code, User.active)
        ).first()
        if user is None:
            raise MutationRejected(
                wire.RejectCode.INVALID, f"Сотрудник {login} не найден в регионе"
            )


def _check_source_free(
    session: Session, current: wire.IncidentWire, new: wire.IncidentWire
) -> None:
    """A new source must not collide with another incident's ``(source, external_id)``."""
    if new.source == current.source:
        return
    before_read(session)
    taken = session.execute(
        select(Incident.id).where(
            Incident.source == new.source.value, Incident.external_id == new.external_id
        )
    ).first()
    if taken is not None:
        raise MutationRejected(
            wire.RejectCode.DUPLICATE,
            "Инцидент из этого источника с таким внешним номером уже зарегистрирован",
        )


def _save_incident(
    session: Session,
    current: wire.IncidentWire | None,
    new: wire.IncidentWire,
    *,
    changed_by: str,
) -> set[str]:
    """Write a new version of an incident (nothing when the version did not move), with
    ``changed_by`` as the login that made it (the card's history names them)."""
    if current is not None and new.version == current.version:
        return set()  # nothing changed
    new = _with_working_time(_with_final_deadline(session, new))
    new = new.model_copy(update={"changed_by": changed_by})
    values = incident_values(new)
    values["seq"] = allocate_seq(session)
    if current is None:
        write_row(session, Kept.INSERT_INCIDENT, values, incident=new)
    else:
        # Only the columns that changed are written (SQLite then updates only their indexes;
        # building a 25-column UPDATE also costs more than running it). A Core statement: the
        # ORM row of this transaction is not read again after this.
        changed = frozenset(k for k in _INCIDENT_FIELDS if getattr(new, k) != getattr(current, k))
        write_row(session, Kept.UPDATE_INCIDENT, values, incident=new, columns=changed)
    return {new.region_code}


def _with_final_deadline(session: Session, new: wire.IncidentWire) -> wire.IncidentWire:
    """Set the final-answer deadline of an incident that is on control and has none yet.

    The server's post-processing of the pure rules (:mod:`cur_desktop.contract.mutations` knows
    no SLA):
    counted from the earliest published interim answer, else from ``first_answer_at``, else
    from the incident's ``updated_at`` (the moment of this change). Set once: a later return
    to ``on_control`` keeps the first deadline.
    """
    if new.status is not Status.ON_CONTROL or new.final_answer_due is not None:
        return new
    start = reclassify.final_start(session, new) or new.updated_at
    final = deadline_policy.final_answer(
        new.region_code,
        new.source,
        new.topic_code,
        new.priority,
        interim_at=start,
        received_at=new.received_at,
    )
    return new.model_copy(
        update={"final_answer_due": final.due, "final_answer_warn_at": final.warn_at}
    )


def _with_working_time(new: wire.IncidentWire) -> wire.IncidentWire:
    """Cache the working time to the first answer once it is known (statistics in SQL)."""
    if new.first_answer_at is None or new.first_answer_working_us is not None:
        return new
    spent = deadline_policy.working_time_us(new.region_code, new.received_at, new.first_answer_at)
    return new.model_copy(update={"first_answer_working_us": spent})


def _create(
    session: Session,
    caller: Caller,
    spec: registry.MutationSpec[Any],
    args: Any,
    *,
    now: datetime,
    unread: dict[str, wire.IncidentWire | None] | None,
) -> set[str]:
    """A mutation that brings a new incident: the caller's region, a new id and source post."""
    region_code = caller.region_code
    if region_code is None:
        raise MutationRejected(
            wire.RejectCode.INVALID, "Создавать инциденты может только сотрудник региона"
        )
    current = _locked_incident(session, str(args.id), unread)
    if current is not None:
        if current.region_code != region_code:
            # Ids are unguessable (UUID v4; ingestion's are v7, 74 random bits): the same answer
            # as for any incident the caller cannot see; whether another region holds this id is
            # not revealed.
            raise MutationRejected(wire.RejectCode.NOT_FOUND, _NOT_FOUND)
    else:
        problem = validation.instant_problem(args.received_at, now)
        if problem is not None:
            raise MutationRejected(wire.RejectCode.INVALID, problem)
        _check_refs(session, region_code, args, spec.references)
        # Unique per region: another region's incident with this pair neither blocks the
        # create nor is revealed by it.
        before_read(session)
        taken = session.execute(
            select(Incident.id).where(
                Incident.region_code == region_code,
                Incident.source == args.source.value,
                Incident.external_id == args.external_id,
            )
        ).first()
        if taken is not None:
            raise MutationRejected(
                wire.RejectCode.DUPLICATE,
                "Инцидент из этого источника с таким внешним номером уже зарегистрирован",
            )
    state = registry.IncidentState(current)
    spec.rule(state, args, _context(caller, region_code, now))
    if current is not None or state.incident is None:
        return set()
    new = state.incident
    keys = (region_code, new.source, new.topic_code, new.priority, new.received_at)
    first = deadline_policy.first_answer(*keys)
    moderation = deadline_policy.moderation(*keys)
    new = new.model_copy(
        update={
            "first_answer_due": first.due,
            "first_answer_warn_at": first.warn_at,
            "moderation_due": moderation.due,
            "moderation_warn_at": moderation.warn_at,
        }
    )
    return _save_incident(session, None, new, changed_by=caller.login)
