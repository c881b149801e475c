"""TranscriptPane with a real Player on the emulator's speech: bisect, click to seek, find."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt
from support.ui_helpers import archive, speech_call  # noqa: F401  (fixtures)
from support.window_helpers import click_sentence

from recbrowser.domain import Segment
from recbrowser.store import CallFilter
from recbrowser.ui.call_pane.transcript_pane import TranscriptPane
from recbrowser.ui.common.settings import Preferences, open_settings
from recbrowser.ui.player.player import Player

WAIT = 10_000
SEGMENTS = [
    Segment("Hello, this is Anna.", "Anna", "agent", 0, 1500),
    Segment("Hi, I was charged twice.", "Lena", "caller", 1800, 3500),
    Segment("Let me check that.", "Anna", "agent", 4000, 5200),
    Segment("(an untimed remark)", "Lena", "caller", None, None),
    Segment("Refund issued.", "Anna", "agent", 9000, 10000),
]


def pane_with_player(qtbot, data_dir, segments, path=None):
    player = Player(Preferences(open_settings(data_dir.settings)))
    pane = TranscriptPane()
    pane.seekRequested.connect(player.seek)
    player.positionChanged.connect(pane.set_position)
    pane.set_segments(segments)
    pane.resize(500, 600)
    qtbot.addWidget(pane)
    pane.show()
    qtbot.waitExposed(pane)
    if path is not None:
        with qtbot.waitSignal(player.readyChanged, timeout=WAIT, check_params_cb=bool):
            player.load(path)
    return pane, player


def test_bisect_picks_the_sentence_being_spoken(qtbot, data_dir):
    pane, _ = pane_with_player(qtbot, data_dir, SEGMENTS)
    assert pane.segment_index_at(0) == 0
    assert pane.segment_index_at(1799) == 0
    assert pane.segment_index_at(1800) == 1
    assert pane.segment_index_at(8000) == 2  # still the last one that started; the untimed one is skipped
    assert pane.segment_index_at(60_000) == 4
    pane.set_position(4100)
    assert pane.current_index == 2
    assert "1 without timing" in pane.info.text()


def test_clicking_an_untimed_sentence_does_not_seek(qtbot, data_dir):
    pane, _ = pane_with_player(qtbot, data_dir, SEGMENTS)
    asked = []
    pane.seekRequested.connect(asked.append)
    click_sentence(qtbot, pane, 3)
    click_sentence(qtbot, pane, 2)
    assert asked == [4000]


def test_click_a_sentence_and_the_player_seeks_there(qtbot, data_dir, speech_call):  # noqa: F811
    pane, player = pane_with_player(qtbot, data_dir, speech_call.segments, speech_call.path)
    timed = [(i, s) for i, s in enumerate(speech_call.segments) if s.start_ms is not None]
    index, segment = timed[2]
    click_sentence(qtbot, pane, index)
    qtbot.waitUntil(lambda: abs(player.position() - segment.start_ms) < 250, timeout=WAIT)
    qtbot.waitUntil(lambda: pane.current_index == index, timeout=WAIT)


def test_playing_highlights_the_sentence_being_spoken(qtbot, data_dir, speech_call):  # noqa: F811
    pane, player = pane_with_player(qtbot, data_dir, speech_call.segments, speech_call.path)
    timed = [(i, s) for i, s in enumerate(speech_call.segments) if s.start_ms is not None]
    (first, seg1), (second, seg2) = timed[0], timed[1]
    player.seek(seg1.start_ms)
    player.set_rate(2.0)
    player.play()
    qtbot.waitUntil(lambda: player.position() >= seg2.start_ms + 100, timeout=WAIT)
    player.pause()
    expected = pane.segment_index_at(player.position())
    qtbot.waitUntil(lambda: pane.current_index == expected, timeout=WAIT)
    assert expected in (second, *[i for i, s in timed if s.start_ms <= player.position()])
    assert first != pane.current_index


def test_find_in_transcript_counts_and_steps(qtbot, data_dir):
    pane, _ = pane_with_player(qtbot, data_dir, SEGMENTS)
    pane.open_find()
    qtbot.keyClicks(pane.find_bar.edit, "lena")  # the speaker label of two sentences
    qtbot.waitUntil(lambda: pane.find_bar.count.text() == "1 of 2", timeout=2000)
    qtbot.keyClick(pane.find_bar.edit, Qt.Key.Key_Return)
    assert pane.find_bar.count.text() == "2 of 2"
    qtbot.keyClick(pane.find_bar.edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    assert pane.find_bar.count.text() == "1 of 2"
    qtbot.keyClick(pane.find_bar.edit, Qt.Key.Key_Escape)
    assert not pane.find_bar.isVisible() and pane.view.match_count == 0


def test_empty_states_say_why(qtbot, data_dir):
    pane, _ = pane_with_player(qtbot, data_dir, [])
    pane.set_segments(None, "pending")
    assert "not finished transcribing" in pane.view.placeholderText()
    pane.set_segments([], "none")
    assert pane.view.placeholderText() == "This call has no transcript."


def test_clicking_a_sentence_of_a_call_not_downloaded_plays_from_there(qtbot, data_dir, store, yeastar):
    # The whole window on a fresh sync: the click fetches the recording, then plays from the sentence.
    import time

    from support.yeastar_helpers import add_emulated_account

    from recbrowser.ui.window.main_window import MainWindow

    add_emulated_account(store, yeastar)
    window = MainWindow(data_dir, store, open_settings(data_dir.settings))
    window.demo_secrets["hq"] = yeastar.secrets()
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(window.sync.finished, timeout=60_000):
        window.sync.sync(["hq"], since_ms=int(time.time() * 1000) - 15 * 86_400_000)
    row = next(r for r in store.list_calls(CallFilter(has_transcript=True, has_audio=True))[0] if not r.downloaded)
    window.open_call("hq", row.provider_id)
    qtbot.waitUntil(lambda: window.call_pane.call is not None and window.call_pane.call.provider_id == row.provider_id, timeout=WAIT)
    assert window.player.path is None
    pane = window.call_pane.transcript
    index, segment = [(i, s) for i, s in enumerate(pane.view.segments) if s.start_ms is not None][2]
    click_sentence(qtbot, pane, index)
    qtbot.waitUntil(lambda: window.player.ready and window.player.is_playing(), timeout=WAIT)
    assert segment.start_ms - 100 <= window.player.position() < segment.start_ms + 1500
    qtbot.waitUntil(lambda: pane.current_index == index, timeout=WAIT)
    window.player.pause()
