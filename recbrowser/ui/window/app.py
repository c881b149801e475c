"""`run_window`: the QApplication, the main window, and the demo / screenshot modes."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from recbrowser import STARTED
from recbrowser.errors import StoreUnreachable, UserFacingError
from recbrowser.paths import DataDir, ensure
from recbrowser.startup import collector_on
from recbrowser.store import open_store, opener
from recbrowser.ui import compat
from recbrowser.ui.common.icons import app_icon, keep_drawn_in
from recbrowser.ui.common.settings import open_settings
from recbrowser.ui.common.workers import run_task
from recbrowser.ui.window.first_paint import AfterFirstPaint
from recbrowser.ui.window.main_window import MainWindow

if TYPE_CHECKING:
    from recbrowser.store.api import FirstCount

log = logging.getLogger("recbrowser.ui")

DEMO_DAYS = 100


def make_app() -> QApplication:
    # Workers (sync, search, downloads) are Python threads: make them hand the GIL back to the
    # UI thread every 1 ms instead of 5, so a busy sync never makes the window stutter.
    sys.setswitchinterval(0.001)
    compat.apply()  # before the first void call or emit: PySide6 6.12's refcount bugs (ui/compat.py)
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(sys.argv[:1])
    # Names for QSettings and the platform (window grouping, .desktop matching).
    app.setApplicationName("recbrowser")
    app.setOrganizationName("recbrowser")
    app.setApplicationDisplayName("recbrowser")
    app.setDesktopFileName("recbrowser")
    app.setWindowIcon(app_icon())
    return app


def install_excepthook(parent_for) -> None:
    """An unexpected error in a slot becomes a logged error and one dialog, not a dead window."""

    def hook(kind, value, tb) -> None:
        import traceback

        watch = getattr(parent_for(), "archive_watch", None)
        if watch is not None and isinstance(value, StoreUnreachable):
            # The window's own connection found the team archive gone: its banner says so and retries.
            watch.lost(str(value))
            return

        from recbrowser.ui.common.dialogs import show_error  # ~10 ms of imports: only when it happens

        text = "".join(traceback.format_exception(kind, value, tb))
        log.error("unexpected error in the window:\n%s", text)
        show_error(parent_for(), "Something went wrong; the details below can be sent with a bug report.", text)

    sys.excepthook = hook  # run_window puts the previous one back when the window closes


def _first_paint_done(window: MainWindow) -> None:
    # With --verbose these lines reach stderr: benchmarks/bench_ui.py times the real start-up by them.
    log.info("window shown: %s calls painted %.0f ms after start", f"{window.model.call_count():,}",
             (time.perf_counter() - STARTED) * 1000)
    window.when_complete(_complete_done)


def _complete_done() -> None:
    log.info("window complete: call pane and menus working %.0f ms after start", (time.perf_counter() - STARTED) * 1000)
    # Start-up objects (Qt wrappers, modules) live as long as the app: keep them out of full
    # garbage collections. The collector was off while they were made (recbrowser/startup.py).
    collector_on(freeze=True)


def start_demo(window: MainWindow, servers: list, on_failed=None) -> None:
    """Start the emulators and their accounts in a worker, then sync them."""
    from recbrowser.demo.setup import start_demo_accounts
    from recbrowser.emulators import EMULATORS

    database = window.data_dir.database

    def work(_report):
        store = open_store(database)
        try:
            return start_demo_accounts(store, providers=sorted(EMULATORS))  # every provider that has one
        finally:
            store.close()

    def started(result) -> None:
        started_servers, pairs = result
        servers.extend(started_servers)
        window.demo_secrets.update({account.name: secrets for account, secrets in pairs})
        window.reload_accounts()
        # The demo reaches back to Dialgen's batch whose audio expires this week (84-88 days
        # old), so the expiry countdown and the archive reminder show; the other emulators hold
        # two weeks of calls and answer the older days with empty pages.
        since = int(time.time() * 1000) - DEMO_DAYS * 86_400_000
        window.sync.sync([account.name for account, _ in pairs], since_ms=since)

    def failed(message: str, details: str) -> None:
        window.status.show_message(f"The demo could not start: {message}")
        if on_failed:
            on_failed(message)

    window.status.show_message("Starting the demo providers…")
    run_task(work, started, failed, pool=window.pools.background, name="demo")


def open_until_reachable(data_dir: DataDir, retry: Callable[[str], bool]):
    """Open the archive; a team archive that cannot be reached (the database or its network is
    down) asks `retry(sentence)` and tries again while it says yes. Other errors raise."""
    while True:
        try:
            return open_store(data_dir.database)
        except UserFacingError as e:
            if not data_dir.team or not retry(str(e)):
                raise


def ask_retry(message: str) -> bool:
    """The sentence, with Retry and Quit: True for Retry."""
    from PySide6.QtWidgets import QMessageBox

    box = QMessageBox(QMessageBox.Icon.Warning, "recbrowser", message,
                      QMessageBox.StandardButton.Retry | QMessageBox.StandardButton.Close)
    return box.exec() == QMessageBox.StandardButton.Retry


def run_window(data_dir: DataDir, *, demo: bool = False, screenshot: str | None = None,
               first_count: FirstCount | None = None) -> int:
    keep_drawn_in(data_dir.cache / "icons")
    app = make_app()
    ensure(data_dir)
    try:
        current = first_count is not None and first_count.is_current()
        if not current and opener(data_dir.database).updates_pending():  # an older cache: updated under a progress dialog
            from recbrowser.ui.jobs.migration_progress import open_store_with_progress

            store = open_store_with_progress(app, data_dir.database)
        else:
            store = open_until_reachable(data_dir, ask_retry)
    except UserFacingError as e:
        from recbrowser.ui.common.dialogs import show_error

        show_error(None, str(e))
        return 1
    servers: list = []
    previous_hook = sys.excepthook
    try:
        # In stages: the calls show first, the call pane and the player follow (a screenshot
        # wants them all at once).
        window = MainWindow(data_dir, store, open_settings(data_dir.settings), demo=demo, staged=not screenshot,
                            first_count=first_count)
        director = None
        if screenshot:
            from recbrowser.ui.window.screenshot import ScreenshotDirector

            director = ScreenshotDirector(window, screenshot)
        else:  # a modal error dialog would hang an unattended screenshot run
            install_excepthook(lambda: window)
        if demo:
            window.when_complete(lambda: start_demo(window, servers, director.demo_failed if director else None))
        elif director:
            QTimer.singleShot(0, director.without_sync)
        QTimer.singleShot(5_000, collector_on)  # a window that is not painted soon (minimised) still collects
        # Installed after the window's own: runs first, as the first paint returns.
        AfterFirstPaint(window.table.viewport(), lambda: _first_paint_done(window), ready=window.calls_shown)
        window.show()
        code = app.exec()
        if director is not None:
            code = director.exit_code
        window.pools.wait(10_000)
        return code
    finally:
        keep_drawn_in(None)
        collector_on()  # had the window not got as far as its first paint
        sys.excepthook = previous_hook
        for s in servers:
            s.stop()
        store.close()
