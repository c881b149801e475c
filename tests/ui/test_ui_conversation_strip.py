"""The call pane's conversation strip on the Wildix emulator's calls, synced over loopback, with a
real QMediaPlayer and ffmpeg: the scripted calls of emulators/showcase.py, whose sentence timings,
hold, overtalk and silence are known by hand from the script and speech/sentences.json, and a
call of two flows (two recordings)."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor
from support.wildix_helpers import add_account, sync

from recbrowser.emulators.wildix import WildixEmulator
from recbrowser.providers.wildix import WildixProvider
from recbrowser.ui.call_pane.speaker_colors import PALETTE
from recbrowser.ui.common.settings import open_settings
from recbrowser.ui.player.speaker_lanes import GUTTER, LANE_GAP, LANE_H

WAIT = 15_000
DAY = 86_400_000
AGENT, CALLER = "Anna Schmidt <201>", "Maria Rossi <+390212345678>"


@pytest.fixture(scope="module")
def emu():
    server = WildixEmulator(calls=30, seed=4, showcase=True)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def synced(store, emu, monkeypatch):
    monkeypatch.setattr(WildixProvider, "transcript_retry_delays", ())
    account = add_account(store, emu)
    assert sync(store, account, emu, since_ms=emu.now_ms - 20 * DAY).ok
    review, hold, overtalk, silence = (c.id for c in emu.calls[-4:])
    return {"review": review, "hold": hold, "overtalk": overtalk, "silence": silence}


def open_call(qtbot, data_dir, store, emu, call_id: str, *, download: bool = True):
    from recbrowser.ui.window.main_window import MainWindow

    window = MainWindow(data_dir, store, open_settings(data_dir.settings))
    window.demo_secrets["wx"] = emu.secrets()
    qtbot.addWidget(window)
    window.resize(1400, 900)
    window.show()
    qtbot.waitExposed(window)
    window.open_call("wx", call_id)
    pane = window.call_pane
    qtbot.waitUntil(lambda: pane.call is not None and pane.call.provider_id == call_id, timeout=WAIT)
    if download:
        window.call_presenter.download_current()
        qtbot.waitUntil(lambda: window.player.ready and all(s.data.peaks is not None for s in pane.strip.strips),
                        timeout=WAIT)
    return window, pane


def x_at(strip, ms: int, duration_ms: int) -> int:
    """Where `ms` is on a strip showing the whole recording: the lanes' names on the left, then
    the recording from its start to its end (4 px of margin on the right)."""
    return round(GUTTER + ms * (strip.width() - GUTTER - 4) / duration_ms)


def lane_y(strip, lane: int) -> int:
    return strip.lanes_top + lane * (LANE_H + LANE_GAP) + LANE_H // 2


def test_clicking_or_dragging_on_the_strip_seeks_the_player(qtbot, data_dir, store, emu, synced):
    window, pane = open_call(qtbot, data_dir, store, emu, synced["silence"])
    strip = pane.strip.strips[0]
    assert strip.data.duration_ms == 29000  # the recording: 29 s
    qtbot.mouseClick(strip, Qt.MouseButton.LeftButton, pos=QPoint(x_at(strip, 20500, 29000), 20))
    qtbot.waitUntil(lambda: abs(window.player.position() - 20500) < 250, timeout=WAIT)

    # A drag seeks where the mouse is let go.
    qtbot.mousePress(strip, Qt.MouseButton.LeftButton, pos=QPoint(x_at(strip, 3000, 29000), 20))
    qtbot.mouseMove(strip, QPoint(x_at(strip, 10000, 29000), 20))
    qtbot.mouseRelease(strip, Qt.MouseButton.LeftButton, pos=QPoint(x_at(strip, 10000, 29000), 20))
    qtbot.waitUntil(lambda: abs(window.player.position() - 10000) < 250, timeout=WAIT)


def test_skip_silence_jumps_over_the_long_silence_while_playing(qtbot, data_dir, store, emu, synced):
    window, pane = open_call(qtbot, data_dir, store, emu, synced["silence"])
    player = window.player
    heard: list[int] = []
    player.seek(6000)  # the caller's question ends at 5.451 s; the agent answers at 20.5 s
    qtbot.waitUntil(lambda: abs(player.position() - 6000) < 250, timeout=WAIT)
    pane.controls.skip_silence.click()
    assert pane.controls.skip_silence.isChecked()
    player.positionChanged.connect(heard.append)
    player.play()
    qtbot.waitUntil(lambda: player.position() >= 20000, timeout=WAIT)
    player.pause()
    # Playback left the silence at once: no moment of its 15 s was played through.
    assert heard and not [ms for ms in heard if 7000 < ms < 19500]
    assert 19500 <= max(heard) < 23000  # it goes on just before the agent's answer


def test_without_skip_silence_the_silence_plays(qtbot, data_dir, store, emu, synced):
    window, pane = open_call(qtbot, data_dir, store, emu, synced["silence"])
    player = window.player
    heard: list[int] = []
    player.seek(6000)
    qtbot.waitUntil(lambda: abs(player.position() - 6000) < 250, timeout=WAIT)
    player.positionChanged.connect(heard.append)
    player.play()
    qtbot.waitUntil(lambda: player.position() >= 7500, timeout=WAIT)
    player.pause()
    assert [ms for ms in heard if 7000 < ms < 19500]


def test_the_lanes_show_each_speakers_sentences_where_they_are_said(qtbot, data_dir, store, emu, synced):
    _window, pane = open_call(qtbot, data_dir, store, emu, synced["overtalk"])
    strip = pane.strip.strips[0]
    # In the order they first speak, named as in the transcript (the number in the tooltip).
    assert [lane.label for lane in strip.data.lanes] == ["Anna Schmidt", "Maria Rossi"]
    assert strip.tooltip_at(GUTTER // 2, lane_y(strip, 1)) == CALLER
    image = strip.grab().toImage()
    blue, orange = QColor(PALETTE[0]), QColor(PALETTE[1])  # the transcript's colours: agent, then caller

    def colour(ms: int, lane: int) -> QColor:
        return image.pixelColor(round(x_at(strip, ms, 13000) * image.devicePixelRatio()),
                                round(lane_y(strip, lane) * image.devicePixelRatio()))

    # Agent: greeting 0.5-3.592 s, price 5.4-7.827 s, goodbye 10.1-12.15 s; caller: question
    # 2.6-5.004 s, goodbye 7.0-9.706 s (offsets of the script, lengths of the clips).
    for ms in (1500, 6000, 11000):
        assert colour(ms, 0) == blue and colour(ms, 1) != orange, ms
    for ms in (4500, 8500):
        assert colour(ms, 1) == orange and colour(ms, 0) != blue, ms
    assert colour(9900, 0) != blue and colour(9900, 1) != orange  # nobody speaks at 9.9 s
    # Hovering a block shows its sentence.
    assert strip.tooltip_at(x_at(strip, 6000, 13000), lane_y(strip, 0)).endswith("The premium plan is forty nine euros a month.")
    assert strip.tooltip_at(x_at(strip, 8500, 13000), lane_y(strip, 1)).endswith("No, that is all. Thank you, goodbye.")
    assert strip.tooltip_at(x_at(strip, 9900, 13000), lane_y(strip, 1)) == ""


def test_overtalk_is_marked_where_both_speak(qtbot, data_dir, store, emu, synced):
    _window, pane = open_call(qtbot, data_dir, store, emu, synced["overtalk"], download=False)
    strip = pane.strip.strips[0]
    # The caller asks at 2.6 s over the greeting (to 3.592 s), and says goodbye at 7.0 s over
    # the price (to 7.827 s).
    assert strip.data.overtalk == [(2600, 3592), (7000, 7827)]
    assert strip.tooltip_at(x_at(strip, 3000, 13000), 30).startswith("Overtalk 00:02–00:03 (1.0 s)")
    assert "overtalk" in pane.strip.legend.text()
    assert strip.data.holds == [] and strip.data.silences == []


def test_a_hold_is_marked_and_not_counted_as_silence(qtbot, data_dir, store, emu, synced):
    _window, pane = open_call(qtbot, data_dir, store, emu, synced["hold"])
    strip = pane.strip.strips[0]
    assert strip.data.holds == [(7200, 37200)]  # on hold from 7.2 s to 37.2 s
    assert strip.data.silences == []  # the line is silent on hold: that is the hold, not a silence
    assert strip.tooltip_at(x_at(strip, 20000, 46000), 30) == "Hold 00:07–00:37 (30.0 s)"
    assert "hold" in pane.strip.legend.text()


def test_a_long_silence_is_marked_from_the_audio(qtbot, data_dir, store, emu, synced):
    _window, pane = open_call(qtbot, data_dir, store, emu, synced["silence"])
    strip = pane.strip.strips[0]
    # Nothing is said from the end of the question (5.451 s) to the answer (20.5 s).
    [(start, end)] = strip.data.silences
    assert 5451 <= start <= 5700 and 20300 <= end <= 20500
    assert strip.tooltip_at(x_at(strip, 12000, 29000), 30).startswith("Silence 00:05–00:20")


def test_the_review_call_shows_a_hold_two_overtalks_and_a_silence(qtbot, data_dir, store, emu, synced):
    _window, pane = open_call(qtbot, data_dir, store, emu, synced["review"], download=False)
    strip = pane.strip.strips[0]
    assert strip.data.holds == [(8800, 23800)]
    # Over the greeting (to 3.592 s) from 2.7 s; over the card number (to 27.409 s) from 26.9 s.
    assert strip.data.overtalk == [(2700, 3592), (26900, 27409)]
    # Not downloaded yet: the silence is the transcript's gap, from the refund's end to the next question.
    assert strip.data.silences == [(26900 + 2914, 38800)]
    assert all(word in pane.strip.legend.text() for word in ("hold", "overtalk", "silence"))


def test_a_note_is_marked_at_its_moment(qtbot, data_dir, store, emu, synced):
    store.add_note("wx", synced["silence"], 12_000, "long pause here")
    _window, pane = open_call(qtbot, data_dir, store, emu, synced["silence"], download=False)
    strip = pane.strip.strips[0]
    qtbot.waitUntil(lambda: strip.data.notes == [(12_000, "long pause here")], timeout=WAIT)
    assert strip.tooltip_at(x_at(strip, 12_000, 29000), 30) == "Note 00:12: long pause here"


def test_a_call_with_two_recordings_shows_two_strips(qtbot, data_dir, store, emu, synced):
    two = next(c for c in emu.calls if len(c.flows) == 2 and all(f.rec_file for f in c.flows)
               and all(f.transcription == "AVAILABLE" for f in c.flows))
    window, pane = open_call(qtbot, data_dir, store, emu, two.id)
    first, second = pane.strip.strips
    assert first.isVisible() and second.isVisible()
    assert (first.title, second.title) == ("Recording 1 of 2", "Recording 2 of 2")
    for strip, flow in ((first, two.flows[0]), (second, two.flows[1])):
        said = flow.dialogue.placements
        assert [(b.start_ms, b.end_ms, b.text) for b in strip.data.blocks] == \
            [(p.offset_ms, p.offset_ms + p.duration_ms, p.text) for p in said]
        assert abs(strip.data.duration_ms - flow.dialogue.total_ms) < 200
    # A click on the second strip plays the second recording there.
    duration = second.data.duration_ms
    qtbot.mouseClick(second, Qt.MouseButton.LeftButton, pos=QPoint(x_at(second, duration // 2, duration), 20))
    qtbot.waitUntil(lambda: window.player.path is not None and window.player.path.read_bytes() == emu.audio(two.flows[1]),
                    timeout=WAIT)
    qtbot.waitUntil(lambda: abs(window.player.position() - duration // 2) < 400, timeout=WAIT)
    qtbot.waitUntil(lambda: second.position is not None and first.position is None, timeout=WAIT)


def test_zoom_shows_part_of_the_recording_and_scrolls(qtbot, data_dir, store, emu, synced):
    _window, pane = open_call(qtbot, data_dir, store, emu, synced["silence"], download=False)
    strip = pane.strip.strips[0]
    assert (strip.view_start, strip.view_span) == (0, 29000)
    pane.strip.zoom_in.click()
    pane.strip.zoom_in.click()
    assert strip.view_span == 29000 / 4
    assert pane.strip.scroll.isVisible()
    pane.strip.scroll.setValue(pane.strip.scroll.maximum())
    assert strip.view_start + strip.view_span == pytest.approx(29000)
    # The left edge now shows 21.75 s: the agent's answer (20.5-23.354 s), not the greeting.
    assert strip.tooltip_at(GUTTER + 1, lane_y(strip, 0)).endswith("Delivery is planned for next week, on Tuesday.")
    pane.strip.zoom_out.click()
    pane.strip.zoom_out.click()
    assert (strip.view_start, strip.view_span) == (0, 29000) and not pane.strip.scroll.isVisible()
    assert strip.tooltip_at(GUTTER + 1, lane_y(strip, 0)) == ""
