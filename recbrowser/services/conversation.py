"""How a call's conversation went, from its transcript's sentence timings and, once the recording
is downloaded, its silence map: talk per party, the longest monologue, silence, overtalk, hold,
words per minute, and the provider's sentiment where it gives one.

Definitions (what the figures, filters and report mean):
- A party is the sentence's role ("agent", "caller"); a sentence without one counts for its
  speaker ("other" talk). A party's talk time is the union of its sentences' spans.
- Overtalk: two parties speaking at once for OVERTALK_MIN_MS or more (shorter overlaps are the
  providers' timing jitter); its count is the number of such stretches.
- Silence: nobody speaking for SILENCE_MIN_MS or longer, holds left out. From the transcript,
  the gaps between sentences (and before the first and after the last); from the audio, the
  recording's silence map (services/waveform.py), which also sees a pause inside a sentence.
- The longest monologue: one party's turns back to back, no other party speaking between
  them and no gap of SILENCE_MIN_MS or more; from its first word to its last.
- Words per minute: the words said over the parties' talk time.
- Hold: the provider's hold time when it gives one, else its hold pauses' lengths.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from recbrowser.domain import Call, Segment
from recbrowser.store.records import CallFigures

if TYPE_CHECKING:
    from recbrowser.services.waveform import Silence
    from recbrowser.store.api import CallStore, FigureStore
    from recbrowser.store.records import MediaFile

log = logging.getLogger("recbrowser.conversation")

SILENCE_MIN_MS = 2000
OVERTALK_MIN_MS = 250

Span = tuple[int, int]


def union(spans: Iterable[Span]) -> list[Span]:
    """The spans merged where they touch or overlap, in order (also the strip's, ui/player/strip_data.py)."""
    out: list[Span] = []
    for s, e in sorted(spans):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def _length(spans: Iterable[Span]) -> int:
    return sum(e - s for s, e in spans)


def _intersect(a: list[Span], b: list[Span]) -> list[Span]:
    out, i, j = [], 0, 0
    while i < len(a) and j < len(b):
        s, e = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if s < e:
            out.append((s, e))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


def minus(spans: list[Span], cut: list[Span]) -> list[Span]:
    """What of `spans` lies outside every span of `cut`."""
    out = []
    for s, e in spans:
        pieces = [(s, e)]
        for cs, ce in cut:
            pieces = [p for ps, pe in pieces for p in ((ps, min(pe, cs)), (max(ps, ce), pe)) if p[0] < p[1]]
        out += pieces
    return out


def party(seg: Segment) -> str:
    return seg.role if seg.role in ("agent", "caller") else (seg.speaker or "other")


def hold_spans(call: Call) -> list[Span]:
    """Holds as offsets into the recording, where the provider says where they were."""
    out = []
    for p in (call.raw or {}).get("pauses") or []:
        if isinstance(p, dict) and str(p.get("reason", "")).lower() == "hold":
            at, length = p.get("offset_ms"), p.get("length_ms")
            if isinstance(at, int) and isinstance(length, int) and length > 0:
                out.append((at, at + length))
    return union(out)


def hold_ms(call: Call) -> int | None:
    if call.hold_ms is not None:
        return call.hold_ms
    pauses = [p for p in (call.raw or {}).get("pauses") or [] if isinstance(p, dict)
              and str(p.get("reason", "")).lower() == "hold" and isinstance(p.get("length_ms"), int)]
    return sum(p["length_ms"] for p in pauses) if pauses else None


def sentiment(call: Call) -> str:
    """The provider's word for the call's sentiment, as its mapper read it (Call.sentiment, kept
    in the calls' own sentiment column): the figures do not guess one of their own."""
    return call.sentiment


def _span_ms(call: Call, last_end: int) -> int:
    lengths = [r.duration_ms for r in call.recordings if r.duration_ms]
    known = lengths[0] if len(lengths) == 1 else call.duration_ms or 0
    return max(known, last_end)


def figures(call: Call, silence: list[Silence] | None = None, audio_ms: int | None = None) -> CallFigures | None:
    """The call's figures; None without a transcript that has sentence timings. `silence`: the
    recording's silence map (from its peaks, with `audio_ms` its length) for a downloaded one."""
    timed = [s for s in call.segments or [] if s.start_ms is not None and s.end_ms is not None and s.end_ms > s.start_ms]
    if not timed:
        return None
    by_party: dict[str, list[Span]] = {}
    for s in timed:
        by_party.setdefault(party(s), []).append((s.start_ms, s.end_ms))
    talk = {p: union(spans) for p, spans in by_party.items()}
    speech = union(sp for spans in talk.values() for sp in spans)
    span = max(audio_ms or 0, _span_ms(call, speech[-1][1]))
    holds = hold_spans(call)

    overlaps: list[Span] = []
    parties = sorted(talk)
    for i, a in enumerate(parties):
        for b in parties[i + 1:]:
            overlaps += _intersect(talk[a], talk[b])
    overtalk = [o for o in union(overlaps) if o[1] - o[0] >= OVERTALK_MIN_MS]

    if silence is not None:
        quiet = [(q.start_ms, q.end_ms) for q in silence]
    else:
        edges = [0, *(x for sp in speech for x in sp), span]
        quiet = [(edges[i], edges[i + 1]) for i in range(0, len(edges), 2) if edges[i + 1] > edges[i]]
    quiet = [q for q in minus(quiet, holds) if q[1] - q[0] >= SILENCE_MIN_MS]

    longest, longest_by = _longest_monologue(timed)
    other = sum(_length(v) for p, v in talk.items() if p not in ("agent", "caller"))
    return CallFigures(
        span_ms=span,
        agent_talk_ms=_length(talk.get("agent", [])),
        caller_talk_ms=_length(talk.get("caller", [])),
        other_talk_ms=other,
        longest_monologue_ms=longest,
        longest_monologue_by=longest_by,
        silence_ms=_length(quiet),
        overtalk_count=len(overtalk),
        overtalk_ms=_length(overtalk),
        hold_ms=hold_ms(call),
        words=sum(len(s.text.split()) for s in timed),
        sentiment=sentiment(call),
        from_audio=silence is not None,
    )


def _longest_monologue(timed: list[Segment]) -> tuple[int, str]:
    best, best_by = 0, ""
    start = end = None
    who = ""
    for s in sorted(timed, key=lambda s: (s.start_ms, s.end_ms)):
        p = party(s)
        if start is not None and p == who and s.start_ms - end < SILENCE_MIN_MS:
            end = max(end, s.end_ms)
        else:
            if start is not None and p != who and s.start_ms < end:
                end = s.start_ms  # interrupted: the monologue ends where the other party cuts in
            if start is not None and end - start > best:
                best, best_by = end - start, who
            start, end, who = s.start_ms, s.end_ms, p
    if start is not None and end - start > best:
        best, best_by = end - start, who
    return best, best_by


FIGURE_METHODS = ("save_figures", "call_figures", "report", "report_in_parts")


def figure_store(store: CallStore) -> FigureStore | None:
    """The store as a FigureStore when it keeps conversation figures (the SQLite cache, and the
    team archive from its schema v3), None when it does not."""
    return store if all(callable(getattr(store, m, None)) for m in FIGURE_METHODS) else None  # type: ignore[return-value]


def save_for_calls(store: CallStore, account_id: int, calls: Iterable[Call]) -> int:
    """Compute and keep the figures of the calls whose transcript came with this page (calls
    without one keep theirs). Returns how many were saved. On the team archive `team serve`
    does this, as sync does on one desktop."""
    keeper = figure_store(store)
    if keeper is None:
        return 0
    found = {}
    for call in calls:
        if call.segments:
            fig = figures(call)
            if fig is not None:
                found[call.provider_id] = fig
    keeper.save_figures(account_id, found)
    return len(found)


def refresh_from_audio(store: CallStore, account_name: str, call: Call, peaks_folder: Path,
                       media: list[MediaFile] | None = None) -> CallFigures | None:
    """The call's figures with the silence from its downloaded recording (its first, when it has
    several), kept in the store; the transcript's when the media is not there or cannot be read.
    `media`: this desktop's copies of the call's recordings (team/media_cache.desktop_copies: on a
    team archive the store records object keys), else the store's own records."""
    from recbrowser.errors import UserFacingError
    from recbrowser.services import media_check, waveform

    account = store.account(account_name)
    if media is None:
        media = store.media_for_call(account_name, call.provider_id)
    media = [m for m in media if media_check.intact(m)]
    silence = audio_ms = None
    if media and len(call.recordings) <= 1:
        try:
            peaks = waveform.peaks_for(Path(media[0].path), media[0].sha256, peaks_folder)
            silence, audio_ms = waveform.silences(peaks, min_ms=SILENCE_MIN_MS), peaks.duration_ms
        except UserFacingError as e:
            log.info("no silence map for %s/%s: %s", account_name, call.provider_id, e)
    fig = figures(call, silence, audio_ms)
    keeper = figure_store(store)
    if fig is not None and account is not None and account.id is not None and keeper is not None:
        try:
            keeper.save_figures(account.id, {call.provider_id: fig})
        except UserFacingError as e:  # a supervisor's login on the team archive only reads figures
            log.info("figures of %s/%s from the audio not kept: %s", account_name, call.provider_id, e)
    return fig


def kept_figures(store: CallStore, account_name: str, provider_id: str) -> CallFigures | None:
    """The figures the store keeps for the call (None: none computed, or a store that keeps none)."""
    keeper = figure_store(store)
    return keeper.call_figures(account_name, provider_id) if keeper is not None else None


def _share(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def as_json(f: CallFigures | None) -> dict[str, Any] | None:
    """The figures as `calls --json`, `show --json` and the export manifest print them."""
    if f is None:
        return None
    return {
        "span_ms": f.span_ms,
        "talk_ms": {"agent": f.agent_talk_ms, "caller": f.caller_talk_ms, "other": f.other_talk_ms},
        "agent_talk_share": _share(f.agent_talk_share),
        "caller_talk_share": _share(f.caller_talk_share),
        "longest_monologue_ms": f.longest_monologue_ms,
        "longest_monologue_by": f.longest_monologue_by,
        "silence_ms": f.silence_ms,
        "silence_share": _share(f.silence_share),
        "silence_from": "audio" if f.from_audio else "transcript",
        "overtalk_count": f.overtalk_count,
        "overtalk_ms": f.overtalk_ms,
        "hold_ms": f.hold_ms,
        "words": f.words,
        "words_per_minute": None if f.words_per_minute is None else round(f.words_per_minute, 1),
        "sentiment": f.sentiment or None,
    }


def text_lines(f: CallFigures | None) -> list[str]:
    """The figures for `show`: a few lines a supervisor reads."""
    if f is None:
        return ["Conversation: no figures (the transcript has no sentence timings)"]

    def pct(v: float | None) -> str:
        return "-" if v is None else f"{100 * v:.0f} %"

    def sec(ms: int | None) -> str:
        return "unknown" if ms is None else f"{ms / 1000:.1f} s"

    wpm = "-" if f.words_per_minute is None else f"{f.words_per_minute:.0f}"
    lines = [
        "Conversation",
        f"  talk      agent {pct(f.agent_talk_share)}, caller {pct(f.caller_talk_share)}"
        + (f", others {sec(f.other_talk_ms)}" if f.other_talk_ms else ""),
        f"  silence   {pct(f.silence_share)} ({sec(f.silence_ms)}, from the {'audio' if f.from_audio else 'transcript'})",
        f"  overtalk  {f.overtalk_count} times, {sec(f.overtalk_ms)}",
        f"  longest monologue {sec(f.longest_monologue_ms)} ({f.longest_monologue_by or '-'})",
        f"  hold      {sec(f.hold_ms)}",
        f"  pace      {wpm} words a minute",
    ]
    if f.sentiment:
        lines.append(f"  sentiment {f.sentiment}")
    return lines
