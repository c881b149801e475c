"""The window paints before it imports what only later work needs (issue #6: start-up time).

sqlite_utils (and click, pluggy, pygments) only migrates a schema, keyring only touches a
secret, httpx only talks to a provider: together ~400 ms of a start-up a user waits through.
QtMultimedia and the player's backend (~35 ms) come right after the first paint.
The timing itself is measured by benchmarks/bench_ui.py --cache; this checks the imports.
"""

from __future__ import annotations

import json
import subprocess
import sys

from support.paths import FIXTURES
from support.ui_helpers import fill

from recbrowser.store import Store

LAZY = ("sqlite_utils", "keyring", "httpx", "click", "pygments", "PySide6.QtMultimedia", "PySide6.QtMultimediaWidgets",
        "recbrowser.services.export_options", "recbrowser.ui.common.dialogs",
        # The working parts and their presenters come right after the first frame
        # (ui/window/working_parts.py), and the connectors are not imported for their titles.
        "recbrowser.ui.window.working_parts", "recbrowser.ui.jobs.sync_presenter", "recbrowser.ui.window.help_menu",
        "recbrowser.ui.call_pane.call_presenter",
        "recbrowser.ui.call_pane.call_pane", "recbrowser.ui.player.player", "recbrowser.ui.jobs.sync_controller",
        "recbrowser.providers.yeastar", "recbrowser.providers.voki", "recbrowser.providers.base",
        # The log file rotates by itself (recbrowser/logs.py), without sockets and pickle; the
        # store's audit log, expiry and search load when first used.
        "logging.handlers", "recbrowser.store.audit", "recbrowser.store.expiry", "recbrowser.store.search",
        # View > Overview's charts load when it is first shown.
        "PySide6.QtCharts", "recbrowser.ui.overview.overview_panel", "recbrowser.ui.overview.overview_presenter")

# The start-up of benchmarks/ui_window_probe.py: the app, the window on the cache, its first
# paint of the call list; which of LAZY were loaded at that paint; then whether the player started.
WINDOW = """
import json, sys, time
from PySide6.QtCore import QEvent, QEventLoop, QObject, QTimer
from recbrowser.paths import data_dir, ensure
from recbrowser.store import Store
import recbrowser.cli  # noqa: F401  (every `recbrowser` start passes through it)
from recbrowser.logs import setup_logging
from recbrowser.ui.window.app import make_app
from recbrowser.ui.window.main_window import MainWindow
from recbrowser.ui.common.settings import open_settings

class Painted(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint:
            QTimer.singleShot(0, self.painted)  # once this paint has returned
        return False

    def painted(self):
        if window.model.fetched_rows() > 0 and self.loaded is None:  # the paint that showed the calls
            self.loaded = [m for m in lazy if m in sys.modules]  # now: the player starts right after
            loop.quit()

lazy = sys.argv[2].split(",")
app = make_app()
d = ensure(data_dir(sys.argv[1]))
setup_logging(d.logs)
store = Store.open(d.database)
window = MainWindow(d, store, open_settings(d.settings), staged=True)
loop = QEventLoop()
painted = Painted(window)
painted.loaded = None
window.table.viewport().installEventFilter(painted)
window.show()
QTimer.singleShot(60_000, loop.quit)  # never painted: the rows say so
loop.exec()
for _ in range(1000):  # the rest of the window, then the player's backend, follow by themselves
    app.processEvents()
    if window.complete and window.player.is_started:
        break
    time.sleep(0.01)
print(json.dumps({"rows": window.model.rowCount(), "loaded": painted.loaded,
                  "player": window.complete and window.player.is_started,
                  "charts": "PySide6.QtCharts" in sys.modules}))  # the overview was never shown
window.pools.wait(10_000)
store.close()
"""


def test_the_window_paints_its_calls_before_importing_sqlite_utils_keyring_httpx_or_qtmultimedia(data_dir, store: Store):
    fill(store, 300)  # an account too: the window looks up its provider's title before painting
    run = subprocess.run([sys.executable, "-c", WINDOW, str(data_dir.root), ",".join(LAZY)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result == {"rows": 300, "loaded": [], "player": True, "charts": False}


def start_recbrowser(folder, until: str) -> list[str]:
    """`python -m recbrowser --data-dir FOLDER --verbose` (the real start), its log lines up to
    the first that says `until`; then it is stopped."""
    proc = subprocess.Popen([sys.executable, "-m", "recbrowser", "--data-dir", str(folder), "--verbose"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    lines = []
    try:
        assert proc.stderr is not None
        for line in proc.stderr:
            lines.append(line)
            if until in line:
                break
    finally:
        proc.terminate()
        proc.wait(30)
    return lines


def test_recbrowser_logs_when_its_window_is_shown_and_when_it_is_complete(data_dir, store: Store):
    """The real start: benchmarks/bench_ui.py times it by these lines."""
    fill(store, 300)
    lines = start_recbrowser(data_dir.root, "window complete:")
    shown = [line for line in lines if "window shown: 300 calls painted" in line]
    complete = [line for line in lines if "window complete: call pane and menus working" in line]
    assert shown and complete, "".join(lines)[-2000:]
    assert lines.index(shown[0]) < lines.index(complete[0])


def test_recbrowser_updates_an_older_cache_then_shows_its_calls(tmp_path):
    """A cache written by an older version (schema 4, from tests/fixtures): the real start updates
    it under its progress dialog, then the window shows the calls that were in it."""
    import sqlite3

    from recbrowser.paths import data_dir as make_data_dir
    from recbrowser.paths import ensure
    from recbrowser.store import migrations

    folder = ensure(make_data_dir(str(tmp_path / "old")))
    conn = sqlite3.connect(folder.database)
    conn.executescript((FIXTURES / "schema_v4.sql").read_text())
    calls = conn.execute("SELECT count(*) FROM calls").fetchone()[0]
    conn.close()
    lines = start_recbrowser(folder.root, "window shown:")
    assert any(f"window shown: {calls} calls painted" in line for line in lines), "".join(lines)[-2000:]
    assert migrations.pending(folder.database) == 0  # updated to this version's schema
