"""A custom statistics period: whole local days ``[start_date, end_date)`` of a region.

:class:`DateRange` answers the same questions as
:class:`~cur_desktop.domain.periods.LocalPeriod` (UTC bounds, the previous equal period, a
Russian title), so statistics take either (:class:`StatsPeriod`). The previous period of a
custom range is the range of the same number of days just before it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

log = logging.getLogger(__name__)


class StatsPeriod(Protocol):
    """What statistics need of a period (``LocalPeriod`` and ``DateRange`` both have it)."""

    @property
    def timezone(self) -> str: ...

    @property
    def start_date(self) -> date: ...

    @property
    def end_date(self) -> date: ...

    @property
    def title(self) -> str: ...

    def utc_bounds(self) -> tuple[datetime, datetime]: ...


@dataclass(frozen=True, slots=True)
class DateRange:
    """Local days from ``start_date`` (included) to ``end`` (excluded) in ``timezone``."""

    timezone: str
    start_date: date
    end: date

    def __post_init__(self) -> None:
        ZoneInfo(self.timezone)
        if self.end <= self.start_date:
            raise ValueError("конец периода должен быть позже начала")

    @property
    def end_date(self) -> date:
        """The first local date after the range (exclusive end)."""
        return self.end

    def utc_bounds(self) -> tuple[datetime, datetime]:
        """``[start, end)`` in UTC: the local midnights around the range."""
        tz = ZoneInfo(self.timezone)

        def midnight(day: date) -> datetime:
            return datetime(day.year, day.month, day.day, tzinfo=tz).astimezone(UTC)

        return midnight(self.start_date), midnight(self.end)

    def previous(self) -> DateRange:
        """The range of the same length just before this one."""
        length = self.end - self.start_date
        return DateRange(self.timezone, self.start_date - length, self.start_date)

    @property
    def title(self) -> str:
        """«01.03.2026 — 15.03.2026» (both days included)."""
        last = self.end - timedelta(days=1)
        return f"{self.start_date.strftime('%d.%m.%Y')} — {last.strftime('%d.%m.%Y')}"


__all__ = ["DateRange", "StatsPeriod"]
