"""Voki payload mapping on the seed's own example and on the shapes the manual leaves open."""

from __future__ import annotations

from support.voki_helpers import SEED

from recbrowser.domain import Call
from recbrowser.providers.voki_map import (
    apply_no_recording,
    apply_recording,
    call_from_item,
    error_detail,
    split_sentences,
    summary_text,
    unwrap,
)


def test_the_seed_recording_becomes_a_webm_with_untimed_sentences():
    call = Call(provider_id="1a2b3c4d-5e6f-7890-abcd-ef1234567890", start_ms=1_771_166_000_000)
    apply_recording(call, unwrap(SEED))
    (rec,) = call.recordings
    assert (rec.format, rec.size, rec.duration_ms, rec.file_name) == ("webm", 15234567, 345_000, f"{rec.provider_id}.webm")
    assert call.has_audio and call.transcript_status == "available" and call.duration_ms == 345_000
    assert [s.text for s in call.segments] == ["Bom dia, Sr. Silva.", "Tudo bem?", "Sim!", "Obrigado."]
    assert all(s.start_ms is None for s in call.segments)


def test_transcription_states_and_no_recording():
    for status, expected, segments in (("processing", "pending", None), ("failed", "none", []), ("", "none", [])):
        call = Call(provider_id="c", start_ms=0)
        apply_recording(call, {"id": "r", "download_url": "/x", "transcription": {"status": status, "text": None}})
        assert (call.transcript_status, call.segments) == (expected, segments)
    call = apply_no_recording(Call(provider_id="c", start_ms=0), "Voki has no recording of this call")
    assert not call.has_audio and call.audio_reason and call.recordings == []


def test_call_items_with_and_without_time_fields():
    item = {"id": "u1", "status": "missed", "customer_name": "Ana", "customer_phone": "+5511", "user_name": "Rafa",
            "department_name": "Vendas", "started_at": "2026-02-15T14:30:00Z", "duration": 0}
    call = call_from_item(item, 5)
    assert call.start_ms == 1_771_165_800_000 and call.status == "missed" and "missed" in call.audio_reason
    assert call.from_party.label() == "Ana <+5511>" and call.agent == "Rafa"
    assert call_from_item({"id": "u2", "status": "completed"}, 42).start_ms == 42  # no time field: the window start


def test_wrappers_errors_and_summaries():
    assert unwrap({"access_token": "a"}) == {"access_token": "a"}
    assert unwrap({"data": {"access_token": "a"}}) == {"access_token": "a"}
    assert error_detail('{"errors":{"detail":"Recording not found"}}') == "Recording not found"
    assert error_detail('{"errors":{"email":["can\'t be blank"]}}') == "email: can't be blank"
    assert error_detail("<html>") == ""
    for payload in ({"data": {"summary": " S "}}, {"data": "S"}, {"summary": {"text": "S"}}, {"data": {"content": "S"}}):
        assert summary_text(payload) == "S"
    assert summary_text({"data": None}) == ""
    assert split_sentences("") == [] and split_sentences("One\n\nTwo. Three") == ["One", "Two.", "Three"]
