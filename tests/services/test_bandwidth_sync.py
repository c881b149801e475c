"""Sync and download from the real Bandwidth emulator over loopback into a real SQLite cache."""

from __future__ import annotations

import hashlib
import wave

import pytest
from support.bandwidth_helpers import (  # noqa: F401  (the fixtures are used by pytest)
    DAY_MS,
    add_account,
    all_calls,
    fresh_bandwidth_tokens,
    provider_for,
    sync,
)

from recbrowser.emulators.bandwidth import BandwidthEmulator
from recbrowser.errors import AuthError, NotFound
from recbrowser.providers.bandwidth_map import RETENTION_MS
from recbrowser.services.downloads import download_call


@pytest.fixture
def bandwidth():
    emu = BandwidthEmulator(calls=30, seed=5)
    emu.start()
    yield emu
    emu.stop()


def test_first_sync_brings_every_call_with_recordings_expiry_and_transcripts(store, bandwidth):
    account = add_account(store, bandwidth)
    result = sync(store, account, bandwidth)
    assert result.ok, result.error
    rows = all_calls(store)
    assert {r.provider_id for r in rows} == bandwidth.call_ids_between(0, 2**62)
    assert result.new == len(rows) and all(r.has_audio for r in rows)
    by_id = {r.recording_id: r for r in bandwidth.recordings}
    multi = stereo = 0
    for row in rows:
        call = store.get_call("bw", row.provider_id)
        multi += len(call.recordings) > 1
        for rec in call.recordings:
            emu = by_id[rec.provider_id]
            assert rec.start_ms == emu.start_ms and rec.expires_ms == emu.start_ms + RETENTION_MS
            assert rec.duration_ms == emu.dialogue.total_ms
        if any(by_id[r.provider_id].transcript == "available" for r in call.recordings):
            assert call.transcript_status == "available" and call.segments
        if any(by_id[r.provider_id].channels == 2 and by_id[r.provider_id].transcript == "available"
               for r in call.recordings):
            stereo += 1
            assert {"caller", "agent"} <= {s.role for s in call.segments}
    assert multi and stereo  # the seed holds calls with two recordings and two-channel recordings


def test_search_finds_transcript_text_at_its_offset(store, bandwidth):
    account = add_account(store, bandwidth)
    assert sync(store, account, bandwidth).ok
    hits = store.search("refund")
    assert hits
    call = store.get_call("bw", hits[0].call_provider_id)
    timed = [s for s in call.segments if s.start_ms is not None]
    for seg in timed:  # the new shape's clips sit exactly where the speech is in the audio
        assert any(p.offset_ms == seg.start_ms and p.text == seg.text for p in _all_placements(bandwidth, call))


def _all_placements(emu, call):
    return [p for r in emu.recordings if r.call_id == call.provider_id for p in r.dialogue.placements]


def test_second_sync_changes_nothing(store, bandwidth):
    account = add_account(store, bandwidth)
    first = sync(store, account, bandwidth)
    before = {r.provider_id: (r.start_ms, r.transcript_status) for r in all_calls(store)}
    again = sync(store, account, bandwidth)
    assert again.ok and again.new == 0 and again.calls == first.calls
    assert {r.provider_id: (r.start_ms, r.transcript_status) for r in all_calls(store)} == before


def test_a_window_over_the_1000_cap_is_split_until_nothing_is_cut(store):
    with BandwidthEmulator(calls=10, seed=2, burst=1500) as emu:
        account = add_account(store, emu)
        provider = provider_for(account, emu)
        recs = provider.list_recordings(emu.now_ms - 20 * DAY_MS, emu.now_ms + 60_000)
        assert {r["recordingId"] for r in recs} == {r.recording_id for r in emu.recordings}
        assert len(recs) == len(emu.recordings) > 1500
        assert provider.list_requests > 2  # the full answers were asked again in halves
        provider.close()
        result = sync(store, account, emu)
        assert result.ok, result.error
        assert {r.provider_id for r in all_calls(store)} == emu.call_ids_between(0, 2**62)


def test_download_is_the_emulators_audio_byte_for_byte(store, bandwidth, data_dir):
    account = add_account(store, bandwidth)
    assert sync(store, account, bandwidth).ok
    provider = provider_for(account, bandwidth)
    seen = set()
    for emu_rec in bandwidth.recordings:
        kind = (emu_rec.channels, emu_rec.fmt)
        if kind in seen:
            continue
        seen.add(kind)
        call = store.get_call("bw", emu_rec.call_id)
        files = download_call(store, account, provider, call, data_dir.media)
        f = next(x for x in files if x.recording_id == emu_rec.recording_id)
        data, ctype = bandwidth.audio(emu_rec)
        assert f.size == len(data) and f.sha256 == hashlib.sha256(data).hexdigest()
        assert f.path.read_bytes() == data
        if emu_rec.fmt == "wav":
            with wave.open(str(f.path)) as w:
                assert w.getnchannels() == emu_rec.channels
                assert abs(w.getnframes() / w.getframerate() * 1000 - emu_rec.dialogue.total_ms) < 5
        else:
            assert ctype == "audio/mpeg" and f.path.suffix == ".mp3"
    provider.close()
    assert {(2, "wav"), (1, "wav"), (1, "mp3")} <= seen


def test_legacy_basic_auth_syncs(store, bandwidth):
    account = add_account(store, bandwidth, basic=True)
    result = sync(store, account, bandwidth)
    assert result.ok, result.error and result.calls > 0
    assert bandwidth.tokens.count == 0  # no OAuth token was ever asked for
    assert "HTTP Basic ends" in provider_for(account, bandwidth).test_credentials()


