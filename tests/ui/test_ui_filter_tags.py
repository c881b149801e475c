"""The filter bar's tag box offers the tags in use, kept fresh as tags are added in the call pane."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from support.ui_helpers import archive, archived_store, speech_call  # noqa: F401  (fixtures)

from recbrowser.ui.common.settings import open_settings
from recbrowser.ui.window.main_window import MainWindow

WAIT = 20_000


def test_tags_in_use_are_offered_and_a_new_one_joins_them(qtbot, data_dir, archived_store, speech_call):  # noqa: F811
    archived_store.add_tag(speech_call.account.name, speech_call.provider_id, "escalation")
    window = MainWindow(data_dir, archived_store, open_settings(data_dir.settings))
    qtbot.addWidget(window)
    window.show()
    offered = window.filter_bar._tags.stringList
    assert offered() == ["escalation"]
    window.open_call(speech_call.account.name, speech_call.provider_id)
    qtbot.waitUntil(lambda: window.call_pane.call is not None, timeout=WAIT)
    qtbot.waitUntil(lambda: window.call_pane.tags.tags() == ["escalation"], timeout=WAIT)
    window.call_pane.tags.edit.setText("refund")
    from PySide6.QtCore import Qt

    qtbot.keyClick(window.call_pane.tags.edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: sorted(offered()) == ["escalation", "refund"], timeout=WAIT)
    count = window.filter_bar.count.text()
    assert count == f"{window.model.call_count():,} calls"
    window.close()
