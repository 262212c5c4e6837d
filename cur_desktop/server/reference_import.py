"""Import or update a region's municipalities and executors from CSV, with a dry run.

The files are what a regional IT person exports from a spreadsheet: UTF-8 (with or without a
BOM) or Windows-1251 (Excel's default «CSV» in Russian Windows), separated by ``;``, ``,`` or
tabs, with a header row naming the columns (in any order; extra columns are ignored):

* municipalities: ``id``, ``name``, ``population`` (population may be empty);
* executors: ``id``, ``name``, ``municipality_id`` (empty for a regional body).

:func:`plan_import` reads and checks everything and says what would change (added, changed with
old and new values, unchanged, present on the server but absent from the file); nothing is
written. :func:`apply_import` writes the plan in one transaction, gives each written row a new
change number (so the next pull brings it to every workstation of the region) and writes one
audit entry. Rows absent from the file are kept, never deleted: incidents refer to them.
A plan with any error is never applied.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from cur_desktop.server.admin import (
    AdminError,
    AdminScope,
    NotFoundError,
    known_region_codes,
    write_audit,
)
from cur_desktop.server.db import allocate_seq
from cur_desktop.server.tables import Executor, Municipality

Kind = Literal["municipalities", "executors"]

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 100_000
MAX_POPULATION = 50_000_000
_COLUMNS: dict[Kind, tuple[str, ...]] = {
    "municipalities": ("id", "name", "population"),
    "executors": ("id", "name", "municipality_id"),
}
_OPTIONAL = {"population", "municipality_id"}
_MAX_LENGTH = {"id": 100, "name": 300, "municipality_id": 100}
_KIND_RU = {"municipalities": "муниципалитеты", "executors": "исполнители"}

Value = str | int | None


@dataclass(frozen=True)
class RowError:
    """A problem in a file: which file, which line, what (Russian)."""

    kind: Kind
    line: int
    message: str

    def render(self) -> str:
        """``муниципалитеты, строка 3: …``."""
        where = f"строка {self.line}" if self.line else "файл"
        return f"{_KIND_RU[self.kind]}, {where}: {self.message}"


@dataclass(frozen=True)
class RowChange:
    """A row that would be added (``before`` empty) or changed."""

    kind: Kind
    id: str
    before: dict[str, Value]
    after: dict[str, Value]


@dataclass
class ImportPlan:
    """What an import would do; ``errors`` non-empty means it cannot be applied."""

    region_code: str
    added: list[RowChange] = field(default_factory=list)
    changed: list[RowChange] = field(default_factory=list)
    unchanged: int = 0
    absent_from_file: list[tuple[Kind, str]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether the plan can be applied."""
        return not self.errors

    def render(self) -> str:
        """A Russian report for the terminal or the admin view."""
        lines = [f"Регион {self.region_code}"]
        lines += self.notes
        if self.errors:
            lines.append(f"Ошибок: {len(self.errors)} — ничего не будет записано")
            lines += [f"  {error.render()}" for error in self.errors[:200]]
            if len(self.errors) > 200:
                lines.append(f"  … и ещё {len(self.errors) - 200}")
            return "\n".join(lines)
        lines.append(
            f"Добавить: {len(self.added)}; изменить: {len(self.changed)}; "
            f"без изменений: {self.unchanged}; нет в файле (останутся): "
            f"{len(self.absent_from_file)}"
        )
        for change in self.added:
            lines.append(f"  + {_KIND_RU[change.kind]} {change.id}: {change.after['name']}")
        for change in self.changed:
            diffs = ", ".join(
                f"{key}: {change.before[key]!r} → {change.after[key]!r}"
                for key in change.after
                if change.before.get(key) != change.after[key]
            )
            lines.append(f"  ~ {_KIND_RU[change.kind]} {change.id}: {diffs}")
        for kind, row_id in self.absent_from_file:
            lines.append(f"  = {_KIND_RU[kind]} {row_id}: нет в файле, останется как есть")
        return "\n".join(lines)


