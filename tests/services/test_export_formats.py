"""Export output formats against committed snapshots, and file names that must stay safe.

Input is built from domain objects (no clock, no network) so the files are byte-stable.
Set RECBROWSER_UPDATE_SNAPSHOTS=1 to rewrite the snapshots after an intended change.
"""

from __future__ import annotations

import os
from zoneinfo import ZoneInfo

import pytest
from support.paths import SNAPSHOTS

from recbrowser.domain import Call, Party, Recording, Segment
from recbrowser.errors import UserFacingError
from recbrowser.services import transcript_formats
from recbrowser.services.conversation import as_json
from recbrowser.services.export_manifest import call_metadata, csv_text, json_text
from recbrowser.services.export_names import DEFAULT_TEMPLATE, call_fields, check_template, render_stem, unique_stem
from recbrowser.store.records import CallFigures

SNAPSHOTS = SNAPSHOTS / "export"
BERLIN = ZoneInfo("Europe/Berlin")


def sample_call() -> Call:
    return Call(
        provider_id="1778330000.42",
        start_ms=1_778_330_000_000,  # 2026-05-09 12:33:20 UTC = 14:33:20 in Berlin
        direction="inbound",
        from_party=Party("+4930123456", "Mia Müller"),
        to_party=Party("201", "Anna Schmidt"),
        agent="Anna Schmidt <201>",
        status="answered",
        duration_ms=65_400,
        talk_ms=61_000,
        ring_ms=4_400,
        hold_ms=12_000,
        queue="Billing",
        department="Finance",
        sentiment="negative",
        provider_tags=["vip", "refund"],
        language="en",
        details={"trunk": "Telekom-SIP"},
        has_audio=True,
        transcript_status="available",
        summary='Refund for a double charge; "urgent" & <card> mentioned.',
        recordings=[Recording("rec-7", file_name="20260509143320-201.wav", format="wav", size=1234, duration_ms=61_000)],
        segments=[
            Segment("Northwind support, this is Anna.", speaker="Anna Schmidt", role="agent", start_ms=350, end_ms=2900),
            Segment("Hello, I was charged twice <again> & need a refund.", speaker="Mia Müller", role="caller",
                    start_ms=3_100, end_ms=None),
            Segment("One moment, please.\nLet me check.", speaker="", role="agent", start_ms=3_723_456, end_ms=3_725_000),
            Segment("(untimed remark from the provider)", speaker="Mia Müller", role="caller"),
        ],
    )


