"""The call's details as HTML: parties, times, durations, legs, recordings (with expiry)."""

from __future__ import annotations

import html
import time
from pathlib import Path

from recbrowser.domain import Call
from recbrowser.ui.common.formatting import clock, local_full

DAY_MS = 86_400_000


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
    ]
    out = ["<table cellspacing='0'>", *rows, "</table>"]
    if len(call.legs) > 1 or call.legs:
        out.append(f"<h4>Legs ({len(call.legs)})</h4><table cellspacing='0'>")
        out.append(
            "<tr><th align='left'>#</th><th align='left'>Started</th><th align='left'>From → To</th>"
            "<th align='left'>Status</th><th align='left'>Length</th></tr>"
        )
        for leg in call.legs:
            parties = f"{leg.from_party.label() or '?'} → {leg.to_party.label() or '?'}"
            out.append(
                f"<tr><td style='padding-right:10px'>{leg.index}</td><td style='padding-right:10px'>{_e(local_full(leg.start_ms))}</td>"
                f"<td style='padding-right:10px'>{html.escape(parties)}</td><td style='padding-right:10px'>{_e(leg.status)}</td>"
                f"<td>{clock(leg.duration_ms)}</td></tr>"
            )
        out.append("</table>")
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
    if call.summary:
        lines += ["", "Summary:", call.summary]
    return "\n".join(lines)
