"""What one recording's waveform strip and speaker lanes show, worked out without Qt.

A lane per speaker of that recording (from the transcript's sentence timings), or, for a stereo
recording, one lane per channel: the first channel is the far party (the caller), the second our
side (the agent), as the providers that record in stereo lay them out (providers/bandwidth_map.py).
Holds come from the provider, overtalk from the sentence timings, and silences from the audio's
silence map (services/waveform.py) once the recording is downloaded, from the transcript's gaps
before that.
"""

from __future__ import annotations

import array
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from recbrowser.domain import Call
from recbrowser.services.conversation import OVERTALK_MIN_MS, SILENCE_MIN_MS, minus, party, union
from recbrowser.services.recording_timeline import RecordingTimeline

if TYPE_CHECKING:
    from recbrowser.services.waveform import Peaks
    from recbrowser.store.records import Note

Span = tuple[int, int]

try:  # C speed for a pixel's min/max, as services/waveform.py; gone from Python 3.13 on
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from audioop import minmax as _minmax
except ImportError:  # pragma: no cover
    _minmax = None


@dataclass(frozen=True)
class Lane:
    label: str
    speaker: str  # the transcript's speaker name: the lane takes its colour
    channel: int | None = None  # a stereo recording's channel this lane is


@dataclass(frozen=True)
class Block:
    start_ms: int
    end_ms: int
    lane: int
    speaker: str
    text: str


@dataclass
class StripData:
    duration_ms: int
    lanes: list[Lane] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    holds: list[Span] = field(default_factory=list)
    silences: list[Span] = field(default_factory=list)
    overtalk: list[Span] = field(default_factory=list)
    notes: list[tuple[int, str]] = field(default_factory=list)
    peaks: Peaks | None = None
    audio_silences: list[Span] = field(default_factory=list)  # the audio's silence map, holds included: skip silence


def overtalk(talk: dict[str, list[Span]], min_ms: int = OVERTALK_MIN_MS) -> list[Span]:
    """Where two or more parties speak at once for at least `min_ms` (services/conversation.py)."""
    edges = sorted((t, d) for spans in talk.values() for s, e in union(spans) for t, d in ((s, 1), (e, -1)))
    out, speaking, since = [], 0, 0
    for t, d in edges:  # ends (-1) sort before starts at the same moment: touching turns do not overlap
        if d > 0 and speaking == 1:
            since = t
        elif d < 0 and speaking == 2 and t - since >= min_ms:
            out.append((since, t))
        speaking += d
    return union(out)


def holds_of(call: Call, recording: int) -> list[Span]:
    """The provider's hold pauses in that recording (a pause names its recording when a call has several)."""
    rec_id = call.recordings[recording].provider_id if 0 <= recording < len(call.recordings) else ""
    out = []
    for p in (call.raw or {}).get("pauses") or []:
        if not isinstance(p, dict) or str(p.get("reason", "")).lower() != "hold":
            continue
        if p.get("recording", rec_id) != rec_id and len(call.recordings) > 1:
            continue
        at, length = p.get("offset_ms"), p.get("length_ms")
        if isinstance(at, int) and isinstance(length, int) and length > 0:
            out.append((at, at + length))
    return union(out)


def build(call: Call, recording: int, *, timeline: RecordingTimeline | None = None, notes: list[Note] | None = None,
          peaks: Peaks | None = None, audio_silences: list[Span] | None = None,
          silence_min_ms: int = SILENCE_MIN_MS) -> StripData:
    """The strip of `call.recordings[recording]` (the call's transcript when it has no recording).
    `audio_silences`: the silence map of `peaks` when already read (a worker does that, it takes
    a pass over every bucket)."""
    timeline = timeline or RecordingTimeline(call)
    mine: list[tuple[int, int, str, str, str]] = []  # start, end, party, speaker, text
    for seg in call.segments or []:
        if seg.start_ms is None or seg.end_ms is None or seg.end_ms <= seg.start_ms:
            continue
        place = timeline.place_of(seg)
        if (place.recording if place is not None else 0) != recording:
            continue
        start = place.offset_ms if place is not None else seg.start_ms
        mine.append((start, start + seg.end_ms - seg.start_ms, party(seg), seg.speaker, seg.text))

    rec = call.recordings[recording] if 0 <= recording < len(call.recordings) else None
    last_end = max((m[1] for m in mine), default=0)
    known = peaks.duration_ms if peaks is not None and peaks.buckets else (rec.duration_ms if rec and rec.duration_ms else 0)
    duration = max(known or (call.duration_ms if len(call.recordings) <= 1 else 0) or 0, last_end, 1)

    lanes, lane_of = _lanes(mine, peaks)
    blocks = [Block(s, e, lane_of(p, spk), spk, text) for s, e, p, spk, text in mine]
    talk: dict[str, list[Span]] = {}
    for s, e, p, _spk, _t in mine:
        talk.setdefault(p, []).append((s, e))
    holds = holds_of(call, recording)
    heard: list[Span] = []
    if peaks is not None and peaks.buckets:
        if audio_silences is None:
            audio_silences = silence_map(peaks, silence_min_ms)
        quiet = heard = list(audio_silences)
    else:
        speech = union([(s, e) for s, e, *_ in mine])
        edges = [0, *(x for sp in speech for x in sp), duration]
        quiet = [(edges[i], edges[i + 1]) for i in range(0, len(edges), 2) if edges[i + 1] > edges[i]] if mine else []
    quiet = [q for q in minus(quiet, holds) if q[1] - q[0] >= silence_min_ms]
    marks = sorted((n.offset_ms, n.text) for n in notes or [] if n.offset_ms is not None) if recording == 0 else []
    return StripData(duration, lanes, blocks, holds, quiet, overtalk(talk), marks, peaks, heard)


