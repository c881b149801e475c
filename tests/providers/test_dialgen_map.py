"""Dialgen payloads -> domain objects, on the vendor page's and the spec's own shapes."""

from __future__ import annotations

from recbrowser.providers.dialgen_map import EXPIRED_REASON, RETENTION_MS, call_from_status, segments, turns
from recbrowser.providers.timeparse import parse_iso

# The seed page's transcript (docs.dialgen.ai, guides/call-management/recordings).
SEED = [
    {"role": "assistant", "content": "Hello! Thank you for calling Acme Corp. How can I help you today?",
     "timestamp": "2025-11-15T14:30:02.000Z"},
    {"role": "user", "content": "Hi, I'm interested in your pricing plans.", "timestamp": "2025-11-15T14:30:05.000Z"},
    {"role": "assistant", "content": "Great! We have three plans available...", "timestamp": "2025-11-15T14:30:08.000Z"},
]
START = parse_iso("2025-11-15T14:30:00.000Z")


def test_iso_timestamps_become_offsets_from_the_call_start_and_roles_map():
    segs = segments(SEED, START, agent="Acme bot", caller="Jane")
    assert [s.start_ms for s in segs] == [2000, 5000, 8000]
    assert [(s.role, s.speaker) for s in segs] == [("agent", "Acme bot"), ("caller", "Jane"), ("agent", "Acme bot")]


def test_entries_without_a_timestamp_are_untimed_and_empty_ones_dropped():
    segs = segments([{"role": "user", "content": "no time"}, {"role": "assistant", "content": "  "},
                     {"role": "assistant", "content": "bad time", "timestamp": "yesterday"}, "junk"], START)
    assert [(s.text, s.start_ms) for s in segs] == [("no time", None), ("bad time", None)]


def test_the_object_form_the_spec_declares_is_accepted():
    assert turns({"messages": SEED}) == SEED
    assert turns({"0": SEED[0], "1": SEED[1]}) == SEED[:2]
    assert [t["content"] for t in turns({"text": "one block"})] == ["one block"]
    assert turns({}) == [] and turns(None) == [] and turns("text") == []


def test_a_recording_past_90_days_keeps_its_transcript_and_says_why_audio_is_gone():
    data = {"id": "c1", "status": "COMPLETED", "createdAt": "2025-11-15T14:30:00.000Z", "duration": 12,
            "transcription": SEED}
    call = call_from_status(data, START + RETENTION_MS + 1)
    assert not call.has_audio and call.audio_reason == EXPIRED_REASON
    assert call.recordings[0].expires_ms == START + RETENTION_MS and len(call.segments) == 3
    fresh = call_from_status({**data, "recordingUrl": "https://recordings.dialgen.ai/c1.mp3"}, START + 1000)
    assert fresh.has_audio and fresh.transcript_status == "available" and fresh.duration_ms == 12_000


def test_a_missed_call_and_a_live_call():
    missed = call_from_status({"id": "m", "status": "MISSED", "createdAt": "2025-11-15T14:30:00.000Z"}, START)
    assert missed.status == "missed" and not missed.recordings and missed.transcript_status == "none"
    live = call_from_status({"id": "l", "status": "ONGOING", "createdAt": "2025-11-15T14:30:00.000Z"}, START)
    assert live.transcript_status == "pending" and live.segments is None


def test_an_empty_status_transcript_does_not_hide_the_metrics_one():
    data = {"id": "c2", "status": "COMPLETED", "createdAt": "2025-11-15T14:30:00.000Z", "transcription": []}
    call = call_from_status(data, START, {"transcription": {"messages": SEED}, "summary": "s"})
    assert [s.start_ms for s in call.segments] == [2000, 5000, 8000] and call.summary == "s"
