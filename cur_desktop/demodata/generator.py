"""Deterministic, fast generator of realistic demo data for the workstation and the server.

Makes demo regions (seven time zones, Калининград to Камчатка), their real municipalities
(``resources/demo/municipalities.csv``), executors (ministries, administrations, УК, РСО) and
incidents: rows keyed by the columns of the local store's ``incident`` table (the fields of
:class:`cur_desktop.contract.wire.IncidentWire` plus the local computed columns), with Russian
posts built from the phrase banks of :mod:`cur_desktop.demodata.texts`.

Everything follows from ``seed`` (and ``end``): the same arguments give the same rows. Speed
matters (a million rows for the store benchmark), so names and streets come from pools that
Faker fills once, timestamps are drawn from a precomputed per-region table of hourly weights
(daily and weekly rhythm in local time, fewer posts on days off), and the row loop uses plain
``random.Random`` calls only.

Life cycle (consistent with the age of each incident at ``end``): an incident is taken into
moderation minutes after it arrives, routed to an executor, answered after a log-normal delay
(median 1.5–4 h depending on the region; high priority faster; ПОС and 59-ФЗ slower); an interim
answer puts it on control until a final answer days later; solutions close it. Some are rejected,
some reworked, some reopened; a few are stuck without an answer (overdue).

Deadline shortcut (documented in bench/README.md): by default ``first_answer_due`` is received +
24 h (12 h for high priority; 14 days for ПОС; 30 days for 59-ФЗ), the warning at 75 % of that;
``final_answer_due`` is 9 calendar days (about 7 working days) after an interim answer. These are
calendar offsets, not the region's business calendar: the exact computation of
:mod:`cur_desktop.domain.deadlines` costs about 25 µs per first-answer deadline and 60 µs per
final one, which would double the time of a million rows. ``exact_deadlines=True`` uses it.
"""

from __future__ import annotations

import bisect
import csv
import logging
import math
import random
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from itertools import accumulate
from typing import Any, Final
from zoneinfo import ZoneInfo

from cur_desktop.demodata import texts
from cur_desktop.domain.calendar import BusinessCalendar
from cur_desktop.domain.deadlines import final_answer_deadline, first_answer_deadline
from cur_desktop.domain.enums import Outcome, Priority, RejectReason, Source, Status
from cur_desktop.domain.sla import DEFAULT_POLICY, SlaRule
from cur_desktop.reference.paths import resource_path

__all__ = [
    "INCIDENT_COLUMNS",
    "LOCAL_COLUMNS",
    "DemoRegion",
    "demo_regions",
    "generate_answer_text",
    "generate_executors",
    "generate_incidents",
    "generate_municipalities",
]

logger = logging.getLogger(__name__)

INCIDENT_COLUMNS: Final[tuple[str, ...]] = (
    "id",
    "source",
    "external_id",
    "link",
    "author",
    "text",
    "received_at",
    "region_code",
    "municipality_id",
    "topic_code",
    "subtopic_code",
    "executor_id",
    "assignee",
    "priority",
    "status",
    "outcome",
    "reject_reason",
    "first_answer_at",
    "first_answer_due",
    "final_answer_due",
    "version",
    "updated_at",
    "first_answer_warn_at",
    "final_answer_warn_at",
    "has_interim",
    "has_final",
    "was_reworked",
    "was_reopened",
    "rating",
    "local_changed",
)
"""Keys of every generated incident row, in this order (``rowid_`` is left to the store)."""

LOCAL_COLUMNS: Final[frozenset[str]] = frozenset(
    {
        "first_answer_warn_at",
        "final_answer_warn_at",
        "has_interim",
        "has_final",
        "was_reworked",
        "was_reopened",
        "rating",
        "local_changed",
    }
)
"""Keys of a row that are local computed columns, not fields of ``IncidentWire``."""

_HOUR: Final = 3600
_DAY: Final = 86_400
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)

# Plain-string values used in the row loop (enum attribute access is slow there).
_NEW: Final = Status.NEW.value
_MODERATION: Final = Status.MODERATION.value
_SENT_TO_EXECUTOR: Final = Status.SENT_TO_EXECUTOR.value
_PRIMARY_ANSWERED: Final = Status.PRIMARY_ANSWERED.value
_ON_CONTROL: Final = Status.ON_CONTROL.value
_ANSWER_REVIEW: Final = Status.ANSWER_REVIEW.value
_REWORK: Final = Status.REWORK.value
_CLOSED: Final = Status.CLOSED.value
_REJECTED: Final = Status.REJECTED.value
_REOPENED: Final = Status.REOPENED.value
_HIGH: Final = Priority.HIGH.value
_LOW: Final = Priority.LOW.value
_NORMAL: Final = Priority.NORMAL.value

