"""Wildix records (WDA history CallRecords, webhook flows, transcription chunks) -> domain objects.

Pure functions, no HTTP: the sync connector and the webhook import share them, so a call
looks the same whichever way it arrived. Field names follow REFERENCE.md section 1; units
that differ per source are passed in explicitly (`duration_unit`).
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Any

from recbrowser.domain import Call, Leg, Party, Recording, Segment
from recbrowser.providers.unreadable import reads

_DIRECTIONS = {"INBOUND": "inbound", "OUTBOUND": "outbound", "INTERNAL": "internal"}
_STATUSES = {"COMPLETED": "answered", "MISSED": "missed"}
_HMS = re.compile(r"^\s*(?:(\d+):)?(\d+):(\d+(?:\.\d+)?)\s*$")
# WDA transcriptionStatus -> our transcript status. Anything else (absent, UNAVAILABLE): none.
TRANSCRIPT_FETCH = "AVAILABLE"
TRANSCRIPT_PROCESSING = "POST_TRANSCRIPTION"


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None


def duration_ms(value: Any, unit: str) -> int | None:
    """`unit` "s": QueryConversations rounds durations to seconds [T S-W5]; "ms": webhook/GetCall."""
    n = _int(value)
    if n is None:
        return None
    return n * 1000 if unit == "s" else n


def party(p: Any) -> Party:
    if not isinstance(p, dict):
        return Party()
    number = str(p.get("phone") or p.get("userExtension") or "")
    return Party(number=number, name=str(p.get("name") or ""))


def leg_id(call_id: str, flow_index: int) -> str:
    return f"{call_id}/{flow_index}"


def flow_index(record: dict[str, Any]) -> int:
    return _int(record.get("flowIndex")) or 0


def recordings_of(record: dict[str, Any]) -> list[dict[str, Any]]:
    """`attachments[].recording` of one flow (legacy `recordings`/`attachment` are ignored)."""
    out = []
    for item in record.get("attachments") or []:
        rec = item.get("recording") if isinstance(item, dict) else None
        if isinstance(rec, dict) and isinstance(rec.get("url"), str) and rec["url"]:
            out.append(rec)
    return out


def merge_copies(kept: dict[str, Any], other: dict[str, Any]) -> dict[str, Any]:
    """Two listings of one flow (seen from both sides [T S-W5]): the first copy wins, but a
    recording or a finished transcription only the other side reports is not lost [I]."""
    names = {r.get("fileName") or r.get("url") for r in recordings_of(kept)}
    extra = [a for a in other.get("attachments") or [] if isinstance(a, dict) and isinstance(a.get("recording"), dict)
             and (a["recording"].get("fileName") or a["recording"].get("url")) not in names]
    merged = {**kept, "attachments": [*(kept.get("attachments") or []), *extra]} if extra else kept
    rank = {TRANSCRIPT_FETCH: 2, TRANSCRIPT_PROCESSING: 1}
    theirs = str(other.get("transcriptionStatus") or "").upper()
    if rank.get(theirs, 0) > rank.get(str(kept.get("transcriptionStatus") or "").upper(), 0):
        merged = {**merged, "transcriptionStatus": theirs}
    return merged


def recording_from_attachment(rec: dict[str, Any], call_id: str, index: int) -> Recording:
    url = rec["url"]
    # No recording id in the API: the file name is unique on the PBX (time + random part + flow).
    name = str(rec.get("fileName") or PurePosixPath(url.split("?", 1)[0]).name)
    start, end = _int(rec.get("start")), _int(rec.get("end"))
    return Recording(
        provider_id=name,
        file_name=name,
        format=PurePosixPath(name).suffix.lstrip(".").lower() or "wav",
        duration_ms=end - start if start is not None and end is not None and end >= start else None,
        start_ms=start,
        leg=leg_id(call_id, index),
        raw={**rec, "flowIndex": index},  # url kept byte for byte; pauses and owner travel with it
    )


def pauses_of(rec: Recording) -> list[dict[str, Any]]:
    """Recording pauses as offsets into that recording's audio, for the call's raw JSON."""
    out = []
    for p in rec.raw.get("pauses") or []:
        if not isinstance(p, dict):
            continue
        start, end = _int(p.get("start")), _int(p.get("end"))
        origin = rec.start_ms
        out.append({
            "recording": rec.provider_id, "leg": rec.leg, "reason": str(p.get("reason") or "pause"),
            "start_ms": start, "end_ms": end,
            "offset_ms": start - origin if start is not None and origin is not None else None,
            "length_ms": end - start if start is not None and end is not None else None,
        })
    return out


@reads("call", lambda call_id, *_a, **_k: call_id)
def records_to_call(call_id: str, records: list[dict[str, Any]], unit: str, extra: dict[str, Any] | None = None) -> Call:
    """All flows (CallRecords) of one call id -> one Call; each flow becomes a Leg with its index.

    `records` must already be de-duplicated by flowIndex. Times are epoch ms in every source.
    """
    flows = sorted(records, key=flow_index)
    first = flows[0]
    starts = [s for s in (_int(f.get("startTime")) for f in flows) if s is not None]
    ends = [e for e in (_int(f.get("endTime")) for f in flows) if e is not None]
    start_ms = min(starts) if starts else _int(first.get("time")) or 0
    legs, recordings, statuses = [], [], []
    talk = 0
    for f in flows:
        idx = flow_index(f)
        status = _STATUSES.get(str(f.get("callStatus", "")).upper(), "unknown")
        statuses.append(status)
        f_start, f_end = _int(f.get("startTime")), _int(f.get("endTime"))
        legs.append(Leg(
            provider_id=leg_id(call_id, idx), index=idx, start_ms=f_start,
            from_party=party(f.get("caller")), to_party=party(f.get("callee")), status=status,
            duration_ms=f_end - f_start if f_start is not None and f_end is not None else duration_ms(f.get("duration"), unit),
            talk_ms=duration_ms(f.get("talkTime"), unit), ring_ms=duration_ms(f.get("waitTime"), unit),
            hold_ms=duration_ms(f.get("holdTime"), unit),
        ))
        talk += duration_ms(f.get("talkTime"), unit) or 0
        seen = {r.provider_id for r in recordings}
        recordings += [r for r in (recording_from_attachment(a, call_id, idx) for a in recordings_of(f)) if r.provider_id not in seen]
    direction = _DIRECTIONS.get(str(first.get("direction", "")).upper(), "unknown")
    from_p, to_p = party(first.get("caller")), party(first.get("callee"))
    agent = _agent(first, direction)
    status = "answered" if "answered" in statuses else statuses[0]
    call = Call(
        provider_id=call_id, start_ms=start_ms, direction=direction, from_party=from_p, to_party=to_p,
        agent=agent, status=status,
        duration_ms=max(ends) - start_ms if ends else duration_ms(first.get("duration"), unit),
        ring_ms=duration_ms(first.get("waitTime"), unit), talk_ms=talk if any("talkTime" in f for f in flows) else None,
        hold_ms=duration_ms(first.get("holdTime"), unit),
        legs=legs, recordings=recordings, has_audio=bool(recordings),
    )
    if not recordings:
        call.audio_reason = "the call was not answered" if status != "answered" else "the PBX kept no recording of this call"
    pauses = [p for r in recordings for p in pauses_of(r)]
    call.raw = {"flows": flows, "pauses": pauses, **(extra or {})}
    call.transcript_status = transcript_status(flows)
    _keep_insights(call, flows, recordings, pauses, unit)
    return call


def _keep_insights(call: Call, flows: list[dict[str, Any]], recordings: list[Recording], pauses: list[dict[str, Any]],
                   unit: str) -> None:
    """What the CallRecords say beyond the basics: queue, tags, the agent's department, the
    transcript's language; trunk, queue wait, recording pauses and owner as labelled details."""
    def first(key: str) -> str:
        return next((str(f[key]) for f in flows if isinstance(f.get(key), str) and f[key]), "")

    call.queue = first("queueName")
    call.language = first("transcriptionLanguage")
    tags: list[str] = []
    for f in flows:
        tags += [str(t) for t in f.get("tags") or [] if isinstance(t, str | int) and str(t) not in tags]
    call.provider_tags = tags
    agents = [p for f in flows for p in (f.get("caller"), f.get("callee"))
              if isinstance(p, dict) and (str(p.get("role", "")).upper() == "AGENT" or str(p.get("type", "")).upper() == "LOCAL")]
    call.department = next((str(p["userDepartment"]) for p in agents if p.get("userDepartment")), "")
    details: dict[str, Any] = {}
    if trunk := first("trunkName"):
        details["trunk"] = trunk
    waits = [w for w in (duration_ms(f.get("queueTime"), unit) for f in flows) if w is not None]
    if waits:
        details["queue_wait_s"] = round(sum(waits) / 1000)
    owners = sorted({str(r.raw.get("owner")) for r in recordings if r.raw.get("owner")})
    if owners:
        details["recording_owner"] = ", ".join(owners)
    if pauses:
        details["recording_pauses"] = [
            f"{p['reason']} at {_clock(p['offset_ms'])} for {_clock(p['length_ms'])}" for p in pauses
            if p.get("offset_ms") is not None and p.get("length_ms") is not None]
    call.details = details


