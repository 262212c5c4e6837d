"""Times of day are the operator's region's, marked where the computer's clock says otherwise.

The test process's own clock is put in UTC (``TZ=UTC``) while the operator's region is Tula
(UTC+3) or Sverdlovsk (UTC+5), and every clock is fixed: 15:25 UTC is 18:25 in Tula and 20:25
in Yekaterinburg (docs/WINDOW.md, "Times of day").
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from cur_desktop.domain.enums import Status
from cur_desktop.services.views import SessionInfo
from cur_desktop.services.workstation import Workstation
from cur_desktop.storage import sync_state
from cur_desktop.storage.database import open_engine
from cur_desktop.storage.incidents import bulk_insert_incidents
from cur_desktop.sync.events import UpToDate
from cur_desktop.sync.profile import DB_FILE_NAME
from cur_desktop.ui import format as fmt
from cur_desktop.ui.inbox_model import Column
from cur_desktop.ui.main_window import MainWindow
from cur_desktop.ui.statistics_tab import StatisticsTab
from cur_desktop.ui.status_bar import SyncStatusBar
from tests.helpers.row_factories import make_row
from tests.ui.conftest import run_qt, until

pytestmark = pytest.mark.ui

NOW = datetime(2026, 12, 1, 15, 25, tzinfo=UTC)
"""The fixed clock: 18:25 in Tula (UTC+3), 20:25 in Yekaterinburg (UTC+5), 15:25 here."""
RECEIVED = datetime(2026, 12, 1, 6, 10, tzinfo=UTC)
"""09:10 in Tula, 06:10 on the computer's clock."""


@pytest.fixture
def machine_utc(machine_zone: Callable[[str], None]) -> None:
    """The computer's clock runs in UTC (as on the machine where the mismatch was seen)."""
    machine_zone("UTC")


@pytest.fixture
def machine_moscow(machine_zone: Callable[[str], None]) -> None:
    """The computer's clock runs in Moscow time (Tula's)."""
    machine_zone("Europe/Moscow")


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        ("Europe/Moscow", "Данные актуальны на 18:25 (UTC+3)"),
        ("Asia/Yekaterinburg", "Данные актуальны на 20:25 (UTC+5)"),
        (None, "Данные актуальны на 15:25"),  # no region known: the computer's clock, no mark
    ],
)
def test_the_status_bar_tells_the_regions_time(
    qapp: QApplication, machine_utc: None, zone: str | None, expected: str
) -> None:
    fmt.set_region_zone(zone)
    bar = SyncStatusBar()
    bar.on_event(UpToDate(at=NOW))
    assert bar.sync_label.text() == expected


def test_no_mark_where_the_computer_keeps_the_regions_time(
    qapp: QApplication, machine_moscow: None
) -> None:
    fmt.set_region_zone("Europe/Moscow")
    bar = SyncStatusBar()
    bar.on_event(UpToDate(at=NOW))
    assert bar.sync_label.text() == "Данные актуальны на 18:25"
    assert fmt.region_date_time(RECEIVED) == "01.12.2026 09:10"
    assert fmt.zone_mark() == ""


def test_a_time_near_midnight_keeps_the_regions_date(qapp: QApplication, machine_utc: None) -> None:
    fmt.set_region_zone("Asia/Yekaterinburg")
    late = datetime(2026, 12, 1, 20, 30, tzinfo=UTC)  # 01:30 on 2 December in Yekaterinburg
    assert fmt.region_date_time(late) == "02.12.2026 01:30 (UTC+5)"
    assert fmt.region_date_time(late, mark=False) == "02.12.2026 01:30"
    assert fmt.region_date_time(late.replace(tzinfo=None)) == "02.12.2026 01:30 (UTC+5)"


def _profile(tmp_path: Path, region: str) -> tuple[Path, str]:
    profile = tmp_path / "profile"
    profile.mkdir()
    engine = open_engine(profile / DB_FILE_NAME)
    incident_id = str(uuid.uuid4())
    row = make_row(
        random.Random(5),
        id=incident_id,
        region_code=region,
        text="Во дворе не вывозят мусор уже неделю.",
        status=Status.NEW,
        assignee=None,
        received_at=RECEIVED,
        first_answer_at=None,
        first_answer_due=RECEIVED + timedelta(hours=8),
        first_answer_warn_at=RECEIVED + timedelta(hours=6),
        final_answer_due=None,
    )
    with engine.begin() as conn:
        bulk_insert_incidents(conn, [row])
        sync_state.set_state(conn, sync_state.KEY_LOGIN, "ivanova")
        sync_state.set_state(conn, sync_state.KEY_REGION, region)
    engine.dispose()
    return profile, incident_id


@pytest.mark.parametrize(
    "case",
    [("RU-TUL", "18:25", "09:10", "UTC+3"), ("RU-SVE", "20:25", "11:10", "UTC+5")],
    ids=["tula", "sverdlovsk"],
)
def test_the_window_shows_one_clock_the_regions(
    qapp: QApplication,
    qtbot: QtBot,
    tmp_path: Path,
    machine_utc: None,
    case: tuple[str, str, str, str],
) -> None:
    region, now_there, received_there, mark = case
    profile, incident_id = _profile(tmp_path, region)
    info = SessionInfo(
        login="ivanova", role=None, region_code=region, server_url=None, can_sync=False
    )

    async def body() -> None:
        ws = await Workstation.open(profile, clock=lambda: NOW)
        window = MainWindow()
        qtbot.addWidget(window)
        try:
            window.attach(ws, info)
            # the status bar and the statistics page say the same time of the same clock
            window.status.on_event(UpToDate(at=NOW))
            assert window.status.sync_label.text() == f"Данные актуальны на {now_there} ({mark})"
            tab = StatisticsTab()
            qtbot.addWidget(tab)
            tab.attach(ws, region)
            report = await ws.statistics(region, tab.period(), NOW)
            tab.show_report(report)
            assert f"Рассчитано в {now_there} ({mark})." in tab.state.text()

            # the list: the column says whose time, the cell the region's
            assert window.inbox is not None
            model = window.inbox.model
            await until(lambda: model.rowCount() >= 1, what="the incident listed")
            header = model.headerData(Column.RECEIVED, Qt.Orientation.Horizontal)
            assert header == f"Поступил ({mark})"
            await until(
                lambda: model.data(model.index(0, Column.RECEIVED)) is not None, what="row loaded"
            )
            assert model.data(model.index(0, Column.RECEIVED)) == f"01.12.2026 {received_there}"

            # the card: received in the region's time, marked; the history's title marked
            window.open_incident(incident_id)
            await until(lambda: window.card.detail is not None, what="card")
            assert window.card.title.text() == (f"Инцидент от 01.12.2026 {received_there} ({mark})")
            assert window.card.history_title.text() == f"История ({mark}):"

            # a reminder set for 10:00 of the region's next day (07:00 UTC in Tula)
            hour = {"UTC+3": 10, "UTC+5": 12}[mark]
            window._on_remind(incident_id, datetime(2026, 12, 2, 7, 0, tzinfo=UTC))
            await until(lambda: "Напоминание" in window.status.currentMessage(), what="reminder")
            assert window.status.currentMessage() == (
                f"Напоминание установлено на 02.12.2026 {hour}:00 ({mark})"
            )
            # the needs-attention list's «Когда» says whose time
            await until(
                lambda: window.attention.table.horizontalHeaderItem(0).text() != "Когда",
                what="attention header",
            )
            assert window.attention.table.horizontalHeaderItem(0).text() == f"Когда ({mark})"
        finally:
            window.close()
            await ws.close()

    run_qt(qapp, body)
