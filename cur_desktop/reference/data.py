"""Load and validate the reference data of ``resources/reference``.

Files (see docs/REFERENCE_DATA.md for their sources and choices):

* ``regions.csv``: the 89 federal subjects (:class:`~cur_desktop.domain.reference_types.Region`);
* ``topics.csv``: the topic catalogue (:class:`~cur_desktop.domain.reference_types.Topic`);
* ``sla_policies.json``: the default SLA policy and regional variants
  (:class:`~cur_desktop.domain.sla.SlaPolicy`);
* ``answer_templates.json``: reply templates
  (:class:`~cur_desktop.domain.reference_types.AnswerTemplate`).

Every loader takes an optional ``path`` (tests feed it files from a temporary folder); without
one it reads the shipped file through :func:`cur_desktop.reference.paths.resource_path`. Loaded
data is
cached per path. A malformed file is refused with :class:`ReferenceDataError`, whose message
names the file and the line (CSV: the physical line number; JSON: the parser's line, or the
path of the offending item, e.g. ``policies.RU-SEV.rules[1].source``).
"""

from __future__ import annotations

import csv
import json
import logging
import re
import string
import zoneinfo
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from cur_desktop.domain.reference_types import (
    FEDERAL_DISTRICTS,
    AnswerTemplate,
    Region,
    Subtopic,
    Topic,
)
from cur_desktop.domain.sla import SlaPolicy, SlaRule
from cur_desktop.reference.paths import resource_path
from cur_desktop.reference.schemas import SlaFile, TemplatesFile, first_problem

logger = logging.getLogger(__name__)

_M = TypeVar("_M", bound=BaseModel)

REGIONS_FILE = "regions.csv"
TOPICS_FILE = "topics.csv"
SLA_POLICIES_FILE = "sla_policies.json"
ANSWER_TEMPLATES_FILE = "answer_templates.json"

DEFAULT_POLICY_KEY = "default"
"""Key of the policy that applies to a region without a variant of its own."""

TEMPLATE_VARIABLES: frozenset[str] = frozenset(
    {"author", "executor", "date", "municipality", "topic", "operator"}
)
"""The variables an answer template may use, written ``{name}`` in its text."""

REGION_COLUMNS = (
    "iso_code",
    "okato",
    "name_ru",
    "short_name_ru",
    "federal_district",
    "timezone",
    "population",
)
TOPIC_COLUMNS = ("code", "name_ru", "sort_order")

_REGION_CODE_RE = re.compile(r"^RU-[A-Z]{2,3}$")
_OKATO_RE = re.compile(r"^\d{2}(\d{3})?$")
_TOPIC_CODE_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_SUBTOPIC_CODE_RE = re.compile(r"^([a-z][a-z0-9_]*)\.[a-z][a-z0-9_]*$")


class ReferenceDataError(ValueError):
    """A reference data file is malformed; the message names the file and the line or item."""

    def __init__(self, path: Path, where: str, problem: str) -> None:
        super().__init__(f"{path.name}: {where}: {problem} ({path})")
        self.path = path
        self.where = where
        self.problem = problem


class TemplateVariableError(KeyError):
    """A template variable is unknown or has no value; ``variable`` names it."""

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"template variable {{{variable}}}: {problem}")
        self.variable = variable

    def __str__(self) -> str:
        # KeyError quotes its argument; show the message as written.
        return str(self.args[0])


# --------------------------------------------------------------------------- CSV reading


@dataclass(frozen=True, slots=True)
class _CsvRow:
    line: int
    values: dict[str, str]


class _NumberedLines:
    """Feed a CSV reader the data lines of a file, skipping ``#`` comments and blank lines.

    ``line`` is the physical line number (1-based) of the last line handed out.
    """

    def __init__(self, text: str) -> None:
        self._lines = text.splitlines(keepends=True)
        self.line = 0

    def __iter__(self) -> Iterator[str]:
        for index, raw in enumerate(self._lines, start=1):
            stripped = raw.strip()
            if not stripped or stripped.startswith("#"):
                continue
            self.line = index
            yield raw


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ReferenceDataError(path, "file", f"not valid UTF-8: {exc}") from exc