def _clock(ms: int) -> str:
    s = ms / 1000
    return f"{int(s // 60)}:{s % 60:04.1f}"


def overall_sentiment(chunks: list[Any]) -> tuple[str, dict[str, int]]:
    """The call's sentiment from its sentences' (WDA chunk `sentiment`): the commoner of
    positive and negative when any sentence has one (negative on a tie: a supervisor would
    rather look at it), else neutral; and how many sentences had each word."""
    counts: dict[str, int] = {}
    for ch in chunks:
        word = str(ch.get("sentiment") or "").lower() if isinstance(ch, dict) else ""
        if word:
            counts[word] = counts.get(word, 0) + 1
    if not counts:
        return "", {}
    pos, neg = counts.get("positive", 0), counts.get("negative", 0)
    if pos or neg:
        return ("positive" if pos > neg else "negative"), counts
    return (max(counts, key=lambda w: counts[w])), counts


def transcript_status(flows: list[dict[str, Any]]) -> str:
    words = {str(f.get("transcriptionStatus") or "").upper() for f in flows}
    if TRANSCRIPT_PROCESSING in words or TRANSCRIPT_FETCH in words:
        return "pending"  # "available" only once the chunks are in hand
    return "none"


def _agent(flow: dict[str, Any], direction: str) -> str:
    for side in ("caller", "callee"):
        p = flow.get(side)
        if isinstance(p, dict) and str(p.get("role", "")).upper() == "AGENT":
            return party(p).label()
    if direction == "outbound":
        return party(flow.get("caller")).label()
    if direction in ("inbound", "internal"):
        return party(flow.get("callee")).label()
    return ""


