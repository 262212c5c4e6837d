"""The «Администрирование» tab, shown to admins only: users, reference import, audit log.

Everything here is a request to the server through :class:`services.administration.Administration`
(online only: offline the tab says so and changes nothing). Refusals come back as the server's
Russian explanation and are shown in the tab's message line. The reference import is always
checked first (dry run, the report shown); «Применить» applies exactly the files that were
checked and is enabled only after a check without errors.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from cur_desktop.contract.admin import AdminUser, AuditRecord
from cur_desktop.domain.enums import Role
from cur_desktop.services.administration import Administration
from cur_desktop.services.outcomes import OperationError
from cur_desktop.ui import format as fmt
from cur_desktop.ui.labels import role_label
from cur_desktop.ui.task_errors import report_failure

log = logging.getLogger(__name__)


class UserDialog(QDialog):
    """Login, password, role and region of a new user (or role and region of an existing one)."""

    def __init__(
        self, parent: QWidget | None, *, region_code: str | None, login: str | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("User") if login is None else self.tr("Role and region"))
        form = QFormLayout(self)
        self.login = QLineEdit(login or "", self)
        self.login.setReadOnly(login is not None)
        self.password = QLineEdit(self)
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(self.tr("at least 8 characters"))
        self.role = QComboBox(self)
        for role in Role:
            self.role.addItem(role_label(role), role.value)
        self.region = QLineEdit(region_code or "", self)
        self.region.setPlaceholderText("RU-TUL")
        form.addRow(self.tr("Login:"), self.login)
        if login is None:
            form.addRow(self.tr("Password:"), self.password)
        form.addRow(self.tr("Role:"), self.role)
        form.addRow(self.tr("Region:"), self.region)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def chosen_role(self) -> Role:
        """The role picked."""
        return Role(str(self.role.currentData()))

    def chosen_region(self) -> str | None:
        """The region typed (upper case), or ``None`` when empty."""
        text = self.region.text().strip().upper()
        return text or None


class AdminPage(QWidget):
    """Users, reference import and audit log (see the module docstring)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("adminPage")
        self.admin: Administration | None = None
        self.region_code: str | None = None
        self._tasks: set[asyncio.Future[Any]] = set()
        self._checked: tuple[str, Path | None, Path | None] | None = None
        self.message = QLabel(self)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setWordWrap(True)
        self.sections = QTabWidget(self)
        self.sections.addTab(self._users_section(), self.tr("Users"))
        self.sections.addTab(self._reference_section(), self.tr("Municipalities and executors"))
        self.sections.addTab(self._audit_section(), self.tr("Audit log"))
        layout = QVBoxLayout(self)
        layout.addWidget(self.sections)
        layout.addWidget(self.message)

    # ------------------------------------------------------------------ layout

    def _users_section(self) -> QWidget:
        page = QWidget(self)
        self.users = QTableWidget(0, 5, page)
        self.users.setObjectName("adminUsers")
        self.users.setHorizontalHeaderLabels(
            [
                self.tr("Login"),
                self.tr("Role"),
                self.tr("Region"),
                self.tr("State"),
                self.tr("Since"),
            ]
        )
        self.users.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.users.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.users.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.users.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.users.verticalHeader().hide()
        buttons = QHBoxLayout()
        self.refresh_button = QPushButton(self.tr("Refresh"), page)
        self.add_button = QPushButton(self.tr("Add…"), page)
        self.toggle_button = QPushButton(self.tr("Disable / enable"), page)
        self.password_button = QPushButton(self.tr("Reset password…"), page)
        self.role_button = QPushButton(self.tr("Role and region…"), page)
        for button in (
            self.refresh_button,
            self.add_button,
            self.toggle_button,
            self.password_button,
            self.role_button,
        ):
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.refresh_button.clicked.connect(lambda: self.spawn(self.reload()))
        self.add_button.clicked.connect(self._ask_new_user)
        self.toggle_button.clicked.connect(self._toggle_selected)
        self.password_button.clicked.connect(self._ask_password)
        self.role_button.clicked.connect(self._ask_role)
        layout = QVBoxLayout(page)
        layout.addLayout(buttons)
        layout.addWidget(self.users)
        return page

    def _reference_section(self) -> QWidget:
        page = QWidget(self)
        form = QFormLayout()
        self.import_region = QLineEdit(page)
        self.import_region.setPlaceholderText("RU-TUL")
        self.municipalities_file = QLineEdit(page)
        self.executors_file = QLineEdit(page)
        for edit in (self.municipalities_file, self.executors_file):
            edit.setPlaceholderText(self.tr("CSV file (UTF-8 or Windows-1251, ; or , separated)"))
        form.addRow(self.tr("Region:"), self.import_region)
        form.addRow(
            self.tr("Municipalities (id; name; population):"),
            self._with_browse(self.municipalities_file),
        )
        form.addRow(
            self.tr("Executors (id; name; municipality_id):"),
            self._with_browse(self.executors_file),
        )
        self.check_button = QPushButton(self.tr("Check (dry run)"), page)
        self.apply_button = QPushButton(self.tr("Apply"), page)
        self.apply_button.setEnabled(False)
        self.check_button.clicked.connect(lambda: self.spawn(self.check_import()))
        self.apply_button.clicked.connect(lambda: self.spawn(self.apply_import()))
        for edit in (self.import_region, self.municipalities_file, self.executors_file):
            edit.textChanged.connect(self._forget_check)
        buttons = QHBoxLayout()
        buttons.addWidget(self.check_button)
        buttons.addWidget(self.apply_button)
        buttons.addStretch(1)
        self.report = QPlainTextEdit(page)
        self.report.setObjectName("importReport")
        self.report.setReadOnly(True)
        layout = QVBoxLayout(page)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.report)
        return page

    def _with_browse(self, edit: QLineEdit) -> QWidget:
        holder = QWidget(self)
        row = QHBoxLayout(holder)
        row.setContentsMargins(0, 0, 0, 0)
        browse = QPushButton(self.tr("Choose…"), holder)
        browse.clicked.connect(lambda: self._browse(edit))
        row.addWidget(edit)
        row.addWidget(browse)
        return holder

    def _audit_section(self) -> QWidget:
        page = QWidget(self)
        self.audit = QTableWidget(0, 5, page)
        self.audit.setObjectName("adminAudit")
        self.audit.setHorizontalHeaderLabels(
            [
                self.tr("When"),
                self.tr("Who"),
                self.tr("Action"),
                self.tr("Whom"),
                self.tr("Details"),
            ]
        )
        self.audit.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.audit.horizontalHeader().setStretchLastSection(True)
        self.audit.verticalHeader().hide()
        layout = QVBoxLayout(page)
        layout.addWidget(self.audit)
        return page

    # ------------------------------------------------------------------ wiring

    def attach(self, admin: Administration, region_code: str | None) -> None:
        """Start working for an admin (of ``region_code``, or of every region)."""
        self.admin = admin
        self.region_code = region_code
        self.import_region.setText(region_code or "")
        self.spawn(self.reload())

    def spawn(self, coro: Coroutine[Any, Any, object]) -> None:
        """Run a request on the loop; its refusal is shown in the message line."""
        task = asyncio.ensure_future(self._guarded(coro))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        task.add_done_callback(report_failure)

    async def _guarded(self, coro: Coroutine[Any, Any, object]) -> None:
        try:
            await coro
        except OperationError as exc:
            log.info("admin request refused: %s", exc.message)
            self.show_message(exc.message, error=True)

    def cancel_tasks(self) -> None:
        """The window is closing."""
        for task in list(self._tasks):
            task.cancel()

    def show_message(self, text: str, *, error: bool = False) -> None:
        """Say something under the tab (red for a refusal)."""
        self.message.setStyleSheet("color: #b00020;" if error else "color: #1b5e20;")
        self.message.setText(text)

    # ------------------------------------------------------------------ users

    async def reload(self) -> None:
        """Read users and the audit log again."""
        assert self.admin is not None
        users = await self.admin.users()
        self._fill_users(users)
        self._fill_audit(await self.admin.audit())

    def _fill_users(self, users: list[AdminUser]) -> None:
        self.users.setHorizontalHeaderItem(4, QTableWidgetItem(fmt.marked(self.tr("Since"))))
        self.users.setRowCount(len(users))
        for row, user in enumerate(users):
            state = self.tr("active") if user.active else self.tr("disabled")
            cells = [
                user.login,
                role_label(user.role),
                user.region_code or "—",
                state,
                fmt.region_date_time(user.created_at, mark=False),
            ]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, user.login if column == 0 else user.active)
                self.users.setItem(row, column, item)

    def _fill_audit(self, entries: list[AuditRecord]) -> None:
        self.audit.setHorizontalHeaderItem(0, QTableWidgetItem(fmt.marked(self.tr("When"))))
        self.audit.setRowCount(len(entries))
        for row, entry in enumerate(entries):
            details = ", ".join(f"{key}: {value}" for key, value in sorted(entry.details.items()))
            when = fmt.region_date_time(entry.at, mark=False)
            cells = [when, entry.actor, entry.action, entry.target, details]
            for column, text in enumerate(cells):
                self.audit.setItem(row, column, QTableWidgetItem(text))

    def selected_login(self) -> tuple[str, bool] | None:
        """Login and active flag of the selected user."""
        row = self.users.currentRow()
        login_item, state_item = self.users.item(row, 0), self.users.item(row, 1)
        if row < 0 or login_item is None or state_item is None:
            return None
        return str(login_item.data(Qt.ItemDataRole.UserRole)), bool(
            state_item.data(Qt.ItemDataRole.UserRole)
        )

    async def create_user(
        self, login: str, password: str, role: Role, region_code: str | None
    ) -> None:
        """Create a user, then show the list again."""
        assert self.admin is not None
        await self.admin.create_user(login, password, role, region_code)
        self.show_message(self.tr("User %1 created").replace("%1", login))
        await self.reload()

    async def set_active(self, login: str, active: bool) -> None:
        """Disable or enable a user, then show the list again."""
        assert self.admin is not None
        await self.admin.set_active(login, active)
        done = self.tr("User %1 enabled") if active else self.tr("User %1 disabled")
        self.show_message(done.replace("%1", login))
        await self.reload()

    async def reset_password(self, login: str, password: str) -> None:
        """Set a new password, then show the list again."""
        assert self.admin is not None
        await self.admin.reset_password(login, password)
        self.show_message(
            self.tr("Password of %1 changed; its sessions ended").replace("%1", login)
        )
        await self.reload()

    async def change_role(self, login: str, role: Role, region_code: str | None) -> None:
        """Change a user's role and region, then show the list again."""
        assert self.admin is not None
        await self.admin.change_role(login, role, region_code)
        self.show_message(self.tr("Role of %1 changed").replace("%1", login))
        await self.reload()

    def _ask_new_user(self) -> None:
        dialog = UserDialog(self, region_code=self.region_code)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.spawn(
                self.create_user(
                    dialog.login.text().strip(),
                    dialog.password.text(),
                    dialog.chosen_role(),
                    dialog.chosen_region(),
                )
            )

    def _toggle_selected(self) -> None:
        selected = self.selected_login()
        if selected is not None:
            self.spawn(self.set_active(selected[0], not selected[1]))

    def _ask_password(self) -> None:
        selected = self.selected_login()
        if selected is None:
            return
        password, ok = QInputDialog.getText(
            self,
            self.tr("Reset password"),
            self.tr("New password for %1:").replace("%1", selected[0]),
            QLineEdit.EchoMode.Password,
        )
        if ok:
            self.spawn(self.reset_password(selected[0], password))

    def _ask_role(self) -> None:
        selected = self.selected_login()
        if selected is None:
            return
        dialog = UserDialog(self, region_code=self.region_code, login=selected[0])
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.spawn(self.change_role(selected[0], dialog.chosen_role(), dialog.chosen_region()))

    # ------------------------------------------------------------------ reference import

    def _browse(self, edit: QLineEdit) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, self.tr("CSV file"), edit.text(), self.tr("CSV files (*.csv *.txt)")
        )
        if path:
            edit.setText(path)

    def _forget_check(self) -> None:
        self._checked = None
        self.apply_button.setEnabled(False)

    def _chosen_files(self) -> tuple[str, Path | None, Path | None]:
        def path(edit: QLineEdit) -> Path | None:
            text = edit.text().strip()
            return Path(text) if text else None

        region = self.import_region.text().strip().upper()
        return region, path(self.municipalities_file), path(self.executors_file)

    async def check_import(self) -> None:
        """Dry run: show what the files would change; enable «Применить» when they are clean."""
        assert self.admin is not None
        region, municipalities, executors = self._chosen_files()
        self._forget_check()
        answer = await self.admin.import_reference(
            region, municipalities=municipalities, executors=executors, dry_run=True
        )
        self.report.setPlainText(answer.report)
        if answer.ok:
            self._checked = (region, municipalities, executors)
            self.apply_button.setEnabled(True)
            self.show_message(self.tr("Checked: nothing written yet. Press Apply to write."))
        else:
            self.show_message(self.tr("The files have errors: nothing can be written."), error=True)

    async def apply_import(self) -> None:
        """Apply exactly the files that were checked."""
        assert self.admin is not None
        if self._checked is None or self._checked != self._chosen_files():
            self._forget_check()
            return
        region, municipalities, executors = self._checked
        answer = await self.admin.import_reference(
            region, municipalities=municipalities, executors=executors, dry_run=False
        )
        self.report.setPlainText(answer.report)
        self._forget_check()
        if answer.applied:
            written = answer.added + answer.changed
            self.show_message(self.tr("Written: %1 rows").replace("%1", str(written)))
            await self.reload()
        else:
            self.show_message(self.tr("The files have errors: nothing can be written."), error=True)