def silence_map(peaks: Peaks, min_ms: int = SILENCE_MIN_MS) -> list[Span]:
    """The recording's silences of `min_ms` or more, from its peaks (one pass over them)."""
    from recbrowser.services.waveform import silences

    return [(q.start_ms, q.end_ms) for q in silences(peaks, min_ms=min_ms)]


def _lanes(mine: list[tuple[int, int, str, str, str]], peaks: Peaks | None):
    speakers: dict[str, str] = {}  # party -> the first speaker name heard for it
    for _s, _e, p, spk, _t in sorted(mine):
        speakers.setdefault(p, spk or p)
    if peaks is not None and peaks.channels == 2:
        # Stereo: the channels are the lanes, far party (caller) first, our side (agent) second.
        lanes = [Lane(f"{short(speakers.get('caller', 'Caller'))} · left", speakers.get("caller", "caller"), 0),
                 Lane(f"{short(speakers.get('agent', 'Agent'))} · right", speakers.get("agent", "agent"), 1)]
        others = [p for p in speakers if p not in ("caller", "agent")]
        order = {"caller": 0, "agent": 1, **{p: i % 2 for i, p in enumerate(others)}}
        return lanes, lambda p, _spk: order.get(p, 0)
    order = {p: i for i, p in enumerate(speakers)}
    lanes = [Lane(short(spk) or p, spk) for p, spk in speakers.items()]
    return lanes, lambda p, _spk: order[p]


def short(speaker: str) -> str:
    """A lane's name: "Anna Schmidt" of "Anna Schmidt <201>" (the tooltip has it whole)."""
    name = speaker.split(" <", 1)[0].strip()
    return name or speaker


def envelope(peaks: Peaks, start_ms: float, end_ms: float, width: int, channel: int | None = None) -> list[tuple[int, int]]:
    """(min, max) of the samples under each of `width` pixels between start_ms and end_ms; one
    channel, or the loudest of every channel. Pixels past the recording's end are (0, 0)."""
    values, stride = _interleaved(peaks, channel)
    per_ms = 1 / peaks.bucket_ms
    n = peaks.buckets
    step = (end_ms - start_ms) / max(1, width)
    out = []
    view = memoryview(values).cast("B") if _minmax is not None else None
    for x in range(width):
        a = int((start_ms + x * step) * per_ms)
        b = max(a + 1, int((start_ms + (x + 1) * step) * per_ms))
        if a >= n or b <= 0:
            out.append((0, 0))
            continue
        a, b = max(0, a), min(n, b)
        if view is not None:  # one C call: the mins and maxs of these buckets lie side by side
            out.append(_minmax(view[2 * stride * a:2 * stride * b], 2))
        else:  # pragma: no cover - Python 3.13+
            chunk = values[stride * a:stride * b]
            out.append((min(chunk), max(chunk)))
    return out


_packed: dict[tuple[int, int | None], tuple[Peaks, array.array, int]] = {}


def _interleaved(peaks: Peaks, channel: int | None) -> tuple[array.array, int]:
    """Min, max, min, max... for every bucket (of one channel, or of all side by side), made
    once per peaks: what a frame reads."""
    key = (id(peaks), channel)
    kept = _packed.get(key)
    if kept is not None and kept[0] is peaks:
        return kept[1], kept[2]
    channels = range(peaks.channels) if channel is None else (channel,)
    stride = 2 * len(channels)
    values = array.array("h", bytes(2 * stride * peaks.buckets))
    for i, c in enumerate(channels):
        values[2 * i::stride] = peaks.mins[c]
        values[2 * i + 1::stride] = peaks.maxs[c]
    if len(_packed) > 16:  # a few calls' worth
        _packed.clear()
    _packed[key] = (peaks, values, stride)
    return values, stride
