"""Open the window on a cache, sync 20,000 calls from an emulator in another process, and
print the gaps between 10 ms ticks of the UI thread as one JSON line.

    python benchmarks/ui_gap_probe.py DATA_DIR '{"settings": {...}, "secrets": {...}}'

Used by tests/ui/test_ui_window.py (does the window ever freeze?) and benchmarks/bench_ui.py
(how long are the gaps?). It runs in its own process, as the app does: a test process full of
earlier windows and players would measure the garbage collection of its own leftovers.
"""

import gc
import json
import sys
import time

from PySide6.QtCore import QElapsedTimer, QTimer

from recbrowser.domain import Account
from recbrowser.paths import data_dir
from recbrowser.store import Store
from recbrowser.ui.common.settings import open_settings
from recbrowser.ui.window.app import make_app
from recbrowser.ui.window.main_window import MainWindow


def main() -> None:
    info = json.loads(sys.argv[2])
    app = make_app()
    d = data_dir(sys.argv[1])
    store = Store.open(d.database)
    store.add_account(Account(name="big", provider="yeastar", settings=info["settings"]))
    window = MainWindow(d, store, open_settings(d.settings))
    window.demo_secrets["big"] = info["secrets"]
    window.reload_accounts()
    window.show()
    gc.collect()
    gc.freeze()  # as run_window does once the window is up

    gaps: list[int] = []
    clock = QElapsedTimer()
    last = [0]

    def tick() -> None:
        now = clock.elapsed()
        gaps.append(now - last[0])
        last[0] = now

    timer = QTimer(interval=10)
    timer.timeout.connect(tick)
    result: dict = {}

    def finished(results) -> None:
        result["calls"] = results[0].calls
        result["error"] = results[0].error
        window.callsRefreshed.connect(app.quit)  # once the list shows the last page

    def start() -> None:
        clock.start()
        timer.start()
        window.sync.sync(["big"], since_ms=int(time.time() * 1000) - 15 * 86_400_000)

    window.sync.finished.connect(finished)
    QTimer.singleShot(300, start)  # after the first paint
    app.exec()
    ordered = sorted(gaps[1:])
    print(json.dumps({**result, "rows": window.model.rowCount(), "fetched": window.model.fetched_rows(),
                      "max_gap": ordered[-1], "p99_gap": ordered[int(len(ordered) * 0.99)], "ticks": len(ordered)}))


if __name__ == "__main__":
    main()
