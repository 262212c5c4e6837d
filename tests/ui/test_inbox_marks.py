"""The inbox's marks and bulk actions in the window: unread rows, bulk menu, reminders,
deadline notifications and the timer texts (offscreen, real local stores)."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import random
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import shiboken6
from PySide6.QtCore import QItemSelection, QItemSelectionModel, QPoint, Qt
from PySide6.QtGui import QFont, QFontMetrics, QIcon, QPainter
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMenu, QStyle, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import text

from cur_desktop.domain.deadlines import Band
from cur_desktop.domain.enums import Status
from cur_desktop.services.bulk import BulkOutcome
from cur_desktop.services.deadline_notices import DeadlineNotices
from cur_desktop.services.saved_views import SavedView
from cur_desktop.services.timers import timer_for
from cur_desktop.services.views import SessionInfo
from cur_desktop.services.window_reads import WindowReads
from cur_desktop.services.workstation import Workstation
from cur_desktop.storage import sync_state
from cur_desktop.storage.database import open_engine
from cur_desktop.storage.inbox import InboxSort
from cur_desktop.storage.incidents import bulk_insert_incidents
from cur_desktop.sync.profile import DB_FILE_NAME
from cur_desktop.ui import format as fmt
from cur_desktop.ui.deadline_notifier import DeadlineNotifier
from cur_desktop.ui.inbox_model import ID_ROLE, Column
from cur_desktop.ui.inbox_page import InboxPage
from cur_desktop.ui.main_window import MainWindow
from cur_desktop.ui.reminder_offer import ReminderOffer
from tests.helpers.row_factories import make_row
from tests.ui.conftest import run_qt, until
from tests.ui.test_window import SCREENSHOTS

pytestmark = pytest.mark.ui


@pytest.fixture(autouse=True)
def _collect_on_the_gui_thread() -> Iterator[None]:
    """Free this test's cyclic garbage (Qt wrappers, qasync loop objects) here, on the GUI
    thread: left to a later automatic collection, it may run on a reader thread of another
    test, where destroying Qt objects warns ("Timers cannot be stopped from another thread")
    or crashes."""
    yield
    gc.collect()


MSK = ZoneInfo("Europe/Moscow")


def _msk(*args: int) -> datetime:
    return datetime(*args, tzinfo=MSK)


# --------------------------------------------------------------------------- timer texts


@pytest.mark.parametrize(
    ("due", "now", "expected"),
    [
        # due Tue 18:00, the end of the working day; 23:00 the same night: no working minute
        (_msk(2026, 12, 1, 18, 0), _msk(2026, 12, 1, 23, 0), "просрочен"),
        # next morning 10:30: 09:00–10:30 have passed
        (_msk(2026, 12, 1, 18, 0), _msk(2026, 12, 2, 10, 30), "просрочен на 1 ч 30 мин"),
        # due Fri 17:00; Saturday noon: only Fri 17:00–18:00 counts
        (_msk(2026, 12, 4, 17, 0), _msk(2026, 12, 5, 12, 0), "просрочен на 1 ч 00 мин"),
        # Monday 14:30: 1 h Friday + 09:00–13:00 + 14:00–14:30 (lunch skipped)
        (_msk(2026, 12, 4, 17, 0), _msk(2026, 12, 7, 14, 30), "просрочен на 5 ч 30 мин"),
        # due Tue 3 Nov 17:00 (shortened pre-holiday day); the 4th is a holiday: nothing passed
        (_msk(2026, 11, 3, 17, 0), _msk(2026, 11, 4, 15, 0), "просрочен"),
        (_msk(2026, 11, 3, 17, 0), _msk(2026, 11, 5, 9, 45), "просрочен на 45 мин"),
        # time left: Fri 16:00 -> Mon 11:00 = Fri 16–18 + Mon 09–11
        (_msk(2026, 12, 7, 11, 0), _msk(2026, 12, 4, 16, 0), "4 ч 00 мин"),
        # due at night not yet passed: Fri 19:00 -> Mon 10:00 = 1 working hour
        (_msk(2026, 12, 7, 10, 0), _msk(2026, 12, 4, 19, 0), "1 ч 00 мин"),
        # from 24 working hours on: working days of 8 h and whole hours.
        # Mon 09:00 -> Thu 18:00 = 4 days x 8 h = 32 h
        (_msk(2026, 12, 10, 18, 0), _msk(2026, 12, 7, 9, 0), "4 дн 0 ч"),
        # Mon 09:00 -> Wed 18:00 = 24 h exactly: days; a minute later 23 h 59 min: hours
        (_msk(2026, 12, 9, 18, 0), _msk(2026, 12, 7, 9, 0), "3 дн 0 ч"),
        (_msk(2026, 12, 9, 18, 0), _msk(2026, 12, 7, 9, 1), "23 ч 59 мин"),
        # Fri 4 Dec 16:00 -> Wed 16 Dec 18:00: Fri 2 h + 7 days (Mon 7 … Tue 15) 56 h + Wed 8 h
        # = 66 h = 8 days 2 h
        (_msk(2026, 12, 16, 18, 0), _msk(2026, 12, 4, 16, 0), "8 дн 2 ч"),
        # due Fri 4 Dec 18:00; Wed 16 Dec 10:30: Mon 7 … Tue 15 = 7 days (56 h) + 1 h 30 min
        # = 57 h 30 min = 7 days 1 h (the half hour cut)
        (_msk(2026, 12, 4, 18, 0), _msk(2026, 12, 16, 10, 30), "просрочен на 7 дн 1 ч"),
        # due Mon 2 Nov 18:00; Thu 12 Nov 12:00: Tue 3 Nov 7 h (shortened), 4 Nov a holiday,
        # Thu 5 … Wed 11 = 5 days (40 h), Thu 09:00–12:00 3 h = 50 h = 6 days of 8 h + 2 h
        (_msk(2026, 11, 2, 18, 0), _msk(2026, 11, 12, 12, 0), "просрочен на 6 дн 2 ч"),
    ],
)
def test_timer_texts_on_the_regions_working_clock(
    qapp: QApplication, due: datetime, now: datetime, expected: str
) -> None:
    row = {
        "status": Status.MODERATION,
        "current_due": due.astimezone(UTC),
        "current_warn_at": (due - timedelta(hours=1)).astimezone(UTC),
        "region_code": "RU-TUL",
    }
    timer = timer_for(row, now.astimezone(UTC))
    assert timer is not None
    assert fmt.timer_text(timer.working, overdue=timer.band is Band.OVERDUE) == expected


@pytest.mark.parametrize(
    ("working", "overdue", "expected"),
    [
        # the clipped text seen in the list: 475 h 01 min = 59 x 8 h + 3 h 01 min
        (-timedelta(hours=475, minutes=1), True, "просрочен на 59 дн 3 ч"),
        (timedelta(hours=26, minutes=59), False, "3 дн 2 ч"),
        (timedelta(hours=23, minutes=59, seconds=59), False, "23 ч 59 мин"),
        (timedelta(hours=24), False, "3 дн 0 ч"),
        # a year overdue (247 working days of 8 h + 7 h 59 min): the longest realistic text
        (-timedelta(hours=247 * 8 + 7, minutes=59), True, "просрочен на 247 дн 7 ч"),
    ],
)
def test_timer_texts_in_working_days(
    qapp: QApplication, working: timedelta, overdue: bool, expected: str
) -> None:
    assert fmt.timer_text(working, overdue=overdue) == expected


# --------------------------------------------------------------------------- fixtures


def _profile(tmp_path: Path) -> tuple[Path, list[dict[str, Any]]]:
    profile = tmp_path / "profile"
    profile.mkdir()
    engine = open_engine(profile / DB_FILE_NAME)
    rng = random.Random(11)
    now = datetime.now(UTC)
    rows = [
        make_row(
            rng,
            id=str(uuid.uuid4()),
            status=Status.NEW,
            assignee=None,
            received_at=now - timedelta(minutes=10 * n),
            first_answer_at=None,
        )
        for n in range(8)
    ]
    rows[2]["assignee"] = "petrov"  # a take of this one is refused
    with engine.begin() as conn:
        bulk_insert_incidents(conn, rows)
        sync_state.set_state(conn, sync_state.KEY_LOGIN, "ivanova")
        sync_state.set_state(conn, sync_state.KEY_REGION, "RU-TUL")
    engine.dispose()
    return profile, rows


@contextlib.asynccontextmanager
async def _inbox(profile: Path, qtbot: QtBot) -> AsyncIterator[tuple[Workstation, InboxPage]]:
    """A workstation over ``profile`` and an inbox page on it (closed in order after)."""
    ws = await Workstation.open(profile)
    page = InboxPage(WindowReads(ws, "RU-TUL"), "ivanova")
    try:
        yield ws, page
    finally:
        page.cancel_tasks()
        await ws.close()
        _delete_now(page)


def _delete_now(widget: QWidget) -> None:
    """Delete ``widget`` on the GUI thread now: left to Python's cyclic GC, a Qt object may
    be freed on a reader thread of a later test ("Timers cannot be stopped from another
    thread", crashes)."""
    widget.close()
    shiboken6.delete(widget)


async def _page_ready(page: InboxPage, count: int) -> None:
    page.view = SavedView.ALL
    page.sort = InboxSort.RECEIVED_DESC  # display row n = rows[n] (received n*10 min ago)
    page.reload()
    await until(lambda: page.model.rowCount() == count, what="rows")
    for r in range(count):
        page.model.index(r, 0).data(ID_ROLE)
    await until(lambda: all(page.model.cached_row(r) for r in range(count)), what="pages")


def _select(page: InboxPage, rows: list[int]) -> None:
    selection = QItemSelection()
    for r in rows:
        selection.select(page.model.index(r, 0), page.model.index(r, len(Column) - 1))
    page.table.selectionModel().select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)


