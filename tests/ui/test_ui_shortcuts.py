"""The shortcut registry: no two actions share a key, and the window binds every shortcut."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtGui import QAction, QKeySequence

from recbrowser.ui.call_list.call_table_view import LIST_SHORTCUTS
from recbrowser.ui.call_pane.call_pane import PANE_SHORTCUTS, CallPane
from recbrowser.ui.common import shortcuts
from recbrowser.ui.common.dialogs import ShortcutsDialog
from recbrowser.ui.common.settings import Preferences, open_settings
from recbrowser.ui.player.player import Player
from recbrowser.ui.window.actions import ACTIONS


def test_no_key_is_bound_twice(qapp):
    assert shortcuts.conflicts() == {}


def test_required_keys_are_there(qapp):
    def keys(shortcut_id):
        return {s.toString(QKeySequence.SequenceFormat.PortableText) for s in shortcuts.sequences(shortcut_id)}

    assert keys("next_call") == {"J"} and keys("previous_call") == {"K"}
    assert keys("play_pause") == {"Space"}
    assert keys("back_5") == {"Left"} and keys("forward_15") == {"Shift+Right"}
    assert {"/", "Ctrl+F"} <= keys("search")
    assert keys("slower") == {"["} and keys("faster") == {"]"}
    assert keys("export") == {"Ctrl+E"}
    assert keys("add_note") == {"N"}


def test_every_shortcut_has_an_action_and_is_listed_in_help(qtbot, tmp_path):
    # The window's actions bind most keys; the call pane binds its own (Add note).
    bound = {spec.shortcut.id for spec in ACTIONS if spec.shortcut} | set(PANE_SHORTCUTS) | set(LIST_SHORTCUTS)
    pane = CallPane(Player(Preferences(open_settings(tmp_path / "settings.ini"))))
    qtbot.addWidget(pane)
    assert pane.add_note_action.shortcuts() == shortcuts.sequences("add_note")
    assert bound == {s.id for s in shortcuts.SHORTCUTS}
    dialog = ShortcutsDialog()
    qtbot.addWidget(dialog)
    listed = {dialog.table.item(r, 0).text() for r in range(dialog.table.rowCount())}
    assert listed == {s.label for s in shortcuts.SHORTCUTS}
    assert all(dialog.table.item(r, 1).text() for r in range(dialog.table.rowCount()))


def test_the_window_menus_list_add_note_archive_and_audit_without_a_second_key(qtbot, data_dir, store):
    from recbrowser.ui.window.main_window import MainWindow

    window = MainWindow(data_dir, store, open_settings(data_dir.settings))
    qtbot.addWidget(window)
    call_menu = window.menus["&Call"].actions()
    assert window.call_pane.add_note_action in call_menu  # findable, and still the pane's own N
    assert window.actions["archive_expiring"] in window.menus["&File"].actions()
    assert window.actions["audit_log"] in window.menus["&Help"].actions()
    assert "add_note" not in {spec.id for spec in ACTIONS} and shortcuts.conflicts() == {}
    n = shortcuts.sequences("add_note")
    holders = [a for a in window.findChildren(QAction) if a.shortcuts() == n]
    assert holders == [window.call_pane.add_note_action]
