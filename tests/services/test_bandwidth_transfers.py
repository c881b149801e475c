"""Bandwidth during a <Transfer> and around the transcription limits, against the emulator over
loopback and the spec: channel labels from transferTo / transferCallerId / parentCallId, the
0.5 s to 4 h limit checked before asking, and Bandwidth's own words when it refuses."""

from __future__ import annotations

import pytest
from support.bandwidth_helpers import add_account, fresh_bandwidth_tokens, provider_for, sync  # noqa: F401
from support.bandwidth_spec import check_exchange

from recbrowser.domain import Call, Party, Recording
from recbrowser.emulators import speech
from recbrowser.emulators.bandwidth import TRANSFER_TARGET, BandwidthEmulator
from recbrowser.errors import UserFacingError
from recbrowser.providers.bandwidth_map import segments_from_transcription
from recbrowser.services.bandwidth_actions import run_action


@pytest.fixture
def emu():
    e = BandwidthEmulator(calls=30, seed=5, record=True)
    e.start()
    yield e
    e.stop()


def test_a_transferred_calls_second_channel_is_the_party_it_was_transferred_to(store, emu):
    transferred = next(r for r in emu.recordings if r.extra.get("transferTo"))
    account = add_account(store, emu)
    assert sync(store, account, emu).ok
    call = store.get_call("bw", transferred.call_id)
    said = {s.role: s.speaker for s in call.segments}
    assert said["agent"] == f"{TRANSFER_TARGET} (transferred to)"
    assert said["caller"] == transferred.far
    assert call.details["transferred_to"] == TRANSFER_TARGET
    for x in emu.exchanges:
        if x.path.startswith("/api/v2"):
            check_exchange(x)


def test_the_b_legs_own_recording_names_the_a_leg_by_its_caller_id():
    call = Call("c-b", 0, direction="outbound", from_party=Party("+19195550100"), to_party=Party("+19195550177"))
    rec = Recording("r-b", raw={"channels": 2, "parentCallId": "c-a", "transferCallerId": "+12025550123",
                                "transferTo": "+19195550177"})
    data = {"transcripts": [{"speaker": 0, "text": "Hello?", "confidence": 0.9},
                            {"speaker": 1, "text": "Support, how can I help?", "confidence": 0.9}]}
    segs = segments_from_transcription(data, call, rec)
    assert [(s.speaker, s.role) for s in segs] == [
        ("+12025550123", "caller"), ("+19195550177 (transferred to)", "agent")]


def test_a_recording_too_short_to_transcribe_is_refused_before_asking(store, emu):
    short = next(r for r in emu.recordings if r.transcript is None and r.channels == 1)
    short.dialogue = speech.Dialogue((), 400)  # 0.4 s: Bandwidth transcribes only longer ones
    account = add_account(store, emu)
    assert sync(store, account, emu).ok
    provider = provider_for(account, emu)
    asked = len([x for x in emu.exchanges if x.method == "POST" and x.path.endswith("/transcription")])
    with pytest.raises(UserFacingError, match="longer than half a second and shorter than 4 hours"):
        run_action(store, account, provider, short.call_id, "transcribe")
    provider.close()
    assert len([x for x in emu.exchanges if x.method == "POST" and x.path.endswith("/transcription")]) == asked


def test_when_bandwidth_refuses_a_transcription_its_own_description_is_shown(store, emu):
    rec = next(r for r in emu.recordings if r.transcript is None and r.channels == 1)
    account = add_account(store, emu)
    assert sync(store, account, emu).ok
    call = store.get_call("bw", rec.call_id)
    rec.dialogue = speech.Dialogue((), 300)  # what the cache does not know: its length changed at Bandwidth
    provider = provider_for(account, emu)
    with pytest.raises(UserFacingError) as e:
        run_action(store, account, provider, call.provider_id, "transcribe", rec.recording_id)
    provider.close()
    assert "Recordings must be longer than 500 milliseconds and shorter than 4 hours" in str(e.value)
    refused = [x for x in emu.exchanges if x.method == "POST" and x.status == 400]
    assert refused and check_exchange(refused[-1]) == "transcribeCallRecording 400"
