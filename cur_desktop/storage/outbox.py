"""Recording local changes: the view updated and the mutation queued in ONE transaction.

``record_local_mutation`` is what every local edit goes through. The rules of
:mod:`cur_desktop.contract.mutations` run first against what the operator sees, so a violation is
refused (``MutationRejected`` with its Russian message) before anything is written. Then, inside the
caller's transaction: the confirmed rows are copied to the shadow tables if this is the
incident's first pending mutation (copy-on-write), the view is updated, and an ``outbox`` row is
added with the next id of the client's gap-free sequence.

The "needs attention" operations (``retry``/``discard``/``edit`` of rejected mutations) live
here too, and so does the last line of defence against a server that fails on one mutation
again and again (:func:`count_server_failure`): after :data:`MAX_SERVER_ERRORS` sync rounds in
which that mutation alone got a server error while the server otherwise answered, it is set
aside into "needs attention" (code :data:`SET_ASIDE_CODE`) and a ``client.skip`` placeholder is
sent under its id, so the gap-free sequence moves on and the other changes are sent.

All functions take a connection inside the caller's transaction (e.g. a ``DbWriter`` job).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, Table, bindparam, delete, select, update

from cur_desktop.contract import mutations, registry, wire
from cur_desktop.contract.registry import IncidentState, spec_of
from cur_desktop.reference import checks as validation
from cur_desktop.storage import local_change
from cur_desktop.storage.localstate import (
    PENDING,
    REJECTED,
    OutboxRow,
    apply_mutation,
    count_outbox,
    get_outbox_row,
    incident_of_answer,
    outbox_rows,
    rebase,
    refresh_derived,
    write_view,
)
from cur_desktop.storage.sync_state import (
    KEY_ALLOCATED,
    KEY_CLIENT_ID,
    KEY_CURSOR,
    KEY_LAST_MUTATION_ID,
    KEY_LAST_SYNC_AT,
    KEY_LOGIN,
    KEY_PUSHED_UP_TO,
    KEY_SERVER_URL,
    KEY_SKIPS_UNSENT,
    ensure_client_id,
    get_int_state,
    get_state,
    set_state,
)
from cur_desktop.storage.tables import executor_table, municipality_table, outbox_table

log = logging.getLogger(__name__)

MAX_SERVER_ERRORS = 3
"""Sync rounds in which one mutation alone gets a server error before it is set aside."""

SET_ASIDE_CODE = "server_error"
"""``reject_code`` of a mutation the client set aside after repeated server errors."""

SKIP_STATE = "skip"
"""State of a synthesised ``client.skip`` placeholder row (never stored in the outbox)."""


def dumps_args(args: Mapping[str, Any]) -> str:
    """Serialise mutation args for the outbox (stable key order, Cyrillic kept readable)."""
    return json.dumps(dict(args), ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def next_mutation_id(conn: Connection) -> int:
    """Allocate the next id of the client's gap-free mutation sequence."""
    last = max(
        get_int_state(conn, KEY_ALLOCATED),
        get_int_state(conn, KEY_LAST_MUTATION_ID),
        get_int_state(conn, KEY_PUSHED_UP_TO),
    )
    set_state(conn, KEY_ALLOCATED, last + 1)
    return last + 1


