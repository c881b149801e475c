"""Sync and download from the real Dialgen emulator over loopback into a real SQLite cache."""

from __future__ import annotations

import hashlib

import pytest
from support.dialgen_helpers import DAY_MS, add_account, all_calls, provider_for, sync

from recbrowser.emulators.dialgen import LIVE_MS, DialgenEmulator
from recbrowser.errors import AuthError, LinkExpired, NotFound
from recbrowser.providers.dialgen_map import EXPIRED_REASON, RETENTION_MS
from recbrowser.services.downloads import download_call


@pytest.fixture
def dialgen():
    emu = DialgenEmulator(calls=60, seed=3, batch_size=25)
    emu.start()
    yield emu
    emu.stop()


def test_sync_enumerates_every_batch_call_with_transcript_summary_and_expiry(store, dialgen):
    account = add_account(store, dialgen)
    result = sync(store, account, dialgen)
    assert result.ok, result.error
    batched = {c.call_id: c for c in dialgen.calls if c.batch_id}
    assert {r.provider_id for r in all_calls(store)} == set(batched)
    assert result.new == len(batched)
    expired = timed = 0
    for cid, emu in batched.items():
        call = store.get_call("dg", cid)
        assert call.start_ms == emu.start_ms and call.direction == "outbound"
        assert call.to_party.number == emu.number and call.agent == emu.agent
        if emu.status != "COMPLETED":
            assert not call.has_audio and call.status in ("missed", "failed", "unknown")
            continue
        assert call.recordings[0].expires_ms == emu.start_ms + RETENTION_MS
        assert [s.text for s in call.segments] == [p.text for p in emu.dialogue.placements]
        assert {s.role for s in call.segments} == {"agent", "caller"}
        if emu.start_ms + RETENTION_MS <= dialgen.now_ms:
            expired += 1  # the audio is gone, the transcript stays
            assert not call.has_audio and call.audio_reason == EXPIRED_REASON
        else:
            assert call.has_audio
        if call.segments[0].start_ms is not None:
            timed += 1  # offsets from the call start line up with the speech in the MP3
            assert [s.start_ms for s in call.segments] == [p.offset_ms for p in emu.dialogue.placements]
        else:
            assert all(s.start_ms is None for s in call.segments)
        if emu.start_ms + 30 * DAY_MS > dialgen.now_ms:  # contactId only from the 30-day live status
            assert call.summary.startswith(emu.name)
    assert expired and timed


def test_search_finds_transcript_text(store, dialgen):
    account = add_account(store, dialgen)
    assert sync(store, account, dialgen).ok
    hits = store.search("refund")
    assert hits
    emu = dialgen.by_id[hits[0].call_provider_id]
    assert any("refund" in p.text.lower() for p in emu.dialogue.placements)


def test_second_sync_changes_nothing(store, dialgen):
    account = add_account(store, dialgen)
    first = sync(store, account, dialgen)
    before = {r.provider_id: (r.start_ms, r.transcript_status) for r in all_calls(store)}
    again = sync(store, account, dialgen)
    assert again.ok and again.new == 0 and again.calls == first.calls
    assert {r.provider_id: (r.start_ms, r.transcript_status) for r in all_calls(store)} == before


def _recent_completed(dialgen):
    # Within the 30 days the live status names the contactId (so metrics come too); its audio is there.
    return next(c for c in dialgen.calls if c.batch_id and c.status == "COMPLETED"
                and c.start_ms + LIVE_MS > dialgen.now_ms)


def test_download_is_the_mp3_with_checked_size_and_sha(store, dialgen, data_dir):
    account = add_account(store, dialgen)
    assert sync(store, account, dialgen).ok
    emu = _recent_completed(dialgen)
    call = store.get_call("dg", emu.call_id)
    provider = provider_for(account, dialgen)
    try:
        got = download_call(store, account, provider, call, data_dir.media)
    finally:
        provider.close()
    data = got[0].path.read_bytes()
    assert data == dialgen.audio(emu) and data[:2] in (b"\xff\xf3", b"\xff\xe3", b"\xff\xf2", b"\xff\xe2")
    assert got[0].sha256 == hashlib.sha256(data).hexdigest() and got[0].size == len(data)


