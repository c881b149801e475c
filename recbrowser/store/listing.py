"""The call list: filters -> SQL, counts, and keyset pages (never OFFSET: depth costs nothing).

A page is ordered by (sort value, call id); the cursor is that pair for the last row, and the
next page starts strictly after it. Every sort value has an index ending in the rowid, so a
page is an index walk of `limit` entries however deep it is.

The account sort is the exception: account names live in another table, so it walks the
accounts in name order and, inside each, the (account, start) index (A to Z with the newest
call first in each); its cursor is ((name, start), id).

To jump (a scrollbar dragged to row 500,000), `cursors_at` finds the cursor before a row with
one OFFSET over the sort's index, reading only index entries when no filter needs the table.
Sorted by start time (the default), the filters on a few values (direction, status, audio,
transcript, account) are read from calls_start_filters (schema v5): still index entries only.
Other filtered jumps read a table row per index entry (a second at a million calls):
`jump_is_quick` and `pages_are_quick` tell callers what to read off the UI thread.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from typing import Any

from recbrowser.domain import call_ref
from recbrowser.errors import UserFacingError
from recbrowser.store.figure_rows import SELECT_FIGURES, figures_from
from recbrowser.store.records import SORTS, CallFilter, CallRow, Cursor, LegRow

# Whitelist: user input never becomes SQL; each expression matches an index in migrations.py.
# Transcripts sort none < pending < yes, not alphabetically.
TRANSCRIPT_RANK = "(CASE c.transcript_status WHEN 'available' THEN 2 WHEN 'pending' THEN 1 ELSE 0 END)"
SORT_SQL = {
    "start": "c.start_ms",
    "duration": "ifnull(c.duration_ms, -1)",
    "from": "c.from_number",
    "to": "c.to_number",
    "status": "c.status",
    "direction": "c.direction",
    "agent": "c.agent",
    "audio": "c.has_audio",
    "transcript": TRANSCRIPT_RANK,
}

FEW_TAGGED = 5000  # up to this many calls under a tag, its list is read from the tag's index

_ROW_SELECT = (
    "SELECT c.id, a.name, a.provider, c.provider_id, c.start_ms, c.direction, c.from_number, c.from_name, "
    "c.to_number, c.to_name, c.agent, c.status, c.duration_ms, c.has_audio, c.audio_reason, c.transcript_status, "
    "EXISTS (SELECT 1 FROM recordings r JOIN media_files m "
    "ON m.account_id = r.account_id AND m.recording_provider_id = r.provider_id WHERE r.call_id = c.id), "
    "c.leg_count, (SELECT min(r.expires_ms) FROM recordings r WHERE r.call_id = c.id), "
    "c.sentiment, c.queue, c.department, c.provider_tags, c.ring_ms, c.hold_ms, c.language, c.summary"
)


def _row(r: tuple) -> CallRow:
    return CallRow(
        ref=call_ref(r[1], r[3]), account=r[1], provider=r[2], provider_id=r[3], start_ms=r[4], direction=r[5],
        from_number=r[6], from_name=r[7], to_number=r[8], to_name=r[9], agent=r[10], status=r[11],
        duration_ms=r[12], has_audio=bool(r[13]), audio_reason=r[14], transcript_status=r[15],
        downloaded=bool(r[16]), leg_count=r[17], expires_ms=r[18], sentiment=r[19], queue=r[20], department=r[21],
        provider_tags=_tags(r[22]), ring_ms=r[23], hold_ms=r[24], language=r[25], summary=r[26],
    )


def _tags(text: str | None) -> list[str]:
    try:
        tags = json.loads(text or "[]")
    except ValueError:
        return []
    return [str(t) for t in tags] if isinstance(tags, list) else []


def _where(conn: sqlite3.Connection, f: CallFilter) -> tuple[list[str], list[Any]] | None:
    """SQL conditions for a filter; None when it cannot match anything (unknown account)."""
    clauses: list[str] = []
    params: list[Any] = []
    if f.account is not None:
        row = conn.execute("SELECT id FROM accounts WHERE name = ?", (f.account,)).fetchone()
        if row is None:
            return None
        # For sorts other than start, walk that sort's index and filter (the unary + stops
        # the planner from reading the whole account and sorting it for every page).
        clauses.append("c.account_id = ?" if f.sort == "start" else "+c.account_id = ?")
        params.append(row[0])
    if f.since_ms is not None:
        clauses.append("c.start_ms >= ?")
        params.append(f.since_ms)
    if f.until_ms is not None:
        clauses.append("c.start_ms < ?")
        params.append(f.until_ms)
    if f.number:
        clauses.append("(instr(c.from_number, ?) > 0 OR instr(c.to_number, ?) > 0)")
        params += [f.number, f.number]
    # A filter on a column with its own sort index uses that index only when the list is
    # sorted by it; otherwise the unary + keeps the planner on the sort's index (reading all
    # 700,000 inbound calls and sorting them took 0.4 s a page, walking calls_start 0.5 ms).
    for column, sort, value in (("direction", "direction", f.direction), ("status", "status", f.status),
                                ("has_audio", "audio", None if f.has_audio is None else int(f.has_audio)),
                                ("transcript_status", "transcript", f.transcript_status)):
        if value is not None and value != "":
            clauses.append(f"{'' if f.sort == sort else '+'}c.{column} = ?")
            params.append(value)
    for column, value in (("queue", f.queue), ("sentiment", f.sentiment)):
        if value:  # each has its own index (migrations.v7_provider_insights)
            clauses.append(f"c.{column} = ?")
            params.append(value)
    if f.has_transcript is not None:
        clauses.append("c.transcript_status = 'available'" if f.has_transcript else "c.transcript_status != 'available'")
    # An agent and a duration range (the overview's bars): calls_report_agents leads with both.
    if f.agent is not None:
        clauses.append("c.agent = ?")
        params.append(f.agent)
    for op, value in ((">=", f.duration_from_ms), ("<", f.duration_under_ms)):
        if value is not None:
            clauses.append(f"c.duration_ms {op} ?")
            params.append(value)
    # Conversation figures: a share over a percent (call_figures' own indexes find the calls).
    for column, value in (("silence_pct", f.silence_over), ("agent_talk_pct", f.agent_talk_over)):
        if value is not None:
            clauses.append(f"c.id IN (SELECT call_id FROM call_figures WHERE {column} > ?)")
            params.append(float(value))
    if f.tag:
        # A tag on a few calls: read them from the tag's index and sort those (1,000 tagged
        # calls in a million: a jump 10 ms, a count 20 ms). A tag on many: walk the sort's
        # index and test each call, as a page soon meets enough (sorting them all would not).
        tagged = conn.execute("SELECT count(*) FROM (SELECT 1 FROM tags WHERE tag = ? COLLATE NOCASE LIMIT ?)",
                              (f.tag, FEW_TAGGED + 1)).fetchone()[0]
        if tagged <= FEW_TAGGED:
            clauses.append("c.id IN (SELECT t.call_id FROM tags t WHERE t.tag = ? COLLATE NOCASE)")
        else:
            clauses.append("EXISTS (SELECT 1 FROM tags t WHERE t.call_id = c.id AND t.tag = ? COLLATE NOCASE)")
        params.append(f.tag)
    return clauses, params


def where_sql(conn: sqlite3.Connection, f: CallFilter) -> tuple[str, list[Any]] | None:
    """" WHERE ..." over `calls c` for a filter, and its parameters; None when it matches
    nothing. For the report's aggregates (store/figures.py)."""
    where = _where(conn, f)
    return None if where is None else (_sql(where[0]), where[1])


