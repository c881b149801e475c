"""Transcripts as files: TXT (speaker: text, with times), SRT, WebVTT (voice tags) and JSON.

Segments without timing (a provider that gives none) keep their text in TXT and JSON, appear
as NOTE blocks in VTT and are left out of SRT, which has no way to show untimed text.
"""

from __future__ import annotations

import json
from dataclasses import asdict

from recbrowser.domain import Segment

FORMATS = ("txt", "srt", "vtt", "json")
_DEFAULT_CUE_MS = 3000  # a cue with a start but no end stays up this long (or until the next)


def _clock(ms: int, sep: str) -> str:
    h, rest = divmod(max(0, ms), 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, milli = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{milli:03d}"


def _label(seg: Segment) -> str:
    return seg.speaker or seg.role or ""


def _timed(segments: list[Segment]) -> list[tuple[int, int, Segment]]:
    timed = [s for s in segments if s.start_ms is not None]
    out = []
    for i, seg in enumerate(timed):
        start = seg.start_ms or 0
        end = seg.end_ms
        if end is None or end <= start:
            nxt = timed[i + 1].start_ms if i + 1 < len(timed) else None
            end = min(start + _DEFAULT_CUE_MS, nxt) if nxt is not None and nxt > start else start + _DEFAULT_CUE_MS
        out.append((start, end, seg))
    return out


def to_txt(segments: list[Segment], header: list[str] | None = None) -> str:
    lines = list(header or [])
    if lines:
        lines.append("")
    for seg in segments:
        when = f"[{_clock(seg.start_ms, '.')[:-4]}] " if seg.start_ms is not None else "[--:--:--] "
        who = f"{_label(seg)}: " if _label(seg) else ""
        lines.append(f"{when}{who}{' '.join(seg.text.split())}")  # one line per sentence
    return "\n".join(lines) + "\n"


def to_srt(segments: list[Segment]) -> str:
    blocks = []
    for n, (start, end, seg) in enumerate(_timed(segments), 1):
        who = f"{_label(seg)}: " if _label(seg) else ""
        text = (who + seg.text).replace("\r", "").replace("\n\n", "\n")  # a blank line would end the cue
        blocks.append(f"{n}\n{_clock(start, ',')} --> {_clock(end, ',')}\n{text}\n")
    return "\n".join(blocks)


def _vtt_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_vtt(segments: list[Segment]) -> str:
    blocks = ["WEBVTT\n"]
    for seg in segments:
        if seg.start_ms is None:
            blocks.append(f"NOTE untimed: {_vtt_escape(_label(seg) + ': ' if _label(seg) else '')}{_vtt_escape(seg.text).replace('-->', '->')}\n")
    for start, end, seg in _timed(segments):
        text = _vtt_escape(seg.text.replace("\n\n", "\n"))
        speaker = _label(seg).replace(">", "").replace("<", "")
        cue = f"<v {speaker}>{text}" if speaker else text
        blocks.append(f"{_clock(start, '.')} --> {_clock(end, '.')}\n{cue}\n")
    return "\n".join(blocks)


def to_json(segments: list[Segment], meta: dict | None = None) -> str:
    doc = {**(meta or {}), "segments": [asdict(s) for s in segments]}
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def render(fmt: str, segments: list[Segment], *, header: list[str] | None = None, meta: dict | None = None) -> str:
    if fmt == "txt":
        return to_txt(segments, header)
    if fmt == "srt":
        return to_srt(segments)
    if fmt == "vtt":
        return to_vtt(segments)
    if fmt == "json":
        return to_json(segments, meta)
    raise ValueError(f"unknown transcript format {fmt!r}")
