"""Exports of a statistics report: XLSX (typed cells), CSV (UTF-8 with BOM), and the tables the
PDF report draws (:mod:`cur_desktop.ui.report_pdf`).

:func:`sections` turns a :class:`~cur_desktop.services.supervision.StatisticsReport` into
titled tables of TYPED cells (``int``, ``float``, ``timedelta``, ``date``, ``str``), the one
source of every export, so the workbook, the CSV file and the PDF show the same figures with
the same names (:mod:`cur_desktop.services.definitions`):

* XLSX (openpyxl, imported when used): numbers are numbers, durations are Excel times with the
  ``[h]:mm`` format (rounded to the minute, as shown), shares are fractions with ``0.0%``,
  dates are dates; changes of durations are whole minutes; a sheet «Определения» states each
  definition;
* CSV: ``;``-separated (the list separator of Russian Excel), UTF-8 with a BOM so Excel opens
  Cyrillic right; values as shown on screen («3 ч 03 мин», «98,5 %»).
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from cur_desktop.domain import metrics
from cur_desktop.domain.metrics import NotAvailable
from cur_desktop.services.definitions import CHANGE_RULE, FIGURES, PERIOD_RULE, Unit
from cur_desktop.services.supervision import (
    SOURCE_NAMES,
    StatisticsReport,
    format_change,
    format_value,
)
from cur_desktop.storage.stats_groups import GroupBy

log = logging.getLogger(__name__)

Cell = int | float | timedelta | date | str | None

GROUP_TITLES = {
    GroupBy.OPERATOR: "Операторы",
    GroupBy.EXECUTOR: "Исполнители",
    GroupBy.MUNICIPALITY: "Муниципалитеты",
    GroupBy.TOPIC: "Темы",
    GroupBy.SOURCE: "Источники",
}
GROUP_HEADER = (
    "Название",
    "Инцидентов",
    "Отклонено",
    "С первичным ответом",
    "Среднее время ответа",
    "Медиана времени ответа",
    "Среднее, рабочее время",
    "Доля обработки",
    "Просрочено",
    "Доля просроченных",
)
GROUP_UNITS = (
    None,
    Unit.COUNT,
    Unit.COUNT,
    Unit.COUNT,
    Unit.DURATION,
    Unit.DURATION,
    Unit.DURATION,
    Unit.PERCENT,
    Unit.COUNT,
    Unit.PERCENT,
)
WEEKDAYS = ("Пн", "Вт", "Ср", "Чт", "Пт", "Сб", "Вс")


@dataclass(frozen=True, slots=True)
class Section:
    """One titled table: ``units[i]`` says how column ``i`` is written (``None``: text)."""

    title: str
    header: tuple[str, ...]
    units: tuple[Unit | None, ...]
    rows: list[tuple[Cell, ...]]


def _shown_duration(value: timedelta | None) -> timedelta | None:
    return None if value is None else metrics.round_to_minute(value)


def _value(value: object) -> Cell:
    if isinstance(value, NotAvailable) or value is None:
        return None
    if isinstance(value, timedelta):
        return metrics.round_to_minute(value)
    if isinstance(value, int | float | str | date):
        return value
    return str(value)


def _change(value: timedelta | float | None) -> Cell:
    if value is None:
        return None
    if isinstance(value, timedelta):
        return int(value.total_seconds() // 60)  # already whole minutes (figures as shown)
    return value


def headline_section(report: StatisticsReport) -> Section:
    """The headline figures: this period, the previous one, the change as shown."""
    rows: list[tuple[Cell, ...]] = []
    for card in report.cards:
        rows.append(
            (
                card.figure.label,
                _value(card.current),
                _value(card.previous),
                _change(card.change),
                card.change_text,
            )
        )
    return Section(
        title="Показатели",
        header=(
            "Показатель",
            report.period.title,
            report.previous_period.title,
            "Изменение",
            "Изменение (как показано)",
        ),
        units=(None, None, None, None, None),  # per row: see figure_units
        rows=rows,
    )


def figure_units() -> list[Unit]:
    """The unit of each row of :func:`headline_section`."""
    return [f.unit for f in FIGURES]


def group_section(report: StatisticsReport, by: GroupBy) -> Section:
    """One grouping's table (largest first)."""
    groups = sorted(report.groups.get(by, []), key=lambda g: (-g.stats.registered, str(g.key)))
    rows: list[tuple[Cell, ...]] = []
    for group in groups:
        s = group.stats
        rows.append(
            (
                report.name_of(by, group.key),
                s.registered,
                s.rejected,
                s.answered,
                _shown_duration(s.mean_first_answer_time),
                _shown_duration(s.median_first_answer_time),
                _shown_duration(s.mean_first_answer_working_time),
                s.processing_share,
                s.overdue,
                s.overdue_share,
            )
        )
    return Section(GROUP_TITLES[by], GROUP_HEADER, GROUP_UNITS, rows)


