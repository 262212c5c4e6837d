"""Signing in from the window: online against the server, or offline on a known profile.

:func:`sign_in` logs the profile in on the server; on success it also stores the offline
verifier of the password (:mod:`cur_desktop.services.offline_unlock`). When the server cannot be
reached and this profile has signed in before with the same login and server, the password is
checked against the verifier and the local data is unlocked offline: the window says so and the
sync engine keeps trying the server with the stored token.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from cur_desktop.services import offline_unlock
from cur_desktop.sync import session
from cur_desktop.sync.errors import (
    AuthenticationError,
    NetworkError,
    ServerUnavailableError,
    SyncClientError,
)
from cur_desktop.sync.profile import Profile

log = logging.getLogger(__name__)


class SignInError(Exception):
    """Sign-in failed; ``message`` is Russian and shown as is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class SignInResult:
    """Who signed in and whether the server was reached."""

    login: str
    online: bool


def remembered_identity(profile_dir: Path | None) -> tuple[str, str] | None:
    """``(server, login)`` this profile signed in with last, if any."""
    identity = offline_unlock.offline_identity(Profile.at(profile_dir).directory)
    return None if identity is None else (identity.server_url, identity.login)


def _normal(url: str) -> str:
    url = url.strip().rstrip("/")
    if url and "://" not in url:
        url = "http://" + url
    return url


async def sign_in(
    profile_dir: Path | None, server_url: str, login: str, password: str
) -> SignInResult:
    """Sign in online, or offline when the server is unreachable (see the module docstring).

    ``profile_dir``: the profile directory (``None``: the user's default profile).
    """
    profile = Profile.at(profile_dir)
    server = _normal(server_url)
    login = login.strip()
    if not server or not login or not password:
        raise SignInError("Укажите адрес сервера, логин и пароль.")
    try:
        token = await session.login(profile, server, login, password)
    except AuthenticationError as exc:
        raise SignInError(exc.message or "Неверный логин или пароль.") from exc
    except (NetworkError, ServerUnavailableError) as exc:
        identity = offline_unlock.offline_identity(profile.directory)
        if identity is None or identity.login != login or identity.server_url != server:
            raise SignInError(
                "Сервер недоступен, а на этом компьютере этот пользователь ещё не входил: "
                "для первого входа нужна связь с сервером."
            ) from exc
        if not offline_unlock.verify_offline(profile.directory, login, password):
            raise SignInError("Неверный пароль.") from exc
        log.info("server unreachable; %s unlocked the local data offline", login)
        return SignInResult(login=login, online=False)
    except SyncClientError as exc:
        raise SignInError(exc.message) from exc
    offline_unlock.remember_password(profile.directory, token.login, server, password)
    return SignInResult(login=token.login, online=True)


__all__ = ["SignInError", "SignInResult", "remembered_identity", "sign_in"]
