"""HTTP endpoints of the central server under ``/api/v1`` (FastAPI routers).

Every endpoint but ``/health`` and ``/auth/login`` needs a bearer token; what it reads or
changes is scoped to the caller's role and region by the services it calls.
"""

from __future__ import annotations

import json
import logging
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from fastapi.responses import FileResponse, JSONResponse, Response, StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import TypeAdapter
from sqlalchemy import text
from starlette.concurrency import run_in_threadpool

from cur_desktop.contract import snapshot as snapshot_contract
from cur_desktop.contract import wire
from cur_desktop.contract.ratings import MONTH_PATTERN, RatingsResponse
from cur_desktop.domain.enums import Role
from cur_desktop.server import auth, ingest, pull_json, push, ratings
from cur_desktop.server.db import Database, current_seq
from cur_desktop.server.poke import PokeBroker
from cur_desktop.server.schemas import (
    ErrorResponse,
    HealthResponse,
    LogoutResponse,
    MeResponse,
    ValidationErrorResponse,
)
from cur_desktop.server.settings import ServerSettings
from cur_desktop.server.snapshot import SnapshotCache
from cur_desktop.server.throttle import LoginThrottle, login_fingerprint

log = logging.getLogger(__name__)

_bearer = HTTPBearer(auto_error=False, description="Токен из POST /api/v1/auth/login")

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": "Нет токена, токен неверен или истёк"},
    403: {"model": ErrorResponse, "description": "Нет прав"},
    413: {"model": ErrorResponse, "description": "Слишком большой запрос"},
    422: {
        "model": ValidationErrorResponse,
        "description": (
            "Запрос не разобран: тело не JSON (или вложено глубже 32 уровней), "
            "неверные поля или параметры"
        ),
    },
    429: {
        "model": ErrorResponse,
        "description": "Слишком много неудачных попыток входа; повторите через Retry-After секунд",
        "headers": {
            "Retry-After": {
                "description": "Через сколько секунд повторить",
                "schema": {"type": "integer"},
            }
        },
    },
}


def documented_errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The documented error answers ``codes`` of an endpoint."""
    return {code: _ERRORS[code] for code in codes}


_errors = documented_errors


def get_db(request: Request) -> Database:
    """The server's database (set by the app factory)."""
    db: Database = request.app.state.db
    return db


def get_settings(request: Request) -> ServerSettings:
    """The server's settings (set by the app factory)."""
    settings: ServerSettings = request.app.state.settings
    return settings


def get_throttle(request: Request) -> LoginThrottle:
    """The failed-login throttle of this server process."""
    throttle: LoginThrottle = request.app.state.login_throttle
    return throttle


def get_broker(request: Request) -> PokeBroker:
    """The poke broker of the SSE stream."""
    broker: PokeBroker = request.app.state.broker
    return broker


DbDep = Annotated[Database, Depends(get_db)]
SettingsDep = Annotated[ServerSettings, Depends(get_settings)]
BrokerDep = Annotated[PokeBroker, Depends(get_broker)]
ThrottleDep = Annotated[LoginThrottle, Depends(get_throttle)]
CredentialsDep = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def _unauthorized(message: str) -> HTTPException:
    return HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED,
        detail=message,
        headers={"WWW-Authenticate": "Bearer"},
    )