_REJECT_SHARE: Final = 0.07
_STUCK_SHARE: Final = 0.03
_HIGH_SHARE: Final = 0.10
_LOW_SHARE: Final = 0.05

# Local-hour weights of incoming posts (index = local hour 0..23): quiet at night, peaks in
# the morning and the evening.
_HOUR_WEIGHTS: Final[tuple[float, ...]] = (
    0.25, 0.15, 0.10, 0.08, 0.08, 0.15, 0.35, 0.70, 1.10, 1.40, 1.50, 1.50,
    1.40, 1.40, 1.45, 1.40, 1.35, 1.30, 1.25, 1.20, 1.10, 0.90, 0.65, 0.40,
)  # fmt: skip
_DAY_OFF_FACTOR: Final = 0.6
_WEEKDAY_FACTORS: Final[tuple[float, ...]] = (1.15, 1.05, 1.0, 1.0, 0.95, 1.0, 1.0)

_SOURCE_WEIGHTS: Final[tuple[tuple[Source, float], ...]] = (
    (Source.VK, 52.0),
    (Source.POS, 20.0),
    (Source.TELEGRAM, 13.0),
    (Source.OK, 10.0),
    (Source.APPEAL_59FZ, 3.5),
    (Source.OTHER, 1.5),
)
_REJECT_WEIGHTS: Final[tuple[tuple[RejectReason, float], ...]] = (
    (RejectReason.DUPLICATE, 35.0),
    (RejectReason.SPAM, 20.0),
    (RejectReason.OBSCENE, 15.0),
    (RejectReason.CLOSED_PROFILE, 10.0),
    (RejectReason.OUT_OF_SCOPE, 20.0),
)
_OUTCOME_WEIGHTS: Final[tuple[tuple[Outcome, float], ...]] = (
    (Outcome.SOLVED, 85.0),
    (Outcome.IMPOSSIBLE, 10.0),
    (Outcome.NOT_IN_COMPETENCE, 5.0),
)
_RATING_CUM: Final[tuple[float, ...]] = tuple(accumulate((0.08, 0.06, 0.12, 0.24, 0.50)))

# Which executor answers for a topic: (kind, weight). Kinds ending in "@m" are bodies of the
# incident's municipality; the others are regional.
_TOPIC_EXECUTORS: Final[dict[str, tuple[tuple[str, float], ...]]] = {
    "zhkh": (("uk@m", 50), ("heat@m", 15), ("water@m", 15), ("tko", 10), ("fund", 5),
             ("min_zhkh", 5)),
    "roads": (("admin@m", 65), ("min_roads", 35)),
    "improvement": (("admin@m", 90), ("uk@m", 10)),
    "health": (("min_health", 100),),
    "education": (("min_education", 55), ("admin@m", 45)),
    "transport": (("min_roads", 60), ("admin@m", 40)),
    "social": (("min_social", 100),),
    "ecology": (("min_ecology", 60), ("admin@m", 40)),
    "safety": (("admin@m", 70), ("mchs", 30)),
    "trade": (("admin@m", 100),),
    "culture": (("min_culture", 50), ("admin@m", 50)),
    "sport": (("min_sport", 50), ("admin@m", 50)),
    "employment": (("min_social", 100),),
    "construction": (("min_construction", 60), ("admin@m", 40)),
    "energy": (("grid", 70), ("gas", 30)),
    "communications": (("min_digital", 100),),
    "agriculture": (("min_agriculture", 100),),
    "government": (("admin@m", 100),),
    "emergency": (("mchs", 60), ("admin@m", 40)),
    "other": (("admin@m", 100),),
}  # fmt: skip

_REGIONAL_BODIES: Final[tuple[tuple[str, str], ...]] = (
    ("min_zhkh", "Министерство жилищно-коммунального хозяйства {gen}"),
    ("min_roads", "Министерство транспорта и дорожного хозяйства {gen}"),
    ("min_health", "Министерство здравоохранения {gen}"),
    ("min_education", "Министерство образования {gen}"),
    ("min_social", "Министерство труда и социальной защиты {gen}"),
    ("min_ecology", "Министерство природных ресурсов и экологии {gen}"),
    ("min_culture", "Министерство культуры {gen}"),
    ("min_sport", "Министерство спорта {gen}"),
    ("min_construction", "Министерство строительства {gen}"),
    ("min_agriculture", "Министерство сельского хозяйства {gen}"),
    ("min_digital", "Министерство цифрового развития и связи {gen}"),
    ("fund", "Фонд капитального ремонта {gen}"),
    ("tko", "Региональный оператор по обращению с ТКО ({short})"),
    ("grid", "Филиал сетевой компании «Россети» ({short})"),
    ("gas", "Газораспределительная организация ({short})"),
    ("mchs", "Главное управление МЧС России по {dat}"),
)
_UK_NAMES: Final[tuple[str, ...]] = (
    "Жилсервис",
    "Комфорт",
    "Уютный дом",
    "Наш дом",
    "Содружество",
    "Управдом",
    "Жилищник",
    "Домовой",
)


