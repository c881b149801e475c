"""The Player on real audio: the Yeastar emulator's speech WAV, played by Qt's FFmpeg backend."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from support.ui_helpers import archive, speech_call  # noqa: F401  (fixtures)

from recbrowser.ui.common.settings import Preferences, UiState, clamp_rate, open_settings
from recbrowser.ui.player.player import Player
from recbrowser.ui.player.player_controls import PlayerControls

WAIT = 10_000


def make_player(qtbot, data_dir):
    prefs = Preferences(open_settings(data_dir.settings))
    player = Player(prefs)
    controls = PlayerControls(player)
    qtbot.addWidget(controls)
    return player, controls, prefs


def test_rate_is_clamped_and_remembered(qtbot, data_dir):
    player, controls, prefs = make_player(qtbot, data_dir)
    assert player.set_rate(5) == 2.0
    assert player.set_rate(0.1) == 0.5
    assert player.faster() == 0.75
    player.set_rate(2.0)
    assert player.faster() == 2.0
    assert player.slower() == 1.75
    assert controls.speed.currentText() == "1.75x"
    again = Player(Preferences(open_settings(data_dir.settings)))
    assert again.rate == 1.75
    assert clamp_rate(3) == 2.0 and clamp_rate(0) == 0.5 and clamp_rate(1.234) == 1.23


def test_plays_seeks_and_skips_real_speech(qtbot, data_dir, speech_call):  # noqa: F811
    player, controls, _ = make_player(qtbot, data_dir)
    with qtbot.waitSignal(player.readyChanged, timeout=WAIT, check_params_cb=lambda ready: ready):
        player.load(speech_call.path, label="call")
    assert player.duration() > 3000
    assert controls.slider.isEnabled() and controls.total.text() != "00:00"
    player.seek(2000)
    qtbot.waitUntil(lambda: abs(player.position() - 2000) < 250, timeout=WAIT)
    player.skip(5000)
    qtbot.waitUntil(lambda: abs(player.position() - 7000) < 250, timeout=WAIT)
    player.skip(-15000)
    qtbot.waitUntil(lambda: player.position() < 250, timeout=WAIT)
    player.set_rate(2.0)
    player.play()
    qtbot.waitUntil(lambda: player.position() > 1500, timeout=WAIT)
    player.pause()
    assert not player.is_playing()


def test_a_seek_before_loading_lands_once_loaded(qtbot, data_dir, speech_call):  # noqa: F811
    player, _, _ = make_player(qtbot, data_dir)
    player.load(speech_call.path, start_ms=3000)
    qtbot.waitUntil(lambda: player.ready, timeout=WAIT)
    qtbot.waitUntil(lambda: abs(player.position() - 3000) < 250, timeout=WAIT)


def test_a_broken_file_says_why_and_disables_controls(qtbot, data_dir, tmp_path):
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"RIFF\x00\x00\x00\x00WAVEnot really audio" * 10)
    player, controls, _ = make_player(qtbot, data_dir)
    with qtbot.waitSignal(player.problem, timeout=WAIT, check_params_cb=bool):
        player.load(broken)
    assert not player.ready
    assert "Cannot play broken.wav" in controls.message.text()
    assert not controls.slider.isEnabled()


def test_ui_state_and_preferences_live_apart(qtbot, data_dir):
    settings = open_settings(data_dir.settings)
    prefs, state = Preferences(settings), UiState(settings)
    prefs.volume = 40
    prefs.follow_audio = False
    state.sync()
    keys = open_settings(data_dir.settings).allKeys()
    assert "preferences/volume" in keys and "preferences/follow_audio" in keys
    assert Preferences(open_settings(data_dir.settings)).follow_audio is False


def test_stopping_while_ffmpeg_tears_down_never_deadlocks(qtbot, data_dir, speech_call):  # noqa: F811
    # Without the notify-cache priming in Player this hung within a few rounds (GIL vs Qt mutex).
    from recbrowser.ui.call_pane.call_pane import CallPane

    prefs = Preferences(open_settings(data_dir.settings))
    for i in range(15):
        player = Player(prefs)
        pane = CallPane(player)  # with its video widget, as in the window
        qtbot.addWidget(pane)
        pane.show()
        player.load(speech_call.path, autoplay=True)
        qtbot.waitUntil(player.is_playing, timeout=WAIT)
        qtbot.wait(i % 5 * 10)
        player.seek(3000)
        player.shutdown()
        player.load(speech_call.path, autoplay=True)
        qtbot.wait(i % 3 * 5)
        player.clear()
        pane.close()


def test_emitting_from_python_does_not_eat_references_to_true(qapp):
    # PySide6 6.12.0's emit() returns True without a reference: recbrowser.ui.common.signals repairs it.
    import sys
    from pathlib import Path

    from recbrowser.ui.common.signals import emit

    player = Player(Preferences(open_settings(Path(os.environ.get("TMPDIR", "/tmp")) / "rb-emit.ini")))
    before = sys.getrefcount(True)
    for _ in range(5000):
        emit(player.readyChanged, True)
    assert sys.getrefcount(True) >= before - 10


def test_no_raw_emit_calls_in_the_ui_package():
    from pathlib import Path

    import recbrowser.ui

    folder = Path(recbrowser.ui.__file__).parent
    offenders = [p.name for p in folder.rglob("*.py") if p.name not in ("signals.py", "compat.py") and ".emit(" in p.read_text()]
    assert offenders == [], "use recbrowser.ui.common.signals.emit(signal, ...) instead of signal.emit(...)"


def loaded(qtbot, data_dir, speech_call):  # noqa: F811
    player, controls, prefs = make_player(qtbot, data_dir)
    controls.resize(600, 80)
    controls.show()
    qtbot.waitExposed(controls)
    with qtbot.waitSignal(player.readyChanged, timeout=WAIT, check_params_cb=lambda ready: ready):
        player.load(speech_call.path, label="call")
    return player, controls, prefs


def test_the_clock_reads_minutes_then_hours():
    from recbrowser.ui.common.formatting import clock

    assert [clock(ms) for ms in (None, 0, 999, 61_000, 3_599_999, 3_600_000, 36_005_000)] == [
        "--:--", "00:00", "00:00", "01:01", "59:59", "1:00:00", "10:00:05"]


def slider_x(slider, ms: int) -> int:
    """The pixel of the groove that stands for `ms` (the handle's centre there)."""
    from PySide6.QtWidgets import QStyle, QStyleOptionSlider

    opt = QStyleOptionSlider()
    slider.initStyleOption(opt)
    style = slider.style()
    groove = style.subControlRect(QStyle.ComplexControl.CC_Slider, opt, QStyle.SubControl.SC_SliderGroove, slider)
    handle = style.subControlRect(QStyle.ComplexControl.CC_Slider, opt, QStyle.SubControl.SC_SliderHandle, slider)
    span = groove.width() - handle.width()
    return groove.x() + handle.width() // 2 + QStyle.sliderPositionFromValue(slider.minimum(), slider.maximum(), ms, span)


def test_click_and_drag_on_the_seek_slider(qtbot, data_dir, speech_call):  # noqa: F811
    from PySide6.QtCore import QPoint, Qt

    player, controls, _ = loaded(qtbot, data_dir, speech_call)
    slider, duration = controls.slider, player.duration()
    y = slider.height() // 2
    # A click on the groove jumps there (Qt's own slider would only step a page).
    qtbot.mouseClick(slider, Qt.MouseButton.LeftButton, pos=QPoint(slider_x(slider, duration * 3 // 4), y))
    qtbot.waitUntil(lambda: abs(player.position() - duration * 3 // 4) < 500, timeout=WAIT)
    assert controls.elapsed.text() in ("00:11", "00:12")  # the 16 s clip at 3/4, give or take 0.5 s
    # Drag the handle: ticks do not pull it back while held; letting go seeks once, there.
    start = QPoint(slider_x(slider, slider.value()), y)
    qtbot.mousePress(slider, Qt.MouseButton.LeftButton, pos=start)
    target = QPoint(slider_x(slider, duration // 4), y)
    qtbot.mouseMove(slider, target)
    assert slider.isSliderDown()
    assert controls.elapsed.text() in ("00:03", "00:04")  # shows where the drag would land (1/4 of 16 s)
    controls._on_position(duration - 100)  # a position tick arriving mid-drag
    assert abs(slider.value() - duration // 4) < 500 and controls.elapsed.text() in ("00:03", "00:04")
    qtbot.mouseRelease(slider, Qt.MouseButton.LeftButton, pos=target)
    qtbot.waitUntil(lambda: abs(player.position() - duration // 4) < 500, timeout=WAIT)


def test_skip_buttons_elapsed_total_speed_and_volume(qtbot, data_dir, speech_call):  # noqa: F811
    from PySide6.QtCore import Qt

    player, controls, prefs = loaded(qtbot, data_dir, speech_call)
    assert player.duration() == 16_000  # the seeded call's clip: the literals below depend on it
    assert controls.total.text() == "00:16" and controls.elapsed.text() == "00:00"
    buttons = {b.text(): b for b in controls.skip_buttons}
    qtbot.mouseClick(buttons["+15s"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: abs(player.position() - min(15_000, player.duration())) < 250, timeout=WAIT)
    qtbot.mouseClick(buttons["−5s"], Qt.MouseButton.LeftButton)
    expected = min(15_000, player.duration()) - 5_000
    qtbot.waitUntil(lambda: abs(player.position() - expected) < 250, timeout=WAIT)
    qtbot.waitUntil(lambda: controls.elapsed.text() in ("00:09", "00:10"), timeout=WAIT)
    qtbot.mouseClick(buttons["−15s"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: player.position() < 250, timeout=WAIT)  # never before the start
    qtbot.mouseClick(buttons["+5s"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: abs(player.position() - 5_000) < 250, timeout=WAIT)
    # Speed from the list, volume from the slider: both apply at once and are remembered.
    assert controls.speed.currentText() == "1x"
    qtbot.keyClick(controls.speed, Qt.Key.Key_Home)  # the first entry of the list: the slowest
    controls.volume.setValue(35)
    assert player.rate == 0.5 and player.volume == 35
    player.pause()
    _again, again_controls, _ = make_player(qtbot, data_dir)
    assert _again.rate == 0.5 and _again.volume == 35
    assert again_controls.volume.value() == 35 and again_controls.speed.currentText() == "0.5x"


def test_a_recording_gone_from_the_media_folder_says_so(qtbot, data_dir, tmp_path):
    player, controls, _ = make_player(qtbot, data_dir)
    gone = tmp_path / "media" / "hq" / "call.wav"
    with qtbot.waitSignal(player.problem, timeout=WAIT, check_params_cb=bool):
        player.load(gone, label="hq/call")
    qtbot.wait(200)  # Qt's own follow-up errors must not replace the reason
    text = controls.message.text()
    assert text.startswith("Cannot play hq/call: the file is gone from the media folder") and str(gone) in text
    assert "download the recording again (Ctrl+D)" in text
    assert not player.ready and not controls.slider.isEnabled()


@pytest.mark.parametrize("codec", ["pcm_mulaw", "pcm_alaw", "g722"])
def test_telephony_codecs_play(qtbot, data_dir, speech_call, tmp_path, codec):  # noqa: F811
    # The codecs phone systems record in; "the file won't play" is a classic complaint.
    import subprocess

    import imageio_ffmpeg

    out = tmp_path / f"{codec}.wav"
    rate = "16000" if codec == "g722" else "8000"
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(speech_call.path), "-ac", "1", "-ar", rate,
                    "-c:a", codec, str(out)], check=True)
    player, controls, _ = make_player(qtbot, data_dir)
    with qtbot.waitSignal(player.readyChanged, timeout=WAIT, check_params_cb=bool):
        player.load(out)
    player.play()
    qtbot.waitUntil(lambda: player.position() > 1000, timeout=WAIT)
    player.pause()
    assert not controls.message.isVisible()


def test_no_sound_device_is_said_beside_the_volume(qtbot, data_dir):
    from PySide6.QtMultimedia import QMediaDevices

    _player, controls, _ = make_player(qtbot, data_dir)
    if QMediaDevices.audioOutputs():
        assert controls.volume.toolTip() == "Volume" and controls.volume_icon.isEnabled()
    else:  # as on this headless test machine
        assert controls.volume.toolTip().startswith("No sound device found: calls play silently")
        assert not controls.volume_icon.isEnabled()
    assert not controls.message.isVisible()  # the call still plays: no error line for it


def test_void_qt_calls_never_run_none_out(qapp):
    # PySide6 6.12.0 loses a reference to None per void call; ~3 minutes of playback used to
    # abort the process ("none_dealloc"). 200,000 calls is about an hour of playing.
    import sys

    from PySide6.QtWidgets import QLabel

    from recbrowser.ui import compat

    compat.apply()  # as the app does when it starts (make_app)

    label = QLabel()
    for _ in range(200_000):
        label.setText("00:01")
    assert sys.getrefcount(None) > 100_000
