"""``cur-server seed-demo``: fill a server with realistic demo data through the real code paths.

Regions of the demo generator (different time zones) get their municipalities and executors,
an operator per demo login and a supervisor; incidents are *ingested* (so the server computes
their deadlines) and then *worked* by pushed mutations (assign, moderate, route, answer,
close ...), each pushed with the server clock set to the historical moment it happened, so
response times are the generator's realistic ones. Idempotent: users that exist are kept,
incidents already ingested are not worked again, and each operator's client continues its
mutation numbering.
"""

from __future__ import annotations

import logging
import random
import secrets
import uuid
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from cur_desktop.contract import wire
from cur_desktop.demodata.generator import (
    demo_regions,
    generate_answer_text,
    generate_executors,
    generate_incidents,
    generate_municipalities,
)
from cur_desktop.domain.enums import AnswerKind, Role, Status
from cur_desktop.domain.status_machine import TRANSITIONS
from cur_desktop.server import auth
from cur_desktop.server.db import Database, allocate_seq, lock_counter
from cur_desktop.server.ingest import ingest
from cur_desktop.server.push import push
from cur_desktop.server.tables import Client, Executor, Municipality

log = logging.getLogger(__name__)

SEED = 20_260_301
CLIENT_NAMESPACE = uuid.UUID("a3f1c2d4-5b6e-4f70-8a9b-0c1d2e3f4a5b")
_INGEST_CHUNK = 1_000
_INGEST_FIELDS = tuple(wire.IngestItem.model_fields)


@dataclass
class SeedReport:
    """What seed-demo did: users created (with passwords), incidents, mutations."""

    regions: list[str]
    created_users: list[tuple[str, str, str, str]] = field(default_factory=list)
    existing_users: list[str] = field(default_factory=list)
    incidents_created: int = 0
    incidents_existing: int = 0
    mutations_applied: int = 0
    mutations_rejected: int = 0

    def render(self) -> str:
        """Human-readable summary (Russian), with the logins and passwords created."""
        lines = [
            f"Регионы: {', '.join(self.regions)}",
            f"Инцидентов создано: {self.incidents_created}, уже было: {self.incidents_existing}",
            f"Изменений применено: {self.mutations_applied}, отклонено: {self.mutations_rejected}",
        ]
        if self.created_users:
            lines.append("Созданы пользователи (логин / пароль / роль / регион):")
            lines += [
                f"  {lg}\t{pw}\t{role}\t{region}" for lg, pw, role, region in self.created_users
            ]
        if self.existing_users:
            lines.append(f"Уже существовали: {', '.join(self.existing_users)}")
        return "\n".join(lines)


def load_reference_data(db: Database, regions: Sequence[str]) -> set[str]:
    """Upsert the demo municipalities and executors of ``regions``; returns changed regions."""
    municipalities = generate_municipalities(list(regions))
    executors = generate_executors(list(regions))
    changed: set[str] = set()
    with db.write() as session:
        lock_counter(session)
        tables: tuple[tuple[type[Municipality] | type[Executor], list[dict[str, Any]]], ...] = (
            (Municipality, municipalities),
            (Executor, executors),
        )
        for model, rows in tables:
            stored = session.execute(
                select(model).where(model.region_code.in_(list(regions)))
            ).scalars()
            known: dict[str, Any] = {
                row.id: row for row in stored if isinstance(row, Municipality | Executor)
            }
            for values in rows:
                current = known.get(values["id"])
                if current is not None and all(getattr(current, k) == v for k, v in values.items()):
                    continue
                _upsert(session, model, {**values, "seq": allocate_seq(session)})
                changed.add(values["region_code"])
    return changed


def _upsert(
    session: Session, model: type[Municipality] | type[Executor], values: dict[str, Any]
) -> None:
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(model).values(**values)
    update = {k: v for k, v in values.items() if k != "id"}
    session.execute(stmt.on_conflict_do_update(index_elements=["id"], set_=update))


