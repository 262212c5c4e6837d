"""HTTP endpoints of evidence uploads (``/api/v1/uploads``, ``/api/v1/attachments``).

The wire shapes are in :mod:`cur_desktop.contract.attachments`, the rules in
:mod:`cur_desktop.server.uploads`. Every refusal is a 4xx with a Russian ``detail`` (and, for a
wrong offset, the server's ``offset`` to resume from); garbage never gets a 5xx.
"""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Header, Query, Request, status
from fastapi.responses import FileResponse, JSONResponse
from starlette.concurrency import run_in_threadpool

from cur_desktop.contract import wire
from cur_desktop.contract.attachments import (
    MAX_CHUNK_BYTES,
    AttachmentPage,
    UploadCreate,
    UploadStatus,
)
from cur_desktop.server import uploads
from cur_desktop.server.api import BrokerDep, CallerDep, DbDep, SettingsDep, _errors
from cur_desktop.server.evidence_store import EvidenceStore
from cur_desktop.server.schemas import ErrorResponse, UploadErrorResponse

upload_router = APIRouter(prefix=wire.API_PREFIX, tags=["evidence"])

_UPLOAD_ERRORS: dict[int | str, dict[str, Any]] = {
    **_errors(401, 403, 422),
    404: {"model": ErrorResponse, "description": "Нет такой загрузки (или она чужого региона)"},
    409: {
        "model": UploadErrorResponse,
        "description": "Неверное смещение (`offset` — откуда слать) или занятый идентификатор",
    },
    413: {"model": UploadErrorResponse, "description": "Часть больше 8 МиБ или за концом файла"},
}


def _store(request: Request) -> EvidenceStore:
    store: EvidenceStore = request.app.state.evidence_store
    return store


def _refusal(exc: uploads.UploadError) -> JSONResponse:
    content: dict[str, Any] = {"detail": exc.message}
    if exc.offset is not None:
        content["offset"] = exc.offset
    return JSONResponse(status_code=exc.status, content=content)


@upload_router.post(
    "/uploads",
    response_model=UploadStatus,
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {"model": UploadStatus, "description": "Уже объявлена: где она"},
        **_UPLOAD_ERRORS,
    },
)
def create_upload(body: UploadCreate, caller: CallerDep, db: DbDep, settings: SettingsDep) -> Any:
    """Declare an upload (id made by the client, size, type, SHA-256); answers the offset."""
    try:
        created, state = uploads.create(db, caller, body, now=settings.clock())
    except uploads.UploadError as exc:
        return _refusal(exc)
    code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return JSONResponse(status_code=code, content=state.model_dump(mode="json"))


@upload_router.get("/uploads/{upload_id}", response_model=UploadStatus, responses=_UPLOAD_ERRORS)
def upload_status(upload_id: UUID, caller: CallerDep, db: DbDep) -> Any:
    """The upload's offset: how many bytes the server holds (resume from there)."""
    try:
        return uploads.status(db, caller, upload_id)
    except uploads.UploadError as exc:
        return _refusal(exc)


@upload_router.patch(
    "/uploads/{upload_id}",
    response_model=UploadStatus,
    responses={
        415: {"model": UploadErrorResponse, "description": "Не JPEG, PNG или PDF (по содержимому)"},
        **_UPLOAD_ERRORS,
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
            },
        }
    },
)
async def upload_chunk(
    *,
    upload_id: UUID,
    request: Request,
    caller: CallerDep,
    db: DbDep,
    settings: SettingsDep,
    broker: BrokerDep,
    upload_offset: Annotated[int, Header(ge=0, le=2**62, description="Смещение первого байта")],
) -> Any:
    """Send bytes starting at ``Upload-Offset`` (must be the server's offset; 409 otherwise)."""
    data = bytearray()
    async for block in request.stream():
        data += block
        if len(data) > MAX_CHUNK_BYTES:
            return JSONResponse(
                status_code=status.HTTP_413_CONTENT_TOO_LARGE,
                content={"detail": f"Часть больше {MAX_CHUNK_BYTES // (1024 * 1024)} МиБ"},
            )
    try:
        outcome = await run_in_threadpool(
            partial(
                uploads.receive_chunk,
                db,
                _store(request),
                caller,
                upload_id=upload_id,
                offset=upload_offset,
                data=bytes(data),
                now=settings.clock(),
            )
        )
    except uploads.UploadError as exc:
        return _refusal(exc)
    if outcome.completed_region is not None:
        broker.poke({outcome.completed_region})
    return outcome.status


@upload_router.get(
    "/uploads/{upload_id}/content",
    response_class=FileResponse,
    responses={200: {"content": {"application/octet-stream": {}}}, **_UPLOAD_ERRORS},
)
def upload_content(upload_id: UUID, request: Request, caller: CallerDep, db: DbDep) -> Any:
    """The complete file (JPEG, PNG or PDF)."""
    try:
        row, path = uploads.content_path(db, _store(request), caller, upload_id)
    except uploads.UploadError as exc:
        return _refusal(exc)
    return FileResponse(path, media_type=row.content_type)


@upload_router.get("/attachments", response_model=AttachmentPage, responses=_errors(401, 422))
def list_attachments(
    caller: CallerDep,
    db: DbDep,
    after: Annotated[int, Query(ge=0, le=2**62, description="next_after of the last page")] = 0,
    limit: Annotated[int, Query(ge=1, le=uploads.MAX_LIST_PAGE)] = 200,
) -> AttachmentPage:
    """Metadata of complete attachments with ``seq > after`` in the caller's regions."""
    return uploads.listing(db, caller, after=after, limit=limit)
