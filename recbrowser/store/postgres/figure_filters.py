"""The call list's filters on conversation figures (call_figures, schema v3), for listing.py's
WHERE: apart from figures.py, which reads the list's filters for the report."""

from __future__ import annotations

from typing import Any

from recbrowser.store.records import CallFilter


def filter_clauses(f: CallFilter) -> tuple[list[str], list[Any]]:
    """The filter bar's figure filters over `calls c`: calls whose share is over a percent
    (calls without figures never match, as in the SQLite cache). A probe of call_figures' key
    per call the page's index walk meets."""
    clauses: list[str] = []
    params: list[Any] = []
    for column, value in (("silence_pct", f.silence_over), ("agent_talk_pct", f.agent_talk_over)):
        if value is not None:
            clauses.append(f"EXISTS (SELECT 1 FROM call_figures f WHERE f.account_id = c.account_id AND f.call_id = c.id "
                           f"AND f.{column} > %s)")
            params.append(float(value))
    return clauses, params
