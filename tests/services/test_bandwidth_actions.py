"""Per-call Bandwidth actions through the service layer: real emulator, real store."""

from __future__ import annotations

import pytest
from support.bandwidth_helpers import add_account, fresh_bandwidth_tokens, provider_for, sync  # noqa: F401

from recbrowser.emulators.bandwidth import BandwidthEmulator
from recbrowser.errors import UserFacingError
from recbrowser.services.bandwidth_actions import MARK, run_action
from recbrowser.services.downloads import download_call


@pytest.fixture
def synced(store):
    emu = BandwidthEmulator(calls=30, seed=5)
    emu.start()
    account = add_account(store, emu)
    assert sync(store, account, emu).ok
    provider = provider_for(account, emu)
    yield emu, account, provider
    provider.close()
    emu.stop()


def single(emu, **want):
    calls = {}
    for r in emu.recordings:
        calls.setdefault(r.call_id, []).append(r)
    return next(rs[0] for rs in calls.values()
                if len(rs) == 1 and all(getattr(rs[0], k) == v for k, v in want.items()))


def test_request_a_transcription_then_sync_brings_the_text(store, synced):
    emu, account, provider = synced
    rec = single(emu, transcript=None)
    assert store.get_call("bw", rec.call_id).transcript_status == "none"
    [result] = run_action(store, account, provider, rec.call_id, "transcribe")
    assert "requested" in result.message and emu.by_id(rec.recording_id).transcript == "available"
    assert store.get_call("bw", rec.call_id).transcript_status == "pending"
    assert sync(store, account, emu).ok
    call = store.get_call("bw", rec.call_id)
    assert call.transcript_status == "available" and call.segments
    [again] = run_action(store, account, provider, rec.call_id, "transcribe")
    assert "already has a transcription" in again.message


def test_deleting_a_transcription_keeps_the_local_text_marked(store, synced):
    emu, account, provider = synced
    rec = single(emu, transcript="available")
    before = [s.text for s in store.get_call("bw", rec.call_id).segments]
    [result] = run_action(store, account, provider, rec.call_id, "delete-transcription")
    assert "irreversible" in result.message and emu.by_id(rec.recording_id).transcript is None
    call = store.get_call("bw", rec.call_id)
    assert "transcription" in call.recordings[0].raw[MARK]
    assert [s.text for s in call.segments] == before and call.transcript_status == "available"
    assert sync(store, account, emu).ok
    # The sync rewrites the raw JSON from Bandwidth's answer (which now says there is no
    # transcription); the store puts our mark back, and the text stays.
    call = store.get_call("bw", rec.call_id)
    assert [s.text for s in call.segments] == before and call.transcript_status == "available"
    assert call.recordings[0].raw["transcription"] is None
    assert "transcription" in call.recordings[0].raw[MARK]


def test_deleting_media_keeps_the_downloaded_file_and_says_why(store, synced, data_dir):
    emu, account, provider = synced
    rec = single(emu, fmt="wav")
    [f] = download_call(store, account, provider, store.get_call("bw", rec.call_id), data_dir.media)
    run_action(store, account, provider, rec.call_id, "delete-media")
    call = store.get_call("bw", rec.call_id)
    assert not call.has_audio and "deleted at Bandwidth" in call.audio_reason
    assert call.recordings[0].raw[MARK]["media"] and emu.by_id(rec.recording_id).media_deleted
    assert sync(store, account, emu).ok  # Bandwidth now says status "deleted", no mediaUrl
    call = store.get_call("bw", rec.call_id)
    assert not call.has_audio and "deleted at Bandwidth" in call.audio_reason
    assert f.path.is_file() and store.media_for_call("bw", rec.call_id)


def test_deleting_a_recording_keeps_its_metadata_in_the_cache(store, synced):
    emu, account, provider = synced
    rec = single(emu, transcript="available")
    run_action(store, account, provider, rec.call_id, "delete-recording", rec.recording_id)
    assert emu.by_id(rec.recording_id) is None
    assert sync(store, account, emu).ok  # the recording is gone from Bandwidth's list
    call = store.get_call("bw", rec.call_id)
    assert [r.provider_id for r in call.recordings] == [rec.recording_id]
    assert "recording" in call.recordings[0].raw[MARK] and call.segments
    assert not call.has_audio and "deleted at Bandwidth" in call.audio_reason
    with pytest.raises(UserFacingError, match="already deleted"):
        run_action(store, account, provider, rec.call_id, "delete-media")


def test_clear_sentences_for_unknown_calls_recordings_and_actions(store, synced):
    emu, account, provider = synced
    with pytest.raises(UserFacingError, match="No call bw/c-nope in the cache"):
        run_action(store, account, provider, "c-nope", "delete-media")
    rec = single(emu)
    with pytest.raises(UserFacingError, match="has no recording r-nope"):
        run_action(store, account, provider, rec.call_id, "delete-media", "r-nope")
    with pytest.raises(UserFacingError, match="Unknown Bandwidth action"):
        run_action(store, account, provider, rec.call_id, "shred")
    assert emu.by_id(rec.recording_id) is not None and not emu.by_id(rec.recording_id).media_deleted


def double(emu):
    calls = {}
    for r in emu.recordings:
        calls.setdefault(r.call_id, []).append(r)
    return next(rs for rs in calls.values() if len(rs) == 2 and all(r.fmt == "wav" for r in rs))


def test_deleted_media_stays_deleted_while_bandwidth_still_lists_it(store, synced):
    # Bandwidth purges in 24-48 h; until then its listing may still say "complete" with a link.
    emu, account, provider = synced
    rec = single(emu, fmt="wav")
    run_action(store, account, provider, rec.call_id, "delete-media")
    emu.by_id(rec.recording_id).media_deleted = False  # the purge has not reached the listing yet
    assert sync(store, account, emu).ok
    call = store.get_call("bw", rec.call_id)
    assert not call.has_audio and "deleted at Bandwidth on" in call.audio_reason
    assert "media" in call.recordings[0].raw[MARK]
    with pytest.raises(UserFacingError, match="no media at Bandwidth any more"):
        run_action(store, account, provider, rec.call_id, "transcribe")


def test_one_of_two_recordings_deleted_keeps_both_rows_and_the_local_file(store, synced, data_dir):
    emu, account, provider = synced
    first, second = double(emu)
    files = download_call(store, account, provider, store.get_call("bw", first.call_id), data_dir.media)
    assert len(files) == 2
    run_action(store, account, provider, first.call_id, "delete-recording", first.recording_id)
    assert emu.by_id(first.recording_id) is None and emu.by_id(second.recording_id) is not None
    assert sync(store, account, emu).ok  # Bandwidth lists the call through its other recording only
    call = store.get_call("bw", first.call_id)
    by_id = {r.provider_id: r for r in call.recordings}
    assert set(by_id) == {first.recording_id, second.recording_id}
    assert "recording" in by_id[first.recording_id].raw[MARK]
    assert MARK not in by_id[second.recording_id].raw
    assert call.has_audio  # the other recording still plays from Bandwidth
    assert {m.recording_provider_id for m in store.media_for_call("bw", first.call_id)} == set(by_id)
    assert all(f.path.is_file() for f in files)
    assert sync(store, account, emu).ok  # and again: nothing drifts
    assert len(store.get_call("bw", first.call_id).recordings) == 2