def _read_csv(path: Path, columns: Sequence[str]) -> list[_CsvRow]:
    """Read a CSV file with a header row equal to ``columns``; every cell is stripped."""
    lines = _NumberedLines(_read_text(path))
    reader = csv.reader(lines, strict=True)
    rows: list[_CsvRow] = []
    header: list[str] | None = None
    try:
        for cells in reader:
            if header is None:
                header = [c.strip() for c in cells]
                if tuple(header) != tuple(columns):
                    raise ReferenceDataError(
                        path,
                        f"line {lines.line}",
                        f"header is {','.join(header)!r}, expected {','.join(columns)!r}",
                    )
                continue
            if len(cells) != len(columns):
                raise ReferenceDataError(
                    path,
                    f"line {lines.line}",
                    f"{len(cells)} columns, expected {len(columns)}",
                )
            values = dict(zip(columns, (c.strip() for c in cells), strict=True))
            rows.append(_CsvRow(lines.line, values))
    except csv.Error as exc:
        raise ReferenceDataError(path, f"line {lines.line}", f"bad CSV: {exc}") from exc
    if header is None:
        raise ReferenceDataError(path, "file", "no header row")
    return rows


def _required(path: Path, row: _CsvRow, column: str) -> str:
    value = row.values[column]
    if not value:
        raise ReferenceDataError(path, f"line {row.line}", f"empty required field {column!r}")
    return value


# --------------------------------------------------------------------------- regions


def _default(path: Path | None, name: str) -> Path:
    return path if path is not None else _shipped(name)


@cache
def _shipped(name: str) -> Path:
    """The shipped file ``name`` (looked up once: the server asks for the SLA file per change)."""
    return resource_path("reference", name)


def load_regions(path: Path | None = None) -> tuple[Region, ...]:
    """Return the federal subjects in file order; the shipped file when ``path`` is None."""
    return _load_regions(_default(path, REGIONS_FILE))


@cache
def _load_regions(path: Path) -> tuple[Region, ...]:
    regions: list[Region] = []
    seen_iso: dict[str, int] = {}
    seen_okato: dict[str, int] = {}
    for row in _read_csv(path, REGION_COLUMNS):
        where = f"line {row.line}"
        iso = _required(path, row, "iso_code")
        if not _REGION_CODE_RE.match(iso):
            raise ReferenceDataError(path, where, f"bad iso_code {iso!r} (expected RU-XXX)")
        if iso in seen_iso:
            raise ReferenceDataError(
                path, where, f"duplicate iso_code {iso!r} (first on line {seen_iso[iso]})"
            )
        seen_iso[iso] = row.line
        okato = _required(path, row, "okato")
        if not _OKATO_RE.match(okato):
            raise ReferenceDataError(path, where, f"bad okato {okato!r} (2 or 5 digits)")
        if okato in seen_okato:
            raise ReferenceDataError(
                path, where, f"duplicate okato {okato!r} (first on line {seen_okato[okato]})"
            )
        seen_okato[okato] = row.line
        district = _required(path, row, "federal_district")
        if district not in FEDERAL_DISTRICTS:
            raise ReferenceDataError(path, where, f"unknown federal_district {district!r}")
        tz = _required(path, row, "timezone")
        try:
            zoneinfo.ZoneInfo(tz)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise ReferenceDataError(path, where, f"unknown IANA time zone {tz!r}") from exc
        regions.append(
            Region(
                iso_code=iso,
                okato=okato,
                name_ru=_required(path, row, "name_ru"),
                short_name_ru=_required(path, row, "short_name_ru"),
                federal_district=district,
                timezone=tz,
                population=_population(path, row),
            )
        )
    if not regions:
        raise ReferenceDataError(path, "file", "no regions")
    logger.debug("loaded %d regions from %s", len(regions), path)
    return tuple(regions)


def _population(path: Path, row: _CsvRow) -> int | None:
    text = row.values["population"].replace("_", "")
    if not text:
        return None
    if not text.isdigit():
        raise ReferenceDataError(
            path, f"line {row.line}", f"bad population {row.values['population']!r}"
        )
    value = int(text)
    if value <= 0:
        raise ReferenceDataError(path, f"line {row.line}", f"population must be > 0: {value}")
    return value


@cache
def _regions_by_code(path: Path) -> dict[str, Region]:
    return {r.iso_code: r for r in _load_regions(path)}


def region_by_code(code: str, path: Path | None = None) -> Region:
    """Return the region with this ISO code (case-insensitive); ``KeyError`` if there is none."""
    regions = _regions_by_code(_default(path, REGIONS_FILE))
    try:
        return regions[code.strip().upper()]
    except KeyError:
        raise KeyError(f"unknown region code {code!r}") from None


# --------------------------------------------------------------------------- topics


def load_topics(path: Path | None = None) -> tuple[Topic, ...]:
    """Return the top-level topics sorted by ``sort_order``, each with its subtopics."""
    return _load_topics(_default(path, TOPICS_FILE))