def record_local_mutation(
    conn: Connection,
    name: wire.MutationName | str,
    args: Mapping[str, Any],
    *,
    actor: str | None = None,
    now: datetime,
) -> int:
    """Apply a local change to the view and queue it for the server; return its mutation id.

    ``actor`` defaults to the profile's login; ``now`` must be timezone-aware. Raises
    :class:`cur_desktop.contract.mutations.MutationRejected` (nothing written) when the rules
    refuse it.
    """
    try:
        mutation = wire.MutationName(name)
    except ValueError as exc:
        raise mutations.MutationRejected(
            wire.RejectCode.INVALID, f"Неизвестное действие: {name}"
        ) from exc
    if mutation is wire.MutationName.CLIENT_SKIP:
        raise mutations.MutationRejected(
            wire.RejectCode.INVALID, "Это служебное действие: его отправляет только синхронизация"
        )
    spec = registry.spec_of(mutation)
    parsed = spec.parse(dict(args))
    clean = dict(parsed.model_dump(mode="json"))
    check_references(conn, mutation, clean, now=now)
    incident_id = spec.incident_of(parsed, lambda aid: incident_of_answer(conn, aid))
    if incident_id is None:
        raise mutations.MutationRejected(
            wire.RejectCode.INVALID, f"Действие «{mutation}» не относится к инциденту"
        )
    profile = local_change.read_profile(conn)
    who = actor if actor is not None else profile.login
    row, state = local_change.load_view(conn, incident_id)
    current = state.incident
    before = IncidentState(incident=current, answers=dict(state.answers))
    if spec.creates_incident and current is None and not profile.region_code:
        raise mutations.MutationRejected(
            wire.RejectCode.FORBIDDEN, "Профиль не привязан к региону: сначала войдите на сервер"
        )
    apply_mutation(state, mutation, parsed, actor=who, region_code=profile.region_code, now=now)
    # The rules accepted it: from here on, write.
    if not local_change.has_pending(conn, incident_id):
        local_change.start_shadow(conn, incident_id)
    if not local_change.write_change(conn, row, before, state):
        write_view(conn, incident_id, state, local=True)
        refresh_derived(conn, [incident_id])
    mutation_id = local_change.allocate_id(conn, profile)
    local_change.insert_outbox(
        conn,
        {
            "id": mutation_id,
            "name": mutation.value,
            "args_json": dumps_args(clean),
            "base_version": None if current is None else current.version,
            "created_at": now,
            "state": PENDING,
            "attempts": 0,
            "entity_id": incident_id,
        },
    )
    log.info("recorded local mutation %d (%s) on %s", mutation_id, mutation.value, incident_id)
    return mutation_id


def check_references(
    conn: Connection, name: wire.MutationName, args: Mapping[str, Any], *, now: datetime
) -> None:
    """Refuse (``MutationRejected``, ``invalid``) what the server would refuse for its data.

    The received instant must lie in the accepted window (by this computer's clock; the
    server's clock decides in the end), topic and subtopic must be in the catalogue, and a
    municipality or executor must be in the region's lists this client holds. A client that
    holds no list yet (never synced one) leaves that check to the server.
    """
    problem = None
    if spec_of(name).creates_incident:
        received = datetime.fromisoformat(str(args["received_at"]))
        problem = validation.instant_problem(received, now)
    if problem is None:
        problem = validation.topic_problem(args.get("topic_code"), args.get("subtopic_code"))
    if problem is None:
        problem = _unknown_row(
            conn, municipality_table, args.get("municipality_id"), "Муниципалитет"
        )
    if problem is None:
        problem = _unknown_row(conn, executor_table, args.get("executor_id"), "Исполнитель")
    if problem is not None:
        raise mutations.MutationRejected(wire.RejectCode.INVALID, problem)


def _unknown_row(conn: Connection, table: Table, row_id: Any, what: str) -> str | None:
    if row_id is None:
        return None
    if conn.execute(select(table.c.id).limit(1)).first() is None:
        return None  # no list synced yet: the server checks it
    if conn.execute(select(table.c.id).where(table.c.id == str(row_id))).first() is not None:
        return None
    return f"{what} «{str(row_id)[:60]}» не найден в справочнике региона"


def needs_attention(conn: Connection) -> list[OutboxRow]:
    """Mutations the server rejected, oldest first, with the operator's original args."""
    return outbox_rows(conn, state=REJECTED)


def _rejected_row(conn: Connection, mutation_id: int) -> OutboxRow:
    row = get_outbox_row(conn, mutation_id)
    if row is None or row.state != REJECTED:
        raise KeyError(f"no rejected mutation with id {mutation_id}")
    return row


