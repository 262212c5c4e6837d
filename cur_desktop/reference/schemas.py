"""Pydantic models of the JSON reference files, and their errors told the project's way.

``sla_policies.json`` and ``answer_templates.json`` are validated by these models (strict
types: ``"8"`` is not a number, ``7.5`` is not a day count, ``true`` is neither); keys that
start with ``_`` are comments and ignored; any other unknown key is an error. A failure
becomes one :class:`ReferenceProblem` naming the item path (``policies.default.rules[0].source``)
and the problem in words (``unknown source 'facebook' (allowed: ...)``); the loader turns it
into a ``ReferenceDataError`` with the file's name.

Known topic codes reach the validators through the validation context (``{"topics": ...}``).
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictFloat,
    StrictInt,
    StrictStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails

from cur_desktop.domain.enums import AnswerKind, Priority, Source
from cur_desktop.domain.sla import SlaPolicy, SlaRule

log = logging.getLogger(__name__)

TEMPLATE_KINDS = frozenset({AnswerKind.INTERIM, AnswerKind.SOLUTION, AnswerKind.FINAL})
TEMPLATE_CODE_PATTERN = r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$"

_DEFAULT_RULE = SlaRule()
_DEFAULT_WARN = SlaPolicy(name="_", rules=(_DEFAULT_RULE,)).warn_fraction

PositiveNumber = Annotated[StrictFloat, Field(gt=0)]
PositiveInt = Annotated[StrictInt, Field(gt=0)]
Text = Annotated[StrictStr, Field(min_length=1)]


def _known_topic(value: str | None, info: ValidationInfo) -> str | None:
    topics: Collection[str] = (info.context or {}).get("topics", ())
    if value is not None and value not in topics:
        raise ValueError(f"unknown topic {value!r}")
    return value


def _not_blank(value: str | None) -> str | None:
    if value is not None and not value.strip():
        raise ValueError(f"expected a non-empty string, got {value!r}")
    return value


class _Item(BaseModel):
    """An object of a reference file: unknown keys refused, ``_comment`` keys ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _drop_comments(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if not (isinstance(k, str) and k[:1] == "_")}
        return data


class SlaRuleItem(_Item):
    """One rule of a policy (the fields of :class:`cur_desktop.domain.sla.SlaRule`)."""

    source: Source | None = None
    topic_code: StrictStr | None = None
    priority: Priority | None = None
    first_answer_working_hours: PositiveNumber | None = _DEFAULT_RULE.first_answer_working_hours
    first_answer_working_days: PositiveInt | None = _DEFAULT_RULE.first_answer_working_days
    first_answer_calendar_hours: PositiveNumber | None = _DEFAULT_RULE.first_answer_calendar_hours
    final_answer_working_days: PositiveInt = _DEFAULT_RULE.final_answer_working_days
    moderation_working_days: PositiveInt = _DEFAULT_RULE.moderation_working_days
    total_calendar_days: PositiveInt | None = _DEFAULT_RULE.total_calendar_days

    _topic = field_validator("topic_code")(_known_topic)

    def to_domain(self) -> SlaRule:
        """The domain rule (its own checks run too).

        Only the limits the file gives are passed (the others keep the domain's defaults); a
        limit in working days replaces the default limit in hours unless the file gives both
        (the domain then refuses the pair).
        """
        values = self.model_dump(exclude_unset=True)
        if values.get("first_answer_working_days") is not None:
            values.setdefault("first_answer_working_hours", None)
        return SlaRule(**values)


class SlaPolicyItem(_Item):
    """A named policy: its rules (one of them a catch-all) and its warning fraction."""

    name: Text
    rules: Annotated[list[SlaRuleItem], Field(min_length=1)]
    warn_fraction: Annotated[StrictFloat, Field(gt=0, lt=1)] = _DEFAULT_WARN

    @field_validator("rules")
    @classmethod
    def _catch_all(cls, rules: list[SlaRuleItem]) -> list[SlaRuleItem]:
        if not any(r.source is None and r.topic_code is None and r.priority is None for r in rules):
            raise ValueError(
                "no catch-all rule (one rule must set none of source, topic_code, priority)"
            )
        return rules


