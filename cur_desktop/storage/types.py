"""Column types of the local store: instants as UTC epoch microseconds, enums as their values.

Instants are stored as INTEGER microseconds since 1970-01-01T00:00:00Z: compact, indexable and
cheap to compare. Naive datetimes are refused, because a wall time without a zone is ambiguous
across the regions' time zones (UTC+2 .. UTC+12).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Dialect, Integer, Text
from sqlalchemy.types import TypeDecorator

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_MICRO = timedelta(microseconds=1)


def to_micros(value: datetime) -> int:
    """Return ``value`` as integer microseconds since the epoch in UTC; naive is an error."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime refused by the store: {value!r}")
    return (value - EPOCH) // _ONE_MICRO


def from_micros(value: int) -> datetime:
    """Return the aware UTC datetime for integer microseconds since the epoch."""
    return EPOCH + timedelta(microseconds=value)


class UtcEpochMicros(TypeDecorator[datetime]):
    """Aware ``datetime`` <-> INTEGER microseconds since the epoch in UTC."""

    impl = Integer
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> int | None:
        """Convert an aware datetime to microseconds; ``None`` stays ``None``."""
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"datetime expected, got {type(value).__name__}")
        return to_micros(value)

    def process_literal_param(self, value: datetime | None, dialect: Dialect) -> str:
        """Render an instant inline (used for EXPLAIN output and debugging)."""
        micros = self.process_bind_param(value, dialect)
        return "NULL" if micros is None else str(micros)

    def process_result_value(self, value: Any | None, dialect: Dialect) -> datetime | None:
        """Convert stored microseconds back to an aware UTC datetime."""
        if value is None:
            return None
        return from_micros(int(value))


class EnumText(TypeDecorator[StrEnum]):
    """A ``StrEnum`` stored as its string value in a TEXT column; unknown values are refused."""

    impl = Text
    cache_ok = True

    def __init__(self, enum_cls: type[StrEnum]) -> None:
        super().__init__()
        self.enum_cls = enum_cls

    def process_bind_param(self, value: Any | None, dialect: Dialect) -> str | None:
        """Accept a member or its value; store the value."""
        if value is None:
            return None
        return str(self.enum_cls(value).value)

    def process_literal_param(self, value: Any | None, dialect: Dialect) -> str:
        """Render a value inline (the value; quoting is left to the TEXT impl)."""
        text = self.process_bind_param(value, dialect)
        return "NULL" if text is None else text  # the TEXT impl quotes it

    def process_result_value(self, value: Any | None, dialect: Dialect) -> StrEnum | None:
        """Return the enum member for a stored value."""
        if value is None:
            return None
        return self.enum_cls(value)

    def __repr__(self) -> str:
        return f"EnumText({self.enum_cls.__name__})"
