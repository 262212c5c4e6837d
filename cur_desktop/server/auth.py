"""Users, logins and the caller's scope: who may read and change which region.

Scope rules (enforced here and used by every endpoint, whatever the request says):

* ``operator`` and ``supervisor`` read and change their own region only;
* ``federal_analyst`` reads every region and changes nothing;
* ``admin`` reads and changes every region (or only its own, if it has one).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from cur_desktop.domain.enums import Role
from cur_desktop.server.db import allocate_seq
from cur_desktop.server.security import (
    hash_password,
    new_token,
    token_digest,
    verify_password,
)
from cur_desktop.server.tables import Token, User
from cur_desktop.server.throttle import login_fingerprint

log = logging.getLogger(__name__)

REGIONAL_ROLES = frozenset({Role.OPERATOR, Role.SUPERVISOR})


class UserError(ValueError):
    """A user cannot be created as asked (message in Russian)."""


@dataclass(frozen=True)
class Caller:
    """The authenticated user behind a request."""

    user_id: int
    login: str
    role: Role
    region_code: str | None

    @property
    def reads_all_regions(self) -> bool:
        """Federal analysts, and admins without a region, see every region."""
        return self.role is Role.FEDERAL_ANALYST or (
            self.role is Role.ADMIN and self.region_code is None
        )

    def can_read(self, region_code: str) -> bool:
        """Whether the caller may see data of ``region_code``."""
        return self.reads_all_regions or region_code == self.region_code

    def can_write(self, region_code: str) -> bool:
        """Whether the caller may change data of ``region_code``."""
        if self.role is Role.FEDERAL_ANALYST:
            return False
        if self.role is Role.ADMIN and self.region_code is None:
            return True
        return region_code == self.region_code

    def can_ingest(self, region_code: str) -> bool:
        """Admins ingest for any region they may change, supervisors for their own."""
        if self.role is Role.ADMIN:
            return self.can_write(region_code)
        return self.role is Role.SUPERVISOR and region_code == self.region_code


@dataclass(frozen=True)
class IssuedToken:
    """A token just issued at login (the only time the plain token exists on the server)."""

    token: str
    expires_at: datetime
    caller: Caller


def _caller(user: User) -> Caller:
    return Caller(
        user_id=user.id, login=user.login, role=Role(user.role), region_code=user.region_code
    )


def add_user(
    session: Session,
    *,
    login: str,
    password: str,
    role: Role,
    region_code: str | None,
    now: datetime,
) -> User:
    """Create a user; raises :class:`UserError` on a taken login or a missing region."""
    login = login.strip()
    if not login or len(login) > 100:
        raise UserError("Логин должен содержать от 1 до 100 символов")
    if not password:
        raise UserError("Пароль не может быть пустым")
    if role in REGIONAL_ROLES and not region_code:
        raise UserError(f"Для роли {role.value} нужен код региона")
    if role is Role.FEDERAL_ANALYST:
        region_code = None
    if session.execute(select(User.id).where(User.login == login)).first() is not None:
        raise UserError(f"Пользователь {login} уже существует")
    user = User(
        login=login,
        password_hash=hash_password(password),
        role=role.value,
        region_code=region_code,
        active=True,
        created_at=now,
        seq=allocate_seq(session),
    )
    session.add(user)
    session.flush()
    log.info("user %s (%s, %s) created", login, role.value, region_code)
    return user


def find_user(session: Session, login: str) -> User | None:
    """The user with ``login``, if any."""
    return session.execute(select(User).where(User.login == login)).scalar_one_or_none()


def login(
    session: Session, *, login: str, password: str, now: datetime, ttl_seconds: float
) -> IssuedToken | None:
    """Check the credentials and issue a token; ``None`` when they are wrong."""
    user = find_user(session, login)
    if not verify_password(user.password_hash if user else None, password):
        log.info("failed login for %s", login_fingerprint(login))
        return None
    if user is None or not user.active:
        return None
    token = new_token()
    expires_at = datetime.fromtimestamp(now.timestamp() + ttl_seconds, tz=now.tzinfo)
    session.add(
        Token(
            token_hash=token_digest(token),
            user_id=user.id,
            created_at=now,
            expires_at=expires_at,
            seq=allocate_seq(session),
        )
    )
    # Expired tokens of this user are of no use to anyone.
    session.execute(delete(Token).where(Token.user_id == user.id, Token.expires_at <= now))
    log.info("user %s logged in", user.login)
    return IssuedToken(token=token, expires_at=expires_at, caller=_caller(user))


def authenticate(session: Session, token: str, *, now: datetime) -> Caller | None:
    """The caller a bearer token belongs to; ``None`` if unknown, expired or inactive."""
    row = session.execute(
        select(Token, User)
        .join(User, User.id == Token.user_id)
        .where(Token.token_hash == token_digest(token))
    ).first()
    if row is None:
        return None
    tok, user = row
    if tok.expires_at <= now or not user.active:
        return None
    return _caller(user)


def logout(session: Session, token: str) -> bool:
    """Revoke a token; returns whether it existed."""
    result = session.execute(delete(Token).where(Token.token_hash == token_digest(token)))
    return bool(getattr(result, "rowcount", 0))
