"""`recbrowser report --to FILE.png`: the report's charts drawn by QtCharts (PySide6-Addons),
rendered offscreen. Imported only by the launcher's `render_report_png`, so nothing else of
the command line loads Qt, and by the window's overview panel (overview_panel.py), which draws
the same charts live with `bar_chart`.

QtCharts rather than hand-drawn axes: it is Qt's own chart module (stacked bars, categories,
legends, value axes), already in the pinned PySide6-Addons, and it draws into the same scene
the window will show.
"""

from __future__ import annotations

import os
from collections import defaultdict
from pathlib import Path

from recbrowser.errors import UserFacingError
from recbrowser.private import make_private
from recbrowser.store.records import CallReport

WIDTH, HEIGHT = 1200, 900
COLOURS = {"answered": "#3a923a", "missed": "#d03b3b", "abandoned": "#e68a2e", "busy": "#8c6bb1",
           "failed": "#7f7f7f", "voicemail": "#3b7dd0", "unknown": "#b0b0b0"}


def _app():
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    return QApplication.instance() or QApplication(["recbrowser-report"])


def bar_chart(title: str, categories: list[str], series_values: dict[str, list[int]], stacked: bool):
    """A QChart of bars, one set per key of `series_values` (stacked or side by side)."""
    from PySide6.QtCharts import QBarCategoryAxis, QBarSeries, QBarSet, QChart, QStackedBarSeries, QValueAxis
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QColor

    chart = QChart()
    chart.setTitle(title)
    chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
    series = QStackedBarSeries() if stacked else QBarSeries()
    for name, values in series_values.items():
        bar = QBarSet(name)
        bar.append([float(v) for v in values])
        if name in COLOURS:
            bar.setColor(QColor(COLOURS[name]))
        series.append(bar)
    chart.addSeries(series)
    x = QBarCategoryAxis()
    x.append(categories)
    x.setLabelsAngle(-45 if len(categories) > 8 else 0)
    chart.addAxis(x, Qt.AlignmentFlag.AlignBottom)
    series.attachAxis(x)
    y = QValueAxis()
    y.setLabelFormat("%d")
    y.setMin(0)
    chart.addAxis(y, Qt.AlignmentFlag.AlignLeft)
    series.attachAxis(y)
    y.applyNiceNumbers()
    chart.legend().setVisible(len(series_values) > 1)
    return chart


def save_report_png(report: CallReport, title: str, path: Path) -> None:
    """Calls per day by status (stacked) above the distribution of call durations, as a PNG."""
    _app()
    from PySide6.QtCharts import QChartView
    from PySide6.QtGui import QPainter
    from PySide6.QtWidgets import QVBoxLayout, QWidget

    by_day: dict[str, dict[str, int]] = defaultdict(dict)
    for d in report.days:
        by_day[d.day][d.status] = by_day[d.day].get(d.status, 0) + d.calls
    days = sorted(by_day)
    statuses = sorted({d.status for d in report.days}, key=lambda s: (list(COLOURS).index(s) if s in COLOURS else 99, s))
    page = QWidget()
    layout = QVBoxLayout(page)
    for chart in (
        bar_chart(f"{title}: calls per day by status (UTC)", days, {s: [by_day[d].get(s, 0) for d in days] for s in statuses}, True),
        bar_chart("Call durations", [b.label for b in report.durations], {"calls": [b.calls for b in report.durations]}, False),
    ):
        view = QChartView(chart)
        view.setRenderHint(QPainter.RenderHint.Antialiasing)
        layout.addWidget(view)
    page.resize(WIDTH, HEIGHT)
    page.layout().activate()
    image = page.grab().toImage()
    part = path.with_name(path.name + ".part")
    if not image.save(str(part), "PNG"):
        part.unlink(missing_ok=True)
        raise UserFacingError(f"Cannot write {path}: check that the folder is writable and the disk has room.")
    make_private(part)
    os.replace(part, path)
