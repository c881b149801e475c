"""Voki (Avanter) payloads -> domain objects, and the TOTP code for two-factor sign-in (REFERENCE.md section 3).

Pure functions, no HTTP. Voki documents only part of its call item and nothing of the summary
shape, so readers here accept the shapes we can foresee and fall back quietly (INFERENCE).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import struct
import time
from typing import Any

from recbrowser.domain import Call, Party, Recording, Segment
from recbrowser.providers.timeparse import iso_ms
from recbrowser.providers.unreadable import reads

# Voki's call states -> ours. Queued/active calls are still running: no recording yet.
_STATUS = {"completed": "answered", "missed": "missed", "cancelled": "abandoned"}
_IN_PROGRESS = {"queued", "active"}
# transcription.status -> ours. Whisper runs after the call: "processing" etc. mean "ask later".
_TRANSCRIPT = {"completed": "available", "done": "available", "processing": "pending", "pending": "pending",
               "queued": "pending", "in_progress": "pending"}
# Abbreviations that end with a dot without ending a sentence (English and pt-BR demo text).
_ABBREV = {"sr", "sra", "srta", "dr", "dra", "prof", "mr", "mrs", "ms", "st", "etc", "vs", "no", "nº", "av", "ltda", "e.g", "i.e"}
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"')\]]*\s+")


def unwrap(payload: Any) -> Any:
    """`{"data": X}` -> X; the manual shows some answers (the login example) without the wrapper."""
    if isinstance(payload, dict) and "data" in payload and not {"access_token", "mfa_required"} & payload.keys():
        return payload["data"]
    return payload


def error_detail(body: str) -> str:
    """The human part of `{"errors": {"detail": "..."}}` or `{"errors": {"field": ["msg"]}}`."""
    try:
        data = json.loads(body) if body else None
    except ValueError:
        return ""
    errs = data.get("errors") if isinstance(data, dict) else None
    if isinstance(errs, dict):
        if isinstance(errs.get("detail"), str):
            return errs["detail"].strip()
        parts = [f"{k}: {', '.join(map(str, v)) if isinstance(v, list) else v}" for k, v in errs.items()]
        return "; ".join(parts)
    return str(errs).strip() if isinstance(errs, str) else ""


def totp(secret_b32: str, at: float | None = None, step: int = 30, digits: int = 6) -> str:
    """RFC 6238 TOTP with HMAC-SHA1, as authenticator apps compute it from the base32 secret."""
    clean = secret_b32.replace(" ", "").replace("-", "").upper()
    key = base64.b32decode(clean + "=" * (-len(clean) % 8))
    counter = int((time.time() if at is None else at) // step)
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F  # RFC 4226 dynamic truncation
    code = (struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF) % 10**digits
    return f"{code:0{digits}d}"


def split_sentences(text: str) -> list[str]:
    """One Whisper text block -> sentences. Lines split too; "Sr. Silva" and "R$ 1.500,00" stay whole."""
    out: list[str] = []
    for line in (text or "").splitlines():
        joined: list[str] = []
        for piece in filter(None, (p.strip() for p in _SENTENCE_END.split(line.strip()))):
            tail = joined[-1].rsplit(" ", 1)[-1].rstrip(".").lower() if joined and joined[-1].endswith(".") else ""
            if tail in _ABBREV:
                joined[-1] = f"{joined[-1]} {piece}"  # "Sr." did not end the sentence
            else:
                joined.append(piece)
        out += joined
    return out


def _seconds_ms(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return int(round(value * 1000))


def call_start(item: dict[str, Any]) -> int | None:
    # The documented item stops before its time fields [?]: the likely names, in order of meaning.
    for key in ("started_at", "start_time", "answered_at", "inserted_at", "created_at"):
        ms = iso_ms(item.get(key))
        if ms is not None:
            return ms
    return None


@reads("call", lambda item, *_: item.get("id"))
def call_from_item(item: dict[str, Any], fallback_start_ms: int) -> Call:
    """A call from a `GET /api/v1/calls` item; recording and transcript come later."""
    state = str(item.get("status") or "").lower()
    customer = Party(number=str(item.get("customer_phone") or item.get("customer_email") or ""),
                     name=str(item.get("customer_name") or ""))
    agent = str(item.get("user_name") or "")
    # A Voki call is a customer reaching a department through the widget (INFERENCE: inbound).
    to_party = Party(number=str(item.get("department_name") or ""), name=agent)
    start = call_start(item)
    duration = _seconds_ms(item.get("duration"))
    ended = iso_ms(item.get("ended_at"))
    if duration is None and start is not None and ended is not None:
        duration = max(0, ended - start)
    return Call(
        provider_id=str(item["id"]),
        start_ms=start if start is not None else fallback_start_ms,
        direction="inbound",
        from_party=customer,
        to_party=to_party,
        agent=agent,
        status=_STATUS.get(state, "unknown"),
        duration_ms=duration,
        has_audio=False,
        audio_reason=no_recording_reason(state),
        transcript_status="none",
        segments=[],
        department=str(item.get("department_name") or ""),
        raw={"call": item},
    )


def no_recording_reason(state: str) -> str:
    if state in _IN_PROGRESS:
        return "the call is still in progress; Voki makes the recording when it ends"
    if state in ("missed", "cancelled"):
        return f"the call was {state}, so Voki recorded nothing"
    return ""


def may_have_recording(call: Call) -> bool:
    """Only completed calls are recorded [C-seed]; other states save one request per call."""
    return str(call.raw.get("call", {}).get("status") or "").lower() in ("completed", "")


def transcript_state(rec: dict[str, Any]) -> str:
    t = rec.get("transcription")
    status = str(t.get("status") or "").lower() if isinstance(t, dict) else ""
    if status in _TRANSCRIPT:
        return _TRANSCRIPT[status]
    return "available" if isinstance(t, dict) and str(t.get("text") or "").strip() and not status else "none"


@reads("recording", lambda call, rec, *_: rec.get("id") or call.provider_id)
def apply_recording(call: Call, rec: dict[str, Any]) -> Call:
    """Fill in the recording and the transcript from `GET /calls/:id/recording`'s data."""
    rid = str(rec.get("id") or f"{call.provider_id}-recording")
    fmt = str(rec.get("format") or "webm").lower()
    size = rec.get("file_size")
    call.recordings = [Recording(
        provider_id=rid, file_name=f"{rid}.{fmt}", format=fmt,
        size=size if isinstance(size, int) and not isinstance(size, bool) and size > 0 else None,
        duration_ms=_seconds_ms(rec.get("duration")), start_ms=call.start_ms, raw=rec,
    )]
    call.has_audio, call.audio_reason = bool(rec.get("download_url")), ""
    if not call.has_audio:
        call.audio_reason = "Voki lists a recording but gives no download address for it"
    if call.duration_ms is None:
        call.duration_ms = call.recordings[0].duration_ms
    call.transcript_status = transcript_state(rec)
    t = rec.get("transcription") if isinstance(rec.get("transcription"), dict) else {}
    call.language = str(t.get("language") or "")
    created = iso_ms(rec.get("created_at"))
    if created is not None:  # when Voki made the file (after the call), not when its audio starts
        call.details = {**call.details, "recording_created_at": str(rec["created_at"])}
    if call.transcript_status == "available":
        # Whisper's text has no timings: untimed segments, never invented offsets.
        call.segments = [Segment(text=s) for s in split_sentences(str(t.get("text") or ""))]
        if not call.segments:
            call.transcript_status = "none"
    elif call.transcript_status == "pending":
        call.segments = None  # keep whatever the cache has; the next sync asks again
    else:
        call.segments = []
    call.raw = {**call.raw, "recording": rec}
    return call


def apply_no_recording(call: Call, reason: str) -> Call:
    call.recordings, call.has_audio, call.audio_reason = [], False, reason
    call.transcript_status, call.segments = "none", []
    return call


def summary_text(payload: Any) -> str:
    """The AI summary's shape is undocumented [?]: a string, or an object with summary/text/content."""
    data = unwrap(payload)
    if isinstance(data, str):
        return data.strip()
    if isinstance(data, dict):
        for key in ("summary", "text", "content"):
            value = data.get(key)
            if isinstance(value, str) and value.strip():
                return value.strip()
            if isinstance(value, dict):
                return summary_text(value)
    return ""