def get_caller(db: DbDep, settings: SettingsDep, credentials: CredentialsDep) -> auth.Caller:
    """The authenticated caller, or 401."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise _unauthorized("Требуется вход: передайте токен в заголовке Authorization")
    with db.snapshot() as session:
        caller = auth.authenticate(session, credentials.credentials, now=settings.clock())
    if caller is None:
        raise _unauthorized("Токен неверен или срок его действия истёк: войдите снова")
    return caller


CallerDep = Annotated[auth.Caller, Depends(get_caller)]

router = APIRouter(prefix=wire.API_PREFIX)
_MAX_SEQ = 2**62


@router.get("/health", response_model=HealthResponse, tags=["service"])
def health(db: DbDep) -> HealthResponse:
    """Liveness and database check; needs no token."""
    with db.snapshot() as session:
        session.execute(text("SELECT 1"))
        seq = current_seq(session)
    return HealthResponse(status="ok", database=db.engine.dialect.name, seq=seq)


@router.post(
    "/auth/login",
    response_model=wire.TokenResponse,
    tags=["auth"],
    responses=_errors(401, 413, 422, 429),
)
def login(
    body: wire.LoginRequest,
    request: Request,
    db: DbDep,
    settings: SettingsDep,
    throttle: ThrottleDep,
) -> wire.TokenResponse:
    """Exchange a login and password for a bearer token (valid 12 hours by default).

    Failed logins are throttled per login and per address (429 with ``Retry-After``).
    """
    address = request.client.host if request.client is not None else "?"
    wait = throttle.retry_after(body.login, address)
    if wait:
        log.warning(
            "login throttled for %s from %s: retry after %d s",
            login_fingerprint(body.login),
            address,
            wait,
        )
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            f"Слишком много неудачных попыток входа: повторите через {wait} с",
            headers={"Retry-After": str(wait)},
        )
    with db.write() as session:
        issued = auth.login(
            session,
            login=body.login,
            password=body.password,
            now=settings.clock(),
            ttl_seconds=settings.token_ttl.total_seconds(),
        )
    if issued is None:
        throttle.failed(body.login, address)
        raise _unauthorized("Неверный логин или пароль")
    throttle.succeeded(body.login)
    return wire.TokenResponse(
        access_token=issued.token,
        expires_at=issued.expires_at,
        login=issued.caller.login,
        role=issued.caller.role,
        region_code=issued.caller.region_code,
    )


@router.post(
    "/auth/logout",
    response_model=LogoutResponse,
    tags=["auth"],
    responses=_errors(401, 413, 422),  # 413/422: a body (none is expected) too big or too deep
)
def logout(caller: CallerDep, db: DbDep, credentials: CredentialsDep) -> LogoutResponse:
    """Revoke the token of this request."""
    if credentials is None:  # pragma: no cover - get_caller has refused such requests
        raise _unauthorized("Требуется вход")
    with db.write() as session:
        revoked = auth.logout(session, credentials.credentials)
    log.info("user %s logged out", caller.login)
    return LogoutResponse(revoked=revoked)


@router.get("/auth/me", response_model=MeResponse, tags=["auth"], responses=_errors(401, 422))
def me(caller: CallerDep) -> MeResponse:
    """Who the token belongs to: login, role and region."""
    return MeResponse(login=caller.login, role=caller.role, region_code=caller.region_code)


_INGEST_BODY_SCHEMA: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "array",
                    "maxItems": wire.MAX_INGEST_BATCH,
                    "items": {"$ref": "#/components/schemas/IngestItem"},
                }
            }
        },
    }
}


@router.post(
    "/ingest",
    response_model=list[wire.IngestItemResult],
    tags=["ingest"],
    openapi_extra=_INGEST_BODY_SCHEMA,
    responses={
        200: {"description": "Все записи приняты (созданы или уже были)"},
        422: {
            "model": list[wire.IngestItemResult] | ValidationErrorResponse,
            "description": (
                "Хотя бы одна запись отклонена: массив результатов, у отклонённой `invalid` с "
                "причиной; остальные записи сохранены. Тело, не являющееся массивом JSON "
                "(или вложенное глубже 32 уровней): `{detail, errors}`."
            ),
        },
        **_errors(401, 403, 413),
    },
)
async def ingest_items(
    request: Request, caller: CallerDep, db: DbDep, settings: SettingsDep, broker: BrokerDep
) -> Any:
    """Store monitoring posts (array of IngestItem, at most 5,000, texts at most 64 KiB).

    Idempotent on (source, external_id). Deadlines are computed from the region's SLA
    policy. Only admins, and supervisors for their own region, may ingest.
    """
    if caller.role not in (Role.ADMIN, Role.SUPERVISOR):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, "Загружать инциденты могут администратор и руководитель ЦУР"
        )
    raw = await request.body()
    try:
        items = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        return _unparsable(f"Тело запроса не является JSON: {str(exc)[:200]}")
    if not isinstance(items, list):
        return _unparsable("Ожидался массив записей IngestItem")
    try:
        outcome = await run_in_threadpool(ingest.ingest, db, caller, items, now=settings.clock())
    except ingest.BatchTooLargeError as exc:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, str(exc)) from exc
    broker.poke(outcome.changed_regions)
    code = status.HTTP_422_UNPROCESSABLE_CONTENT if outcome.any_invalid else status.HTTP_200_OK
    # one serialisation of the whole list (pydantic-core), not a dict and json.dumps per item
    body = _INGEST_RESULTS.dump_json(outcome.results)
    return Response(content=body, status_code=code, media_type="application/json")


_INGEST_RESULTS: TypeAdapter[list[wire.IngestItemResult]] = TypeAdapter(list[wire.IngestItemResult])


def _unparsable(detail: str) -> JSONResponse:
    """A 422 with the body of every other validation failure (``ValidationErrorResponse``)."""
    body = ValidationErrorResponse(detail=detail, errors=[])
    return JSONResponse(status_code=422, content=body.model_dump(mode="json"))


@router.post(
    "/sync/push",
    response_model=wire.PushResponse,
    tags=["sync"],
    responses={
        409: {"model": wire.PushGap, "description": "Пропуск в номерах изменений"},
        **_errors(401, 403, 413, 422),
    },
)
def sync_push(
    body: wire.PushRequest, caller: CallerDep, db: DbDep, settings: SettingsDep, broker: BrokerDep
) -> Any:
    """Apply a client's mutations in order: groups in one transaction, a savepoint each."""
    try:
        outcome = push.push(db, caller, body, now=settings.clock())
    except push.ClientOwnershipError as exc:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, "Этот идентификатор клиента принадлежит другому пользователю"
        ) from exc
    broker.poke(outcome.changed_regions)
    if outcome.gap is not None:
        return JSONResponse(status_code=status.HTTP_409_CONFLICT, content=outcome.gap.model_dump())
    return outcome.response()


