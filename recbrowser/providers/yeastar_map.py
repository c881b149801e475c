"""Yeastar P-Series rows (CDR v1/v2, recordings, AI transcript legs) -> domain objects.

Pure functions: no HTTP, so the mapping is tested on the vendor's own example payloads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import PurePosixPath
from typing import Any

from recbrowser.domain import Call, Leg, Party, Recording, Segment
from recbrowser.providers.timeparse import parse_display_time, to_ms
from recbrowser.providers.unreadable import reads

_DIRECTIONS = {"inbound": "inbound", "outbound": "outbound", "internal": "internal"}
_STATUSES = {
    "ANSWERED": "answered",
    "NO ANSWER": "missed",
    "BUSY": "busy",
    "FAILED": "failed",
    "VOICEMAIL": "voicemail",
    "ABANDONED": "abandoned",
}
_NAME_NUMBER = re.compile(r"^\s*(?P<name>.*?)\s*<(?P<number>[^<>]*)>\s*$")
# Recording files start with the moment recording began: 20220112173629-1641980184.14-....
_FILE_TIME = re.compile(r"^(\d{14})-")


@dataclass(frozen=True)
class TimeContext:
    """How this PBX writes times: its display format and its time zone."""

    display_format: str
    tz: tzinfo

    def parse(self, text: str) -> int:
        return parse_display_time(text, self.display_format, self.tz)


def party(value: Any, name: Any = None, number: Any = None) -> Party:
    """Accept `"Name<number>"`, a bare number, or separate name/number fields."""
    if number not in (None, ""):
        return Party(number=str(number), name=str(name or ""))
    text = str(value or "")
    m = _NAME_NUMBER.match(text)
    if m:
        return Party(number=m.group("number"), name=m.group("name"))
    return Party(number=text)


def seconds_ms(value: Any) -> int | None:
    try:
        return int(round(float(value) * 1000))
    except (TypeError, ValueError):
        return None


@reads("call", lambda row, *_: row.get("uid"))
def cdr_to_call(row: dict[str, Any], times: TimeContext) -> Call:
    """One CDR row from `cdr/search` v1 or v2 (the two differ in field names)."""
    uid = str(row["uid"])
    if "last_status" in row or "call_duration" in row:  # v2
        status_word = row.get("last_status", "")
        duration, ring, talk = row.get("call_duration"), row.get("routing_duration"), row.get("handling_duration")
    else:
        status_word = row.get("disposition", "")
        duration, ring, talk = row.get("duration"), row.get("ring_duration"), row.get("talk_duration")
    # v1 rows carry a unix `timestamp` as well: unambiguous, so prefer it to the display string.
    ts = row.get("timestamp")
    start_ms = int(ts) * 1000 if isinstance(ts, int) and ts > 0 else times.parse(str(row["time"]))
    from_party = party(row.get("call_from"), row.get("call_from_name"), row.get("call_from_number"))
    to_party = party(row.get("call_to"), row.get("call_to_name"), row.get("call_to_number"))
    direction = _DIRECTIONS.get(str(row.get("call_type", "")).lower(), "unknown")
    agent_party = from_party if direction == "outbound" else to_party
    queues = [q for q in row.get("queues") or [] if isinstance(q, dict) and q.get("name")]
    details = {k: str(row[k]) for k in ("src_trunk", "dst_trunk", "did_number", "dod_number") if row.get(k)}
    if len(queues) > 1:
        details["queues"] = [f"{q['name']} ({q.get('status', '')})".replace(" ()", "") for q in queues]
    return Call(
        provider_id=uid,
        start_ms=start_ms,
        direction=direction,
        from_party=from_party,
        to_party=to_party,
        agent=agent_party.label() if direction != "unknown" else "",
        status=_STATUSES.get(str(status_word).upper(), "unknown"),
        duration_ms=seconds_ms(duration),
        ring_ms=seconds_ms(ring),
        talk_ms=seconds_ms(talk),
        queue=str(queues[0]["name"]) if queues else "",
        details=details,
        raw={"cdr": row},
    )


@reads("recording", lambda row, *_: row.get("id"))
def recording_from_row(row: dict[str, Any], times: TimeContext, call_start_ms: int | None) -> Recording:
    file_name = str(row.get("file") or "")
    start_ms = file_start_ms(file_name, times)
    if start_ms is None:
        start_ms = call_start_ms
    return Recording(
        provider_id=str(row["id"]),
        file_name=file_name,
        format=PurePosixPath(file_name).suffix.lstrip(".").lower(),
        size=row.get("size") if isinstance(row.get("size"), int) else None,
        duration_ms=seconds_ms(row.get("duration")),
        start_ms=start_ms,
        raw=row,
    )


def file_start_ms(file_name: str, times: TimeContext) -> int | None:
    m = _FILE_TIME.match(PurePosixPath(file_name.replace("\\", "/")).name)
    if not m:
        return None
    try:
        naive = datetime.strptime(m.group(1), "%Y%m%d%H%M%S")
    except ValueError:
        return None
    return to_ms(naive.replace(tzinfo=times.tz))


@reads("transcript", lambda call, *_: call.provider_id)
def apply_ai_legs(call: Call, legs: list[dict[str, Any]], times: TimeContext) -> None:
    """Fill legs, segments and summary from the `cdr/aidownload` entries of one call.

    Offsets count from the start of the call's recording when we know it (the recording file
    name carries it), otherwise from the leg's start time (the seed's "Hi" is stamped 0.7 s
    after the call's `time`, inside its 3 s of ringing, so the answer time is no better).
    """
    rec_start = min((r.start_ms for r in call.recordings if r.start_ms is not None), default=None)
    segments: list[Segment] = []
    summaries: list[str] = []
    call.legs = []
    for entry in sorted(legs, key=lambda e: (e.get("leg") or 0, str(e.get("leg_id", "")))):
        leg_id = str(entry.get("leg_id") or f"{call.provider_id}-{entry.get('leg', 0)}")
        leg_start = times.parse(str(entry["time"])) if entry.get("time") else call.start_ms
        from_p, to_p = party(entry.get("call_from")), party(entry.get("call_to"))
        leg_type = str(entry.get("call_type") or "")
        call.legs.append(
            Leg(
                provider_id=leg_id,
                index=int(entry.get("leg") or len(call.legs) + 1),
                start_ms=leg_start,
                from_party=from_p,
                to_party=to_p,
                status=_STATUSES.get(str(entry.get("status", "")).upper(), "unknown"),
                duration_ms=seconds_ms(entry.get("call_duration")),
                talk_ms=seconds_ms(entry.get("talk_duration")),
                ring_ms=seconds_ms(entry.get("ring_duration")),
                hold_ms=seconds_ms(entry.get("hold_duration")),
                call_type=leg_type,
            )
        )
        # The PBX side of this leg: after a transfer it is the agent who took the call over.
        leg_agent = from_p if leg_type.lower() in ("outbound",) else to_p
        origin = rec_start if rec_start is not None else leg_start
        for item in entry.get("ai_transcription") or []:
            text = str(item.get("content") or "").strip()
            if not text:
                continue
            speaker_number = str(item.get("source_number") or "")
            start = item.get("timestamp")
            start_ms = max(0, int(start) - origin) if isinstance(start, int | float) else None
            length = seconds_ms(item.get("duration"))
            segments.append(
                Segment(
                    text=text,
                    speaker=_speaker_label(speaker_number, call),
                    role=_role(speaker_number, call, leg_agent),
                    start_ms=start_ms,
                    end_ms=start_ms + length if start_ms is not None and length else None,
                    leg=leg_id,
                )
            )
        if entry.get("ai_summary"):
            summaries.append(str(entry["ai_summary"]).strip())
    segments.sort(key=lambda s: (s.start_ms is None, s.start_ms or 0))
    holds = [leg.hold_ms for leg in call.legs if leg.hold_ms is not None]
    if holds:  # the CDR row has no hold time; the legs do (talk_duration excludes it)
        call.hold_ms = sum(holds)
    call.segments = segments
    call.summary = "\n\n".join(summaries)
    call.transcript_status = "available" if segments or summaries else "none"


def _speaker_label(number: str, call: Call) -> str:
    for p in (call.from_party, call.to_party):
        if number and p.number == number and p.name:
            return f"{p.name} ({number})"
    return number or "Unknown speaker"


def _role(number: str, call: Call, leg_agent: Party | None = None) -> str:
    """The agent is the PBX extension side: the callee of an inbound call, the caller of an
    outbound one, and on a leg after a transfer, that leg's PBX side (the second agent)."""
    if not number:
        return ""
    agent = call.from_party if call.direction in ("outbound", "internal") else call.to_party
    other = call.to_party if agent is call.from_party else call.from_party
    if number == agent.number or (leg_agent is not None and number == leg_agent.number and number != other.number):
        return "agent"
    if number == other.number:
        return "caller"
    return ""
