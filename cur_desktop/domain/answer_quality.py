"""Quality check of an answer before it is sent: findings with stable codes, no wording.

The rules come from DOMAIN.md ("Quality of answers"): what regional centres return to executors
as an отписка. Each :class:`Finding` carries a :class:`FindingCode` and, where it points at a
piece of the text, the character span; the user interface explains every code in Russian
through its translation system (``ui/quality_texts.py``). Nothing here blocks sending: the
operator decides, the check only tells.

Rules (public answers only; an internal note is never checked):

* ``EMPTY`` — fewer than ``MIN_WORDS`` words: no substance;
* ``STOCK_PHRASE_ONLY`` — once greetings, signatures and stock phrases ("взято в работу",
  "информация передана", "уточним, вернёмся" ...) are removed, almost nothing is left;
* ``NO_DATE`` — an interim, solution or final answer names no date or term ("до 15 марта",
  "12.03", "завтра", "в течение 3 дней" ...);
* ``SENDS_ELSEWHERE`` — sends the resident to another body ("обратитесь в ...");
* ``FULL_OFFICIAL_NAME`` — quotes the full official name of a law or a body;
* ``TOO_LONG`` — longer than ``MAX_CHARS`` characters;
* ``RATING_WITHOUT_SOLUTION`` — asks for a rating although nothing was solved (an interim
  answer, or a text that says the problem could not be solved);
* ``NO_EVIDENCE`` — says work was done but offers no proof: when the caller says how many
  files are attached (``attachments``), none is attached (a photo or act only mentioned in
  the text does not count; one attached file is enough whatever the text says); when it does
  not say, the text mentions no photo or act;
* ``UNFILLED_PLACEHOLDER`` — a template ``{variable}`` was left in the text;
* ``UNFILLED_GAP`` — a gap the template filler left for a value it did not know
  (:func:`gap_marker`, e.g. «[укажите исполнителя]»).

The last two are :data:`MUST_FIX`: an answer holding them is not sent until they are filled
(the others ask for a confirmation only).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from enum import StrEnum

from cur_desktop.domain.enums import AnswerKind

log = logging.getLogger(__name__)

MIN_WORDS = 6
MAX_CHARS = 1200
STOCK_REST_WORDS = 4
"""At most this many words may remain after stock phrases are removed for STOCK_PHRASE_ONLY."""


class FindingCode(StrEnum):
    """What is wrong with an answer; the UI explains each code in Russian."""

    EMPTY = "empty"
    STOCK_PHRASE_ONLY = "stock_phrase_only"
    NO_DATE = "no_date"
    SENDS_ELSEWHERE = "sends_elsewhere"
    FULL_OFFICIAL_NAME = "full_official_name"
    TOO_LONG = "too_long"
    RATING_WITHOUT_SOLUTION = "rating_without_solution"
    NO_EVIDENCE = "no_evidence"
    UNFILLED_PLACEHOLDER = "unfilled_placeholder"
    UNFILLED_GAP = "unfilled_gap"


MUST_FIX = frozenset({FindingCode.UNFILLED_PLACEHOLDER, FindingCode.UNFILLED_GAP})
"""Findings that keep a public answer from being sent: text meant for the operator, not the
resident, would be published."""

GAP_OPEN = "[укажите "
"""How a gap for an unknown template value starts: ``[укажите исполнителя]``."""


def gap_marker(what: str) -> str:
    """The visible gap left where a template value is unknown (``what``: accusative Russian)."""
    return f"{GAP_OPEN}{what}]"


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem found; ``start``/``end`` is the span it refers to (``None``: the whole text)."""

    code: FindingCode
    start: int | None = None
    end: int | None = None

    @property
    def fragment_span(self) -> tuple[int, int] | None:
        """The span as a pair, when the finding points at a fragment."""
        if self.start is None or self.end is None:
            return None
        return self.start, self.end


