"""Russian explanations of the answer quality findings (through the translation system)."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from cur_desktop.domain.answer_quality import FindingCode


def explain(code: FindingCode) -> str:
    """What is wrong and how to put it right, for the operator."""
    texts = {
        FindingCode.EMPTY: QCoreApplication.translate(
            "Quality",
            "The answer is too short to say anything: write what will be done, by whom and when.",
        ),
        FindingCode.STOCK_PHRASE_ONLY: QCoreApplication.translate(
            "Quality",
            'Only a stock phrase ("taken into work", "information passed on"): residents '
            "call this a brush-off. Say what exactly will be done and when.",
        ),
        FindingCode.NO_DATE: QCoreApplication.translate(
            "Quality",
            "No date or deadline: name a concrete date by which the problem will be solved "
            "or when it was solved.",
        ),
        FindingCode.SENDS_ELSEWHERE: QCoreApplication.translate(
            "Quality",
            "The answer sends the resident to another body. Forward the message yourself and "
            "tell the resident it has been done.",
        ),
        FindingCode.FULL_OFFICIAL_NAME: QCoreApplication.translate(
            "Quality", "Full official name of a law or a body: use the short, plain name instead."
        ),
        FindingCode.TOO_LONG: QCoreApplication.translate(
            "Quality",
            "The answer is long: short and informative answers are read; keep what the "
            "resident needs to know.",
        ),
        FindingCode.RATING_WITHOUT_SOLUTION: QCoreApplication.translate(
            "Quality",
            "Asks for a rating although nothing has been solved yet: ask for it only after "
            "the problem is solved.",
        ),
        FindingCode.NO_EVIDENCE: QCoreApplication.translate(
            "Quality",
            "Says the work was done but offers no proof: attach a photo or an act and mention it.",
        ),
        FindingCode.UNFILLED_PLACEHOLDER: QCoreApplication.translate(
            "Quality", "A template variable was left unfilled: replace it with the real value."
        ),
        FindingCode.UNFILLED_GAP: QCoreApplication.translate(
            "Quality",
            "A gap is left where the template did not know the value (highlighted in yellow): "
            "write the real value in its place or rephrase the sentence. "
            "The answer is not sent while a gap remains.",
        ),
    }
    return texts[code]
