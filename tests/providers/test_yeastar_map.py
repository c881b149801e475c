"""The Yeastar mapping, checked on the vendor's own example payloads."""

import json
from zoneinfo import ZoneInfo

import pytest
from support.paths import FIXTURES

from recbrowser.domain import Call, Party
from recbrowser.providers.yeastar_map import (
    TimeContext,
    apply_ai_legs,
    cdr_to_call,
    file_start_ms,
    party,
    recording_from_row,
)

FIX = FIXTURES / "yeastar"
BERLIN = TimeContext("YYYY/MM/DD HH:mm:ss", ZoneInfo("Europe/Berlin"))


def load(name):
    return json.loads((FIX / name).read_text())


def test_v2_cdr_row_maps_parties_status_and_durations():
    call = cdr_to_call(load("cdr_v2_row.json"), BERLIN)
    assert call.provider_id == "20260915100344A5466"
    assert call.direction == "inbound"
    assert call.from_party == Party("+33123456789", "Client")
    assert call.to_party == Party("6402", "SAV")
    assert call.agent == "SAV <6402>"
    assert call.status == "answered"
    assert (call.duration_ms, call.ring_ms, call.talk_ms) == (320_000, 28_000, 292_000)
    # 10:03:44 in Berlin summer time is 08:03:44 UTC.
    assert call.start_ms == 1789459424000


def test_v1_row_prefers_unix_timestamp_and_reads_name_number_strings():
    row = {
        "id": 7, "time": "garbage that would not parse", "timestamp": 1641980184, "uid": "u1",
        "call_from": "Evelyn<5566>", "call_to": "Dave Harris<5556>", "disposition": "NO ANSWER",
        "duration": 12, "ring_duration": 12, "talk_duration": 0, "call_type": "Internal",
    }
    call = cdr_to_call(row, BERLIN)
    assert call.start_ms == 1641980184000
    assert call.status == "missed"
    assert call.from_party == Party("5566", "Evelyn")


def test_wrong_display_format_is_a_clear_value_error():
    from recbrowser.providers.unreadable import UnreadableRecord

    row = load("cdr_v2_row.json")
    us = TimeContext("MM/DD/YYYY HH:mm:ss", ZoneInfo("UTC"))
    with pytest.raises(UnreadableRecord, match="does not match the display format 'MM/DD/YYYY HH:mm:ss'"):
        cdr_to_call(row, us)


def test_recording_start_comes_from_the_file_name():
    row = load("recording_list.json")["data"][0]
    us = TimeContext("MM/DD/YYYY HH:mm:ss", ZoneInfo("UTC"))
    rec = recording_from_row(row, us, call_start_ms=None)
    assert rec.provider_id == "614" and rec.format == "wav" and rec.size == 825588
    assert rec.duration_ms == 250_000
    assert rec.start_ms == file_start_ms("20220112173629-x.wav", us) == 1642008989000


def test_seed_ai_transcript_becomes_segments_with_offsets_from_the_recording_start():
    legs = load("aidownload_seed.json")
    tz = TimeContext("YYYY/MM/DD HH:mm:ss", ZoneInfo("Asia/Shanghai"))
    call = Call(provider_id="20260509214921EFE9A", start_ms=tz.parse("2026/05/09 21:49:21"), direction="internal",
                from_party=Party("3200"), to_party=Party("7000"))
    apply_ai_legs(call, legs, tz)
    assert call.transcript_status == "available"
    assert call.summary.startswith("The conversation began")
    assert [leg.provider_id for leg in call.legs] == ["20260509214921-8AA6D"]
    seg = call.segments[0]
    assert seg.text == "Hi" and seg.speaker == "7000" and seg.role == "caller"
    # No recording known: offsets count from the leg's time (21:49:21 in the PBX zone, UTC+8).
    assert seg.start_ms == 705
    assert seg.end_ms is None  # duration 0: no invented end


def test_party_accepts_every_shape():
    assert party("Client<+331>") == Party("+331", "Client")
    assert party("3200") == Party("3200", "")
    assert party(None, "Bob", "42") == Party("42", "Bob")


def test_unknown_fields_are_ignored_and_missing_optional_ones_tolerated():
    row = {**load("cdr_v2_row.json"), "brand_new_field": {"x": [1, 2]}, "queues": None}
    del row["routing_duration"]
    call = cdr_to_call(row, BERLIN)
    assert call.ring_ms is None and call.talk_ms == 292_000
    legs = [{"uid": "u", "leg": 1, "time": "2026/05/09 21:49:21", "ai_transcription": [
        {"content": "no speaker, no timestamp"}, {"content": "  "}, {"source_number": "7000", "content": "ok",
                                                                      "timestamp": "not a number"}]}]
    c = Call(provider_id="u", start_ms=0)
    apply_ai_legs(c, legs, BERLIN)
    assert [(s.text, s.start_ms) for s in c.segments] == [("no speaker, no timestamp", None), ("ok", None)]
    assert c.segments[0].speaker == "Unknown speaker"


def test_seed_leg_keeps_its_ring_and_hold_time_and_call_type():
    legs = load("aidownload_seed.json")
    tz = TimeContext("YYYY/MM/DD HH:mm:ss", ZoneInfo("Asia/Shanghai"))
    call = Call(provider_id="20260509214921EFE9A", start_ms=tz.parse("2026/05/09 21:49:21"), direction="internal",
                from_party=Party("3200"), to_party=Party("7000"))
    apply_ai_legs(call, legs, tz)
    leg = call.legs[0]
    assert (leg.ring_ms, leg.hold_ms, leg.talk_ms, leg.call_type) == (3000, 0, 10_000, "Internal")
    assert call.hold_ms == 0


def test_v2_row_keeps_its_queue():
    row = load("cdr_v2_row.json")
    call = cdr_to_call(row, TimeContext("YYYY/MM/DD HH:mm:ss", ZoneInfo("Europe/Paris")))
    assert call.queue == row["queues"][0]["name"] == "SAV"
