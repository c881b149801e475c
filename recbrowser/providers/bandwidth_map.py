"""Bandwidth Voice recording metadata and transcriptions -> domain objects (REFERENCE.md section 4).

Pure functions: no HTTP, so the mapping is tested on the spec's own example payloads. Bandwidth
lists *recordings*; a call is the group of recordings sharing a `callId`.
"""

from __future__ import annotations

import re
from typing import Any

from recbrowser.domain import Call, Party, Recording, Segment
from recbrowser.providers.timeparse import iso_ms
from recbrowser.providers.unreadable import reads

RETENTION_MS = 30 * 86_400_000  # "Bandwidth will keep recordings for up to 30 days" [C S-B5]
# ISO 8601 durations as Bandwidth writes them (PT13.67S), plus the day/week forms for safety.
_DURATION = re.compile(
    r"^P(?:(?P<w>\d+(?:\.\d+)?)W)?(?:(?P<d>\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(?P<h>\d+(?:\.\d+)?)H)?(?:(?P<m>\d+(?:\.\d+)?)M)?(?:(?P<s>\d+(?:\.\d+)?)S)?)?$"
)
_UNIT_MS = {"w": 604_800_000, "d": 86_400_000, "h": 3_600_000, "m": 60_000, "s": 1000}
# Recording states; the spec's own example says "completed", so both spellings count.
_READY = {"complete", "completed", "partial"}
_REASONS = {
    "processing": "Bandwidth is still processing the recording",
    "deleted": "the recording's media was deleted at Bandwidth",
    "error": "Bandwidth reports an error for this recording",
}
_TRANSCRIPT = {"available": "available", "processing": "pending"}


def iso_duration_ms(value: Any) -> int | None:
    """`PT13.67S` -> 13670; None for anything that is not an ISO 8601 duration."""
    if not isinstance(value, str):
        return None
    m = _DURATION.match(value.strip().upper())
    if not m or value.strip().upper() in ("P", "PT"):
        return None
    return int(round(sum(float(v) * _UNIT_MS[k] for k, v in m.groupdict().items() if v)))


def recording_from_metadata(meta: dict[str, Any]) -> Recording:
    start = iso_ms(meta.get("startTime"))
    duration = iso_duration_ms(meta.get("duration"))
    end = iso_ms(meta.get("endTime"))
    if duration is None and start is not None and end is not None:
        duration = max(0, end - start)
    fmt = str(meta.get("fileFormat") or "").lower()
    rid = str(meta["recordingId"])
    return Recording(
        provider_id=rid,
        file_name=f"{rid}.{fmt or 'wav'}",
        format=fmt,
        duration_ms=duration,
        start_ms=start,
        # INFERENCE: the 30 days count from the start of the recording (the earliest reading).
        expires_ms=start + RETENTION_MS if start is not None else None,
        raw=meta,
    )


def is_downloadable(meta: dict[str, Any]) -> bool:
    status = str(meta.get("status") or "").lower()
    return bool(meta.get("mediaUrl")) and (status in _READY or status not in _REASONS)


def transcript_state(meta: dict[str, Any]) -> str:
    t = meta.get("transcription")
    status = str(t.get("status") or "").lower() if isinstance(t, dict) else ""
    return _TRANSCRIPT.get(status, "none")


@reads("call", lambda call_id, *_: call_id)
def call_from_recordings(call_id: str, metas: list[dict[str, Any]], now_ms: int, fallback_start_ms: int = 0) -> Call:
    """One call from all its recordings' metadata (sorted by start); transcripts come later.
    `fallback_start_ms` stands in when no recording carries a readable startTime."""
    metas = sorted(metas, key=lambda m: (iso_ms(m.get("startTime")) or 0, str(m.get("recordingId"))))
    first = metas[0]
    recordings = [recording_from_metadata(m) for m in metas]
    starts = [r.start_ms for r in recordings if r.start_ms is not None]
    ends = [r.start_ms + r.duration_ms for r in recordings if r.start_ms is not None and r.duration_ms is not None]
    start = min(starts) if starts else fallback_start_ms
    direction = str(first.get("direction") or "").lower()
    direction = direction if direction in ("inbound", "outbound") else "unknown"
    from_party, to_party = Party(number=str(first.get("from") or "")), Party(number=str(first.get("to") or ""))
    # The local side of a call on a Bandwidth number: the callee of an inbound call, the caller of an outbound one.
    agent = {"inbound": to_party.number, "outbound": from_party.number}.get(direction, "")
    has_audio = any(is_downloadable(m) for m in metas)
    states = [transcript_state(m) for m in metas]
    call = Call(
        provider_id=call_id,
        start_ms=start,
        direction=direction,
        from_party=from_party,
        to_party=to_party,
        agent=agent,
        status="answered",  # a recording exists, so someone answered
        duration_ms=max(ends) - start if ends else None,
        has_audio=has_audio,
        audio_reason="" if has_audio else _audio_reason(metas, now_ms),
        transcript_status="available" if "available" in states else "pending" if "pending" in states else "none",
        recordings=recordings,
        raw={"recordings": metas},
    )
    # A <Transfer>: who it went to, the caller ID the B-leg saw, and the A-leg's call.
    labels = {"transferTo": "transferred_to", "transferCallerId": "transfer_caller_id", "parentCallId": "parent_call"}
    call.details = {label: str(m[key]) for m in metas for key, label in labels.items() if m.get(key)}
    return call


