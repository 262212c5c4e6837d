"""The «Федеральный рейтинг» view of the Статистика tab: the central server's rating of a month.

Online it shows what the server computed (the whole table for a federal analyst; a regional
user's own region, its places and the number of regions ranked); offline the copy kept from
last time, marked with the time it was computed. Figures arrive already rounded as shown.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from cur_desktop.contract.ratings import RatingsResponse
from cur_desktop.domain import metrics
from cur_desktop.ui import format as fmt

log = logging.getLogger(__name__)


def _minutes(value: int | None) -> str:
    return "—" if value is None else metrics.format_hmm(timedelta(minutes=value))


def _change(value: int | None) -> str:
    if value is None:
        return "—"
    text = metrics.format_hmm(timedelta(minutes=value))
    return "+" + text if value > 0 else text


def _number(value: float | None, suffix: str = "") -> str:
    return "—" if value is None else f"{value:.1f}".replace(".", ",") + suffix


def _place(value: int | None) -> str:
    return "—" if value is None else str(value)


class RatingsPanel(QWidget):
    """Shows one :class:`RatingsResponse` (see the module docstring)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.table = QTableWidget(0, 9, self)
        self.table.setObjectName("ratingsTable")
        self.table.setHorizontalHeaderLabels(
            [
                self.tr("Region"),
                self.tr("Processing share"),
                self.tr("Place"),
                self.tr("Mean first answer"),
                self.tr("Place"),
                self.tr("Change on the month before"),
                self.tr("Place"),
                self.tr("Per 1,000 residents"),
                self.tr("Place"),
            ]
        )
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.setSortingEnabled(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.summary)
        layout.addWidget(self.table)
        self.show_missing(self.tr("The rating has not been received yet."))

    def show_missing(self, text: str) -> None:
        """No rating to show: say why."""
        self.summary.setText(text)
        self.table.setRowCount(0)

    def show_rating(self, rating: RatingsResponse, *, from_cache: bool, timezone: str) -> None:
        """Show a rating (``from_cache``: kept locally, the server was not reachable)."""
        shown = rating.computed_at.astimezone(ZoneInfo(timezone))
        computed = fmt.marked(fmt.date_time(shown), shown)
        lines = [
            self.tr(
                "Month %1: %2 regions ranked. National mean first answer %3 "
                "(%4 on the month before)."
            )
            .replace("%1", rating.month)
            .replace("%2", str(rating.regions_ranked))
            .replace("%3", _minutes(rating.national_mean_first_answer_min))
            .replace("%4", _change(rating.national_mean_change_min)),
            (
                self.tr("Offline: a local copy of the figures the server computed at %1.")
                if from_cache
                else self.tr("Computed by the server at %1.")
            ).replace("%1", computed),
        ]
        if not rating.whole_table:
            lines.append(self.tr("Only your region's row and places are shown to regional users."))
        self.summary.setText("\n".join(lines))
        rows = sorted(rating.rows, key=lambda r: (r.place_processing or 10**6, r.region_name))
        self.table.setRowCount(len(rows))
        for index, row in enumerate(rows):
            cells = [
                row.region_name,
                _number(row.processing_share, " %"),
                _place(row.place_processing),
                _minutes(row.mean_first_answer_min),
                _place(row.place_mean),
                _change(row.mean_change_min),
                _place(row.place_change),
                _number(row.per_thousand),
                _place(row.place_per_thousand),
            ]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                self.table.setItem(index, column, item)
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)


__all__ = ["RatingsPanel"]
