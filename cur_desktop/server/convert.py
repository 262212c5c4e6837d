"""Conversions between the server's table rows and the wire models."""

from __future__ import annotations

from typing import Any

from cur_desktop.contract import wire
from cur_desktop.server.tables import Answer, Executor, Incident, Municipality

_INCIDENT_FIELDS = tuple(wire.IncidentWire.model_fields)
_ANSWER_FIELDS = tuple(wire.AnswerWire.model_fields)


def incident_to_wire(row: Incident) -> wire.IncidentWire:
    """The wire form of an incident row."""
    return wire.IncidentWire.model_validate({f: getattr(row, f) for f in _INCIDENT_FIELDS})


def incident_values(incident: wire.IncidentWire) -> dict[str, Any]:
    """Column values of an incident (enums as their string values, ids as strings)."""
    values = incident.model_dump()
    values["id"] = str(incident.id)
    for key in ("source", "priority", "status", "outcome", "reject_reason"):
        value = values[key]
        values[key] = None if value is None else str(value)
    return values


def answer_to_wire(row: Answer) -> wire.AnswerWire:
    """The wire form of an answer row."""
    return wire.AnswerWire.model_validate({f: getattr(row, f) for f in _ANSWER_FIELDS})


def answer_values(answer: wire.AnswerWire) -> dict[str, Any]:
    """Column values of an answer (without ``region_code`` and ``seq``)."""
    values = answer.model_dump()
    values["id"] = str(answer.id)
    values["incident_id"] = str(answer.incident_id)
    values["kind"] = str(answer.kind)
    values["state"] = str(answer.state)
    return values


def municipality_to_wire(row: Municipality) -> wire.MunicipalityWire:
    """The wire form of a municipality row."""
    return wire.MunicipalityWire(
        id=row.id, region_code=row.region_code, name=row.name, population=row.population
    )


def executor_to_wire(row: Executor) -> wire.ExecutorWire:
    """The wire form of an executor row."""
    return wire.ExecutorWire(
        id=row.id,
        region_code=row.region_code,
        name=row.name,
        municipality_id=row.municipality_id,
    )
