"""The client's three layers of state and the moves between them (no I/O but the local DB).

* confirmed state: ``incident``/``answer`` rows of incidents without pending mutations, and
  ``incident_base``/``answer_base`` rows (copy-on-write shadows) of incidents with some;
* pending mutations: ``outbox`` rows in state ``pending``, in id order;
* the view the UI reads: ``incident``/``answer`` = confirmed + pending replayed on top.

The unit of copy-on-write and of rebasing is one incident together with its answers: an outbox
row's ``entity_id`` is always the incident id the mutation touches. While an incident has
pending mutations its confirmed state lives in the ``*_base`` tables (an incident that is absent
there is absent on the server: e.g. created locally and not yet confirmed).

Every function takes a :class:`sqlalchemy.Connection` inside the caller's transaction.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Connection, delete, func, insert, or_, select, update

from cur_desktop.contract import mutations, registry, wire
from cur_desktop.contract.registry import IncidentState, RuleContext
from cur_desktop.domain.enums import AnswerKind, AnswerState, Status
from cur_desktop.reference import sla_deadlines
from cur_desktop.storage.incidents import (
    bulk_insert_incidents,
    delete_incident,
    get_incident,
    upsert_incident,
)
from cur_desktop.storage.sync_state import KEY_LOGIN, KEY_REGION, get_state
from cur_desktop.storage.tables import (
    answer_base_table,
    answer_table,
    incident_base_table,
    incident_table,
    outbox_table,
)

log = logging.getLogger(__name__)

PENDING = "pending"
REJECTED = "rejected"


_INCIDENT_FIELDS = tuple(wire.IncidentWire.model_fields)
_IN_CHUNK = 500  # ids per ``IN (...)`` list, well under SQLite's parameter limit
_ANSWER_FIELDS = tuple(wire.AnswerWire.model_fields)


# --------------------------------------------------------------------------- row <-> wire


def incident_from_row(row: Mapping[Any, Any]) -> wire.IncidentWire:
    """The wire form of an ``incident``/``incident_base`` row."""
    return wire.IncidentWire.model_validate({k: row[k] for k in _INCIDENT_FIELDS})


def incident_to_row(incident: wire.IncidentWire, *, local_changed: bool) -> dict[str, Any]:
    """Column values of an ``incident`` row for ``incident`` (computed columns left alone)."""
    row: dict[str, Any] = {k: getattr(incident, k) for k in _INCIDENT_FIELDS}
    row["id"] = str(incident.id)
    row["local_changed"] = local_changed
    return row


def answer_from_row(row: Mapping[Any, Any]) -> wire.AnswerWire:
    """The wire form of an ``answer``/``answer_base`` row."""
    return wire.AnswerWire.model_validate({k: row[k] for k in _ANSWER_FIELDS})


def answer_to_row(answer: wire.AnswerWire) -> dict[str, Any]:
    """Column values of an ``answer`` row."""
    row: dict[str, Any] = {k: getattr(answer, k) for k in _ANSWER_FIELDS}
    row["id"] = str(answer.id)
    row["incident_id"] = str(answer.incident_id)
    return row


# --------------------------------------------------------------------------- table access


def load_view_incident(conn: Connection, incident_id: str) -> wire.IncidentWire | None:
    """The incident as the UI sees it."""
    row = get_incident(conn, incident_id)
    return None if row is None else incident_from_row(row)


def load_base_incident(conn: Connection, incident_id: str) -> wire.IncidentWire | None:
    """The confirmed shadow of an incident under copy-on-write."""
    row = (
        conn.execute(select(incident_base_table).where(incident_base_table.c.id == incident_id))
        .mappings()
        .first()
    )
    return None if row is None else incident_from_row(row)


def load_answers(conn: Connection, incident_id: str, *, base: bool) -> dict[str, wire.AnswerWire]:
    """Answers of an incident from the view (``base=False``) or the shadow, by id."""
    table = answer_base_table if base else answer_table
    rows = conn.execute(select(table).where(table.c.incident_id == incident_id)).mappings()
    return {str(r["id"]): answer_from_row(r) for r in rows}


# Local columns the wire does not carry: kept across rewrites of a row (the sticky flags are
# then refreshed by ``refresh_derived``). The warning instants travel on the wire (the server
# computes them), so they are written from it like every other wire field.
_CARRIED_COLUMNS = (
    "was_reworked",
    "was_reopened",
    "rating",
)


def write_view_incident(
    conn: Connection, incident: wire.IncidentWire, *, local_changed: bool
) -> None:
    """Insert or update the UI's row of ``incident`` (keeps the search index in step)."""
    row = incident_to_row(incident, local_changed=local_changed)
    old = get_incident(conn, row["id"])
    if old is not None:
        row.update({c: old[c] for c in _CARRIED_COLUMNS})
    upsert_incident(conn, row)


