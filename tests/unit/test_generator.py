"""The demo data generator: deterministic, valid, realistic and internally consistent rows."""

from __future__ import annotations

import random
import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from cur_desktop.contract.wire import ExecutorWire, IncidentWire, MunicipalityWire
from cur_desktop.demodata.generator import (
    INCIDENT_COLUMNS,
    LOCAL_COLUMNS,
    demo_regions,
    generate_answer_text,
    generate_executors,
    generate_incidents,
    generate_municipalities,
)
from cur_desktop.domain.calendar import BusinessCalendar
from cur_desktop.domain.deadlines import first_answer_deadline
from cur_desktop.domain.enums import Priority, Source, Status
from cur_desktop.domain.sla import DEFAULT_POLICY
from cur_desktop.reference.data import load_regions, load_topics

END = datetime(2026, 3, 16, 9, 30, tzinfo=UTC)
DAYS = 120
N = 3000

_CYRILLIC = re.compile(r"[А-Яа-яЁё]")
_LATIN = re.compile(r"[A-Za-z]")


@pytest.fixture(scope="module")
def rows() -> list[dict[str, Any]]:
    return list(generate_incidents(N, seed=7, days=DAYS, end=END))


def test_same_seed_gives_same_rows() -> None:
    first = list(generate_incidents(300, seed=11, days=30, end=END))
    second = list(generate_incidents(300, seed=11, days=30, end=END))
    assert first == second


def test_another_seed_gives_other_rows() -> None:
    first = list(generate_incidents(50, seed=1, days=30, end=END))
    second = list(generate_incidents(50, seed=2, days=30, end=END))
    assert [r["id"] for r in first] != [r["id"] for r in second]
    assert [r["text"] for r in first] != [r["text"] for r in second]


def test_rows_have_exactly_the_incident_columns(rows: list[dict[str, Any]]) -> None:
    assert all(tuple(r) == INCIDENT_COLUMNS for r in rows)


def test_rows_validate_as_wire_incidents(rows: list[dict[str, Any]]) -> None:
    for row in rows[:1000]:
        wire = IncidentWire.model_validate({k: v for k, v in row.items() if k not in LOCAL_COLUMNS})
        assert str(wire.id) == row["id"]
        assert wire.received_at == row["received_at"]


def test_ids_and_external_ids_are_unique(rows: list[dict[str, Any]]) -> None:
    assert len({r["id"] for r in rows}) == len(rows)
    assert len({(r["source"], r["external_id"]) for r in rows}) == len(rows)


def test_instants_lie_in_the_period(rows: list[dict[str, Any]]) -> None:
    start = END - timedelta(days=DAYS)
    for r in rows:
        assert start <= r["received_at"] < END
        assert r["received_at"] <= r["updated_at"] <= END
        if r["first_answer_at"] is not None:
            assert r["received_at"] <= r["first_answer_at"] <= END
        assert r["first_answer_warn_at"] <= r["first_answer_due"]
        assert r["received_at"] < r["first_answer_warn_at"]


def test_topic_and_subtopic_codes_are_in_the_catalogue(rows: list[dict[str, Any]]) -> None:
    topics = {t.code: {s.code for s in t.subtopics} for t in load_topics()}
    for r in rows:
        if r["topic_code"] is None:
            assert r["subtopic_code"] is None
            continue
        assert r["topic_code"] in topics
        assert r["subtopic_code"] in topics[r["topic_code"]]
    leading = [code for code, _ in Counter(r["topic_code"] for r in rows).most_common(3)]
    assert leading == ["zhkh", "roads", "improvement"]


def test_texts_are_russian_varied_and_sized(rows: list[dict[str, Any]]) -> None:
    sample = rows[:1000]
    assert len({r["text"] for r in sample}) >= 950
    for r in sample:
        assert 100 <= len(r["text"]) <= 600
        assert len(_CYRILLIC.findall(r["text"])) > 5 * len(_LATIN.findall(r["text"]))


