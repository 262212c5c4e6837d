"""Recording local changes: the view updated and the mutation queued in ONE transaction.

``record_local_mutation`` is what every local edit goes through. The rules of
:mod:`cur_desktop.contract.mutations` run first against what the operator sees, so a violation is
refused (``MutationRejected`` with its Russian message) before anything is written. Then, inside the
caller's transaction: the confirmed rows are copied to the shadow tables if this is the
incident's first pending mutation (copy-on-write), the view is updated, and an ``outbox`` row is
added with the next id of the client's gap-free sequence.

The "needs attention" operations (``retry``/``discard``/``edit`` of rejected mutations) live
here too. All functions take a connection inside the caller's transaction (e.g. a
``DbWriter`` job).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, delete, insert, update

from cur_desktop.contract import mutations, wire
from cur_desktop.contract.registry import IncidentState
from cur_desktop.storage.localstate import (
    PENDING,
    REJECTED,
    OutboxRow,
    apply_mutation,
    count_outbox,
    entity_of,
    get_outbox_row,
    has_pending,
    load_answers,
    load_view_incident,
    outbox_rows,
    parsed_args,
    rebase,
    refresh_derived,
    start_copy_on_write,
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
    KEY_REGION,
    KEY_SERVER_URL,
    ensure_client_id,
    get_int_state,
    get_state,
    set_state,
)
from cur_desktop.storage.tables import outbox_table

log = logging.getLogger(__name__)


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
    clean = parsed_args(mutation, args)
    incident_id = entity_of(conn, mutation, clean)
    who = actor if actor is not None else (get_state(conn, KEY_LOGIN) or "")
    region_code = get_state(conn, KEY_REGION) or ""
    current = load_view_incident(conn, incident_id)
    state = IncidentState(incident=current, answers=load_answers(conn, incident_id, base=False))
    if mutation is wire.MutationName.INCIDENT_CREATE and current is None and not region_code:
        raise mutations.MutationRejected(
            wire.RejectCode.FORBIDDEN, "Профиль не привязан к региону: сначала войдите на сервер"
        )
    apply_mutation(state, mutation, clean, actor=who, region_code=region_code, now=now)
    # The rules accepted it: from here on, write.
    if not has_pending(conn, incident_id):
        start_copy_on_write(conn, incident_id)
    write_view(conn, incident_id, state, local=True)
    refresh_derived(conn, [incident_id])
    mutation_id = next_mutation_id(conn)
    conn.execute(
        insert(outbox_table).values(
            id=mutation_id,
            name=mutation.value,
            args_json=dumps_args(clean),
            base_version=None if current is None else current.version,
            created_at=now,
            state=PENDING,
            attempts=0,
            entity_id=incident_id,
        )
    )
    log.info("recorded local mutation %d (%s) on %s", mutation_id, mutation.value, incident_id)
    return mutation_id


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


def pending_batch(conn: Connection, limit: int) -> tuple[str, list[OutboxRow]]:
    """The client id and the next pending rows the server has not answered for yet."""
    client_id = ensure_client_id(conn)
    after = get_int_state(conn, KEY_PUSHED_UP_TO)
    return client_id, outbox_rows(conn, state=PENDING, after_id=after, limit=limit)


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


def store_push_results(
    conn: Connection, batch: Sequence[OutboxRow], response: wire.PushResponse
) -> PushVerdicts:
    """Store the server's verdicts on ``batch``: rejected rows wait for the operator.

    Accepted rows stay pending until a pull page acknowledges them (``last_mutation_id``);
    ``pushed_up_to`` moves past the batch; incidents with rejected mutations are rebased.
    """
    by_id = {r.id: r for r in response.results}
    accepted = rejected = 0
    touched: set[str] = set()
    for row in batch:
        result = by_id[row.id]
        if result.outcome is wire.MutationOutcome.REJECTED:
            code = result.code.value if result.code is not None else wire.RejectCode.INVALID.value
            message = result.message or "Сервер отклонил изменение."
            entity = mark_rejected(conn, row.id, code, message)
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
    set_state(
        conn,
        KEY_PUSHED_UP_TO,
        max(get_int_state(conn, KEY_PUSHED_UP_TO), batch[-1].id),
    )
    rebase(conn, touched)
    return PushVerdicts(accepted, rejected, frozenset(touched))
