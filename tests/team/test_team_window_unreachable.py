"""The window on a team archive whose PostgreSQL stops while the window is open (a server of the
test's own, stopped and started again): one sentence in the window's banner naming the host and
what to check, no error box, a retry every few moments, and the window working again once the
server is back, with nothing on this computer lost."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import sys

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox
from support.team_archive import Team, add_accounts
from support.window_helpers import WAIT, open_window

from recbrowser.store import open_store
from recbrowser.team.opener import use_team
from recbrowser.team.postgres_server import PostgresServer

pytestmark = pytest.mark.no_qt_log


@pytest.fixture
def own_server():
    with PostgresServer() as server:
        yield server


@pytest.fixture
def flaky_team(capsys, monkeypatch, data_dir, keyring_ready, own_server, s3_server, tmp_path):
    t = Team(capsys, monkeypatch, data_dir, own_server.url, own_server, s3_server, None, tmp_path)
    code, _, err = t.init()
    assert code == 0, err
    code, _, err = t.connect("admin", t.db, own_server.password, s3_server.admin_key)
    assert code == 0, err
    yield t
    t.cleanup()


@pytest.mark.qt_no_exception_capture  # the app's own excepthook, as run_window installs it
def test_the_archive_stopping_and_starting_again_is_a_banner_that_retries_and_goes_when_it_is_back(
        qtbot, flaky_team, own_server):
    from recbrowser.ui.window.app import install_excepthook

    add_accounts(flaky_team)
    dd = use_team(flaky_team.data_dir, "admin")
    kept = dd.media / "team" / "north" / "kept.wav"  # a recording this desktop holds
    kept.parent.mkdir(parents=True, exist_ok=True)
    kept.write_bytes(b"RIFF" + bytes(2000))
    boxes: list[str] = []

    def close_boxes() -> None:  # an error box would wait for a click: note it and close it
        for w in QApplication.topLevelWidgets():
            if isinstance(w, QMessageBox) and w.isVisible():
                boxes.append(w.text())
                w.close()

    closer = QTimer()
    closer.timeout.connect(close_boxes)
    closer.start(50)
    store = open_store(dd.database)
    previous_hook = sys.excepthook
    try:
        window = open_window(qtbot, dd, store)
        install_excepthook(lambda: window)
        watch = window.archive_watch
        watch.retry_ms = 300
        qtbot.waitUntil(lambda: window.model.call_count() == 70, timeout=WAIT)

        own_server.pause()
        window.refresh_calls()  # what the window does every minute on a team archive, and after a filter
        window.open_call("north", "no000001")
        qtbot.waitUntil(watch.banner.isVisible, timeout=WAIT)
        said = watch.banner.sentence.text()
        assert f"127.0.0.1:{own_server.port}/postgres cannot be reached" in said and "PostgreSQL is running" in said
        tries = watch.checks
        qtbot.waitUntil(lambda: watch.checks >= tries + 2, timeout=WAIT)  # it keeps trying on its own
        assert watch.banner.isVisible() and watch.down
        assert boxes == []

        own_server.resume()
        qtbot.waitUntil(lambda: not watch.banner.isVisible(), timeout=WAIT)
        assert not watch.down and "answers again" in window.status.text.text()
        with qtbot.waitSignal(window.callShown, timeout=WAIT) as shown:
            window.open_call("south", "so000002")
        assert shown.args == ["south/so000002"]
        with qtbot.waitSignal(window.callsRefreshed, timeout=WAIT):
            window.refresh_calls()
        assert window.model.call_count() == 70 and window.model.row(0) is not None
        assert boxes == [] and not watch.banner.isVisible()
        assert kept.read_bytes() == b"RIFF" + bytes(2000)
        window.close()
    finally:
        sys.excepthook = previous_hook
        closer.stop()
        store.close()
