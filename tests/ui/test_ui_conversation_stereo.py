"""A stereo recording's lanes are its two channels: Bandwidth records the far party (the caller)
on the left and our side (the agent) on the right. Synced from the Bandwidth emulator over
loopback, downloaded, its peaks read by ffmpeg."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from support.bandwidth_helpers import add_account, fresh_bandwidth_tokens, sync  # noqa: F401

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