def discard(conn: Connection, mutation_id: int) -> None:
    """Drop a rejected mutation for good (the view never showed it after the rejection)."""
    _rejected_row(conn, mutation_id)
    conn.execute(delete(outbox_table).where(outbox_table.c.id == mutation_id))
    log.info("discarded rejected mutation %d", mutation_id)


def edit(conn: Connection, mutation_id: int, new_args: Mapping[str, Any], *, now: datetime) -> int:
    """Replace a rejected mutation by a new one with ``new_args``; return the new id.

    The new mutation goes through the local rules like any edit; if they refuse it the rejected
    row stays as it was (the caller's transaction rolls back).
    """
    row = _rejected_row(conn, mutation_id)
    conn.execute(delete(outbox_table).where(outbox_table.c.id == mutation_id))
    new_id = record_local_mutation(conn, row.name, new_args, now=now)
    log.info("rejected mutation %d re-queued as %d", mutation_id, new_id)
    return new_id


def retry(conn: Connection, mutation_id: int, *, now: datetime) -> int:
    """Queue a rejected mutation again, unchanged, under a new id; return that id."""
    row = _rejected_row(conn, mutation_id)
    return edit(conn, mutation_id, row.args, now=now)


def mark_rejected(conn: Connection, mutation_id: int, code: str, message: str) -> str | None:
    """Mark a pending mutation rejected by the server; return its incident id."""
    conn.execute(
        update(outbox_table)
        .where(outbox_table.c.id == mutation_id)
        .values(
            state=REJECTED,
            reject_code=code,
            reject_message=message,
            attempts=outbox_table.c.attempts + 1,
        )
    )
    row = get_outbox_row(conn, mutation_id)
    return None if row is None else row.entity_id


# --------------------------------------------------------------------------- push bookkeeping


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


def _skip_row(mutation_id: int) -> OutboxRow:
    return OutboxRow(
        id=mutation_id,
        name=wire.MutationName.CLIENT_SKIP,
        args={},
        base_version=None,
        created_at=datetime.now(UTC),
        state=SKIP_STATE,
        reject_code=None,
        reject_message=None,
        attempts=0,
        entity_id=None,
    )


def pending_batch(conn: Connection, limit: int) -> tuple[str, list[OutboxRow]]:
    """The client id and the next rows the server has not answered for yet, in id order.

    Pending outbox rows, and a ``client.skip`` placeholder for each set-aside id still unsent.
    """
    client_id = ensure_client_id(conn)
    after = get_int_state(conn, KEY_PUSHED_UP_TO)
    rows = outbox_rows(conn, state=PENDING, after_id=after, limit=limit)
    skips = [_skip_row(i) for i in unsent_skips(conn) if i > after]
    if skips:
        rows = sorted([*rows, *skips], key=lambda r: r.id)[:limit]
    return client_id, rows


def read_status(conn: Connection) -> SyncStatus:
    """Queue sizes and sync markers of the profile."""
    last = get_state(conn, KEY_LAST_SYNC_AT)
    return SyncStatus(
        pending=count_outbox(conn, PENDING),
        rejected=count_outbox(conn, REJECTED),
        last_sync_at=None if last is None else datetime.fromisoformat(last),
        cursor=get_int_state(conn, KEY_CURSOR),
        last_mutation_id=get_int_state(conn, KEY_LAST_MUTATION_ID),
        client_id=get_state(conn, KEY_CLIENT_ID),
        server_url=get_state(conn, KEY_SERVER_URL),
        login=get_state(conn, KEY_LOGIN),
    )


class PushVerdicts(NamedTuple):
    """What the server said about one pushed batch."""

    accepted: int
    rejected: int
    rejected_incidents: frozenset[str]
    """Incidents whose rejected mutations left the view (they were rebased without them)."""


_ID_CHUNK = 500  # ids per ``IN (...)`` list, well under SQLite's parameter limit
_COUNT_ATTEMPT = (
    update(outbox_table)
    .where(outbox_table.c.id.in_(bindparam("ids", expanding=True)))
    .values(attempts=outbox_table.c.attempts + 1)
)