def test_an_expired_url_is_refreshed_once(store, dialgen, data_dir):
    account = add_account(store, dialgen)
    assert sync(store, account, dialgen).ok
    call = store.get_call("dg", _recent_completed(dialgen).call_id)
    dialgen.add_fault("expired-url:times=1")
    provider = provider_for(account, dialgen)
    try:
        got = download_call(store, account, provider, call, data_dir.media)
        assert got[0].size > 0 and dialgen.recordings.counters["refused"] == 1
        call2 = store.get_call("dg", next(c.call_id for c in dialgen.calls if c.batch_id and c.status == "COMPLETED"
                                          and c.call_id != call.provider_id and c.start_ms + RETENTION_MS > dialgen.now_ms))
        dialgen.add_fault("expired-url:times=2")  # the fresh URL is refused too: reported, not looped
        with pytest.raises(LinkExpired):
            download_call(store, account, provider, call2, data_dir.media)
        assert dialgen.recordings.counters["refused"] == 3
    finally:
        provider.close()


def test_a_recording_past_retention_is_reported_and_its_transcript_kept(store, dialgen, data_dir):
    account = add_account(store, dialgen)
    assert sync(store, account, dialgen).ok
    emu = next(c for c in dialgen.calls if c.batch_id and c.status == "COMPLETED"
               and c.start_ms + RETENTION_MS <= dialgen.now_ms)
    call = store.get_call("dg", emu.call_id)
    assert call.segments and not call.has_audio
    provider = provider_for(account, dialgen)
    try:
        with pytest.raises(NotFound, match="audio expired at the provider"):
            download_call(store, account, provider, call, data_dir.media)
    finally:
        provider.close()


def test_wrong_user_id_says_the_user_id_does_not_own_the_key(store, dialgen):
    account = add_account(store, dialgen, user_id="user_someone_else")
    result = sync(store, account, dialgen)
    assert not result.ok
    assert "the userId user_someone_else does not own the API key" in result.error
    assert dialgen.api_key not in result.error


def test_wrong_api_key_is_one_clear_sentence(store, dialgen):
    account = add_account(store, dialgen)
    with pytest.raises(AuthError, match="rejected the API key") as e:
        provider_for(account, dialgen, api_key="dg_live_wrong").test_credentials()
    assert "dg_live_wrong" not in str(e.value)


def test_faults_are_retried(store, dialgen):
    dialgen.add_fault("429:times=2,retry_after=0")
    dialgen.add_fault("5xx:times=2")
    account = add_account(store, dialgen)
    assert sync(store, account, dialgen).ok
    assert dialgen.faults.fired() >= 4


def test_a_listed_call_the_api_does_not_find_is_skipped_not_fatal(store, dialgen):
    batched = [c.call_id for c in dialgen.calls if c.batch_id]
    dialgen.hidden.add(batched[0])
    account = add_account(store, dialgen)
    result = sync(store, account, dialgen)
    assert result.ok, result.error
    assert {r.provider_id for r in all_calls(store)} == set(batched[1:])


def test_a_call_in_progress_is_pending_then_its_transcript_is_fetched(store, dialgen):
    emu = _recent_completed(dialgen)
    emu.status = "ONGOING"
    account = add_account(store, dialgen)
    assert sync(store, account, dialgen).ok
    call = store.get_call("dg", emu.call_id)
    assert call.transcript_status == "pending" and not call.segments and not call.has_audio
    emu.status = "COMPLETED"
    provider = provider_for(account, dialgen)
    try:
        fresh = provider.fetch_transcript(call)
    finally:
        provider.close()
    assert fresh.transcript_status == "available"
    assert [s.text for s in fresh.segments] == [p.text for p in emu.dialogue.placements]
    assert fresh.summary.startswith(emu.name)  # get-metric with the ids the sync kept


def test_a_truncated_download_from_the_recordings_host_still_ends_with_the_whole_file(store, dialgen, data_dir):
    account = add_account(store, dialgen)
    assert sync(store, account, dialgen).ok
    emu = _recent_completed(dialgen)
    dialgen.add_fault("truncate:times=1")
    provider = provider_for(account, dialgen)
    try:
        got = download_call(store, account, provider, store.get_call("dg", emu.call_id), data_dir.media)
    finally:
        provider.close()
    assert got[0].path.read_bytes() == dialgen.audio(emu) and dialgen.faults.fired("truncate") == 1
