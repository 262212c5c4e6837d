"""Qt-free logic behind the window: templates, page cache, offline unlock, saved views, timers."""

from __future__ import annotations

import json
from array import array
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from cur_desktop.domain.answer_quality import MUST_FIX, FindingCode, check_answer
from cur_desktop.domain.deadlines import Band
from cur_desktop.domain.enums import AnswerKind, Priority, Source, Status
from cur_desktop.services import offline_unlock
from cur_desktop.services.answer_templates import (
    TemplateContext,
    fill_variables,
    russian_date,
    templates_for,
)
from cur_desktop.services.inbox_pager import InboxPager
from cur_desktop.services.saved_views import SavedView, view_filter
from cur_desktop.services.timers import promise_date, timer_for

MSK = ZoneInfo("Europe/Moscow")


def test_variables_are_filled_in_russian_and_english_spelling() -> None:
    context = TemplateContext(
        author="Анна",
        executor="УК «Дом»",
        due_local=datetime(2031, 3, 15, 18, 0, tzinfo=MSK),
        municipality="Тула",
    )
    text = "{имя}, {executor} до {срок} ({муниципалитет}); {author}. {тема} {x}"
    assert fill_variables(text, context) == (
        "Анна, УК «Дом» до 15 марта 2031 г. (Тула); Анна. [укажите тему] [укажите значение «x»]"
    )


def test_unknown_values_never_stay_raw_placeholders() -> None:
    """No name: a greeting without it; anything else unknown: a visible gap the check names."""
    text = (
        "{author}, здравствуйте! Сотрудники {executor} выедут на место ({municipality}) до {date}."
    )
    filled = fill_variables(text, TemplateContext(municipality="Тула"))
    assert filled == (
        "Здравствуйте! Сотрудники [укажите исполнителя] выедут на место (Тула) до [укажите срок]."
    )
    assert "{" not in filled
    found = check_answer(filled, AnswerKind.INTERIM)
    gaps = [filled[f.start : f.end] for f in found if f.code is FindingCode.UNFILLED_GAP]
    assert gaps == ["[укажите исполнителя]", "[укажите срок]"]
    assert {f.code for f in found} & MUST_FIX == {FindingCode.UNFILLED_GAP}
    # the name inside a sentence (not a greeting) is a gap too, never dropped silently
    assert fill_variables("Спасибо, {имя}.", TemplateContext()) == "Спасибо, [укажите имя жителя]."


def test_russian_date_omits_the_current_year() -> None:
    now = datetime.now(MSK)
    assert russian_date(now.replace(month=5, day=1)) == "1 мая"


def test_templates_fit_kind_and_topic() -> None:
    roads = templates_for(AnswerKind.INTERIM, "roads")
    assert roads
    assert all(t.kind is AnswerKind.INTERIM for t in roads)
    assert all(t.topic_code in (None, "roads") for t in roads)
    assert roads[0].topic_code == "roads"  # the topic's own first
    assert all(t.topic_code is None for t in templates_for(AnswerKind.INTERIM, "nothing"))


def test_pager_answers_from_cache_and_never_waits() -> None:
    pager = InboxPager(page_size=10, max_pages=2)
    pager.reset(array("q", range(100, 135)))
    assert pager.row_count == 35
    assert pager.row(12) is None  # not cached: wanted
    assert pager.take_wanted() == [1]
    assert pager.take_wanted() == []  # in flight: not asked twice
    assert pager.row(12) is None
    shown = pager.store_page(pager.generation, 1, {k: {"k": k} for k in range(110, 120)})
    assert shown == range(10, 20)
    assert pager.row(12) == {"k": 112}
    # a page of an older snapshot is dropped
    old = pager.generation
    pager.reset(array("q", [1, 2, 3]))
    assert pager.store_page(old, 0, {1: {"k": 1}}) is None
    assert pager.row(0) is None


def test_pager_cache_is_bounded_and_forgets_changed_rows() -> None:
    pager = InboxPager(page_size=10, max_pages=2)
    pager.reset(array("q", range(50)))
    for page in (0, 1, 2):
        pager.store_page(
            pager.generation, page, {k: {"k": k} for k in range(page * 10, page * 10 + 10)}
        )
    assert pager.cached_rows() == 20  # page 0 evicted
    assert pager.row(5) is None
    assert pager.forget_keys([25, 999]) == [25]
    assert pager.cached_rows() == 10  # page 2 dropped …
    assert pager.take_wanted() == [0]
    assert pager.row(25) is None
    assert pager.take_wanted() == [2]
    assert pager.stale_row(25) == {"k": 25}  # … its rows are shown until it is read again
    pager.store_page(pager.generation, 2, {k: {"k": -k} for k in range(20, 30)})
    assert pager.row(25) == {"k": -25}
    assert pager.stale_row(25) is None
    assert pager.row_of_key(49) == 49


