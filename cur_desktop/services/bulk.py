"""Bulk actions on a selection of incidents: N ordinary mutations in ONE write transaction.

Each incident of the selection goes through the same operation as a single action
(:mod:`cur_desktop.services.operations`: take, assign, route to an executor, reject, merge a
duplicate into an original), so each one records the same outbox mutations a single action
would. Every incident runs inside its own SAVEPOINT: when the rules refuse one (the status
machine, someone else holds it, an unknown executor …) its savepoint is rolled back, its
Russian reason is kept in :attr:`BulkOutcome.failures`, and the others go on. The whole
selection commits once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from cur_desktop.contract import mutations
from cur_desktop.domain.enums import RejectReason
from cur_desktop.services import operations
from cur_desktop.services.outcomes import Changes, OperationError

log = logging.getLogger(__name__)

ItemOperation = Callable[[Connection, str, datetime], Changes]
"""``(conn, incident_id, now) -> Changes``: one incident's part of a bulk action."""


@dataclass(frozen=True, slots=True)
class BulkFailure:
    """One incident the rules refused, with the reason in Russian."""

    incident_id: str
    message: str
    code: str


@dataclass(frozen=True, slots=True)
class BulkOutcome:
    """What a bulk action did: the changes of every accepted incident and the refusals.

    ``done``: ids whose action was recorded (or already in effect); ``failures`` keeps the
    order of the selection.
    """

    changes: Changes
    done: tuple[str, ...]
    failures: tuple[BulkFailure, ...]


def apply_each(
    conn: Connection, incident_ids: Sequence[str], operation: ItemOperation, now: datetime
) -> BulkOutcome:
    """Run ``operation`` for every id in its own savepoint (see the module docstring)."""
    touched: set[str] = set()
    mutation_ids: list[int] = []
    done: list[str] = []
    failures: list[BulkFailure] = []
    for incident_id in dict.fromkeys(incident_ids):  # each id once, selection order
        savepoint = conn.begin_nested()
        try:
            changes = operation(conn, incident_id, now)
        except OperationError as exc:
            savepoint.rollback()
            failures.append(BulkFailure(incident_id, exc.message, exc.code))
            continue
        except mutations.MutationRejected as exc:
            savepoint.rollback()
            failures.append(BulkFailure(incident_id, exc.message, exc.code.value))
            continue
        savepoint.commit()
        touched.update(changes.incident_ids)
        mutation_ids.extend(changes.mutation_ids)
        done.append(incident_id)
    if failures:
        log.info("bulk action: %d done, %d refused", len(done), len(failures))
    return BulkOutcome(
        changes=Changes.local(touched, mutation_ids), done=tuple(done), failures=tuple(failures)
    )


def take(conn: Connection, incident_id: str, now: datetime) -> Changes:
    """Take into work (see :func:`operations.take`)."""
    return operations.take(conn, incident_id, now)


def assign_to(assignee: str) -> ItemOperation:
    """Assign (or reassign) to ``assignee``."""

    def run(conn: Connection, incident_id: str, now: datetime) -> Changes:
        return operations.assign(conn, incident_id, assignee, now)

    return run


def route_to(executor_id: str) -> ItemOperation:
    """Route to the executor ``executor_id``."""

    def run(conn: Connection, incident_id: str, now: datetime) -> Changes:
        return operations.route_to_executor(conn, incident_id, executor_id, now)

    return run


def reject_as(reason: RejectReason) -> ItemOperation:
    """Reject with ``reason`` (spam, out of scope …; duplicates: :func:`merge_into`)."""

    def run(conn: Connection, incident_id: str, now: datetime) -> Changes:
        return operations.reject(conn, incident_id, reason, None, now)

    return run


def merge_into(original_id: str) -> ItemOperation:
    """Merge each duplicate into ``original_id`` (the original itself is skipped quietly)."""

    def run(conn: Connection, incident_id: str, now: datetime) -> Changes:
        if incident_id == original_id:
            return Changes.local(())
        return operations.merge_duplicate(conn, incident_id, original_id, now)

    return run


__all__ = [
    "BulkFailure",
    "BulkOutcome",
    "ItemOperation",
    "apply_each",
    "assign_to",
    "merge_into",
    "reject_as",
    "route_to",
    "take",
]
