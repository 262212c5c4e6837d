"""Which warnings the window notifies: my incidents that entered their warning band, once.

An incident assigned to the logged-in user whose running deadline is past its warning instant
(less than 25% of its working time left) and not yet overdue is notified ONCE per (incident,
due instant): the pairs already notified are kept in the local store (``deadline_notice``), so
neither the next tick nor a restart repeats them; a new deadline (e.g. the final answer's after
an interim one, or a deadline recomputed by the server) is a new pair and is notified again.

:meth:`DeadlineNotices.check` takes ``now`` (the window passes its clock; tests inject one).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from cur_desktop.services.saved_views import SavedView, view_filter
from cur_desktop.services.workstation import Workstation
from cur_desktop.storage.inbox import InboxFilter, InboxSort

log = logging.getLogger(__name__)

MAX_PER_CHECK = 200
"""At most this many warnings are looked at per check (soonest due first)."""


@dataclass(frozen=True, slots=True)
class DeadlineWarning:
    """One incident to notify about."""

    incident_id: str
    due: datetime
    author: str
    preview: str


class DeadlineNotices:
    """Finds the warnings to notify for ``login`` and remembers them (module docstring)."""

    def __init__(self, workstation: Workstation, login: str) -> None:
        self.workstation = workstation
        self.login = login

    async def check(self, now: datetime) -> list[DeadlineWarning]:
        """The warnings not yet notified at ``now``; they are recorded as notified."""
        if not self.login:
            return []
        flt = view_filter(
            SavedView.AT_RISK,
            login=self.login,
            now=now,
            extra=InboxFilter(assignees=frozenset({self.login})),
        )
        page = await self.workstation.inbox_page(flt, InboxSort.DUE_ASC, limit=MAX_PER_CHECK)
        candidates = {(r.id, r.current_due): r for r in page.rows if r.current_due is not None}
        if not candidates:
            return []
        fresh = await self.workstation.unnotified(list(candidates))
        if not fresh:
            return []
        await self.workstation.record_notified(fresh)
        log.info("%d deadline warning(s) to notify", len(fresh))
        return [
            DeadlineWarning(
                incident_id=i,
                due=due,
                author=candidates[(i, due)].author,
                preview=candidates[(i, due)].preview,
            )
            for i, due in fresh
        ]


__all__ = ["MAX_PER_CHECK", "DeadlineNotices", "DeadlineWarning"]
