"""The sign-in dialog: server address, login, password; server and login remembered.

The dialog does not know how signing in works: it is given an async ``attempt`` function (the
services layer's sign-in) and shows its Russian error message, or closes with its result.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

log = logging.getLogger(__name__)

Attempt = Callable[[str, str, str], Awaitable[Any]]


class SignInDialog(QDialog):
    """Asks for server, login and password and runs ``attempt(server, login, password)``."""

    def __init__(
        self,
        attempt: Attempt,
        parent: QWidget | None = None,
        *,
        server: str = "",
        login: str = "",
    ) -> None:
        super().__init__(parent)
        self.setObjectName("signInDialog")
        self.setWindowTitle(self.tr("Sign in — CUR workstation"))
        self.setMinimumWidth(440)
        self._attempt = attempt
        self.result_value: Any = None
        self._task: asyncio.Future[None] | None = None
        settings = QSettings()
        self.server = QLineEdit(server or str(settings.value("signin/server", "")), self)
        self.server.setPlaceholderText("https://cur.example.ru")
        self.login = QLineEdit(login or str(settings.value("signin/login", "")), self)
        self.password = QLineEdit(self)
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.message = QLabel(self)
        self.message.setObjectName("signInMessage")
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setStyleSheet("color: #8a1410;")
        self.hint = QLabel(
            self.tr(
                "Without a connection you can still work if you have signed in on this "
                "computer before: your data is unlocked locally and sent when the server "
                "is back."
            ),
            self,
        )
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: #555;")
        form = QFormLayout()
        form.addRow(self.tr("Server:"), self.server)
        form.addRow(self.tr("Login:"), self.login)
        form.addRow(self.tr("Password:"), self.password)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Sign in"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Cancel"))
        self.buttons.accepted.connect(self._on_accept)
        self.buttons.rejected.connect(self.reject)
        title = QLabel(self.tr("CUR operator workstation"), self)
        title.setStyleSheet("font-size: 14pt; font-weight: bold;")
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.hint)
        layout.addWidget(self.buttons)
        (self.password if self.login.text() else self.login).setFocus()

    def _on_accept(self) -> None:
        if self._task is not None and not self._task.done():
            return
        self._task = asyncio.ensure_future(self._run())

    async def _run(self) -> None:
        self._set_busy(True)
        self.message.setText(self.tr("Signing in…"))
        try:
            self.result_value = await self._attempt(
                self.server.text(), self.login.text(), self.password.text()
            )
        except Exception as exc:
            message = getattr(exc, "message", None)
            if not isinstance(message, str):
                log.exception("sign-in failed unexpectedly")
                message = self.tr("Sign-in failed: %1").replace("%1", str(exc))
            self.message.setText(message)
            self.password.selectAll()
            self.password.setFocus()
            return
        finally:
            self._set_busy(False)
        settings = QSettings()
        settings.setValue("signin/server", self.server.text().strip())
        settings.setValue("signin/login", self.login.text().strip())
        self.accept()

    def _set_busy(self, busy: bool) -> None:
        for widget in (self.server, self.login, self.password, self.buttons):
            widget.setEnabled(not busy)


async def ask_sign_in(dialog: SignInDialog) -> Any:
    """Show ``dialog`` without blocking the loop; the attempt's result, ``None`` if cancelled."""
    done: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    def finished(code: int) -> None:
        if not done.done():
            done.set_result(int(code))

    dialog.finished.connect(finished)
    dialog.open()
    code = await done
    return dialog.result_value if code == QDialog.DialogCode.Accepted.value else None


__all__ = ["SignInDialog", "ask_sign_in"]
