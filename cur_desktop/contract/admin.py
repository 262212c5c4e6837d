"""Administration on the wire: ``/api/v1/admin/...`` (users, reference import, audit log).

Only admins reach these endpoints (403 for everyone else). Requests refuse unknown fields;
answers are read leniently by clients (a newer server may add fields).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from cur_desktop.domain.enums import Role

ADMIN_PREFIX = "/admin"
_LOGIN = Field(min_length=1, max_length=100)
_PASSWORD = Field(min_length=8, max_length=1000)
_REGION = Field(default=None, pattern=r"^RU-[A-Z]{2,3}$")
MAX_CSV_BASE64 = 8 * 1024 * 1024


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Answer(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class AdminUser(_Answer):
    """A user as an admin sees it."""

    login: str
    role: Role
    region_code: str | None
    active: bool
    created_at: datetime


class AdminUsers(_Answer):
    """``GET /admin/users``."""

    users: list[AdminUser]


class CreateUserRequest(_Request):
    """``POST /admin/users``."""

    login: str = _LOGIN
    password: str = _PASSWORD
    role: Role
    region_code: str | None = _REGION


class SetActiveRequest(_Request):
    """``POST /admin/users/{login}/active``."""

    active: bool


class ResetPasswordRequest(_Request):
    """``POST /admin/users/{login}/password``."""

    password: str = _PASSWORD


class ChangeRoleRequest(_Request):
    """``POST /admin/users/{login}/role``."""

    role: Role
    region_code: str | None = _REGION


class ReferenceImportRequest(_Request):
    """``POST /admin/reference/{region}/import``: the CSV files as base64 (bytes kept as sent)."""

    municipalities_base64: str | None = Field(default=None, max_length=MAX_CSV_BASE64)
    executors_base64: str | None = Field(default=None, max_length=MAX_CSV_BASE64)
    dry_run: bool = True


class ReferenceImportAnswer(_Answer):
    """What the import did (or, with ``dry_run``, would do); ``report`` is the Russian text."""

    ok: bool
    applied: bool
    added: int
    changed: int
    unchanged: int
    absent_from_file: int
    errors: list[str]
    report: str


class AuditRecord(_Answer):
    """One entry of the audit log."""

    at: datetime
    actor: str
    action: str
    target: str
    region_code: str | None
    details: dict[str, Any]


class AuditLog(_Answer):
    """``GET /admin/audit``: newest first."""

    entries: list[AuditRecord]
