"""What a re-sync must not forget: recordings the provider stopped listing that were downloaded
or deleted from recbrowser, and the reason a deleted recording has no audio."""

from __future__ import annotations

from recbrowser.domain import Account, Call, Recording
from recbrowser.store.calls import DELETED_MARK, GONE_MARK


def _call(*recording_ids: str, has_audio: bool = True) -> Call:
    return Call(provider_id="c1", start_ms=1_700_000_000_000, has_audio=has_audio,
                recordings=[Recording(provider_id=r, format="wav", size=100) for r in recording_ids])


def _sync(store, account, call: Call) -> Call:
    with store.transaction():
        store.upsert_calls(account.id, [call])
    return store.get_call("hq", "c1")


def test_a_downloaded_recording_the_provider_stops_listing_is_kept_and_marked(store):
    account = store.add_account(Account(name="hq", provider="yeastar"))
    _sync(store, account, _call("r1", "r2", "r3"))
    store.record_media(account.id, "r1", "/media/hq/r1.wav", 100, "0" * 64)
    call = _sync(store, account, _call("r2"))  # PBX disk cleanup removed r1 and r3
    by_id = {r.provider_id: r for r in call.recordings}
    assert set(by_id) == {"r1", "r2"}  # r3 was never downloaded: the provider's word stands
    assert GONE_MARK in by_id["r1"].raw and GONE_MARK not in by_id["r2"].raw
    assert [m.recording_provider_id for m in store.media_for_call("hq", "c1")] == ["r1"]
    first_seen_gone = by_id["r1"].raw[GONE_MARK]
    call = _sync(store, account, _call("r2"))
    assert {r.provider_id: r for r in call.recordings}["r1"].raw[GONE_MARK] == first_seen_gone


def test_a_recording_back_in_the_listing_loses_the_gone_mark(store):
    account = store.add_account(Account(name="hq", provider="yeastar"))
    _sync(store, account, _call("r1", "r2"))
    store.record_media(account.id, "r1", "/media/hq/r1.wav", 100, "0" * 64)
    _sync(store, account, _call("r2"))
    call = _sync(store, account, _call("r1", "r2"))
    assert all(GONE_MARK not in r.raw for r in call.recordings)


def test_a_deletion_mark_is_put_back_on_every_sync_with_its_reason(store):
    account = store.add_account(Account(name="hq", provider="bandwidth"))
    _sync(store, account, _call("r1"))
    store.mark_deleted(account.id, "r1", "media", "the recording was deleted at Bandwidth on 2026-11-23")
    call = _sync(store, account, _call("r1"))  # the provider still says it has audio
    assert not call.has_audio and call.audio_reason == "the recording was deleted at Bandwidth on 2026-11-23"
    assert set(call.recordings[0].raw[DELETED_MARK]) == {"media"}


def test_a_transcription_deletion_leaves_the_audio_alone(store):
    account = store.add_account(Account(name="hq", provider="bandwidth"))
    _sync(store, account, _call("r1"))
    store.mark_deleted(account.id, "r1", "transcription", "the transcription was deleted at Bandwidth on 2026-11-23")
    call = _sync(store, account, _call("r1"))
    assert call.has_audio and call.audio_reason == ""
    assert set(call.recordings[0].raw[DELETED_MARK]) == {"transcription"}


def test_removing_the_account_forgets_its_deletions(store):
    account = store.add_account(Account(name="hq", provider="bandwidth"))
    _sync(store, account, _call("r1"))
    store.mark_deleted(account.id, "r1", "media", "gone")
    store.remove_account("hq")
    again = store.add_account(Account(name="hq", provider="bandwidth"))
    assert _sync(store, again, _call("r1")).has_audio
