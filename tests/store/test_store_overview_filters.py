"""What the overview's clicks ask of the cache: the calls of one agent, of one duration range (as
listed and as counted), and the report in two answers (the calls per day first)."""

from __future__ import annotations

from collections import Counter

import pytest
from support.store_helpers import all_calls
from support.ui_helpers import fill

from recbrowser.store import CallFilter, Store


@pytest.fixture
def filled(store: Store) -> Store:
    fill(store, 700)
    return store


def listed(store: Store, f: CallFilter) -> set[str]:
    rows, cursor = store.list_calls(f, limit=50)
    while cursor is not None:  # page by page, as the list reads them
        more, cursor = store.list_calls(f, after=cursor, limit=50)
        rows += more
    return {r.ref for r in rows}


def test_an_agent_lists_and_counts_exactly_their_calls(filled):
    every = all_calls(filled)
    theirs = {r.ref for r in every if r.agent == "Agent 3"}
    f = CallFilter(agent="Agent 3")
    assert 50 < len(theirs) < len(every)
    assert listed(filled, f) == theirs and filled.count_calls(f) == len(theirs)
    assert filled.count_calls(CallFilter(agent="Nobody")) == 0


@pytest.mark.parametrize(("low", "high"), [(None, 30_000), (60_000, 120_000), (300_000, None)])
def test_a_duration_range_lists_and_counts_exactly_its_calls(filled, low, high):
    every = all_calls(filled)
    inside = {r.ref for r in every if r.duration_ms is not None and (low is None or r.duration_ms >= low)
              and (high is None or r.duration_ms < high)}
    f = CallFilter(duration_from_ms=low, duration_under_ms=high, sort="duration")
    assert 0 < len(inside) < len(every)
    assert listed(filled, f) == inside and filled.count_calls(f) == len(inside)


def test_the_report_comes_in_two_answers_the_days_first(filled):
    first, whole = filled.report_in_parts(CallFilter(status="missed"))
    missed = [r for r in all_calls(filled) if r.status == "missed"]
    assert first.calls == whole.calls == len(missed) and first.agents == [] and first.durations == []
    assert first.days == whole.days and sum(d.calls for d in first.days) == len(missed)
    assert {a.agent: a.calls for a in whole.agents} == Counter(r.agent for r in missed)
    assert whole == filled.report(CallFilter(status="missed"))
