"""The window as the app starts it, in stages: the calls paint first, the call pane, the player
and the controllers behind the menus follow right after, and nothing the user does in between
is lost."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication
from support.ui_helpers import archive, archived_store, fill  # noqa: F401  (fixtures)

from recbrowser.ui.call_pane.call_pane import CallPane
from recbrowser.ui.common.settings import open_settings
from recbrowser.ui.window.first_paint import AfterFirstPaint
from recbrowser.ui.window.main_window import MainWindow

WAIT = 15_000


def test_the_first_frame_shows_the_calls_and_the_rest_follows_in_place(qtbot, data_dir, store):
    fill(store, 120)
    window = MainWindow(data_dir, store, open_settings(data_dir.settings), staged=True)
    qtbot.addWidget(window)
    # Before it paints: the list and its count are there, the call pane is a stand-in.
    assert window.model.call_count() == 120 and not window.complete
    stand_in = window.splitter.widget(2)
    assert not isinstance(stand_in, CallPane) and "Select a call" in stand_in.text()
    assert all(name not in vars(window) for name in ("player", "call_pane", "sync", "calls"))
    first_frame = []
    AfterFirstPaint(window.table.viewport(), lambda: first_frame.append(window.splitter.sizes()))
    window.resize(1440, 860)
    window.show()
    qtbot.waitUntil(lambda: window.complete and window.player.is_started, timeout=WAIT)
    QApplication.processEvents()  # any layout pass still queued
    assert window.splitter.widget(2) is window.call_pane
    # The pane took the stand-in's place at its width: the list did not move under the user.
    assert first_frame and first_frame[0][2] > 0 and window.splitter.sizes() == first_frame[0]
    # The menus work now: Add Note is in the Call menu, and Sync All is wired to the controller.
    assert window.call_pane.add_note_action in window.menus["&Call"].actions()
    with qtbot.waitSignal(window.sync.finished, timeout=60_000):
        window.actions["sync_all"].trigger()
    # Its provider is nowhere to be found (port 9): the failure shows on the account.
    assert window.accounts_panel.state("bulk").error


def test_a_call_chosen_before_the_pane_exists_opens_once_it_does(qtbot, data_dir, archived_store):  # noqa: F811
    window = MainWindow(data_dir, archived_store, open_settings(data_dir.settings), staged=True)
    qtbot.addWidget(window)
    window.table.selectRow(0)  # the selection timer fires before the first paint
    qtbot.wait(120)
    assert not window.complete
    window.show()
    qtbot.waitUntil(lambda: window.complete, timeout=WAIT)
    expected = window.model.row(0)
    qtbot.waitUntil(lambda: window.call_pane.call is not None, timeout=WAIT)
    assert window.call_pane.call.provider_id == expected.provider_id
