"""The answer quality check: each rule of DOMAIN.md ("Quality of answers") on real phrasing."""

from __future__ import annotations

import pytest

from cur_desktop.domain.answer_quality import FindingCode, check_answer
from cur_desktop.domain.enums import AnswerKind

GOOD_INTERIM = (
    "Анна, здравствуйте! Яму у дома 5 на улице Ленина заделает дорожная служба до 15 марта. "
    "Пока участок обозначат знаком. После ремонта пришлём фото."
)
GOOD_FINAL = (
    "Анна, добрый день! Дорожная служба заделала яму у дома 5 на улице Ленина 12.03. "
    "Фото после ремонта прикладываем. Спасибо, что сообщили."
)


def codes(text: str, kind: AnswerKind) -> set[FindingCode]:
    return {f.code for f in check_answer(text, kind)}


def test_good_answers_have_no_findings() -> None:
    assert codes(GOOD_INTERIM, AnswerKind.INTERIM) == set()
    assert codes(GOOD_FINAL, AnswerKind.FINAL) == set()


def test_internal_notes_are_never_checked() -> None:
    assert check_answer("взято", AnswerKind.INTERNAL_NOTE) == []


@pytest.mark.parametrize(
    ("text", "kind", "code"),
    [
        ("Взято в работу.", AnswerKind.INTERIM, FindingCode.EMPTY),
        (
            "Здравствуйте! Ваше обращение взято в работу. Информация передана исполнителю.",
            AnswerKind.INTERIM,
            FindingCode.STOCK_PHRASE_ONLY,
        ),
        (
            "Здравствуйте! Уточним, вернёмся. Спасибо за обращение. С уважением, ЦУР",
            AnswerKind.INTERIM,
            FindingCode.STOCK_PHRASE_ONLY,
        ),
        (
            "Анна, здравствуйте! Дорожная служба заделает яму у дома 5, мы проследим.",
            AnswerKind.INTERIM,
            FindingCode.NO_DATE,
        ),
        (
            "Здравствуйте! По вопросу отопления обратитесь в управляющую компанию до 5 марта.",
            AnswerKind.SOLUTION,
            FindingCode.SENDS_ELSEWHERE,
        ),
        (
            "Здравствуйте! Вам необходимо обратиться в администрацию района до 10.04.",
            AnswerKind.SOLUTION,
            FindingCode.SENDS_ELSEWHERE,
        ),
        (
            "В соответствии с Федеральный закон от 02.05.2006 № 59-ФЗ ответ дан до 12.03, "
            "фото приложено, работы по ремонту назначены.",
            AnswerKind.FINAL,
            FindingCode.FULL_OFFICIAL_NAME,
        ),
        (
            "Муниципальное бюджетное учреждение «Благоустройство» проверит двор до 1 мая.",
            AnswerKind.INTERIM,
            FindingCode.FULL_OFFICIAL_NAME,
        ),
        (
            "Анна, здравствуйте! Заявку передали в УК, ремонт начнут до 20 марта. "
            "Оцените, пожалуйста, наш ответ.",
            AnswerKind.INTERIM,
            FindingCode.RATING_WITHOUT_SOLUTION,
        ),
        (
            "Анна, к сожалению, отремонтировать крышу не удалось до 20 марта из-за погоды. "
            "Поставьте оценку нашей работе.",
            AnswerKind.FINAL,
            FindingCode.RATING_WITHOUT_SOLUTION,
        ),
        (
            "Анна, добрый день! Работы выполнены 12 марта, двор убран, мусор вывезен.",
            AnswerKind.FINAL,
            FindingCode.NO_EVIDENCE,
        ),
        (
            "{author}, здравствуйте! Сотрудники {executor} выедут на место до 15 марта.",
            AnswerKind.INTERIM,
            FindingCode.UNFILLED_PLACEHOLDER,
        ),
    ],
)
def test_each_rule_finds_its_problem(text: str, kind: AnswerKind, code: FindingCode) -> None:
    assert code in codes(text, kind)


def test_too_long_answer() -> None:
    text = GOOD_INTERIM + " Подробности ремонта." * 80
    assert FindingCode.TOO_LONG in codes(text, AnswerKind.INTERIM)
    assert FindingCode.TOO_LONG not in codes(GOOD_INTERIM, AnswerKind.INTERIM)


def test_fragment_spans_point_at_the_phrase() -> None:
    text = "Здравствуйте! По этому вопросу обратитесь в УК «Дом» до 5 марта, она поможет."
    (finding,) = [
        f for f in check_answer(text, AnswerKind.SOLUTION) if f.code is FindingCode.SENDS_ELSEWHERE
    ]
    assert finding.fragment_span is not None
    start, end = finding.fragment_span
    assert text[start:end] == "обратитесь"


def test_a_rating_request_after_a_solution_is_fine() -> None:
    text = GOOD_FINAL + " Оцените, пожалуйста, наш ответ."
    assert FindingCode.RATING_WITHOUT_SOLUTION not in codes(text, AnswerKind.FINAL)


def test_an_attached_photo_or_act_is_the_evidence_a_done_work_needs() -> None:
    done = "Здравствуйте! Мусор вывезен 3 марта, контейнерная площадка убрана."
    mentioned = "Здравствуйте! Мусор вывезен 3 марта, фото прилагаем."
    codes = {
        (text, n): {f.code for f in check_answer(text, AnswerKind.SOLUTION, attachments=n)}
        for text in (done, mentioned)
        for n in (None, 0, 1)
    }
    assert FindingCode.NO_EVIDENCE in codes[done, None]  # the text alone: no proof named
    assert FindingCode.NO_EVIDENCE not in codes[mentioned, None]  # the text names a photo
    assert FindingCode.NO_EVIDENCE in codes[done, 0]
    assert FindingCode.NO_EVIDENCE in codes[mentioned, 0]  # named, but nothing attached
    assert FindingCode.NO_EVIDENCE not in codes[done, 1]
    assert FindingCode.NO_EVIDENCE not in codes[mentioned, 1]
