"""Display names of statuses, sources, priorities, answer kinds and saved views (translated).

The domain keeps stable identifiers; what the operator reads comes from here, through Qt's
translation system (English source strings, Russian in ``resources/translations``).
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from cur_desktop.domain.enums import AnswerKind, AnswerState, Priority, Role, Source, Status
from cur_desktop.services.saved_views import SavedView


def status_title(status: Status | str) -> str:
    """Display name of an incident status."""
    titles = {
        Status.NEW: QCoreApplication.translate("Labels", "New"),
        Status.MODERATION: QCoreApplication.translate("Labels", "Moderation"),
        Status.SENT_TO_EXECUTOR: QCoreApplication.translate("Labels", "Sent to executor"),
        Status.PRIMARY_ANSWERED: QCoreApplication.translate("Labels", "First answer given"),
        Status.ON_CONTROL: QCoreApplication.translate("Labels", "On control"),
        Status.ANSWER_REVIEW: QCoreApplication.translate("Labels", "Answer review"),
        Status.REWORK: QCoreApplication.translate("Labels", "Rework"),
        Status.CLOSED: QCoreApplication.translate("Labels", "Closed"),
        Status.REJECTED: QCoreApplication.translate("Labels", "Rejected"),
        Status.REOPENED: QCoreApplication.translate("Labels", "Reopened"),
    }
    return titles.get(Status(status), str(status))


def source_title(source: Source | str) -> str:
    """Display name of a source."""
    titles = {
        Source.VK: QCoreApplication.translate("Labels", "VK"),
        Source.OK: QCoreApplication.translate("Labels", "Odnoklassniki"),
        Source.TELEGRAM: QCoreApplication.translate("Labels", "Telegram"),
        Source.POS: QCoreApplication.translate("Labels", "Feedback platform"),
        Source.APPEAL_59FZ: QCoreApplication.translate("Labels", "Appeal (59-FZ)"),
        Source.OTHER: QCoreApplication.translate("Labels", "Other"),
    }
    return titles.get(Source(source), str(source))


def priority_title(priority: Priority | str) -> str:
    """Display name of a priority."""
    titles = {
        Priority.LOW: QCoreApplication.translate("Labels", "Low"),
        Priority.NORMAL: QCoreApplication.translate("Labels", "Normal"),
        Priority.HIGH: QCoreApplication.translate("Labels", "High"),
    }
    return titles.get(Priority(priority), str(priority))


def answer_kind_title(kind: AnswerKind | str) -> str:
    """Display name of an answer kind."""
    titles = {
        AnswerKind.INTERIM: QCoreApplication.translate("Labels", "Interim answer"),
        AnswerKind.SOLUTION: QCoreApplication.translate("Labels", "Answer with a solution"),
        AnswerKind.FINAL: QCoreApplication.translate("Labels", "Final answer"),
        AnswerKind.INTERNAL_NOTE: QCoreApplication.translate("Labels", "Internal note"),
    }
    return titles.get(AnswerKind(kind), str(kind))


def answer_state_title(state: AnswerState | str) -> str:
    """Display name of an answer state."""
    titles = {
        AnswerState.DRAFT: QCoreApplication.translate("Labels", "Draft"),
        AnswerState.ON_APPROVAL: QCoreApplication.translate("Labels", "On approval"),
        AnswerState.APPROVED: QCoreApplication.translate("Labels", "Approved"),
        AnswerState.RETURNED: QCoreApplication.translate("Labels", "Returned"),
        AnswerState.PUBLISHED: QCoreApplication.translate("Labels", "Published"),
    }
    return titles.get(AnswerState(state), str(state))


def role_label(role: Role | str) -> str:
    """Display name of a user's role."""
    titles = {
        Role.OPERATOR: QCoreApplication.translate("Labels", "Operator"),
        Role.SUPERVISOR: QCoreApplication.translate("Labels", "Supervisor"),
        Role.FEDERAL_ANALYST: QCoreApplication.translate("Labels", "Federal analyst"),
        Role.ADMIN: QCoreApplication.translate("Labels", "Administrator"),
    }
    return titles.get(Role(role), str(role))


def view_title(view: SavedView) -> str:
    """Display name of a saved view."""
    titles = {
        SavedView.MINE: QCoreApplication.translate("Labels", "Mine"),
        SavedView.NEW: QCoreApplication.translate("Labels", "New incidents"),
        SavedView.AT_RISK: QCoreApplication.translate("Labels", "Due soon"),
        SavedView.OVERDUE: QCoreApplication.translate("Labels", "Overdue"),
        SavedView.ON_CONTROL: QCoreApplication.translate("Labels", "On control"),
        SavedView.ALL: QCoreApplication.translate("Labels", "All"),
    }
    return titles[view]