@router.get(
    "/sync/pull", response_model=wire.PullResponse, tags=["sync"], responses=_errors(401, 422)
)
def sync_pull(
    *,
    request: Request,
    caller: CallerDep,
    db: DbDep,
    settings: SettingsDep,
    cursor: Annotated[
        int,
        Query(
            ge=-_MAX_SEQ,
            le=_MAX_SEQ,
            description="next_cursor of the previous page (may be negative); 0 at first",
        ),
    ] = 0,
    limit: Annotated[int | None, Query(ge=1, le=5_000)] = None,
    client_id: Annotated[UUID | None, Query(description="to report its last_mutation_id")] = None,
) -> Any:
    """Changes after ``cursor`` visible to the caller, from one snapshot, in seq order.

    A negative ``next_cursor`` means a full snapshot is in progress: pass it back as is.
    """
    page = min(limit or settings.pull_default_limit, settings.pull_max_limit)
    # Rendered by the database (server/pull_json.py): no per-row model objects.
    ndjson = pull_json.NDJSON in request.headers.get("accept", "")
    body = pull_json.pull_json(
        db,
        caller,
        cursor=cursor,
        limit=page,
        client_id=client_id,
        max_bytes=settings.pull_max_page_bytes,
        ndjson=ndjson,
    )
    return Response(body, media_type=pull_json.NDJSON if ndjson else "application/json")


def get_snapshots(request: Request) -> SnapshotCache:
    cache: SnapshotCache = request.app.state.snapshots
    return cache


@router.get(
    snapshot_contract.PATH,
    tags=["sync"],
    response_class=FileResponse,
    responses={
        200: {
            "content": {snapshot_contract.MEDIA_TYPE: {}},
            "description": (
                "Снимок данных региона для первой синхронизации: SQLite, сжатый gzip "
                "(формат описан в cur_desktop/contract/snapshot.py); заголовки "
                f"{snapshot_contract.HEADER_CURSOR} и {snapshot_contract.HEADER_ROWS}"
            ),
        },
        404: {"model": ErrorResponse, "description": "Снимок в этом формате не поддерживается"},
        **_errors(401, 422),
    },
)
def sync_snapshot(
    caller: CallerDep,
    snapshots: Annotated[SnapshotCache, Depends(get_snapshots)],
    format: Annotated[int, Query(ge=1, le=1_000, description="формат снимка")] = 1,
) -> Any:
    """Everything a pull from cursor 0 would bring, as one file; then pull from its cursor.

    Built from one consistent read and cached per region (server/snapshot.py); 404 for a
    format this server does not write (the client then pulls pages).
    """
    if format != snapshot_contract.FORMAT:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            f"Снимок в формате {format} не поддерживается (есть формат {snapshot_contract.FORMAT})",
        )
    built = snapshots.get(caller)
    # a file: Starlette answers Range / If-Range itself (a cut download resumes); the tag
    # names the file, so a resume never mixes two builds
    return FileResponse(
        built.path,
        media_type=snapshot_contract.MEDIA_TYPE,
        headers={
            "ETag": f'"{built.path.name}"',
            snapshot_contract.HEADER_CURSOR: str(built.cursor),
            snapshot_contract.HEADER_ROWS: str(built.incidents),
            snapshot_contract.HEADER_FORMAT: str(snapshot_contract.FORMAT),
        },
    )


@router.get(
    "/sync/events",
    tags=["sync"],
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {"text/event-stream": {}},
            "description": "`event: poke` при каждом изменении в регионе; комментарий раз в 15 с",
        },
        **_errors(401),
    },
)
async def sync_events(
    caller: CallerDep, settings: SettingsDep, broker: BrokerDep
) -> StreamingResponse:
    """Server-Sent Events: a data-free "pull now" poke per committed change in your region."""
    return StreamingResponse(
        broker.stream(caller, heartbeat_seconds=settings.heartbeat_seconds),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


@router.get(
    "/ratings",
    response_model=RatingsResponse,
    tags=["statistics"],
    responses=_errors(401, 422),
)
def federal_ratings(
    *,
    caller: CallerDep,
    db: DbDep,
    settings: SettingsDep,
    month: Annotated[str, Query(pattern=MONTH_PATTERN, description="YYYY-MM")],
) -> Any:
    """The federal rating of ``month`` (each region's own local month), scoped to the caller:
    the whole table for a federal analyst, the caller's own region's row and places otherwise.
    """
    with db.snapshot() as session:
        table = ratings.compute(session, month, settings.clock())
    return ratings.scoped(table, caller)
