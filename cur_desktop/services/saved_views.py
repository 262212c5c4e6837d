"""Saved views of the inbox (Мои, Новые, Скоро просрочка, Просрочены, На контроле, Все).

Each view is a rule turning "who am I, what time is it, which extra filters" into a store
filter. The window shows their names and counts; what each one keeps is decided here.
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import datetime
from enum import StrEnum

from cur_desktop.domain.enums import Status
from cur_desktop.storage.inbox import OPEN_STATUSES, InboxFilter, InboxSort

log = logging.getLogger(__name__)


class SavedView(StrEnum):
    """The saved views, in the order the window lists them."""

    MINE = "mine"
    NEW = "new"
    AT_RISK = "at_risk"
    OVERDUE = "overdue"
    ON_CONTROL = "on_control"
    ALL = "all"


def view_filter(
    view: SavedView, *, login: str, now: datetime, extra: InboxFilter | None = None
) -> InboxFilter:
    """The store filter of ``view`` for ``login`` at ``now``, narrowed by ``extra``.

    * Мои: open incidents assigned to me;
    * Новые: status "new";
    * Скоро просрочка: open, past the warning instant, not yet overdue;
    * Просрочены: open and past the due instant;
    * На контроле: status "on control" (interim answer given, final one awaited);
    * Все: everything.
    """
    base = extra if extra is not None else InboxFilter()
    base = dataclasses.replace(base, now=now)
    if view is SavedView.MINE:
        statuses = base.statuses or frozenset(OPEN_STATUSES)
        return dataclasses.replace(
            base,
            assignees=frozenset({login}),
            statuses=frozenset(s for s in statuses if not Status(s).is_terminal),
        )
    if view is SavedView.NEW:
        return dataclasses.replace(base, statuses=_narrow(base, {Status.NEW}))
    if view is SavedView.ON_CONTROL:
        return dataclasses.replace(base, statuses=_narrow(base, {Status.ON_CONTROL}))
    if view is SavedView.AT_RISK:
        return dataclasses.replace(base, at_risk=True, overdue=False)
    if view is SavedView.OVERDUE:
        return dataclasses.replace(base, overdue=True, at_risk=False)
    return base


def _narrow(base: InboxFilter, wanted: set[Status]) -> frozenset[Status]:
    if base.statuses is None:
        return frozenset(wanted)
    return frozenset(s for s in base.statuses if s in wanted)


__all__ = ["InboxFilter", "InboxSort", "SavedView", "view_filter"]
