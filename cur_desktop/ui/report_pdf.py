"""The printable PDF report of a statistics view, drawn with Qt's own PDF writer (QPdfWriter).

A4 portrait: the heading (region, period, comparison, computation time), the headline figures
with their changes, the charts (incidents per day by source, mean first-answer time per day,
the weekday × hour load, topics and municipalities ranked), the tables per operator, executor,
municipality and topic, and the definitions of every figure. All texts and values come from
:mod:`cur_desktop.services.reports` (the same tables as the XLSX and CSV exports). Needs a
``QGuiApplication`` (fonts); ``cur-desktop report`` makes an offscreen one.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QMarginsF, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPageLayout, QPageSize, QPainter, QPdfWriter, QPen

from cur_desktop.services.definitions import CHANGE_RULE, FIGURES, PERIOD_RULE
from cur_desktop.services.reports import Section, group_section, report_heading
from cur_desktop.services.supervision import SOURCE_NAMES, StatisticsReport, format_value
from cur_desktop.storage.stats_groups import GroupBy
from cur_desktop.ui.charts import SOURCE_COLOURS

log = logging.getLogger(__name__)

DPI = 150
WEEKDAYS = ("Пн", "Вт", "Ср", "Чт", "Пт", "Сб", "Вс")


class _Page:
    """A cursor over the pages of a PDF: text lines, tables and chart boxes."""

    def __init__(self, writer: QPdfWriter, painter: QPainter) -> None:
        self.writer = writer
        self.painter = painter
        rect = writer.pageLayout().paintRectPixels(DPI)
        self.width = float(rect.width())
        self.height = float(rect.height())
        self.y = 0.0

    def px(self, points: float) -> float:
        return points * DPI / 72

    def font(self, size: float, *, bold: bool = False) -> None:
        font = QFont("DejaVu Sans")
        font.setPointSizeF(size)
        font.setBold(bold)
        self.painter.setFont(font)

    def need(self, height: float) -> None:
        if self.y + height > self.height:
            self.writer.newPage()
            self.y = 0.0

    def text(self, line: str, size: float = 9, *, bold: bool = False, gap: float = 2) -> None:
        self.font(size, bold=bold)
        metrics = self.painter.fontMetrics()
        rect = QRectF(0, 0, self.width, 10_000)
        bound = metrics.boundingRect(rect.toRect(), int(Qt.TextFlag.TextWordWrap), line)
        self.need(bound.height() + self.px(gap))
        self.painter.setPen(QColor("#000"))
        self.painter.drawText(
            QRectF(0, self.y, self.width, bound.height()), int(Qt.TextFlag.TextWordWrap), line
        )
        self.y += bound.height() + self.px(gap)

    def table(
        self,
        header: Sequence[str],
        rows: Sequence[Sequence[str]],
        widths: Sequence[float],
        size: float = 7.5,
    ) -> None:
        self.font(size)
        line = self.painter.fontMetrics().height() * 1.25
        total = sum(widths)
        xs = [0.0]
        for w in widths:
            xs.append(xs[-1] + self.width * w / total)

        def draw(cells: Sequence[str], *, bold: bool) -> None:
            self.need(line)
            self.font(size, bold=bold)
            for i, cell in enumerate(cells):
                align = Qt.AlignmentFlag.AlignLeft if i == 0 else Qt.AlignmentFlag.AlignRight
                box = QRectF(xs[i] + 2, self.y, xs[i + 1] - xs[i] - 4, line)
                elided = self.painter.fontMetrics().elidedText(
                    cell, Qt.TextElideMode.ElideRight, int(box.width())
                )
                self.painter.drawText(box, int(align | Qt.AlignmentFlag.AlignVCenter), elided)
            self.y += line
            self.painter.setPen(QPen(QColor("#ccc")))
            self.painter.drawLine(QPointF(0, self.y), QPointF(self.width, self.y))
            self.painter.setPen(QColor("#000"))

        draw(header, bold=True)
        for row in rows:
            draw(row, bold=False)
        self.y += self.px(6)


def _bars(
    page: _Page, box: QRectF, title: str, stacks: list[list[tuple[float, str]]], labels: list[str]
) -> None:
    """Vertical bars; each bar a stack of ``(value, colour)``."""
    p = page.painter
    page.font(8, bold=True)
    p.drawText(QRectF(box.left(), box.top(), box.width(), page.px(12)), title)
    area = QRectF(
        box.left() + page.px(24),
        box.top() + page.px(14),
        box.width() - page.px(26),
        box.height() - page.px(28),
    )
    top = max((sum(v for v, _ in s) for s in stacks), default=0) or 1
    p.setPen(QPen(QColor("#888")))
    p.drawLine(area.bottomLeft(), area.bottomRight())
    page.font(6)
    p.drawText(
        QRectF(box.left(), area.top() - page.px(4), page.px(22), page.px(10)),
        int(Qt.AlignmentFlag.AlignRight),
        str(int(top)),
    )
    n = max(len(stacks), 1)
    step = area.width() / n
    for i, stack in enumerate(stacks):
        bottom = area.bottom()
        for value, colour in stack:
            h = area.height() * value / top
            p.fillRect(
                QRectF(area.left() + i * step + step * 0.1, bottom - h, step * 0.8, h),
                QColor(colour),
            )
            bottom -= h
        if labels[i] and (n <= 16 or i % max(1, n // 8) == 0):
            p.setPen(QColor("#333"))
            p.drawText(
                QRectF(
                    area.left() + i * step - page.px(10),
                    area.bottom() + 1,
                    step + page.px(20),
                    page.px(10),
                ),
                int(Qt.AlignmentFlag.AlignHCenter),
                labels[i],
            )


def _ranked(
    page: _Page, box: QRectF, title: str, items: list[tuple[str, int]], colour: str
) -> None:
    """Horizontal bars with labels, largest first."""
    p = page.painter
    page.font(8, bold=True)
    p.drawText(QRectF(box.left(), box.top(), box.width(), page.px(12)), title)
    top = max((v for _, v in items), default=0) or 1
    row = (box.height() - page.px(14)) / max(len(items), 1)
    label_w = box.width() * 0.42
    page.font(6.5)
    for i, (label, value) in enumerate(items):
        y = box.top() + page.px(14) + i * row
        p.setPen(QColor("#333"))
        text = p.fontMetrics().elidedText(label, Qt.TextElideMode.ElideRight, int(label_w - 4))
        p.drawText(
            QRectF(box.left(), y, label_w - 4, row),
            int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
            text,
        )
        w = (box.width() - label_w - page.px(30)) * value / top
        p.fillRect(QRectF(box.left() + label_w, y + row * 0.15, w, row * 0.7), QColor(colour))
        p.drawText(
            QRectF(box.left() + label_w + w + 2, y, page.px(30), row),
            int(Qt.AlignmentFlag.AlignVCenter),
            str(value),
        )


def _heat(page: _Page, box: QRectF, grid: list[list[int]]) -> None:
    p = page.painter
    page.font(8, bold=True)
    p.drawText(
        QRectF(box.left(), box.top(), box.width(), page.px(12)),
        "Нагрузка: день недели × час (местное время)",
    )
    top = max((max(r) for r in grid), default=0) or 1
    left = box.left() + page.px(16)
    cw = (box.width() - page.px(16)) / 24
    ch = (box.height() - page.px(26)) / 7
    page.font(6)
    for wd in range(7):
        y = box.top() + page.px(14) + wd * ch
        p.setPen(QColor("#333"))
        p.drawText(
            QRectF(box.left(), y, page.px(15), ch), int(Qt.AlignmentFlag.AlignVCenter), WEEKDAYS[wd]
        )
        for h in range(24):
            share = grid[wd][h] / top
            shade = int(255 - 200 * share)
            p.fillRect(QRectF(left + h * cw, y, cw - 1, ch - 1), QColor(shade, shade, 255))
    for h in range(0, 24, 3):
        p.drawText(
            QRectF(left + h * cw, box.top() + page.px(14) + 7 * ch, cw * 2, page.px(10)), str(h)
        )


def _trend(page: _Page, box: QRectF, report: StatisticsReport) -> None:
    p = page.painter
    page.font(8, bold=True)
    p.drawText(
        QRectF(box.left(), box.top(), box.width(), page.px(12)),
        "Среднее время первичного ответа по дням, ч",
    )
    days = report.days
    values = [report.daily_first_answer.get(d) for d in days]
    hours = [None if v is None else v.total_seconds() / 3600 for v in values]
    known = [h for h in hours if h is not None]
    area = QRectF(
        box.left() + page.px(24),
        box.top() + page.px(14),
        box.width() - page.px(26),
        box.height() - page.px(28),
    )
    p.setPen(QPen(QColor("#888")))
    p.drawLine(area.bottomLeft(), area.bottomRight())
    if not known:
        return
    top = max(known) or 1
    page.font(6)
    p.drawText(
        QRectF(box.left(), area.top() - page.px(4), page.px(22), page.px(10)),
        int(Qt.AlignmentFlag.AlignRight),
        f"{top:.1f}".replace(".", ","),
    )
    step = area.width() / max(len(days), 1)
    pen = QPen(QColor("#c0392b"))
    pen.setWidthF(page.px(1.2))
    p.setPen(pen)
    last: QPointF | None = None
    for i, h in enumerate(hours):
        if h is None:
            last = None
            continue
        point = QPointF(area.left() + (i + 0.5) * step, area.bottom() - area.height() * h / top)
        if last is not None:
            p.drawLine(last, point)
        p.drawEllipse(point, page.px(1.2), page.px(1.2))
        last = point


def _section_rows(section: Section, limit: int) -> list[list[str]]:
    rows = []
    for row in section.rows[:limit]:
        cells = []
        for unit, value in zip(section.units, row, strict=True):
            if unit is None:
                cells.append("" if value is None else str(value))
            else:
                cells.append(format_value(unit, value))  # type: ignore[arg-type]
        rows.append(cells)
    return rows


def write_pdf(report: StatisticsReport, path: Path) -> None:
    """Draw the report into ``path`` (A4 portrait)."""
    writer = QPdfWriter(str(path))
    writer.setResolution(DPI)
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4),
            QPageLayout.Orientation.Portrait,
            QMarginsF(15, 15, 15, 15),
            QPageLayout.Unit.Millimeter,
        )
    )
    writer.setTitle(report_heading(report)[0])
    writer.setCreator("cur-desktop")
    painter = QPainter(writer)
    try:
        page = _Page(writer, painter)
        heading = report_heading(report)
        page.text(heading[0], 14, bold=True)
        for line in heading[1:]:
            page.text(line, 9)
        page.y += page.px(6)
        rows = [
            [card.figure.label, card.text, card.previous_text, card.change_text]
            for card in report.cards
        ]
        page.table(
            ["Показатель", report.period.title, report.previous_period.title, "Изменение"],
            rows,
            [46, 18, 18, 18],
            size=8.5,
        )
        chart_h = page.px(150)
        half = page.width / 2 - page.px(6)
        page.need(chart_h)
        names = dict(SOURCE_NAMES)
        stacks = [
            [
                (float(report.daily_volume.get(d, {}).get(code, 0)), SOURCE_COLOURS[code])
                for code, _ in SOURCE_NAMES
            ]
            for d in report.days
        ]
        labels = [d.strftime("%d.%m") for d in report.days]
        _bars(
            page, QRectF(0, page.y, half, chart_h), "Инциденты по дням и источникам", stacks, labels
        )
        _trend(page, QRectF(half + page.px(12), page.y, half, chart_h), report)
        page.y += chart_h + page.px(4)
        page.font(6.5)
        legend_x = 0.0
        for code, _ in SOURCE_NAMES:
            painter.fillRect(
                QRectF(legend_x, page.y + 2, page.px(8), page.px(6)), QColor(SOURCE_COLOURS[code])
            )
            painter.drawText(QPointF(legend_x + page.px(10), page.y + page.px(6)), names[code])
            legend_x += page.px(10) + painter.fontMetrics().horizontalAdvance(names[code]) + 16
        page.y += page.px(14)
        page.need(chart_h)
        _heat(page, QRectF(0, page.y, half, chart_h), report.hour_weekday)
        topics = sorted(
            (
                (report.name_of(GroupBy.TOPIC, g.key), g.stats.registered)
                for g in report.groups[GroupBy.TOPIC]
            ),
            key=lambda kv: -kv[1],
        )[:10]
        _ranked(page, QRectF(half + page.px(12), page.y, half, chart_h), "Темы", topics, "#00897b")
        page.y += chart_h + page.px(8)
        municipalities = sorted(
            (
                (report.name_of(GroupBy.MUNICIPALITY, g.key), g.stats.registered)
                for g in report.groups[GroupBy.MUNICIPALITY]
            ),
            key=lambda kv: -kv[1],
        )[:15]
        ranked_h = page.px(14 + 11 * max(len(municipalities), 1))
        page.need(ranked_h)
        _ranked(
            page,
            QRectF(0, page.y, page.width, ranked_h),
            "Муниципалитеты по числу инцидентов",
            municipalities,
            "#5e35b1",
        )
        page.y += ranked_h + page.px(8)
        widths = [30, 9, 8, 9, 11, 11, 11, 9, 9, 9]
        for by in (GroupBy.OPERATOR, GroupBy.EXECUTOR, GroupBy.MUNICIPALITY, GroupBy.TOPIC):
            section = group_section(report, by)
            page.text(section.title, 10, bold=True)
            header = [
                "Название",
                "Инц.",
                "Откл.",
                "Ответ",
                "Среднее",
                "Медиана",
                "Раб. вр.",
                "Обраб.",
                "Проср.",
                "Доля пр.",
            ]
            page.table(header, _section_rows(section, 25), widths, size=7)
        page.text("Определения", 10, bold=True)
        for figure in FIGURES:
            page.text(f"{figure.label}. {figure.definition}", 7.5)
        page.text(CHANGE_RULE, 7.5)
        page.text(PERIOD_RULE, 7.5)
    finally:
        painter.end()


def write_pdf_headless(report: StatisticsReport, path: Path) -> None:
    """:func:`write_pdf` from a program without a window (``cur-desktop report``).

    Makes a ``QGuiApplication`` for the fonts when none exists, offscreen unless a display is
    configured.
    """
    import os  # noqa: PLC0415

    from PySide6.QtGui import QGuiApplication  # noqa: PLC0415

    if QGuiApplication.instance() is None:
        if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
            os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        app = QGuiApplication([])
        try:
            write_pdf(report, path)
        finally:
            del app
        return
    write_pdf(report, path)


__all__ = ["write_pdf", "write_pdf_headless"]
