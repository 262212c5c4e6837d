"""Registering an incident by hand, offline, and the duplicates a card lists (real local store).

Hand computation of the provisional deadlines (RU-TUL, Europe/Moscow, UTC+3; working day
09:00–18:00, lunch 13:00–14:00; the default rule for source ``other``: first answer in 8
working hours capped at 24 calendar hours, moderation by the end of the next working day):
received Friday 2026-03-06 17:30 local; Sunday 8 March's day off moves to Monday 9 March, so
the next working day is Tuesday 10 March. First answer: the 24-hour cap, Saturday 7 March
17:30 local = 14:30 UTC, comes before the 8 working hours (Tuesday 17:30). Moderation: Tuesday
10 March 18:00 local = 15:00 UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

import pytest

from cur_desktop.domain.enums import RejectReason, Source, Status
from cur_desktop.services import OperationError, Workstation
from cur_desktop.services.views import InboxPage, IncidentDetail
from cur_desktop.storage.inbox import InboxFilter, InboxSort
from tests.helpers.wire_factories import incident
from tests.services.conftest import Seed
from tests.services.test_operations import run

T = TypeVar("T")
MSK = ZoneInfo("Europe/Moscow")
RECEIVED = datetime(2026, 3, 6, 17, 30, tzinfo=MSK)
FIRST_DUE = datetime(2026, 3, 7, 14, 30, tzinfo=UTC)
MODERATION_DUE = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)


def test_a_call_registered_offline_has_provisional_deadlines_computed_by_hand(
    seeded_profile: Seed,
) -> None:
    async def body(station: Workstation) -> tuple[str, IncidentDetail, InboxPage]:
        changes = await station.register_incident(
            "phone",
            "  В подъезде дома 12 не работает лифт  ",
            author="Петрова Мария",
            contact="+7 900 123-45-67",
            received_at=RECEIVED,
            topic_code="zhkh",
        )
        (key,) = changes.incident_ids
        assert changes.mutation_ids == (1,)
        detail = await station.incident(key)
        page = await station.inbox_page(InboxFilter(), InboxSort.DUE_ASC)
        return key, detail, page

    key, detail, page = run(seeded_profile(), body)
    assert detail.provisional is True
    assert detail.channel == "phone"
    inc = detail.incident
    assert inc.region_code == "RU-TUL"
    assert inc.source is Source.OTHER
    assert inc.external_id == f"phone:{key}"
    assert inc.text == "В подъезде дома 12 не работает лифт"
    assert inc.link == "+7 900 123-45-67"
    assert inc.status is Status.NEW
    assert inc.first_answer_due == FIRST_DUE
    assert inc.moderation_due == MODERATION_DUE
    assert detail.current_due == FIRST_DUE
    assert [p.name for p in detail.pending] == ["incident.register"]
    (row,) = page.rows
    assert row.id == key
    assert row.provisional is True
    assert row.current_due == FIRST_DUE


@pytest.mark.parametrize(
    ("kwargs", "says"),
    [
        ({"region_code": "RU-SAM"}, "только в своём регионе"),
        ({"text": "   "}, "Введите текст"),
        ({"received_at": datetime.now(UTC) + timedelta(hours=2)}, "в будущем"),
        ({"channel": "fax"}, "Неизвестный канал"),
        ({"topic_code": "no-such-topic"}, "Неизвестная тема"),
        ({"municipality_id": "nowhere"}, "не найден"),
    ],
)
def test_a_wrong_registration_is_refused_in_russian_and_writes_nothing(
    seeded_profile: Seed, kwargs: dict[str, object], says: str
) -> None:
    args: dict[str, object] = {"channel": "visit", "text": "Пришла лично: нет отопления"}
    args.update(kwargs)

    async def body(station: Workstation) -> tuple[str, int]:
        with pytest.raises(OperationError) as refused:
            await station.register_incident(**args)  # type: ignore[arg-type]
        status = await station.sync_status()
        return refused.value.message, status.pending

    message, pending = run(seeded_profile(), body)
    assert says in message
    assert pending == 0


def test_the_card_lists_the_duplicates_merged_into_an_incident(seeded_profile: Seed) -> None:
    primary = incident(status=Status.MODERATION, text="Яма на дороге у школы")
    first = incident(status=Status.NEW, text="Опять яма у школы, колесо пробил", author="Олег")
    second = incident(status=Status.NEW, text="У школы яма уже месяц", author="Ирина")
    other = incident(status=Status.NEW, text="Не вывозят мусор")

    async def body(station: Workstation) -> tuple[IncidentDetail, IncidentDetail, IncidentDetail]:
        await station.merge_duplicate(str(first.id), str(primary.id))
        await station.merge_duplicate(str(second.id), str(primary.id))
        return (
            await station.incident(str(primary.id)),
            await station.incident(str(first.id)),
            await station.incident(str(other.id)),
        )

    main, dup, unrelated = run(seeded_profile(primary, first, second, other), body)
    listed = main.duplicates
    assert [d.id for d in listed] == [str(first.id), str(second.id)]
    assert [d.author for d in listed] == ["Олег", "Ирина"]
    assert listed[0].preview == "Опять яма у школы, колесо пробил"
    assert dup.incident.reject_reason is RejectReason.DUPLICATE
    assert dup.duplicates == []
    assert unrelated.duplicates == []
