"""Every statistics figure in one place: its key, Russian label, unit and definition.

The Статистика tab (cards and its help panel), the exports (XLSX, CSV, PDF), the command-line
report and the federal rating all take names and definitions from :data:`FIGURES`; the values
come from :mod:`cur_desktop.domain.metrics` or the SQL proven equal to it
(:mod:`cur_desktop.storage.stats`, :mod:`cur_desktop.storage.stats_groups`). The texts are
Russian data (like the domain's period titles), shown as they are in every language of the
window, because a report handed to the head of a region must say exactly the same thing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum

log = logging.getLogger(__name__)


class Unit(StrEnum):
    """How a figure is written."""

    COUNT = "count"
    DURATION = "duration"  # h:mm, rounded to the minute
    PERCENT = "percent"  # one decimal
    PER_THOUSAND = "per_thousand"  # one decimal


@dataclass(frozen=True, slots=True)
class Figure:
    """One statistics figure: ``lower_is_better`` says which way a change is good."""

    key: str
    label: str
    unit: Unit
    definition: str
    lower_is_better: bool = False


FIGURES: tuple[Figure, ...] = (
    Figure(
        "registered",
        "Зарегистрировано инцидентов",
        Unit.COUNT,
        "Инциденты, поступившие в периоде (по местному времени региона), включая отклонённые.",
    ),
    Figure(
        "mean_first_answer",
        "Среднее время первичного ответа",
        Unit.DURATION,
        "Среднее от «время первого публичного ответа − время регистрации» по инцидентам, "
        "зарегистрированным в периоде и получившим первичный ответ (решение или промежуточный "
        "ответ «взято в работу»); отклонённые не учитываются. Округляется до минуты.",
        lower_is_better=True,
    ),
    Figure(
        "median_first_answer",
        "Медиана времени первичного ответа",
        Unit.DURATION,
        "Медиана тех же длительностей: половина ответов дана быстрее, половина — дольше; при "
        "чётном числе — среднее двух средних значений.",
        lower_is_better=True,
    ),
    Figure(
        "mean_first_answer_working",
        "Среднее время первичного ответа, рабочее время",
        Unit.DURATION,
        "То же среднее, но считаются только рабочие часы региона (его часовой пояс, график и "
        "производственный календарь с переносами праздников).",
        lower_is_better=True,
    ),
    Figure(
        "median_first_answer_working",
        "Медиана времени первичного ответа, рабочее время",
        Unit.DURATION,
        "Медиана времени первичного ответа в рабочих часах региона.",
        lower_is_better=True,
    ),
    Figure(
        "processing_share",
        "Доля обработки",
        Unit.PERCENT,
        "Инциденты с первичным ответом ÷ зарегистрированные инциденты (без отклонённых), %.",
    ),
    Figure(
        "per_thousand",
        "Инцидентов на 1000 жителей",
        Unit.PER_THOUSAND,
        "Число инцидентов периода (без отклонённых: дубли, спам) ÷ численность населения "
        "региона (оценка Росстата) × 1000.",
    ),
    Figure(
        "overdue_share",
        "Доля просроченных",
        Unit.PERCENT,
        "Из инцидентов со сроком первичного ответа (без отклонённых): ответ дан позже срока "
        "или не дан, а срок уже прошёл, %.",
        lower_is_better=True,
    ),
    Figure(
        "interim_only_share",
        "Только промежуточный ответ",
        Unit.PERCENT,
        "Из инцидентов с первичным ответом: дан промежуточный ответ, окончательного ещё нет, %.",
        lower_is_better=True,
    ),
    Figure(
        "rework_share",
        "Доля доработок",
        Unit.PERCENT,
        "Инциденты, ответ по которым хотя бы раз возвращали исполнителю на доработку, "
        "из всех без отклонённых, %.",
        lower_is_better=True,
    ),
    Figure(
        "reopened_share",
        "Доля повторно открытых",
        Unit.PERCENT,
        "Инциденты, повторно открытые (житель не удовлетворён), из всех без отклонённых, %.",
        lower_is_better=True,
    ),
)

FIGURE_BY_KEY = {f.key: f for f in FIGURES}

CHANGE_RULE = (
    "Изменение считается по показателям в том виде, в каком они показаны: время — "
    "округлённое до минуты, доли и значения на 1000 жителей — до десятых. Поэтому "
    "3 ч 41 мин → 3 ч 03 мин — это −38 мин на каждом экране, в выгрузке и в рейтинге. "
    "Сравнение — с предыдущим периодом той же длины (день, неделя, месяц, квартал, год)."
)
PERIOD_RULE = (
    "Периоды — местные сутки, недели, месяцы, кварталы и годы региона: инцидент, "
    "поступивший 1 марта в 05:00 по камчатскому времени, относится к марту, хотя в Москве "
    "ещё февраль."
)

__all__ = ["CHANGE_RULE", "FIGURES", "FIGURE_BY_KEY", "PERIOD_RULE", "Figure", "Unit"]
