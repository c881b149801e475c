"""Conversation figures per call (call_figures, schema v8) and the report's aggregates.

The report is three GROUP BYs over the calls a filter selects: calls per UTC day, account and
status walk calls_report_days in its own order (no sort, no table row); per agent and duration
bin walk the covering calls_report_agents once, the silence share (kept on the call's row as well
as in call_figures for this) and the provider's sentiment (the call's own column) included.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from recbrowser.store.figure_rows import COLUMNS as _COLUMNS
from recbrowser.store.figure_rows import SELECT_FIGURES, figures_from
from recbrowser.store.listing import where_sql
from recbrowser.store.records import AgentSummary, CallFigures, CallFilter, CallReport, DayCount, DurationBin

DAY_MS = 86_400_000

# Bins of the duration distribution: (label, low, high) in ms; high None: open-ended.
DURATION_BINS = (("under 30 s", 0, 30_000), ("30 s - 1 min", 30_000, 60_000), ("1 - 2 min", 60_000, 120_000),
                 ("2 - 5 min", 120_000, 300_000), ("5 - 10 min", 300_000, 600_000),
                 ("10 - 30 min", 600_000, 1_800_000), ("30 min or more", 1_800_000, None))


def save_figures(conn: sqlite3.Connection, account_id: int, figures: dict[str, CallFigures]) -> None:
    now = int(time.time() * 1000)
    rows = []
    for provider_id, f in figures.items():
        agent_pct = None if f.agent_talk_share is None else 100 * f.agent_talk_share
        silence_pct = None if f.silence_share is None else 100 * f.silence_share
        rows.append((account_id, provider_id, *(getattr(f, c) for c in _COLUMNS[:-1]), int(f.from_audio),
                     agent_pct, silence_pct, now))
    columns = ", ".join(_COLUMNS)
    conn.executemany("UPDATE calls SET silence_pct = ? WHERE account_id = ? AND provider_id = ?",
                     [(r[-2], r[0], r[1]) for r in rows])
    conn.executemany(
        f"INSERT OR REPLACE INTO call_figures (call_id, {columns}, agent_talk_pct, silence_pct, computed_ms) "
        f"SELECT c.id, {', '.join('?' * (len(_COLUMNS) + 3))} FROM calls c WHERE c.account_id = ? AND c.provider_id = ?",
        [(*r[2:], r[0], r[1]) for r in rows],
    )


def call_figures(conn: sqlite3.Connection, account_name: str, provider_id: str) -> CallFigures | None:
    row = conn.execute(
        f"SELECT {SELECT_FIGURES} FROM call_figures f JOIN calls c ON c.id = f.call_id "
        "JOIN accounts a ON a.id = c.account_id WHERE a.name = ? AND c.provider_id = ?",
        (account_name, provider_id),
    ).fetchone()
    return figures_from(row) if row else None


def report(conn: sqlite3.Connection, f: CallFilter) -> CallReport:
    *_, whole = report_in_parts(conn, f)
    return whole


def report_in_parts(conn: sqlite3.Connection, f: CallFilter) -> Iterator[CallReport]:
    """The calls per day first (the quick walk), then the whole report: the overview draws its
    first chart while the per-agent walk runs. The caller holds one snapshot over both."""
    # Sorted "by duration" for where_sql: the filter's value columns get the unary + that keeps
    # the planner on the report's covering indexes (an account's index would read every row).
    where = where_sql(conn, replace(f, sort="duration"))
    if where is None:
        yield CallReport(0, [], [], [DurationBin(label, lo, hi, 0) for label, lo, hi in DURATION_BINS])
        return
    sql, params = where
    names = dict(conn.execute("SELECT id, name FROM accounts"))
    days: list[DayCount] = []
    total = 0
    for day, account_id, status, n in conn.execute(
            f"SELECT c.start_ms / {DAY_MS}, c.account_id, c.status, count(*) FROM calls c{sql} GROUP BY 1, 2, 3", params):
        when = datetime.fromtimestamp(day * DAY_MS / 1000, UTC).date().isoformat()
        days.append(DayCount(when, names.get(account_id, ""), status, n))
        total += n
    days.sort(key=lambda d: (d.day, d.account, d.status))
    yield CallReport(total, days, [], [])
    agents, durations = _agents_and_durations(conn, sql, params)
    yield CallReport(total, days, agents, durations)


def _agents_and_durations(conn: sqlite3.Connection, sql: str, params: list[Any]) -> tuple[list[AgentSummary], list[DurationBin]]:
    # One walk of calls_report_agents (covering: no table row is read), grouped by agent,
    # duration bin and sentiment (a few hundred groups), added up here. One CASE a row is
    # cheaper than a sum() per bin and sentiment (1.1 s -> ~0.6 s at a million calls).
    return fold_groups(conn.execute(groups_sql(sql), params))


def groups_sql(where: str, whole: str = "") -> str:
    """The calls `where` selects, grouped by agent, duration bin and sentiment: what fold_groups
    adds up (both stores). `whole`: a cast for the sums (PostgreSQL's sum of bigint is numeric)."""
    cases = " ".join(f"WHEN c.duration_ms < {hi} THEN {i}" for i, (_, _, hi) in enumerate(DURATION_BINS) if hi)
    return (f"SELECT c.agent, CASE WHEN c.duration_ms IS NULL THEN -1 {cases} ELSE {len(DURATION_BINS) - 1} END, "
            f"c.sentiment, count(*), sum(c.talk_ms){whole}, count(c.talk_ms), sum(c.hold_ms){whole}, count(c.hold_ms), "
            f"sum(c.silence_pct), count(c.silence_pct) FROM calls c{where} GROUP BY 1, 2, 3")


def fold_groups(rows: Iterable[Sequence[Any]]) -> tuple[list[AgentSummary], list[DurationBin]]:
    """The per-agent summaries and the duration bins from the rows of groups_sql."""
    bins: dict[int, int] = {}
    sums: dict[str, list[float]] = {}  # agent -> calls, talk sum, talk count, hold sum, hold count, silence sum, count
    moods: dict[str, dict[str, int]] = {}
    for agent, b, sentiment, *values in rows:
        bins[b] = bins.get(b, 0) + values[0]
        a = sums.setdefault(agent, [0, 0, 0, 0, 0, 0.0, 0])
        for k, v in enumerate(values):
            a[k] += v or 0
        if sentiment:
            mood = moods.setdefault(agent, {})
            mood[sentiment] = mood.get(sentiment, 0) + values[0]
    out = [AgentSummary(agent, int(n), talk / talked if talked else None, hold / held if held else None,
                        pct / counted / 100 if counted else None, moods.get(agent, {}))
           for agent, (n, talk, talked, hold, held, pct, counted) in sums.items()]
    durations = [DurationBin(label, lo, hi, bins.get(i, 0)) for i, (label, lo, hi) in enumerate(DURATION_BINS)]
    if bins.get(-1):
        durations.append(DurationBin("unknown", None, None, bins[-1]))
    return sorted(out, key=lambda a: (-a.calls, a.agent)), durations