def write_view_incidents(
    conn: Connection, incidents: Sequence[wire.IncidentWire], *, local: Collection[str] = ()
) -> None:
    """Insert or update many incidents in the view at once (the pull fast path).

    The same result as :func:`write_view_incident` for each (``local_changed`` set for the
    ids in ``local``), in a few statements per chunk: one read of the carried local columns,
    one bulk upsert.
    """
    rows = [incident_to_row(i, local_changed=str(i.id) in local) for i in incidents]
    carried = [incident_table.c[c] for c in _CARRIED_COLUMNS]
    for start in range(0, len(rows), _IN_CHUNK):
        chunk = rows[start : start + _IN_CHUNK]
        old = conn.execute(
            select(incident_table.c.id, *carried).where(
                incident_table.c.id.in_([r["id"] for r in chunk])
            )
        ).all()
        if old:
            by_id = {str(r[0]): r for r in old}
            for row in chunk:
                found = by_id.get(row["id"])
                if found is not None:
                    row.update(zip(_CARRIED_COLUMNS, found[1:], strict=True))
    bulk_insert_incidents(conn, rows)


def write_view_answers(
    conn: Connection, answers: Sequence[wire.AnswerWire], *, base: bool = False
) -> None:
    """Insert or replace many answers in the view (or, ``base``, the shadow) at once (the pull
    fast path): the same result as :func:`write_answer` for each."""
    _replace_rows(conn, answer_base_table if base else answer_table, map(answer_to_row, answers))


def write_base_incidents(conn: Connection, incidents: Sequence[wire.IncidentWire]) -> None:
    """Insert or replace many confirmed shadows at once: :func:`write_base_incident` for each.

    The pull after a push brings back every pushed incident under copy-on-write; written one
    statement pair a row (a new ``INSERT`` construct each), the pull of the 7,428 changes of a
    5,000-mutation push took 3.7 s instead of 1.6 s (bench/sync_bench.py, bench/README.md).
    """
    rows = (incident_to_row(incident, local_changed=False) for incident in incidents)
    _replace_rows(conn, incident_base_table, rows)


def _replace_rows(conn: Connection, table: Any, rows: Iterable[dict[str, Any]]) -> None:
    """Delete the rows with these ids, then insert them, :data:`_IN_CHUNK` at a time."""
    pending = list(rows)
    for start in range(0, len(pending), _IN_CHUNK):
        chunk = pending[start : start + _IN_CHUNK]
        conn.execute(delete(table).where(table.c.id.in_([r["id"] for r in chunk])))
        conn.execute(insert(table), chunk)


def _derived_values() -> dict[str, Any]:
    """The derived columns of ``incident`` as SQL over its answers and status (see below)."""
    inc, ans = incident_table, answer_table

    def published(kind: AnswerKind) -> Any:
        return (
            select(ans.c.id)
            .where(
                ans.c.incident_id == inc.c.id,
                ans.c.kind == kind,
                ans.c.state == AnswerState.PUBLISHED,
            )
            .exists()
        )

    return {
        "has_interim": published(AnswerKind.INTERIM),
        "has_final": published(AnswerKind.FINAL),
        "was_reworked": or_(inc.c.was_reworked, inc.c.status == Status.REWORK),
        "was_reopened": or_(inc.c.was_reopened, inc.c.status == Status.REOPENED),
    }