def _with_figures(conn: sqlite3.Connection, raw: list[tuple], rows: list[CallRow]) -> list[CallRow]:
    # The page's figures in one read by primary key, not a join in the page's own query (which
    # is planned over the sort's index and must stay so).
    ids = [r[0] for r in raw]
    if not ids:
        return rows
    found = {r[0]: figures_from(r[1:]) for r in conn.execute(
        f"SELECT f.call_id, {SELECT_FIGURES} FROM call_figures f JOIN calls c ON c.id = f.call_id WHERE f.call_id IN ({', '.join('?' * len(ids))})", ids)}
    for call_id, row in zip(ids, rows, strict=True):
        row.figures = found.get(call_id)
    return rows


def _sort(f: CallFilter) -> str:
    if f.sort not in SORTS:
        raise UserFacingError(f"Cannot sort calls by {f.sort!r}; choose one of: {', '.join(SORTS)}.")
    return SORT_SQL.get(f.sort, "")


def _sql(clauses: list[str]) -> str:
    return " WHERE " + " AND ".join(clauses) if clauses else ""


# What calls_start_filters holds besides start_ms (migrations.v5_start_filters_index).
_START_FILTERS = ("account", "direction", "status", "has_audio", "has_transcript", "transcript_status")
# Filters that a sort's own index answers (e.g. status = 'missed' sorted by status).
_OWN_FILTERS = {"direction": {"direction"}, "status": {"status"}, "audio": {"has_audio"},
                "account": {"account", "since_ms", "until_ms"}, "start": {"account", "since_ms", "until_ms"}}


