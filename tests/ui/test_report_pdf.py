"""The PDF report of the hand-counted March: its text (pdftotext) and its pages (pdftoppm)."""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from cur_desktop.domain.periods import LocalPeriod, PeriodKind
from cur_desktop.services.supervision import statistics_report
from cur_desktop.storage.database import open_engine
from cur_desktop.storage.incidents import bulk_insert_incidents
from cur_desktop.ui.report_pdf import write_pdf
from tests.services.hand_data import hand_rows

MARCH = LocalPeriod("Europe/Moscow", PeriodKind.MONTH, date(2026, 3, 1))
NOW = datetime(2026, 4, 2, 12, tzinfo=UTC)
MINUS = "\u2212"


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_pdf_states_the_hand_counted_figures(qapp: QApplication, tmp_path: Path) -> None:
    engine = open_engine(tmp_path / "store.sqlite3")
    with engine.begin() as conn:
        bulk_insert_incidents(conn, hand_rows(NOW).values())
    with engine.connect() as conn:
        report = statistics_report(conn, "RU-TUL", MARCH, NOW)
    engine.dispose()
    pdf = tmp_path / "march.pdf"
    write_pdf(report, pdf)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Статистика инцидентов: Тульская область" in text
    assert "Период: март 2026 (сравнение: февраль 2026)" in text
    lines = [" ".join(line.split()) for line in text.splitlines()]
    assert f"Среднее время первичного ответа 2 ч 00 мин 5 ч 00 мин {MINUS}3 ч 00 мин" in lines
    assert f"Доля обработки 75,0 % 100,0 % {MINUS}25,0 п. п." in lines
    assert "Доля просроченных 25,0 % 0,0 % +25,0 п. п." in lines
    assert any(line.startswith("petrov 2 0 1 3 ч 00 мин") for line in lines)
    assert "Определения" in text
    pages = tmp_path / "page"
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(pages)], check=True)
    images = sorted(tmp_path.glob("page*.png"))
    assert len(images) >= 2
    assert all(p.stat().st_size > 2000 for p in images)
