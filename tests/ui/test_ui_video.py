"""A Voki video call in the call pane: the real emulator's WebM (VP8 + Opus), synced and
downloaded into a real cache, shown with its first frame before Play; an audio call hides the video."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication
from support.ui_helpers import archive, speech_call  # noqa: F401  (fixtures)
from support.voki_helpers import add_account, fresh_voki_tokens, provider_for, sync  # noqa: F401  (fixture)

from recbrowser.domain import Call
from recbrowser.emulators.voki import VokiEmulator
from recbrowser.services.downloads import download_call
from recbrowser.store import Store
from recbrowser.ui.call_pane.call_pane import CallPane
from recbrowser.ui.common.settings import Preferences, open_settings
from recbrowser.ui.player.player import Player

WAIT = 15_000


@dataclass
class VokiCall:
    call: Call
    path: Path


@pytest.fixture
def voki_call(data_dir) -> VokiCall:
    """A transcribed Voki call synced from the emulator, its WebM downloaded to the media folder."""
    emu = VokiEmulator(calls=12, seed=3)
    emu.start()
    store = Store.open(data_dir.database)
    try:
        account = add_account(store, emu)
        assert sync(store, account, emu).ok
        emu_call = next(c for c in emu.calls if c.status == "completed" and c.recording == "ok")
        call = store.get_call("vk", emu_call.id)
        provider = provider_for(account, emu)
        try:
            (f,) = download_call(store, account, provider, call, data_dir.media)
        finally:
            provider.close()
        return VokiCall(call, f.path)
    finally:
        store.close()
        emu.stop()


def make_pane(qtbot, data_dir) -> tuple[CallPane, Player]:
    player = Player(Preferences(open_settings(data_dir.settings)))
    pane = CallPane(player)
    pane.resize(520, 760)
    qtbot.addWidget(pane)
    pane.show()
    qtbot.waitExposed(pane)
    return pane, player


def audio_call(archive) -> Call:  # noqa: F811
    store = Store.open(archive.database)
    try:
        return store.get_call(archive.call.account.name, archive.call.provider_id)
    finally:
        store.close()


def test_a_voki_call_shows_its_first_frame_then_plays(qtbot, data_dir, voki_call):
    pane, player = make_pane(qtbot, data_dir)
    pane.show_call("vk", voki_call.call, {})
    # Not downloaded into the player yet: a placeholder says how to watch it, not a black box.
    assert pane.video.isVisible() and not pane.video.showing_video()
    assert "press Play" in pane.video.placeholder.text()
    frames = []
    pane.video.video.videoSink().videoFrameChanged.connect(lambda f: frames.append(f.isValid()))
    with qtbot.waitSignal(player.readyChanged, timeout=WAIT, check_params_cb=bool):
        player.load(voki_call.path, label="vk/call")
    qtbot.waitUntil(lambda: pane.video.showing_video() and any(frames), timeout=WAIT)  # the first frame, before Play
    assert not player.is_playing() and player.position() < 250
    player.play()
    qtbot.waitUntil(lambda: player.position() > 1500, timeout=WAIT)
    assert pane.video.video.videoSink().videoFrame().isValid()
    player.pause()


def test_the_untimed_voki_transcript_is_shown_without_click_to_seek(qtbot, data_dir, voki_call):
    pane, player = make_pane(qtbot, data_dir)
    pane.show_call("vk", voki_call.call, {})
    with qtbot.waitSignal(player.readyChanged, timeout=WAIT, check_params_cb=bool):
        player.load(voki_call.path, label="vk/call")
    segments = voki_call.call.segments
    assert segments and pane.transcript.view.segments == segments
    assert f"{len(segments)} without timing" in pane.transcript.info.text()
    assert "untimed" in pane.transcript.view.toPlainText()
    asked = []
    pane.transcript.seekRequested.connect(asked.append)
    view = pane.transcript.view
    rect = view.document().documentLayout().blockBoundingRect(view.document().findBlockByNumber(1))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(30, int(rect.center().y())))
    QApplication.processEvents()  # the click is handled by now: a seek would have been asked for
    assert asked == [] and player.position() < 250


def test_switching_between_video_and_audio_calls_switches_the_pane(qtbot, data_dir, voki_call, archive):  # noqa: F811
    pane, player = make_pane(qtbot, data_dir)
    pane.show_call("vk", voki_call.call, {})
    with qtbot.waitSignal(player.readyChanged, timeout=WAIT, check_params_cb=bool):
        player.load(voki_call.path, label="vk/call")
    qtbot.waitUntil(pane.video.showing_video, timeout=WAIT)
    # The window clears the player, then shows the next call.
    player.clear()
    pane.show_call(archive.call.account.name, audio_call(archive), {})
    assert not pane.video.isVisible()
    with qtbot.waitSignal(player.readyChanged, timeout=WAIT, check_params_cb=bool):
        player.load(archive.call.path, label="hq/call")
    player.play()
    qtbot.waitUntil(lambda: player.position() > 500, timeout=WAIT)
    assert not pane.video.isVisible()
    player.pause()
    player.clear()
    pane.show_call("vk", voki_call.call, {})
    assert pane.video.isVisible() and not pane.video.showing_video()


def test_in_the_window_play_fetches_the_webm_and_shows_the_video(qtbot, data_dir, store):
    from recbrowser.ui.window.main_window import MainWindow

    emu = VokiEmulator(calls=12, seed=3)
    emu.start()
    try:
        account = add_account(store, emu)
        assert sync(store, account, emu).ok
        emu_call = next(c for c in emu.calls if c.status == "completed" and c.recording == "ok")
        window = MainWindow(data_dir, store, open_settings(data_dir.settings))
        window.demo_secrets["vk"] = emu.secrets()
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        window.open_call("vk", emu_call.id)
        pane = window.call_pane
        qtbot.waitUntil(lambda: pane.call is not None and pane.call.provider_id == emu_call.id, timeout=WAIT)
        assert pane.video.isVisible() and not pane.video.showing_video()  # not fetched: the placeholder
        window.actions["play_pause"].trigger()
        qtbot.waitUntil(lambda: window.player.is_playing() and pane.video.showing_video(), timeout=WAIT)
        qtbot.waitUntil(lambda: window.player.position() > 1000, timeout=WAIT)
        window.actions["play_pause"].trigger()
        qtbot.waitUntil(lambda: not window.player.is_playing(), timeout=WAIT)
        assert pane.video.video.videoSink().videoFrame().isValid()
    finally:
        emu.stop()


def test_a_damaged_video_says_so_where_the_picture_would_be(qtbot, data_dir, voki_call, tmp_path):
    pane, player = make_pane(qtbot, data_dir)
    pane.show_call("vk", voki_call.call, {})
    broken = tmp_path / "broken.webm"
    broken.write_bytes(voki_call.path.read_bytes()[:300])  # the header, then nothing
    with qtbot.waitSignal(player.problem, timeout=WAIT, check_params_cb=bool):
        player.load(broken, label="vk/call")
    assert pane.video.isVisible() and not pane.video.showing_video()
    assert pane.video.placeholder.text().startswith("No picture")
    assert pane.controls.message.text().startswith("Cannot play vk/call")


def test_switching_away_from_a_video_while_it_loads_never_hangs(qtbot, data_dir, voki_call):
    # Showing the first frame starts FFmpeg's threads before Play; the window clears the
    # player as soon as the user moves on (the GIL/Qt-mutex hazard Player works around).
    pane, player = make_pane(qtbot, data_dir)
    pane.show_call("vk", voki_call.call, {})
    for i in range(12):
        player.load(voki_call.path, label="vk/call")
        qtbot.wait(i % 4 * 15)
        player.clear()
    with qtbot.waitSignal(player.readyChanged, timeout=WAIT, check_params_cb=bool):
        player.load(voki_call.path, label="vk/call")
    qtbot.waitUntil(pane.video.showing_video, timeout=WAIT)
