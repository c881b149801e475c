"""The call list on PostgreSQL: filters -> SQL, counts, keyset pages, jumps, one row, legs.

Same answers as recbrowser/store/listing.py (same sorts, same cursor shape (value, call id),
same order of ties by call id), with a plan that suits an account-first schema (Citus-ready):
a page is read per visible account, each a LATERAL index walk on (account_id, sort value, id)
after the cursor (a row comparison, which btree seeks to), `limit` rows each, merged on top.
So a page costs (accounts x limit) index entries at any depth, and row-level security only
narrows the list of accounts (the accounts table is itself filtered by the user's grants).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import psycopg

from recbrowser.domain import call_ref
from recbrowser.errors import UserFacingError
from recbrowser.store.postgres.figure_filters import filter_clauses
from recbrowser.store.records import SORTS, CallFilter, CallRow, Cursor, LegRow

# Whitelist: each expression is exactly an index expression in schema_v1 (user input never
# becomes SQL). Transcripts sort none < pending < available.
TRANSCRIPT_RANK = "(CASE c.transcript_status WHEN 'available' THEN 2 WHEN 'pending' THEN 1 ELSE 0 END)"
SORT_SQL = {
    "start": "c.start_ms",
    "duration": "(CASE WHEN c.duration_ms IS NULL THEN -1 ELSE c.duration_ms END)",
    "from": "c.from_number",
    "to": "c.to_number",
    "status": "c.status",
    "direction": "c.direction",
    "agent": "c.agent",
    "audio": "c.has_audio",
    "transcript": TRANSCRIPT_RANK,
}
_COLUMNS = ("c.account_id, c.id, c.provider_id, c.start_ms, c.direction, c.from_number, c.from_name, c.to_number, "
            "c.to_name, c.agent, c.status, c.duration_ms, c.has_audio, c.audio_reason, c.transcript_status, c.leg_count")
# Per row of a page only (after the LIMIT): is a recording's media stored, when does the first expire.
_EXTRAS = (
    "a.name, a.provider, "
    "EXISTS (SELECT 1 FROM recordings r JOIN media_files m ON m.account_id = r.account_id "
    "AND m.recording_provider_id = r.provider_id WHERE r.account_id = c.account_id AND r.call_id = c.id), "
    "(SELECT min(r.expires_ms) FROM recordings r WHERE r.account_id = c.account_id AND r.call_id = c.id), "
    "c.sentiment, c.queue, c.department, c.provider_tags, c.ring_ms, c.hold_ms, c.language, c.summary"
)


def _row(r: tuple) -> CallRow:
    # r: _COLUMNS (0-15), then _EXTRAS (16-27)
    return CallRow(
        ref=call_ref(r[16], r[2]), account=r[16], provider=r[17], provider_id=r[2], start_ms=r[3], direction=r[4],
        from_number=r[5], from_name=r[6], to_number=r[7], to_name=r[8], agent=r[9], status=r[10], duration_ms=r[11],
        has_audio=r[12], audio_reason=r[13], transcript_status=r[14], downloaded=r[18], leg_count=r[15],
        expires_ms=r[19], sentiment=r[20], queue=r[21], department=r[22], provider_tags=list(r[23]), ring_ms=r[24],
        hold_ms=r[25], language=r[26], summary=r[27],
    )


def visible_accounts(conn: psycopg.Connection, f: CallFilter, descending: bool = False) -> list[tuple[int, str]]:
    """(id, name) of the accounts the list covers, by name: those the user may see (RLS)."""
    order = "DESC" if descending else "ASC"
    rows = conn.execute(f"SELECT id, name FROM accounts ORDER BY name {order}").fetchall()
    return [(i, n) for i, n in rows if f.account is None or n == f.account]


def _where(f: CallFilter) -> tuple[list[str], list[Any]]:
    clauses, params = filter_clauses(f)  # silence / agent talk over a percent (call_figures, schema v3)
    if f.since_ms is not None:
        clauses.append("c.start_ms >= %s")
        params.append(f.since_ms)
    if f.until_ms is not None:
        clauses.append("c.start_ms < %s")
        params.append(f.until_ms)
    if f.number:
        clauses.append("(strpos(c.from_number, %s) > 0 OR strpos(c.to_number, %s) > 0)")
        params += [f.number, f.number]
    for column, value in (("direction", f.direction), ("status", f.status), ("has_audio", f.has_audio),
                          ("transcript_status", f.transcript_status)):
        if value is not None and value != "":
            clauses.append(f"c.{column} = %s")
            params.append(value)
    for column, value in (("queue", f.queue), ("sentiment", f.sentiment)):
        if value:  # each has its index (account_id, value, start_ms, id): schema_v2
            clauses.append(f"c.{column} = %s")
            params.append(value)
    if f.has_transcript is not None:
        clauses.append("c.transcript_status = 'available'" if f.has_transcript else "c.transcript_status <> 'available'")
    if f.agent is not None:
        clauses.append("c.agent = %s")
        params.append(f.agent)
    for op, value in ((">=", f.duration_from_ms), ("<", f.duration_under_ms)):
        if value is not None:
            clauses.append(f"c.duration_ms {op} %s")
            params.append(value)
    if f.tag:
        clauses.append("EXISTS (SELECT 1 FROM tags t WHERE t.account_id = c.account_id AND t.tag_key = lower(%s) "
                       "AND t.call_id = c.id)")
        params.append(f.tag)
    return clauses, params


def _sort(f: CallFilter) -> str:
    if f.sort not in SORTS:
        raise UserFacingError(f"Cannot sort calls by {f.sort!r}; choose one of: {', '.join(SORTS)}.")
    return SORT_SQL.get(f.sort, "")


def _and(clauses: list[str]) -> str:
    return "".join(f" AND {c}" for c in clauses)


def count_calls(conn: psycopg.Connection, f: CallFilter) -> int:
    ids = [i for i, _ in visible_accounts(conn, f)]
    if not ids:
        return 0
    clauses, params = _where(f)
    row = conn.execute(f"SELECT count(*) FROM calls c WHERE c.account_id = ANY(%s::bigint[]){_and(clauses)}", (ids, *params)).fetchone()
    return int(row[0]) if row else 0


def list_calls(conn: psycopg.Connection, f: CallFilter, after: Cursor | None = None,
               limit: int = 100) -> tuple[list[CallRow], Cursor | None]:
    """One page of rows, and the cursor for the next page (None when this is the last)."""
    expr = _sort(f)
    if f.sort == "account":
        return _by_account(conn, f, after, limit)
    ids = [i for i, _ in visible_accounts(conn, f)]
    if not ids or limit <= 0:
        return [], None
    clauses, params = _where(f)
    order, op = ("DESC", "<") if f.descending else ("ASC", ">")
    keyset: list[Any] = []
    if after is not None:
        clauses = [*clauses, f"({expr}, c.id) {op} (%s, %s)"]
        keyset = [after[0], after[1]]
    sql = (
        f"SELECT {_COLUMNS}, {_EXTRAS}, p.k FROM ("
        f"  SELECT v.aid, w.id, w.k FROM unnest(%s::bigint[]) v(aid) CROSS JOIN LATERAL ("
        f"    SELECT c.id, {expr} AS k FROM calls c WHERE c.account_id = v.aid{_and(clauses)}"
        f"    ORDER BY {expr} {order}, c.id {order} LIMIT %s) w"
        f"  ORDER BY w.k {order}, w.id {order} LIMIT %s) p "
        "JOIN calls c ON c.account_id = p.aid AND c.id = p.id JOIN accounts a ON a.id = c.account_id "
        f"ORDER BY p.k {order}, p.id {order}"
    )
    raw = conn.execute(sql, (ids, *params, *keyset, limit + 1, limit + 1)).fetchall()  # one extra: a next page?
    more = len(raw) > limit
    raw = raw[:limit]
    cursor: Cursor | None = (raw[-1][-1], raw[-1][1]) if more and raw else None
    return [_row(r) for r in raw], cursor


def _by_account(conn: psycopg.Connection, f: CallFilter, after: Cursor | None,
                limit: int) -> tuple[list[CallRow], Cursor | None]:
    """Account name, then start time the other way (A to Z: newest first in each), then id."""
    if limit <= 0:
        return [], None
    clauses, params = _where(f)
    order, op = ("ASC", ">") if f.descending else ("DESC", "<")
    raw: list[tuple] = []
    for account_id, name in visible_accounts(conn, f, descending=f.descending):
        extra, extra_params = ["c.account_id = %s"], [account_id]
        if after is not None:
            (after_name, after_start), after_id = after
            if (name < after_name) if not f.descending else (name > after_name):
                continue
            if name == after_name:
                extra.append(f"(c.start_ms, c.id) {op} (%s, %s)")
                extra_params += [after_start, after_id]
        sql = (f"SELECT {_COLUMNS}, {_EXTRAS}, c.start_ms FROM calls c JOIN accounts a ON a.id = c.account_id "
               f"WHERE {' AND '.join(extra + clauses)} ORDER BY c.start_ms {order}, c.id {order} LIMIT %s")
        raw += conn.execute(sql, (*extra_params, *params, limit + 1 - len(raw))).fetchall()
        if len(raw) > limit:
            break
    more = len(raw) > limit
    raw = raw[:limit]
    cursor: Cursor | None = ((raw[-1][16], raw[-1][-1]), raw[-1][1]) if more and raw else None
    return [_row(r) for r in raw], cursor


def cursors_at(conn: psycopg.Connection, f: CallFilter, positions: range) -> list[Cursor | None]:
    """The cursors after which list_calls starts at each row of `positions` (None for row 0 and
    past the end): one OFFSET over the accounts' own sort indexes, merged (see _merged)."""
    _sort(f)
    if not positions:
        return []
    if f.sort == "account":
        return _account_cursors_at(conn, f, positions)
    return _cursors(conn, f, positions, None, 0)


