"""One process of benchmarks/bench_ui.py's big-cache run: open a window, report as JSON lines.

    python benchmarks/ui_window_probe.py empty              # a bare PySide6 QMainWindow
    python benchmarks/ui_window_probe.py window DATA_DIR [--tasks jump,pagedown,search,jump_filtered]
    RECBROWSER_BENCH_TEAM_URL=postgresql://... python benchmarks/ui_window_probe.py window DATA_DIR
        # the same window on a team archive (as `--team NAME` opens it, with this login)

Each run is its own process, started the same way, so "time to first painted window" is
process start to the first paint of the window (the call list's rows, for ours): the parent
measures it from its Popen to the "painted" line. Then, for the real window: resident memory
once it has settled, and the tasks asked for, timed on the UI thread as a user would feel
them (each step is processed and painted before the next).
"""

from __future__ import annotations

import time

T0 = time.perf_counter()  # after the interpreter's own start, before any import of ours

import json  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402

from PySide6.QtCore import QEvent, QEventLoop, QObject, Qt, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication, QMainWindow  # noqa: E402


def say(**fields) -> None:
    print(json.dumps(fields), flush=True)


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class FirstPaint(QObject):
    """Calls `then` once, right after `widget` has painted (the paint has returned)."""

    def __init__(self, widget, then, ready=lambda: True) -> None:
        super().__init__(widget)
        self.then, self.ready, self.done = then, ready, False
        widget.installEventFilter(self)

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.Type.Paint and not self.done:
            QTimer.singleShot(0, self._painted)  # runs once this paint has returned
        return False

    def _painted(self) -> None:
        if not self.done and self.ready():
            self.done = True
            self.then()