def test_offline_unlock_stores_a_verifier_not_the_password(tmp_path: Path) -> None:
    offline_unlock.remember_password(tmp_path, "ivanova", "http://cur:8000/", "Секрет-123")
    raw = (tmp_path / "unlock.json").read_text(encoding="utf-8")
    assert "Секрет-123" not in raw
    record = json.loads(raw)
    assert len(bytes.fromhex(record["salt"])) == 16
    assert offline_unlock.verify_offline(tmp_path, "ivanova", "Секрет-123")
    assert not offline_unlock.verify_offline(tmp_path, "ivanova", "секрет-123")
    assert not offline_unlock.verify_offline(tmp_path, "petrov", "Секрет-123")
    identity = offline_unlock.offline_identity(tmp_path)
    assert identity is not None
    assert identity.server_url == "http://cur:8000"
    # a fresh salt every time: the same password gives another record
    offline_unlock.remember_password(tmp_path, "ivanova", "http://cur:8000", "Секрет-123")
    assert (
        json.loads((tmp_path / "unlock.json").read_text(encoding="utf-8"))["salt"] != record["salt"]
    )
    (tmp_path / "unlock.json").write_text("{broken", encoding="utf-8")
    assert not offline_unlock.verify_offline(tmp_path, "ivanova", "Секрет-123")


def test_saved_views_spell_out_their_meaning() -> None:
    now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    mine = view_filter(SavedView.MINE, login="ivanova", now=now)
    assert mine.assignees == frozenset({"ivanova"})
    assert mine.statuses is not None
    assert Status.CLOSED not in mine.statuses
    assert view_filter(SavedView.NEW, login="x", now=now).statuses == frozenset({Status.NEW})
    assert view_filter(SavedView.OVERDUE, login="x", now=now).overdue
    assert view_filter(SavedView.AT_RISK, login="x", now=now).at_risk
    assert view_filter(SavedView.ALL, login="x", now=now).statuses is None


def test_timer_bands_on_the_working_clock() -> None:
    # Monday 2 March 2026, Moscow: working day 09:00-18:00 (the default hours)
    due = datetime(2026, 3, 2, 17, 0, tzinfo=MSK)
    row = {
        "status": Status.MODERATION,
        "current_due": due,
        "current_warn_at": due - timedelta(hours=2),
        "region_code": "RU-TUL",
    }
    calm = timer_for(row, datetime(2026, 3, 2, 10, 0, tzinfo=MSK))
    assert calm is not None
    assert calm.band is Band.OK
    assert calm.working == timedelta(hours=7) - _lunch(calm.working)
    warning = timer_for(row, datetime(2026, 3, 2, 15, 30, tzinfo=MSK))
    assert warning is not None
    assert warning.band is Band.WARNING
    late = timer_for(row, datetime(2026, 3, 2, 20, 0, tzinfo=MSK))
    assert late is not None
    assert late.band is Band.OVERDUE
    assert late.wall == timedelta(hours=-3)
    assert late.due_local.utcoffset() == timedelta(hours=3)
    assert timer_for({**row, "status": Status.CLOSED}, datetime.now(UTC)) is None
    assert timer_for({**row, "current_due": None}, datetime.now(UTC)) is None


def _lunch(working: timedelta) -> timedelta:
    """The default working day may hold a lunch break: allow exactly 0 or 1 hour of it."""
    gap = timedelta(hours=7) - working
    assert gap in (timedelta(0), timedelta(hours=1))
    return gap


def test_promise_date_is_working_days_ahead_in_region_time() -> None:
    now = datetime(2026, 3, 2, 10, 0, tzinfo=MSK)  # Monday
    promised = promise_date("RU-TUL", Source.VK, None, Priority.NORMAL, now)
    assert promised.tzinfo is not None
    assert promised.utcoffset() == timedelta(hours=3)
    # 7 working days after Mon 2 March: 3, 4, 5, 6, (7-8 weekend, 9 = 8 March moved off
    # Sunday), 10, 11, 12 -> Thursday 12 March
    assert promised.date() == datetime(2026, 3, 12).date()


@pytest.mark.parametrize("kind", list(AnswerKind))
def test_every_kind_has_a_title_free_template_list(kind: AnswerKind) -> None:
    assert isinstance(templates_for(kind, None), list)


def test_demo_roles_sign_in_the_operator_or_the_supervisor() -> None:
    from cur_desktop.demo.window_demo import demo_login
    from cur_desktop.demodata.generator import demo_regions

    region = demo_regions()[0]
    assert demo_login("operator") == (region.operators[0], region.code)
    assert demo_login("supervisor") == (
        f"{region.code.removeprefix('RU-').lower()}.supervisor",
        region.code,
    )


@pytest.mark.parametrize(
    ("argv", "window", "demo", "role"),
    [
        ([], True, False, "operator"),
        (["--demo"], True, True, "operator"),
        (["--demo", "--role", "supervisor"], True, True, "supervisor"),
        (["--demo", "--headless"], False, True, "operator"),
        (["status"], False, False, "operator"),
    ],
)
def test_command_line_decides_between_window_and_headless(
    monkeypatch: pytest.MonkeyPatch, argv: list[str], window: bool, demo: bool, role: str
) -> None:
    from cur_desktop import app, cli

    seen: list[app.Request] = []

    def fake_run(request: app.Request, **_kwargs: object) -> int:
        seen.append(request)
        return 0

    monkeypatch.setattr(app, "run", fake_run)
    assert cli.main(argv) == 0
    (request,) = seen
    assert (request.window, request.demo, request.role) == (window, demo, role)
