"""Text and JSON renderings of calls, hits and transcripts for the command line."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from recbrowser import retention
from recbrowser.domain import Call, SearchHit, call_ref
from recbrowser.services import conversation
from recbrowser.store.records import CallFigures


def local_time(ms: int | None) -> str:
    if ms is None:
        return ""
    return datetime.fromtimestamp(ms / 1000).astimezone().strftime("%Y-%m-%d %H:%M:%S")


def iso_utc(ms: int | None) -> str | None:
    if ms is None:
        return None
    return datetime.fromtimestamp(ms / 1000).astimezone().isoformat(timespec="seconds")


def clock(ms: int | None) -> str:
    if ms is None:
        return "--:--"
    s = ms // 1000
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60:02d}:{s % 60:02d}"


def party_label(number: str, name: str) -> str:
    if name and number and name != number:
        return f"{name} <{number}>"
    return name or number


def audio_label(row: Any, files: dict[str, str] | None = None) -> str:
    """`files`: ref -> "damaged" or "missing" for rows whose download no longer checks out."""
    if files and row.ref in files:
        return files[row.ref]
    return retention.audio_label(row.has_audio, row.downloaded, row.expires_ms)


def row_json(row: Any, files: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "ref": row.ref,
        "account": row.account,
        "provider": row.provider,
        "call_id": row.provider_id,
        "start": iso_utc(row.start_ms),
        "start_ms": row.start_ms,
        "direction": row.direction,
        "from": {"number": row.from_number, "name": row.from_name},
        "to": {"number": row.to_number, "name": row.to_name},
        "agent": row.agent,
        "status": row.status,
        "duration_ms": row.duration_ms,
        "audio": audio_label(row, files),
        "audio_reason": row.audio_reason,
        "audio_expires": iso_utc(row.expires_ms),
        "transcript": row.transcript_status,
        "legs": row.leg_count,
        "ring_ms": row.ring_ms,
        "hold_ms": row.hold_ms,
        "queue": row.queue,
        "department": row.department,
        "sentiment": row.sentiment,
        "provider_tags": row.provider_tags,
        "language": row.language,
        "summary": row.summary,
        "conversation": conversation.as_json(row.figures),
    }


def table(rows: list[list[str]], headers: list[str]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    # Long cells are cut, except the last column: it is the ref users copy into other commands.
    widths = [min(w, 34) for w in widths[:-1]] + widths[-1:]

    def fmt(cells: list[str]) -> str:
        return "  ".join((c if len(c) <= w else c[: w - 1] + "…").ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    return "\n".join([fmt(headers), fmt(["-" * w for w in widths]), *(fmt(r) for r in rows)])


def calls_table(rows: list[Any], files: dict[str, str] | None = None) -> str:
    body = [
        [
            local_time(r.start_ms),
            r.direction,
            party_label(r.from_number, r.from_name),
            party_label(r.to_number, r.to_name),
            clock(r.duration_ms),
            r.status,
            audio_label(r, files),
            r.transcript_status,
            r.ref,
        ]
        for r in rows
    ]
    return table(body, ["start", "dir", "from", "to", "length", "status", "audio", "transcript", "ref"])


def hit_json(hit: SearchHit) -> dict[str, Any]:
    d = asdict(hit)
    d["ref"] = d.pop("call_ref")
    d["call_start"] = iso_utc(hit.call_start_ms)
    return d


def hits_text(hits: list[SearchHit]) -> str:
    lines = []
    for h in hits:
        where = "summary" if h.kind == "summary" else clock(h.start_ms)
        lines.append(f"{local_time(h.call_start_ms)}  {h.call_ref}  {where}  {h.speaker or '-'}: {h.snippet}")
    return "\n".join(lines)


def call_json(account: str, call: Call, media: list[Any], notes: list[Any],
              states: dict[str, str] | None = None, figures: CallFigures | None = None) -> dict[str, Any]:
    """`states`: recording id -> "ok", "damaged" or "missing" (services.media_check)."""
    d = asdict(call)
    d["ref"] = call_ref(account, call.provider_id)
    d["account"] = account
    d["start"] = iso_utc(call.start_ms)
    d["media"] = [{**asdict(m), "state": (states or {}).get(m.recording_provider_id, "ok")} for m in media]
    d["notes"] = [asdict(n) for n in notes]
    d["conversation"] = conversation.as_json(figures)
    return d


def _fact(value: Any) -> str:
    if isinstance(value, list):
        return "; ".join(_fact(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k.replace('_', ' ')} {_fact(v)}" for k, v in value.items())
    return str(value)


def call_text(account: str, call: Call, media: list[Any], states: dict[str, str] | None = None,
              figures: CallFigures | None = None, elsewhere: dict[str, str] | None = None) -> str:
    """`elsewhere`: recording id -> where a recording this computer has no copy of is ("at provider")."""
    out = [
        f"Call {call_ref(account, call.provider_id)}",
        f"  started   {local_time(call.start_ms)}  ({call.direction}, {call.status})",
        f"  from      {call.from_party.label()}",
        f"  to        {call.to_party.label()}",
        f"  agent     {call.agent or '-'}",
        f"  length    {clock(call.duration_ms)} (ringing {clock(call.ring_ms)}, talking {clock(call.talk_ms)}"
        f"{f', on hold {clock(call.hold_ms)}' if call.hold_ms else ''})",
    ]
    for label, value in (("queue", call.queue), ("department", call.department), ("sentiment", call.sentiment),
                         ("tags", ", ".join(call.provider_tags)), ("language", call.language)):
        if value:
            out.append(f"  {label:<9} {value}")
    for key, value in call.details.items():
        out.append(f"  {key.replace('_', ' ')}: {_fact(value)}")
    for leg in call.legs:
        times = ", ".join(f"{what} {clock(ms)}" for what, ms in (("ringing", leg.ring_ms), ("talking", leg.talk_ms),
                                                                  ("on hold", leg.hold_ms)) if ms is not None)
        out.append(
            f"  leg {leg.index}     {local_time(leg.start_ms)}  {leg.from_party.label()} -> {leg.to_party.label()}"
            f"  {leg.call_type + ' ' if leg.call_type else ''}{leg.status}  {clock(leg.duration_ms)}"
            + (f" ({times})" if times else "")
        )
    local = {m.recording_provider_id: m for m in media}
    for rec in call.recordings:
        where = local[rec.provider_id].path if rec.provider_id in local else (
            (elsewhere or {}).get(rec.provider_id, "at provider"))
        state = (states or {}).get(rec.provider_id, "ok")
        if rec.provider_id in local and state != "ok":
            ref = call_ref(account, call.provider_id)
            where = (f"damaged ({where} no longer matches the file downloaded; `recbrowser download {ref}` "
                     "fetches it again)" if state == "damaged" else
                     f"missing ({where} was deleted; `recbrowser download {ref}` fetches it again)")
        if rec.provider_id not in local and rec.expires_ms:
            where += f", deleted there on {local_time(rec.expires_ms)}: download it to keep it"
        out.append(f"  recording {rec.file_name} ({clock(rec.duration_ms)}, {rec.format}): {where}")
    if not call.recordings:
        out.append(f"  recording none ({call.audio_reason or 'no reason given by the provider'})")
    if call.segments:
        out += ["", *conversation.text_lines(figures)]
    if call.summary:
        out += ["", "Summary", *(f"  {line}" for line in call.summary.splitlines())]
    if call.segments:
        out += ["", "Transcript"]
        out += [f"  [{clock(s.start_ms)}] {s.speaker or '-'}: {s.text}" for s in call.segments]
    elif call.transcript_status == "pending":
        out += ["", pending_note(call.start_ms)]
    else:
        out += ["", f"Transcript: {call.transcript_status}"]
    return "\n".join(out)


def pending_note(start_ms: int, now_ms: int | None = None) -> str:
    """What "pending" means for this call: asked again by later syncs, or no longer."""
    from recbrowser.services.sync import DAY_MS, PENDING_DAYS

    until = start_ms + PENDING_DAYS * DAY_MS
    now = now_ms if now_ms is not None else int(datetime.now().timestamp() * 1000)
    if until > now:
        return (f"Transcript pending: the provider has not finished it yet; each sync asks again, "
                f"until {local_time(until)}.")
    return (f"Transcript pending: the provider had not finished it {PENDING_DAYS} days after the call; "
            "syncs no longer ask for it.")
