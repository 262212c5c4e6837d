"""Exports of the hand-counted March (tests/services/hand_data): XLSX typed cells, CSV with BOM,
and ``cur-desktop report`` from the command line."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook

from cur_desktop import cli
from cur_desktop.domain.periods import LocalPeriod, PeriodKind
from cur_desktop.services.reports import write_csv, write_xlsx
from cur_desktop.services.supervision import StatisticsReport, statistics_report
from cur_desktop.storage import sync_state
from cur_desktop.storage.database import open_engine
from cur_desktop.storage.incidents import bulk_insert_incidents
from cur_desktop.sync.profile import DB_FILE_NAME
from tests.services.hand_data import hand_rows

MARCH = LocalPeriod("Europe/Moscow", PeriodKind.MONTH, date(2026, 3, 1))
NOW = datetime(2026, 4, 2, 12, tzinfo=UTC)
MINUS = "\u2212"


@pytest.fixture
def profile(tmp_path: Path) -> Path:
    directory = tmp_path / "profile"
    directory.mkdir()
    engine = open_engine(directory / DB_FILE_NAME)
    with engine.begin() as conn:
        bulk_insert_incidents(conn, hand_rows(NOW).values())
        sync_state.set_state(conn, sync_state.KEY_LOGIN, "boss")
        sync_state.set_state(conn, sync_state.KEY_ROLE, "supervisor")
        sync_state.set_state(conn, sync_state.KEY_REGION, "RU-TUL")
    engine.dispose()
    return directory


@pytest.fixture
def report(profile: Path) -> StatisticsReport:
    engine = open_engine(profile / DB_FILE_NAME)
    try:
        with engine.connect() as conn:
            return statistics_report(conn, "RU-TUL", MARCH, NOW)
    finally:
        engine.dispose()


def test_xlsx_holds_numbers_durations_and_dates(report: StatisticsReport, tmp_path: Path) -> None:
    path = tmp_path / "march.xlsx"
    write_xlsx(report, path)
    book = load_workbook(path)
    assert book.sheetnames == [
        "Показатели",
        "Операторы",
        "Исполнители",
        "Муниципалитеты",
        "Темы",
        "Источники",
        "По дням",
        "Нагрузка по часам",
        "Определения",
    ]
    sheet = book["Показатели"]
    rows = {r[0].value: r for r in sheet.iter_rows(min_row=6)}
    assert [c.value for c in sheet[5]][:3] == ["Показатель", "март 2026", "февраль 2026"]
    registered = rows["Зарегистрировано инцидентов"]
    assert (registered[1].value, registered[2].value, registered[3].value) == (5, 2, 3)
    mean = rows["Среднее время первичного ответа"]
    assert mean[1].value == timedelta(hours=2)
    assert mean[1].number_format == "[h]:mm"
    assert mean[2].value == timedelta(hours=5)
    assert mean[3].value == -180  # minutes, from the figures as shown
    assert mean[4].value == f"{MINUS}3 ч 00 мин"
    share = rows["Доля обработки"]
    assert share[1].value == pytest.approx(0.75)
    assert share[1].number_format == "0.0%"
    assert share[3].value == pytest.approx(-25.0)
    operators = {r[0].value: r for r in book["Операторы"].iter_rows(min_row=6)}
    assert operators["petrov"][1].value == 2
    assert operators["petrov"][3].value == 1
    assert operators["petrov"][4].value == timedelta(hours=3)
    assert operators["petrov"][8].value == 1  # overdue count
    days = list(book["По дням"].iter_rows(min_row=6))
    assert days[0][0].value == datetime(2026, 3, 1)  # a real date (openpyxl reads datetimes)
    assert days[0][0].number_format == "DD.MM.YYYY"
    assert days[0][7].value == 1  # e: 00:30 Moscow time on 1 March (still February in UTC)
    assert len(days) == 31
    defs = {r[0].value: r[1].value for r in book["Определения"].iter_rows(min_row=2)}
    assert "−38 мин" in defs["Изменение"]


def test_csv_has_a_bom_semicolons_and_figures_as_shown(
    report: StatisticsReport, tmp_path: Path
) -> None:
    path = tmp_path / "march.csv"
    write_csv(report, path)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines(), delimiter=";"))
    assert rows[0] == ["Статистика инцидентов: Тульская область"]
    by_label = {r[0]: r for r in rows if r}
    assert by_label["Среднее время первичного ответа"][1:4] == [
        "2 ч 00 мин",
        "5 ч 00 мин",
        f"{MINUS}3 ч 00 мин",
    ]
    assert by_label["Доля обработки"][1:4] == ["75,0 %", "100,0 %", f"{MINUS}25,0 п. п."]
    assert by_label["ivanova"][:5] == ["ivanova", "2", "0", "2", "1 ч 30 мин"]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_report_command_writes_the_file(
    profile: Path, tmp_path: Path, kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / f"r.{kind}"
    code = cli.main(
        [
            "report",
            "--profile",
            str(profile),
            "--period",
            "2026-03",
            "--format",
            kind,
            "--out",
            str(out),
        ]
    )
    assert code == 0
    assert out.stat().st_size > 1000
    assert "март 2026: инцидентов 5" in capsys.readouterr().out


def test_report_command_refuses_a_bad_period(
    profile: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "r.csv"
    code = cli.main(
        [
            "report",
            "--profile",
            str(profile),
            "--period",
            "март",
            "--format",
            "csv",
            "--out",
            str(out),
        ]
    )
    assert code == 1
    assert not out.exists()
    assert "Не понимаю период «март»" in capsys.readouterr().err
