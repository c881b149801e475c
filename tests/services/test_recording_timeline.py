"""Which recording a sentence is heard in, for each way providers give offsets."""

from __future__ import annotations

from recbrowser.domain import Call, Leg, Party, Recording, Segment
from recbrowser.services.recording_timeline import Place, RecordingTimeline


def test_bandwidth_sentences_name_their_recording_and_count_from_its_start():
    # Bandwidth, a call with two recordings: each transcript's leg is its recording's id.
    call = Call("c1", 0, recordings=[Recording("r1", start_ms=1_000), Recording("r2", start_ms=60_000)],
                segments=[Segment("a", start_ms=500, leg="r1"), Segment("b", start_ms=700, leg="r2"), Segment("c")])
    timeline = RecordingTimeline(call)
    assert [timeline.place_of(s) for s in call.segments] == [Place(0, 500), Place(1, 700), None]
    assert timeline.label(1) == "Recording 2 of 2"  # no legs known: the recording alone


def test_offsets_from_the_first_recording_fall_in_the_recording_running_then():
    # One offset scale from the earliest recording (Yeastar's); the second starts 30 s later.
    legs = [Leg("L1", 1, to_party=Party("201", "Ann")), Leg("L2", 2, to_party=Party("202", "Bob"))]
    call = Call("c2", 0, legs=legs, recordings=[Recording("r1", start_ms=10_000), Recording("r2", start_ms=40_000)],
                segments=[Segment("a", start_ms=5_000, leg="L1"), Segment("b", start_ms=32_000, leg="L2")])
    timeline = RecordingTimeline(call)
    assert [timeline.place_of(s) for s in call.segments] == [Place(0, 5_000), Place(1, 2_000)]
    assert timeline.label(1, call.segments[1]) == "Recording 2 of 2 · leg 2: transfer to Bob <202>"
