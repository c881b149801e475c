"""Playing a call whose cached recording changed since its download: the window's controller
fetches it again instead of handing the damaged file to the player (real emulator, real files)."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import time
from pathlib import Path

from PySide6.QtCore import QThreadPool
from support.yeastar_helpers import add_emulated_account, all_calls, provider_for, sync

from recbrowser.services.downloads import download_call
from recbrowser.ui.call_pane.call_controller import CallController, PlayRequest

WAIT = 10_000


def test_a_damaged_cached_recording_is_fetched_again_before_it_plays(qtbot, store, data_dir, yeastar):
    account = add_emulated_account(store, yeastar)
    assert sync(store, account, yeastar, since_ms=int(time.time() * 1000) - 14 * 86_400_000).ok
    row = next(r for r in all_calls(store) if r.has_audio)
    call = store.get_call(account.name, row.provider_id)
    provider = provider_for(account, yeastar)
    try:
        cached = download_call(store, account, provider, call, data_dir.media)[0].path
    finally:
        provider.close()
    good = cached.read_bytes()
    damaged = bytearray(good)
    damaged[len(damaged) // 2] ^= 0xFF
    cached.write_bytes(bytes(damaged))

    pool = QThreadPool()
    controller = CallController(data_dir.database, data_dir.media, lambda _name: yeastar.secrets(), pool)
    with qtbot.waitSignal(controller.mediaReady, timeout=WAIT) as ready:
        controller.fetch_media(PlayRequest(account.name, row.provider_id, autoplay=False))
    played = Path(ready.args[1])
    assert played == cached and played.read_bytes() == good
    pool.waitForDone(WAIT)
