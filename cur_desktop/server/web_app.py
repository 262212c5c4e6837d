"""The FastAPI application of the central server: factory, middleware and error handlers."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import TypeAdapter
from starlette.middleware.gzip import GZipMiddleware

from cur_desktop.contract import wire
from cur_desktop.contract.protocol import MIN_CLIENT_PROTOCOL
from cur_desktop.server.admin_api import router as admin_router
from cur_desktop.server.api import router
from cur_desktop.server.db import Database
from cur_desktop.server.evidence_store import EvidenceStore, default_data_dir
from cur_desktop.server.limits import BodySizeLimitMiddleware, JsonDepthLimitMiddleware
from cur_desktop.server.poke import PokeBroker
from cur_desktop.server.protocol import ProtocolVersionMiddleware
from cur_desktop.server.settings import ServerSettings
from cur_desktop.server.snapshot import SNAPSHOT_FOLDER, SnapshotCache
from cur_desktop.server.throttle import LoginThrottle
from cur_desktop.server.upload_api import upload_router

log = logging.getLogger(__name__)


def with_ingest_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """Add ``IngestItem`` (and the models it uses) to the document's components.

    ``POST /ingest`` reads its body by hand (one bad item must not refuse the batch), so
    FastAPI does not know the model its ``requestBody`` refers to.
    """
    item = TypeAdapter(wire.IngestItem).json_schema(ref_template="#/components/schemas/{model}")
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for name, definition in item.pop("$defs", {}).items():
        components.setdefault(name, definition)
    components.setdefault("IngestItem", item)
    return schema


def _make_broker(db: Database) -> PokeBroker:
    """On PostgreSQL pokes travel through LISTEN/NOTIFY, so any number of processes may serve."""
    if not db.is_postgres:
        return PokeBroker()
    from cur_desktop.server.poke_relay import RelayedPokeBroker  # noqa: PLC0415 (psycopg: PG only)

    dsn = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    return RelayedPokeBroker(dsn)


def create_app(
    db: Database,
    settings: ServerSettings | None = None,
    *,
    min_client_protocol: int = MIN_CLIENT_PROTOCOL,
) -> FastAPI:
    """Build the server application on an initialised database (see ``cur-server init``).

    ``min_client_protocol``: clients below it are answered 426 (server/protocol.py).
    """
    settings = settings or ServerSettings()
    broker = _make_broker(db)

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        broker.start()
        try:
            yield
        finally:
            broker.stop()

    app = FastAPI(
        title="cur-server",
        summary="Центральный сервер ЦУР: приём инцидентов и синхронизация рабочих мест",
        version="1",
        lifespan=lifespan,
    )
    app.state.db = db
    app.state.settings = settings
    app.state.broker = broker
    app.state.login_throttle = LoginThrottle(settings.login_throttle)
    data_dir = settings.data_dir or default_data_dir(db.url)
    app.state.evidence_store = EvidenceStore(data_dir)
    app.state.snapshots = SnapshotCache(db, data_dir / SNAPSHOT_FOLDER)
    app.include_router(router)
    app.include_router(upload_router)
    app.include_router(admin_router)
    # Level 6 (zlib's default) instead of Starlette's 9: compressing a pull page takes half the
    # CPU (level 9 was ~45 us of the server's ~130 us an incident) for ~2 % more bytes
    # (bench/sync_bench.py: 152 -> 155 B an incident).
    app.add_middleware(GZipMiddleware, minimum_size=1_000, compresslevel=6)
    app.add_middleware(JsonDepthLimitMiddleware)  # inside the size limit: reads a capped body
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(ProtocolVersionMiddleware, min_client=min_client_protocol)

    def _openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = with_ingest_schema(FastAPI.openapi(app))
        return app.openapi_schema

    app.openapi = _openapi  # type: ignore[method-assign]

    @app.exception_handler(RequestValidationError)
    async def _on_validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": e.get("type")}
            for e in exc.errors()[:20]
        ]
        return JSONResponse(
            status_code=422,
            content={"detail": "Неверные данные запроса", "errors": errors},
        )

    @app.exception_handler(Exception)
    async def _on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse(
            status_code=500, content={"detail": "Внутренняя ошибка сервера; см. журнал"}
        )

    return app