def _is_bold(page: InboxPage, row: int) -> bool:
    font = page.model.index(row, Column.EXCERPT).data(Qt.ItemDataRole.FontRole)
    return isinstance(font, QFont) and font.bold()


def test_the_longest_realistic_timer_texts_fit_the_timer_column(
    qapp: QApplication, qtbot: QtBot, tmp_path: Path
) -> None:
    """Under 24 working hours the longest text is «просрочен на 23 ч 59 мин»; beyond, a year
    overdue reads «просрочен на 247 дн 7 ч». Both fit the column without eliding (the view's
    text margin: the focus-frame margin + 1 on each side). The old 475 h 01 min did not."""
    profile, _rows = _profile(tmp_path)

    async def body() -> None:
        async with _inbox(profile, qtbot) as (_ws, page):
            table = page.table
            margin = table.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin) + 1
            room = table.columnWidth(Column.TIME_LEFT) - 2 * margin
            metrics = QFontMetrics(table.font())
            for working in (
                timedelta(hours=23, minutes=59),
                timedelta(hours=247 * 8 + 7, minutes=59),
                timedelta(hours=475, minutes=1),
            ):
                text = fmt.timer_text(-working, overdue=True)
                assert metrics.horizontalAdvance(text) <= room, text

    run_qt(qapp, body)


