"""Listening leaves a trail: the first play of a loaded recording is in the audit log, once."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QThreadPool
from support.ui_helpers import archive, speech_call  # noqa: F401  (fixtures)

from recbrowser.services import audit
from recbrowser.store import Store
from recbrowser.ui.call_pane.call_pane import CallPane
from recbrowser.ui.common.settings import Preferences, open_settings
from recbrowser.ui.player.player import Player

WAIT = 10_000


def played(database) -> list[tuple[str, str]]:
    with Store.open(database) as store:
        return [(e.account, e.call_id) for e in store.audit_log() if e.action == audit.PLAYED]


def test_the_first_play_of_each_loaded_call_is_logged_once(qtbot, data_dir, speech_call):  # noqa: F811
    player = Player(Preferences(open_settings(data_dir.settings)))
    pane = CallPane(player, database=data_dir.database)
    qtbot.addWidget(pane)
    Store.open(data_dir.database).close()  # the cache the window would have opened
    with qtbot.waitSignal(player.readyChanged, timeout=WAIT, check_params_cb=bool):
        player.load(speech_call.path, label="hq/1001")
    assert played(data_dir.database) == []  # loading is not listening
    player.play()
    qtbot.waitUntil(lambda: played(data_dir.database) == [("hq", "1001")], timeout=WAIT)
    player.pause()
    with qtbot.waitSignal(player.playingChanged, timeout=WAIT, check_params_cb=bool):
        player.play()  # resuming the same recording is the same listen
    _database, pool = pane._cache_and_pool()
    assert (pool or QThreadPool.globalInstance()).waitForDone(WAIT)  # any write it started has ended
    assert played(data_dir.database) == [("hq", "1001")]
    player.pause()
    with qtbot.waitSignal(player.readyChanged, timeout=WAIT, check_params_cb=bool):
        player.load(speech_call.path, label="hq/1002")
    player.play()
    qtbot.waitUntil(lambda: len(played(data_dir.database)) == 2, timeout=WAIT)
    player.pause()
    assert sorted(played(data_dir.database)) == [("hq", "1001"), ("hq", "1002")]
    player.shutdown()
