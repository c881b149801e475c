"""Every emulator answer against its schema in Bandwidth's OpenAPI spec, and every request the
connector makes against the spec's parameters and request bodies (tests/fixtures/bandwidth)."""

from __future__ import annotations

import pytest
from support.bandwidth_helpers import add_account, all_calls, fresh_bandwidth_tokens, provider_for, sync  # noqa: F401
from support.bandwidth_spec import API_PREFIX, check_exchange, spec, validate

from recbrowser.emulators.bandwidth import BandwidthEmulator
from recbrowser.errors import AuthError, NotFound
from recbrowser.services.bandwidth_actions import run_action
from recbrowser.services.downloads import download_call


@pytest.fixture
def recorded():
    emu = BandwidthEmulator(calls=25, seed=11, record=True, quirks=True)
    emu.start()
    yield emu
    emu.stop()


def test_every_exchange_of_a_full_session_matches_the_spec(store, data_dir, recorded):
    emu = recorded
    account = add_account(store, emu)
    emu.add_fault("429:times=1,retry_after=0,path=/recordings")
    emu.add_fault("5xx:times=1,status=500,path=/transcription")
    assert sync(store, account, emu).ok
    provider = provider_for(account, emu)
    rows = [r for r in all_calls(store) if r.has_audio]
    for row in rows[:3]:
        download_call(store, account, provider, store.get_call("bw", row.provider_id), data_dir.media)
    untranscribed = next(r for r in emu.recordings if r.transcript is None and r.channels == 1)
    run_action(store, account, provider, untranscribed.call_id, "transcribe", untranscribed.recording_id)
    victim = rows[-1].provider_id
    for action in ("delete-transcription", "delete-media", "delete-recording"):
        run_action(store, account, provider, victim, action)
    with pytest.raises(NotFound):
        provider.get_recording(victim, store.get_call("bw", victim).recordings[0].provider_id)
    with pytest.raises(AuthError):
        provider_for(add_account(store, emu, name="other", account_id="1234567"), emu).test_credentials()
    emu.expire_tokens()
    assert provider.list_recordings(emu.now_ms - 86_400_000, emu.now_ms)  # 401, then a fresh token
    provider.close()

    seen = set()
    voice = [x for x in emu.exchanges if x.path.startswith(API_PREFIX)]
    for x in voice:
        seen.add(check_exchange(x))
    assert len(voice) > 50
    for op in ("listAccountCallRecordings", "getCallRecording", "downloadCallRecording", "getRecordingTranscription"):
        assert f"{op} 200" in seen, seen
    for op in ("transcribeCallRecording", "deleteRecording", "deleteRecordingMedia", "deleteRecordingTranscription"):
        assert f"{op} 204" in seen, seen
    for status in (401, 403, 404, 429, 500):
        assert any(s.endswith(f" {status}") for s in seen), (status, seen)
    tokens = [x for x in emu.exchanges if not x.path.startswith(API_PREFIX)]
    assert tokens and all(x.path == "/api/v1/oauth2/token" and x.body == b"grant_type=client_credentials"
                          and x.headers["Authorization"].startswith("Basic ") for x in tokens)


def test_the_validator_catches_what_the_spec_forbids():
    meta = spec()["components"]["schemas"]["callRecordingMetadata"]
    with pytest.raises(AssertionError):
        validate(meta, {"channels": "two"})
    with pytest.raises(AssertionError):
        validate(meta, {"direction": "sideways"})
    with pytest.raises(AssertionError):
        validate(meta, {"startTime": None})  # not nullable
    validate(meta, {"mediaUrl": None, "transcription": None, "somethingNew": 1})
