"""Decoding a pull page sent as NDJSON (``application/x-ndjson``): one parser call per change.

The server sends the envelope on the first line (``count``, ``next_cursor``, ``has_more``,
``last_mutation_id``, ``reset``) and one change per following line
(:func:`cur_desktop.server.pull_json.pull_json`). Each change line is parsed AND validated
against its entity's wire model by one pydantic-core call (a tagged union on ``entity``): no
Python dict per row, and the GIL is never held for a whole page. Fields this client does not
know are ignored (a newer server may add some). The checks are those of the JSON path: every
row valid, ``data.id`` equal to the change's id, seqs increasing and after the cursor, the count
as announced; anything else is a :class:`ServerProtocolError` and nothing is applied.
"""

from __future__ import annotations

import itertools
import logging
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from cur_desktop.contract import wire
from cur_desktop.storage.pull_pages import DecodedChange
from cur_desktop.sync.errors import ServerProtocolError

log = logging.getLogger(__name__)

NDJSON = "application/x-ndjson"
_WHAT = "Сервер прислал некорректный ответ (получение изменений); данные не применены."


class _Line(BaseModel):
    model_config = ConfigDict(frozen=True)
    seq: int
    id: str


class _IncidentLine(_Line):
    entity: Literal[wire.EntityKind.INCIDENT]
    data: wire.IncidentWire | None


class _AnswerLine(_Line):
    entity: Literal[wire.EntityKind.ANSWER]
    data: wire.AnswerWire | None


class _MunicipalityLine(_Line):
    entity: Literal[wire.EntityKind.MUNICIPALITY]
    data: wire.MunicipalityWire | None


class _ExecutorLine(_Line):
    entity: Literal[wire.EntityKind.EXECUTOR]
    data: wire.ExecutorWire | None


class _Head(BaseModel):
    model_config = ConfigDict(frozen=True)
    count: int = Field(ge=0)
    next_cursor: int
    has_more: bool
    last_mutation_id: int
    reset: bool = False
    total: int | None = Field(default=None, ge=0)


_CHANGE = TypeAdapter[_IncidentLine | _AnswerLine | _MunicipalityLine | _ExecutorLine](
    Annotated[
        _IncidentLine | _AnswerLine | _MunicipalityLine | _ExecutorLine,
        Field(discriminator="entity"),
    ]
)

_VALIDATE_CHANGE = _CHANGE.validator.validate_json


def peek_head(body: bytes) -> tuple[int, bool]:
    """(next_cursor, has_more) from an NDJSON page's first line, without reading the rest."""
    try:
        head = _Head.model_validate_json(body.split(b"\n", 1)[0], extra="ignore")
    except ValidationError as exc:
        log.warning("server sent an invalid NDJSON pull page head")
        raise ServerProtocolError(_WHAT) from exc
    return head.next_cursor, head.has_more


def peek_total(body: bytes) -> int | None:
    """The ``total`` of an NDJSON page's first line (first page of a pull; ``None``: not sent).

    Called after :func:`peek_head` accepted the line.
    """
    try:
        return _Head.model_validate_json(body.split(b"\n", 1)[0], extra="ignore").total
    except ValidationError as exc:
        raise ServerProtocolError(_WHAT) from exc


def parse_ndjson_page(body: bytes, cursor: int) -> tuple[wire.PullResponse, list[DecodedChange]]:
    """The page's envelope (with no ``changes``) and its validated changes, in order."""
    lines = body.split(b"\n")
    try:
        head = _Head.model_validate_json(lines[0], extra="ignore")
        validate = _VALIDATE_CHANGE  # the pydantic-core call itself: no wrapper per line
        changes = [validate(line, extra="ignore") for line in lines[1:] if line]
    except ValidationError as exc:
        log.warning("server sent an invalid NDJSON pull page: %d error(s)", exc.error_count())
        raise ServerProtocolError(_WHAT) from exc
    if len(changes) != head.count:
        log.warning("NDJSON pull page: %d changes of %d announced", len(changes), head.count)
        raise ServerProtocolError(_WHAT)
    decoded: list[DecodedChange] = []
    for change in changes:
        if change.data is not None and str(change.data.id) != change.id:
            raise ServerProtocolError("Сервер прислал противоречивые данные; ничего не применено.")
        decoded.append(DecodedChange(change.entity, change.id, change.data))
    if changes:
        seqs = [c.seq for c in changes]
        after = 0 if head.reset else abs(cursor)
        ordered = all(a < b for a, b in itertools.pairwise(seqs))
        if not ordered or seqs[0] <= after or abs(head.next_cursor) < seqs[-1]:
            raise ServerProtocolError(
                "Сервер прислал изменения не по порядку; данные не применены."
            )
    page = wire.PullResponse(
        changes=[],
        next_cursor=head.next_cursor,
        has_more=head.has_more,
        last_mutation_id=head.last_mutation_id,
        reset=head.reset,
    )
    return page, decoded
