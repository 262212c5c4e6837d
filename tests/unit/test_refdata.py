"""The shipped reference data is complete and consistent; malformed files are refused clearly."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from cur_desktop.domain.enums import AnswerKind, Priority, Source
from cur_desktop.domain.reference_types import FEDERAL_DISTRICTS, AnswerTemplate
from cur_desktop.domain.sla import DEFAULT_POLICY
from cur_desktop.reference import data as refdata
from cur_desktop.reference.data import (
    TEMPLATE_VARIABLES,
    ReferenceDataError,
    TemplateVariableError,
    load_answer_templates,
    load_regions,
    load_sla_policies,
    load_topics,
    region_by_code,
    render_template,
    sla_policy_for_region,
    subtopic_by_code,
    template_variables,
)
from cur_desktop.reference.paths import resource_path

# Every region the seed posts (/work/shared/seeds) name, as the post names it, with a stem that
# must occur in the region's full or short name.
SEED_REGIONS: dict[str, tuple[str, str]] = {
    "ЕАО": ("RU-YEV", "Еврейская"),
    "Чувашия": ("RU-CU", "Чуваш"),
    "Коми": ("RU-KO", "Коми"),
    "Кировская": ("RU-KIR", "Кировская"),
    "Тульская": ("RU-TUL", "Тульская"),
    "Самарская": ("RU-SAM", "Самарская"),
    "Новгородская": ("RU-NGR", "Новгородская"),
    "Тамбовская": ("RU-TAM", "Тамбовская"),
    "Смоленская": ("RU-SMO", "Смоленская"),
    "Воронежская": ("RU-VOR", "Воронежская"),
    "Амурская": ("RU-AMU", "Амурская"),
    "Чукотский АО": ("RU-CHU", "Чукотский"),
    "Ставрополье": ("RU-STA", "Ставропольский"),
    "Краснодарский край": ("RU-KDA", "Краснодарский"),
    "НАО": ("RU-NEN", "Ненецкий"),
    "ЯНАО": ("RU-YAN", "Ямало-Ненецкий"),
    "Вологодская": ("RU-VLG", "Вологодская"),
    "Калужская": ("RU-KLU", "Калужская"),
    "Мурманская": ("RU-MUR", "Мурманская"),
    "Орловская": ("RU-ORL", "Орловская"),
    "Белгородская": ("RU-BEL", "Белгородская"),
    "Севастополь": ("RU-SEV", "Севастополь"),
    "Карелия": ("RU-KR", "Карелия"),
    "Волгоградская": ("RU-VGG", "Волгоградская"),
    "Северная Осетия — Алания": ("RU-SE", "Северная Осетия"),
    "Чеченская Республика": ("RU-CE", "Чеченская"),
    "Курганская": ("RU-KGN", "Курганская"),
    "Кабардино-Балкария": ("RU-KB", "Кабардино-Балкар"),
    "Карачаево-Черкесия": ("RU-KC", "Карачаево-Черкес"),
    "Дагестан": ("RU-DA", "Дагестан"),
    "Астраханская": ("RU-AST", "Астраханская"),
    "Красноярский край": ("RU-KYA", "Красноярский"),
    "Приморье": ("RU-PRI", "Приморский"),
    "Ингушетия": ("RU-IN", "Ингушетия"),
    "Якутия": ("RU-SA", "Якутия"),
    "Калининградская": ("RU-KGD", "Калининградская"),
    "Сахалинская": ("RU-SAK", "Сахалинская"),
    "Ульяновская": ("RU-ULY", "Ульяновская"),
    "Магаданская": ("RU-MAG", "Магаданская"),
    "Республика Алтай": ("RU-AL", "Республика Алтай"),
    "Калмыкия": ("RU-KL", "Калмыкия"),
    "Ярославская": ("RU-YAR", "Ярославская"),
    "Башкортостан": ("RU-BA", "Башкортостан"),
}
# Named in DOMAIN.md (volumes) besides the seed.
DOMAIN_REGIONS = {"Новосибирская": ("RU-NVS", "Новосибирская")}

LEADING_TOPICS = ("zhkh", "roads", "improvement", "health", "education", "transport", "social")


@pytest.fixture(autouse=True)
def _fresh_caches() -> Iterator[None]:
    refdata.clear_caches()
    yield
    refdata.clear_caches()


def _utc_offset_hours(zone: str) -> float:
    offset = datetime(2024, 7, 1, 12, tzinfo=ZoneInfo(zone)).utcoffset()
    assert offset is not None
    return offset / timedelta(hours=1)


# --------------------------------------------------------------------------- regions


def test_there_are_89_federal_subjects_in_eight_districts() -> None:
    regions = load_regions()
    assert len(regions) == 89
    per_district = Counter(r.federal_district for r in regions)
    assert per_district == {
        "ЦФО": 18,
        "СЗФО": 11,
        "ЮФО": 12,
        "СКФО": 7,
        "ПФО": 14,
        "УФО": 6,
        "СФО": 10,
        "ДФО": 11,
    }
    assert set(per_district) == set(FEDERAL_DISTRICTS)


@pytest.mark.parametrize(
    ("seed_name", "expected"), sorted({**SEED_REGIONS, **DOMAIN_REGIONS}.items())
)
def test_every_region_named_in_the_seed_is_present(
    seed_name: str, expected: tuple[str, str]
) -> None:
    code, stem = expected
    region = region_by_code(code)
    assert stem in region.name_ru or stem in region.short_name_ru, seed_name


def test_new_subjects_are_present_with_documented_codes_and_no_population() -> None:
    by_name = {r.short_name_ru: r for r in load_regions()}
    assert by_name["Крым"].iso_code == "RU-CR"
    assert by_name["Севастополь"].iso_code == "RU-SEV"
    for short in ("ДНР", "ЛНР", "Запорожская", "Херсонская"):
        assert by_name[short].population is None
    assert by_name["Крым"].population is not None


def test_no_duplicate_codes_or_names() -> None:
    regions = load_regions()
    for attr in ("iso_code", "okato", "name_ru", "short_name_ru"):
        values = [getattr(r, attr) for r in regions]
        assert len(values) == len(set(values)), attr


def test_all_time_zones_are_valid_and_span_utc_plus_2_to_plus_12() -> None:
    offsets = {r.iso_code: _utc_offset_hours(r.timezone) for r in load_regions()}
    assert offsets["RU-KGD"] == 2
    assert offsets["RU-KAM"] == 12
    assert offsets["RU-CHU"] == 12
    assert offsets["RU-MOW"] == 3
    assert offsets["RU-SAM"] == 4
    assert offsets["RU-NVS"] == 7
    assert offsets["RU-SA"] == 9  # Якутск, the capital's zone
    assert min(offsets.values()) == 2
    assert max(offsets.values()) == 12


def test_populations_sum_to_a_plausible_national_total() -> None:
    figures = [r.population for r in load_regions() if r.population is not None]
    assert len(figures) == 85
    assert 143_000_000 <= sum(figures) <= 148_000_000
    assert region_by_code("RU-MOW").population == max(figures)
    assert region_by_code("RU-NEN").population == min(figures)


def test_region_by_code_is_case_insensitive_and_refuses_unknown() -> None:
    assert region_by_code("ru-tul").name_ru == "Тульская область"
    assert region_by_code("RU-TUL").okato == "70"
    with pytest.raises(KeyError, match="RU-XXX"):
        region_by_code("RU-XXX")


def test_loaded_data_is_cached() -> None:
    assert load_regions() is load_regions()
    assert load_topics() is load_topics()


# --------------------------------------------------------------------------- topics


def test_about_twenty_topics_each_with_three_to_eight_subtopics() -> None:
    topics = load_topics()
    assert 18 <= len(topics) <= 24
    for topic in topics:
        assert 3 <= len(topic.subtopics) <= 8, topic.code
        for sub in topic.subtopics:
            assert sub.code.startswith(topic.code + ".")
            assert sub.topic_code == topic.code


def test_the_seven_leading_topics_come_first() -> None:
    topics = load_topics()
    assert tuple(t.code for t in topics[:7]) == LEADING_TOPICS
    assert topics[0].name_ru == "ЖКХ"
    assert topics[-1].code == "other"


def test_subtopic_lookup() -> None:
    assert subtopic_by_code("roads.potholes").name_ru == "Ямы на дорогах"
    assert subtopic_by_code("zhkh.heating").name_ru == "Отопление"
    with pytest.raises(KeyError, match=r"roads\.nowhere"):
        subtopic_by_code("roads.nowhere")


# --------------------------------------------------------------------------- SLA policies


def test_default_sla_policy_matches_domain_md() -> None:
    policy = load_sla_policies()["default"]
    assert policy.warn_fraction == 0.75

    general = policy.rule_for(Source.VK, "roads", Priority.NORMAL)
    assert (general.source, general.topic_code, general.priority) == (None, None, None)
    assert general.first_answer_working_hours == 8
    assert general.first_answer_calendar_hours == 24
    assert general.final_answer_working_days == 7
    assert general.moderation_working_days == 1
    assert general.total_calendar_days is None

    high = policy.rule_for(Source.TELEGRAM, None, Priority.HIGH)
    assert high.first_answer_working_hours == 4
    assert high.first_answer_calendar_hours == 24

    pos = policy.rule_for(Source.POS, "zhkh", Priority.NORMAL)
    assert pos.first_answer_working_days == 10  # days, not 80 hours
    assert pos.first_answer_working_hours is None
    assert pos.first_answer_calendar_hours is None

    appeal = policy.rule_for(Source.APPEAL_59FZ, None, Priority.HIGH)
    assert appeal.total_calendar_days == 30
    assert appeal.first_answer_calendar_hours is None


def test_default_sla_policy_file_equals_the_domain_default() -> None:
    assert load_sla_policies()["default"] == DEFAULT_POLICY


def test_regional_variants_are_keyed_by_iso_code() -> None:
    policies = load_sla_policies()
    assert set(policies) == {"default", "RU-SEV", "RU-SAK", "RU-SMO"}
    sev = policies["RU-SEV"]
    assert sev.name == "Севастополь"
    normal = sev.rule_for(Source.VK, None, Priority.NORMAL)
    assert normal.first_answer_working_hours == 9
    assert normal.final_answer_working_days == 7
    assert sev.rule_for(Source.VK, None, Priority.HIGH).first_answer_working_hours == 4
    for code in ("RU-SAK", "RU-SMO"):
        one_day = policies[code].rule_for(Source.OK, "health", Priority.NORMAL)
        assert one_day.first_answer_calendar_hours == 24
        assert one_day.first_answer_working_hours >= 24  # the calendar cap decides
    for policy in policies.values():  # federal rules hold in every region
        assert policy.rule_for(Source.APPEAL_59FZ, None, Priority.LOW).total_calendar_days == 30
        assert policy.rule_for(Source.POS, None, Priority.LOW).first_answer_working_days == 10
    assert sla_policy_for_region("ru-sev") is policies["RU-SEV"]
    assert sla_policy_for_region("RU-TUL") is policies["default"]


def test_sla_policies_returns_a_fresh_dict() -> None:
    first = load_sla_policies()
    first.pop("default")
    assert "default" in load_sla_policies()


# --------------------------------------------------------------------------- templates

FULL_VALUES = {
    "author": "Анна",
    "executor": "управляющая компания «Уют»",
    "date": "15 марта",
    "municipality": "Новомосковск",
    "topic": "ЖКХ",
    "operator": "Мария",
}


def test_ten_to_fifteen_templates_of_every_kind() -> None:
    templates = load_answer_templates()
    assert 10 <= len(templates) <= 15
    assert {t.kind for t in templates} == {
        AnswerKind.INTERIM,
        AnswerKind.SOLUTION,
        AnswerKind.FINAL,
    }
    topic_codes = {t.code for t in load_topics()}
    assert {t.topic_code for t in templates} - {None} <= topic_codes


@pytest.mark.parametrize("template", load_answer_templates(), ids=lambda t: t.code)
def test_every_template_renders_and_follows_the_style_rules(template: AnswerTemplate) -> None:
    text = render_template(template, FULL_VALUES)
    assert "{" not in text
    assert "}" not in text
    assert "Анна" in text  # greeting by name
    assert "15 марта" in text  # a concrete date
    lowered = text.lower()
    for forbidden in ("обратитесь в", "обращайтесь в", "взято в работу", "информация передана"):
        assert forbidden not in lowered


@pytest.mark.parametrize("template", load_answer_templates(), ids=lambda t: t.code)
def test_every_template_refuses_a_missing_variable(template: AnswerTemplate) -> None:
    used = template_variables(template.text)
    assert used
    for name in used:
        partial = {k: v for k, v in FULL_VALUES.items() if k != name}
        with pytest.raises(TemplateVariableError, match=re.escape("{" + name + "}")) as info:
            render_template(template, partial)
        assert info.value.variable == name


def test_render_refuses_unknown_variables_both_ways() -> None:
    with pytest.raises(TemplateVariableError, match=r"\{adress\}"):
        render_template("Адрес: {adress}", FULL_VALUES)
    with pytest.raises(TemplateVariableError, match=r"\{autor\}"):
        render_template("{author}", {**FULL_VALUES, "autor": "x"})
    assert render_template("{author}, {{ok}}", {"author": "Пётр"}) == "Пётр, {ok}"
    assert set(TEMPLATE_VARIABLES) == set(FULL_VALUES)


# --------------------------------------------------------------------------- malformed files


def _shipped_lines(name: str) -> list[str]:
    return resource_path("reference", name).read_text(encoding="utf-8").splitlines()


def _line_of(lines: list[str], prefix: str) -> int:
    """1-based line number of the first line starting with ``prefix``."""
    return next(i for i, line in enumerate(lines, start=1) if line.startswith(prefix))


def _write_regions_with(tmp_path: Path, prefix: str, new_line: str | None) -> tuple[Path, int]:
    lines = _shipped_lines("regions.csv")
    number = _line_of(lines, prefix)
    if new_line is None:
        lines.insert(number, lines[number - 1])  # duplicate the line
        number += 1
    else:
        lines[number - 1] = new_line
    path = tmp_path / "regions.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, number


@pytest.mark.parametrize(
    ("new_line", "message"),
    [
        ("RU-TUL,70,Тульская область,Тульская,ЦФО,Europe/Moscow", "6 columns, expected 7"),
        ("RU-TUL,70,,Тульская,ЦФО,Europe/Moscow,1533000", "empty required field 'name_ru'"),
        ("RU-TUL,70,Тульская область,Тульская,ЦФО,Europe/Tula,1533000", "Europe/Tula"),
        ("RU-TUL,70,Тульская область,Тульская,ЦФО,Europe/Moscow,1.5 млн", "bad population"),
        ("RU-TUL,70,Тульская область,Тульская,ЦФО,Europe/Moscow,-5", "bad population"),
        ("RU-TUL,70,Тульская область,Тульская,ЦАО,Europe/Moscow,1533000", "federal_district"),
        ("RU-TUL,7,Тульская область,Тульская,ЦФО,Europe/Moscow,1533000", "bad okato"),
        ("RU-TULA,70,Тульская область,Тульская,ЦФО,Europe/Moscow,1533000", "bad iso_code"),
        ("RU-TUL,01,Тульская область,Тульская,ЦФО,Europe/Moscow,1533000", "duplicate okato"),
    ],
)
def test_malformed_region_line_is_refused_with_file_and_line(
    tmp_path: Path, new_line: str, message: str
) -> None:
    path, number = _write_regions_with(tmp_path, "RU-TUL,", new_line)
    with pytest.raises(ReferenceDataError) as info:
        load_regions(path)
    text = str(info.value)
    assert text.startswith(f"regions.csv: line {number}:")
    assert message in text


def test_duplicate_region_is_refused_with_both_lines(tmp_path: Path) -> None:
    path, number = _write_regions_with(tmp_path, "RU-SEV,", None)
    with pytest.raises(ReferenceDataError, match=rf"line {number}: duplicate iso_code 'RU-SEV'"):
        load_regions(path)


def test_region_header_must_match(tmp_path: Path) -> None:
    path = tmp_path / "regions.csv"
    path.write_text("# comment\niso,okato\nRU-TUL,70\n", encoding="utf-8")
    with pytest.raises(ReferenceDataError, match=r"regions\.csv: line 2: header"):
        load_regions(path)


def test_a_well_formed_small_region_file_loads(tmp_path: Path) -> None:
    path = tmp_path / "regions.csv"
    path.write_text(
        "# two regions\n"
        + ",".join(refdata.REGION_COLUMNS)
        + "\n"
        + "RU-TUL,70,Тульская область,Тульская,ЦФО,Europe/Moscow,1533000\n"
        + '"RU-KAM","30","Камчатский край","Камчатский","ДФО","Asia/Kamchatka",\n',
        encoding="utf-8",
    )
    regions = load_regions(path)
    assert [r.iso_code for r in regions] == ["RU-TUL", "RU-KAM"]
    assert regions[1].population is None


@pytest.mark.parametrize(
    ("content", "line", "message"),
    [
        ("code,name_ru,sort_order\nroads,Дороги,x\n", 2, "bad sort_order"),
        ("code,name_ru,sort_order\nroads,Дороги,1\nroads,Дороги 2,2\n", 3, "duplicate code"),
        ("code,name_ru,sort_order\nroads.potholes,Ямы,\n", 2, "before (or without) its topic"),
        ("code,name_ru,sort_order\nroads,Дороги,1\nroads.potholes,,\n", 3, "'name_ru'"),
        ("code,name_ru,sort_order\n# note\nRoads,Дороги,1\n", 3, "bad code"),
        ("code,name_ru,sort_order\nroads,Дороги\n", 2, "2 columns, expected 3"),
    ],
)
def test_malformed_topic_file_is_refused(
    tmp_path: Path, content: str, line: int, message: str
) -> None:
    path = tmp_path / "topics.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ReferenceDataError) as info:
        load_topics(path)
    assert str(info.value).startswith(f"topics.csv: line {line}:")
    assert message in str(info.value)


def _shipped_json(name: str) -> dict[str, object]:
    data = json.loads(resource_path("reference", name).read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_bad_json_syntax_is_refused_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "sla_policies.json"
    path.write_text('{\n  "policies": {\n    "default": {,\n  }\n}\n', encoding="utf-8")
    with pytest.raises(
        ReferenceDataError, match=r"sla_policies\.json: line 3 column \d+: bad JSON"
    ):
        load_sla_policies(path)


@pytest.mark.parametrize(
    ("field", "value", "where", "message"),
    [
        ("source", "facebook", "rules[0].source", "unknown source 'facebook'"),
        ("priority", "urgent", "rules[0].priority", "unknown priority 'urgent'"),
        ("first_answer_working_hours", "8", "rules[0].first_answer_working_hours", "a number"),
        ("final_answer_working_days", 7.5, "rules[0].final_answer_working_days", "an integer"),
        ("topic_code", "nope", "rules[0].topic_code", "unknown topic 'nope'"),
        ("colour", "red", "rules[0]", "unknown key 'colour'"),
    ],
)
def test_sla_schema_error_names_the_item_path(
    tmp_path: Path, field: str, value: object, where: str, message: str
) -> None:
    data = _shipped_json("sla_policies.json")
    policies = data["policies"]
    assert isinstance(policies, dict)
    policies["default"]["rules"][0][field] = value
    path = tmp_path / "sla_policies.json"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    with pytest.raises(ReferenceDataError) as info:
        load_sla_policies(path)
    assert str(info.value).startswith(f"sla_policies.json: policies.default.{where}:")
    assert message in str(info.value)


def test_sla_policy_key_must_be_a_known_region(tmp_path: Path) -> None:
    data = _shipped_json("sla_policies.json")
    policies = data["policies"]
    assert isinstance(policies, dict)
    policies["RU-ATL"] = policies["default"]
    path = tmp_path / "sla_policies.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ReferenceDataError, match=r"policies\.RU-ATL: key must be"):
        load_sla_policies(path)


def test_sla_policy_needs_a_catch_all_rule(tmp_path: Path) -> None:
    data = _shipped_json("sla_policies.json")
    policies = data["policies"]
    assert isinstance(policies, dict)
    policies["default"]["rules"][0]["source"] = "vk"
    path = tmp_path / "sla_policies.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ReferenceDataError, match=r"policies\.default\.rules: no catch-all rule"):
        load_sla_policies(path)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("kind", "internal_note", "unknown kind 'internal_note'"),
        ("text", "{author}, {adress}", "{adress}"),
        ("text", "{author!r}", "no format spec"),
        ("topic_code", "weather", "unknown topic 'weather'"),
        ("code", "interim.generic", "duplicate code"),
    ],
)
def test_template_schema_error_names_the_item(
    tmp_path: Path, field: str, value: str, message: str
) -> None:
    data = _shipped_json("answer_templates.json")
    templates = data["templates"]
    assert isinstance(templates, list)
    templates[1][field] = value
    path = tmp_path / "answer_templates.json"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    with pytest.raises(ReferenceDataError) as info:
        load_answer_templates(path)
    assert str(info.value).startswith(f"answer_templates.json: templates[1].{field}:")
    assert message in str(info.value)


def test_sla_rule_may_say_n_working_days(tmp_path: Path) -> None:
    data = _shipped_json("sla_policies.json")
    policies = data["policies"]
    assert isinstance(policies, dict)
    catch_all = policies["default"]["rules"][0]
    del catch_all["first_answer_working_hours"]
    catch_all["first_answer_working_days"] = 3  # no hours given: a limit in days alone
    path = tmp_path / "sla_policies.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    rule = load_sla_policies(path)["default"].rule_for(Source.VK, None, Priority.NORMAL)
    assert (rule.first_answer_working_days, rule.first_answer_working_hours) == (3, None)

    catch_all["first_answer_working_hours"] = 8  # both: refused, named
    path = tmp_path / "both" / "sla_policies.json"  # loads are cached per path
    path.parent.mkdir()
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ReferenceDataError, match=r"policies\.default\.rules\[0\]: .*not both"):
        load_sla_policies(path)

    catch_all["first_answer_working_hours"] = None
    catch_all["first_answer_working_days"] = 0
    path = tmp_path / "zero" / "sla_policies.json"
    path.parent.mkdir()
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ReferenceDataError, match="first_answer_working_days"):
        load_sla_policies(path)


def test_reference_values_are_frozen() -> None:
    from dataclasses import fields

    topic = load_topics()[0]
    values = [load_regions()[0], topic, topic.subtopics[0], load_answer_templates()[0]]
    for value in values:
        assert {value: 1}[value] == 1  # hashable: usable as keys of lookups
        with pytest.raises(AttributeError):
            setattr(value, fields(value)[0].name, "other")
