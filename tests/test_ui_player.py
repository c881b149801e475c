"""The Player on real audio: the Yeastar emulator's speech WAV, played by Qt's FFmpeg backend."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from test_ui_support import archive, speech_call  # noqa: F401  (fixtures)

from recbrowser.ui.player import Player
from recbrowser.ui.player_controls import PlayerControls
from recbrowser.ui.settings import Preferences, UiState, clamp_rate, open_settings

# pytest-qt's Qt message capture runs Python in Qt's FFmpeg threads; a warning raised there
# while the UI thread waits on that thread deadlocks on the GIL. The app installs no handler.
pytestmark = pytest.mark.no_qt_log

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
    assert clamp_rate("nonsense" if False else 3) == 2.0


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
    from recbrowser.ui.call_pane import CallPane

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
    # PySide6 6.12.0's emit() returns True without a reference: recbrowser.ui.signals repairs it.
    import sys
    from pathlib import Path

    from recbrowser.ui.signals import emit

    player = Player(Preferences(open_settings(Path(os.environ.get("TMPDIR", "/tmp")) / "rb-emit.ini")))
    before = sys.getrefcount(True)
    for _ in range(5000):
        emit(player.readyChanged, True)
    assert sys.getrefcount(True) >= before - 10


def test_no_raw_emit_calls_in_the_ui_package():
    from pathlib import Path

    import recbrowser.ui

    folder = Path(recbrowser.ui.__file__).parent
    offenders = [p.name for p in folder.glob("*.py") if p.name != "signals.py" and ".emit(" in p.read_text()]
    assert offenders == [], "use recbrowser.ui.signals.emit(signal, ...) instead of signal.emit(...)"