def refresh_derived(conn: Connection, incident_ids: Iterable[str]) -> None:
    """Recompute the answer flags and the sticky status flags of view incidents.

    ``has_interim`` / ``has_final``: a published interim / final answer exists;
    ``was_reworked`` / ``was_reopened``: the incident is or has been seen in that status.
    """
    ids = sorted(set(incident_ids))
    if not ids:
        return
    inc = incident_table
    values = _derived_values()
    for start in range(0, len(ids), 500):
        conn.execute(update(inc).where(inc.c.id.in_(ids[start : start + 500])).values(**values))


def refresh_derived_of_answered(conn: Connection) -> int:
    """:func:`refresh_derived` of every incident that has answers, in one statement (a bulk
    load: a million ids in chunks of 500 would be two thousand statements); return how many."""
    inc = incident_table
    answered = select(answer_table.c.incident_id)
    result = conn.execute(update(inc).where(inc.c.id.in_(answered)).values(**_derived_values()))
    return int(result.rowcount)


def write_base_incident(conn: Connection, incident: wire.IncidentWire) -> None:
    """Insert or replace the confirmed shadow of ``incident``."""
    _replace_rows(conn, incident_base_table, [incident_to_row(incident, local_changed=False)])


def write_answer(conn: Connection, answer: wire.AnswerWire, *, base: bool) -> None:
    """Insert or replace an answer in the view or the shadow."""
    _replace_rows(conn, answer_base_table if base else answer_table, [answer_to_row(answer)])


def delete_answer(conn: Connection, answer_id: str, *, base: bool) -> None:
    """Delete an answer from the view or the shadow (absent is fine)."""
    table = answer_base_table if base else answer_table
    conn.execute(delete(table).where(table.c.id == answer_id))


def incident_of_answer(conn: Connection, answer_id: str) -> str | None:
    """Incident id of an answer known locally (view first, then shadow)."""
    for table in (answer_table, answer_base_table):
        value = conn.execute(
            select(table.c.incident_id).where(table.c.id == answer_id)
        ).scalar_one_or_none()
        if value is not None:
            return str(value)
    return None


# --------------------------------------------------------------------------- outbox


@dataclass(frozen=True, slots=True)
class OutboxRow:
    """One outbox row, parsed."""

    id: int
    name: wire.MutationName
    args: dict[str, Any]
    base_version: int | None
    created_at: datetime
    state: str
    reject_code: str | None
    reject_message: str | None
    attempts: int
    entity_id: str | None


def _outbox_row(row: Mapping[Any, Any]) -> OutboxRow:
    return OutboxRow(
        id=int(row["id"]),
        name=wire.MutationName(row["name"]),
        args=dict(json.loads(row["args_json"])),
        base_version=row["base_version"],
        created_at=row["created_at"],
        state=str(row["state"]),
        reject_code=row["reject_code"],
        reject_message=row["reject_message"],
        attempts=int(row["attempts"]),
        entity_id=row["entity_id"],
    )


def outbox_rows(
    conn: Connection,
    *,
    state: str | None = None,
    entity_id: str | None = None,
    after_id: int = 0,
    limit: int | None = None,
) -> list[OutboxRow]:
    """Outbox rows in id order, filtered by state, entity and ``id > after_id``."""
    query = select(outbox_table).where(outbox_table.c.id > after_id).order_by(outbox_table.c.id)
    if state is not None:
        query = query.where(outbox_table.c.state == state)
    if entity_id is not None:
        query = query.where(outbox_table.c.entity_id == entity_id)
    if limit is not None:
        query = query.limit(limit)
    return [_outbox_row(r) for r in conn.execute(query).mappings()]


def get_outbox_row(conn: Connection, mutation_id: int) -> OutboxRow | None:
    """One outbox row by id."""
    row = conn.execute(select(outbox_table).where(outbox_table.c.id == mutation_id)).mappings()
    first = row.first()
    return None if first is None else _outbox_row(first)


def count_outbox(conn: Connection, state: str) -> int:
    """How many outbox rows are in ``state``."""
    return int(
        conn.execute(
            select(func.count()).select_from(outbox_table).where(outbox_table.c.state == state)
        ).scalar_one()
    )


def pending_incident_ids(conn: Connection) -> set[str]:
    """Incidents with pending mutations (under copy-on-write), in one query."""
    return {
        str(r[0])
        for r in conn.execute(
            select(outbox_table.c.entity_id)
            .where(outbox_table.c.state == PENDING, outbox_table.c.entity_id.is_not(None))
            .distinct()
        )
    }