def _filtered(f: CallFilter) -> set[str]:
    names = ("account", "since_ms", "until_ms", "number", "direction", "status", "has_audio", "has_transcript",
             "transcript_status", "tag", "queue", "sentiment", "silence_over", "agent_talk_over", "duration_from_ms",
             "duration_under_ms")
    return {n for n in names if getattr(f, n) not in (None, "")} | ({"agent"} if f.agent is not None else set())


def jump_is_quick(f: CallFilter) -> bool:
    """Whether `cursors_at` is an OFFSET over the sort's own index with nothing else to test
    (no filter, or one that index answers): ~10 ms in the middle of a million calls. Any other
    jump walks more (calls_start_filters: 25-80 ms) or reads a row per index entry (a second),
    and callers make it off the UI thread."""
    return _filtered(f) <= _OWN_FILTERS.get(f.sort, set())


def pages_are_quick(f: CallFilter) -> bool:
    """Whether a page after a known cursor stays cheap: the filter bar's values match a good
    share of the calls, so a page tests a few thousand rows at most. A number, a tag or a
    figure's share may match a handful in a million: a page then tests every row (0.2-0.3 s).
    So may an agent or a duration range the overview picked (an agent with three calls)."""
    return (not f.number and not f.tag and f.silence_over is None and f.agent_talk_over is None and f.agent is None
            and f.duration_from_ms is None and f.duration_under_ms is None)


def _start_index(f: CallFilter) -> str:
    """INDEXED BY for a jump sorted by start time whose filters calls_start_filters holds; the
    planner would rather walk calls_start and read every row to test them."""
    filtered = _filtered(f)
    if f.sort != "start" or not filtered & set(_START_FILTERS) - {"account"}:
        return ""
    return " INDEXED BY calls_start_filters" if filtered <= {*_START_FILTERS, "since_ms", "until_ms"} else ""


def count_calls(conn: sqlite3.Connection, f: CallFilter) -> int:
    where = _where(conn, f)
    if where is None:
        return 0
    clauses, params = where
    sql = "SELECT count(*) FROM calls c" + (" WHERE " + " AND ".join(clauses) if clauses else "")
    return conn.execute(sql, params).fetchone()[0]


