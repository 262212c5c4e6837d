"""What the window calls: the long-lived :class:`Workstation` (no Qt; see docs/SERVICES.md)."""

from cur_desktop.services.outcomes import ChangeOrigin, Changes, OperationError, WorkstationEvent
from cur_desktop.services.workstation import Workstation, open_workstation

__all__ = [
    "ChangeOrigin",
    "Changes",
    "OperationError",
    "Workstation",
    "WorkstationEvent",
    "open_workstation",
]
