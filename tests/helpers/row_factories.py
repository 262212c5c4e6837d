"""Deterministic incident rows for the storage tests (no Faker: fast and reproducible)."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from cur_desktop.domain.enums import Priority, Source, Status
from cur_desktop.server import deadline_policy

T0 = datetime(2026, 3, 1, tzinfo=UTC)
MUNICIPALITIES = ("m-tula", "m-aleksin", "m-efremov", "m-novomoskovsk")
TOPICS = ("roads", "housing", "health", "transport", None)
ASSIGNEES = ("ivanova", "petrov", None)
WORDS = (
    "жители",
    "жалуются",
    "двор",
    "подъезд",
    "мусор",
    "свет",
    "отопление",
    "автобус",
    "поликлиника",
    "школа",
    "снег",
    "лавочка",
)


def make_row(rng: random.Random | None = None, **overrides: Any) -> dict[str, Any]:
    """One incident row keyed by ``incident`` column names."""
    rng = rng or random.Random()
    received = T0 + timedelta(minutes=rng.randrange(0, 60 * 24 * 60))
    status = rng.choice(list(Status))
    answered = status not in (Status.NEW, Status.MODERATION, Status.REJECTED) or rng.random() < 0.1
    due = received + timedelta(hours=8) if rng.random() < 0.9 else None
    first_answer_at = received + timedelta(minutes=rng.randrange(5, 900)) if answered else None
    has_interim = answered and rng.random() < 0.4
    row: dict[str, Any] = {
        "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "source": rng.choice(list(Source)),
        "external_id": f"post-{rng.getrandbits(40)}",
        "link": "https://vk.com/wall-1_2",
        "author": rng.choice(("Анна Смирнова", "Пётр", "")),
        "text": " ".join(rng.choice(WORDS) for _ in range(rng.randrange(3, 15))),
        "received_at": received,
        "region_code": "RU-TUL",
        "municipality_id": rng.choice(MUNICIPALITIES),
        "topic_code": rng.choice(TOPICS),
        "executor_id": rng.choice(("ex-1", "ex-2", None)),
        "assignee": rng.choice(ASSIGNEES),
        "priority": rng.choice(list(Priority)),
        "status": status,
        "first_answer_at": first_answer_at,
        "first_answer_due": due,
        "first_answer_warn_at": due - timedelta(hours=2) if due else None,
        "final_answer_due": received + timedelta(days=7) if has_interim else None,
        "final_answer_warn_at": received + timedelta(days=6) if has_interim else None,
        "version": rng.randrange(1, 5),
        "updated_at": received + timedelta(hours=1),
        "has_interim": has_interim,
        "has_final": has_interim and rng.random() < 0.5,
        "was_reworked": rng.random() < 0.1,
        "was_reopened": rng.random() < 0.05,
        "rating": rng.choice((None, None, 1, 3, 4, 5)),
    }
    row.update(overrides)
    instants = (row["received_at"], row["first_answer_at"])
    if (
        all(isinstance(i, datetime) and i.tzinfo is not None for i in instants)
        and "first_answer_working_us" not in overrides
    ):
        # what the server caches when the first answer is known, by the server's own function
        row["first_answer_working_us"] = deadline_policy.working_time_us(
            row["region_code"], row["received_at"], row["first_answer_at"]
        )
    return row


def make_unanswered_row(
    rng: random.Random, due: datetime | None, **overrides: Any
) -> dict[str, Any]:
    """An incident waiting for its first answer, due at ``due`` (its current deadline)."""
    fields: dict[str, Any] = {
        "first_answer_at": None,
        "first_answer_due": due,
        "first_answer_warn_at": None,
        "final_answer_due": None,
        "final_answer_warn_at": None,
        "has_interim": False,
        "has_final": False,
        **overrides,
    }
    return make_row(rng, **fields)


def make_rows(n: int, seed: int = 1, **overrides: Any) -> list[dict[str, Any]]:
    """``n`` rows from a seeded generator."""
    rng = random.Random(seed)
    return [make_row(rng, **overrides) for _ in range(n)]