def list_calls(
    conn: sqlite3.Connection, f: CallFilter, after: Cursor | None = None, limit: int = 100
) -> tuple[list[CallRow], Cursor | None]:
    """One page of rows, and the cursor for the next page (None when this is the last)."""
    expr = _sort(f)
    if f.sort == "account":
        return _by_account(conn, f, after, limit)
    where = _where(conn, f)
    if where is None or limit <= 0:
        return [], None
    clauses, params = where
    order = "DESC" if f.descending else "ASC"
    select = f"{_ROW_SELECT}, {expr} FROM calls c CROSS JOIN accounts a ON a.id = c.account_id"
    if after is None:
        sql = f"{select}{_sql(clauses)} ORDER BY {expr} {order}, c.id {order} LIMIT ?"
        raw = conn.execute(sql, (*params, limit + 1)).fetchall()  # one extra row: is there a next page?
    else:
        # Two index seeks rather than one `value <= ? AND (value < ? OR id < ?)`: with the OR
        # SQLite seeks on the value only and steps over every row that shares it, 40 ms deep
        # into a sort by status (a few values, 600,000 rows each). First the rest of the
        # last row's value (an equality and a rowid range), then the values after it.
        value, last_id = after
        op = "<" if f.descending else ">"
        sql = f"{select}{_sql([*clauses, f'{expr} = ?', f'c.id {op} ?'])} ORDER BY c.id {order} LIMIT ?"
        raw = conn.execute(sql, (*params, value, last_id, limit + 1)).fetchall()
        if len(raw) <= limit:
            sql = f"{select}{_sql([*clauses, f'{expr} {op} ?'])} ORDER BY {expr} {order}, c.id {order} LIMIT ?"
            raw += conn.execute(sql, (*params, value, limit + 1 - len(raw))).fetchall()
    more = len(raw) > limit
    raw = raw[:limit]
    rows = _with_figures(conn, raw, [_row(r) for r in raw])
    cursor: Cursor | None = (raw[-1][-1], raw[-1][0]) if more and raw else None
    return rows, cursor


def _accounts_in_order(conn: sqlite3.Connection, f: CallFilter) -> list[tuple[int, str]]:
    order = "DESC" if f.descending else "ASC"
    rows = conn.execute(f"SELECT id, name FROM accounts ORDER BY name {order}").fetchall()
    return [(i, n) for i, n in rows if f.account is None or n == f.account]


def _by_account(
    conn: sqlite3.Connection, f: CallFilter, after: Cursor | None, limit: int
) -> tuple[list[CallRow], Cursor | None]:
    """Account name, then start time the other way (A to Z: newest first in each account), then
    id: one (account, start) index walk per account. Descending is the exact reverse."""
    where = _where(conn, replace(f, account=None))
    if where is None or limit <= 0:
        return [], None
    clauses, params = where
    order, op = ("ASC", ">") if f.descending else ("DESC", "<")
    raw: list[tuple] = []
    for account_id, name in _accounts_in_order(conn, f):
        extra, extra_params = ["c.account_id = ?"], [account_id]
        if after is not None:
            (after_name, after_start), after_id = after
            if (name < after_name) if not f.descending else (name > after_name):
                continue
            if name == after_name:
                extra.append(f"(c.start_ms, c.id) {op} (?, ?)")
                extra_params += [after_start, after_id]
        sql = (
            f"{_ROW_SELECT}, c.start_ms FROM calls c CROSS JOIN accounts a ON a.id = c.account_id"
            + _sql([*extra, *clauses])
            + f" ORDER BY c.start_ms {order}, c.id {order} LIMIT ?"
        )
        raw += conn.execute(sql, (*extra_params, *params, limit + 1 - len(raw))).fetchall()
        if len(raw) > limit:
            break
    more = len(raw) > limit
    raw = raw[:limit]
    cursor: Cursor | None = ((raw[-1][1], raw[-1][-1]), raw[-1][0]) if more and raw else None
    return _with_figures(conn, raw, [_row(r) for r in raw]), cursor


# Sorts with few ties, where counting the rest of a cursor's value is cheap: a jump may start
# from a cursor already known (see cursors_at's `after`).
_FEW_TIES = ("start", "duration", "from", "to")