CREATING_MUTATIONS = tuple(
    name.value for name, spec in registry.REGISTRY.items() if spec.creates_incident
)
"""Names of the mutations that bring a new incident (``incident.create``, ``incident.register``)."""


def provisional_incident_ids(conn: Connection, among: Collection[str] | None = None) -> set[str]:
    """Incidents created here that the server has not confirmed yet (optionally ``among`` ids).

    Their deadlines were computed on this workstation (:func:`with_provisional_deadlines`): a
    creating mutation still pending and no confirmed (shadow) row. With ``among`` (a page of
    the list) the outbox is read through its ``entity_id`` index, never scanned.
    """
    if among is None:
        return _provisional(conn, None)
    wanted = [str(i) for i in among]
    found: set[str] = set()
    for start in range(0, len(wanted), _IN_CHUNK):
        found |= _provisional(conn, wanted[start : start + _IN_CHUNK])
    return found


def _provisional(conn: Connection, ids: list[str] | None) -> set[str]:
    query = (
        select(outbox_table.c.entity_id)
        .where(
            outbox_table.c.state == PENDING,
            outbox_table.c.name.in_(CREATING_MUTATIONS),
            ~select(incident_base_table.c.id)
            .where(incident_base_table.c.id == outbox_table.c.entity_id)
            .exists(),
        )
        .distinct()
    )
    if ids is not None:
        if not ids:
            return set()
        query = query.where(outbox_table.c.entity_id.in_(ids))
    return {str(r[0]) for r in conn.execute(query) if r[0] is not None}


def has_pending(conn: Connection, incident_id: str) -> bool:
    """Whether an incident has pending mutations (so it is under copy-on-write)."""
    return (
        conn.execute(
            select(outbox_table.c.id)
            .where(outbox_table.c.entity_id == incident_id, outbox_table.c.state == PENDING)
            .limit(1)
        ).first()
        is not None
    )


# --------------------------------------------------------------------------- applying


def parsed_args(name: wire.MutationName, args: Mapping[str, Any]) -> dict[str, Any]:
    """Validate and normalise mutation args into their JSON form (``MutationRejected`` if bad)."""
    return dict(registry.parse(name, dict(args)).model_dump(mode="json"))


def entity_of(conn: Connection, name: wire.MutationName, args: Mapping[str, Any]) -> str:
    """The incident id a mutation touches (its copy-on-write unit), per its declaration."""
    spec = registry.spec_of(name)
    incident_id = spec.incident_of(
        spec.parse(dict(args)), lambda aid: incident_of_answer(conn, aid)
    )
    if incident_id is None:
        raise mutations.MutationRejected(
            wire.RejectCode.INVALID, f"Действие «{name}» не относится к инциденту"
        )
    return incident_id


def apply_mutation(
    state: IncidentState,
    name: wire.MutationName,
    args: Mapping[str, Any] | BaseModel,
    *,
    actor: str,
    region_code: str,
    now: datetime,
) -> None:
    """Apply one mutation to ``state`` in place through its declared rule (the registry).

    A mutation that creates an incident gets its deadlines here, computed by the same SLA
    rules as the server's (:mod:`cur_desktop.reference.sla_deadlines`): they are provisional
    until the server's row arrives through pull (which then replaces the whole row).
    """
    registry.apply(state, name, args, RuleContext(actor=actor, region_code=region_code, now=now))
    if registry.spec_of(name).creates_incident and state.incident is not None:
        state.incident = with_provisional_deadlines(state.incident)


def with_provisional_deadlines(incident: wire.IncidentWire) -> wire.IncidentWire:
    """``incident`` with its first-answer and moderation deadlines, if it has none yet.

    An unknown region (no reference data) leaves it without deadlines: the server decides.
    """
    if incident.first_answer_due is not None:
        return incident
    keys = (
        incident.region_code,
        incident.source,
        incident.topic_code,
        incident.priority,
        incident.received_at,
    )
    try:
        first = sla_deadlines.first_answer(*keys)
        moderation = sla_deadlines.moderation(*keys)
    except (KeyError, ValueError):
        log.warning("no SLA rule for region %r: no provisional deadlines", incident.region_code)
        return incident
    return incident.model_copy(
        update={
            "first_answer_due": first.due,
            "first_answer_warn_at": first.warn_at,
            "moderation_due": moderation.due,
            "moderation_warn_at": moderation.warn_at,
        }
    )


