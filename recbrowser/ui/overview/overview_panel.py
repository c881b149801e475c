"""The overview panel: the report of the calls in view as charts (QtCharts, report_chart.py) and
a table per agent. Clicking a bar or an agent says which calls it stands for (signals below);
the presenter turns that into a filter.

Imported only when the panel is first shown: QtCharts (~20 MB, 60 ms) never loads before the
window's first paint.
"""

from __future__ import annotations

from collections import defaultdict

from PySide6.QtCharts import QChart, QChartView
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from recbrowser.services.report import COLOURS, SENTIMENTS, unanswered
from recbrowser.store.records import CallReport, DurationBin
from recbrowser.ui.common.signals import emit
from recbrowser.ui.overview.report_chart import bar_chart

AGENT_COLUMNS = ("Agent", "Calls", "Avg talk", "Avg hold", "Silence", "Sentiment (+ / = / -)")
NO_AGENT = "(no agent)"


def _seconds(ms: float | None) -> str:
    if ms is None:
        return "–"
    s = round(ms / 1000)
    return f"{s // 60}:{s % 60:02d}"


def _percent(share: float | None) -> str:
    return "–" if share is None else f"{100 * share:.0f} %"


class _NumberItem(QTableWidgetItem):
    """A cell sorted by its number, not its text ("10" after "9")."""

    def __init__(self, text: str, value: float | None) -> None:
        super().__init__(text)
        self.value = -1.0 if value is None else value
        self.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

    def __lt__(self, other: QTableWidgetItem) -> bool:
        return self.value < getattr(other, "value", -1.0)


class OverviewPanel(QWidget):
    # (first day "YYYY-MM-DD" (UTC), what the clicked segment is ("account" or "status"), its value)
    dayPicked = Signal(str, str, str)
    agentPicked = Signal(str)  # the agent's name ("" for calls without one)
    durationPicked = Signal(object)  # the DurationBin

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.report: CallReport | None = None
        self.days: list[str] = []  # the day chart's categories, as "YYYY-MM-DD"
        self.summary = QLabel("Counting…")
        self.stack_by = QComboBox(toolTip="What each day's bar is divided by")
        self.stack_by.addItem("By status", "status")
        self.stack_by.addItem("By account", "account")
        self.stack_by.currentIndexChanged.connect(lambda _i: self._show_days())
        self.days_view = self._chart_view()
        self.durations_view = self._chart_view()
        self.agents = QTableWidget(0, len(AGENT_COLUMNS))
        self.agents.setHorizontalHeaderLabels(AGENT_COLUMNS)
        self.agents.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.agents.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.agents.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.agents.verticalHeader().hide()
        self.agents.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.agents.horizontalHeader().setStretchLastSection(True)
        self.agents.setToolTip("Click an agent to list only their calls")
        self.agents.cellClicked.connect(self._agent_clicked)

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
        self.report = report
        n, share = unanswered(report)
        self.summary.setText(
            f"{report.calls:,} call{'s' if report.calls != 1 else ''} in view · missed or abandoned: {n:,}"
            + ("" if share is None else f" ({100 * share:.1f} %)") + " · days are UTC; click a bar or an agent to list those calls")
        self._show_days()
        self._show_durations(report.durations)
        self._show_agents()

    def _set_chart(self, view: QChartView, chart: QChart) -> None:
        old = view.chart()
        chart.setMargins(chart.margins() / 2)
        view.setChart(chart)
        if old is not None:
            old.deleteLater()  # the view owned it

    def _show_days(self) -> None:
        if self.report is None:
            return
        key = self.stack_by.currentData()
        by_day: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for d in self.report.days:
            by_day[d.day][getattr(d, key)] += d.calls
        days = self.days = sorted(by_day)
        keys = sorted({getattr(d, key) for d in self.report.days})
        if key == "status":
            order = list(COLOURS)
            keys.sort(key=lambda s: (order.index(s) if s in order else len(order), s))
        chart = bar_chart("Calls per day (UTC)", [d[5:] for d in days], {k: [by_day[d].get(k, 0) for d in days] for k in keys},
                          True)
        for bars in chart.series()[0].barSets():
            name = bars.label()
            bars.clicked.connect(lambda index, name=name: emit(self.dayPicked, days[index], key, name))
        self._set_chart(self.days_view, chart)

    def _show_durations(self, bins: list[DurationBin]) -> None:
        chart = bar_chart("Call durations", [b.label for b in bins], {"calls": [b.calls for b in bins]}, False)
        chart.series()[0].barSets()[0].clicked.connect(lambda index: emit(self.durationPicked, bins[index]))
        self._set_chart(self.durations_view, chart)

    def _show_agents(self) -> None:
        assert self.report is not None
        table = self.agents
        table.setSortingEnabled(False)
        table.setRowCount(len(self.report.agents))
        for row, a in enumerate(self.report.agents):
            name = QTableWidgetItem(a.agent or NO_AGENT)
            name.setData(Qt.ItemDataRole.UserRole, a.agent)
            moods = a.sentiments
            mood = " / ".join(str(moods.get(s, 0)) for s in SENTIMENTS) if moods else "–"
            cells = (name, _NumberItem(f"{a.calls:,}", a.calls), _NumberItem(_seconds(a.average_talk_ms), a.average_talk_ms),
                     _NumberItem(_seconds(a.average_hold_ms), a.average_hold_ms),
                     _NumberItem(_percent(a.silence_share), a.silence_share), QTableWidgetItem(mood))
            for column, item in enumerate(cells):
                table.setItem(row, column, item)
        table.setSortingEnabled(True)

    def _agent_clicked(self, row: int, _column: int) -> None:
        item = self.agents.item(row, 0)
        if item is not None:
            emit(self.agentPicked, item.data(Qt.ItemDataRole.UserRole))

    def agent_rows(self) -> dict[str, int]:
        """Calls per agent as the table shows them (agent name -> calls)."""
        return {self.agents.item(r, 0).data(Qt.ItemDataRole.UserRole): int(self.agents.item(r, 1).text().replace(",", ""))
                for r in range(self.agents.rowCount())}

    def day_counts(self) -> dict[tuple[str, str], int]:
        """The day chart's bars as drawn: (day, account or status) -> calls."""
        return {(day, bars.label()): int(bars.at(i)) for bars in self.days_view.chart().series()[0].barSets()
                for i, day in enumerate(self.days) if bars.at(i)}

    def duration_counts(self) -> dict[str, int]:
        """The duration chart's bars as drawn: bin label -> calls."""
        chart = self.durations_view.chart()
        labels = chart.axes(Qt.Orientation.Horizontal)[0].categories()
        bars = chart.series()[0].barSets()[0]
        return {label: int(bars.at(i)) for i, label in enumerate(labels)}