def cursors_at(conn: sqlite3.Connection, f: CallFilter, positions: range,
               after: Cursor | None = None, at: int = 0) -> list[Cursor | None]:
    """The cursors after which `list_calls` starts at each row of `positions` (0-based).

    One OFFSET over the sort's index: it steps over index entries instead of reading rows, so
    row 500,000 of a million costs tens of milliseconds, not 2,500 pages. A few positions
    (the blocks above a jump, for scrolling back up) cost one query too. None for row 0 and
    for rows past the end.

    `after`, a cursor known to start row `at` (at <= the positions), lets the OFFSET start
    there instead of at the top: a filtered jump reads a row per step, so a jump near one made
    before costs its distance from it, not from the top. Used where it pays (_FEW_TIES)."""
    expr = _sort(f)
    if not positions:
        return []
    if f.sort == "account":
        return _account_cursors_at(conn, f, positions)
    where = _where(conn, f)
    if where is None:
        return [None] * len(positions)
    clauses, params = where
    lo, hi = min(positions), max(positions)
    first = max(lo - 1, 0)  # the row before each position carries its cursor
    order = "DESC" if f.descending else "ASC"
    if _start_index(f):
        return _filtered_start_cursors_at(conn, f, clauses, params, positions, first)
    if after is not None and jumps_from_cursors(f) and 0 < at <= lo:
        return _cursors_after(conn, f, clauses, params, positions, after, at)
    sql = f"SELECT {expr}, c.id FROM calls c{_sql(clauses)} ORDER BY {expr} {order}, c.id {order} LIMIT ? OFFSET ?"
    rows = conn.execute(sql, (*params, hi - first, first)).fetchall()
    out: list[Cursor | None] = []
    for p in positions:
        at = p - 1 - first
        out.append((rows[at][0], rows[at][1]) if p > 0 and at < len(rows) else None)
    return out


def jumps_from_cursors(f: CallFilter) -> bool:
    """Whether cursors_at uses its `after` for this list (else it counts from the top)."""
    return f.sort in _FEW_TIES and not _start_index(f)


def _cursors_after(conn: sqlite3.Connection, f: CallFilter, clauses: list[str], params: list[Any],
                   positions: range, after: Cursor, at: int) -> list[Cursor | None]:
    # The rows from `at` on, as list_calls reads them: the rest of the cursor's value (an
    # equality and a rowid range), then the values after it, each with its own OFFSET.
    expr, order = SORT_SQL[f.sort], "DESC" if f.descending else "ASC"
    op = "<" if f.descending else ">"
    value, last_id = after
    rest = [*clauses, f"{expr} = ?", f"c.id {op} ?"]
    tied = conn.execute(f"SELECT count(*) FROM calls c{_sql(rest)}", (*params, value, last_id)).fetchone()[0]
    wanted = [p - 1 - at for p in positions]  # index among the rows from `at`; -1: `after` itself
    lo, hi = max(min(wanted), 0), max(wanted)
    rows: dict[int, tuple] = {}
    if lo < tied:
        sql = f"SELECT {expr}, c.id FROM calls c{_sql(rest)} ORDER BY c.id {order} LIMIT ? OFFSET ?"
        found = conn.execute(sql, (*params, value, last_id, min(hi, tied - 1) - lo + 1, lo)).fetchall()
        rows.update(enumerate(found, lo))
    if hi >= tied:
        start = max(lo, tied)
        sql = (f"SELECT {expr}, c.id FROM calls c{_sql([*clauses, f'{expr} {op} ?'])} "
               f"ORDER BY {expr} {order}, c.id {order} LIMIT ? OFFSET ?")
        found = conn.execute(sql, (*params, value, hi - start + 1, start - tied)).fetchall()
        rows.update(enumerate(found, start))
    out: list[Cursor | None] = []
    for w in wanted:
        row = rows.get(w)
        out.append(after if w < 0 else (row[0], row[1]) if row else None)
    return out


def _filtered_start_cursors_at(conn: sqlite3.Connection, f: CallFilter, clauses: list[str], params: list[Any],
                               positions: range, first: int) -> list[Cursor | None]:
    # calls_start_filters tests every filter on the index entry. Walked in start order alone it
    # needs no sort (the id order would sort the whole walk: 155 ms instead of 25 at row
    # 500,000); calls that share a start time then come in the index's order, not by id, so a
    # position's start time is right and its id is looked up among the calls of that time.
    order = "DESC" if f.descending else "ASC"
    index = " INDEXED BY calls_start_filters"
    sql = f"SELECT c.start_ms FROM calls c{index}{_sql(clauses)} ORDER BY c.start_ms {order} LIMIT ? OFFSET ?"
    starts = [r[0] for r in conn.execute(sql, (*params, max(positions) - first, first))]
    out: list[Cursor | None] = []
    for p in positions:
        at = p - 1 - first
        if p <= 0 or at >= len(starts):
            out.append(None)
            continue
        start = starts[at]
        same = f"SELECT c.id FROM calls c{index}{_sql([*clauses, 'c.start_ms = ?'])} ORDER BY c.id {order}"
        ids = [r[0] for r in conn.execute(same, (*params, start))]
        if len(ids) > 1:  # a tie: how many calls come before this start time?
            op = ">" if f.descending else "<"
            count = f"SELECT count(*) FROM calls c{index}{_sql([*clauses, f'c.start_ms {op} ?'])}"
            before = conn.execute(count, (*params, start)).fetchone()[0]
            ids = ids[min(max(p - 1 - before, 0), len(ids) - 1):]
        out.append((start, ids[0]) if ids else None)
    return out