def hms_ms(text: Any) -> int | None:
    """"00:00:02" / "01:02" -> ms; the webhook's `time` [C-seed], mm:ss or hh:mm:ss [I]."""
    m = _HMS.match(str(text or ""))
    if not m:
        return None
    h, mnt, s = int(m.group(1) or 0), int(m.group(2)), float(m.group(3))
    return int(round((h * 3600 + mnt * 60 + s) * 1000))


@reads("transcript", lambda _chunks, _flow, _rec, leg, *_: leg)
def chunks_to_segments(chunks: list[Any], flow: dict[str, Any] | None, rec: Recording | None, leg: str) -> list[Segment]:
    """Every chunk shape -> Segments with offsets from the start of the leg's recording.

    WDA: `start`/`end` ms from the start of the flow [T], `speaker` caller|callee. Webhook:
    `offset` ms [I] (or `time` "hh:mm:ss" when it is missing), speaker `name`. The recording
    starts when the call is answered, so the flow-to-recording gap is subtracted when known.
    """
    flow = flow or {}
    flow_start = _int(flow.get("startTime"))
    shift = rec.start_ms - flow_start if rec and rec.start_ms is not None and flow_start is not None else 0
    out = []
    for ch in chunks:
        if not isinstance(ch, dict) or ch.get("isFinal") is False:
            continue
        text = str(ch.get("text") or "").strip()
        if not text:
            continue
        start = _int(ch.get("start"))
        if start is None:
            start = _int(ch.get("offset"))
        if start is None:
            start = hms_ms(ch.get("time")) if isinstance(ch.get("time"), str) else None
        end = _int(ch.get("end"))
        speaker, role = _chunk_speaker(ch, flow)
        out.append(Segment(
            text=text, speaker=speaker, role=role,
            start_ms=max(0, start - shift) if start is not None else None,
            end_ms=max(0, end - shift) if end is not None and start is not None else None,
            leg=leg,
        ))
    out.sort(key=lambda s: (s.start_ms is None, s.start_ms or 0))
    return out


def _chunk_speaker(ch: dict[str, Any], flow: dict[str, Any]) -> tuple[str, str]:
    side = str(ch.get("speaker") or "").lower()
    name = str(ch.get("name") or "")
    p = flow.get(side) if side in ("caller", "callee") else None
    if p is None and name:  # webhook chunks name the speaker: find their side by name
        p = next((flow[s] for s in ("caller", "callee") if isinstance(flow.get(s), dict) and flow[s].get("name") == name), None)
    role = ""
    if isinstance(p, dict):
        word = str(p.get("role", "")).upper()
        role = "agent" if word == "AGENT" else "caller" if word == "CLIENT" else ""
        if not role:
            role = "agent" if str(p.get("type", "")).upper() == "LOCAL" else "caller"
    label = name or (party(p).label() if isinstance(p, dict) else "") or side or "Unknown speaker"
    return label, role


def text_to_segments(text: str, leg: str) -> list[Segment]:
    """The formatted transcript ("Name: words" per line), without timing: only used when no
    chunks were delivered (`call:transcription:text:completed`)."""
    out = []
    for line in str(text or "").splitlines():
        who, sep, words = line.partition(":")
        if sep and words.strip() and len(who) < 60:
            out.append(Segment(text=words.strip(), speaker=who.strip(), leg=leg))
        elif line.strip():
            out.append(Segment(text=line.strip(), leg=leg))
    return out