# --------------------------------------------------------------------------- unread


def test_unread_rows_are_bold_with_a_dot_and_a_pulled_change_makes_them_unread_again(
    qapp: QApplication, qtbot: QtBot, tmp_path: Path
) -> None:
    profile, _rows = _profile(tmp_path)

    async def body() -> None:
        async with _inbox(profile, qtbot) as (ws, page):
            ws.subscribe(lambda e: page.on_incidents_changed(list(getattr(e, "incident_ids", []))))
            await _page_ready(page, 8)
            assert all(_is_bold(page, r) for r in range(8))
            dot = page.model.index(0, Column.STATUS).data(Qt.ItemDataRole.DecorationRole)
            assert isinstance(dot, QIcon)
            assert not dot.isNull()
            await until(lambda: "●8" in page.views.item(1).text(), what="unread count")
            chosen = page.model.incident_id(0)
            assert chosen is not None
            await ws.mark_read([chosen])  # what the window does when it opens an incident
            await until(lambda: not _is_bold(page, 0), what="read row")
            assert page.model.index(0, Column.STATUS).data(Qt.ItemDataRole.DecorationRole) is None
            await until(lambda: "●7" in page.views.item(1).text(), what="count after read")
            # a sync brings a new version written by someone else
            _bump(profile, chosen)
            page.on_incidents_changed([chosen])
            await until(lambda: _is_bold(page, 0), what="unread again")
            assert page.model.incident_id(0) == chosen

    run_qt(qapp, body)


