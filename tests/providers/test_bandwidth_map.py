"""Bandwidth payloads -> domain objects, on the spec's own examples (tests/fixtures/bandwidth)."""

from __future__ import annotations

import pytest
from support.bandwidth_spec import example_metadata, spec

from recbrowser.providers.bandwidth_map import (
    RETENTION_MS,
    call_from_recordings,
    iso_duration_ms,
    recording_from_metadata,
    segments_from_transcription,
)
from recbrowser.providers.timeparse import parse_iso


@pytest.mark.parametrize(("text", "ms"), [
    ("PT13.67S", 13_670), ("PT1M5S", 65_000), ("PT0S", 0), ("PT1H0M0.5S", 3_600_500), ("P1DT1S", 86_401_000),
    ("pt2.5s", 2_500), ("PT", None), ("13.67", None), ("", None), (None, None), (12, None), ("PT1.2.3S", None),
])
def test_iso_8601_durations(text, ms):
    assert iso_duration_ms(text) == ms


def test_recording_from_the_spec_example():
    meta = example_metadata()
    rec = recording_from_metadata(meta)
    assert rec.provider_id == meta["recordingId"] and rec.format == "wav"
    assert rec.duration_ms == 13_670
    assert rec.start_ms == parse_iso("2022-06-17T22:19:40.375Z")
    assert rec.expires_ms == rec.start_ms + RETENTION_MS  # Bandwidth keeps recordings 30 days
    call = call_from_recordings(meta["callId"], [meta], now_ms=rec.start_ms + 1000)
    # The spec's example status is "completed" (the text says "complete"): both mean ready.
    assert call.has_audio and call.status == "answered" and call.transcript_status == "available"
    assert call.direction == "inbound" and call.agent == meta["to"]


def test_unknown_and_missing_fields_are_tolerated():
    meta = {"recordingId": "r-1", "callId": "c-1", "startTime": "2026-05-09T10:00:00Z", "status": "brand-new-state",
            "mediaUrl": "https://voice.bandwidth.com/x/media", "somethingNew": {"a": 1}}
    call = call_from_recordings("c-1", [meta], now_ms=0)
    assert call.has_audio and call.duration_ms is None and call.direction == "unknown"
    assert call.recordings[0].format == "" and call.recordings[0].duration_ms is None
    bare = call_from_recordings("c-2", [{"recordingId": "r-2", "callId": "c-2"}], now_ms=0, fallback_start_ms=5)
    assert bare.start_ms == 5 and not bare.has_audio and bare.audio_reason


def test_deleted_and_expired_media_say_why():
    deleted = {"recordingId": "r", "callId": "c", "startTime": "2026-05-09T10:00:00Z", "status": "deleted", "mediaUrl": None}
    assert "deleted" in call_from_recordings("c", [deleted], now_ms=0).audio_reason
    old = {**deleted, "status": "complete"}
    assert "30 days" in call_from_recordings("c", [old], now_ms=parse_iso("2026-07-01T00:00:00Z")).audio_reason


def test_new_transcription_shape_gives_timed_segments_in_ms():
    meta = example_metadata()
    call = call_from_recordings(meta["callId"], [meta], now_ms=0)
    data = spec()["components"]["schemas"]["recordingTranscriptions"]["example"]
    segs = segments_from_transcription(data, call, call.recordings[0])
    assert [(s.start_ms, s.end_ms) for s in segs] == [(400, 3100), (3800, 6200), (6900, 8100), (8500, 9700)]
    assert segs[0].text == "Hi, is Thursday at two still good for you?" and segs[0].confidence == 0.97
    assert {s.speaker for s in segs} == {"Speaker 1", "Speaker 2"}  # mono: the engine's voices, roles unknown


def test_multi_channel_recording_has_one_speaker_per_channel_in_both_shapes():
    meta = {**example_metadata(), "channels": 2, "direction": "inbound", "from": "+15551110000", "to": "+15552220000"}
    for key in ("parentCallId", "transferCallerId", "transferTo"):  # a call that was not transferred
        meta.pop(key, None)
    call = call_from_recordings(meta["callId"], [meta], now_ms=0)
    rec = call.recordings[0]
    old = {"transcripts": [{"text": "Hello, I have a question.", "confidence": 0.9},
                           {"text": "Thanks for calling.", "confidence": 0.8}]}
    segs = segments_from_transcription(old, call, rec)
    assert [(s.speaker, s.role, s.start_ms) for s in segs] == [("+15551110000", "caller", None),
                                                                ("+15552220000", "agent", None)]
    new = {"transcripts": [], "clips": [{"speaker": 1, "text": "Thanks for calling.", "startTimeSeconds": 0.25,
                                         "endTimeSeconds": 1.5}, {"speaker": 0, "text": "Hi.", "startTimeSeconds": 2}]}
    segs = segments_from_transcription(new, call, rec)
    assert [(s.role, s.start_ms, s.end_ms) for s in segs] == [("agent", 250, 1500), ("caller", 2000, None)]


def test_the_spec_examples_transfer_fields_label_the_channels():
    meta = {**example_metadata(), "channels": 2, "direction": "inbound"}
    call = call_from_recordings(meta["callId"], [meta], now_ms=0)
    old = {"transcripts": [{"text": "A-leg words.", "confidence": 0.9}, {"text": "B-leg words.", "confidence": 0.8}]}
    segs = segments_from_transcription(old, call, call.recordings[0])
    assert [(s.speaker, s.role) for s in segs] == [
        (meta["transferCallerId"], "caller"), (f"{meta['transferTo']} (transferred to)", "agent")]


def test_garbage_transcriptions_give_no_segments():
    meta = example_metadata()
    call = call_from_recordings(meta["callId"], [meta], now_ms=0)
    for junk in (None, [], "text", {"transcripts": "x"}, {"transcripts": [{"text": " "}, 3]}, {"clips": [{"x": 1}]}):
        assert segments_from_transcription(junk, call, call.recordings[0]) == []
