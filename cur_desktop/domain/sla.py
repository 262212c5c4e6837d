"""SLA policies: per-source, per-topic, per-priority deadline rules and how one is chosen.

A region's :class:`SlaPolicy` is a list of :class:`SlaRule`; the most specific rule matching an
incident wins. :data:`DEFAULT_POLICY` carries the defaults of DOMAIN.md ("Deadlines"); regions
override them through ``resources/reference/sla_policies.json`` (loaded elsewhere).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

from cur_desktop.domain.enums import Priority, Source

__all__ = ["DEFAULT_POLICY", "SlaPolicy", "SlaRule"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SlaRule:
    """Deadline limits for the incidents a rule matches (``None`` keys match anything).

    * ``first_answer_working_hours``: the first public answer is due after this much working
      time from registration (working-time arithmetic from the instant itself);
    * ``first_answer_working_days``: instead of hours, a limit in working days: due at the end
      of the N-th working day after the day of registration (ГК РФ ст. 191–193; ПОС: 10);
    * ``first_answer_calendar_hours``: a cap in wall-clock hours; the earlier instant wins;
    * ``final_answer_working_days``: after an interim answer, the final one is due at the end of
      the N-th working day after the day of the interim answer;
    * ``moderation_working_days``: classification and routing are due at the end of the N-th
      working day after the day of registration;
    * ``total_calendar_days``: an overall cap on every answer (59-ФЗ: 30): the N-th calendar day
      after the day of registration, moved to the next working day when it is a day off.

    A rule gives working hours or working days for the first answer, not both; and at least
    one limit of the first answer (hours, days, the hour cap or the total cap).
    """

    source: Source | None = None
    topic_code: str | None = None
    priority: Priority | None = None
    first_answer_working_hours: float | None = 8.0
    first_answer_calendar_hours: float | None = 24.0
    final_answer_working_days: int = 7
    moderation_working_days: int = 1
    total_calendar_days: int | None = None
    first_answer_working_days: int | None = None

    def __post_init__(self) -> None:
        hours = self.first_answer_working_hours
        if hours is not None and not (math.isfinite(hours) and hours > 0):
            raise ValueError("first_answer_working_hours must be a positive number or None")
        cap = self.first_answer_calendar_hours
        if cap is not None and not (math.isfinite(cap) and cap > 0):
            raise ValueError("first_answer_calendar_hours must be positive or None")
        days = self.first_answer_working_days
        if days is not None and days < 1:
            raise ValueError("first_answer_working_days must be >= 1 or None")
        if hours is not None and days is not None:
            raise ValueError(
                "give first_answer_working_hours or first_answer_working_days, not both"
            )
        if self.final_answer_working_days < 1:
            raise ValueError("final_answer_working_days must be >= 1")
        if self.moderation_working_days < 1:
            raise ValueError("moderation_working_days must be >= 1")
        if self.total_calendar_days is not None and self.total_calendar_days < 1:
            raise ValueError("total_calendar_days must be >= 1 or None")
        if all(v is None for v in (hours, days, cap, self.total_calendar_days)):
            raise ValueError("a rule needs at least one limit of the first answer")

    @property
    def specificity(self) -> int:
        """How many of the keys (source, topic, priority) are set."""
        return sum(key is not None for key in (self.source, self.topic_code, self.priority))

    def matches(self, source: Source, topic_code: str | None, priority: Priority) -> bool:
        """Whether every set key of the rule equals the incident's value."""
        return (
            (self.source is None or self.source == source)
            and (self.topic_code is None or self.topic_code == topic_code)
            and (self.priority is None or self.priority == priority)
        )


@dataclass(frozen=True, slots=True)
class SlaPolicy:
    """A named list of rules; ``warn_fraction`` of the allowed time triggers a warning."""

    name: str
    rules: tuple[SlaRule, ...]
    warn_fraction: float = 0.75

    def __post_init__(self) -> None:
        if not 0 < self.warn_fraction < 1:
            raise ValueError(f"warn_fraction must lie in (0, 1), got {self.warn_fraction}")
        if not any(rule.specificity == 0 for rule in self.rules):
            raise ValueError(f"policy {self.name!r} needs a catch-all rule (no keys set)")

    def rule_for(self, source: Source, topic_code: str | None, priority: Priority) -> SlaRule:
        """The most specific matching rule (most keys set); ties go to the first listed."""
        best: SlaRule | None = None
        for rule in self.rules:
            if rule.matches(source, topic_code, priority) and (
                best is None or rule.specificity > best.specificity
            ):
                best = rule
        if best is None:  # pragma: no cover - a catch-all rule is enforced in __post_init__
            raise LookupError(f"no SLA rule in {self.name!r} matches")
        return best


DEFAULT_POLICY = SlaPolicy(
    name="default",
    rules=(
        # Any post: first answer in 8 working hours, never later than 24 calendar hours.
        SlaRule(),
        # «Госуслуги. Решаем вместе»: 10 working days, counted as days (not 80 hours).
        SlaRule(
            source=Source.POS,
            first_answer_working_hours=None,
            first_answer_working_days=10,
            first_answer_calendar_hours=None,
        ),
        # Appeal under 59-ФЗ: 30 calendar days from registration, moved off a day off.
        SlaRule(
            source=Source.APPEAL_59FZ,
            first_answer_working_hours=None,
            first_answer_calendar_hours=None,
            total_calendar_days=30,
        ),
        # High priority: 4 working hours, still capped at 24 calendar hours.
        SlaRule(priority=Priority.HIGH, first_answer_working_hours=4.0),
    ),
)
"""The defaults of DOMAIN.md: 8 wh (4 for high priority) capped at 24 h; final answer 7 wd
after an interim one; ПОС 10 working days; 59-ФЗ 30 calendar days; moderation 1 working day.
A high-priority ПОС or 59-ФЗ message keeps its source's rule: a source key and a priority key
tie at one key each and the source rules are listed first (add a two-key rule to change that)."""