def _bump(profile: Path, incident_id: str) -> None:
    """A pulled change: the incident's version moves on (another writer on the same file)."""
    engine = open_engine(profile / DB_FILE_NAME)
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE incident SET version = version + 1 WHERE id = :i"), {"i": incident_id}
        )
    engine.dispose()


# --------------------------------------------------------------------------- bulk


def test_bulk_take_on_a_multi_selection_confirms_the_count_and_reports_refusals(
    qapp: QApplication, qtbot: QtBot, tmp_path: Path
) -> None:
    profile, rows = _profile(tmp_path)
    questions: list[str] = []
    reports: list[str] = []
    outcomes: list[BulkOutcome] = []

    async def body() -> None:
        async with _inbox(profile, qtbot) as (ws, page):
            page.bulk.confirm = lambda q: questions.append(q) or True
            page.bulk.show_report = reports.append
            page.bulk.finished.connect(outcomes.append)
            await _page_ready(page, 8)
            page.table.clearSelection()
            assert not page.bulk.take.isEnabled()  # nothing selected
            _select(page, [0, 1, 2, 3])
            assert page.bulk.take.isEnabled()
            page.bulk.take.trigger()
            await until(lambda: outcomes, what="bulk take")
            outcome = outcomes[0]
            assert questions == ["Взять в работу инцидентов: 4?"]
            assert outcome.done == (rows[0]["id"], rows[1]["id"], rows[3]["id"])
            assert [f.incident_id for f in outcome.failures] == [rows[2]["id"]]
            assert "Отказано: 1." in reports[0]
            assert "Инцидент уже в работе у сотрудника petrov" in reports[0]
            assert (await ws.sync_status()).pending == 3

    run_qt(qapp, body)


def test_merge_duplicates_asks_for_the_original_among_the_selection(
    qapp: QApplication, qtbot: QtBot, tmp_path: Path
) -> None:
    profile, rows = _profile(tmp_path)
    outcomes: list[BulkOutcome] = []
    offered: list[list[str]] = []

    def choose(_title: str, _label: str, items: Any) -> int:
        offered.append(list(items))
        return 1  # the second selected incident is the original

    async def body() -> None:
        async with _inbox(profile, qtbot) as (ws, page):
            page.bulk.confirm = lambda _q: True
            page.bulk.choose = choose
            page.bulk.finished.connect(outcomes.append)
            await _page_ready(page, 8)
            _select(page, [4, 5, 6])
            page.bulk.duplicate.trigger()
            await until(lambda: outcomes, what="merge")
            assert len(offered[0]) == 3
            original = rows[5]["id"]
            assert outcomes[0].done == (rows[4]["id"], rows[6]["id"])
            detail = await ws.incident(rows[4]["id"])
            assert detail.incident.status is Status.REJECTED
            assert original in detail.answers[-1].text

    run_qt(qapp, body)


