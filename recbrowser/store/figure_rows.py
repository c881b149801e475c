"""The columns of call_figures (schema v7) and the record read from them: shared by the list's
pages (listing.py) and the figures' own reads (figures.py)."""

from __future__ import annotations

from recbrowser.store.records import CallFigures

COLUMNS = ("span_ms", "agent_talk_ms", "caller_talk_ms", "other_talk_ms", "longest_monologue_ms",
            "longest_monologue_by", "silence_ms", "overtalk_count", "overtalk_ms", "hold_ms", "words", "sentiment",
            "from_audio")
SELECT_FIGURES = ", ".join(f"f.{c}" for c in COLUMNS)


def figures_from(values: tuple | list) -> CallFigures | None:
    """A CallFigures from the SELECT_FIGURES columns of a LEFT JOIN (None: none computed)."""
    if values[0] is None:
        return None
    v = dict(zip(COLUMNS, values, strict=True))
    v["from_audio"] = bool(v["from_audio"])
    return CallFigures(**v)