_I = re.IGNORECASE | re.UNICODE
_WORD = re.compile(r"[^\W_]+", _I)
_MONTHS = (
    r"январ[ьяе]|феврал[ьяе]|март[ае]?|апрел[ьяе]|ма[йяе]|июн[ьяе]|июл[ьяе]|август[ае]?|"
    r"сентябр[ьяе]|октябр[ьяе]|ноябр[ьяе]|декабр[ьяе]"
)
_DATE = re.compile(
    r"\b\d{1,2}[./]\d{1,2}(?:[./]\d{2,4})?\b"  # 12.03, 12.03.2026
    rf"|\b\d{{1,2}}\s+(?:{_MONTHS})\b"  # 15 марта
    r"|\b(?:сегодня|завтра|послезавтра)\b"
    r"|\b(?:в\s+)?(?:понедельник|вторник|сред[ау]|четверг|пятниц[ау]|суббот[ау]|воскресенье)\b"
    r"|\bв\s+течение\s+(?:\d+|одного|двух|трёх|трех|пяти|недели|месяца|дня|суток)"
    r"|\bдо\s+конца\s+(?:недели|месяца|года|дня|квартала)"
    r"|\b(?:на|к)\s+(?:этой|следующей)\s+неделе\b"
    rf"|\bв\s+(?:{_MONTHS})\b"
    r"|\b20\d\d\s*(?:г\.|год)",
    _I,
)
_SENDS_ELSEWHERE = re.compile(
    r"\b(?:обратитесь|обращайтесь|(?:вам\s+)?(?:необходимо|нужно|следует|рекомендуем|"
    r"рекомендуется|предлагаем)\s+обратиться|направьте\s+(?:ваше\s+)?(?:обращение|заявление|"
    r"жалобу)|позвоните\s+в)\b",
    _I,
)
_FULL_NAME = re.compile(
    r"\bФедеральн\w+\s+закон\w*\s+от\s+\d"  # Федеральный закон от 02.05.2006 № 59-ФЗ
    r"|\b(?:Государственное|Муниципальное|Федеральное)\s+(?:бюджетное|казённое|казенное|"
    r"автономное|унитарное)\s+(?:учреждение|предприятие)"
    r"|\bОбщество\s+с\s+ограниченной\s+ответственностью"
    r"|\bПубличное\s+акционерное\s+общество"
    r"|\bМинистерство\s+[\w\s,-]{0,80}?\s+Российской\s+Федерации"
    r"|\bпостановлени\w+\s+(?:Правительства|администрации)\s+[\w\s-]{0,60}?\s+от\s+\d",
    _I,
)
_RATING = re.compile(
    r"\b(?:оцените|поставьте\s+(?:оценку|нам\s+оценку|\d)|просим\s+оценить|"
    r"оценку\s+(?:ответ|работ)\w*|не\s+забудьте\s+оценить)",
    _I,
)
_NOT_SOLVED = re.compile(
    r"\b(?:не\s+удалось|невозможно|не\s+представляется\s+возможным|нет\s+возможности|"
    r"не\s+будет\s+(?:выполнен|сделан)\w*|отказано)",
    _I,
)
_WORK_DONE = re.compile(
    r"\b(?:работы?\s+(?:проведен|выполнен|завершен|заверш[её]н)\w*|"
    r"(?:проведен|выполнен|устранен|устранён|отремонтирован|заделан|убран|вывезен)\w*)",
    _I,
)
_EVIDENCE = re.compile(r"\b(?:фото\w*|фотографи\w*|снимк\w*|акт\w*|видео\w*)\b", _I)
_PLACEHOLDER = re.compile(r"\{[^{}\s]{1,40}\}")
_GAP = re.compile(re.escape(GAP_OPEN) + r"[^\[\]\n]{1,60}\]")
_STOCK = re.compile(
    r"(?:ваше\s+)?(?:обращение|сообщение|вопрос)?\s*(?:взят[оа]?\s+в\s+работу|"
    r"принят[оа]?\s+в\s+работу|(?:информация|ваше\s+сообщение|сообщение|обращение)\s+передан[оа]?"
    r"(?:\s+(?:в|исполнителю|ответственным)\s*[\w\s«»\"-]{0,60})?|уточним\s*,?\s*вернёмся|"
    r"уточним\s*,?\s*вернемся|вернёмся\s+с\s+ответом|вернемся\s+с\s+ответом|"
    r"(?:вопрос\s+)?(?:находится\s+)?на\s+контроле|рассматривается|будет\s+рассмотрен[оа]?|"
    r"ожидайте(?:\s+ответа)?|спасибо\s+за\s+(?:обращение|сообщение)|"
    r"(?:добрый\s+(?:день|вечер)|здравствуйте|доброе\s+утро)|с\s+уважением[\w\s,]*|ЦУР)",
    _I,
)


def _words(text: str) -> list[str]:
    return _WORD.findall(text)


def _span(match: re.Match[str] | None, code: FindingCode) -> Finding | None:
    if match is None:
        return None
    return Finding(code, match.start(), match.end())


def check_answer(text: str, kind: AnswerKind, *, attachments: int | None = None) -> list[Finding]:
    """Return the findings of ``text`` as an answer of ``kind`` (empty: nothing to say).

    ``attachments``: how many evidence files go with the answer (``None``: not known, the
    text alone decides ``NO_EVIDENCE``).
    """
    if not kind.is_public:
        return []
    findings: list[Finding] = []
    stripped = text.strip()
    words = _words(stripped)
    if len(words) < MIN_WORDS:
        findings.append(Finding(FindingCode.EMPTY))
    else:
        rest = _words(_STOCK.sub(" ", stripped))
        if len(rest) <= STOCK_REST_WORDS:
            findings.append(Finding(FindingCode.STOCK_PHRASE_ONLY))
    for match in _PLACEHOLDER.finditer(text):
        findings.append(Finding(FindingCode.UNFILLED_PLACEHOLDER, match.start(), match.end()))
    for match in _GAP.finditer(text):
        findings.append(Finding(FindingCode.UNFILLED_GAP, match.start(), match.end()))
    if words and _DATE.search(text) is None:
        findings.append(Finding(FindingCode.NO_DATE))
    for match in _SENDS_ELSEWHERE.finditer(text):
        findings.append(Finding(FindingCode.SENDS_ELSEWHERE, match.start(), match.end()))
    for match in _FULL_NAME.finditer(text):
        findings.append(Finding(FindingCode.FULL_OFFICIAL_NAME, match.start(), match.end()))
    if len(stripped) > MAX_CHARS:
        findings.append(Finding(FindingCode.TOO_LONG))
    rating = _RATING.search(text)
    if rating is not None and (kind is AnswerKind.INTERIM or _NOT_SOLVED.search(text)):
        found = _span(rating, FindingCode.RATING_WITHOUT_SOLUTION)
        assert found is not None
        findings.append(found)
    done = _WORK_DONE.search(text)
    unproven = _EVIDENCE.search(text) is None if attachments is None else attachments == 0
    if done is not None and kind is not AnswerKind.INTERIM and unproven:
        found = _span(done, FindingCode.NO_EVIDENCE)
        assert found is not None
        findings.append(found)
    log.debug("answer check: %d findings", len(findings))
    return findings


__all__ = ["MAX_CHARS", "MIN_WORDS", "Finding", "FindingCode", "check_answer"]