def _account_cursors_at(conn: sqlite3.Connection, f: CallFilter, positions: range) -> list[Cursor | None]:
    # Count each account's rows once, then OFFSET into the account that holds each position.
    where = _where(conn, replace(f, account=None))
    if where is None:
        return [None] * len(positions)
    clauses, params = where
    order = "ASC" if f.descending else "DESC"  # start times run against the names (see _by_account)
    spans, first = [], 0
    for account_id, name in _accounts_in_order(conn, f):
        own = ["c.account_id = ?", *clauses]
        n = conn.execute(f"SELECT count(*) FROM calls c{_sql(own)}", (account_id, *params)).fetchone()[0]
        spans.append((first, first + n, account_id, name, own))
        first += n
    out: list[Cursor | None] = []
    for p in positions:
        at = p - 1  # the row before the position carries its cursor
        span = next((sp for sp in spans if sp[0] <= at < sp[1]), None)
        if p <= 0 or span is None:
            out.append(None)
            continue
        lo, _hi, account_id, name, own = span
        sql = f"SELECT c.start_ms, c.id FROM calls c{_sql(own)} ORDER BY c.start_ms {order}, c.id {order} LIMIT 1 OFFSET ?"
        start_ms, call_id = conn.execute(sql, (account_id, *params, at - lo)).fetchone()
        out.append(((name, start_ms), call_id))
    return out


def legs(conn: sqlite3.Connection, account_name: str, provider_id: str) -> list[LegRow]:
    """The legs of one call in order (read when the user opens the call's row)."""
    rows = conn.execute(
        "SELECT l.idx, l.start_ms, l.from_number, l.from_name, l.to_number, l.to_name, l.status, l.duration_ms, "
        "l.talk_ms, l.ring_ms, l.hold_ms, l.call_type FROM legs l JOIN calls c ON c.id = l.call_id JOIN accounts a ON a.id = c.account_id "
        "WHERE a.name = ? AND c.provider_id = ? ORDER BY l.idx",
        (account_name, provider_id),
    ).fetchall()
    return [LegRow(r[0], r[1], r[2] or "", r[3] or "", r[4] or "", r[5] or "", r[6] or "", r[7], r[8], r[9], r[10],
                   r[11] or "") for r in rows]


def call_row(conn: sqlite3.Connection, account_name: str, provider_id: str) -> CallRow | None:
    r = conn.execute(
        f"{_ROW_SELECT} FROM calls c JOIN accounts a ON a.id = c.account_id WHERE a.name = ? AND c.provider_id = ?",
        (account_name, provider_id),
    ).fetchone()
    return _with_figures(conn, [r], [_row(r)])[0] if r else None


# The columns whose values the filter bar offers (each has its own index: migrations.v7_provider_insights).
CATEGORIES = ("queue", "sentiment")


def category_values(conn: sqlite3.Connection) -> dict[str, list[str]]:
    """Each category's values in the cache, A to Z. A hop from value to value along the
    column's index (one seek per value, not a read of every call), then in name order."""
    out: dict[str, list[str]] = {}
    for column in CATEGORIES:  # a name from the tuple above, never user input
        rows = conn.execute(
            f"WITH RECURSIVE v(x) AS (SELECT min({column}) FROM calls WHERE {column} > '' "
            f"UNION ALL SELECT (SELECT min({column}) FROM calls WHERE {column} > v.x) FROM v WHERE v.x IS NOT NULL) "
            "SELECT x FROM v WHERE x IS NOT NULL")
        out[column] = sorted((r[0] for r in rows), key=str.casefold)
    return out
