"""Removing an account from the window: how long the store's cascade takes, and how long the UI
thread goes without running while it does (10 ms ticks), against the same removal done on the
UI thread (what the window would freeze for). Each on its own copy of one generated cache.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_remove_account.py [--calls 100000] [--cache DATA_DIR]

`--cache` reuses a folder made by `benchmarks/gen_data.py DATA_DIR --calls N` (account "bench").
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

GEN = Path(__file__).resolve().parent / "gen_data.py"


def copy_cache(src: Path, dst: Path) -> None:
    """A consistent copy of the database alone (SQLite's backup: the source may be open elsewhere)."""
    from recbrowser.paths import data_dir, ensure

    shutil.rmtree(dst, ignore_errors=True)
    target = ensure(data_dir(dst)).database
    with sqlite3.connect(data_dir(src).database) as source, sqlite3.connect(target) as copy:
        source.backup(copy)


def in_window(root: Path) -> dict:
    """The window's AccountRemoval (a worker), with the UI thread ticking every 10 ms."""
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from recbrowser.paths import data_dir
    from recbrowser.store import Store
    from recbrowser.ui.common.settings import open_settings
    from recbrowser.ui.window.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    d = data_dir(root)
    store = Store.open(d.database)
    window = MainWindow(d, store, open_settings(d.settings))
    window.demo_secrets["bench"] = {}  # no keyring entry to remove: the store's share only
    window.show()
    gaps: list[float] = []
    last = [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        gaps.append((now - last[0]) * 1000)
        last[0] = now

    timer = QTimer(interval=10)
    timer.timeout.connect(tick)
    loop = QEventLoop()
    ended: list[float] = []
    window.removal.finished.connect(lambda *_a: ended.append(time.perf_counter()))
    window.callsRefreshed.connect(lambda: ended and loop.quit())  # the list re-read after it
    QTimer.singleShot(500, lambda: (gaps.clear(), last.__setitem__(0, time.perf_counter()), timer.start(),
                                    window.removal.remove("bench")))
    started = time.perf_counter()
    loop.exec()
    seconds = ended[0] - started - 0.5
    timer.stop()
    window.close()
    store.close()
    app.processEvents()
    gaps.sort()
    return {"seconds": seconds, "max_gap_ms": gaps[-1], "p99_gap_ms": gaps[int(len(gaps) * 0.99) - 1],
            "median_gap_ms": statistics.median(gaps)}


def on_this_thread(root: Path) -> tuple[float, int]:
    from recbrowser.paths import data_dir
    from recbrowser.store import CallFilter, Store

    store = Store.open(data_dir(root).database)
    calls = store.count_calls(CallFilter(account="bench"))
    started = time.perf_counter()
    store.remove_account("bench")
    seconds = time.perf_counter() - started
    store.close()
    return seconds, calls


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=100_000)
    ap.add_argument("--cache", type=Path, help="a folder gen_data.py made (default: generate --calls)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        source = args.cache
        if source is None:
            source = Path(tmp) / "source"
            subprocess.run([sys.executable, str(GEN), str(source), "--calls", str(args.calls)], check=True,
                           stderr=subprocess.DEVNULL)
        copy = Path(tmp) / "copy"
        copy_cache(source, copy)
        blocking, calls = on_this_thread(copy)
        copy_cache(source, copy)
        window = in_window(copy)
    print(f"remove an account of {calls:,} calls (cache {source})")
    print(f"  on the UI thread: the window would freeze {blocking:.1f} s")
    print(f"  in the worker:    {window['seconds']:.1f} s; UI thread gaps max {window['max_gap_ms']:.0f} ms, "
          f"p99 {window['p99_gap_ms']:.0f} ms, median {window['median_gap_ms']:.0f} ms")
    print(f"  longest freeze, UI thread / worker: {blocking * 1000 / max(window['max_gap_ms'], 1):.0f}x")


if __name__ == "__main__":
    main()