def settle(app: QApplication, seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        app.processEvents()
        time.sleep(0.005)


def run_empty() -> None:
    _app = QApplication(sys.argv[:1])  # kept alive until the window has painted
    window = QMainWindow()
    window.resize(1440, 860)
    loop = QEventLoop()

    def painted() -> None:
        say(painted=True, rss_mb=rss_mb())
        loop.quit()

    FirstPaint(window, painted)
    window.show()
    loop.exec()


def since(t: float) -> float:
    return round(time.perf_counter() - t, 3)


def run_window(folder: str, tasks: list[str]) -> None:
    from recbrowser.paths import data_dir, ensure
    from recbrowser.store import Store
    from recbrowser.ui.common.settings import open_settings
    from recbrowser.ui.window.app import make_app
    from recbrowser.ui.window.main_window import MainWindow

    imported = since(T0)
    app = make_app()
    d = ensure(data_dir(folder))
    if os.environ.get("RECBROWSER_BENCH_TEAM_URL"):  # as recbrowser/team/opener.use_team, minus the profile
        from dataclasses import replace

        from recbrowser.store import open_store, register_opener
        from recbrowser.store.postgres import PgOpener

        url = os.environ["RECBROWSER_BENCH_TEAM_URL"]
        register_opener("team", lambda location: PgOpener(location, lambda: (url, None)))
        d = replace(d, team="bench")
        store = open_store(d.database)
    else:
        store = Store.open(d.database)
    window = MainWindow(d, store, open_settings(d.settings), staged=True)  # as the app starts it
    built = since(T0)
    window.resize(1440, 860)
    view = window.table
    # A local loop, not app.exec()/quit(): Qt 6 closes the windows on quit().
    loop = QEventLoop()

    def painted() -> None:
        # Said here, as the paint returns: work the window queued for after it (the player's
        # backend) runs before loop.exec() returns and is not part of the first paint.
        say(painted=True, rows=window.model.rowCount(), imported_s=imported, built_s=built, painted_s=since(T0))
        loop.quit()

    FirstPaint(view.viewport(), painted, ready=lambda: window.model.rowCount() == 0 or window.model.fetched_rows() > 0)
    window.show()
    loop.exec()
    settle(app, 2.0)
    say(settled_rss_mb=rss_mb(), fetched_rows=window.model.fetched_rows())
    if "jump" in tasks:
        jump(app, window, store)
    if "search" in tasks:
        search(app, window)
    if "pagedown" in tasks:
        pagedown(app, window)
    if "jump_filtered" in tasks:
        jump_filtered(app, window, store)
    say(final_rss_mb=rss_mb(), fetched_rows=window.model.fetched_rows())
    window.pools.wait(10_000)
    store.close()


def jump(app: QApplication, window, store) -> None:
    """Drag the scrollbar to the middle (and to a few other places): time until painted."""
    view, model = window.table, window.model
    bar = view.verticalScrollBar()
    times = []
    for fraction in (0.5, 0.25, 0.75, 0.6, 0.1, 0.9, 0.4):
        t = time.perf_counter()
        bar.setValue(int(bar.maximum() * fraction))
        view.viewport().repaint()
        app.processEvents()
        times.append(time.perf_counter() - t)
    # What the model did before cursors_at: walk keyset pages of 200 from the top.
    middle, cursor = model.rowCount() // 2, None
    t = time.perf_counter()
    for _ in range(middle // 200):
        _rows, cursor = store.list_calls(model.call_filter, after=cursor, limit=200)
    walk = time.perf_counter() - t
    say(jump_middle_ms=round(times[0] * 1000, 1), jump_median_ms=round(statistics.median(times) * 1000, 1),
        jump_max_ms=round(max(times) * 1000, 1), walk_to_middle_ms=round(walk * 1000, 1), queries=model.queries)
    bar.setValue(0)
    app.processEvents()


def search(app: QApplication, window) -> None:
    """Type words into the search box a key every 80 ms; latency = last key to results shown."""
    sys.path.insert(0, __file__.rsplit("/", 1)[0])
    from gen_data import COMMON, MID, RARE

    panel = window.search
    words = [*MID, *RARE, *COMMON, "pric*", "next week", *MID, "deliv*", "refund invoice"]
    latencies, searches = [], []
    for word in words:
        panel.box.clear()
        settle(app, 0.3)
        shown: list[float] = []
        panel.resultsShown.connect(lambda _g, shown=shown: shown.append(time.perf_counter()))
        for ch in word:
            panel.box.insert(ch)
            last = time.perf_counter()
            settle(app, 0.08)
        started = time.perf_counter()
        while not shown and time.perf_counter() - started < 10:
            app.processEvents()
            time.sleep(0.001)
        panel.resultsShown.disconnect()
        if shown:
            latencies.append(shown[-1] - last)
    # The search alone, without the 250 ms pause that waits for the user to stop typing.
    for word in words:
        panel.box.blockSignals(True)
        panel.box.setText(word)
        panel.box.blockSignals(False)
        shown = []
        panel.resultsShown.connect(lambda _g, shown=shown: shown.append(time.perf_counter()))
        t = time.perf_counter()
        panel.search_now()
        while not shown and time.perf_counter() - t < 10:
            app.processEvents()
            time.sleep(0.001)
        panel.resultsShown.disconnect()
        if shown:
            searches.append(shown[-1] - t)
    ordered = sorted(latencies)
    say(search_words=len(words), search_median_ms=round(statistics.median(latencies) * 1000, 1),
        search_p95_ms=round(ordered[max(0, round(0.95 * len(ordered)) - 1)] * 1000, 1),
        search_only_median_ms=round(statistics.median(searches) * 1000, 1),
        search_only_p95_ms=round(sorted(searches)[max(0, round(0.95 * len(searches)) - 1)] * 1000, 1))


def pagedown(app: QApplication, window) -> None:
    """PageDown from the first call until the last is current, each press painted."""
    from PySide6.QtTest import QTest

    view, model = window.table, window.model
    view.setFocus()
    view.selectRow(0)
    app.processEvents()
    last = model.rowCount() - 1
    presses, slowest = 0, 0.0
    t = time.perf_counter()
    while view.currentIndex().row() < last:
        p = time.perf_counter()
        QTest.keyClick(view, Qt.Key.Key_PageDown)
        view.viewport().repaint()
        slowest = max(slowest, time.perf_counter() - p)
        presses += 1
        if presses % 2000 == 0:
            app.processEvents()
            print(f"  PageDown {presses:,}: row {view.currentIndex().row():,}", file=sys.stderr, flush=True)
    total = time.perf_counter() - t
    say(pagedown_s=round(total, 2), pagedown_presses=presses, pagedown_mean_ms=round(total / max(presses, 1) * 1000, 2),
        pagedown_max_ms=round(slowest * 1000, 1), rows=model.rowCount(), queries=model.queries)


def jump_filtered(app: QApplication, window, store) -> None:
    """Drag the scrollbar of filtered lists to 7 places: how long the UI thread is held at once
    (the drag, its paint, and every later event until the rows are on screen: the longest one),
    and how long until the rows are painted. Sorts and filters the window's model directly (the
    count, which the window makes in a worker, is made before the clock starts)."""
    from recbrowser.store import CallFilter
    from recbrowser.ui.call_list.call_columns import COL_AGENT, COL_DURATION, COL_START
    from recbrowser.ui.call_list.call_table_model import ROW_ROLE

    view, model = window.table, window.model
    bar = view.verticalScrollBar()
    reading = getattr(model, "reading", lambda: False)  # the model before workers read its rows has none
    cases = [
        ("outbound, by start", CallFilter(direction="outbound"), COL_START),
        ("inbound+missed, by start", CallFilter(direction="inbound", status="missed"), COL_START),
        ("outbound, by duration", CallFilter(direction="outbound"), COL_DURATION),
        ("missed, by agent", CallFilter(status="missed"), COL_AGENT),
        ("number +32201, by start", CallFilter(number="+32201"), COL_START),
    ]
    for name, call_filter, column in cases:
        model.set_filter(call_filter, store.count_calls(call_filter))
        model.sort(column, Qt.SortOrder.DescendingOrder)
        settle(app, 0.5)
        held, shown = [], []
        for fraction in (0.5, 0.25, 0.75, 0.6, 0.1, 0.9, 0.4):
            t = time.perf_counter()
            bar.setValue(int(bar.maximum() * fraction))
            view.viewport().repaint()
            app.processEvents()
            longest = time.perf_counter() - t
            top = view.rowAt(0)
            while reading() or model.index(top, COL_START).data(ROW_ROLE) is None:
                if time.perf_counter() - t > 30:
                    break
                p = time.perf_counter()
                app.processEvents()
                longest = max(longest, time.perf_counter() - p)
                time.sleep(0.001)
            shown.append(time.perf_counter() - t)
            held.append(longest)
        say(jump_filtered=name, rows=model.rowCount(), held_max_ms=round(max(held) * 1000, 1),
            held_median_ms=round(statistics.median(held) * 1000, 1), shown_median_ms=round(statistics.median(shown) * 1000, 1),
            shown_max_ms=round(max(shown) * 1000, 1), background_reads=getattr(model, "background_reads", 0))
    model.set_filter(CallFilter(), store.count_calls(CallFilter()))
    model.sort(COL_START, Qt.SortOrder.DescendingOrder)


def main() -> None:
    random.seed(1)
    if sys.argv[1] == "empty":
        run_empty()
    else:
        tasks = sys.argv[4].split(",") if len(sys.argv) > 4 and sys.argv[3] == "--tasks" else []
        run_window(sys.argv[2], tasks)


if __name__ == "__main__":
    main()
