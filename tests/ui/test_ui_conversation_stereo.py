"""The strip on other providers' media, synced from their emulators over loopback, downloaded,
its peaks read by ffmpeg: a stereo recording's lanes are its two channels (Bandwidth records the
far party, the caller, on the left and our side, the agent, on the right), and a Voki video
call's waveform is its WebM's audio track."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from support.bandwidth_helpers import add_account, fresh_bandwidth_tokens, sync  # noqa: F401
from support.voki_helpers import fresh_voki_tokens  # noqa: F401

from recbrowser.emulators.bandwidth import DAY_MS, NEW_SHAPE_DAYS, BandwidthEmulator
from recbrowser.ui.common.settings import open_settings

WAIT = 15_000


def test_a_stereo_recording_has_one_lane_per_channel(qtbot, data_dir, store):
    from recbrowser.ui.window.main_window import MainWindow

    emu = BandwidthEmulator(calls=20, seed=5)
    emu.start()
    try:
        account = add_account(store, emu)
        assert sync(store, account, emu).ok
        by_call: dict[str, list] = {}
        for r in emu.recordings:
            by_call.setdefault(r.call_id, []).append(r)
        rec = next(rs[0] for rs in by_call.values() if len(rs) == 1 and rs[0].channels == 2
                   and rs[0].transcript == "available" and not rs[0].extra
                   and rs[0].start_ms > emu.now_ms - NEW_SHAPE_DAYS * DAY_MS)  # a transcript with timings
        window = MainWindow(data_dir, store, open_settings(data_dir.settings))
        window.demo_secrets[account.name] = emu.secrets()
        qtbot.addWidget(window)
        window.resize(1400, 900)
        window.show()
        qtbot.waitExposed(window)
        window.open_call(account.name, rec.call_id)
        pane = window.call_pane
        qtbot.waitUntil(lambda: pane.call is not None and pane.call.provider_id == rec.call_id, timeout=WAIT)
        [strip] = pane.strip.strips
        assert strip.data.peaks is None  # not downloaded: the transcript's lanes only
        window.call_presenter.download_current()
        qtbot.waitUntil(lambda: strip.data.peaks is not None, timeout=WAIT)
        assert strip.data.peaks.channels == 2
        left, right = strip.data.lanes
        assert (left.channel, right.channel) == (0, 1)
        assert left.label.endswith("· left") and right.label.endswith("· right")
        # Each sentence sits in its speaker's channel: the caller's left, the agent's right.
        said = rec.dialogue.placements
        assert len(strip.data.blocks) == len(said)
        for block, p in zip(sorted(strip.data.blocks, key=lambda b: b.start_ms), said, strict=True):
            assert (abs(block.start_ms - p.offset_ms) < 10, block.text) == (True, p.text)
            assert block.lane == (0 if p.speaker == "caller" else 1), p.text
    finally:
        emu.stop()


def test_a_voki_video_calls_waveform_is_its_audio_track(qtbot, data_dir, store):
    from support import voki_helpers

    from recbrowser.emulators.voki import VokiEmulator
    from recbrowser.services.downloads import download_call
    from recbrowser.ui.call_pane.call_pane import CallPane
    from recbrowser.ui.common.settings import Preferences
    from recbrowser.ui.player.player import Player

    emu = VokiEmulator(calls=12, seed=3)
    emu.start()
    try:
        account = voki_helpers.add_account(store, emu)
        assert voki_helpers.sync(store, account, emu).ok
        emu_call = next(c for c in emu.calls if c.status == "completed" and c.recording == "ok")
        call = store.get_call("vk", emu_call.id)
        provider = voki_helpers.provider_for(account, emu)
        try:
            (media,) = download_call(store, account, provider, call, data_dir.media)
        finally:
            provider.close()
    finally:
        emu.stop()
    assert media.path.suffix == ".webm"
    pane = CallPane(Player(Preferences(open_settings(data_dir.settings))), database=data_dir.database,
                    peaks=data_dir.peaks)
    qtbot.addWidget(pane)
    pane.resize(600, 800)
    pane.show()
    pane.show_call("vk", call, {})
    [strip] = pane.strip.strips
    qtbot.waitUntil(lambda: strip.data.peaks is not None, timeout=WAIT)
    peaks = strip.data.peaks
    # The whole call, and someone speaking in it (the emulator's speech clips, not a silent track).
    assert abs(peaks.duration_ms - call.recordings[0].duration_ms) < 1000
    assert max(max(peaks.maxs[c]) for c in range(peaks.channels)) > 3000
    assert (data_dir.peaks / f"{store.media_for_call('vk', call.provider_id)[0].sha256}.dat").is_file()  # kept
