"""View > Overview: a dock with the report of the calls the filter bar selects, recomputed in a
worker whenever the filters change while the dock is visible, and a bar clicked there turned
into a filter of the list.

This module loads no QtCharts: the panel (overview_panel.py) is imported and built the first
time the dock is shown, so the window's first paint never waits for it.
"""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QThreadPool, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDockWidget, QMainWindow

from recbrowser.errors import UserFacingError
from recbrowser.services.conversation import figure_store
from recbrowser.store import CallFilter, open_store
from recbrowser.store.records import CallReport, DurationBin
from recbrowser.ui.call_list.filter_bar import FilterBar
from recbrowser.ui.common.signals import emit
from recbrowser.ui.common.status_area import StatusArea
from recbrowser.ui.common.workers import run_task

if TYPE_CHECKING:
    from recbrowser.ui.overview.overview_panel import OverviewPanel


NO_OVERVIEW = "This archive keeps no call figures, so it has no overview: ask its admin to run `recbrowser team init`."


def utc_day_range(day: str, days: int = 1) -> tuple[int, int]:
    """[start, end) of `days` UTC days from "YYYY-MM-DD", in epoch ms: the report groups calls
    by UTC day."""
    start = datetime.combine(date.fromisoformat(day), datetime.min.time(), UTC)
    return int(start.timestamp() * 1000), int((start + timedelta(days=days)).timestamp() * 1000)


def _minutes(ms: int) -> str:
    return f"{ms // 60_000} min" if ms % 60_000 == 0 else f"{ms // 1000} s"


class OverviewPresenter(QObject):
    daysShown = Signal(object)  # a first CallReport with the calls per day only (the rest follows)
    shown = Signal(object)  # the whole CallReport now on screen
    computing = Signal(object)  # id of the thread a report is being read in (tests: never the UI thread)

    def __init__(self, window: QMainWindow, filter_bar: FilterBar, database: Path, pool: QThreadPool,
                 action: QAction, status: StatusArea) -> None:
        super().__init__(window)
        self._window, self._filter_bar, self._database, self._pool = window, filter_bar, database, pool
        self._action, self._status = action, status
        self.dock: QDockWidget | None = None
        self.panel: OverviewPanel | None = None
        self._wanted: CallFilter | None = None  # the newest filter asked for
        self._running: CallFilter | None = None  # the one a worker is reading now
        self._shown: CallFilter | None = None  # the one on screen
        self._read_again = False  # the calls changed while the one on its way was read
        filter_bar.changed.connect(lambda _f: self.refresh())

    # -- the dock -----------------------------------------------------------------------------------
    def set_visible(self, on: bool) -> None:
        if on and self.dock is None:
            self._build()
        if self.dock is not None:
            self.dock.setVisible(on)

    def _build(self) -> None:
        from PySide6.QtCore import Qt

        from recbrowser.ui.overview.overview_panel import OverviewPanel  # QtCharts: first use only

        self.panel = OverviewPanel()
        self.panel.dayPicked.connect(self.pick_day)
        self.panel.agentPicked.connect(self.pick_agent)
        self.panel.durationPicked.connect(self.pick_duration)
        self.dock = QDockWidget("Overview", self._window)
        self.dock.setObjectName("overview_dock")  # saveState needs a name
        self.dock.setWidget(self.panel)
        self.dock.visibilityChanged.connect(self._visibility_changed)
        self._window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.dock)
        self._window.resizeDocks([self.dock], [320], Qt.Orientation.Vertical)

    def _visibility_changed(self, visible: bool) -> None:
        self._action.blockSignals(True)  # the dock closed by its own button: the menu follows
        self._action.setChecked(self.dock is not None and not self.dock.isHidden())
        self._action.blockSignals(False)
        if visible:
            self.refresh()

    def busy(self) -> bool:
        """A report is being read (the benchmark waits for it)."""
        return self._running is not None

    def visible(self) -> bool:
        return self.dock is not None and self.dock.isVisible()

    # -- computing --------------------------------------------------------------------------------
    def refresh(self, *, again: bool = False) -> None:
        """Recompute for the filter bar's filters, if the dock is visible (else when it shows).
        `again`: the calls changed (a sync wrote some), the same filter counts anew."""
        if again:
            self._shown = None
            self._read_again = self._running is not None  # the one being read may miss the new calls
        if not self.visible():
            return
        self._wanted = self._filter_bar.current()
        if self._wanted == self._shown and not again:
            return
        if self._running is None:
            self._start(self._wanted)
        # else: the worker's answer is dropped (or, for the same filter, shown and read again)
        # and the newest filter read when it comes back

    def _start(self, f: CallFilter) -> None:
        self._running = f
        database = self._database

        def work(days_first) -> CallReport:
            emit(self.computing, threading.get_ident())
            store = open_store(database)
            try:
                figures = figure_store(store)  # aggregates in SQL, the days' quick walk first
                if figures is None:
                    raise UserFacingError(NO_OVERVIEW)
                report = None
                for report in figures.report_in_parts(f):
                    if not report.durations:
                        days_first(report)
                return report
            finally:
                store.close()

        run_task(work, lambda report: self._done(f, report), self._failed, lambda days: self._days_first(f, days),
                 pool=self._pool, name="overview", owner=self)

    def _days_first(self, f: CallFilter, report: CallReport) -> None:
        if f == self._wanted and self.panel is not None:
            self.panel.show_report(report)
            emit(self.daysShown, report)

    def _done(self, f: CallFilter, report: CallReport) -> None:
        self._running = None
        again, self._read_again = self._read_again, False
        if f != self._wanted or again:  # stale: the filters (or the calls) changed while it was read
            if self.visible() and self._wanted is not None:
                self._start(self._wanted)
            if f != self._wanted:
                return
        self._shown = f
        if self.panel is not None:
            self.panel.show_report(report)
        emit(self.shown, report)

    def _failed(self, message: str, _details: str) -> None:
        self._running = None
        self._read_again = False
        self._status.show_message(message)

    # -- a bar clicked: filter the list to its calls ---------------------------------------------------
    def pick_day(self, day: str, days: int, key: str, value: str) -> None:
        since, until = utc_day_range(day, days)
        text = f"{day} (UTC)" if days == 1 else f"Week of {day} (UTC)"
        self._filter_bar.pick("day", text, {"since_ms": since, "until_ms": until},
                              account=value if key == "account" else None, status=value if key == "status" else None)

    def pick_agent(self, agent: str) -> None:
        self._filter_bar.pick("agent", f"Agent: {agent or '(none)'}", {"agent": agent})

    def pick_duration(self, duration: DurationBin) -> None:
        if duration.low_ms is None and duration.high_ms is None:
            self._status.show_message("The list cannot show only the calls whose duration is unknown.")
            return
        low = duration.low_ms or None  # the first bin counts every duration under its top
        text = (f"Duration: {_minutes(low)} or more" if duration.high_ms is None
                else f"Duration: under {_minutes(duration.high_ms)}" if low is None
                else f"Duration: {_minutes(low)} – {_minutes(duration.high_ms)}")
        self._filter_bar.pick("duration", text, {"duration_from_ms": low, "duration_under_ms": duration.high_ms})
