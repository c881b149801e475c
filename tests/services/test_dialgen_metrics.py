"""Dialgen's get-metric answer as the seed shows it: the recording URL (the seed's source for
it) as the fallback when check-status gives none, and metricJson's sentiment, intent, key
points and call status kept. Real emulator over loopback, answers checked against the spec."""

from __future__ import annotations

from support.dialgen_helpers import add_account, provider_for, sync
from support.dialgen_spec import check_exchange

from recbrowser.emulators.dialgen import LIVE_MS, DialgenEmulator
from recbrowser.services.downloads import download_call
from recbrowser.store import CallFilter


def recent_completed(emu):
    # Within the 30 days the live status names the contactId, which get-metric needs.
    return next(c for c in emu.calls if c.batch_id and emu.recording_url(c) is not None
                and c.start_ms + LIVE_MS > emu.now_ms)


def test_a_recording_url_only_get_metric_gives_is_used_to_sync_and_download(store, data_dir):
    with DialgenEmulator(calls=30, seed=5, batch_size=10) as emu:
        target = recent_completed(emu)
        emu.status_without_url.add(target.call_id)
        account = add_account(store, emu)
        assert sync(store, account, emu).ok
        call = store.get_call("dg", target.call_id)
        assert call.has_audio and call.recordings
        p = provider_for(account, emu)
        try:
            got = download_call(store, account, p, call, data_dir.media)
        finally:
            p.close()
        assert got[0].path.read_bytes() == emu.audio(target)
        metric_answers = [b for path, _q, status, b in emu.exchanges if path.endswith("get-metric") and status == 200]
        assert metric_answers and all("recordingUrl" in b["callData"] for b in metric_answers
                                      if b["callData"]["status"] == "COMPLETED")
        for path, query, status, body in emu.exchanges:
            check_exchange(path, query, status, body)


def test_metric_json_sentiment_intent_key_points_and_call_status_are_kept(store):
    with DialgenEmulator(calls=30, seed=5, batch_size=10) as emu:
        target = recent_completed(emu)
        account = add_account(store, emu)
        assert sync(store, account, emu).ok
        want = emu.metric_data(target)["metricJson"]
    call = store.get_call("dg", target.call_id)
    assert call.sentiment == want["sentiment"]
    assert call.details["intent"] == "SUPPORT" and call.details["call_status"] == "SUCCESS"
    assert call.details["key_points"] == want["keyPoints"]
    assert store.count_calls(CallFilter(account="dg", sentiment=want["sentiment"])) >= 1
