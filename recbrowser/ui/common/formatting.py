"""How calls read on screen: local times, durations, audio and transcript states."""

from __future__ import annotations

from datetime import datetime

from recbrowser import retention
from recbrowser.cli.format import clock, party_label, pending_note

__all__ = ["clock", "party_label", "pending_note", "local_datetime", "local_time", "local_short", "local_full", "audio_state", "transcript_label", "tz_name"]


def local_datetime(ms: int | None) -> str:
    """Start times in the supervisor's own zone (the OS setting), never the PBX's."""
    if ms is None:
        return ""
    return datetime.fromtimestamp(ms / 1000).astimezone().strftime("%Y-%m-%d %H:%M")


def local_time(ms: int | None) -> str:
    """Time of day only, for the legs under a call (their date is the call's)."""
    if ms is None:
        return ""
    return datetime.fromtimestamp(ms / 1000).astimezone().strftime("%H:%M:%S")


def local_short(ms: int | None) -> str:
    """Compact, for narrow places: "22 Nov 04:15" this year, "22 Nov 2025" before."""
    if ms is None:
        return ""
    when = datetime.fromtimestamp(ms / 1000).astimezone()
    return when.strftime("%d %b %H:%M" if when.year == datetime.now().year else "%d %b %Y")


def local_full(ms: int | None) -> str:
    if ms is None:
        return ""
    return datetime.fromtimestamp(ms / 1000).astimezone().strftime("%a %d %b %Y, %H:%M:%S %Z")


def tz_name() -> str:
    return datetime.now().astimezone().strftime("%Z (UTC%z)")


def audio_state(row) -> tuple[str, str]:
    """(label, tooltip). The tooltip always answers "where is my recording?"."""
    label = retention.audio_label(row.has_audio, row.downloaded, row.expires_ms)
    if row.downloaded:
        return label, "The recording is in the local cache: it plays even if the provider purges it."
    if label == "expired":
        return label, f"The provider deleted the recording on {local_full(row.expires_ms)}; no local copy was made."
    if row.has_audio:
        gone = f" The provider deletes it on {local_full(row.expires_ms)}: download it to keep it." if row.expires_ms else ""
        return label, f"The recording is at the provider; playing it downloads it first.{gone}"
    reason = row.audio_reason or "the provider gave no reason"
    return "none", f"No recording: {reason}."


TRANSCRIPT_LABELS = {"available": "yes", "pending": "pending", "none": "none"}


def transcript_label(status: str) -> str:
    return TRANSCRIPT_LABELS.get(status, status)


def rate_label(rate: float) -> str:
    return f"{rate:g}x"