def write_view(conn: Connection, incident_id: str, state: IncidentState, *, local: bool) -> None:
    """Make the UI's rows of one incident (and its answers) equal to ``state``."""
    if state.incident is None:
        delete_incident(conn, incident_id)
    else:
        write_view_incident(conn, state.incident, local_changed=local)
    conn.execute(delete(answer_table).where(answer_table.c.incident_id == incident_id))
    for answer in state.answers.values():
        write_answer(conn, answer, base=False)


def start_copy_on_write(conn: Connection, incident_id: str) -> None:
    """Save the confirmed rows of an incident into the shadow tables (first pending mutation)."""
    conn.execute(delete(incident_base_table).where(incident_base_table.c.id == incident_id))
    conn.execute(delete(answer_base_table).where(answer_base_table.c.incident_id == incident_id))
    incident = load_view_incident(conn, incident_id)
    if incident is not None:
        write_base_incident(conn, incident)
    for answer in load_answers(conn, incident_id, base=False).values():
        write_answer(conn, answer, base=True)


def rebase(conn: Connection, incident_ids: Sequence[str] | set[str]) -> None:
    """Recompute the view of incidents that are (or just were) under copy-on-write.

    View = shadow + pending mutations replayed in id order (with each mutation's own time);
    a mutation that no longer fits the confirmed state is skipped in the view but stays pending
    (the server decides). Without pending mutations the shadow becomes the view and is dropped.
    Incidents are independent of each other, so they are read and written in chunks.
    """
    if not incident_ids:
        return
    actor = get_state(conn, KEY_LOGIN) or ""
    region_code = get_state(conn, KEY_REGION) or ""
    ids = sorted(set(incident_ids))
    for start in range(0, len(ids), _IN_CHUNK):
        _rebase_chunk(conn, ids[start : start + _IN_CHUNK], actor=actor, region_code=region_code)


def _rebase_chunk(conn: Connection, ids: list[str], *, actor: str, region_code: str) -> None:
    bases = {
        str(r["id"]): incident_from_row(r)
        for r in conn.execute(
            select(incident_base_table).where(incident_base_table.c.id.in_(ids))
        ).mappings()
    }
    states = {i: IncidentState(incident=bases.get(i), answers={}) for i in ids}
    for r in conn.execute(
        select(answer_base_table).where(answer_base_table.c.incident_id.in_(ids))
    ).mappings():
        states[str(r["incident_id"])].answers[str(r["id"])] = answer_from_row(r)
    pending: dict[str, list[OutboxRow]] = {}
    for r in conn.execute(
        select(outbox_table)
        .where(outbox_table.c.state == PENDING, outbox_table.c.entity_id.in_(ids))
        .order_by(outbox_table.c.id)
    ).mappings():
        pending.setdefault(str(r["entity_id"]), []).append(_outbox_row(r))
    for incident_id in ids:
        state = states[incident_id]
        for row in pending.get(incident_id, ()):
            try:
                apply_mutation(
                    state,
                    row.name,
                    row.args,
                    actor=actor,
                    region_code=region_code,
                    now=row.created_at,
                )
            except mutations.MutationRejected as exc:
                log.info(
                    "pending mutation %d no longer fits (%s); shown unapplied", row.id, exc.code
                )
    for incident_id in ids:
        if states[incident_id].incident is None:
            delete_incident(conn, incident_id)
    present = [s.incident for s in states.values() if s.incident is not None]
    write_view_incidents(conn, present, local=pending.keys())
    conn.execute(delete(answer_table).where(answer_table.c.incident_id.in_(ids)))
    answers = [a for s in states.values() for a in s.answers.values()]
    if answers:
        write_view_answers(conn, answers)
    refresh_derived(conn, ids)
    settled = [i for i in ids if i not in pending]
    if settled:
        conn.execute(delete(incident_base_table).where(incident_base_table.c.id.in_(settled)))
        conn.execute(delete(answer_base_table).where(answer_base_table.c.incident_id.in_(settled)))