def test_texts_carry_inflected_forms_for_search(rows: list[dict[str, Any]]) -> None:
    words = Counter(w.lower() for r in rows for w in re.findall(r"[А-Яа-яЁё]+", r["text"]))
    road_forms = {w for w in words if w.startswith("дорог")}
    pit_forms = {w for w in words if w in {"яма", "ямы", "ям", "ямах", "яму", "ямой"}}
    assert len(road_forms) >= 3
    assert len(pit_forms) >= 2


def test_regions_municipalities_and_executors_agree(rows: list[dict[str, Any]]) -> None:
    municipality_region = {m["id"]: m["region_code"] for m in generate_municipalities()}
    executor_region = {e["id"]: e["region_code"] for e in generate_executors()}
    codes = {r.code for r in demo_regions()}
    for r in rows:
        assert r["region_code"] in codes
        if r["municipality_id"] is not None:
            assert municipality_region[r["municipality_id"]] == r["region_code"]
        if r["executor_id"] is not None:
            assert executor_region[r["executor_id"]] == r["region_code"]
        if r["assignee"] is not None:
            assert r["assignee"].startswith(r["region_code"][3:].lower() + ".")
    assert {r["region_code"] for r in rows} == codes


def test_source_mix_and_priorities(rows: list[dict[str, Any]]) -> None:
    sources = Counter(r["source"] for r in rows)
    ranked = [s for s, _ in sources.most_common()]
    assert ranked[0] == Source.VK
    assert ranked.index(Source.POS) < ranked.index(Source.OK)
    assert 0 < sources[Source.APPEAL_59FZ] < sources[Source.OK]
    high = sum(r["priority"] == Priority.HIGH for r in rows) / len(rows)
    assert 0.07 < high < 0.13


def test_posts_follow_the_local_day(rows: list[dict[str, Any]]) -> None:
    zones = {r.code: ZoneInfo(r.timezone) for r in demo_regions()}
    hours = Counter(r["received_at"].astimezone(zones[r["region_code"]]).hour for r in rows)
    night = sum(hours[h] for h in range(1, 6))
    day = sum(hours[h] for h in range(10, 15))
    assert day > 5 * night


def test_statuses_are_consistent(rows: list[dict[str, Any]]) -> None:
    for r in rows:
        status = Status(r["status"])
        answered = r["first_answer_at"] is not None
        if status is Status.REJECTED:
            assert r["reject_reason"] is not None
            assert not answered
            assert r["outcome"] is None
            assert r["executor_id"] is None
        else:
            assert r["reject_reason"] is None
        if status in (Status.NEW, Status.MODERATION, Status.SENT_TO_EXECUTOR):
            assert not answered
            assert not r["has_interim"]
            assert not r["has_final"]
        if status is Status.CLOSED:
            assert answered
            assert r["outcome"] is not None
            assert r["has_final"]
        if status is Status.ON_CONTROL:
            assert r["has_interim"]
            assert not r["has_final"]
        if status is Status.REOPENED:
            assert r["was_reopened"]
        if r["has_interim"]:
            assert r["final_answer_due"] is not None
            assert r["final_answer_warn_at"] <= r["final_answer_due"]
        if status not in (Status.NEW, Status.MODERATION, Status.REJECTED):
            assert r["executor_id"] is not None
            assert r["topic_code"] is not None
        if r["rating"] is not None:
            assert r["source"] == Source.POS
            assert 1 <= r["rating"] <= 5
        assert r["version"] == 1
        assert r["local_changed"] is False


def test_statuses_follow_age(rows: list[dict[str, Any]]) -> None:
    old = [r for r in rows if END - r["received_at"] > timedelta(days=60)]
    finished = sum(r["status"] in (Status.CLOSED, Status.REJECTED) for r in old)
    assert finished / len(old) > 0.95
    rejected = sum(r["status"] == Status.REJECTED for r in old) / len(old)
    assert 0.03 < rejected < 0.12
    recent = list(generate_incidents(400, seed=3, days=1, end=END))
    young = Counter(r["status"] for r in recent if END - r["received_at"] < timedelta(minutes=20))
    assert set(young) <= {Status.NEW, Status.MODERATION, Status.SENT_TO_EXECUTOR, Status.REJECTED}
    assert young[Status.NEW] > 0
    day_old = Counter(r["status"] for r in recent)
    assert day_old[Status.CLOSED] + day_old[Status.PRIMARY_ANSWERED] > 0
    assert day_old[Status.SENT_TO_EXECUTOR] > 0