def daily_section(report: StatisticsReport) -> Section:
    """Incidents per local day by source, and the day's mean first-answer time."""
    sources = [code for code, _ in SOURCE_NAMES]
    names = dict(SOURCE_NAMES)
    rows: list[tuple[Cell, ...]] = []
    for day in report.days:
        counts = report.daily_volume.get(day, {})
        per_source = [counts.get(code, 0) for code in sources]
        rows.append(
            (
                day,
                *per_source,
                sum(per_source),
                _shown_duration(report.daily_first_answer.get(day)),
            )
        )
    header = ("Дата", *(names[c] for c in sources), "Всего", "Среднее время ответа")
    units: tuple[Unit | None, ...] = (
        None,
        *(Unit.COUNT for _ in sources),
        Unit.COUNT,
        Unit.DURATION,
    )
    return Section("По дням", header, units, rows)


def load_section(report: StatisticsReport) -> Section:
    """Incidents per weekday (rows) and local hour (columns)."""
    rows: list[tuple[Cell, ...]] = [(WEEKDAYS[wd], *report.hour_weekday[wd]) for wd in range(7)]
    header = ("День недели", *(f"{h:02d}" for h in range(24)))
    return Section("Нагрузка по часам", header, (None, *(Unit.COUNT for _ in range(24))), rows)


def sections(report: StatisticsReport) -> list[Section]:
    """Every table of the report, in the order the exports show them."""
    return [
        headline_section(report),
        *(group_section(report, by) for by in GroupBy),
        daily_section(report),
        load_section(report),
    ]


def report_heading(report: StatisticsReport) -> list[str]:
    """The lines that open every export (region, period, comparison, computation time)."""
    zone = ZoneInfo(report.period.timezone)
    computed = report.computed_at.astimezone(zone)
    return [
        f"Статистика инцидентов: {report.region_name}",
        f"Период: {report.period.title} (сравнение: {report.previous_period.title})",
        f"Рассчитано: {computed.strftime('%d.%m.%Y %H:%M')} ({report.period.timezone})",
    ]


# --------------------------------------------------------------------------- CSV


def _csv_text(unit: Unit | None, value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, str):
        return value
    if unit is None:
        return str(value)
    return format_value(unit, value)


def write_csv(report: StatisticsReport, path: Path) -> None:
    """The report as ``;``-separated UTF-8 with a BOM (values as shown on screen)."""
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        out = csv.writer(handle, delimiter=";")
        for line in report_heading(report):
            out.writerow([line])
        units = figure_units()
        for section in sections(report):
            out.writerow([])
            out.writerow([section.title])
            out.writerow(section.header)
            for index, row in enumerate(section.rows):
                if section.title == "Показатели":
                    unit = units[index]
                    label, current, previous, _minutes, change_text = row
                    out.writerow(
                        [
                            label,
                            _csv_text(unit, current),
                            _csv_text(unit, previous),
                            change_text,
                            change_text,
                        ]
                    )
                    continue
                out.writerow([_csv_text(u, v) for u, v in zip(section.units, row, strict=True)])


