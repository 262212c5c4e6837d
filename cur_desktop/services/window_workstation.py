"""The operator window's use-cases over one profile: reads, typed operations, drafts, sync.

:class:`WindowWorkstation` owns the long-lived objects of a signed-in profile — the store
engine, the single writer, the reader pool, the transport and the sync engine — builds them
once and closes them once. Every operation is one writer job (one transaction: the view row
updated and the outbox rows queued together) and returns the ids of the incidents it changed.
Events (sync status, changes) go to plain-Python subscribers; nothing here knows Qt.

Drafts live in the store's key/value table (``sync_state``, key ``draft:<incident id>``), so
they are written with the store's ``synchronous=FULL`` durability: a draft the writer committed
survives a killed process.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, delete, select

from cur_desktop.contract import wire
from cur_desktop.domain.enums import AnswerKind, AnswerState, Outcome, Status
from cur_desktop.reference.data import load_topics
from cur_desktop.services.window_model import (
    AttentionItem,
    Draft,
    IncidentDetail,
    history_of,
)
from cur_desktop.services.window_reads import WindowReads
from cur_desktop.storage import localstate as ls
from cur_desktop.storage import outbox
from cur_desktop.storage.database import DbWriter, open_engine
from cur_desktop.storage.tables import executor_table, municipality_table, sync_state_table
from cur_desktop.sync.errors import SyncClientError
from cur_desktop.sync.profile import Profile
from cur_desktop.sync.syncer import RetryPolicy, SyncEngine
from cur_desktop.sync.transport import SyncTransport

log = logging.getLogger(__name__)

DRAFT_PREFIX = "draft:"
POLL_INTERVAL_S = 30.0

Subscriber = Callable[[object], None]


@dataclass(frozen=True, slots=True)
class IncidentsChanged:
    """Rows of these incidents changed (an empty tuple: "some rows, reload what you show")."""

    incident_ids: tuple[str, ...]


# ---------------------------------------------------------------------- status paths

_S = Status
_TO_FIRST_ANSWER: dict[Status, list[Status]] = {
    _S.NEW: [_S.MODERATION, _S.PRIMARY_ANSWERED],
    _S.MODERATION: [_S.PRIMARY_ANSWERED],
    _S.SENT_TO_EXECUTOR: [_S.PRIMARY_ANSWERED],
    _S.ANSWER_REVIEW: [_S.PRIMARY_ANSWERED],
    _S.REOPENED: [_S.MODERATION, _S.PRIMARY_ANSWERED],
    _S.REWORK: [_S.ANSWER_REVIEW, _S.PRIMARY_ANSWERED],
}


def status_path(status: Status, kind: AnswerKind, has_first_answer: bool) -> list[Status]:
    """Status moves an answer of ``kind`` makes, from ``status``.

    An interim answer: to "first answer given", then "on control" (the final answer is awaited).
    A solution: to "first answer given", then closed as solved. A final answer: closed as
    solved. An internal note moves nothing.
    """
    if kind is AnswerKind.INTERNAL_NOTE or status.is_terminal:
        return []
    path = [] if has_first_answer else list(_TO_FIRST_ANSWER.get(status, []))
    at = path[-1] if path else status
    if kind is AnswerKind.INTERIM:
        return path + ([_S.ON_CONTROL] if at is _S.PRIMARY_ANSWERED else [])
    if at in (_S.PRIMARY_ANSWERED, _S.ON_CONTROL):
        return [*path, _S.CLOSED]
    return path


# ---------------------------------------------------------------------- writer jobs


def _record(conn: Connection, name: wire.MutationName, args: dict[str, Any]) -> None:
    outbox.record_local_mutation(conn, name, args, now=datetime.now(UTC))


def _take(conn: Connection, incident_id: str, login: str) -> list[str]:
    current = ls.load_view_incident(conn, incident_id)
    if current is None:
        raise KeyError(incident_id)
    if current.assignee != login:
        _record(
            conn,
            wire.MutationName.INCIDENT_ASSIGN,
            {"incident_id": incident_id, "expected": current.assignee, "assignee": login},
        )
    if current.status in (Status.NEW, Status.REOPENED):
        _record(
            conn,
            wire.MutationName.INCIDENT_TRANSITION,
            {
                "incident_id": incident_id,
                "from_status": current.status.value,
                "to_status": Status.MODERATION.value,
            },
        )
    return [incident_id]


def _classify(conn: Connection, incident_id: str, fields: dict[str, str | None]) -> list[str]:
    args: dict[str, Any] = {"incident_id": incident_id}
    args.update({k: v for k, v in fields.items() if v is not None})
    _record(conn, wire.MutationName.INCIDENT_CLASSIFY, args)
    return [incident_id]


def _send_answer(conn: Connection, incident_id: str, kind: AnswerKind, text: str) -> list[str]:
    current = ls.load_view_incident(conn, incident_id)
    if current is None:
        raise KeyError(incident_id)
    public = kind.is_public
    _record(
        conn,
        wire.MutationName.ANSWER_ADD,
        {
            "id": str(uuid.uuid4()),
            "incident_id": incident_id,
            "kind": kind.value,
            "state": (AnswerState.PUBLISHED if public else AnswerState.DRAFT).value,
            "text": text,
        },
    )
    status = current.status
    for target in status_path(status, kind, current.first_answer_at is not None):
        args: dict[str, Any] = {
            "incident_id": incident_id,
            "from_status": status.value,
            "to_status": target.value,
        }
        if target is Status.CLOSED:
            args["outcome"] = Outcome.SOLVED.value
        _record(conn, wire.MutationName.INCIDENT_TRANSITION, args)
        status = target
    _drop_draft(conn, incident_id)
    return [incident_id]


def _draft_key(incident_id: str) -> str:
    return f"{DRAFT_PREFIX}{incident_id}"


def _save_draft(conn: Connection, incident_id: str, kind: AnswerKind, text: str) -> None:
    current = ls.load_view_incident(conn, incident_id)
    previous = _read_draft(conn, incident_id)
    base = previous.base_version if previous is not None else None
    if base is None and current is not None:
        base = current.version
    value = json.dumps(
        {
            "kind": kind.value,
            "text": text,
            "saved_at": datetime.now(UTC).isoformat(),
            "base_version": base,
        },
        ensure_ascii=False,
    )
    ls.set_state(conn, _draft_key(incident_id), value)


def _read_draft(conn: Connection, incident_id: str) -> Draft | None:
    raw = ls.get_state(conn, _draft_key(incident_id))
    if raw is None:
        return None
    try:
        data = json.loads(raw)
        return Draft(
            incident_id=incident_id,
            kind=AnswerKind(data["kind"]),
            text=str(data["text"]),
            saved_at=datetime.fromisoformat(data["saved_at"]),
            base_version=data.get("base_version"),
        )
    except (ValueError, KeyError, TypeError):
        log.warning("draft of %s is unreadable; ignored", incident_id)
        return None


def _drop_draft(conn: Connection, incident_id: str) -> None:
    conn.execute(delete(sync_state_table).where(sync_state_table.c.key == _draft_key(incident_id)))


def _attention(conn: Connection) -> list[AttentionItem]:
    return [
        AttentionItem(
            id=row.id,
            name=row.name.value,
            incident_id=row.entity_id,
            code=row.reject_code,
            message=row.reject_message,
            text=row.args.get("text") if isinstance(row.args.get("text"), str) else None,
            created_at=row.created_at,
        )
        for row in outbox.needs_attention(conn)
    ]


def _retry(conn: Connection, item_id: int) -> list[str]:
    row = ls.get_outbox_row(conn, item_id)
    outbox.retry(conn, item_id, now=datetime.now(UTC))
    return [] if row is None or row.entity_id is None else [row.entity_id]


def _discard(conn: Connection, item_id: int) -> list[str]:
    row = ls.get_outbox_row(conn, item_id)
    outbox.discard(conn, item_id)
    return [] if row is None or row.entity_id is None else [row.entity_id]


def _edit_text(conn: Connection, item_id: int, text: str) -> list[str]:
    row = ls.get_outbox_row(conn, item_id)
    if row is None:
        raise KeyError(item_id)
    args = dict(row.args)
    if "text" in args:
        args["text"] = text
    outbox.edit(conn, item_id, args, now=datetime.now(UTC))
    return [] if row.entity_id is None else [row.entity_id]


def _detail(conn: Connection, incident_id: str) -> IncidentDetail | None:
    incident = ls.load_view_incident(conn, incident_id)
    if incident is None:
        return None
    answers = sorted(
        ls.load_answers(conn, incident_id, base=False).values(), key=lambda a: a.created_at
    )
    pending_rows = [r for r in ls.outbox_rows(conn, state=ls.PENDING) if r.entity_id == incident_id]
    pending = [(r.id, r.name.value, r.args, r.created_at) for r in pending_rows]
    pending_answers = {
        str(r.args.get("id")) for r in pending_rows if r.name is wire.MutationName.ANSWER_ADD
    }
    municipality = None
    if incident.municipality_id:
        municipality = conn.execute(
            select(municipality_table.c.name).where(
                municipality_table.c.id == incident.municipality_id
            )
        ).scalar_one_or_none()
    executor = None
    if incident.executor_id:
        executor = conn.execute(
            select(executor_table.c.name).where(executor_table.c.id == incident.executor_id)
        ).scalar_one_or_none()
    topics = {t.code: t.name_ru for t in load_topics()}
    return IncidentDetail(
        incident=incident,
        answers=tuple(answers),
        history=tuple(history_of(incident, answers, pending, pending_answers)),
        pending_changes=len(pending_rows),
        municipality_name=municipality,
        executor_name=executor,
        topic_name=topics.get(incident.topic_code or ""),
    )


def _identity(conn: Connection) -> tuple[str, str, str, str]:
    return (
        ls.get_state(conn, ls.KEY_LOGIN) or "",
        ls.get_state(conn, ls.KEY_ROLE) or "",
        ls.get_state(conn, ls.KEY_REGION) or "",
        ls.get_state(conn, ls.KEY_SERVER_URL) or "",
    )


# ---------------------------------------------------------------------- the workstation


class WindowWorkstation:
    """Long-lived services of one signed-in profile (see the module docstring)."""

    def __init__(
        self,
        profile_dir: Path | None,
        *,
        poll_interval: float = POLL_INTERVAL_S,
        retry: RetryPolicy | None = None,
    ) -> None:
        profile = Profile.at(profile_dir)
        self.profile = profile
        self.engine: Engine = open_engine(profile.db_path)
        self.writer = DbWriter(self.engine)
        self._reads = WindowReads(self.engine)
        login, role, region, server = self.writer.submit(_identity).result()
        self._login = login
        self._role = role
        self.region_code = region
        self.server_url = server
        self._subscribers: list[Subscriber] = []
        token = profile.credentials().load()
        self.transport: SyncTransport | None = (
            SyncTransport(server, token=token) if server and token else None
        )
        self.syncer: SyncEngine | None = None
        if self.transport is not None:
            self.syncer = SyncEngine(
                self.engine,
                self.transport,
                on_event=self._on_sync_event,
                writer=self.writer,
                poll_interval=poll_interval,
                retry=retry,
            )
        self._sync_task: asyncio.Task[None] | None = None
        self._pulled_since_report = 0

    # ------------------------------------------------------------------ identity

    @property
    def login(self) -> str:
        """Who is signed in."""
        return self._login

    @property
    def role(self) -> str:
        """The signed-in user's role."""
        return self._role

    @property
    def reads(self) -> WindowReads:
        """The reader pool of the window's lists."""
        return self._reads

    # ------------------------------------------------------------------ events

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Receive events; returns the unsubscribe function."""
        self._subscribers.append(callback)

        def unsubscribe() -> None:
            with contextlib.suppress(ValueError):
                self._subscribers.remove(callback)

        return unsubscribe

    def _emit(self, event: object) -> None:
        for callback in list(self._subscribers):
            try:
                callback(event)
            except Exception:
                log.exception("event subscriber failed")

    def _on_sync_event(self, event: object) -> None:
        kind = type(event).__name__
        if kind == "Syncing":
            self._pulled_since_report = int(getattr(event, "down", 0))
        self._emit(event)
        if kind == "UpToDate" and self._pulled_since_report:
            self._pulled_since_report = 0
            self._emit(IncidentsChanged(incident_ids=()))

    # ------------------------------------------------------------------ sync

    def start_sync(self) -> None:
        """Sync now and then on pokes, on a timer and after reconnects (until :meth:`close`)."""
        if self.syncer is not None and self._sync_task is None:
            self._sync_task = asyncio.ensure_future(self.syncer.run_forever())

    def sync_now(self) -> None:
        """Ask for a sync as soon as possible."""
        if self.syncer is not None:
            self.syncer.poke()

    async def sync_once(self) -> None:
        """One sync pass (tests)."""
        if self.syncer is None:
            raise SyncClientError("Профиль не подключён к серверу")
        await self.syncer.sync_once()

    # ------------------------------------------------------------------ reads

    async def incident_detail(self, incident_id: str) -> IncidentDetail | None:
        """The incident with its answers, notes and pending local changes."""
        return await self._reads.run(partial(_detail, incident_id=incident_id))

    async def load_draft(self, incident_id: str) -> Draft | None:
        """The saved draft of an incident."""
        return await self._reads.run(partial(_read_draft, incident_id=incident_id))

    async def needs_attention(self) -> list[AttentionItem]:
        """Changes the server rejected."""
        return await self._reads.run(_attention)

    # ------------------------------------------------------------------ operations

    async def _op(self, fn: Callable[[Connection], list[str]]) -> Sequence[str]:
        ids = await self.writer.run(fn)
        if ids:
            self._emit(IncidentsChanged(incident_ids=tuple(ids)))
        self.sync_now()
        return ids

    async def take(self, incident_id: str) -> Sequence[str]:
        """Assign to me (and start moderation when new or reopened)."""
        return await self._op(partial(_take, incident_id=incident_id, login=self._login))

    async def classify(
        self,
        incident_id: str,
        *,
        municipality_id: str | None,
        topic_code: str | None,
        executor_id: str | None,
    ) -> Sequence[str]:
        """Set municipality, topic and executor (``None``: unchanged)."""
        fields = {
            "municipality_id": municipality_id,
            "topic_code": topic_code,
            "executor_id": executor_id,
        }
        return await self._op(partial(_classify, incident_id=incident_id, fields=fields))

    async def send_answer(self, incident_id: str, kind: AnswerKind, text: str) -> Sequence[str]:
        """Publish an answer (or add a note) and move the status as the answer implies."""
        return await self._op(partial(_send_answer, incident_id=incident_id, kind=kind, text=text))

    async def save_draft(self, incident_id: str, kind: AnswerKind, text: str) -> None:
        """Keep the editor's text (durable once this returns)."""
        await self.writer.run(partial(_save_draft, incident_id=incident_id, kind=kind, text=text))

    async def discard_draft(self, incident_id: str) -> None:
        """Forget the draft."""
        await self.writer.run(partial(_drop_draft, incident_id=incident_id))

    async def retry(self, item_id: int) -> Sequence[str]:
        """Queue a rejected change again."""
        return await self._op(partial(_retry, item_id=item_id))

    async def discard(self, item_id: int) -> Sequence[str]:
        """Drop a rejected change."""
        return await self._op(partial(_discard, item_id=item_id))

    async def edit_text(self, item_id: int, text: str) -> Sequence[str]:
        """Queue a rejected answer again with corrected text."""
        return await self._op(partial(_edit_text, item_id=item_id, text=text))

    # ------------------------------------------------------------------ closing

    async def close(self) -> None:
        """Stop syncing, close the transport, the readers, the writer and the engine."""
        if self.syncer is not None:
            self.syncer.stop()
        if self._sync_task is not None:
            try:
                await asyncio.wait_for(self._sync_task, timeout=5)
            except (TimeoutError, asyncio.CancelledError):
                self._sync_task.cancel()
            except Exception:
                log.debug("sync task ended with an error", exc_info=True)
            self._sync_task = None
        if self.transport is not None:
            await self.transport.aclose()
        self._reads.close()
        self.writer.close()
        self.engine.dispose()


__all__ = ["IncidentsChanged", "WindowWorkstation", "status_path"]
