"""Reference data as frozen value objects: regions, topics, subtopics and answer templates.

These classes hold data only; :mod:`cur_desktop.reference.data` reads them from
``resources/reference`` and validates them. Nothing here does I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

from cur_desktop.domain.enums import AnswerKind

FEDERAL_DISTRICTS: tuple[str, ...] = ("ЦФО", "СЗФО", "ЮФО", "СКФО", "ПФО", "УФО", "СФО", "ДФО")
"""The eight federal districts, by their usual Russian abbreviations."""


@dataclass(frozen=True, slots=True)
class Region:
    """A federal subject of the Russian Federation.

    ``iso_code`` is the ISO 3166-2:RU code (e.g. ``"RU-TUL"``) or, for the subjects ISO does
    not list under RU, a project code documented in docs/REFERENCE_DATA.md (e.g. ``"RU-SEV"``).
    ``population`` is ``None`` where Rosstat publishes no estimate.
    """

    iso_code: str
    okato: str
    name_ru: str
    short_name_ru: str
    federal_district: str
    timezone: str
    population: int | None


@dataclass(frozen=True, slots=True)
class Subtopic:
    """A subtopic of the topic catalogue; ``code`` is ``"<topic>.<sub>"`` (``"roads.potholes"``)."""

    code: str
    topic_code: str
    name_ru: str


@dataclass(frozen=True, slots=True)
class Topic:
    """A top-level topic of the catalogue (рубрикатор) with its subtopics.

    ``sort_order`` puts the leading topics (ЖКХ, дороги, благоустройство ...) first.
    """

    code: str
    name_ru: str
    sort_order: int
    subtopics: tuple[Subtopic, ...]

    def subtopic(self, code: str) -> Subtopic | None:
        """Return the subtopic with this full code, or ``None``."""
        for sub in self.subtopics:
            if sub.code == code:
                return sub
        return None


@dataclass(frozen=True, slots=True)
class AnswerTemplate:
    """A reply template with ``{variable}`` placeholders (see ``refdata.TEMPLATE_VARIABLES``).

    ``topic_code`` is ``None`` for a template that fits any topic.
    """

    code: str
    title: str
    kind: AnswerKind
    topic_code: str | None
    text: str