def test_wrong_client_secret_is_one_clear_sentence(store, bandwidth):
    account = add_account(store, bandwidth)
    provider = provider_for(account, bandwidth, client_secret="wrong")
    with pytest.raises(AuthError) as e:
        provider.test_credentials()
    assert "'bw'" in str(e.value) and "client ID and secret" in str(e.value) and "wrong" not in str(e.value)


def test_wrong_basic_password_and_wrong_account_id(store, bandwidth):
    account = add_account(store, bandwidth, basic=True)
    provider = provider_for(account, bandwidth, password="nope")
    with pytest.raises(AuthError, match=r"Bandwidth account 'bw'.*\(401.*user name and password"):
        provider.test_credentials()
    other = add_account(store, bandwidth, name="bw2", account_id="1234567")
    with pytest.raises(AuthError, match=r"'bw2'.*may not read Voice account 1234567 \(403: Access is denied\)"):
        provider_for(other, bandwidth).test_credentials()


def test_token_is_cached_per_process_and_renewed_once_when_it_expires(store, bandwidth):
    account = add_account(store, bandwidth)
    provider_for(account, bandwidth).test_credentials()
    provider_for(account, bandwidth).test_credentials()
    assert bandwidth.tokens.count == 1  # one token for both connectors
    bandwidth.add_fault("token-expiry:after=5")
    result = sync(store, account, bandwidth)
    assert result.ok, result.error
    assert bandwidth.tokens.count == 2 and bandwidth.counters["fault:token-expiry"] == 1


def test_an_expired_token_during_a_download_is_renewed(store, bandwidth, data_dir):
    account = add_account(store, bandwidth)
    assert sync(store, account, bandwidth).ok
    provider = provider_for(account, bandwidth)
    call = store.get_call("bw", next(r.call_id for r in bandwidth.recordings if r.fmt == "wav"))
    src = provider.resolve_media(call, call.recordings[0])
    bandwidth.expire_tokens()
    assert src.headers["Authorization"].startswith("Bearer ")
    files = download_call(store, account, provider, call, data_dir.media)
    provider.close()
    assert files and all(f.size > 0 for f in files)


def test_429_with_retry_after_is_honoured_and_without_it_backs_off(store, bandwidth):
    account = add_account(store, bandwidth)
    waits: list[float] = []
    bandwidth.add_fault("429:times=2,retry_after=7,path=/recordings")
    assert sync(store, account, bandwidth, waits=waits).ok
    assert waits[:2] == [7.0, 7.0]
    waits.clear()
    bandwidth.add_fault("429:times=2,retry_after=-1,path=/recordings")  # no Retry-After header at all
    assert sync(store, account, bandwidth, waits=waits).ok
    assert len(waits) == 2 and all(0 < w < 2 for w in waits)


def test_unknown_and_missing_fields_in_payloads_still_sync(store):
    with BandwidthEmulator(calls=30, seed=9, quirks=True) as emu:
        account = add_account(store, emu)
        result = sync(store, account, emu)
        assert result.ok, result.error
        assert {r.provider_id for r in all_calls(store)} == emu.call_ids_between(0, 2**62)


def test_media_url_from_the_payload_is_never_where_credentials_go(store, bandwidth):
    account = add_account(store, bandwidth)
    target = bandwidth.recordings[0]
    target.extra["mediaUrl"] = "https://elsewhere.example/steal"
    assert sync(store, account, bandwidth).ok
    provider = provider_for(account, bandwidth)
    call = store.get_call("bw", target.call_id)
    src = provider.resolve_media(call, next(r for r in call.recordings if r.provider_id == target.recording_id))
    assert src.url.startswith(bandwidth.base_url + "/api/v2/accounts/9900000/calls/")
    target.extra.clear()
    target.media_deleted = True
    with pytest.raises(NotFound, match="has no media"):
        provider.resolve_media(call, call.recordings[0])
    provider.close()


def test_fetch_transcript_reads_fresh_metadata_and_the_media_header_never_leaves_the_api_host(store, bandwidth):
    account = add_account(store, bandwidth)
    assert sync(store, account, bandwidth).ok
    rec = next(r for r in bandwidth.recordings if r.transcript == "processing")
    call = store.get_call("bw", rec.call_id)
    assert call.transcript_status in ("pending", "available")
    rec.transcript = "available"  # the transcription finished since the sync
    provider = provider_for(account, bandwidth)
    fresh = provider.fetch_transcript(call)
    assert fresh.transcript_status == "available" and fresh.segments
    src = provider.resolve_media(fresh, fresh.recordings[0])
    # Authorization is one of the policy's auth headers: dropped on any redirect to another origin.
    assert "authorization" in provider.http.auth_headers and set(src.headers) >= {"Authorization"}
    provider.close()


def test_a_token_is_renewed_when_less_than_a_minute_is_left(store):
    with BandwidthEmulator(calls=3, seed=1, token_ttl=45) as emu:  # already inside the 60 s margin
        account = add_account(store, emu)
        provider = provider_for(account, emu)
        provider.test_credentials()
        provider.test_credentials()
        provider.close()
        assert emu.tokens.count == 2


def test_404_names_the_account_and_what_is_missing(store, bandwidth):
    account = add_account(store, bandwidth)
    provider = provider_for(account, bandwidth)
    call_id = bandwidth.recordings[0].call_id
    with pytest.raises(NotFound, match=r"^Bandwidth account 'bw': Bandwidth has no recording r-gone \(404: Recording not "
                                       r"found\); it was deleted, is older than the 30 days"):
        provider.get_recording(call_id, "r-gone")
    provider.close()
