"""The «Федеральный рейтинг» panel: online from a REAL server, offline from the kept copy, and
who sees which rows (a regional supervisor: only their own; a federal analyst: every region)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from cur_desktop.contract.ratings import RatingsResponse, RegionRating
from cur_desktop.services.workstation import Workstation
from cur_desktop.storage import sync_state
from cur_desktop.storage.database import open_engine
from cur_desktop.sync.profile import DB_FILE_NAME
from cur_desktop.ui.ratings_panel import RatingsPanel
from cur_desktop.ui.statistics_tab import StatisticsTab
from tests.helpers.live import FAST, OTHER_REGION, PASSWORD, REGION, ingest
from tests.helpers.server_process import ServerProcess
from tests.ui.conftest import run_qt, until

TULA = "Тульская область"
KIROV = "Кировская область"


def _cells(panel: RatingsPanel) -> list[list[str]]:
    table = panel.table
    return [
        [table.item(r, c).text() for c in range(table.columnCount())]
        for r in range(table.rowCount())
    ]


async def _shown_rating(qtbot: QtBot, profile: Path) -> tuple[str, list[list[str]]]:
    """Open the profile, show the Статистика tab (current month) until its rating is shown."""
    ws = await Workstation.open(profile, retry=FAST, poll_interval=300.0)
    tab = StatisticsTab()
    qtbot.addWidget(tab)
    loaded: list[bool] = []
    tab.rating_loaded.connect(lambda: loaded.append(True))
    try:
        tab.attach(ws, REGION)
        await until(lambda: bool(loaded), what="rating shown")
        return tab.rating.summary.text(), _cells(tab.rating)
    finally:
        tab.cancel_tasks()
        await ws.close()


def test_regional_rating_online_then_offline_with_its_computation_time(
    qapp: QApplication, qtbot: QtBot, server: ServerProcess, tmp_path: Path
) -> None:
    ingest(server, "boss", REGION, 3)
    ingest(server, "kirov", OTHER_REGION, 2)
    profile = tmp_path / "boss"

    async def online() -> tuple[str, list[list[str]]]:
        ws = await Workstation.open(profile, retry=FAST, poll_interval=300.0)
        await ws.login(server.base_url, "boss", PASSWORD)
        await ws.close()
        return await _shown_rating(qtbot, profile)

    summary, rows = run_qt(qapp, online)
    # a regional supervisor: one row, its own region, with its places; nothing of Кировская
    assert len(rows) == 1
    assert rows[0][0] == TULA
    assert all(rows[0][c] not in ("", "—") for c in (1, 2))  # processing share and its place
    assert "Рассчитано сервером" in summary
    assert "только строка и места своего региона" in summary
    assert KIROV not in summary
    assert all(KIROV not in cell for row in rows for cell in row)
    # dd.mm.yyyy hh:mm, and «(UTC+3)» when this computer's clock is not in Moscow time
    computed = summary.split("Рассчитано сервером ")[1].split("\n")[0].removesuffix(".")
    datetime.strptime(computed[:16], "%d.%m.%Y %H:%M")
    assert computed[16:] in ("", " (UTC+3)")

    # the server becomes unreachable: the kept copy, marked with the time it was computed
    engine = open_engine(profile / DB_FILE_NAME)
    with engine.begin() as conn:
        sync_state.set_state(conn, sync_state.KEY_SERVER_URL, "http://127.0.0.1:9")
    engine.dispose()
    offline_summary, offline_rows = run_qt(qapp, lambda: _shown_rating(qtbot, profile))
    assert f"Нет связи: локальная копия показателей, рассчитанных сервером {computed}." in (
        offline_summary
    )
    assert "Рассчитано сервером" not in offline_summary
    assert offline_rows == rows


def _region(code: str, name: str, share: float, mean: int, place: int) -> RegionRating:
    return RegionRating(
        region_code=code,
        region_name=name,
        registered=100,
        answered=int(share),
        processing_share=share,
        mean_first_answer_min=mean,
        previous_mean_first_answer_min=mean + 38,
        mean_change_min=-38,
        per_thousand=11.1,
        place_processing=place,
        place_mean=place,
        place_change=1,
        place_per_thousand=1,
    )


def test_a_federal_analyst_sees_every_region_in_place_order(
    qtbot: QtBot, machine_zone: Callable[[str], None]
) -> None:
    machine_zone("Europe/Moscow")  # this computer keeps Moscow time: no «(UTC+3)» mark
    panel = RatingsPanel()
    qtbot.addWidget(panel)
    rating = RatingsResponse(
        month="2026-03",
        computed_at=datetime(2026, 4, 1, 6, 5, tzinfo=UTC),  # 09:05 in Moscow
        regions_ranked=2,
        national_mean_first_answer_min=200,
        national_previous_mean_first_answer_min=238,
        national_mean_change_min=-38,
        whole_table=True,
        rows=[
            _region(OTHER_REGION, KIROV, 90.0, 241, 2),
            _region(REGION, TULA, 98.5, 183, 1),
        ],
    )
    panel.show_rating(rating, from_cache=False, timezone="Europe/Moscow")
    assert _cells(panel) == [
        [TULA, "98,5 %", "1", "3 ч 03 мин", "1", "\u221238 мин", "1", "11,1", "1"],
        [KIROV, "90,0 %", "2", "4 ч 01 мин", "2", "\u221238 мин", "1", "11,1", "1"],
    ]
    summary = panel.summary.text()
    assert "Рассчитано сервером 01.04.2026 09:05." in summary
    assert "только строка" not in summary
