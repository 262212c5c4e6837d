"""Administration of users without a developer: disable, enable, reset a password, change role.

Every function runs inside the caller's write transaction, checks its input, raises
:class:`AdminError` with a Russian message when the action cannot be done, and writes one
:class:`~cur_desktop.server.tables.AuditEntry` (never a password). Used by the ``cur-server``
commands and by the admin endpoints under ``/api/v1/admin``.

Scope: an admin without a region administers every region; an admin with a region only the
users of that region (a user of another region is reported as not found, so its existence is
not revealed). The last active admin without a region cannot be disabled or demoted.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from cur_desktop.domain.enums import Role
from cur_desktop.reference.data import load_regions
from cur_desktop.server import auth
from cur_desktop.server.db import allocate_seq
from cur_desktop.server.security import hash_password
from cur_desktop.server.tables import AuditEntry, Token, User

log = logging.getLogger(__name__)

MIN_PASSWORD_LENGTH = 8


class AdminError(ValueError):
    """An administration action cannot be done as asked (message in Russian)."""


class NotFoundError(AdminError):
    """No such user or region in the administrator's scope (existence is not revealed)."""


@dataclass(frozen=True)
class AdminScope:
    """Who acts: a name for the audit log and the region it may administer (``None``: all)."""

    actor: str
    region_code: str | None = None

    def covers(self, region_code: str | None) -> bool:
        """Whether users of ``region_code`` are in this scope."""
        return self.region_code is None or region_code == self.region_code


@dataclass(frozen=True)
class UserView:
    """A user as the admin sees it (no password hash)."""

    login: str
    role: Role
    region_code: str | None
    active: bool
    created_at: datetime


def write_audit(
    session: Session,
    *,
    at: datetime,
    actor: str,
    action: str,
    target: str,
    region_code: str | None,
    details: dict[str, Any],
) -> None:
    """Append one entry to the audit log."""
    session.add(
        AuditEntry(
            at=at,
            actor=actor,
            action=action,
            target=target,
            region_code=region_code,
            details=json.dumps(details, ensure_ascii=False, sort_keys=True),
        )
    )


def known_region_codes() -> frozenset[str]:
    """ISO codes of the regions in the packaged reference data."""
    return frozenset(region.iso_code for region in load_regions())


def _view(user: User) -> UserView:
    return UserView(
        login=user.login,
        role=Role(user.role),
        region_code=user.region_code,
        active=user.active,
        created_at=user.created_at,
    )


def _user_in_scope(session: Session, scope: AdminScope, login: str) -> User:
    user = auth.find_user(session, login)
    if user is None or not scope.covers(user.region_code):
        raise NotFoundError(f"Пользователь {login} не найден")
    return user


def _check_region(role: Role, region_code: str | None) -> str | None:
    if region_code is not None and region_code not in known_region_codes():
        raise AdminError(f"Неизвестный код региона: {region_code}")
    if role in auth.REGIONAL_ROLES and region_code is None:
        raise AdminError(f"Для роли {role.value} нужен код региона")
    if role is Role.FEDERAL_ANALYST:
        return None
    return region_code


def _is_last_federal_admin(session: Session, user: User) -> bool:
    if Role(user.role) is not Role.ADMIN or user.region_code is not None or not user.active:
        return False
    others = session.execute(
        select(func.count())
        .select_from(User)
        .where(
            User.role == Role.ADMIN.value,
            User.region_code.is_(None),
            User.active.is_(True),
            User.id != user.id,
        )
    ).scalar_one()
    return int(others) == 0


def list_users(session: Session, scope: AdminScope) -> list[UserView]:
    """The users in ``scope``, by login."""
    query = select(User).order_by(User.login)
    if scope.region_code is not None:
        query = query.where(User.region_code == scope.region_code)
    return [_view(user) for user in session.execute(query).scalars()]


