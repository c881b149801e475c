"""Wildix mapping on the vendor's example shapes: CallRecord flows, recordings, every chunk shape."""

from __future__ import annotations

import json

from support.paths import FIXTURES
from support.wildix_helpers import CALL_ID

from recbrowser.providers.wildix_map import chunks_to_segments, hms_ms, records_to_call, text_to_segments

FIX = FIXTURES / "wildix"


def official_call():
    event = json.loads((FIX / "call_completed.json").read_text())
    flows = [{**f, "id": CALL_ID} for f in event["data"]["flows"]]
    return records_to_call(CALL_ID, flows, unit="ms"), flows[0]


def test_webhook_flow_maps_to_a_call_with_leg_recording_and_pauses():
    call, _ = official_call()
    assert (call.provider_id, call.start_ms, call.duration_ms) == (CALL_ID, 1721836405153, 22675)
    assert (call.direction, call.status, call.talk_ms, call.ring_ms) == ("outbound", "answered", 9033, 8558)
    assert call.from_party.number == "230" and call.to_party.number == "+15955555123"
    assert call.agent == "Vadim <230>"
    assert [(lg.index, lg.provider_id) for lg in call.legs] == [(0, f"{CALL_ID}/0")]
    rec = call.recordings[0]
    assert rec.raw["url"].endswith("230[pbx]-ef607-0.wav") and ":443/" in rec.raw["url"]  # kept as given
    assert (rec.provider_id, rec.format, rec.start_ms, rec.duration_ms) == (
        "2024.07.24-15.53.33-321313-230[pbx]-ef607-0.wav", "wav", 1721836413711, 14117)
    assert call.raw["pauses"] == [{"recording": rec.provider_id, "leg": f"{CALL_ID}/0", "reason": "hold",
                                   "start_ms": 1721836420000, "end_ms": 1721836422000, "offset_ms": 6289, "length_ms": 2000}]
    assert call.has_audio and call.transcript_status == "pending"


def test_query_conversations_durations_are_seconds():
    _, flow = official_call()
    row = {**flow, "duration": 23, "talkTime": 9, "waitTime": 9}
    call = records_to_call(CALL_ID, [row], unit="s")
    assert call.talk_ms == 9000 and call.ring_ms == 9000
    assert call.duration_ms == 22675  # from start/end, exact


def test_webhook_chunks_offset_and_time_are_shifted_to_the_recording():
    call, flow = official_call()
    data = json.loads((FIX / "call_transcription.json").read_text())["data"]
    segs = chunks_to_segments(data["chunks"], flow, call.recordings[0], f"{CALL_ID}/0")
    assert [(s.start_ms, s.speaker, s.role) for s in segs] == [
        (10296 - 8558, "Vadim", "agent"), (12900 - 8558, "John Client", "caller"), (16000 - 8558, "Vadim", "agent")]


def test_wda_chunks_start_end_and_caller_callee_speakers():
    call, flow = official_call()
    chunks = [{"id": "a", "speaker": "callee", "text": "Hi there", "start": 9000, "end": 10500, "isFinal": True},
              {"id": "b", "speaker": "caller", "text": "Hello", "start": 8600, "end": 8900},
              {"id": "c", "speaker": "caller", "text": "partial", "start": 9100, "isFinal": False},
              {"id": "d", "speaker": "martian", "text": "  "}]
    segs = chunks_to_segments(chunks, flow, call.recordings[0], "L")
    assert [(s.text, s.start_ms, s.end_ms, s.speaker, s.role) for s in segs] == [
        ("Hello", 42, 342, "Vadim <230>", "agent"), ("Hi there", 442, 1942, "John Client <+15955555123>", "caller")]


def test_chunks_without_a_recording_count_from_the_flow():
    segs = chunks_to_segments([{"text": "x", "offset": 2296, "time": "00:00:02", "name": "Vadim"}], None, None, "L")
    assert segs[0].start_ms == 2296 and segs[0].speaker == "Vadim" and segs[0].role == ""


def test_hms_and_text_shapes():
    assert hms_ms("00:00:02") == 2000 and hms_ms("01:02") == 62000 and hms_ms("1:00:00") == 3_600_000
    assert hms_ms("soon") is None
    segs = text_to_segments("Vadim: Hello\nJohn: Hi there\n\nno speaker", "L")
    assert [(s.speaker, s.text, s.start_ms) for s in segs] == [("Vadim", "Hello", None), ("John", "Hi there", None),
                                                               ("", "no speaker", None)]


def test_missing_fields_give_a_usable_call():
    call = records_to_call("x_1.1", [{"id": "x_1.1", "startTime": 1000}], unit="s")
    assert call.start_ms == 1000 and call.direction == "unknown" and call.status == "unknown"
    assert call.legs[0].index == 0 and not call.has_audio and call.audio_reason


def test_two_copies_of_one_flow_merge_without_losing_a_recording():
    _, flow = official_call()
    from recbrowser.providers.wildix_map import merge_copies

    bare = {**flow, "attachments": [], "transcriptionStatus": "UNAVAILABLE"}
    merged = merge_copies(bare, flow)
    assert merged["attachments"] == flow["attachments"] and merged["transcriptionStatus"] == "AVAILABLE"
    assert merge_copies(flow, flow) is flow
    assert merge_copies(flow, bare) is flow
