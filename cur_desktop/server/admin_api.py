"""Admin endpoints under ``/api/v1/admin``: users, reference import with dry run, audit log.

Admins only (403 otherwise). An admin with a region administers that region only; a user or
region outside that scope answers 404, exactly like one that does not exist. Each action is
written to the audit log by :mod:`cur_desktop.server.admin` as ``api:<login>``.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, HTTPException, Path, Query, status
from sqlalchemy.orm import Session

from cur_desktop.contract import admin as wire
from cur_desktop.contract.wire import API_PREFIX
from cur_desktop.domain.enums import Role
from cur_desktop.server import admin, reference_import
from cur_desktop.server.api import CallerDep, DbDep, SettingsDep, documented_errors
from cur_desktop.server.db import Database
from cur_desktop.server.schemas import ErrorResponse
from cur_desktop.server.settings import ServerSettings

router = APIRouter(prefix=API_PREFIX + wire.ADMIN_PREFIX, tags=["admin"])
_T = TypeVar("_T")
LoginPath = Annotated[str, Path(min_length=1, max_length=100)]


def get_scope(caller: CallerDep) -> admin.AdminScope:
    """The admin scope of the caller, or 403."""
    if caller.role is not Role.ADMIN:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "Только для администраторов")
    return admin.AdminScope(actor=f"api:{caller.login}", region_code=caller.region_code)


AdminDep = Annotated[admin.AdminScope, Depends(get_scope)]


@contextmanager
def _refusals() -> Iterator[None]:
    try:
        yield
    except admin.NotFoundError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc
    except admin.AdminError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc


def _user(view: admin.UserView) -> wire.AdminUser:
    return wire.AdminUser(
        login=view.login,
        role=view.role,
        region_code=view.region_code,
        active=view.active,
        created_at=view.created_at,
    )


@dataclass(frozen=True, slots=True)
class AdminCall:
    """The plumbing every changing admin endpoint shares: the caller's scope (403 for anyone but
    an admin, through :func:`get_scope`), one write transaction (the audit record is written by
    :mod:`cur_desktop.server.admin` inside it), the server's clock, and the refusals turned
    into answers (404 out of scope or unknown, 409 impossible)."""

    scope: admin.AdminScope
    db: Database
    settings: ServerSettings

    def write(self, action: Callable[[Session], _T]) -> _T:
        """Run ``action`` in one write transaction; refusals answer 404 / 409."""
        with _refusals(), self.db.write() as session:
            return action(session)

    def change_user(
        self, change: Callable[..., admin.UserView], **fields: object
    ) -> wire.AdminUser:
        """``change(session, scope, now=…, **fields)`` of :mod:`~cur_desktop.server.admin`,
        answered with the user as it is after it."""
        return _user(
            self.write(
                lambda session: change(session, self.scope, now=self.settings.clock(), **fields)
            )
        )


def get_admin_call(scope: AdminDep, db: DbDep, settings: SettingsDep) -> AdminCall:
    """The :class:`AdminCall` of a request."""
    return AdminCall(scope=scope, db=db, settings=settings)


AdminCallDep = Annotated[AdminCall, Depends(get_admin_call)]

_CHANGE_ERRORS: dict[int | str, dict[str, Any]] = {
    **documented_errors(401, 403, 413, 422),
    404: {"model": ErrorResponse, "description": "Нет такого пользователя или региона"},
    409: {"model": ErrorResponse, "description": "Действие невозможно (причина по-русски)"},
}


@router.get("/users", response_model=wire.AdminUsers, responses=documented_errors(401, 403))
def list_users(scope: AdminDep, db: DbDep) -> wire.AdminUsers:
    """Users in the admin's scope, by login."""
    with db.snapshot() as session:
        return wire.AdminUsers(users=[_user(u) for u in admin.list_users(session, scope)])


@router.post("/users", response_model=wire.AdminUser, responses=_CHANGE_ERRORS)
def create_user(body: wire.CreateUserRequest, call: AdminCallDep) -> wire.AdminUser:
    """Create a user."""
    return call.change_user(
        admin.create_user,
        login=body.login,
        password=body.password,
        role=body.role,
        region_code=body.region_code,
    )


@router.post("/users/{login}/active", response_model=wire.AdminUser, responses=_CHANGE_ERRORS)
def set_active(login: LoginPath, body: wire.SetActiveRequest, call: AdminCallDep) -> wire.AdminUser:
    """Disable (tokens revoked at once) or re-enable a user."""
    return call.change_user(admin.set_active, login=login, active=body.active)


@router.post("/users/{login}/password", response_model=wire.AdminUser, responses=_CHANGE_ERRORS)
def reset_password(
    login: LoginPath, body: wire.ResetPasswordRequest, call: AdminCallDep
) -> wire.AdminUser:
    """Set a new password (the user's sessions end)."""
    return call.change_user(admin.reset_password, login=login, password=body.password)


@router.post("/users/{login}/role", response_model=wire.AdminUser, responses=_CHANGE_ERRORS)
def change_role(
    login: LoginPath, body: wire.ChangeRoleRequest, call: AdminCallDep
) -> wire.AdminUser:
    """Change a user's role and region (the user's sessions end)."""
    return call.change_user(
        admin.change_role, login=login, role=body.role, region_code=body.region_code
    )


def _decoded(value: str | None, what: str) -> bytes | None:
    if value is None:
        return None
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, f"Файл {what}: не base64 ({exc})") from exc


@router.post(
    "/reference/{region_code}/import",
    response_model=wire.ReferenceImportAnswer,
    responses=_CHANGE_ERRORS,
)
def import_reference(
    region_code: Annotated[str, Path(pattern=r"^RU-[A-Z]{2,3}$")],
    body: wire.ReferenceImportRequest,
    call: AdminCallDep,
) -> wire.ReferenceImportAnswer:
    """Check CSV files of municipalities and executors; apply them unless ``dry_run``."""
    municipalities = _decoded(body.municipalities_base64, "муниципалитетов")
    executors = _decoded(body.executors_base64, "исполнителей")

    def run(session: Session) -> wire.ReferenceImportAnswer:
        plan = reference_import.plan_import(
            session,
            call.scope,
            region_code=region_code,
            municipalities=municipalities,
            executors=executors,
        )
        applied = False
        if plan.ok and not body.dry_run:
            reference_import.apply_import(session, call.scope, plan, now=call.settings.clock())
            applied = True
        return wire.ReferenceImportAnswer(
            ok=plan.ok,
            applied=applied,
            added=len(plan.added),
            changed=len(plan.changed),
            unchanged=plan.unchanged,
            absent_from_file=len(plan.absent_from_file),
            errors=[error.render() for error in plan.errors],
            report=plan.render(),
        )

    return call.write(run)


@router.get("/audit", response_model=wire.AuditLog, responses=documented_errors(401, 403, 422))
def audit_log(
    scope: AdminDep, db: DbDep, limit: Annotated[int, Query(ge=1, le=1000)] = 100
) -> wire.AuditLog:
    """The newest entries of the audit log in the admin's scope."""
    with db.snapshot() as session:
        entries = admin.audit_entries(session, scope, limit=limit)
    return wire.AuditLog(
        entries=[
            wire.AuditRecord(
                at=e.at,
                actor=e.actor,
                action=e.action,
                target=e.target,
                region_code=e.region_code,
                details=e.details,
            )
            for e in entries
        ]
    )
