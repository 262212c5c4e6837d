"""The deadline that matters now for an incident ("current due"), from its own fields.

* until the first public answer (``first_answer_at`` unset): the first-answer due;
* while the incident is on control (``on_control``): the final-answer due;
* otherwise, and always when closed or rejected: none (no timer runs).

The local store keeps the result in the ``incident.current_due`` / ``current_warn_at``
columns, computed on every write of a row (:mod:`cur_desktop.storage.incidents`); the inbox
sorts and filters by them, and timers show them.
"""

from __future__ import annotations

from datetime import datetime

from cur_desktop.domain.enums import Status


def current_deadline(
    status: Status,
    *,
    first_answer_at: datetime | None,
    first_answer_due: datetime | None,
    first_answer_warn_at: datetime | None,
    final_answer_due: datetime | None,
    final_answer_warn_at: datetime | None,
) -> tuple[datetime | None, datetime | None]:
    """``(due, warn_at)`` of the deadline that runs now, or ``(None, None)``."""
    if status.is_terminal:
        return None, None
    if first_answer_at is None:
        return first_answer_due, first_answer_warn_at
    if status is Status.ON_CONTROL:
        return final_answer_due, final_answer_warn_at
    return None, None