def store_push_results(
    conn: Connection, batch: Sequence[OutboxRow], response: wire.PushResponse
) -> PushVerdicts:
    """Store the server's verdicts on ``batch``: rejected rows wait for the operator.

    Accepted rows stay pending until a pull page acknowledges them (``last_mutation_id``);
    ``pushed_up_to`` moves past the batch; incidents with rejected mutations are rebased.
    """
    by_id = {r.id: r for r in response.results}
    rejected = 0
    answered: list[int] = []
    touched: set[str] = set()
    for row in batch:
        result = by_id[row.id]
        if row.state == SKIP_STATE:
            continue  # the set-aside row keeps its own reason whatever the placeholder got
        if result.outcome is wire.MutationOutcome.REJECTED:
            code = result.code.value if result.code is not None else wire.RejectCode.INVALID.value
            message = result.message or "Сервер отклонил изменение."
            entity = mark_rejected(conn, row.id, code, message)
            if entity is not None:
                touched.add(entity)
            rejected += 1
            log.info("mutation %d rejected by the server: %s", row.id, code)
        else:
            answered.append(row.id)
    for start in range(0, len(answered), _ID_CHUNK):  # one statement per chunk, not per row
        conn.execute(_COUNT_ATTEMPT, {"ids": answered[start : start + _ID_CHUNK]})
    accepted = len(answered)
    answered_up_to = max(get_int_state(conn, KEY_PUSHED_UP_TO), batch[-1].id)
    set_state(conn, KEY_PUSHED_UP_TO, answered_up_to)
    forget_skips_up_to(conn, answered_up_to)
    rebase(conn, touched)
    return PushVerdicts(accepted, rejected, frozenset(touched))


# --------------------------------------------------------------------------- set aside


def count_server_failure(conn: Connection, mutation_id: int) -> bool:
    """Count a sync round in which the server failed (5xx) on pending mutation ``mutation_id``.

    Only called when the same round's pull succeeded, so the server was up and the failure
    belongs to this mutation. On the :data:`MAX_SERVER_ERRORS`-th round the mutation is set
    aside (returns ``True``): marked rejected with :data:`SET_ASIDE_CODE` and a Russian reason,
    its effect dropped from the view, and its id queued for a ``client.skip`` placeholder.
    The count is the row's ``attempts`` (a row the server has not answered has no other).
    """
    row = get_outbox_row(conn, mutation_id)
    if row is None or row.state != PENDING or mutation_id <= get_int_state(conn, KEY_PUSHED_UP_TO):
        return False
    failures = row.attempts + 1
    if failures < MAX_SERVER_ERRORS:
        conn.execute(
            update(outbox_table).where(outbox_table.c.id == mutation_id).values(attempts=failures)
        )
        log.warning("mutation %d: server error %d of %d", mutation_id, failures, MAX_SERVER_ERRORS)
        return False
    message = (
        f"Сервер {failures} раза подряд не смог обработать это изменение (ошибка сервера). "
        "Оно отложено, чтобы не задерживать остальные; повторите его позже, исправьте или удалите."
    )
    entity = mark_rejected(conn, mutation_id, SET_ASIDE_CODE, message)
    set_state(conn, KEY_SKIPS_UNSENT, json.dumps(sorted({*unsent_skips(conn), mutation_id})))
    if entity is not None:
        rebase(conn, [entity])
    log.warning("mutation %d set aside after %d server errors", mutation_id, failures)
    return True


def unsent_skips(conn: Connection) -> list[int]:
    """Ids of set-aside mutations whose ``client.skip`` placeholder the server has not answered."""
    raw = get_state(conn, KEY_SKIPS_UNSENT)
    return [] if not raw else [int(i) for i in json.loads(raw)]


def forget_skips_up_to(conn: Connection, answered_up_to: int) -> None:
    """Drop the placeholders the server has answered (ids up to ``answered_up_to``)."""
    left = [i for i in unsent_skips(conn) if i > answered_up_to]
    set_state(conn, KEY_SKIPS_UNSENT, json.dumps(left))