# --------------------------------------------------------------------------- notifications


WARN_AT = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
"""When the incident put in the warning band by :func:`put_in_warning_band` enters it."""


def put_in_warning_band(profile: Path, incident_id: str) -> datetime:
    """Assign ``incident_id`` to ivanova with a deadline whose warning band starts at
    :data:`WARN_AT` (due 6 hours later); returns ``WARN_AT``. Also used by the tray test's
    child process under Xvfb (tests/ui/tray_child.py)."""
    engine = open_engine(profile / DB_FILE_NAME)
    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE incident SET assignee = 'ivanova', current_due = :due, "
                "current_warn_at = :warn, first_answer_due = :due, first_answer_warn_at = :warn "
                "WHERE id = :i"
            ),
            {
                "i": incident_id,
                "due": int((WARN_AT + timedelta(hours=6)).timestamp() * 1_000_000),
                "warn": int(WARN_AT.timestamp() * 1_000_000),
            },
        )
    engine.dispose()
    return WARN_AT


def test_the_warning_notification_fires_once_with_an_injected_clock(
    qapp: QApplication, qtbot: QtBot, tmp_path: Path
) -> None:
    profile, rows = _profile(tmp_path)
    warn = put_in_warning_band(profile, rows[0]["id"])
    shown: list[str] = []
    clock = [warn - timedelta(minutes=5)]

    async def body() -> None:
        ws = await Workstation.open(profile)
        holder = QWidget()  # owns the notifiers: deleted on the GUI thread at the end
        try:
            notifier = DeadlineNotifier(
                DeadlineNotices(ws, "ivanova"), lambda: clock[0], holder, use_tray=False
            )
            notifier.status_message.connect(shown.append)
            assert await notifier.check() == []
            clock[0] = warn + timedelta(minutes=1)
            first = await notifier.check()
            assert [w.incident_id for w in first] == [rows[0]["id"]]
            assert len(shown) == 1
            assert shown[0].startswith("Срок скоро истекает: осталось меньше четверти времени.")
            clock[0] = warn + timedelta(minutes=2)
            assert await notifier.check() == []  # the next tick
            restarted = DeadlineNotifier(
                DeadlineNotices(ws, "ivanova"), lambda: clock[0], holder, use_tray=False
            )
            restarted.status_message.connect(shown.append)
            assert await restarted.check() == []  # and after a restart
            assert len(shown) == 1
        finally:
            await ws.close()
            _delete_now(holder)

    run_qt(qapp, body)


# --------------------------------------------------------------------------- reminders


def test_the_editor_offers_a_reminder_for_a_promise(qapp: QApplication, qtbot: QtBot) -> None:
    from PySide6.QtWidgets import QPlainTextEdit

    editor = QPlainTextEdit()
    offer = ReminderOffer(editor, editor)
    asked: list[tuple[str, datetime]] = []
    offer.remind_requested.connect(lambda i, at: asked.append((i, at)))
    offer.incident_id, offer.region_code = "inc-1", "RU-TUL"
    editor.setPlainText("Спасибо за обращение, вопрос решён.")
    offer.refresh(_msk(2026, 12, 4, 16, 0))
    assert offer.isHidden()
    editor.setPlainText("Мы вернёмся к вам с ответом после проверки.")
    offer.refresh(_msk(2026, 12, 4, 16, 0))  # a Friday
    assert not offer.isHidden()
    assert "«вернёмся»" in offer.label.text()
    assert offer.when.dateTime().toString("dd.MM.yyyy HH:mm") == "07.12.2026 10:00"
    offer.button.click()
    assert asked == [("inc-1", datetime(2026, 12, 7, 7, 0, tzinfo=UTC))]
    editor.setPlainText("Ремонт выполнят до 15 декабря, о результатах сообщим.")
    offer.refresh(_msk(2026, 12, 4, 16, 0))
    assert offer.when.dateTime().toString("dd.MM.yyyy HH:mm") == "15.12.2026 10:00"
    _delete_now(editor)  # with its child, the offer


