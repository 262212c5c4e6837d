"""The Сроки board's timer is the inbox's: working time on the region's calendar, both clocks
in the tooltip (expected values by hand, Moscow calendar 09:00–18:00 with lunch 13–14)."""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtWidgets import QApplication

from cur_desktop.domain.enums import Status
from cur_desktop.services.supervision import BoardRow
from cur_desktop.ui.deadline_board import DeadlineBoard

DUE = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)  # Tue 24 Nov 18:00 Moscow, end of the day
NOW = datetime(2026, 11, 25, 7, 30, tzinfo=UTC)  # Wed 25 Nov 10:30 Moscow


def _plain(text: str) -> str:
    return text.replace("\u00a0", " ")  # the timers use no-break spaces


def _row(due: datetime) -> BoardRow:
    return BoardRow(
        incident_id="00000000-0000-4000-8000-000000000001",
        received_at=datetime(2026, 11, 24, 6, 0, tzinfo=UTC),
        status=Status.SENT_TO_EXECUTOR,
        assignee="ivanova",
        executor_id=None,
        municipality_id=None,
        topic_code=None,
        current_due=due,
        text="Яма во дворе",
    )


def test_the_board_says_what_the_inbox_says_with_both_clocks_in_the_tooltip(
    qapp: QApplication,
) -> None:
    board = DeadlineBoard()
    board.region_code = "RU-TUL"
    overdue = board._row_item(_row(DUE), NOW)
    # working time since the due instant: Wed 09:00 → 10:30; calendar: 16 h 30 min
    assert _plain(overdue.text(0)) == "просрочен на 1 ч 30 мин"
    tip = _plain(overdue.toolTip(0))
    assert "Просрочено рабочего времени: 1 ч 30 мин" in tip
    assert "Просрочено календарного времени: 16 ч 30 мин" in tip
    # time left the other way: due Wed 25 Nov 18:00, now Tue 24 Nov 17:00 → 1 h Tue + 8 h Wed
    ahead = board._row_item(
        _row(datetime(2026, 11, 25, 15, 0, tzinfo=UTC)), datetime(2026, 11, 24, 14, 0, tzinfo=UTC)
    )
    assert _plain(ahead.text(0)) == "9 ч 00 мин"
    board.deleteLater()
