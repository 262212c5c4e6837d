"""Promises in an answer: "we will come back", "we will inform you additionally", a date.

A promise in an answer to a resident is something the operator must keep; the answer editor
offers a reminder for it (docs/WINDOW.md, "Reminders"). :func:`find_promise` finds:

* a promise phrase: «вернёмся», «сообщим (дополнительно / позднее / о результатах)»,
  «проинформируем», «уведомим», «дополнительно ответим», «ответ будет направлен»,
  «будет сообщено»;
* a date: ``15.12.2026``, ``15.12``, «15 декабря», «15 декабря 2026 года»; without a year the
  next such date on or after ``today``.

Either one is a promise; the date, when named, is the default day of the reminder. Pure: no
clock (``today`` is given), no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

__all__ = ["Promise", "find_promise"]

_MONTHS: dict[str, int] = {
    "январ": 1,
    "феврал": 2,
    "март": 3,
    "апрел": 4,
    "ма": 5,
    "июн": 6,
    "июл": 7,
    "август": 8,
    "сентябр": 9,
    "октябр": 10,
    "ноябр": 11,
    "декабр": 12,
}
_MONTH_WORD = r"(января|февраля|марта|апреля|мая|июня|июля|августа|сентября|октября|ноября|декабря)"
_NUMERIC_DATE = re.compile(r"(?<![\d.])(\d{1,2})\.(\d{2})(?:\.(\d{4}|\d{2}))?(?![\d])")
_WORD_DATE = re.compile(rf"(?<!\d)(\d{{1,2}})\s+{_MONTH_WORD}(?:\s+(\d{{4}}))?", re.IGNORECASE)
_PHRASES = re.compile(
    r"\b("
    r"верн[её]мся"
    r"|сообщим"
    r"|проинформируем"
    r"|уведомим"
    r"|дополнительно\s+ответим"
    r"|ответим\s+дополнительно"
    r"|ответ\s+будет\s+(?:дан|направлен)"
    r"|будет\s+сообщено"
    r"|будете\s+(?:проинформированы|уведомлены)"
    r")\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Promise:
    """A promise found in a text: where it is and the date it names (if any)."""

    start: int
    end: int
    phrase: str
    due: date | None


def _resolve(day: int, month: int, year: int | None, today: date) -> date | None:
    try:
        if year is not None:
            return date(year if year >= 100 else 2000 + year, month, day)
        found = date(today.year, month, day)
        return found if found >= today else date(today.year + 1, month, day)
    except ValueError:  # 31.02, 00.13 …: not a date
        return None


def _first_date(text: str, today: date) -> tuple[int, int, date] | None:
    found: list[tuple[int, int, date]] = []
    for match in _NUMERIC_DATE.finditer(text):
        year = int(match.group(3)) if match.group(3) else None
        when = _resolve(int(match.group(1)), int(match.group(2)), year, today)
        if when is not None:
            found.append((match.start(), match.end(), when))
    for match in _WORD_DATE.finditer(text):
        word = match.group(2).lower()
        month = next(n for stem, n in _MONTHS.items() if word.startswith(stem))
        year = int(match.group(3)) if match.group(3) else None
        when = _resolve(int(match.group(1)), month, year, today)
        if when is not None:
            found.append((match.start(), match.end(), when))
    return min(found, default=None, key=lambda item: item[0])


def find_promise(text: str, today: date) -> Promise | None:
    """The first promise in ``text`` (see the module docstring), or ``None``.

    The span is the phrase's when there is one, else the date's; ``due`` is the first date
    the text names (on or after ``today`` when it names no year).
    """
    dated = _first_date(text, today)
    phrase = _PHRASES.search(text)
    if phrase is not None:
        return Promise(
            phrase.start(), phrase.end(), phrase.group(0), None if dated is None else dated[2]
        )
    if dated is not None:
        start, end, when = dated
        return Promise(start, end, text[start:end], when)
    return None
