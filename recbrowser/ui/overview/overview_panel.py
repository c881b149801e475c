"""The overview panel: the report of the calls in view as charts (QtCharts, report_chart.py) and
a table per agent. Clicking a bar or an agent says which calls it stands for (signals below);
the presenter turns that into a filter.

Imported only when the panel is first shown: QtCharts never loads before the window's first
paint, nor at all for a user who never opens the overview.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from PySide6.QtCharts import QChart, QChartView
from PySide6.QtCore import QMargins, Qt, Signal
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSplitter, QVBoxLayout, QWidget

from recbrowser.services.report import COLOURS, unanswered
from recbrowser.store.records import CallReport, DurationBin
from recbrowser.ui.common.signals import emit
from recbrowser.ui.overview.agent_table import AgentTable
from recbrowser.ui.overview.report_chart import bar_chart

MAX_DAY_BARS = 62


def week_of(day: str) -> str:
    """The Monday of a day's week, "YYYY-MM-DD"."""
    d = date.fromisoformat(day)
    return (d - timedelta(days=d.weekday())).isoformat()


def _short(ms: int) -> str:
    if not ms:
        return "0"
    return f"{ms // 60_000}m" if ms % 60_000 == 0 else f"{ms // 1000}s"


def duration_label(b: DurationBin) -> str:
    """A duration bin as short as an axis needs it: "0–30s", "1–2m", "30m+", "?" (no "<":
    QtCharts reads labels as rich text)."""
    if b.low_ms is None and b.high_ms is None:
        return "?"
    if b.high_ms is None:
        return f"{_short(b.low_ms or 0)}+"
    low, high = _short(b.low_ms or 0), _short(b.high_ms)
    return f"{low[:-1]}–{high}" if low[-1] == high[-1] else f"{low}–{high}"


class OverviewPanel(QWidget):
    # (first day "YYYY-MM-DD" (UTC), days in the bar (1 or 7), what the clicked segment is
    # ("account" or "status"), its value)
    dayPicked = Signal(str, int, str, str)
    agentPicked = Signal(str)  # the agent's name ("" for calls without one)
    durationPicked = Signal(object)  # the DurationBin

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.report: CallReport | None = None
        self.days: list[str] = []  # the day chart's categories: each bar's first day, "YYYY-MM-DD"
        self.period_days = 1  # how many days a bar counts (7: weekly)
        self.summary = QLabel("Counting…")
        self.stack_by = QComboBox(toolTip="What each day's bar is divided by")
        self.stack_by.addItem("By status", "status")
        self.stack_by.addItem("By account", "account")
        self.stack_by.currentIndexChanged.connect(lambda _i: self._show_days())
        self.days_view = self._chart_view()
        self.durations_view = self._chart_view()
        self.agents = AgentTable()
        self.agents.clicked.connect(lambda index: emit(self.agentPicked, self.agents.agent_at(index.row())))

        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(self.stack_by)
        charts = QSplitter(Qt.Orientation.Horizontal)
        charts.addWidget(self.days_view)
        charts.addWidget(self.durations_view)
        charts.addWidget(self.agents)
        charts.setStretchFactor(0, 3)
        charts.setStretchFactor(1, 2)
        charts.setStretchFactor(2, 3)
        charts.setChildrenCollapsible(False)
        charts.setSizes([500, 280, 470])  # proportions: the days need the room
        self.splitter = charts
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.addLayout(top)
        layout.addWidget(charts, 1)

    @staticmethod
    def _chart_view() -> QChartView:
        view = QChartView()
        view.setRenderHint(QPainter.RenderHint.Antialiasing)
        view.setMinimumSize(260, 200)
        return view

    def show_report(self, report: CallReport) -> None:
        """Show a report; one without durations is a first answer with the days only (the
        rest follows): the per-agent table is empty and the durations say they are counting."""
        self.report = report
        n, share = unanswered(report)
        self.summary.setText(
            f"{report.calls:,} call{'s' if report.calls != 1 else ''} in view · missed or abandoned: {n:,}"
            + ("" if share is None else f" ({100 * share:.1f} %)") + " · days are UTC; click a bar or an agent to list those calls")
        self._show_days()
        if report.durations or not report.calls:
            self._show_durations(report.durations)
            self.agents.set_agents(report.agents)
        else:  # a first answer, the days only: the last filter's agents and durations would mislead
            self.agents.set_agents([])
            if self.durations_view.chart().series():
                self.durations_view.chart().setTitle("Call durations: counting…")

    def _set_chart(self, view: QChartView, chart: QChart) -> None:
        old = view.chart()
        chart.setMargins(QMargins(2, 2, 2, 2))
        chart.legend().setAlignment(Qt.AlignmentFlag.AlignRight)
        axis = chart.axes(Qt.Orientation.Horizontal)[0]
        font = axis.labelsFont()
        font.setPointSizeF(font.pointSizeF() * 0.85)
        axis.setLabelsFont(font)
        # Upright while a few short labels fit under their bars; else sideways, never elided.
        fits = len(axis.categories()) <= 12 and max(map(len, axis.categories()), default=0) <= 5
        axis.setLabelsAngle(0 if fits else -90)
        view.setChart(chart)
        if old is not None:
            old.deleteLater()  # the view owned it

    def _show_days(self) -> None:
        if self.report is None:
            return
        key = self.stack_by.currentData()
        # More days than bars a chart can show legibly (or draw within a frame): one bar a week.
        weekly = len({d.day for d in self.report.days}) > MAX_DAY_BARS
        self.period_days = 7 if weekly else 1
        by_day: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for d in self.report.days:
            by_day[week_of(d.day) if weekly else d.day][getattr(d, key)] += d.calls
        days = self.days = sorted(by_day)
        keys = sorted({getattr(d, key) for d in self.report.days})
        if key == "status":
            order = list(COLOURS)
            keys.sort(key=lambda s: (order.index(s) if s in order else len(order), s))
        title = "Calls per week from Monday (UTC)" if weekly else "Calls per day (UTC)"
        labels = [d[2:] if weekly else d[5:] for d in days]  # weeks span years: "24-12-30"
        chart = bar_chart(title, labels, {k: [by_day[d].get(k, 0) for d in days] for k in keys}, True)
        period = self.period_days
        for bars in chart.series()[0].barSets():
            name = bars.label()
            bars.clicked.connect(lambda index, name=name: emit(self.dayPicked, days[index], period, key, name))
        self._set_chart(self.days_view, chart)

    def _show_durations(self, bins: list[DurationBin]) -> None:
        chart = bar_chart("Call durations", [duration_label(b) for b in bins], {"calls": [b.calls for b in bins]}, False)
        chart.series()[0].barSets()[0].clicked.connect(lambda index: emit(self.durationPicked, bins[index]))
        self._set_chart(self.durations_view, chart)

    def agent_rows(self) -> dict[str, int]:
        """Calls per agent as the table shows them (agent name -> calls)."""
        return self.agents.calls_by_agent()

    def day_counts(self) -> dict[tuple[str, str], int]:
        """The day chart's bars as drawn: (first day, account or status) -> calls."""
        return {(day, bars.label()): int(bars.at(i)) for bars in self.days_view.chart().series()[0].barSets()
                for i, day in enumerate(self.days) if bars.at(i)}

    def duration_counts(self) -> dict[str, int]:
        """The duration chart's bars as drawn: the bin's label in the report -> calls."""
        assert self.report is not None
        bars = self.durations_view.chart().series()[0].barSets()[0]
        return {b.label: int(bars.at(i)) for i, b in enumerate(self.report.durations)}
