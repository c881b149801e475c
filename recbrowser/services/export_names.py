"""File names for exported calls: a user template over every call field, made safe and unique.

The default reads `2026-05-09_143000_inbound_+4930123_201_yeastar_1715...`. Each call field can be
used; times are in the user's zone (or the one asked for). The rendered name is then sanitised
for Windows, macOS and Linux (reserved names, illegal characters, length, no `../`).
"""

from __future__ import annotations

import string
from datetime import datetime, tzinfo
from typing import Any

from recbrowser.domain import Call, call_ref
from recbrowser.errors import UserFacingError
from recbrowser.filenames import safe_filename, unique_name

DEFAULT_TEMPLATE = "{start:%Y-%m-%d_%H%M%S}_{direction}_{from}_{to}_{provider}_{call_id}"
# Names the export itself writes at the top of the destination: no call may take them.
RESERVED_STEMS = {"manifest"}


def local_time(ms: int | None, tz: tzinfo | None) -> datetime | None:
    if ms is None:
        return None
    moment = datetime.fromtimestamp(ms / 1000, tz) if tz else datetime.fromtimestamp(ms / 1000).astimezone()
    return moment


def call_fields(call: Call, account: str, provider: str, tz: tzinfo | None) -> dict[str, Any]:
    """Every field a template (and the manifest) can use, keyed by its template name."""
    start = local_time(call.start_ms, tz)
    end = local_time(call.start_ms + call.duration_ms, tz) if call.duration_ms is not None else None
    return {
        "start": start,
        "end": end if end is not None else start,
        "date": start.strftime("%Y-%m-%d") if start else "",
        "time": start.strftime("%H%M%S") if start else "",
        "direction": call.direction,
        "from": call.from_party.number,
        "from_name": call.from_party.name,
        "to": call.to_party.number,
        "to_name": call.to_party.name,
        "agent": call.agent,
        "status": call.status,
        "duration": round(call.duration_ms / 1000) if call.duration_ms is not None else 0,
        "duration_ms": call.duration_ms or 0,
        "talk": round(call.talk_ms / 1000) if call.talk_ms is not None else 0,
        "ring": round(call.ring_ms / 1000) if call.ring_ms is not None else 0,
        "hold": round(call.hold_ms / 1000) if call.hold_ms is not None else 0,
        "provider": provider,
        "account": account,
        "call_id": call.provider_id,
        "ref": call_ref(account, call.provider_id),
        "recording_id": call.recordings[0].provider_id if call.recordings else "",
        "transcript_status": call.transcript_status,
        "has_audio": "audio" if call.has_audio else "no-audio",
        "legs": len(call.legs),
    }


FIELD_NAMES = tuple(call_fields(Call(provider_id="x", start_ms=0), "a", "p", None))


def check_template(template: str) -> None:
    """Refuse a template with unknown fields or broken braces before any file is written."""
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as e:
        raise UserFacingError(f"The file-name template {template!r} is not valid ({e}); use e.g. {DEFAULT_TEMPLATE}.") from None
    for _, name, _, _ in parsed:
        if name is not None and name not in FIELD_NAMES:
            raise UserFacingError(
                f"The file-name template has an unknown field {{{name}}}; the fields are: {', '.join(FIELD_NAMES)}."
            )
    sample = Call(provider_id="x", start_ms=0)
    try:
        template.format_map(call_fields(sample, "a", "p", None))
    except (ValueError, TypeError) as e:
        raise UserFacingError(f"The file-name template {template!r} cannot be applied: {e}.") from None


def render_stem(template: str, fields: dict[str, Any], fallback: str) -> str:
    """The template filled in and made into one safe path component (no extension)."""
    text = template.format_map(fields)
    text = text.replace("/", "_").replace("\\", "_")  # a field may hold a slash: never a folder
    text = text.strip(" .")  # leading dots hide files, trailing ones Windows drops
    if not text:
        return fallback
    # A dummy extension keeps dots inside the name (e.g. "Dr. Who") from being read as one.
    safe = safe_filename(text + ".x", fallback=fallback)
    stem = safe[:-2] if safe.endswith(".x") else safe
    if stem.lower() in RESERVED_STEMS:
        stem = f"_{stem}"
    return stem or fallback


def unique_stem(stem: str, taken: set[str]) -> str:
    """`stem` or `stem (2)`... compared case-insensitively; `taken` holds lower-cased stems."""
    if stem.lower() not in taken:
        return stem
    return unique_name(stem + ".x", {t + ".x" for t in taken})[:-2]
