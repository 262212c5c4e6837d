"""Response models of the server's own endpoints (the sync contract lives in ``wire``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from cur_desktop.domain.enums import Role


class HealthResponse(BaseModel):
    """``GET /api/v1/health``."""

    model_config = ConfigDict(frozen=True)

    status: str
    database: str
    seq: int


class MeResponse(BaseModel):
    """``GET /api/v1/auth/me``: who the token belongs to."""

    model_config = ConfigDict(frozen=True)

    login: str
    role: Role
    region_code: str | None


class LogoutResponse(BaseModel):
    """``POST /api/v1/auth/logout``."""

    model_config = ConfigDict(frozen=True)

    revoked: bool


class ErrorResponse(BaseModel):
    """Body of 4xx answers: a reason in Russian."""

    model_config = ConfigDict(frozen=True)

    detail: str


class UploadErrorResponse(BaseModel):
    """Body of a refused evidence upload: the reason and, where it helps, where to resume."""

    model_config = ConfigDict(frozen=True)

    detail: str
    offset: int | None = None


class FieldError(BaseModel):
    """One problem of a request that did not validate."""

    model_config = ConfigDict(frozen=True)

    loc: list[str | int]
    msg: str
    type: str | None = None


class ValidationErrorResponse(BaseModel):
    """Body of 422 answers to a request that is not valid JSON or not the expected shape."""

    model_config = ConfigDict(frozen=True)

    detail: str
    errors: list[FieldError] = []