def seed_demo(
    db: Database,
    *,
    regions: int = 3,
    days: int = 14,
    per_day: int = 20,
    password: str | None = None,
    end: datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SeedReport:
    """Fill ``db`` with demo data; see the module docstring.

    ``progress(done, total)`` is called while incidents are worked (for a progress bar).
    """
    chosen = demo_regions()[: max(1, min(regions, len(demo_regions())))]
    codes = [r.code for r in chosen]
    report = SeedReport(regions=codes)
    now = datetime.now(UTC)
    end = end or now.replace(hour=0, minute=0, second=0, microsecond=0)
    load_reference_data(db, codes)

    operators: dict[str, list[str]] = {}
    with db.write() as session:
        admin = _ensure_user(
            session,
            report,
            login="demo.admin",
            role=Role.ADMIN,
            region=None,
            password=password,
            now=now,
        )
        for region in chosen:
            operators[region.code] = list(region.operators)
            for login in region.operators:
                _ensure_user(
                    session,
                    report,
                    login=login,
                    role=Role.OPERATOR,
                    region=region.code,
                    password=password,
                    now=now,
                )
            supervisor = f"{region.code.removeprefix('RU-').lower()}.supervisor"
            _ensure_user(
                session,
                report,
                login=supervisor,
                role=Role.SUPERVISOR,
                region=region.code,
                password=password,
                now=now,
            )
    callers = _callers(db, [admin, *[lg for ops in operators.values() for lg in ops]])

    count = max(1, days * per_day * len(codes))
    rows = list(generate_incidents(count, seed=SEED, regions=codes, days=days, end=end))
    rows.sort(key=lambda r: r["received_at"])
    fresh: list[dict[str, Any]] = []
    for start in range(0, len(rows), _INGEST_CHUNK):
        chunk = rows[start : start + _INGEST_CHUNK]
        items = [_ingest_item(r) for r in chunk]
        ingested = ingest(db, callers[admin], items, now=now)
        for row, result in zip(chunk, ingested.results, strict=True):
            if result.status == "created":
                fresh.append({**row, _SERVER_ID: str(result.incident_id)})
            elif result.status == "duplicate":
                report.incidents_existing += 1
            else:
                log.warning("demo item refused: %s", result.reason)
    report.incidents_created = len(fresh)

    rng = random.Random(SEED)
    next_id = _next_mutation_ids(db, callers.values())
    for done, row in enumerate(fresh):
        if progress is not None and done % 10 == 0:
            progress(done, len(fresh))
        login = row.get("assignee") or rng.choice(operators[row["region_code"]])
        caller = callers.get(login) or callers[operators[row["region_code"]][0]]
        for at, mutations in _story(row, caller.login, rng):
            batch = []
            for name, args in mutations:
                next_id[caller.login] += 1
                batch.append(wire.Mutation(id=next_id[caller.login], name=name, args=args))
            request = wire.PushRequest(client_id=_client_id(caller.login), mutations=batch)
            outcome = push(db, caller, request, now=min(at, now))
            for pushed in outcome.results:
                if pushed.outcome is wire.MutationOutcome.REJECTED:
                    report.mutations_rejected += 1
                    log.warning("demo mutation rejected: %s %s", pushed.code, pushed.message)
                else:
                    report.mutations_applied += 1
    return report


def _ensure_user(
    session: Session,
    report: SeedReport,
    *,
    login: str,
    role: Role,
    region: str | None,
    password: str | None,
    now: datetime,
) -> str:
    if auth.find_user(session, login) is not None:
        report.existing_users.append(login)
        return login
    secret = password or secrets.token_urlsafe(9)
    auth.add_user(session, login=login, password=secret, role=role, region_code=region, now=now)
    report.created_users.append((login, secret, role.value, region or "—"))
    return login


def _callers(db: Database, logins: Sequence[str]) -> dict[str, auth.Caller]:
    with db.snapshot() as session:
        out = {}
        for login in logins:
            user = auth.find_user(session, login)
            if user is not None:
                out[login] = auth.Caller(user.id, user.login, Role(user.role), user.region_code)
        return out


def _client_id(login: str) -> uuid.UUID:
    return uuid.uuid5(CLIENT_NAMESPACE, login)


def _next_mutation_ids(db: Database, callers: Any) -> dict[str, int]:
    ids: dict[str, int] = {}
    with db.snapshot() as session:
        for caller in callers:
            client = session.get(Client, str(_client_id(caller.login)))
            ids[caller.login] = 0 if client is None else client.last_mutation_id
    return ids


def _ingest_item(row: dict[str, Any]) -> dict[str, Any]:
    item = {k: row[k] for k in _INGEST_FIELDS if row.get(k) is not None}
    item["received_at"] = row["received_at"].isoformat()
    return item


def _path(start: Status, goal: Status) -> list[Status]:
    """Shortest legal status path from ``start`` to ``goal`` (excluding ``start``)."""
    if start == goal:
        return []
    queue: deque[tuple[Status, list[Status]]] = deque([(start, [])])
    seen = {start}
    while queue:
        status, path = queue.popleft()
        for target in sorted(TRANSITIONS[status]):
            if target in seen:
                continue
            if target == goal:
                return [*path, target]
            seen.add(target)
            queue.append((target, [*path, target]))
    raise ValueError(f"no path from {start} to {goal}")


_SERVER_ID = "server_incident_id"  # the id ingestion gave the row's incident (random)

Step = tuple[datetime, list[tuple[wire.MutationName, dict[str, Any]]]]


def _story(row: dict[str, Any], login: str, rng: random.Random) -> Iterator[Step]:
    """The pushes an operator would have made to bring an incident to ``row``'s state."""
    incident_id = str(row[_SERVER_ID])
    received: datetime = row["received_at"]
    target = Status(row["status"])
    updated: datetime = max(row["updated_at"], received + timedelta(minutes=2))
    first_answer_at: datetime | None = row.get("first_answer_at")
    status = Status.NEW

    def move(to: Status) -> tuple[wire.MutationName, dict[str, Any]]:
        nonlocal status
        args: dict[str, Any] = {
            "incident_id": incident_id,
            "from_status": status.value,
            "to_status": to.value,
        }
        if to is Status.CLOSED:
            args["outcome"] = row.get("outcome") or "solved"
        if to is Status.REJECTED:
            args["reject_reason"] = row.get("reject_reason") or "spam"
        status = to
        return wire.MutationName.INCIDENT_TRANSITION, args

    if target is Status.REJECTED:
        yield updated, [move(Status.REJECTED)]
        return
    taken = received + timedelta(minutes=rng.randint(2, 15))
    yield (
        taken,
        [
            (
                wire.MutationName.INCIDENT_ASSIGN,
                {"incident_id": incident_id, "expected": None, "assignee": login},
            ),
            move(Status.MODERATION),
        ],
    )
    if target is Status.MODERATION:
        return
    routed = min(taken + timedelta(minutes=rng.randint(3, 20)), first_answer_at or updated)
    classify: dict[str, Any] = {"incident_id": incident_id}
    if row.get("executor_id"):
        classify["executor_id"] = row["executor_id"]
    yield routed, [(wire.MutationName.INCIDENT_CLASSIFY, classify), move(Status.SENT_TO_EXECUTOR)]
    if first_answer_at is None:
        for to in _path(status, target):
            yield updated, [move(to)]
        return
    kind = AnswerKind.INTERIM if row.get("has_interim") else AnswerKind.SOLUTION
    yield (
        first_answer_at,
        [
            (
                wire.MutationName.ANSWER_ADD,
                {
                    "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    "incident_id": incident_id,
                    "kind": kind.value,
                    "state": "published",
                    "text": generate_answer_text(row, rng),
                },
            ),
            move(Status.PRIMARY_ANSWERED),
        ],
    )
    remaining = _path(status, target)
    if row.get("has_final") and target in (Status.CLOSED, Status.REOPENED):
        yield (
            updated - timedelta(minutes=1),
            [
                (
                    wire.MutationName.ANSWER_ADD,
                    {
                        "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                        "incident_id": incident_id,
                        "kind": AnswerKind.FINAL.value,
                        "state": "published",
                        "text": generate_answer_text(row, rng),
                    },
                )
            ],
        )
    span = max(updated - first_answer_at, timedelta(minutes=len(remaining) + 1))
    for index, to in enumerate(remaining, start=1):
        yield first_answer_at + span * index / len(remaining), [move(to)]
