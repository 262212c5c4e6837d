"""Issue 12, item 5: the «Администрирование» tab against a REAL server process.

An admin of RU-TUL signs in; the tab lists the region's users only; creating, disabling and a
reference import (dry run first, then apply) reach the server, which the test checks through
its own endpoints and the next pull of an operator; offline the tab says it needs the server.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtWidgets import QApplication

from cur_desktop.domain.enums import Role
from cur_desktop.services.administration import OFFLINE_MESSAGE, Administration
from cur_desktop.services.workstation import Workstation
from cur_desktop.ui.admin_page import AdminPage
from tests.helpers.live import PASSWORD, REGION, USERS, login, server_rows
from tests.helpers.server_process import ServerProcess, UserSpec, running_server
from tests.ui.conftest import run_qt, until

pytestmark = pytest.mark.ui
ADMIN = UserSpec("tul.admin", "admin", REGION, PASSWORD)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    with running_server(tmp_path / "server", users=[*USERS, ADMIN]) as srv:
        yield srv


def _column(page: AdminPage, column: int) -> list[str]:
    return [page.users.item(row, column).text() for row in range(page.users.rowCount())]


def test_admin_tab_manages_users_and_imports_reference_data(
    qapp: QApplication, server: ServerProcess, tmp_path: Path
) -> None:
    profile = login(tmp_path / "admin-profile", server.base_url, ADMIN.login).directory
    municipalities = tmp_path / "mun.csv"
    municipalities.write_bytes("id;name;population\nTUL-A1;Алексин;58000\n".encode("cp1251"))
    executors = tmp_path / "exe.csv"
    executors.write_text("id,name,municipality_id\nEX-A1,МУП «Водоканал»,TUL-A1\n")

    async def body() -> None:
        ws = await Workstation.open(profile)
        page = AdminPage()
        page.resize(1366, 700)
        page.show()
        try:
            page.attach(ws.administration(), REGION)
            await until(lambda: page.users.rowCount() > 0, what="users listed")
            assert sorted(_column(page, 0)) == ["boss", "ivanova", "petrov", "tul.admin"]

            await page.create_user("sidorova", "пароль-сидоровой", Role.OPERATOR, REGION)
            assert "sidorova" in _column(page, 0)
            assert "Пользователь sidorova создан" in page.message.text()
            await page.set_active("petrov", False)
            row = _column(page, 0).index("petrov")
            assert page.users.item(row, 3).text() == "отключён"

            page.sections.setCurrentIndex(1)
            page.municipalities_file.setText(str(municipalities))
            page.executors_file.setText(str(executors))
            await page.check_import()
            assert page.apply_button.isEnabled()
            assert "Добавить: 2; изменить: 0" in page.report.toPlainText()
            assert "Windows-1251" in page.report.toPlainText()
            page.grab().save(str(tmp_path / "admin-import.png"))
            await page.apply_import()
            assert page.message.text() == "Записано строк: 2"
            assert not page.apply_button.isEnabled()
            actions = [page.audit.item(r, 2).text() for r in range(page.audit.rowCount())]
            assert actions[:3] == ["reference.import", "user.disable", "user.create"]
        finally:
            page.cancel_tasks()
            page.close()
            page.deleteLater()  # deleted on this thread, never by a collector on another one
            await ws.close()

    run_qt(qapp, body)
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    pulled = server_rows(server, "ivanova")
    assert pulled["municipality:TUL-A1"]["name"] == "Алексин"
    assert pulled["executor:EX-A1"]["municipality_id"] == "TUL-A1"


def test_a_refusal_and_offline_are_told_in_russian(
    qapp: QApplication, server: ServerProcess, tmp_path: Path
) -> None:
    profile = login(tmp_path / "admin-profile", server.base_url, ADMIN.login).directory

    async def body() -> tuple[str, str]:
        ws = await Workstation.open(profile)
        page = AdminPage()
        offline = AdminPage()
        try:
            page.attach(ws.administration(), REGION)
            await until(lambda: page.users.rowCount() > 0, what="users listed")
            page.spawn(page.create_user("chuzhoy", "пароль-чужого-1", Role.OPERATOR, "RU-KIR"))
            await until(lambda: bool(page.message.text()), what="refusal shown")
            refusal = page.message.text()
            offline.attach(Administration(None), REGION)
            await until(lambda: bool(offline.message.text()), what="offline message")
            return refusal, offline.message.text()
        finally:
            for widget in (page, offline):
                widget.cancel_tasks()
                widget.deleteLater()  # deleted on this thread, never by a collector elsewhere
            await ws.close()

    refusal, offline = run_qt(qapp, body)
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    assert "Нет прав создавать пользователей вне своего региона" in refusal
    assert offline == OFFLINE_MESSAGE