def cursors_from(conn: psycopg.Connection, f: CallFilter, positions: range, after: Cursor, at: int) -> list[Cursor | None]:
    """As cursors_at, knowing that `after` is the cursor that starts row `at` (at <= positions):
    each account's walk starts at the cursor (a btree seek), so a jump costs its distance from
    `at`, not from the top. Ties need no counting: the cursor is a (value, id) row comparison."""
    _sort(f)
    if not positions:
        return []
    if f.sort == "account" or not 0 < at <= min(positions):
        return cursors_at(conn, f, positions)
    return _cursors(conn, f, positions, after, at)


def jumps_from_cursors(f: CallFilter) -> bool:
    """Whether cursors_from pays for this list: every sort but by account (its own path)."""
    return f.sort != "account"


def _cursors(conn: psycopg.Connection, f: CallFilter, positions: range, after: Cursor | None,
             at: int) -> list[Cursor | None]:
    ids = [i for i, _ in visible_accounts(conn, f)]
    if not ids:
        return [None] * len(positions)
    first = max(min(positions) - 1 - at, 0)  # the row before each position carries its cursor
    rows = _merged(conn, f, ids, after, first, max(positions) - at - first)
    out: list[Cursor | None] = []
    for p in positions:
        i = p - 1 - at - first
        if p == at and after is not None:
            out.append(after)
        else:
            out.append((rows[i][0], rows[i][1]) if p > 0 and 0 <= i < len(rows) else None)
    return out