def test_first_answers_take_hours(rows: list[dict[str, Any]]) -> None:
    social = [
        (r["first_answer_at"] - r["received_at"]).total_seconds() / 3600
        for r in rows
        if r["first_answer_at"] is not None and r["source"] in (Source.VK, Source.OK)
    ]
    social.sort()
    median = social[len(social) // 2]
    assert 1.5 < median < 4.5
    overdue = sum(
        r["first_answer_at"] is not None and r["first_answer_at"] > r["first_answer_due"]
        for r in rows
    )
    assert overdue > 0


def test_exact_deadlines_come_from_the_domain_rules() -> None:
    rows = list(generate_incidents(200, seed=5, days=20, end=END, exact_deadlines=True))
    zones = {r.code: r.timezone for r in demo_regions()}
    for r in rows[:50]:
        rule = DEFAULT_POLICY.rule_for(
            Source(r["source"]), r["topic_code"], Priority(r["priority"])
        )
        expected = first_answer_deadline(
            r["received_at"], rule, BusinessCalendar(zones[r["region_code"]])
        )
        assert r["first_answer_due"] == expected.due
        assert r["first_answer_warn_at"] == expected.warn_at


def test_demo_regions_match_the_reference_data() -> None:
    reference = {r.iso_code: r for r in load_regions()}
    regions = demo_regions()
    assert len({r.timezone for r in regions}) == len(regions) >= 7
    for region in regions:
        assert reference[region.code].timezone == region.timezone
        assert reference[region.code].name_ru == region.name
    per_region = Counter(m["region_code"] for m in generate_municipalities())
    assert set(per_region) == {r.code for r in regions}
    assert all(8 <= n <= 20 for n in per_region.values())


def test_municipalities_and_executors_validate_as_wire_rows() -> None:
    municipalities = generate_municipalities(["RU-KGD"])
    assert {m["region_code"] for m in municipalities} == {"RU-KGD"}
    assert any(m["name"] == "Калининград" for m in municipalities)
    for m in municipalities:
        MunicipalityWire.model_validate(m)
    executors = generate_executors(["RU-KGD"])
    assert len({e["id"] for e in executors}) == len(executors)
    for e in executors:
        ExecutorWire.model_validate(e)
    names = " ".join(e["name"] for e in executors)
    for kind in ("Министерство", "Администрация", "УК", "Водоканал"):
        assert kind in names


def test_regions_argument_limits_rows_and_rejects_unknown_codes() -> None:
    rows = list(generate_incidents(200, seed=1, regions=["RU-KAM"], days=10, end=END))
    assert {r["region_code"] for r in rows} == {"RU-KAM"}
    with pytest.raises(ValueError, match="RU-XXX"):
        list(generate_incidents(1, regions=["RU-XXX"], end=END))
    with pytest.raises(ValueError, match="aware"):
        list(generate_incidents(1, end=datetime(2026, 1, 1)))


def test_answer_text_is_good_style(rows: list[dict[str, Any]]) -> None:
    rng = random.Random(1)
    pos = next(r for r in rows if r["source"] == Source.POS and r["executor_id"] is not None)
    answer = generate_answer_text(pos, rng)
    first_name, middle_name = pos["author"].split()[1:3]
    assert answer.startswith(("Здравствуйте", "Добрый день", first_name))
    assert f"{first_name} {middle_name}" in answer
    assert re.search(r"\d{1,2} (января|февраля|марта|апреля|мая|июня|июля|августа"
                     r"|сентября|октября|ноября|декабря)", answer)  # fmt: skip
    texts = {generate_answer_text(r, rng) for r in rows[:200]}
    assert len(texts) > 100
    for text in texts:
        assert "обратитесь в" not in text.lower()
        assert len(_CYRILLIC.findall(text)) > 50