def decode_csv(data: bytes) -> tuple[str, str]:
    """The text of an uploaded CSV and the encoding that read it (UTF-8 first, then cp1251)."""
    try:
        return data.decode("utf-8-sig"), "UTF-8"
    except UnicodeDecodeError:
        return data.decode("cp1251", errors="strict"), "Windows-1251"


def _rows(kind: Kind, text: str, errors: list[RowError]) -> list[tuple[int, dict[str, str]]]:
    sample = text[:4096]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=";,\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect, strict=True)
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        header = [cell.strip().lower() for cell in next(reader, [])]
    except csv.Error as exc:
        errors.append(RowError(kind, 1, f"не разобрана строка заголовка: {exc}"))
        return rows
    missing = [c for c in _COLUMNS[kind] if c not in header and c not in _OPTIONAL]
    if not header or missing:
        expected = ", ".join(_COLUMNS[kind])
        errors.append(RowError(kind, 1, f"в заголовке нет столбцов {missing or expected}"))
        return rows
    position = {name: header.index(name) for name in _COLUMNS[kind] if name in header}
    try:
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) >= MAX_ROWS:
                errors.append(RowError(kind, reader.line_num, f"больше {MAX_ROWS} строк"))
                break
            values = {
                name: (cells[index].strip() if index < len(cells) else "")
                for name, index in position.items()
            }
            rows.append((reader.line_num, values))
    except csv.Error as exc:
        errors.append(RowError(kind, reader.line_num, f"ошибка CSV: {exc}"))
    return rows


def _checked(
    kind: Kind, line: int, values: dict[str, str], errors: list[RowError]
) -> dict[str, Value] | None:
    bad = len(errors)
    for name, limit in _MAX_LENGTH.items():
        value = values.get(name, "")
        if len(value) > limit:
            errors.append(RowError(kind, line, f"{name} длиннее {limit} символов"))
        if any(ord(ch) < 32 for ch in value):
            errors.append(RowError(kind, line, f"{name} содержит управляющие символы"))
    if not values.get("id"):
        errors.append(RowError(kind, line, "пустой id"))
    if not values.get("name"):
        errors.append(RowError(kind, line, "пустое название (name)"))
    row: dict[str, Value] = {"name": values.get("name", "")}
    if kind == "municipalities":
        raw = values.get("population", "").replace(" ", "").replace("\u00a0", "")
        population: int | None = None
        if raw:
            if not raw.isdigit() or int(raw) > MAX_POPULATION:
                errors.append(RowError(kind, line, f"население не число от 0 до {MAX_POPULATION}"))
            else:
                population = int(raw)
        row["population"] = population
    else:
        row["municipality_id"] = values.get("municipality_id") or None
    return row if len(errors) == bad else None


def plan_import(
    session: Session,
    scope: AdminScope,
    *,
    region_code: str,
    municipalities: bytes | None,
    executors: bytes | None,
) -> ImportPlan:
    """Read and check the files against the server's rows of ``region_code``; write nothing."""
    if region_code not in known_region_codes() or not scope.covers(region_code):
        raise NotFoundError(f"Регион {region_code} не найден")
    if municipalities is None and executors is None:
        raise AdminError("Не передано ни одного файла")
    plan = ImportPlan(region_code=region_code)
    new_municipalities: dict[str, dict[str, Value]] = {}
    if municipalities is not None:
        new_municipalities = _parse_file("municipalities", municipalities, plan)
        _compare(session, plan, "municipalities", new_municipalities, Municipality)
    if executors is not None:
        parsed = _parse_file("executors", executors, plan)
        known = set(new_municipalities) | set(
            session.scalars(select(Municipality.id).where(Municipality.region_code == region_code))
        )
        for row_id, row in parsed.items():
            ref = row["municipality_id"]
            if ref is not None and ref not in known:
                plan.errors.append(
                    RowError("executors", 0, f"исполнитель {row_id}: нет муниципалитета {ref}")
                )
        _compare(session, plan, "executors", parsed, Executor)
    return plan