@cache
def _load_topics(path: Path) -> tuple[Topic, ...]:
    heads: dict[str, tuple[str, int]] = {}
    subs: dict[str, list[Subtopic]] = {}
    seen: dict[str, int] = {}
    for row in _read_csv(path, TOPIC_COLUMNS):
        where = f"line {row.line}"
        code = _required(path, row, "code")
        name = _required(path, row, "name_ru")
        if code in seen:
            raise ReferenceDataError(
                path, where, f"duplicate code {code!r} (first on line {seen[code]})"
            )
        seen[code] = row.line
        order_text = row.values["sort_order"]
        sub_match = _SUBTOPIC_CODE_RE.match(code)
        if sub_match:
            parent = sub_match.group(1)
            if parent not in heads:
                raise ReferenceDataError(
                    path, where, f"subtopic {code!r} before (or without) its topic {parent!r}"
                )
            if order_text:
                raise ReferenceDataError(path, where, "a subtopic takes no sort_order")
            subs[parent].append(Subtopic(code=code, topic_code=parent, name_ru=name))
        elif _TOPIC_CODE_RE.match(code):
            if not order_text:
                raise ReferenceDataError(path, where, "empty required field 'sort_order'")
            try:
                order = int(order_text)
            except ValueError:
                raise ReferenceDataError(
                    path, where, f"bad sort_order {order_text!r} (an integer)"
                ) from None
            heads[code] = (name, order)
            subs[code] = []
        else:
            raise ReferenceDataError(
                path, where, f"bad code {code!r} (expected 'topic' or 'topic.sub')"
            )
    if not heads:
        raise ReferenceDataError(path, "file", "no topics")
    topics = [
        Topic(code=code, name_ru=name, sort_order=order, subtopics=tuple(subs[code]))
        for code, (name, order) in heads.items()
    ]
    topics.sort(key=lambda t: (t.sort_order, t.code))
    return tuple(topics)


def topic_by_code(code: str, path: Path | None = None) -> Topic:
    """Return the top-level topic with this code; ``KeyError`` if there is none."""
    for topic in load_topics(path):
        if topic.code == code:
            return topic
    raise KeyError(f"unknown topic code {code!r}")


def subtopic_by_code(code: str, path: Path | None = None) -> Subtopic:
    """Return the subtopic with this full code (``"roads.potholes"``); ``KeyError`` if none."""
    topic_code = code.partition(".")[0]
    for topic in load_topics(path):
        if topic.code == topic_code:
            found = topic.subtopic(code)
            if found is not None:
                return found
    raise KeyError(f"unknown subtopic code {code!r}")


# --------------------------------------------------------------------------- JSON reading


def _read_json(path: Path) -> Any:
    try:
        return json.loads(_read_text(path))
    except json.JSONDecodeError as exc:
        raise ReferenceDataError(
            path, f"line {exc.lineno} column {exc.colno}", f"bad JSON: {exc.msg}"
        ) from exc


# --------------------------------------------------------------------------- SLA policies


def load_sla_policies(path: Path | None = None) -> dict[str, SlaPolicy]:
    """Return the SLA policies: ``"default"`` plus regional variants keyed by ISO code.

    The returned dict is a fresh copy; the policies themselves are frozen.
    """
    return dict(_load_sla_policies(_default(path, SLA_POLICIES_FILE)))


def sla_policy_for_region(region_code: str, path: Path | None = None) -> SlaPolicy:
    """Return the region's own policy, or the default one if it has none."""
    policies = _load_sla_policies(_default(path, SLA_POLICIES_FILE))
    return policies.get(region_code.strip().upper(), policies[DEFAULT_POLICY_KEY])


def _validated(path: Path, model: type[_M], data: Any) -> _M:
    """Validate ``data`` with ``model`` (:mod:`cur_desktop.reference.schemas`); refuse it with
    the first problem's item path and words."""
    try:
        parsed: _M = model.model_validate(data, context={"topics": {t.code for t in load_topics()}})
    except ValidationError as exc:
        problem = first_problem(exc)
        raise ReferenceDataError(path, problem.where, problem.problem) from exc
    return parsed


