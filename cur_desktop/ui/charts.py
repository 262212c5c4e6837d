"""The Статистика tab's charts (pyqtgraph): volume by source, answer-time trend, load heat map,
ranked bars (topics, municipalities).

Each chart takes plain values (from :class:`~cur_desktop.services.supervision.StatisticsReport`)
and redraws from scratch; :class:`RankedBars` reports a click on a bar by its key, so the tab
can open exactly the incidents behind it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QCoreApplication, QLocale, QPointF, Qt, Signal
from PySide6.QtWidgets import QSizePolicy, QWidget

log = logging.getLogger(__name__)

pg.setConfigOptions(antialias=True, background="w", foreground="#333")

SOURCE_COLOURS = {
    "vk": "#4a76a8",
    "ok": "#ee8208",
    "telegram": "#2aabee",
    "pos": "#0d4cd3",
    "appeal_59fz": "#7b4ea3",
    "other": "#8a8a8a",
}
LEGEND_ROW = 4
"""The row of a plot's layout (title 0, top axis 1, view box 2, bottom axis 3) that holds the
volume chart's legend: under the chart, never over a bar."""


def _day_ticks(days: Sequence[date]) -> list[tuple[float, str]]:
    step = max(1, len(days) // 8)
    return [(float(i), d.strftime("%d.%m")) for i, d in enumerate(days) if i % step == 0]


class VolumeChart(pg.PlotWidget):  # type: ignore[misc]
    """Incidents per local day, stacked by source; a click on a day's bar emits its index."""

    day_clicked = Signal(int)

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent=parent)
        self.setTitle(title, size="10pt")
        self.setMenuEnabled(False)
        self.setMouseEnabled(x=False, y=False)
        self.hideButtons()
        self.setMinimumHeight(160)
        # the legend sits in its own row of the plot's layout, under the axis: inside the view
        # box it covered the bars' tops (a one-day period draws one bar over the whole width)
        self.legend = pg.LegendItem(offset=None, labelTextSize="7pt", colCount=3)
        self.legend.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Maximum)
        self.getPlotItem().layout.addItem(self.legend, LEGEND_ROW, 1, Qt.AlignmentFlag.AlignHCenter)
        self.totals: list[int] = []
        self.scene().sigMouseClicked.connect(self._clicked)

    def _clicked(self, event: Any) -> None:
        point = self.getPlotItem().vb.mapSceneToView(event.scenePos())
        index = round(point.x())
        if 0 <= index < len(self.totals) and 0 <= point.y() <= self.totals[index]:
            self.day_clicked.emit(index)

    def show_volume(
        self, days: Sequence[date], volume: dict[date, dict[str, int]], names: dict[str, str]
    ) -> None:
        """Redraw for ``days`` (x axis) from ``{day: {source: count}}``."""
        self.clear()
        self.legend.clear()
        bottom = np.zeros(len(days))
        for source, colour in SOURCE_COLOURS.items():
            heights = np.array([volume.get(d, {}).get(source, 0) for d in days], dtype=float)
            if not heights.any():
                continue
            bars = pg.BarGraphItem(
                x=np.arange(len(days)), height=heights, y0=bottom, width=0.8, brush=colour
            )
            self.addItem(bars)
            self.legend.addItem(bars, names.get(source, source))
            bottom = bottom + heights
        self.totals = [int(v) for v in bottom]
        self.setYRange(0, max(max(self.totals, default=0), 1) * 1.05, padding=0)
        self.getAxis("bottom").setTicks([_day_ticks(days)])


