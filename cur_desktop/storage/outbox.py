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
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, update

from cur_desktop.contract import mutations, wire
from cur_desktop.storage.localstate import (
    KEY_ALLOCATED,
    KEY_LAST_MUTATION_ID,
    KEY_LOGIN,
    KEY_PUSHED_UP_TO,
    KEY_REGION,
    PENDING,
    REJECTED,
    IncidentState,
    OutboxRow,
    apply_mutation,
    entity_of,
    get_int_state,
    get_outbox_row,
    get_state,
    has_pending,
    load_answers,
    load_view_incident,
    outbox_rows,
    parsed_args,
    refresh_derived,
    set_state,
    start_copy_on_write,
    write_view,
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