@cache
def _load_sla_policies(path: Path) -> dict[str, SlaPolicy]:
    parsed = _validated(path, SlaFile, _read_json(path))
    known_regions = {r.iso_code for r in load_regions()}
    policies: dict[str, SlaPolicy] = {}
    for key, item in parsed.policies.items():
        where = f"policies.{key}"
        if key != DEFAULT_POLICY_KEY and key not in known_regions:
            raise ReferenceDataError(
                path, where, f"key must be {DEFAULT_POLICY_KEY!r} or a region's ISO code"
            )
        rules: list[SlaRule] = []
        for index, rule in enumerate(item.rules):
            try:
                rules.append(rule.to_domain())
            except ValueError as exc:
                raise ReferenceDataError(path, f"{where}.rules[{index}]", str(exc)) from exc
        try:
            policies[key] = SlaPolicy(
                name=item.name, rules=tuple(rules), warn_fraction=item.warn_fraction
            )
        except ValueError as exc:
            raise ReferenceDataError(path, where, str(exc)) from exc
    if DEFAULT_POLICY_KEY not in policies:
        raise ReferenceDataError(path, "policies", f"no {DEFAULT_POLICY_KEY!r} policy")
    return policies


# --------------------------------------------------------------------------- answer templates


def load_answer_templates(path: Path | None = None) -> tuple[AnswerTemplate, ...]:
    """Return the answer templates in file order."""
    return _load_answer_templates(_default(path, ANSWER_TEMPLATES_FILE))


@cache
def _load_answer_templates(path: Path) -> tuple[AnswerTemplate, ...]:
    parsed = _validated(path, TemplatesFile, _read_json(path))
    templates: list[AnswerTemplate] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(parsed.templates):
        where = f"templates[{index}]"
        if item.code in seen:
            raise ReferenceDataError(
                path,
                f"{where}.code",
                f"duplicate code {item.code!r} (first at templates[{seen[item.code]}])",
            )
        seen[item.code] = index
        try:
            template_variables(item.text)
        except (TemplateVariableError, ValueError) as exc:
            raise ReferenceDataError(path, f"{where}.text", str(exc)) from exc
        templates.append(
            AnswerTemplate(
                code=item.code,
                title=item.title,
                kind=item.kind,
                topic_code=item.topic_code,
                text=item.text,
            )
        )
    return tuple(templates)


def template_by_code(code: str, path: Path | None = None) -> AnswerTemplate:
    """Return the answer template with this code; ``KeyError`` if there is none."""
    for template in load_answer_templates(path):
        if template.code == code:
            return template
    raise KeyError(f"unknown answer template {code!r}")


def template_variables(text: str) -> tuple[str, ...]:
    """Return the variables a template text uses, in order of first use.

    Raises :class:`TemplateVariableError` for a variable outside :data:`TEMPLATE_VARIABLES` and
    ``ValueError`` for a malformed placeholder (unbalanced brace, ``{}``, ``{x!r}``, ``{x:>3}``).
    """
    found: list[str] = []
    for _literal, field, spec, conversion in string.Formatter().parse(text):
        if field is None:
            continue
        if not field:
            raise ValueError("empty placeholder {} (write {name})")
        if spec or conversion:
            raise ValueError(f"placeholder {{{field}}} takes no format spec or conversion")
        if field not in TEMPLATE_VARIABLES:
            allowed = ", ".join(sorted(TEMPLATE_VARIABLES))
            raise TemplateVariableError(field, f"unknown variable (allowed: {allowed})")
        if field not in found:
            found.append(field)
    return tuple(found)


def render_template(template: AnswerTemplate | str, values: Mapping[str, str]) -> str:
    """Fill a template's ``{variables}`` from ``values``.

    Raises :class:`TemplateVariableError` naming the variable when the template uses one that
    ``values`` lacks (or that is not a known variable), or when ``values`` holds a key that is
    not a known variable (a misspelt name would otherwise be ignored silently).
    """
    text = template.text if isinstance(template, AnswerTemplate) else template
    for key in values:
        if key not in TEMPLATE_VARIABLES:
            allowed = ", ".join(sorted(TEMPLATE_VARIABLES))
            raise TemplateVariableError(key, f"unknown variable (allowed: {allowed})")
    parts: list[str] = []
    for literal, field, _spec, _conversion in string.Formatter().parse(text):
        parts.append(literal)
        if field is None:
            continue
        if field not in TEMPLATE_VARIABLES:
            allowed = ", ".join(sorted(TEMPLATE_VARIABLES))
            raise TemplateVariableError(field, f"unknown variable (allowed: {allowed})")
        if field not in values:
            raise TemplateVariableError(field, "no value given")
        parts.append(values[field])
    return "".join(parts)


def clear_caches() -> None:
    """Forget every loaded file (for tests and for a reload after editing the data)."""
    for cached in (
        _load_regions,
        _regions_by_code,
        _load_topics,
        _load_sla_policies,
        _load_answer_templates,
    ):
        cached.cache_clear()
