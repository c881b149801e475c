"""Opening an old cache from the window: the update runs under a progress dialog, in a worker."""

from __future__ import annotations

import os
import sqlite3

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import threading

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QProgressDialog
from support.store_helpers import cache_from_newer_version

from recbrowser.domain import Account
from recbrowser.errors import SchemaTooNew
from recbrowser.store import CallFilter, Store, migrations
from recbrowser.ui.jobs.migration_progress import TITLE, open_store_with_progress


def old_cache(path, n: int):
    """A cache as the release before v5 wrote it."""
    with Store.open(path, migrations=migrations.MIGRATIONS[:4]) as s:
        account = s.add_account(Account(name="hq", provider="yeastar"))
    # Plain SQL: today's upsert writes columns a v4 file does not have.
    conn = sqlite3.connect(path)
    with conn:
        conn.executemany("INSERT INTO calls (account_id, provider_id, start_ms, direction, first_seen_ms, updated_ms) "
                         "VALUES (?, ?, ?, 'inbound', 0, 0)",
                         [(account.id, f"c{i}", 1_700_000_000_000 + i) for i in range(n)])
    conn.close()


def watch_dialogs(app: QApplication) -> tuple[QTimer, list[str], list[bool]]:
    """Every few ms, what a progress dialog on screen says, and whether the UI thread was free to look."""
    seen: list[str] = []
    ui_free: list[bool] = []
    timer = QTimer(interval=2)

    def look() -> None:
        ui_free.append(threading.current_thread() is threading.main_thread())
        seen.extend(w.labelText() for w in app.topLevelWidgets() if isinstance(w, QProgressDialog) and w.isVisible())

    timer.timeout.connect(look)
    timer.start()
    return timer, seen, ui_free


def test_an_old_cache_is_updated_under_a_progress_dialog_before_the_window(qtbot, tmp_path):
    path = tmp_path / "recbrowser.sqlite3"
    old_cache(path, 60_000)  # a copy and an index build long enough to be seen
    app = QApplication.instance()
    timer, seen, ui_free = watch_dialogs(app)
    store = open_store_with_progress(app, path)
    timer.stop()
    try:
        assert store.count_calls(CallFilter(direction="inbound")) == 60_000
        assert migrations.pending(path) == 0
    finally:
        store.close()
    # The dialog said what is going on, with a percentage, while the UI thread kept running.
    assert seen and all(text.startswith(TITLE) for text in seen), seen
    assert any(" %" in text for text in seen) and len(ui_free) >= 2
    assert not [w for w in app.topLevelWidgets() if isinstance(w, QProgressDialog) and w.isVisible()]
    assert (tmp_path / "recbrowser.sqlite3.bak-v4").exists()


def test_an_up_to_date_cache_opens_without_a_dialog(qtbot, tmp_path):
    path = tmp_path / "recbrowser.sqlite3"
    Store.open(path).close()
    app = QApplication.instance()
    timer, seen, _ = watch_dialogs(app)
    with open_store_with_progress(app, path) as store:
        assert store.count_calls(CallFilter()) == 0
    qtbot.wait(10)
    timer.stop()
    assert seen == []


def test_a_cache_from_a_newer_version_is_refused_as_before(qtbot, tmp_path):
    path = tmp_path / "recbrowser.sqlite3"
    cache_from_newer_version(path, 99)
    with pytest.raises(SchemaTooNew, match="newer recbrowser"):
        open_store_with_progress(QApplication.instance(), path)