def check_snapshot(name: str, text: str) -> None:
    path = SNAPSHOTS / name
    if os.environ.get("RECBROWSER_UPDATE_SNAPSHOTS"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
    assert path.exists(), f"no snapshot {path}; run with RECBROWSER_UPDATE_SNAPSHOTS=1 once and review it"
    assert text == path.read_bytes().decode("utf-8")


@pytest.mark.parametrize("fmt", transcript_formats.FORMATS)
def test_transcript_formats_match_their_snapshots(fmt):
    call = sample_call()
    text = transcript_formats.render(fmt, call.segments, header=["Call hq/1778330000.42"], meta={"ref": "hq/1778330000.42"})
    check_snapshot(f"transcript.{fmt}", text)


def test_srt_and_vtt_are_well_formed():
    segs = sample_call().segments
    srt = transcript_formats.to_srt(segs)
    assert srt.startswith("1\n00:00:00,350 --> 00:00:02,900\n")
    assert "01:02:03,456 --> 01:02:05,000" in srt  # hours count past 59 minutes
    assert "untimed" not in srt  # SRT has no place for untimed text
    vtt = transcript_formats.to_vtt(segs)
    assert vtt.startswith("WEBVTT\n")
    assert "<v Mia Müller>Hello, I was charged twice &lt;again&gt; &amp; need a refund." in vtt
    assert "00:00:03.100 --> 00:00:06.100" in vtt  # no end: three seconds


def manifest_inputs():
    call = sample_call()
    quiet = Call(provider_id="CON", start_ms=1_778_340_000_000, direction="outbound", from_party=Party("=cmd|' /C calc'!A0"),
                 to_party=Party("+4940999"), status="missed", has_audio=False, audio_reason="the call was not answered")
    notes = [{"offset_ms": 3100, "at": "0:03", "text": 'Says "urgent";\nescalate', "created_utc": "2026-05-09T13:00:00Z"},
             {"offset_ms": None, "at": "", "text": "=call back", "created_utc": "2026-05-09T13:05:00Z"}]
    rows = []
    for c, files, note, local in (
        (call, [{"name": "a.wav", "kind": "audio", "format": "wav", "size": 1234, "sha256": "ab" * 32},
                {"name": "a.txt", "kind": "transcript", "format": "txt", "size": 99, "sha256": "cd" * 32}], "",
         {"tags": ["VIP", "refund"], "notes": notes, "conversation": as_json(CallFigures(
             span_ms=60_000, agent_talk_ms=30_000, caller_talk_ms=10_000, other_talk_ms=0, longest_monologue_ms=12_500,
             longest_monologue_by="agent", silence_ms=12_000, overtalk_count=2, overtalk_ms=1_500, hold_ms=15_000,
             words=120, sentiment="negative"))}),
        (quiet, [], "no audio: the call was not answered", {"tags": ["=cmd"], "notes": []}),
    ):
        rows.append({**call_metadata(c, "hq", "yeastar", BERLIN), **local, "stem": "a", "export_status": "exported",
                     "export_reason": "", "audio_note": note, "transcript_note": "", "files": files})
    settings = {"audio": "original", "transcripts": ["txt"], "template": DEFAULT_TEMPLATE, "time_zone": "Europe/Berlin",
                "redact_pii": ["cards", "phones", "emails"], "tool": "recbrowser test"}
    return rows, settings


def test_manifest_csv_and_json_match_their_snapshots():
    rows, settings = manifest_inputs()
    check_snapshot("manifest.csv", csv_text(rows, settings))
    check_snapshot("manifest.json", json_text(rows, settings))


def test_manifest_csv_neutralises_spreadsheet_formulas():
    rows, settings = manifest_inputs()
    text = csv_text(rows, settings)
    assert "'=cmd" in text and ",=cmd" not in text
    assert ",'=cmd," in text  # a tag too
    assert ",+4940999," in text  # a phone number stays a number


def fields(**overrides):
    call = sample_call()
    f = call_fields(call, "hq", "yeastar", BERLIN)
    f.update(overrides)
    return f


def test_default_template_uses_the_users_zone():
    stem = render_stem(DEFAULT_TEMPLATE, fields(), "x")
    assert stem == "2026-05-09_143320_inbound_+4930123456_201_yeastar_1778330000.42"


@pytest.mark.parametrize(
    ("template", "overrides", "expected"),
    [
        ("{from}", {"from": "../../etc/passwd"}, "_.._etc_passwd"),  # never a folder, never a hidden file
        ("{start:%H:%M}", {}, "14_33"),
        ("{call_id}", {"call_id": "CON"}, "_CON"),
        ("{call_id}", {"call_id": "com1.x"}, "_com1.x"),
        ("{call_id}", {"call_id": "manifest"}, "_manifest"),
        ("{from_name}", {"from_name": 'a<b>c"d|e?f*g'}, "a_b_c_d_e_f_g"),
        ("{call_id}", {"call_id": "..."}, "fallback"),
    ],
)
def test_names_are_safe_everywhere(template, overrides, expected):
    assert render_stem(template, fields(**overrides), "fallback") == expected


def test_long_names_are_cut_and_collisions_numbered():
    stem = render_stem("{from_name}", fields(from_name="ü" * 400), "x")
    assert len(stem.encode()) <= 180
    taken: set[str] = set()
    names = []
    for _ in range(3):
        names.append(unique_stem("Call", taken))
        taken.add(names[-1].lower())
    names.append(unique_stem("CALL", taken))
    assert names == ["Call", "Call (2)", "Call (3)", "CALL (4)"]


@pytest.mark.parametrize("template", ["{nope}", "{start", "{start:%Y}{duration:q}"])
def test_bad_templates_are_refused_in_one_sentence(template):
    with pytest.raises(UserFacingError, match="template"):
        check_template(template)