def create_user(
    session: Session,
    scope: AdminScope,
    *,
    login: str,
    password: str,
    role: Role,
    region_code: str | None,
    now: datetime,
) -> UserView:
    """Create a user (see :func:`cur_desktop.server.auth.add_user`) and audit it."""
    region_code = _check_region(role, region_code)
    if not scope.covers(region_code) or (role is Role.ADMIN and scope.region_code is not None):
        raise AdminError("Нет прав создавать пользователей вне своего региона")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AdminError(f"Пароль должен быть не короче {MIN_PASSWORD_LENGTH} символов")
    try:
        user = auth.add_user(
            session,
            login=login,
            password=password,
            role=role,
            region_code=region_code,
            now=now,
        )
    except auth.UserError as exc:
        raise AdminError(str(exc)) from exc
    write_audit(
        session,
        at=now,
        actor=scope.actor,
        action="user.create",
        target=user.login,
        region_code=user.region_code,
        details={"role": role.value, "region_code": user.region_code},
    )
    return _view(user)


def set_active(
    session: Session, scope: AdminScope, *, login: str, active: bool, now: datetime
) -> UserView:
    """Disable (its tokens revoked at once) or re-enable a user."""
    user = _user_in_scope(session, scope, login)
    if not active and _is_last_federal_admin(session, user):
        raise AdminError("Нельзя отключить последнего администратора без региона")
    if user.active == active:
        return _view(user)
    user.active = active
    user.seq = allocate_seq(session)
    revoked = 0
    if not active:
        result = session.execute(delete(Token).where(Token.user_id == user.id))
        revoked = int(getattr(result, "rowcount", 0) or 0)
    write_audit(
        session,
        at=now,
        actor=scope.actor,
        action="user.enable" if active else "user.disable",
        target=user.login,
        region_code=user.region_code,
        details={"tokens_revoked": revoked} if not active else {},
    )
    log.info("user %s %s by %s", user.login, "enabled" if active else "disabled", scope.actor)
    return _view(user)


def reset_password(
    session: Session, scope: AdminScope, *, login: str, password: str, now: datetime
) -> UserView:
    """Set a new password; every token of the user is revoked (it signs in again)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AdminError(f"Пароль должен быть не короче {MIN_PASSWORD_LENGTH} символов")
    user = _user_in_scope(session, scope, login)
    user.password_hash = hash_password(password)
    user.seq = allocate_seq(session)
    session.execute(delete(Token).where(Token.user_id == user.id))
    write_audit(
        session,
        at=now,
        actor=scope.actor,
        action="user.reset_password",
        target=user.login,
        region_code=user.region_code,
        details={},
    )
    return _view(user)


def change_role(
    session: Session,
    scope: AdminScope,
    *,
    login: str,
    role: Role,
    region_code: str | None,
    now: datetime,
) -> UserView:
    """Change a user's role and region; its tokens are revoked (the scope changed)."""
    user = _user_in_scope(session, scope, login)
    region_code = _check_region(role, region_code)
    if not scope.covers(region_code) or (role is Role.ADMIN and scope.region_code is not None):
        raise AdminError("Нет прав переводить пользователя вне своего региона")
    demoted = role is not Role.ADMIN or region_code is not None
    if demoted and _is_last_federal_admin(session, user):
        raise AdminError("Нельзя понизить последнего администратора без региона")
    before = {"role": user.role, "region_code": user.region_code}
    after = {"role": role.value, "region_code": region_code}
    if before == after:
        return _view(user)
    user.role = role.value
    user.region_code = region_code
    user.seq = allocate_seq(session)
    session.execute(delete(Token).where(Token.user_id == user.id))
    write_audit(
        session,
        at=now,
        actor=scope.actor,
        action="user.change_role",
        target=user.login,
        region_code=region_code or before["region_code"],
        details={"before": before, "after": after},
    )
    return _view(user)


@dataclass(frozen=True)
class AuditView:
    """One audit entry as shown to an admin."""

    at: datetime
    actor: str
    action: str
    target: str
    region_code: str | None
    details: dict[str, Any]


def audit_entries(session: Session, scope: AdminScope, *, limit: int = 100) -> list[AuditView]:
    """The newest audit entries in ``scope`` (newest first)."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(max(1, min(limit, 10_000)))
    if scope.region_code is not None:
        query = query.where(AuditEntry.region_code == scope.region_code)
    return [
        AuditView(
            at=row.at,
            actor=row.actor,
            action=row.action,
            target=row.target,
            region_code=row.region_code,
            details=json.loads(row.details),
        )
        for row in session.execute(query).scalars()
    ]
