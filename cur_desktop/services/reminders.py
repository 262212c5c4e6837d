"""Reminders from promises: when to remind by default, in the region's working time.

The answer editor asks :func:`suggest_reminder` whether the text promises something
(:func:`cur_desktop.domain.promises.find_promise`) and, if so, when to remind: at 10:00
(region time) of the date the text names, or, when it names none, of the next working day.
Reminders are stored per login on this workstation (``Workstation.set_reminder``) and are not
synced; a due reminder puts its incident into Мои with a bell (docs/WINDOW.md, "Reminders").
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, time

from cur_desktop.domain.promises import Promise, find_promise
from cur_desktop.services.timers import calendar_or_moscow

log = logging.getLogger(__name__)

REMIND_AT = time(10, 0)
"""The local time of day a suggested reminder fires."""


@dataclass(frozen=True, slots=True)
class ReminderSuggestion:
    """A promise found in an answer and the default reminder instant (UTC)."""

    promise: Promise
    remind_at: datetime
    from_text: bool
    """Whether the instant comes from a date named in the text (else: next working day)."""


def default_remind_at(region_code: str | None, now: datetime) -> datetime:
    """10:00 region time of the next working day after ``now``'s local date (UTC)."""
    calendar = calendar_or_moscow(region_code)
    day = calendar.nth_working_day_after(calendar.local_date(now), 1)
    return datetime.combine(day, REMIND_AT, tzinfo=calendar.tzinfo).astimezone(UTC)


def suggest_reminder(
    text: str, region_code: str | None, now: datetime
) -> ReminderSuggestion | None:
    """Whether ``text`` promises something and when to remind of it (``None``: no promise)."""
    calendar = calendar_or_moscow(region_code)
    promise = find_promise(text, calendar.local_date(now))
    if promise is None:
        return None
    if promise.due is not None:
        at = datetime.combine(promise.due, REMIND_AT, tzinfo=calendar.tzinfo).astimezone(UTC)
        if at > now:
            return ReminderSuggestion(promise, at, from_text=True)
    return ReminderSuggestion(promise, default_remind_at(region_code, now), from_text=False)


__all__ = ["REMIND_AT", "ReminderSuggestion", "default_remind_at", "suggest_reminder"]
