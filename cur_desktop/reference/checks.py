"""Checks of incoming data that the server and the client share: instants and reference codes.

Pure functions (no I/O beyond the packaged reference data), used by the server on every path
in (ingestion, push) and by the client before it records a local change, so an operator hears
about a bad value at once and the server never has to compute with it:

* an instant (``received_at``) must lie in the window from :data:`EARLIEST_INSTANT` up to
  :data:`MAX_AHEAD` after the checker's clock (the server's clock decides on the server);
  outside it deadlines cannot be computed (year 9999 overflows the calendar);
* topic and subtopic codes must exist in the topic catalogue (``resources/reference``), and a
  subtopic must belong to the topic given with it.

Each check returns a Russian reason, or ``None`` when the value is fine.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from cur_desktop.reference import data as refdata

log = logging.getLogger(__name__)

EARLIEST_INSTANT = datetime(2000, 1, 1, tzinfo=UTC)
"""No incident is older than this (the monitoring of social networks started much later)."""

MAX_AHEAD = timedelta(days=1)
"""How far an instant may lie ahead of the checker's clock (clock skew of a source)."""


def instant_problem(value: datetime, now: datetime, *, field: str = "received_at") -> str | None:
    """Why ``value`` is outside the accepted window, or ``None``.

    Compared as offsets from the epoch, so even ``0001-01-01T00:00+14:00`` (which cannot be
    converted to UTC) gets a reason instead of an ``OverflowError``.
    """
    if value.tzinfo is None or value.utcoffset() is None:
        return f"{field}: нужен часовой пояс"
    latest = now + MAX_AHEAD
    try:
        too_early = value < EARLIEST_INSTANT
        too_late = value > latest
    except OverflowError:  # pragma: no cover - comparisons of aware datetimes do not overflow
        too_early, too_late = True, False
    if too_early:
        return f"{field}: момент раньше {EARLIEST_INSTANT:%Y-%m-%d} не принимается"
    if too_late:
        return (
            f"{field}: момент позже {latest.astimezone(UTC):%Y-%m-%d %H:%M} UTC "
            "(более суток вперёд от часов сервера) не принимается"
        )
    return None


def topic_problem(topic_code: str | None, subtopic_code: str | None) -> str | None:
    """Why a topic / subtopic pair is not in the catalogue, or ``None``.

    ``None`` codes are not checked (they mean "not set" or "unchanged"). A subtopic given
    without a topic must still exist; with a topic, it must be one of that topic's.
    """
    if topic_code is not None:
        try:
            refdata.topic_by_code(topic_code)
        except KeyError:
            return f"Неизвестная тема «{_short(topic_code)}»: её нет в рубрикаторе"
    if subtopic_code is not None:
        try:
            subtopic = refdata.subtopic_by_code(subtopic_code)
        except KeyError:
            return f"Неизвестная подтема «{_short(subtopic_code)}»: её нет в рубрикаторе"
        if topic_code is not None and subtopic.topic_code != topic_code:
            return f"Подтема «{subtopic_code}» не относится к теме «{topic_code}»"
    return None


def _short(value: str, limit: int = 60) -> str:
    """``value`` cut for a message (a hostile 100 KB code must not come back in full)."""
    return value if len(value) <= limit else value[:limit] + "…"
