"""Promises in Russian answers (domain rule) and the default reminder instant (services)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from cur_desktop.domain.promises import find_promise
from cur_desktop.services.reminders import default_remind_at, suggest_reminder

TODAY = date(2026, 12, 1)  # a Tuesday
MSK = ZoneInfo("Europe/Moscow")
VLAD = ZoneInfo("Asia/Vladivostok")


@pytest.mark.parametrize(
    ("text", "phrase", "due"),
    [
        ("Мы обязательно вернёмся к вашему вопросу после проверки.", "вернёмся", None),
        ("Вернемся с ответом после выезда специалиста.", "Вернемся", None),
        ("О результатах сообщим дополнительно.", "сообщим", None),
        ("РЕЗУЛЬТАТ ПРОВЕРКИ СООБЩИМ ПОЗДНЕЕ", "СООБЩИМ", None),
        ("Дополнительно проинформируем вас о сроках ремонта.", "проинформируем", None),
        ("Ответ будет направлен после выезда комиссии.", "Ответ будет направлен", None),
        ("Вы будете уведомлены о результатах.", "будете уведомлены", None),
        ("Сообщим о результатах до 3 марта 2027 года.", "Сообщим", date(2027, 3, 3)),
        ("Работы будут выполнены до 15 декабря.", "15 декабря", date(2026, 12, 15)),
        ("Яма будет заделана к 20 мая.", "20 мая", date(2027, 5, 20)),
        ("Ремонт завершат 10.01.2027.", "10.01.2027", date(2027, 1, 10)),
        ("Срок устранения — 15.12.", "15.12", date(2026, 12, 15)),
        ("Контейнер заменят 05.03.27", "05.03.27", date(2027, 3, 5)),
        ("Сегодня, 1 декабря, площадку убрали.", "1 декабря", date(2026, 12, 1)),
    ],
)
def test_promises_are_found_with_the_date_they_name(
    text: str, phrase: str, due: date | None
) -> None:
    found = find_promise(text, TODAY)
    assert found is not None
    assert found.phrase == phrase
    assert text[found.start : found.end] == phrase
    assert found.due == due


@pytest.mark.parametrize(
    "text",
    [
        "Мусор вывезен, контейнерная площадка убрана.",
        "Спасибо за обращение. Вопрос решён.",
        "Стоимость проезда 31.02 не изменится",  # not a date: 31 February
        "Дом 12.5 по улице Ленина",  # a house number, not a date
        "",
    ],
)
def test_texts_without_a_promise_offer_nothing(text: str) -> None:
    assert find_promise(text, TODAY) is None


def test_the_reminder_defaults_to_the_date_the_text_names_at_ten_region_time() -> None:
    now = datetime(2026, 12, 1, 12, 0, tzinfo=MSK)
    found = suggest_reminder("Ремонт выполнят до 15 декабря.", "RU-TUL", now)
    assert found is not None
    assert found.from_text is True
    assert found.remind_at == datetime(2026, 12, 15, 7, 0, tzinfo=UTC)  # 10:00 MSK


def test_without_a_date_the_reminder_is_the_next_working_day_ten_oclock() -> None:
    friday = datetime(2026, 12, 4, 16, 0, tzinfo=MSK)
    found = suggest_reminder("Вернёмся с ответом.", "RU-TUL", friday)
    assert found is not None
    assert found.from_text is False
    # Saturday and Sunday are skipped: Monday 7 December, 10:00 MSK = 07:00 UTC
    assert found.remind_at == datetime(2026, 12, 7, 7, 0, tzinfo=UTC)


def test_a_holiday_is_skipped_and_the_region_time_is_its_own() -> None:
    # Tuesday 3 November 2026; the 4th is Народного единства (a holiday)
    now = datetime(2026, 11, 3, 12, 0, tzinfo=MSK)
    assert default_remind_at("RU-TUL", now) == datetime(2026, 11, 5, 7, 0, tzinfo=UTC)
    # Vladivostok (UTC+10): 10:00 there is 00:00 UTC
    assert default_remind_at("RU-PRI", now) == datetime(2026, 11, 5, 0, 0, tzinfo=UTC)


def test_a_named_date_already_past_ten_falls_back_to_the_next_working_day() -> None:
    now = datetime(2026, 12, 1, 11, 0, tzinfo=MSK)
    found = suggest_reminder("Ответим дополнительно 1 декабря.", "RU-TUL", now)
    assert found is not None
    assert found.promise.due == date(2026, 12, 1)
    assert found.from_text is False
    assert found.remind_at == datetime(2026, 12, 2, 7, 0, tzinfo=UTC)
