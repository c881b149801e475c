"""The call list: filters -> SQL, counts, and keyset pages (never OFFSET: depth costs nothing).

A page is ordered by (sort value, call id); the cursor is that pair for the last row, and the
next page starts strictly after it. Every sort value has an index ending in the rowid, so a
page is an index walk of `limit` entries however deep it is.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from recbrowser.domain import call_ref
from recbrowser.errors import UserFacingError
from recbrowser.store.records import SORTS, CallFilter, CallRow, Cursor

# Whitelist: user input never becomes SQL; each expression matches an index in migrations.py.
SORT_SQL = {
    "start": "c.start_ms",
    "duration": "ifnull(c.duration_ms, -1)",
    "from": "c.from_number",
    "to": "c.to_number",
    "status": "c.status",
}

_ROW_SELECT = (
    "SELECT c.id, a.name, a.provider, c.provider_id, c.start_ms, c.direction, c.from_number, c.from_name, "
    "c.to_number, c.to_name, c.agent, c.status, c.duration_ms, c.has_audio, c.audio_reason, c.transcript_status, "
    "EXISTS (SELECT 1 FROM recordings r JOIN media_files m "
    "ON m.account_id = r.account_id AND m.recording_provider_id = r.provider_id WHERE r.call_id = c.id), "
    "c.leg_count, (SELECT min(r.expires_ms) FROM recordings r WHERE r.call_id = c.id)"
)


def _row(r: tuple) -> CallRow:
    return CallRow(
        ref=call_ref(r[1], r[3]), account=r[1], provider=r[2], provider_id=r[3], start_ms=r[4], direction=r[5],
        from_number=r[6], from_name=r[7], to_number=r[8], to_name=r[9], agent=r[10], status=r[11],
        duration_ms=r[12], has_audio=bool(r[13]), audio_reason=r[14], transcript_status=r[15],
        downloaded=bool(r[16]), leg_count=r[17], expires_ms=r[18],
    )


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
    if f.direction:
        clauses.append("c.direction = ?")
        params.append(f.direction)
    if f.status:
        clauses.append("c.status = ?")
        params.append(f.status)
    if f.has_audio is not None:
        clauses.append("c.has_audio = ?")
        params.append(1 if f.has_audio else 0)
    if f.transcript_status is not None:
        clauses.append("c.transcript_status = ?")
        params.append(f.transcript_status)
    if f.has_transcript is not None:
        clauses.append("c.transcript_status = 'available'" if f.has_transcript else "c.transcript_status != 'available'")
    return clauses, params


def _sort(f: CallFilter) -> str:
    if f.sort not in SORTS:
        raise UserFacingError(f"Cannot sort calls by {f.sort!r}; choose one of: {', '.join(SORTS)}.")
    return SORT_SQL[f.sort]


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
    where = _where(conn, f)
    if where is None or limit <= 0:
        return [], None
    clauses, params = where
    if after is not None:
        value, last_id = after
        # Written as a range on the sort value plus a tie-break, so the index range is used.
        if f.descending:
            clauses.append(f"{expr} <= ? AND ({expr} < ? OR c.id < ?)")
        else:
            clauses.append(f"{expr} >= ? AND ({expr} > ? OR c.id > ?)")
        params += [value, value, last_id]
    order = "DESC" if f.descending else "ASC"
    sql = (
        f"{_ROW_SELECT}, {expr} FROM calls c CROSS JOIN accounts a ON a.id = c.account_id"
        + (" WHERE " + " AND ".join(clauses) if clauses else "")
        + f" ORDER BY {expr} {order}, c.id {order} LIMIT ?"
    )
    raw = conn.execute(sql, (*params, limit + 1)).fetchall()  # one extra row: is there a next page?
    more = len(raw) > limit
    raw = raw[:limit]
    rows = [_row(r) for r in raw]
    cursor: Cursor | None = (raw[-1][-1], raw[-1][0]) if more and raw else None
    return rows, cursor


def call_row(conn: sqlite3.Connection, account_name: str, provider_id: str) -> CallRow | None:
    r = conn.execute(
        f"{_ROW_SELECT} FROM calls c JOIN accounts a ON a.id = c.account_id WHERE a.name = ? AND c.provider_id = ?",
        (account_name, provider_id),
    ).fetchone()
    return _row(r) if r else None
