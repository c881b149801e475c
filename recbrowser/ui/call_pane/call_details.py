"""The call's details as HTML: parties, times, durations (ringing and on hold, in all and per
leg), what the provider says about the call (queue, department, sentiment, its tags, language,
summary and the other facts of `Call.details` under readable labels), the transcript's state,
legs, recordings (with expiry)."""

from __future__ import annotations

import html
import re
import time
from pathlib import Path
from typing import Any

from recbrowser.domain import Call
from recbrowser.ui.common.formatting import clock, local_full, local_time, pending_note, transcript_label

DAY_MS = 86_400_000

# Call.details keys as a supervisor reads them; a key not here is spelled out from its name.
FACT_LABELS = {
    "trunk": "Trunk",
    "queue_wait_s": "Wait in queue",
    "queues": "Queues",
    "recording_pauses": "Recording paused",
    "recording_owner": "Recording owner",
    "recording_created_at": "Recording made",
    "interaction": "Interaction",
    "sentences_by_sentiment": "Sentences by sentiment",
    "intent": "Intent",
    "key_points": "Key points",
    "call_status": "Call outcome",
    "confidence": "Confidence",
    "transferred_to": "Transferred to",
    "transfer_caller_id": "Transfer caller ID",
    "parent_call": "Parent call",
}


def fact_label(key: str) -> str:
    if key in FACT_LABELS:
        return FACT_LABELS[key]
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", key).replace("_", " ").strip().lower()
    return words[:1].upper() + words[1:]