# --------------------------------------------------------------------------- screenshot


async def _wait_reminder(ws: Workstation, incident_id: str) -> datetime:
    """The stored reminder of ``incident_id`` (waits for the window's write, 20 s at most)."""

    async def poll() -> datetime:
        while not (found := await ws.reminders([incident_id])):
            await asyncio.sleep(0.02)
        return found[incident_id]

    return await asyncio.wait_for(poll(), 20)


def test_screenshot_of_the_inbox_with_a_selection_and_the_bulk_menu(
    qapp: QApplication, qtbot: QtBot, tmp_path: Path
) -> None:
    profile, rows = _profile(tmp_path)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    async def body() -> None:
        ws = await Workstation.open(profile)
        window = MainWindow()
        window.resize(1366, 768)
        window.show()
        try:
            info = SessionInfo(
                login="ivanova", role=None, region_code="RU-TUL", server_url=None, can_sync=False
            )
            window.attach(ws, info)
            inbox = window.inbox
            assert inbox is not None
            inbox.set_view(SavedView.ALL)
            await _page_ready(inbox, 8)
            await ws.mark_read([rows[1]["id"], rows[3]["id"]])
            await ws.set_reminder(rows[4]["id"], datetime.now(UTC) - timedelta(minutes=1))
            await until(lambda: not _is_bold(inbox, 1), what="read rows")
            _select(inbox, [2, 3, 4])
            await asyncio.sleep(0.3)
            image = window.grab().toImage()
            assert (image.width(), image.height()) == (1366, 768)
            # the context menu, drawn where a right click on the selection opens it (a popup
            # cannot be shown on the offscreen platform)
            menu: QMenu = inbox.bulk.menu()
            menu.adjustSize()
            spot = inbox.table.viewport().mapTo(window, QPoint(420, 3 * 24 + 12))
            painter = QPainter(image)
            painter.drawPixmap(spot, menu.grab())
            painter.end()
            assert image.save(str(SCREENSHOTS / "inbox-bulk.png"))
            dialog = window.show_shortcuts()
            keys = {dialog.table.item(r, 0).text() for r in range(dialog.table.rowCount())}
            assert {"Ctrl+Shift+T", "Ctrl+Shift+D", "Ctrl+Shift+S"} <= keys
            dialog.close()
            # opening an incident in the card marks it read
            assert _is_bold(inbox, 0)
            window.open_incident(rows[0]["id"])
            await until(lambda: not _is_bold(inbox, 0), what="opened row read")
            # the editor offers a reminder for a promise; «Напомнить» stores it
            window.card.editor.text.setPlainText("Мы вернёмся к вам с ответом после проверки.")
            offer = window.reminder_offer
            await until(offer.isVisible, what="reminder offer")
            assert window.grab().save(str(SCREENSHOTS / "card-reminder.png"))
            offer.button.click()
            assert await _wait_reminder(ws, rows[0]["id"]) > datetime.now(UTC)
            # a bulk shortcut acts on the selection in the window
            inbox.bulk.confirm = lambda _q: True
            done: list[object] = []
            inbox.bulk.finished.connect(done.append)
            _select(inbox, [5, 6])
            inbox.table.setFocus()
            window.activateWindow()
            await until(window.isActiveWindow, what="active window")
            QTest.keyClick(
                window,
                Qt.Key.Key_T,
                Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
            )
            await until(lambda: done, what="bulk take by shortcut")
            assert (await ws.inbox_rows_by_id([rows[5]["id"]]))[0].assignee == "ivanova"
        finally:
            window.close()
            await ws.close()
            _delete_now(window)

    run_qt(qapp, body)