def _merged(conn: psycopg.Connection, f: CallFilter, ids: list[int], after: Cursor | None, skip: int,
            count: int) -> list[tuple]:
    """Rows skip .. skip + count of the list after `after`, as (sort value, call id).

    One ordered index walk per account (UNION ALL of ordered branches), which PostgreSQL merges
    (MergeAppend) and stops once past skip + count: no sort of the whole list, where
    `account_id = ANY(...) ORDER BY` sorted every call of every account (a full sort of a
    million rows for a jump into a team archive)."""
    expr = _sort(f)
    clauses, params = _where(f)
    order, op = ("DESC", "<") if f.descending else ("ASC", ">")
    keyset: list[Any] = []
    if after is not None:
        clauses = [*clauses, f"({expr}, c.id) {op} (%s, %s)"]
        keyset = [after[0], after[1]]
    branch = (f"(SELECT {expr} AS k, c.id FROM calls c WHERE c.account_id = %s{_and(clauses)} "
              f"ORDER BY {expr} {order}, c.id {order} LIMIT %s)")
    sql = " UNION ALL ".join([branch] * len(ids)) + f" ORDER BY k {order}, id {order} LIMIT %s OFFSET %s"
    args: list[Any] = []
    for account_id in ids:
        args += [account_id, *params, *keyset, skip + count]
    return conn.execute(sql, (*args, count, skip)).fetchall()


def _account_cursors_at(conn: psycopg.Connection, f: CallFilter, positions: range) -> list[Cursor | None]:
    clauses, params = _where(replace(f, account=None))
    order = "ASC" if f.descending else "DESC"
    spans, first = [], 0
    for account_id, name in visible_accounts(conn, f, descending=f.descending):
        n = conn.execute(f"SELECT count(*) FROM calls c WHERE c.account_id = %s{_and(clauses)}",
                         (account_id, *params)).fetchone()[0]
        spans.append((first, first + n, account_id, name))
        first += n
    out: list[Cursor | None] = []
    for p in positions:
        at = p - 1
        span = next((sp for sp in spans if sp[0] <= at < sp[1]), None)
        if p <= 0 or span is None:
            out.append(None)
            continue
        lo, _hi, account_id, name = span
        start_ms, call_id = conn.execute(
            f"SELECT c.start_ms, c.id FROM calls c WHERE c.account_id = %s{_and(clauses)} "
            f"ORDER BY c.start_ms {order}, c.id {order} LIMIT 1 OFFSET %s", (account_id, *params, at - lo)).fetchone()
        out.append(((name, start_ms), call_id))
    return out


def legs(conn: psycopg.Connection, account_name: str, provider_id: str) -> list[LegRow]:
    rows = conn.execute(
        "SELECT l.idx, l.start_ms, l.from_number, l.from_name, l.to_number, l.to_name, l.status, l.duration_ms, "
        "l.talk_ms, l.ring_ms, l.hold_ms, l.call_type FROM legs l JOIN calls c ON c.account_id = l.account_id AND c.id = l.call_id "
        "JOIN accounts a ON a.id = c.account_id WHERE a.name = %s AND c.provider_id = %s ORDER BY l.idx, l.seq",
        (account_name, provider_id)).fetchall()
    return [LegRow(*r) for r in rows]


def call_row(conn: psycopg.Connection, account_name: str, provider_id: str) -> CallRow | None:
    r = conn.execute(
        f"SELECT {_COLUMNS}, {_EXTRAS} FROM calls c JOIN accounts a ON a.id = c.account_id "
        "WHERE a.name = %s AND c.provider_id = %s", (account_name, provider_id)).fetchone()
    return _row(r) if r else None