# --------------------------------------------------------------------------- XLSX

_FORMATS = {
    Unit.COUNT: "#,##0",
    Unit.DURATION: "[h]:mm",
    Unit.PERCENT: "0.0%",
    Unit.PER_THOUSAND: "0.0",
}


def _xlsx_value(unit: Unit | None, value: Cell) -> tuple[object, str | None]:
    """A cell value for openpyxl and its number format."""
    if value is None:
        return None, None
    if isinstance(value, timedelta):
        return value, _FORMATS[Unit.DURATION]
    if isinstance(value, date):
        return value, "DD.MM.YYYY"
    if isinstance(value, str):
        return value, None
    if unit is Unit.PERCENT:
        return float(value) / 100, _FORMATS[Unit.PERCENT]
    if unit is None:
        return value, None
    return value, _FORMATS[unit]


def write_xlsx(report: StatisticsReport, path: Path) -> None:
    """The report as an Excel workbook: one sheet per table, typed cells, «Определения»."""
    from openpyxl import Workbook  # noqa: PLC0415 (an optional dependency: [desktop])
    from openpyxl.styles import Font  # noqa: PLC0415

    book = Workbook()
    bold = Font(bold=True)
    units = figure_units()
    first = True
    for section in sections(report):
        sheet = book.active if first else book.create_sheet()
        assert sheet is not None
        first = False
        sheet.title = section.title[:31]
        for line in report_heading(report):
            sheet.append([line])
        sheet.append([])
        sheet.append(list(section.header))
        header_row = sheet.max_row
        for cell in sheet[header_row]:
            cell.font = bold
        for index, row in enumerate(section.rows):
            if section.title == "Показатели":
                unit = units[index]
                change_unit: Unit | None = Unit.COUNT if unit is Unit.DURATION else unit
                row_units: Sequence[Unit | None] = (None, unit, unit, change_unit, None)
            else:
                row_units = section.units
            values = [_xlsx_value(u, v) for u, v in zip(row_units, row, strict=True)]
            sheet.append([v for v, _ in values])
            for cell, (_, number_format) in zip(sheet[sheet.max_row], values, strict=False):
                if number_format is not None:
                    cell.number_format = number_format
            if section.title == "Показатели" and unit is Unit.DURATION:
                sheet.cell(sheet.max_row, 4).number_format = '+0" мин";-0" мин";0" мин"'
            elif section.title == "Показатели" and unit is Unit.PERCENT:
                # a change of a share is in percentage points, not a fraction
                change = row[3]
                sheet.cell(sheet.max_row, 4).value = change
                sheet.cell(sheet.max_row, 4).number_format = '+0.0" п.п.";-0.0" п.п.";0.0'
        sheet.column_dimensions["A"].width = 46
        for letter in "BCDEFGHIJ":
            sheet.column_dimensions[letter].width = 18
    notes = book.create_sheet("Определения")
    notes.append(["Показатель", "Определение"])
    for cell in notes[1]:
        cell.font = bold
    for figure in FIGURES:
        notes.append([figure.label, figure.definition])
    notes.append(["Изменение", CHANGE_RULE])
    notes.append(["Период", PERIOD_RULE])
    notes.column_dimensions["A"].width = 46
    notes.column_dimensions["B"].width = 120
    book.properties.title = report_heading(report)[0]
    book.properties.created = datetime.now().replace(microsecond=0)
    book.save(path)


def write_report(report: StatisticsReport, path: Path, kind: str) -> None:
    """Write ``kind`` (``xlsx`` or ``csv``; the PDF is drawn by the window layer)."""
    if kind == "xlsx":
        write_xlsx(report, path)
    elif kind == "csv":
        write_csv(report, path)
    else:
        raise ValueError(f"неизвестный формат выгрузки: {kind}")


__all__ = [
    "Section",
    "daily_section",
    "figure_units",
    "format_change",
    "group_section",
    "headline_section",
    "load_section",
    "report_heading",
    "sections",
    "write_csv",
    "write_report",
    "write_xlsx",
]
