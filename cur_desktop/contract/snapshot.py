"""The first-sync snapshot: a region's confirmed rows as one SQLite file (sync contract).

A first sync of a big region is a bulk load. Paged NDJSON costs the client a Python object, a
validation and a conversion per row (about 60 µs an incident); a snapshot is the same rows as
a compressed SQLite database, which the client attaches and copies into its store with
``INSERT … SELECT`` (C code, no per-row Python), checking every row in SQL first.

``GET /api/v1/sync/snapshot?format=1`` answers ``application/gzip``: a gzip-compressed SQLite
file of **format 1**:

* ``snapshot_meta(key TEXT PRIMARY KEY, value TEXT)``: ``format`` (``"1"``), ``cursor`` (the
  change number the rows are consistent with: pull from it afterwards), ``scope`` (the region
  code, or ``*`` for callers who read every region);
* ``incident``, ``answer``, ``municipality``, ``executor``: one column per field of the wire
  model (:mod:`cur_desktop.contract.wire`), in its order (:data:`TABLES`). Instants are INTEGER
  microseconds since the Unix epoch (UTC), enums their TEXT value, UUIDs canonical lower-case
  TEXT, everything else as the wire has it.

The rows are what a pull from cursor 0 would deliver at ``cursor``, one row per entity; the
headers :data:`HEADER_CURSOR` and :data:`HEADER_ROWS` repeat the cursor and the number of
incidents. A server without snapshots answers 404 and the client pulls pages (docs/SYNC.md).

:func:`column_checks` gives, per column, the SQL condition a valid value meets (the wire
model's types, enum members, lengths and bounds); the client refuses a snapshot with any row
that fails one and falls back to pages.
"""

from __future__ import annotations

import dataclasses
import hashlib
import types
import typing
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from typing import Any
from uuid import UUID

from annotated_types import Ge, MaxLen, MinLen
from pydantic import AwareDatetime, BaseModel

from cur_desktop.contract import wire

FORMAT = 1
PATH = "/sync/snapshot"
MEDIA_TYPE = "application/gzip"
HEADER_CURSOR = "X-Snapshot-Cursor"
HEADER_ROWS = "X-Snapshot-Rows"
HEADER_FORMAT = "X-Snapshot-Format"
META_TABLE = "snapshot_meta"

TABLE_MODELS: dict[str, type[BaseModel]] = {
    "incident": wire.IncidentWire,
    "answer": wire.AnswerWire,
    "municipality": wire.MunicipalityWire,
    "executor": wire.ExecutorWire,
}
"""Snapshot table → the wire model whose fields are its columns."""


@dataclass(frozen=True, slots=True)
class Column:
    """One snapshot column: its field's kind and constraints."""

    name: str
    kind: str
    """``uuid``, ``text``, ``instant``, ``integer`` or ``enum``."""
    nullable: bool
    members: tuple[str, ...] = ()
    min_length: int | None = None
    max_length: int | None = None
    minimum: int | None = None
    default: str | None = None
    """The SQL literal of the field's default (``NULL`` for an optional field without one);
    ``None`` for a required field. A snapshot without the column gets this value (an older
    server's file lacks the fields added since)."""


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICRO_SPAN = (
    (datetime(1, 1, 2, tzinfo=UTC) - _EPOCH) // _EPOCH.resolution,
    (datetime(9999, 12, 30, tzinfo=UTC) - _EPOCH) // _EPOCH.resolution,
)
"""Microseconds a Python ``datetime`` can hold (a day of margin on either side for zones)."""


def _default_sql(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise TypeError(f"no SQL literal for the default {value!r}")
    return _quote(value) if isinstance(value, str) else str(value)


def _column(name: str, annotation: Any, metadata: list[Any]) -> Column:
    nullable = False
    args = typing.get_args(annotation)
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        inner = [a for a in args if a is not type(None)]
        if len(inner) != 1:
            raise TypeError(f"{name}: unsupported union {annotation!r}")
        nullable, annotation = True, inner[0]
    min_length = max_length = minimum = None
    for item in metadata:
        if isinstance(item, MinLen):
            min_length = item.min_length
        elif isinstance(item, MaxLen):
            max_length = item.max_length
        elif isinstance(item, Ge):
            minimum = int(item.ge)  # type: ignore[call-overload]
    if annotation is UUID:
        return Column(name, "uuid", nullable)
    if annotation is AwareDatetime:
        return Column(name, "instant", nullable)
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        members = tuple(str(m.value) for m in annotation)
        return Column(name, "enum", nullable, members=members)
    if annotation is str:
        return Column(name, "text", nullable, min_length=min_length, max_length=max_length)
    if annotation is int:
        return Column(name, "integer", nullable, minimum=minimum)
    raise TypeError(f"{name}: no snapshot encoding for {annotation!r}")


def columns_of(model: type[BaseModel]) -> tuple[Column, ...]:
    """The snapshot columns of ``model``'s fields, in field order."""
    columns = []
    for name, field in model.model_fields.items():
        column = _column(name, field.annotation, list(field.metadata))
        if not field.is_required():
            column = dataclasses.replace(column, default=_default_sql(field.default))
        columns.append(column)
    return tuple(columns)


TABLES: dict[str, tuple[Column, ...]] = {
    table: columns_of(model) for table, model in TABLE_MODELS.items()
}
LAYOUT = hashlib.sha256(
    repr([(t, [c.name for c in cols]) for t, cols in TABLES.items()]).encode()
).hexdigest()[:8]
"""A short digest of the tables' column lists: a server's cached files are keyed by it, so an
upgrade that adds a wire field never serves a file of the old layout."""


_HEX = "[0-9a-f]"
_UUID_GLOB = "-".join(_HEX * n for n in (8, 4, 4, 4, 12))


def column_check(column: Column, qualifier: str = "") -> str:
    """The SQL condition a valid value of ``column`` meets (``NULL`` only where nullable)."""
    ref = f"{qualifier}{column.name}"
    if column.kind == "uuid":
        condition = f"(typeof({ref}) = 'text' AND {ref} GLOB '{_UUID_GLOB}')"
    elif column.kind == "instant":
        low, high = _MICRO_SPAN
        condition = f"(typeof({ref}) = 'integer' AND {ref} BETWEEN {low} AND {high})"
    elif column.kind == "enum":
        condition = f"({ref} IN ({', '.join(_quote(m) for m in column.members)}))"
    elif column.kind == "text":
        parts = [f"typeof({ref}) = 'text'"]
        if column.min_length is not None:
            parts.append(f"length({ref}) >= {column.min_length}")
        if column.max_length is not None:
            parts.append(f"length({ref}) <= {column.max_length}")
        condition = "(" + " AND ".join(parts) + ")"
    else:
        parts = [f"typeof({ref}) = 'integer'"]
        if column.minimum is not None:
            parts.append(f"{ref} >= {column.minimum}")
        condition = "(" + " AND ".join(parts) + ")"
    if column.nullable:
        return f"({ref} IS NULL OR {condition})"
    return condition


def column_checks(table: str, qualifier: str = "") -> str:
    """The SQL condition every valid row of snapshot ``table`` meets."""
    return " AND ".join(column_check(c, qualifier) for c in TABLES[table])


def text_columns(table: str) -> tuple[str, ...]:
    """Columns of ``table`` that hold text (checked for valid UTF-8 by the client)."""
    return tuple(c.name for c in TABLES[table] if c.kind in ("text", "enum", "uuid"))
