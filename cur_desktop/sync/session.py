"""Logging a profile in and out, and building a ready sync engine for it.

``login`` binds a profile to a server and a user: the token goes to the credential store, the
server URL, login, role and region to ``sync_state``. Changing the server or the user of a
profile that still has unsent or rejected changes is refused (they belong to the other binding);
otherwise a change of binding restarts the pull from scratch.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy import Connection, Engine

from cur_desktop.contract import wire
from cur_desktop.storage import localstate as ls
from cur_desktop.storage import sync_state
from cur_desktop.storage.database import DbWriter, open_engine
from cur_desktop.storage.outbox import SyncStatus
from cur_desktop.storage.outbox import read_status as read_engine_status
from cur_desktop.storage.sync_state import ensure_client_id
from cur_desktop.sync.errors import AuthenticationError, SyncClientError
from cur_desktop.sync.events import EventCallback
from cur_desktop.sync.profile import Profile
from cur_desktop.sync.syncer import RetryPolicy, SyncEngine
from cur_desktop.sync.transport import SyncTransport

log = logging.getLogger(__name__)

T = TypeVar("T")


class ProfileError(SyncClientError):
    """The profile cannot be used as asked (not logged in, bound to someone else ...)."""


def _write(engine: Engine, fn: Callable[[Connection], T]) -> T:
    with DbWriter(engine) as writer:
        return writer.submit(fn).result()


def _check_binding(conn: Connection, server_url: str, login: str) -> bool:
    """Whether the binding changes; refuse when unsent work would be orphaned."""
    old_server = sync_state.get_state(conn, sync_state.KEY_SERVER_URL)
    old_login = sync_state.get_state(conn, sync_state.KEY_LOGIN)
    if old_server is None or (old_server == server_url and old_login == login):
        return old_server is None
    if ls.count_outbox(conn, ls.PENDING) or ls.count_outbox(conn, ls.REJECTED):
        raise ProfileError(
            f"В профиле есть неотправленные изменения пользователя {old_login} ({old_server}): "
            "войдите под ним и синхронизируйтесь или используйте другой профиль."
        )
    return True


def _bind(conn: Connection, server_url: str, token: wire.TokenResponse, rebound: bool) -> None:
    sync_state.set_state(conn, sync_state.KEY_SERVER_URL, server_url)
    sync_state.set_state(conn, sync_state.KEY_LOGIN, token.login)
    sync_state.set_state(conn, sync_state.KEY_ROLE, token.role.value)
    sync_state.set_state(conn, sync_state.KEY_REGION, token.region_code or "")
    if rebound:
        # A new binding is a new client for the server: fresh id, fresh sequence, full pull.
        sync_state.set_state(conn, sync_state.KEY_CLIENT_ID, str(uuid.uuid4()))
        for key in (
            sync_state.KEY_CURSOR,
            sync_state.KEY_ALLOCATED,
            sync_state.KEY_PUSHED_UP_TO,
            sync_state.KEY_LAST_MUTATION_ID,
        ):
            sync_state.set_state(conn, key, 0)
    ensure_client_id(conn)


async def login(profile: Profile, server_url: str, user: str, password: str) -> wire.TokenResponse:
    """Log in to ``server_url`` and bind the profile to it (see the module docstring)."""
    engine = open_engine(profile.db_path)
    try:
        with DbWriter(engine) as writer:
            return await login_with(profile, writer, server_url, user, password)
    finally:
        engine.dispose()


async def login_with(
    profile: Profile,
    writer: DbWriter,
    server_url: str,
    user: str,
    password: str,
    *,
    transport_factory: Callable[[str, str | None], SyncTransport] | None = None,
) -> wire.TokenResponse:
    """:func:`login` through an open store's writer (the workstation's), not a new engine."""
    server_url = server_url.rstrip("/")
    rebound = await writer.run(
        lambda conn: _check_binding(conn, server_url, user), expected=(ProfileError,)
    )
    make = transport_factory or (lambda url, token: SyncTransport(url, token=token))
    async with make(server_url, None) as transport:
        token = await transport.login(user, password)
    profile.credentials().save(token.access_token)
    await writer.run(lambda conn: _bind(conn, server_url, token, rebound))
    log.info("profile %s bound to %s as %s", profile.directory, server_url, token.login)
    return token


async def logout(profile: Profile) -> None:
    """Revoke the token on the server if reachable, and forget it locally in any case."""
    store = profile.credentials()
    token = store.load()
    engine = open_engine(profile.db_path)
    try:
        server_url = _write(
            engine, lambda conn: sync_state.get_state(conn, sync_state.KEY_SERVER_URL)
        )
    finally:
        engine.dispose()
    try:
        if token and server_url:
            async with SyncTransport(server_url, token=token) as transport:
                await transport.logout()
    except SyncClientError as exc:
        log.info("logout on the server failed (%s); forgetting the token locally", exc)
    finally:
        store.clear()


async def with_engine(
    profile: Profile,
    fn: Callable[[SyncEngine], Awaitable[T]],
    *,
    on_event: EventCallback | None = None,
    retry: RetryPolicy | None = None,
) -> T:
    """Run ``fn`` with a sync engine for the profile's server and token, then close it."""
    engine = open_engine(profile.db_path)
    try:
        server_url = _write(
            engine, lambda conn: sync_state.get_state(conn, sync_state.KEY_SERVER_URL)
        )
        token = profile.credentials().load()
        if not server_url or not token:
            raise AuthenticationError(
                "Профиль не подключён к серверу: выполните «cur-desktop login»."
            )
        async with SyncTransport(server_url, token=token) as transport:
            sync = SyncEngine(engine, transport, on_event=on_event, retry=retry)
            try:
                return await fn(sync)
            finally:
                sync.close()
    finally:
        engine.dispose()


def read_status(profile: Profile) -> SyncStatus:
    """Queue sizes, last sync and cursor of a profile (no network)."""
    engine = open_engine(profile.db_path)
    try:
        return _write(engine, read_engine_status)
    finally:
        engine.dispose()