def _audio_reason(metas: list[dict[str, Any]], now_ms: int) -> str:
    for m in metas:
        reason = _REASONS.get(str(m.get("status") or "").lower())
        if reason:
            return reason
    starts = [s for s in (iso_ms(m.get("startTime")) for m in metas) if s is not None]
    if starts and max(starts) + RETENTION_MS <= now_ms:
        return "Bandwidth deletes recordings after 30 days"
    return "Bandwidth offers no download link for this recording yet"


def speaker_names(call: Call, channels: int, meta: dict[str, Any] | None = None) -> dict[int, tuple[str, str]]:
    """Speaker index -> (label, role). Multi-channel: one transcript per channel, the first the
    far party (caller / called party), the second our side (PlayAudio, SpeakSentence) [C S-B1].
    During a <Transfer> the first is the A-leg and the second the B-leg [C-seed]: the B-leg is
    the party the call was transferred to (`transferTo`), and on the B-leg's own recording
    (`parentCallId` set) the A-leg party is the caller ID it was given (`transferCallerId`).
    Mono: the engine's own speaker numbers, roles unknown."""
    if channels < 2:
        return {}
    meta = meta or {}
    far = call.from_party if call.direction != "outbound" else call.to_party
    near = call.to_party if call.direction != "outbound" else call.from_party
    far_label, near_label = far.number or "Caller", near.number or "Agent"
    transfer_to, caller_id = str(meta.get("transferTo") or ""), str(meta.get("transferCallerId") or "")
    if transfer_to:
        near_label = f"{transfer_to} (transferred to)"
    if meta.get("parentCallId") and caller_id:
        far_label = caller_id
    return {0: (far_label, "caller"), 1: (near_label, "agent")}


@reads("transcript", lambda _data, _call, recording, *_: recording.provider_id)
def segments_from_transcription(data: Any, call: Call, recording: Recording, leg: str = "") -> list[Segment]:
    """Both shapes: the older `{transcripts: [{text, confidence}]}` (no timing: one segment per
    transcript, i.e. per channel) and the newer one with `speaker` and timed `clips`."""
    if not isinstance(data, dict):
        return []
    channels = recording.raw.get("channels") if isinstance(recording.raw.get("channels"), int) else 1
    names = speaker_names(call, channels, recording.raw)

    def who(index: Any) -> tuple[str, str]:
        if isinstance(index, int) and not isinstance(index, bool):
            return names.get(index, (f"Speaker {index + 1}", ""))
        return ("", "")

    out: list[Segment] = []
    clips = data.get("clips")
    if isinstance(clips, list) and clips:
        for clip in clips:
            if not isinstance(clip, dict) or not str(clip.get("text") or "").strip():
                continue
            start, end = _seconds_ms(clip.get("startTimeSeconds")), _seconds_ms(clip.get("endTimeSeconds"))
            label, role = who(clip.get("speaker"))
            out.append(Segment(text=str(clip["text"]).strip(), speaker=label, role=role, start_ms=start,
                               end_ms=end, leg=leg, confidence=_confidence(clip.get("confidence"))))
        out.sort(key=lambda s: (s.start_ms is None, s.start_ms or 0))
        return out
    for i, t in enumerate(data.get("transcripts") or []):
        if not isinstance(t, dict) or not str(t.get("text") or "").strip():
            continue
        # Older shape: no `speaker`; the list position is the channel.
        label, role = who(t.get("speaker", i if channels >= 2 else None))
        out.append(Segment(text=str(t["text"]).strip(), speaker=label, role=role, leg=leg,
                           confidence=_confidence(t.get("confidence"))))
    return out


def _seconds_ms(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return max(0, int(round(value * 1000)))


def _confidence(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
