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


class PaintClock(QObject):
    """When `widget` last finished a paint (its paint event has returned)."""

    def __init__(self, widget) -> None:
        super().__init__(widget)
        self.last = 0.0
        widget.installEventFilter(self)

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.Type.Paint:
            QTimer.singleShot(0, self._painted)  # runs once this paint has returned
        return False

    def _painted(self) -> None:
        self.last = time.perf_counter()


# The words of search_as_you_type (typed a key every 80 ms, one search each), then keys typed
# with a pause after each, so that each keystroke is a search: one- to three-letter prefixes and
# the keys on the way to a word.
TYPED_ON_PAUSE = ["k*", "ka*", "kal*", "r*", "re*", "p*", "pr*", "d*", "de*", "del*", "t*", "th*"]
KEY_BY_KEY = ["refund", "pric*", "deliv*"]


def search(app: QApplication, window) -> None:
    """Type into the search box as a user does; for each search, the time from the end of the
    typing pause (the debounce timer firing after the last key) to the first screen of hits painted."""
    sys.path.insert(0, __file__.rsplit("/", 1)[0])
    from gen_data import COMMON, MID, RARE


    panel = window.search
    clock = PaintClock(panel.results.viewport())
    # The pause ends when the debounce timer fires (a coarse timer: up to 5% early).
    fired: list[float] = []
    panel._timer.timeout.connect(lambda: fired.append(time.perf_counter()))
    searched: list[float] = []  # how long each search took in its worker
    search_fn = panel._search

    def timed_search(query: str):
        t = time.perf_counter()
        try:
            return search_fn(query)
        finally:
            searched.append(time.perf_counter() - t)

    panel._search = timed_search
    # (text, pause end to the first hits painted (newest or ranked), the ranking search, pause end to ranked painted)
    samples: list[tuple[str, float, float, float]] = []

    def type_and_wait(keys: str) -> None:
        shown: list[float] = []
        early: list[float] = []  # the newest hits shown while the ranking runs
        panel.resultsShown.connect(lambda _g: shown.append(time.perf_counter()))
        panel.newestShown.connect(lambda _g: early.append(time.perf_counter()))
        painted_early = 0.0

        def early_painted() -> bool:
            nonlocal painted_early
            if early and not painted_early and clock.last > early[-1]:
                painted_early = clock.last
            return bool(painted_early)
        for ch in keys:
            panel.box.insert(ch)
            last = time.perf_counter()
            settle(app, 0.08 if len(keys) > 1 else 0.0)
        while not (shown and clock.last > shown[-1]) and time.perf_counter() - last < 10:
            app.processEvents()
            early_painted()
            time.sleep(0.001)
        panel.resultsShown.disconnect()
        panel.newestShown.disconnect()
        if shown and fired:
            first = min(painted_early or clock.last, clock.last)
            samples.append((panel.box.text(), first - fired[-1], searched[-1] if searched else 0.0,
                            clock.last - fired[-1]))

    words = [*MID, *RARE, *COMMON, "pric*", "next week", *MID, "deliv*", "refund invoice"]
    for word in [*words, *TYPED_ON_PAUSE]:
        panel.box.clear()
        settle(app, 0.3)
        type_and_wait(word)
    for word in KEY_BY_KEY:
        panel.box.clear()
        settle(app, 0.3)
        for ch in word:
            type_and_wait(ch)
            settle(app, 0.05)
    # The search alone, without the typing pause: from search_now() to the hits painted.
    alone = []
    for word in [*words, *TYPED_ON_PAUSE]:
        panel.box.blockSignals(True)
        panel.box.setText(word)
        panel.box.blockSignals(False)
        shown = []
        panel.resultsShown.connect(lambda _g, shown=shown: shown.append(time.perf_counter()))
        t = time.perf_counter()
        panel.search_now()
        while not (shown and clock.last > shown[-1]) and time.perf_counter() - t < 10:
            app.processEvents()
            time.sleep(0.001)
        panel.resultsShown.disconnect()
        if shown:
            alone.append(clock.last - t)
    after = sorted(x for _w, x, _s, _p in samples)
    say(search_words=len(samples), search_first_ms=round(samples[0][1] * 1000, 1),
        search_median_ms=round(statistics.median(after) * 1000, 1),
        search_p95_ms=round(after[max(0, round(0.95 * len(after)) - 1)] * 1000, 1),
        search_max_ms=round(after[-1] * 1000, 1), search_max_word=max(samples, key=lambda s: s[1])[0],
        search_samples=[[w, round(x * 1000, 1), round(sx * 1000, 1), round(p * 1000, 1)] for w, x, sx, p in samples],
        search_only_median_ms=round(statistics.median(alone) * 1000, 1),
        search_only_p95_ms=round(sorted(alone)[max(0, round(0.95 * len(alone)) - 1)] * 1000, 1),
        search_only_max_ms=round(max(alone) * 1000, 1))


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
