"""A small data set of RU-TUL counted by hand (the expected figures are in the docstrings).

March 2026 (Moscow's local month; the first incident is received at 00:30 on 1 March Moscow
time, still 28 February in UTC):

====  ==================  ========  ==========  =============  ========  ========================
id    received (MSK)      answered  operator    municipality   topic     status / note
====  ==================  ========  ==========  =============  ========  ========================
e     01.03 00:30         +2 h      ivanova     m-tula         roads     closed
a     02.03 09:00         +1 h      ivanova     m-tula         roads     closed
b     03.03 10:00         +3 h      petrov      m-tula         roads     closed
c     04.03 11:00         —         petrov      m-aleksin      housing   sent_to_executor, overdue
d     05.03 12:00         —         —           m-aleksin      —         rejected
====  ==================  ========  ==========  =============  ========  ========================

February 2026: f (10.02, +4 h, ivanova, m-tula), g (11.02, +6 h, petrov, m-aleksin).
Every incident but d has a first-answer due 8 h after receipt.

By hand, March: registered 5, rejected 1, answered 3 of 4 → processing 75,0 %; mean first
answer (1 + 3 + 2) / 3 = 2 ч 00 мин, median 2 ч 00 мин; overdue 1 of 4 (c) = 25,0 %.
February: 2 registered, mean (4 + 6) / 2 = 5 ч 00 мин, processing 100,0 %, overdue 0,0 %.
Changes: −3 ч 00 мин, −25,0 п. п., +25,0 п. п.
Operators in March: ivanova 2 incidents, mean 1 ч 30 мин, 100,0 %, 0 overdue; petrov 2,
3 ч 00 мин, 50,0 %, 1 overdue; nobody 1 (rejected), «—».

Open incidents for the board (received now − 1 h, not answered): h (ivanova, due in 30 min),
i (petrov, due 1 h ago); with c, the region has 3 open incidents: 2 overdue, 1 within the hour.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from cur_desktop.domain.enums import Priority, Source, Status
from tests.helpers.row_factories import make_row

MSK = timedelta(hours=3)


def _msk(day: int, month: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC) - MSK


def _row(  # noqa: PLR0917 (one table row of the docstring per call)
    key: str,
    received: datetime,
    answer_after: timedelta | None,
    assignee: str | None,
    municipality: str,
    topic: str | None,
    status: Status,
    *,
    source: Source = Source.VK,
    due: datetime | None = None,
) -> dict[str, Any]:
    rng = random.Random(key)
    return make_row(
        rng,
        id=f"00000000-0000-4000-8000-{ord(key[0]):012d}",
        received_at=received,
        first_answer_at=None if answer_after is None else received + answer_after,
        first_answer_due=due if due is not None else received + timedelta(hours=8),
        first_answer_warn_at=None,
        final_answer_due=None,
        final_answer_warn_at=None,
        assignee=assignee,
        municipality_id=municipality,
        topic_code=topic,
        executor_id=None,
        status=status,
        source=source,
        priority=Priority.NORMAL,
        has_interim=False,
        has_final=answer_after is not None,
        was_reworked=False,
        was_reopened=False,
        rating=None,
        text=f"Инцидент {key}: ремонт дороги во дворе",
    )


def hand_rows(now: datetime) -> dict[str, dict[str, Any]]:
    """The rows of the table in the module docstring, by their letter."""
    h = timedelta(hours=1)
    rows = {
        "e": _row("e", _msk(1, 3, 0, 30), 2 * h, "ivanova", "m-tula", "roads", Status.CLOSED),
        "a": _row("a", _msk(2, 3, 9), 1 * h, "ivanova", "m-tula", "roads", Status.CLOSED),
        "b": _row("b", _msk(3, 3, 10), 3 * h, "petrov", "m-tula", "roads", Status.CLOSED),
        "c": _row(
            "c",
            _msk(4, 3, 11),
            None,
            "petrov",
            "m-aleksin",
            "housing",
            Status.SENT_TO_EXECUTOR,
            source=Source.POS,
        ),
        "d": _row(
            "d", _msk(5, 3, 12), None, None, "m-aleksin", None, Status.REJECTED, source=Source.OK
        ),
        "f": _row("f", _msk(10, 2, 9), 4 * h, "ivanova", "m-tula", "roads", Status.CLOSED),
        "g": _row("g", _msk(11, 2, 9), 6 * h, "petrov", "m-aleksin", "roads", Status.CLOSED),
        "h": _row(
            "h",
            now - h,
            None,
            "ivanova",
            "m-tula",
            "roads",
            Status.NEW,
            due=now + timedelta(minutes=30),
        ),
        "i": _row("i", now - h, None, "petrov", "m-aleksin", "roads", Status.NEW, due=now - h),
    }
    rows["d"]["first_answer_due"] = None
    return rows