class TrendChart(pg.PlotWidget):  # type: ignore[misc]
    """Mean first-answer time per local day, in hours."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent=parent)
        self.setTitle(title, size="10pt")
        self.setMenuEnabled(False)
        self.setMouseEnabled(x=False, y=False)
        self.hideButtons()
        self.setMinimumHeight(160)
        self.setLabel("left", QCoreApplication.translate("Charts", "hours"))
        self.values: list[float | None] = []

    def show_trend(self, days: Sequence[date], means: dict[date, timedelta]) -> None:
        """Redraw: one point per day that has answered incidents."""
        self.clear()
        self.values = [means[d].total_seconds() / 3600 if d in means else None for d in days]
        xs = [i for i, v in enumerate(self.values) if v is not None]
        ys = [v for v in self.values if v is not None]
        if xs:
            self.plot(
                xs,
                ys,
                pen=pg.mkPen("#c0392b", width=2),
                symbol="o",
                symbolSize=5,
                symbolBrush="#c0392b",
            )
        self.getAxis("bottom").setTicks([_day_ticks(days)])


class HeatMap(pg.PlotWidget):  # type: ignore[misc]
    """Incidents per hour of the local day (x) and weekday (y); a click emits (weekday, hour)."""

    cell_clicked = Signal(int, int)

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent=parent)
        self.setTitle(title, size="10pt")
        self.setMenuEnabled(False)
        self.setMouseEnabled(x=False, y=False)
        self.hideButtons()
        self.setMinimumHeight(160)
        self.image = pg.ImageItem()
        self.image.setColorMap(pg.colormap.get("CET-L18"))
        self.addItem(self.image)
        self.invertY(True)
        days = [QLocale().dayName(i, QLocale.FormatType.ShortFormat) for i in range(1, 8)]
        self.getAxis("left").setTicks([[(i + 0.5, d) for i, d in enumerate(days)]])
        self.getAxis("bottom").setTicks([[(h + 0.5, str(h)) for h in range(0, 24, 3)]])
        self.grid: list[list[int]] = []
        self.scene().sigMouseClicked.connect(self._clicked)

    def _clicked(self, event: Any) -> None:
        point = self.getPlotItem().vb.mapSceneToView(event.scenePos())
        hour, weekday = int(point.x()), int(point.y())
        if 0 <= hour < 24 and 0 <= weekday < 7 and point.x() >= 0 and point.y() >= 0:
            self.cell_clicked.emit(weekday, hour)

    def show_grid(self, grid: list[list[int]]) -> None:
        """Redraw from ``grid[weekday][hour]``."""
        self.grid = grid
        data = np.array(grid, dtype=float).T  # ImageItem: first axis is x
        top = float(data.max()) if data.size else 0.0
        self.image.setImage(data, levels=(0.0, max(top, 1.0)))
        self.setXRange(0, 24, padding=0)
        self.setYRange(0, 7, padding=0)


class RankedBars(pg.PlotWidget):  # type: ignore[misc]
    """Horizontal bars, largest on top; a click on a bar emits its key."""

    bar_clicked = Signal(object)
    """The key (``str`` or ``None``) of the clicked bar."""

    def __init__(self, title: str, colour: str, parent: QWidget | None = None) -> None:
        super().__init__(parent=parent)
        self.setTitle(title, size="10pt")
        self.setMenuEnabled(False)
        self.setMouseEnabled(x=False, y=False)
        self.hideButtons()
        self.setMinimumHeight(160)
        self.colour = colour
        self.invertY(True)
        self.keys: list[str | None] = []
        self.values: list[int] = []
        self.scene().sigMouseClicked.connect(self._clicked)

    def show_bars(self, items: Sequence[tuple[str | None, str, int]], limit: int = 10) -> None:
        """Redraw from ``(key, label, value)``, the ``limit`` largest."""
        self.clear()
        top = sorted(items, key=lambda kv: (-kv[2], kv[1]))[:limit]
        self.keys = [k for k, _, _ in top]
        self.values = [v for _, _, v in top]
        if top:
            bars = pg.BarGraphItem(
                x0=0,
                y=np.arange(len(top)),
                height=0.7,
                width=np.array(self.values),
                brush=self.colour,
            )
            self.addItem(bars)
        self.getAxis("left").setTicks([[(i, label[:28]) for i, (_, label, _) in enumerate(top)]])

    def key_at(self, scene_pos: QPointF) -> tuple[bool, str | None]:
        """The key of the bar under a scene position (``(False, None)``: no bar)."""
        point = self.getPlotItem().vb.mapSceneToView(scene_pos)
        index = round(point.y())
        if 0 <= index < len(self.keys) and 0 <= point.x() <= self.values[index]:
            return True, self.keys[index]
        return False, None

    def _clicked(self, event: Any) -> None:
        hit, key = self.key_at(event.scenePos())
        if hit:
            self.bar_clicked.emit(key)


__all__ = ["HeatMap", "RankedBars", "TrendChart", "VolumeChart"]
