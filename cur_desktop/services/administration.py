"""Administration from the window (admins only): users, reference import, audit log.

Online only: these are the server's own records, not the workstation's local data, so nothing
is queued offline; without a connection every call raises :class:`OperationError` saying so.
The server decides what the admin may do (its region only, the last federal admin kept) and
explains refusals in Russian; they reach the window unchanged.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel

from cur_desktop.contract import admin as wire
from cur_desktop.domain.enums import Role
from cur_desktop.services.outcomes import CODE_NOT_CONNECTED, OperationError
from cur_desktop.sync.errors import SyncClientError
from cur_desktop.sync.transport import SyncTransport

_M = TypeVar("_M", bound=BaseModel)
CODE_REFUSED = "admin_refused"
OFFLINE_MESSAGE = "Администрирование доступно только при связи с сервером."


class Administration:
    """The admin's requests to the server over the workstation's signed-in transport."""

    def __init__(self, transport: SyncTransport | None) -> None:
        self._transport = transport

    async def _call(
        self,
        method: str,
        path: str,
        answer: type[_M],
        body: Any = None,
        params: dict[str, Any] | None = None,
    ) -> _M:
        if self._transport is None:
            raise OperationError(OFFLINE_MESSAGE, CODE_NOT_CONNECTED)
        try:
            return await self._transport.admin(method, path, answer, body=body, params=params)
        except SyncClientError as exc:
            raise OperationError(exc.message, CODE_REFUSED) from exc

    async def users(self) -> list[wire.AdminUser]:
        """The users the admin may administer, by login."""
        return (await self._call("GET", "/users", wire.AdminUsers)).users

    async def create_user(
        self, login: str, password: str, role: Role, region_code: str | None
    ) -> wire.AdminUser:
        """Create a user."""
        body = wire.CreateUserRequest(
            login=login, password=password, role=role, region_code=region_code
        )
        return await self._call("POST", "/users", wire.AdminUser, body.model_dump(mode="json"))

    async def set_active(self, login: str, active: bool) -> wire.AdminUser:
        """Disable (its sessions end at once) or re-enable a user."""
        body = wire.SetActiveRequest(active=active).model_dump(mode="json")
        return await self._call("POST", f"/users/{login}/active", wire.AdminUser, body)

    async def reset_password(self, login: str, password: str) -> wire.AdminUser:
        """Set a new password for a user."""
        body = wire.ResetPasswordRequest(password=password).model_dump(mode="json")
        return await self._call("POST", f"/users/{login}/password", wire.AdminUser, body)

    async def change_role(self, login: str, role: Role, region_code: str | None) -> wire.AdminUser:
        """Change a user's role and region."""
        body = wire.ChangeRoleRequest(role=role, region_code=region_code).model_dump(mode="json")
        return await self._call("POST", f"/users/{login}/role", wire.AdminUser, body)

    async def import_reference(
        self,
        region_code: str,
        *,
        municipalities: Path | None,
        executors: Path | None,
        dry_run: bool,
    ) -> wire.ReferenceImportAnswer:
        """Send CSV files of municipalities and executors; with ``dry_run`` nothing is written."""

        def encoded(path: Path | None) -> str | None:
            if path is None:
                return None
            try:
                return base64.b64encode(path.read_bytes()).decode("ascii")
            except OSError as exc:
                raise OperationError(
                    f"Не удалось прочитать файл {path.name}: {exc.strerror}", CODE_REFUSED
                ) from exc

        body = wire.ReferenceImportRequest(
            municipalities_base64=encoded(municipalities),
            executors_base64=encoded(executors),
            dry_run=dry_run,
        )
        return await self._call(
            "POST",
            f"/reference/{region_code}/import",
            wire.ReferenceImportAnswer,
            body.model_dump(mode="json"),
        )

    async def audit(self, limit: int = 200) -> list[wire.AuditRecord]:
        """The newest audit entries the admin may see."""
        return (await self._call("GET", "/audit", wire.AuditLog, params={"limit": limit})).entries
