"""Answer templates for the editor: which fit an incident, and their text with variables filled.

Templates live in ``resources/reference/answer_templates.json`` (read by
:mod:`cur_desktop.reference.data`) and use English variable names (``{author}``,
``{executor}``, ``{date}``, ``{municipality}``, ``{topic}``, ``{operator}``). Operators also
write their own text with the Russian names of the same variables — ``{имя}``,
``{исполнитель}``, ``{срок}``, ``{муниципалитет}``, ``{тема}``, ``{оператор}`` — and
:func:`fill_variables` fills both spellings.

A value that is not known is never left as a raw ``{placeholder}`` (see docs/WINDOW.md,
"Templates"):

* the resident's name: the greeting goes without it («{имя}, здравствуйте!» →
  «Здравствуйте!»), the neutral wording every centre uses for an anonymous post;
* anything else (an incident without an executor yet, no municipality, a variable the
  filler does not know): a visible gap «[укажите исполнителя]» (see
  :func:`~cur_desktop.domain.answer_quality.gap_marker`), highlighted in the editor; the
  quality check names it (``UNFILLED_GAP``) and the answer is not sent until it is filled.
  A neutral wording there («ответственная организация») would hide exactly what the
  resident asks: who acts, where, by when.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from cur_desktop.domain.answer_quality import gap_marker
from cur_desktop.domain.enums import AnswerKind
from cur_desktop.domain.reference_types import AnswerTemplate
from cur_desktop.reference.data import load_answer_templates

log = logging.getLogger(__name__)

RUSSIAN_NAMES: Mapping[str, str] = {
    "имя": "author",
    "исполнитель": "executor",
    "срок": "date",
    "муниципалитет": "municipality",
    "тема": "topic",
    "оператор": "operator",
}
"""Russian variable names and the template variable each one stands for."""

_PLACEHOLDER = re.compile(r"\{([^{}\s]{1,40})\}")
_NAME_IN_GREETING = re.compile(r"\{(?:author|имя)\},\s*(\w)", re.IGNORECASE)
"""``{имя}, здравствуйте`` at a greeting: dropped with its comma when the name is unknown."""

GAP_WORDS: Mapping[str, str] = {
    "author": "имя жителя",
    "executor": "исполнителя",
    "date": "срок",
    "municipality": "муниципалитет",
    "topic": "тему",
    "operator": "подпись",
}
"""What a gap asks for, by English variable name (accusative, after «укажите»)."""
_MONTHS_GENITIVE = (
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
)


@dataclass(frozen=True, slots=True)
class TemplateContext:
    """What the variables of a template are filled with (``None``: not known yet)."""

    author: str | None = None
    executor: str | None = None
    due_local: datetime | None = None
    municipality: str | None = None
    topic: str | None = None
    operator: str | None = None

    def values(self) -> dict[str, str]:
        """The known values by English variable name."""
        raw = {
            "author": self.author,
            "executor": self.executor,
            "date": None if self.due_local is None else russian_date(self.due_local),
            "municipality": self.municipality,
            "topic": self.topic,
            "operator": self.operator,
        }
        return {k: v for k, v in raw.items() if v}


def russian_date(value: datetime) -> str:
    """``15 марта`` (the year only when it is not the current one of ``value``'s zone)."""
    now_year = datetime.now(value.tzinfo).year
    text = f"{value.day} {_MONTHS_GENITIVE[value.month - 1]}"
    return text if value.year == now_year else f"{text} {value.year} г."


def fill_variables(text: str, context: TemplateContext) -> str:
    """Replace ``{variable}`` (English or Russian name) by its value (see the module docstring).

    An unknown name in a greeting is dropped; any other unknown value becomes a visible gap.
    """
    values = context.values()
    if "author" not in values:
        text = _NAME_IN_GREETING.sub(lambda m: m.group(1).upper(), text)

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        key = RUSSIAN_NAMES.get(name.lower(), name)
        if key in values:
            return values[key]
        return gap_marker(GAP_WORDS.get(key, f"значение «{name}»"))

    return _PLACEHOLDER.sub(replace, text)


def templates_for(kind: AnswerKind, topic_code: str | None) -> list[AnswerTemplate]:
    """Templates of ``kind`` that fit the topic: the topic's own first, then general ones."""
    fitting = [
        t
        for t in load_answer_templates()
        if t.kind is kind and (t.topic_code is None or t.topic_code == topic_code)
    ]
    fitting.sort(key=lambda t: (t.topic_code is None, t.title))
    return fitting


def all_templates() -> list[AnswerTemplate]:
    """Every template, for a kind-less list."""
    return list(load_answer_templates())


__all__ = [
    "GAP_WORDS",
    "RUSSIAN_NAMES",
    "TemplateContext",
    "all_templates",
    "fill_variables",
    "russian_date",
    "templates_for",
]