def fact_html(key: str, value: Any) -> str:
    """One fact's value: seconds as a clock, lists one per line, a mapping as "label value"."""
    if key.endswith("_s") and isinstance(value, int | float) and not isinstance(value, bool):
        return html.escape(clock(int(value * 1000)))
    if isinstance(value, list):
        return "<br>".join(fact_html("", v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{html.escape(fact_label(str(k)).lower())} {fact_html(str(k), v)}" for k, v in value.items())
    return html.escape(str(value))


def _row(label: str, value: str) -> str:
    return f"<tr><td style='padding:2px 14px 2px 0; white-space:nowrap'><b>{html.escape(label)}</b></td><td>{value}</td></tr>"


def _e(text: str | None) -> str:
    return html.escape(text or "—")


def expiry_text(expires_ms: int | None, now_ms: int | None = None) -> str:
    if expires_ms is None:
        return ""
    now_ms = now_ms if now_ms is not None else int(time.time() * 1000)
    days = (expires_ms - now_ms) / DAY_MS
    if days < 0:
        return "expired at the provider"
    if days < 1:
        return "expires at the provider today: download it to keep it"
    return f"expires at the provider in {int(days)} day{'s' if int(days) != 1 else ''}"


def details_html(account: str, call: Call, media_paths: dict[str, str]) -> str:
    durations = f"{clock(call.duration_ms)} total"
    parts = [(call.ring_ms, "ringing"), (call.talk_ms, "talking"), (call.hold_ms, "on hold")]
    extra = ", ".join(f"{clock(ms)} {what}" for ms, what in parts if ms)
    rows = [
        _row("Account", _e(account)),
        _row("Call ID", _e(call.provider_id)),
        _row("Started", _e(local_full(call.start_ms))),
        _row("Direction", _e(call.direction)),
        _row("Status", _e(call.status)),
        _row("From", _e(call.from_party.label())),
        _row("To", _e(call.to_party.label())),
        _row("Agent", _e(call.agent)),
        _row("Duration", html.escape(durations + (f" ({extra})" if extra else ""))),
        _row("Transcript", html.escape(transcript_text(call))),
    ]
    # What the provider says about the call: only what it said.
    for label, value in (("Queue", call.queue), ("Department", call.department),
                         ("Sentiment", call.sentiment.capitalize()), ("Provider tags", ", ".join(call.provider_tags)),
                         ("Language", call.language)):
        if value:
            rows.append(_row(label, html.escape(value)))
    rows += [_row(fact_label(key), fact_html(key, value)) for key, value in call.details.items()
             if value not in (None, "", [], {})]
    out = ["<table cellspacing='0'>", *rows, "</table>"]
    if call.summary:
        out.append("<h4>Summary</h4><p>" + html.escape(call.summary).replace("\n", "<br>") + "</p>")
    if call.legs:
        out.append(_legs_html(call))
    out.append("<h4>Recordings</h4>")
    if not call.recordings:
        out.append(f"<p>None: {_e(call.audio_reason or 'the provider gave no reason')}.</p>")
    for rec in call.recordings:
        local = media_paths.get(rec.provider_id)
        where = f"downloaded to {html.escape(local)}" if local else "at the provider"
        expiry = "" if local else expiry_text(rec.expires_ms)
        name = html.escape(rec.file_name or Path(local or "").name or rec.provider_id)
        out.append(
            f"<p>{name} ({clock(rec.duration_ms)}, {html.escape(rec.format or '?')}): {where}"
            + (f"; <b>{html.escape(expiry)}</b>" if expiry else "")
            + "</p>"
        )
    return "".join(out)


def transcript_text(call: Call) -> str:
    """The transcript's state; a pending one says whether syncs still ask for it."""
    if call.transcript_status == "pending" and not call.segments:
        return pending_note(call.start_ms)
    return transcript_label(call.transcript_status)


def _legs_html(call: Call) -> str:
    """The legs, with ringing and hold time and the provider's call type where it gave them."""
    types = any(leg.call_type for leg in call.legs)
    times = [(what, attr) for what, attr in (("Ringing", "ring_ms"), ("On hold", "hold_ms"))
             if any(getattr(leg, attr) is not None for leg in call.legs)]
    # Short cells never wrap (a narrow pane broke "answered" in two); the parties may.
    cell = "<td style='padding-right:10px; white-space:nowrap'>{}</td>"
    heads = ["#", "Started", "From → To", "Status", *(["Type"] if types else []), "Length", *(w for w, _a in times)]
    out = [f"<h4>Legs ({len(call.legs)})</h4><table cellspacing='0'><tr>",
           *(f"<th align='left' style='padding-right:10px; white-space:nowrap'>{h}</th>" for h in heads), "</tr>"]
    for leg in call.legs:
        parties = f"{leg.from_party.label() or '?'} → {leg.to_party.label() or '?'}"
        # The time of day only: the call's own Started row above has the date.
        cells = [str(leg.index), _e(local_time(leg.start_ms)), html.escape(parties), _e(leg.status),
                 *([html.escape(leg.call_type)] if types else []), clock(leg.duration_ms),
                 *(clock(getattr(leg, attr)) if getattr(leg, attr) is not None else "" for _w, attr in times)]
        row = [cell.format(c) for c in cells]
        row[2] = f"<td style='padding-right:10px'>{cells[2]}</td>"
        out.append("<tr>" + "".join(row) + "</tr>")
    out.append("</table>")
    return "".join(out)


def details_text(account: str, call: Call) -> str:
    """Plain text for the clipboard (Copy call details)."""
    lines = [
        f"Call {account}/{call.provider_id}",
        f"Started: {local_full(call.start_ms)}",
        f"Direction: {call.direction}; status: {call.status}",
        f"From: {call.from_party.label()}",
        f"To: {call.to_party.label()}",
        f"Agent: {call.agent or '-'}",
        f"Duration: {clock(call.duration_ms)}",
    ]
    for label, value in (("Queue", call.queue), ("Department", call.department), ("Sentiment", call.sentiment),
                         ("Provider tags", ", ".join(call.provider_tags)), ("Language", call.language)):
        if value:
            lines.append(f"{label}: {value}")
    if call.summary:
        lines += ["", "Summary:", call.summary]
    return "\n".join(lines)
