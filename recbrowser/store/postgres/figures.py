"""Conversation figures per call (call_figures, schema v3) and the report's aggregates on PostgreSQL.

The same answers as the SQLite cache's store/figures.py for the same calls: the same columns
(store/figure_rows.py), the same filters (figure_filters.py), the same three GROUP BYs for
the report (calls per UTC day, account and status; per agent and duration bin, with the silence
share kept on the call's row and the provider's sentiment), added up the same way here.

Written by `team serve` (the service role: sync computes them from the transcript, as on one
desktop); read by everyone who sees the call, under the same row-level security as calls.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import psycopg

from recbrowser.store.accounts import now_ms
from recbrowser.store.figure_rows import COLUMNS, SELECT_FIGURES, figures_from
from recbrowser.store.figures import DAY_MS, DURATION_BINS, fold_groups, groups_sql
from recbrowser.store.postgres import listing  # the list's own filters: one definition of what `f` selects
from recbrowser.store.records import AgentSummary, CallFigures, CallFilter, CallReport, CallRow, DayCount, DurationBin

# The arrays' element types, in COLUMNS order (unnest needs them; psycopg would guess smallint).
_TYPES = ("bigint", "bigint", "bigint", "bigint", "bigint", "text", "bigint", "integer", "bigint", "bigint", "integer",
          "boolean")
_KEPT = (*COLUMNS, "agent_talk_pct", "silence_pct")  # what a re-computation compares (computed_ms aside)

_SAVE = (
    f"INSERT INTO call_figures (account_id, call_id, {', '.join(_KEPT)}, computed_ms) "
    f"SELECT c.account_id, c.id, {', '.join('v.' + k for k in _KEPT)}, %s "
    f"FROM unnest(%b::text[], {', '.join(f'%b::{t}[]' for t in _TYPES)}, %b::float8[], %b::float8[]) "
    f"v(provider_id, {', '.join(_KEPT)}) "
    "JOIN calls c ON c.account_id = %s AND c.provider_id = v.provider_id "
    "ON CONFLICT (account_id, call_id) DO UPDATE SET "
    + ", ".join(f"{k} = excluded.{k}" for k in _KEPT) + ", computed_ms = excluded.computed_ms "
    # A re-sync of the overlap window computes the same figures: nothing rewritten, no dead rows.
    f"WHERE ({', '.join('call_figures.' + k for k in _KEPT)}) IS DISTINCT FROM ({', '.join('excluded.' + k for k in _KEPT)})"
)
_SAVE_SILENCE = (
    "UPDATE calls c SET silence_pct = v.pct FROM unnest(%b::text[], %b::float8[]) v(provider_id, pct) "
    "WHERE c.account_id = %s AND c.provider_id = v.provider_id AND c.silence_pct IS DISTINCT FROM v.pct"
)


def save_figures(conn: psycopg.Connection, account_id: int, figures: dict[str, CallFigures]) -> None:
    """Keep the figures of calls of the account, by the provider's call id (an unknown id is
    skipped). Run inside a transaction: the silence share on the call's row and the figures agree."""
    if not figures:
        return
    ids = list(figures)
    columns = [[getattr(figures[i], c) for i in ids] for c in COLUMNS]
    agent_pct = [None if f.agent_talk_share is None else 100 * f.agent_talk_share for f in figures.values()]
    silence_pct = [None if f.silence_share is None else 100 * f.silence_share for f in figures.values()]
    conn.execute(_SAVE_SILENCE, (ids, silence_pct, account_id))
    conn.execute(_SAVE, (now_ms(), ids, *columns, agent_pct, silence_pct, account_id))


def call_figures(conn: psycopg.Connection, account_name: str, provider_id: str) -> CallFigures | None:
    row = conn.execute(
        f"SELECT {SELECT_FIGURES} FROM call_figures f JOIN calls c ON c.account_id = f.account_id AND c.id = f.call_id "
        "JOIN accounts a ON a.id = c.account_id WHERE a.name = %s AND c.provider_id = %s",
        (account_name, provider_id)).fetchone()
    return figures_from(row) if row else None


def with_figures(conn: psycopg.Connection, rows: list[CallRow]) -> list[CallRow]:
    """Fill in `figures` of a page of list rows: one read by the calls' keys, after the page's
    own query (which is planned over the sort's index and stays so)."""
    if not rows:
        return rows
    found = {(name, pid): figures_from(values) for name, pid, *values in conn.execute(
        f"SELECT a.name, c.provider_id, {SELECT_FIGURES} FROM unnest(%s::text[], %s::text[]) v(name, provider_id) "
        "JOIN accounts a ON a.name = v.name JOIN calls c ON c.account_id = a.id AND c.provider_id = v.provider_id "
        "JOIN call_figures f ON f.account_id = c.account_id AND f.call_id = c.id",
        ([r.account for r in rows], [r.provider_id for r in rows]))}
    for row in rows:
        row.figures = found.get((row.account, row.provider_id))
    return rows


def report(conn: psycopg.Connection, f: CallFilter) -> CallReport:
    """The report's aggregates over the calls `f` matches in the accounts this login sees."""
    accounts = listing.visible_accounts(conn, f)
    if not accounts:
        return CallReport(0, [], [], [DurationBin(label, lo, hi, 0) for label, lo, hi in DURATION_BINS])
    names = dict(accounts)
    clauses, params = listing._where(f)
    where = " WHERE c.account_id = ANY(%s::bigint[])" + "".join(f" AND {c}" for c in clauses)
    params = [list(names), *params]
    days: list[DayCount] = []
    total = 0
    for day, account_id, status, n in conn.execute(
            f"SELECT c.start_ms / {DAY_MS}, c.account_id, c.status, count(*) FROM calls c{where} GROUP BY 1, 2, 3", params):
        when = datetime.fromtimestamp(day * DAY_MS / 1000, UTC).date().isoformat()
        days.append(DayCount(when, names.get(account_id, ""), status, int(n)))
        total += n
    agents, durations = _agents_and_durations(conn, where, params)
    return CallReport(int(total), sorted(days, key=lambda d: (d.day, d.account, d.status)), agents, durations)


def _agents_and_durations(conn: psycopg.Connection, where: str, params: list[Any]) -> tuple[list[AgentSummary], list[DurationBin]]:
    # As store/figures.py, the same groups added up the same way. Sums of bigint are numeric in
    # PostgreSQL: cast back, so the averages are floats as on SQLite.
    return fold_groups(conn.execute(groups_sql(where, "::bigint"), params))