@dataclass(frozen=True, slots=True)
class DemoRegion:
    """A region the demo data covers, with what the generator needs to know about it."""

    code: str  # ISO 3166-2:RU
    name: str
    name_genitive: str
    name_dative: str
    timezone: str
    operators: tuple[str, ...]  # logins of the ЦУР operators
    weight: float  # relative volume of incidents
    median_response_hours: float  # median time to the first public answer


def _logins(prefix: str, surnames: Sequence[str]) -> tuple[str, ...]:
    return tuple(f"{prefix}.{s}" for s in surnames)


_DEMO_REGIONS: Final[tuple[DemoRegion, ...]] = (
    DemoRegion("RU-TUL", "Тульская область", "Тульской области", "Тульской области",
               "Europe/Moscow", _logins("tul", ("ivanova", "petrov", "smirnova", "orlov",
                                                "belova")), 1.5, 1.5),
    DemoRegion("RU-SAM", "Самарская область", "Самарской области", "Самарской области",
               "Europe/Samara", _logins("sam", ("kuznetsova", "sokolov", "popova", "lebedev",
                                                "zaitseva", "volkov")), 3.1, 3.0),
    DemoRegion("RU-SVE", "Свердловская область", "Свердловской области",
               "Свердловской области", "Asia/Yekaterinburg",
               _logins("sve", ("kozlova", "novikov", "morozova", "pavlov", "semenova",
                               "golubev", "vinogradova")), 4.2, 3.5),
    DemoRegion("RU-NVS", "Новосибирская область", "Новосибирской области",
               "Новосибирской области", "Asia/Novosibirsk",
               _logins("nvs", ("bogdanova", "vorobyov", "fedorova", "mikhailov", "tarasova",
                               "egorov")), 2.8, 2.5),
    DemoRegion("RU-PRI", "Приморский край", "Приморского края", "Приморскому краю",
               "Asia/Vladivostok", _logins("pri", ("belyaeva", "komarov", "kiseleva",
                                                   "makarov", "andreeva")), 1.8, 4.0),
    DemoRegion("RU-KGD", "Калининградская область", "Калининградской области",
               "Калининградской области", "Europe/Kaliningrad",
               _logins("kgd", ("nikitina", "zakharov", "zueva", "sorokin")), 1.0, 2.0),
    DemoRegion("RU-KAM", "Камчатский край", "Камчатского края", "Камчатскому краю",
               "Asia/Kamchatka", _logins("kam", ("grigorieva", "romanov", "titova")), 0.3, 3.5),
)  # fmt: skip


def demo_regions() -> tuple[DemoRegion, ...]:
    """Return the demo regions (seven time zones from UTC+2 to UTC+12)."""
    return _DEMO_REGIONS


def _select_regions(regions: Sequence[str] | None) -> tuple[DemoRegion, ...]:
    if regions is None:
        return _DEMO_REGIONS
    by_code = {r.code: r for r in _DEMO_REGIONS}
    unknown = [code for code in regions if code not in by_code]
    if unknown:
        raise ValueError(f"not a demo region: {', '.join(unknown)}")
    if not regions:
        raise ValueError("at least one region is needed")
    return tuple(by_code[code] for code in dict.fromkeys(regions))


@dataclass(frozen=True, slots=True)
class _Municipality:
    id: str
    region_code: str
    name: str
    population: int


@cache
def _municipalities() -> tuple[_Municipality, ...]:
    path = resource_path("demo", "municipalities.csv")
    with path.open(encoding="utf-8", newline="") as fh:
        return tuple(
            _Municipality(row["id"], row["region_code"], row["name"], int(row["population"]))
            for row in csv.DictReader(fh)
        )