class SlaFile(_Item):
    """``sla_policies.json``: policies by key (``default`` or a region's ISO code)."""

    policies: dict[str, SlaPolicyItem]

    @field_validator("policies", mode="before")
    @classmethod
    def _drop_comment_keys(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: v for k, v in value.items() if not (isinstance(k, str) and k[:1] == "_")}
        return value


class TemplateItem(_Item):
    """One answer template."""

    code: Annotated[StrictStr, Field(pattern=TEMPLATE_CODE_PATTERN)]
    title: Text
    kind: AnswerKind
    topic_code: StrictStr | None
    text: Text

    _topic = field_validator("topic_code")(_known_topic)
    _blank = field_validator("title", "text")(_not_blank)

    @field_validator("kind")
    @classmethod
    def _public_kind(cls, kind: AnswerKind) -> AnswerKind:
        if kind not in TEMPLATE_KINDS:
            allowed = ", ".join(sorted(k.value for k in TEMPLATE_KINDS))
            raise ValueError(f"unknown kind {kind.value!r} (allowed: {allowed})")
        return kind


class TemplatesFile(_Item):
    """``answer_templates.json``."""

    templates: list[TemplateItem]


# --------------------------------------------------------------------------- errors


@dataclass(frozen=True, slots=True)
class ReferenceProblem:
    """Where in a file (item path) and what is wrong, in words."""

    where: str
    problem: str


def _path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "top level"


_TYPE_NAMES = {"int": "an integer", "float": "a number", "str": "a non-empty string"}


def problem_of(error: ErrorDetails) -> ReferenceProblem:
    """One pydantic error, told as the loaders always told it."""
    loc = tuple(error["loc"])
    kind = error["type"]
    value = error.get("input")
    ctx = error.get("ctx") or {}
    if kind == "extra_forbidden":
        return ReferenceProblem(_path(loc[:-1]), f"unknown key {loc[-1]!r}")
    if kind == "missing":
        return ReferenceProblem(_path(loc[:-1]), f"missing key {loc[-1]!r}")
    where = _path(loc)
    if kind == "enum":
        field = str(loc[-1]) if loc else "value"
        return ReferenceProblem(
            where, f"unknown {field} {value!r} (allowed: {ctx.get('expected', '')})"
        )
    if kind in ("int_type", "int_from_float", "int_parsing"):
        return ReferenceProblem(where, f"expected an integer, got {value!r}")
    if kind in ("float_type", "float_parsing"):
        return ReferenceProblem(where, f"expected a number, got {value!r}")
    if kind in ("string_type", "string_too_short"):
        return ReferenceProblem(where, f"expected a non-empty string, got {value!r}")
    if kind in ("model_type", "dict_type"):
        return ReferenceProblem(where, f"expected an object, got {type(value).__name__}")
    if kind == "list_type":
        return ReferenceProblem(where, f"expected a list, got {type(value).__name__}")
    if kind == "greater_than":
        return ReferenceProblem(where, f"must be > {ctx.get('gt')}, got {value!r}")
    if kind == "less_than":
        return ReferenceProblem(where, f"must be < {ctx.get('lt')}, got {value!r}")
    if kind == "too_short":
        return ReferenceProblem(where, "must not be empty")
    if kind == "string_pattern_mismatch":
        return ReferenceProblem(where, f"bad code {value!r}")
    message = str(error["msg"]).removeprefix("Value error, ")
    return ReferenceProblem(where, message)


def first_problem(exc: ValidationError) -> ReferenceProblem:
    """The first error of a validation failure (files are fixed one problem at a time)."""
    return problem_of(exc.errors(include_url=False)[0])


__all__ = [
    "TEMPLATE_KINDS",
    "ReferenceProblem",
    "SlaFile",
    "SlaPolicyItem",
    "SlaRuleItem",
    "TemplateItem",
    "TemplatesFile",
    "first_problem",
    "problem_of",
]
