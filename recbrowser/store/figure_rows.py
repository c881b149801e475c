"""The columns of call_figures (schema v8) and the record read from them: shared by the list's
pages (listing.py) and the figures' own reads (figures.py)."""

from __future__ import annotations

from recbrowser.store.records import CallFigures

COLUMNS = ("span_ms", "agent_talk_ms", "caller_talk_ms", "other_talk_ms", "longest_monologue_ms",
            "longest_monologue_by", "silence_ms", "overtalk_count", "overtalk_ms", "hold_ms", "words", "from_audio")
# The figures' sentiment is the provider's, on the call's own row (schema v7): read with a join.
SELECT_FIGURES = ", ".join(f"f.{c}" for c in COLUMNS) + ", c.sentiment"


def figures_from(values: tuple | list) -> CallFigures | None:
    """A CallFigures from the SELECT_FIGURES columns of a LEFT JOIN (None: none computed)."""
    if values[0] is None:
        return None
    v = dict(zip(COLUMNS, values[:-1], strict=True))
    v["from_audio"] = bool(v["from_audio"])
    return CallFigures(**v, sentiment=values[-1] or "")