def generate_municipalities(regions: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """Return the municipalities of the demo regions as ``MunicipalityWire``-shaped dicts."""
    codes = {r.code for r in _select_regions(regions)}
    return [
        {"id": m.id, "region_code": m.region_code, "name": m.name, "population": m.population}
        for m in _municipalities()
        if m.region_code in codes
    ]


@dataclass(frozen=True, slots=True)
class _Executor:
    id: str
    region_code: str
    name: str
    municipality_id: str | None
    kind: str


@cache
def _region_executors(code: str) -> tuple[_Executor, ...]:
    region = next(r for r in _DEMO_REGIONS if r.code == code)
    short = region.name.split()[0]
    out: list[_Executor] = []
    number = 0

    def add(name: str, municipality_id: str | None, kind: str) -> None:
        nonlocal number
        number += 1
        out.append(_Executor(f"{code}-EX-{number:03d}", code, name, municipality_id, kind))

    for kind, pattern in _REGIONAL_BODIES:
        name = pattern.format(gen=region.name_genitive, dat=region.name_dative, short=short)
        add(name, None, kind)
    for index, m in enumerate(mu for mu in _municipalities() if mu.region_code == code):
        add(f"Администрация МО «{m.name}»", m.id, "admin@m")
        for k in range(2):
            uk = _UK_NAMES[(index * 2 + k) % len(_UK_NAMES)]
            add(f"ООО «УК {uk}» ({m.name})", m.id, "uk@m")
        add(f"АО «Теплосеть» ({m.name})", m.id, "heat@m")
        add(f"МУП «Водоканал» ({m.name})", m.id, "water@m")
    return tuple(out)


def generate_executors(regions: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """Return the executors of the demo regions as ``ExecutorWire``-shaped dicts.

    Each region has its ministries and regional bodies (fund of capital repair, waste operator,
    grid and gas companies, МЧС) and, per municipality, its administration, two management
    companies (УК), a heat and a water utility (РСО).
    """
    return [
        {
            "id": e.id,
            "region_code": e.region_code,
            "name": e.name,
            "municipality_id": e.municipality_id,
        }
        for r in _select_regions(regions)
        for e in _region_executors(r.code)
    ]


@cache
def _executor_names() -> dict[str, str]:
    return {e.id: e.name for r in _DEMO_REGIONS for e in _region_executors(r.code)}


# --------------------------------------------------------------------------- incidents


def _cum(weights: Sequence[float]) -> list[float]:
    return list(accumulate(weights))


def _lognormal_median(rng: random.Random, median: float, sigma: float) -> float:
    return median * math.exp(rng.gauss(0.0, sigma))


@dataclass(slots=True)
class _RegionPlan:
    region: DemoRegion
    slot_cum: list[float]
    municipalities: tuple[_Municipality, ...]
    municipality_cum: list[float]
    tags: dict[str, str]
    groups: dict[str, int]
    regional: dict[str, str]  # kind -> executor id
    local: dict[tuple[str, str], tuple[str, ...]]  # (municipality id, kind) -> executor ids


def _slot_weights(region: DemoRegion, start_ts: int, slots: int) -> list[float]:
    """Weights of the hourly slots from ``start_ts``: local hour, weekday, days off, growth."""
    tz = ZoneInfo(region.timezone)
    calendar = BusinessCalendar(region.timezone)
    working: dict[date, bool] = {}
    weights: list[float] = []
    for i in range(slots):
        local = datetime.fromtimestamp(start_ts + i * _HOUR + _HOUR // 2, tz)
        day = local.date()
        is_working = working.get(day)
        if is_working is None:
            is_working = working[day] = calendar.is_working_day(day)
        weight = _HOUR_WEIGHTS[local.hour] * _WEEKDAY_FACTORS[local.weekday()]
        if not is_working:
            weight *= _DAY_OFF_FACTOR
        weights.append(weight * (0.85 + 0.3 * i / slots))  # volumes grow over the period
    return weights


def _plan_region(region: DemoRegion, start_ts: int, slots: int, rng: random.Random) -> _RegionPlan:
    munis = tuple(m for m in _municipalities() if m.region_code == region.code)
    regional: dict[str, str] = {}
    local: dict[tuple[str, str], list[str]] = {}
    for e in _region_executors(region.code):
        if e.municipality_id is None:
            regional[e.kind] = e.id
        else:
            local.setdefault((e.municipality_id, e.kind), []).append(e.id)
    return _RegionPlan(
        region=region,
        slot_cum=_cum(_slot_weights(region, start_ts, slots)),
        municipalities=munis,
        municipality_cum=_cum([m.population for m in munis]),
        tags={m.id: m.name.replace(" ", "").replace("-", "") for m in munis},
        groups={m.id: 10_000_000 + rng.randrange(90_000_000) for m in munis},
        regional=regional,
        local={key: tuple(ids) for key, ids in local.items()},
    )


def _name_pools(seed: int) -> tuple[list[str], list[str], list[str], list[str]]:
    """Short names ("Имя Фамилия"), full names ("Фамилия Имя Отчество"), nicknames, streets."""
    # Imported here: municipalities and executors (``cur-server``'s reference data, the server
    # tests) need no Faker, which is the [demo] extra's; only generated people and posts do.
    from faker import Faker  # noqa: PLC0415

    fake = Faker("ru_RU")
    fake.seed_instance(seed)
    short: list[str] = []
    full: list[str] = []
    for i in range(1500):
        if i % 2:
            first, last, middle = (
                fake.first_name_female(),
                fake.last_name_female(),
                fake.middle_name_female(),
            )
        else:
            first, last, middle = (
                fake.first_name_male(),
                fake.last_name_male(),
                fake.middle_name_male(),
            )
        short.append(f"{first} {last}")
        full.append(f"{last} {first} {middle}")
    nicks = [f"@{fake.user_name()}" for _ in range(500)]
    streets = [fake.street_name() for _ in range(400)]
    streets.extend(texts.COMMON_STREETS * 10)
    return short, full, nicks, streets


def _utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def _uuid4(rng: random.Random) -> str:
    """A version-4 UUID string from ``rng`` (what ``uuid.UUID(int=..., version=4)`` gives)."""
    bits = rng.getrandbits(128) & ~(0xF000 << 64) | (0x4000 << 64)
    h = f"{bits & ~(0xC000 << 48) | (0x8000 << 48):032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _choice(rng: random.Random, values: Sequence[Any]) -> Any:
    """``rng.choice`` without its argument checks (several times faster in the row loop)."""
    return values[int(rng.random() * len(values))]


def _pick(rng: random.Random, values: Sequence[Any], cum: Sequence[float]) -> Any:
    return values[bisect.bisect_right(cum, rng.random() * cum[-1])]


class _IncidentFactory:
    """Precomputed tables plus the per-row routine of :func:`generate_incidents`."""

    def __init__(
        self,
        seed: int,
        regions: tuple[DemoRegion, ...],
        days: int,
        end: datetime,
        *,
        exact_deadlines: bool = False,
    ) -> None:
        if end.tzinfo is None:
            raise ValueError("end must be timezone-aware")
        if days < 1:
            raise ValueError("days must be at least 1")
        self.rng = random.Random(seed)
        self.calendars = (
            {r.code: BusinessCalendar(r.timezone) for r in regions} if exact_deadlines else None
        )
        self.end_ts = int((end - _EPOCH).total_seconds())
        self.start_ts = self.end_ts - days * _DAY
        slots = days * 24
        self.plans = [_plan_region(r, self.start_ts, slots, self.rng) for r in regions]
        self.region_cum = _cum([r.weight for r in regions])
        self.short_names, self.full_names, self.nicks, self.streets = _name_pools(seed)
        self.topics = list(texts.TOPIC_WEIGHTS)
        self.topic_cum = _cum(list(texts.TOPIC_WEIGHTS.values()))
        self.subtopics = {t: list(subs.items()) for t, subs in texts.PROBLEMS.items()}
        self.sources = [s.value for s, _ in _SOURCE_WEIGHTS]
        self.source_cum = _cum([w for _, w in _SOURCE_WEIGHTS])
        self.reject_reasons = [r.value for r, _ in _REJECT_WEIGHTS]
        self.reject_cum = _cum([w for _, w in _REJECT_WEIGHTS])
        self.outcomes = [o.value for o, _ in _OUTCOME_WEIGHTS]
        self.outcome_cum = _cum([w for _, w in _OUTCOME_WEIGHTS])
        self.executor_kinds = {t: [k for k, _ in kw] for t, kw in _TOPIC_EXECUTORS.items()}
        self.executor_cum = {t: _cum([w for _, w in kw]) for t, kw in _TOPIC_EXECUTORS.items()}

    # ------------------------------------------------------------------ parts of a row

    def _text(self, sentences: tuple[str, ...], slots: Mapping[str, str]) -> str:
        rng = self.rng
        parts: list[str] = []
        opener = _choice(rng, texts.OPENERS)
        if opener:
            parts.append(opener)
        first = _choice(rng, sentences)
        parts.append(first)
        if len(sentences) > 1 and rng.random() < 0.35:
            second = _choice(rng, sentences)
            if second is not first:
                parts.append(second)
        duration = _choice(rng, texts.DURATIONS)
        if duration:
            parts.append(duration)
        if rng.random() < 0.3:
            parts.append(_choice(rng, texts.ADDITIONS))
        parts.append(_choice(rng, texts.REQUESTS))
        closer = _choice(rng, texts.CLOSERS)
        if closer:
            parts.append(closer)
        text = " ".join(parts).format_map(slots)
        while len(text) < 100:
            text = f"{text} {_choice(rng, texts.ADDITIONS)}"
        if len(text) > 600:
            cut = text.rfind(". ", 0, 599)
            text = text[: cut + 1] if cut >= 100 else text[:599] + "…"
        return text

    def _executor(self, plan: _RegionPlan, topic: str, municipality_id: str | None) -> str:
        kind = _pick(self.rng, self.executor_kinds[topic], self.executor_cum[topic])
        if kind.endswith("@m"):
            if municipality_id is None:
                return plan.regional.get("min_zhkh") or next(iter(plan.regional.values()))
            return str(_choice(self.rng, plan.local[municipality_id, kind]))
        return plan.regional[kind]

    def _source_fields(
        self, source: str, plan: _RegionPlan, municipality_id: str | None, index: int
    ) -> tuple[str, str, str]:
        """external_id, link, author for a post of this source."""
        rng = self.rng
        post = 100_000 + index
        group = plan.groups[municipality_id] if municipality_id else 10_000_000
        if source == "vk":
            key = f"-{group}_{post}"
            return f"wall{key}", f"https://vk.com/wall{key}", _choice(rng, self.short_names)
        if source == "ok":
            return (
                f"ok-{group}-{post}",
                f"https://ok.ru/group/{group}/topic/{post}",
                _choice(rng, self.short_names),
            )
        if source == "telegram":
            channel = f"cur_{plan.region.code[3:].lower()}_{group % 1000}"
            author = (
                _choice(rng, self.nicks) if rng.random() < 0.5 else _choice(rng, self.short_names)
            )
            return f"tg-{channel}-{post}", f"https://t.me/{channel}/{post}", author
        if source == "pos":
            number = 50_000_000 + index
            return (
                f"pos-{number}",
                f"https://pos.gosuslugi.ru/appeals/{number}",
                _choice(rng, self.full_names),
            )
        if source == "appeal_59fz":
            return f"59fz-{plan.region.code}-{post}", "", _choice(rng, self.full_names)
        return f"other-{post}", "", _choice(rng, self.short_names)

    def _rule(self, source: str, topic: str | None, priority: str) -> SlaRule:
        return DEFAULT_POLICY.rule_for(Source(source), topic, Priority(priority))

    def _exact_first(
        self, region_code: str, ts: int, source: str, topic: str | None, priority: str
    ) -> tuple[float, float]:
        assert self.calendars is not None
        deadline = first_answer_deadline(
            _utc(ts), self._rule(source, topic, priority), self.calendars[region_code]
        )
        # a calendar-day limit's warning may fall on a fraction of a second: keep it
        return deadline.due.timestamp(), deadline.warn_at.timestamp()

    def _exact_final(
        self,
        region_code: str,
        ts: int,
        interim_ts: int,
        *,
        source: str,
        topic: str | None,
        priority: str,
    ) -> tuple[int, int]:
        assert self.calendars is not None
        deadline = final_answer_deadline(
            _utc(interim_ts),
            self._rule(source, topic, priority),
            self.calendars[region_code],
            received_at=_utc(ts),
        )
        return int(deadline.due.timestamp()), int(deadline.warn_at.timestamp())

    # ------------------------------------------------------------------ the row

    def row(self, index: int) -> dict[str, Any]:
        rng = self.rng
        rnd = rng.random
        end_ts = self.end_ts
        plan: _RegionPlan = _pick(rng, self.plans, self.region_cum)
        region = plan.region

        slot = bisect.bisect_right(plan.slot_cum, rnd() * plan.slot_cum[-1])
        ts = min(self.start_ts + slot * _HOUR + int(rnd() * _HOUR), end_ts - 1)

        municipality = _pick(rng, plan.municipalities, plan.municipality_cum)
        municipality_id: str | None = municipality.id
        topic: str | None = _pick(rng, self.topics, self.topic_cum)
        assert topic is not None
        subtopic_code, sentences = _choice(rng, self.subtopics[topic])
        subtopic: str | None = subtopic_code
        source = _pick(rng, self.sources, self.source_cum)
        p = rnd()
        if p < _HIGH_SHARE:
            priority = _HIGH
        elif p < _HIGH_SHARE + _LOW_SHARE:
            priority = _LOW
        else:
            priority = _NORMAL

        slots = {
            "street": _choice(rng, self.streets),
            "house": str(1 + int(rnd() * rnd() * 120)),
            "n": str(rng.randint(2, 14)),
            "tag": plan.tags[municipality.id],
        }
        text = self._text(sentences, slots)
        external_id, link, author = self._source_fields(source, plan, municipality_id, index)

        # Deadlines (calendar shortcut, see the module docstring).
        if source == "pos":
            due_s = 14 * _DAY
        elif source == "appeal_59fz":
            due_s = 30 * _DAY
        elif priority == _HIGH:
            due_s = 12 * _HOUR
        else:
            due_s = 24 * _HOUR
        first_due: float = ts + due_s
        first_warn: float = ts + due_s * 3 // 4
        if self.calendars is not None:
            first_due, first_warn = self._exact_first(region.code, ts, source, topic, priority)

        # Life cycle.
        t_take = ts + _lognormal_median(rng, 8 * 60, 1.0)
        t_route = t_take + _lognormal_median(rng, 20 * 60, 0.8)
        median: float
        if source == "pos":
            median = 30 * _HOUR
        elif source == "appeal_59fz":
            median = 12 * _DAY
        else:
            median = region.median_response_hours * _HOUR
        if priority == _HIGH:
            median *= 0.6
        first_at = ts + _lognormal_median(rng, median, 0.85)
        first_at = max(first_at, t_route + 300 + rnd() * 1800)
        stuck = rnd() < (_STUCK_SHARE if end_ts - ts < 30 * _DAY else _STUCK_SHARE / 10)
        rejected = rnd() < _REJECT_SHARE

        status: str
        outcome: str | None = None
        reject_reason: str | None = None
        first_answer: float | None = None
        final_due: int | None = None
        final_warn: int | None = None
        has_interim = has_final = was_reworked = was_reopened = False
        rating: int | None = None
        updated = float(ts)
        assignee: str | None = _choice(rng, region.operators)
        executor_id: str | None = None

        if rejected and t_route <= end_ts:
            status = _REJECTED
            reject_reason = _pick(rng, self.reject_reasons, self.reject_cum)
            updated = t_route
            if rnd() < 0.5:
                topic = subtopic = None
        elif end_ts < t_take:
            status = _NEW
            updated = ts
            if rnd() < 0.85:
                assignee = None
            if rnd() < 0.5:
                topic = subtopic = None
            if rnd() < 0.4:
                municipality_id = None
        elif end_ts < t_route:
            status = _MODERATION
            updated = t_take
            if rnd() < 0.2:
                topic = subtopic = None
        elif stuck or end_ts < first_at:
            executor_id = self._executor(plan, topic, municipality_id)
            if not stuck and first_at - 3600 <= end_ts:
                status = _ANSWER_REVIEW
                updated = first_at - 3600
            else:
                status = _SENT_TO_EXECUTOR
                updated = t_route
        else:
            executor_id = self._executor(plan, topic, municipality_id)
            first_answer = first_at
            updated = first_at
            interim = source != "appeal_59fz" and rnd() < 0.35
            t_closed: float | None = None
            if interim:
                has_interim = True
                final_due = int(first_at) + 9 * _DAY
                final_warn = int(first_at) + 9 * _DAY * 3 // 4
                if self.calendars is not None:
                    final_due, final_warn = self._exact_final(
                        region.code,
                        ts,
                        int(first_at),
                        source=source,
                        topic=topic,
                        priority=priority,
                    )
                t_control = first_at + _lognormal_median(rng, 30 * 60, 0.7)
                final_at = first_at + _lognormal_median(rng, 4 * _DAY, 0.7)
                t_rework = first_at + 0.6 * (final_at - first_at)
                if rnd() < 0.1:
                    was_reworked = True
                    final_at += 2 * _DAY
                if end_ts < t_control:
                    status = _PRIMARY_ANSWERED
                elif end_ts < final_at:
                    if was_reworked and t_rework <= end_ts < t_rework + _DAY:
                        status = _REWORK
                        updated = t_rework
                    elif final_at - 6 * _HOUR <= end_ts:
                        status = _ANSWER_REVIEW
                        updated = final_at - 6 * _HOUR
                    else:
                        status = _ON_CONTROL
                        updated = t_control
                else:
                    has_final = True
                    t_closed = final_at
            else:
                has_final = True  # a solution counts as the final answer (domain.metrics)
                was_reworked = rnd() < 0.05
                t_close = first_at + _lognormal_median(rng, 30 * 60, 0.7)
                if end_ts < t_close:
                    status = _PRIMARY_ANSWERED
                else:
                    t_closed = t_close
            if t_closed is not None:
                status = _CLOSED
                outcome = _pick(rng, self.outcomes, self.outcome_cum)
                updated = t_closed
                if source == "pos" and rnd() < 0.6:
                    rating = 1 + bisect.bisect_right(_RATING_CUM, rnd() * _RATING_CUM[-1])
                reopen_p = 0.3 if rating is not None and rating <= 2 else 0.03
                if rnd() < reopen_p:
                    t_reopen = t_closed + _lognormal_median(rng, 2 * _DAY, 0.6)
                    if t_reopen <= end_ts:
                        was_reopened = True
                        t_reclosed = t_reopen + _lognormal_median(rng, 3 * _DAY, 0.6)
                        if end_ts < t_reclosed:
                            status = _REOPENED
                            outcome = None
                            updated = t_reopen
                        else:
                            updated = t_reclosed

        return {
            "id": _uuid4(rng),
            "source": source,
            "external_id": external_id,
            "link": link,
            "author": author,
            "text": text,
            "received_at": _utc(ts),
            "region_code": region.code,
            "municipality_id": municipality_id,
            "topic_code": topic,
            "subtopic_code": subtopic,
            "executor_id": executor_id,
            "assignee": assignee,
            "priority": priority,
            "status": status,
            "outcome": outcome,
            "reject_reason": reject_reason,
            "first_answer_at": None if first_answer is None else _utc(int(first_answer)),
            "first_answer_due": _utc(first_due),
            "final_answer_due": None if final_due is None else _utc(final_due),
            "version": 1,
            "updated_at": _utc(int(min(updated, end_ts))),
            "first_answer_warn_at": _utc(first_warn),
            "final_answer_warn_at": None if final_warn is None else _utc(final_warn),
            "has_interim": has_interim,
            "has_final": has_final,
            "was_reworked": was_reworked,
            "was_reopened": was_reopened,
            "rating": rating,
            "local_changed": False,
        }


def generate_incidents(
    count: int,
    *,
    seed: int = 1,
    regions: Sequence[str] | None = None,
    days: int = 365,
    end: datetime | None = None,
    exact_deadlines: bool = False,
) -> Iterator[dict[str, Any]]:
    """Yield ``count`` incident rows keyed by the ``incident`` table's columns.

    Rows are spread over the ``days`` before ``end`` (default: now, to the minute) with a daily
    and weekly rhythm in each region's local time; statuses, answer times and flags are
    consistent with each incident's age at ``end``. Instants are aware UTC datetimes, enums are
    their string values. The same ``seed``, ``regions``, ``days`` and ``end`` give the same rows.
    ``external_id`` values are unique within one call.

    Deadlines use calendar offsets (see the module docstring) unless ``exact_deadlines`` is set:
    then they come from :mod:`cur_desktop.domain.deadlines` with the default SLA policy and each
    region's business calendar, which is exact but about twice as slow (for demo seeding, not
    for the million-row benchmark).
    """
    if count < 0:
        raise ValueError("count must not be negative")
    if end is None:
        end = datetime.now(UTC).replace(second=0, microsecond=0)
    factory = _IncidentFactory(
        seed, _select_regions(regions), days, end, exact_deadlines=exact_deadlines
    )
    logger.debug("generating %d incidents (seed %d, %d days to %s)", count, seed, days, end)
    row = factory.row
    for index in range(count):
        yield row(index)


# --------------------------------------------------------------------------- answers


def _address(author: str) -> str | None:
    """How to greet the author: "Имя Отчество" for a full name, "Имя" for a short one."""
    if not author or author.startswith("@"):
        return None
    words = author.split()
    if len(words) == 3:
        return f"{words[1]} {words[2]}"
    if len(words) == 2:
        return words[0]
    return None


def generate_answer_text(incident_row: Mapping[str, Any], rng: random.Random) -> str:
    """Return a plausible answer in good style to an incident row.

    Greeting (by name where known) -> what is done or will be done -> who does it -> a concrete
    date -> proof -> a follow-up promise, as the centres' quality rules describe a good answer.
    """
    name = _address(str(incident_row.get("author") or ""))
    if name is None:
        greeting = _choice(rng, texts.GREETINGS_PLAIN)
    else:
        greeting = _choice(rng, texts.GREETINGS_NAMED).format(name=name)
    topic = incident_row.get("topic_code")
    actions = texts.ACTIONS.get(topic, texts.ACTIONS_DEFAULT) if topic else texts.ACTIONS_DEFAULT
    received = incident_row.get("received_at")
    base = received if isinstance(received, datetime) else datetime.now(UTC)
    region_code = incident_row.get("region_code")
    tz = next((ZoneInfo(r.timezone) for r in _DEMO_REGIONS if r.code == region_code), UTC)
    when = (base + timedelta(days=rng.randint(3, 21))).astimezone(tz)
    date_text = f"{when.day} {texts.MONTHS_GENITIVE[when.month - 1]}"
    parts = [greeting, _choice(rng, actions).format(date=date_text)]
    executor_id = incident_row.get("executor_id")
    executor = _executor_names().get(executor_id) if isinstance(executor_id, str) else None
    if executor:
        parts.append(_choice(rng, texts.EXECUTOR_LINES).format(executor=executor))
    proof = _choice(rng, texts.PROOFS)
    if proof:
        parts.append(proof)
    parts.append(_choice(rng, texts.FOLLOW_UPS))
    return " ".join(parts)