def _parse_file(kind: Kind, data: bytes, plan: ImportPlan) -> dict[str, dict[str, Value]]:
    if len(data) > MAX_FILE_BYTES:
        plan.errors.append(RowError(kind, 0, f"файл больше {MAX_FILE_BYTES // 1024 // 1024} МБ"))
        return {}
    try:
        text, encoding = decode_csv(data)
    except UnicodeDecodeError:
        plan.errors.append(RowError(kind, 0, "кодировка не UTF-8 и не Windows-1251"))
        return {}
    if encoding != "UTF-8":
        plan.notes.append(f"{_KIND_RU[kind]}: файл прочитан в кодировке {encoding}")
    parsed: dict[str, dict[str, Value]] = {}
    for line, values in _rows(kind, text, plan.errors):
        row = _checked(kind, line, values, plan.errors)
        if row is None:
            continue
        row_id = values["id"]
        if row_id in parsed:
            plan.errors.append(RowError(kind, line, f"id {row_id} повторяется"))
            continue
        parsed[row_id] = row
    return parsed


def _compare(
    session: Session,
    plan: ImportPlan,
    kind: Kind,
    parsed: dict[str, dict[str, Value]],
    table: type[Municipality] | type[Executor],
) -> None:
    fields = [name for name in _COLUMNS[kind] if name != "id"]
    existing: dict[str, Municipality | Executor] = {}
    if parsed:
        ids = list(parsed)
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            found = session.scalars(select(table).where(table.id.in_(chunk))).all()
            existing.update((row.id, row) for row in cast(list[Municipality | Executor], found))
    for row_id, after in parsed.items():
        current = existing.get(row_id)
        if current is None:
            plan.added.append(RowChange(kind, row_id, {}, after))
            continue
        if current.region_code != plan.region_code:
            plan.errors.append(RowError(kind, 0, f"id {row_id} уже занят: выберите другой"))
            continue
        before: dict[str, Value] = {name: getattr(current, name) for name in fields}
        if before == after:
            plan.unchanged += 1
        else:
            plan.changed.append(RowChange(kind, row_id, before, after))
    in_region = session.execute(
        select(table.id).where(table.region_code == plan.region_code).order_by(table.id)
    ).scalars()
    plan.absent_from_file += [(kind, row_id) for row_id in in_region if row_id not in parsed]


def apply_import(session: Session, scope: AdminScope, plan: ImportPlan, *, now: datetime) -> int:
    """Write ``plan`` (refused when it has errors); returns the number of rows written."""
    if not plan.ok:
        raise AdminError("В файлах есть ошибки: импорт не выполнен")
    writes = plan.added + plan.changed
    if not writes:
        return 0
    first_seq = allocate_seq(session, len(writes))
    for offset, change in enumerate(writes):
        seq = first_seq + offset
        row: Municipality | Executor | None
        if change.kind == "municipalities":
            row = session.get(Municipality, change.id)
        else:
            row = session.get(Executor, change.id)
        if row is None:
            table = Municipality if change.kind == "municipalities" else Executor
            session.add(table(id=change.id, region_code=plan.region_code, seq=seq, **change.after))
        else:
            for name, value in change.after.items():
                setattr(row, name, value)
            row.seq = seq
    write_audit(
        session,
        at=now,
        actor=scope.actor,
        action="reference.import",
        target=plan.region_code,
        region_code=plan.region_code,
        details={
            "added": [f"{c.kind}:{c.id}" for c in plan.added],
            "changed": {
                f"{c.kind}:{c.id}": {"before": c.before, "after": c.after} for c in plan.changed
            },
        },
    )
    return len(writes)
