"""The local audit log: an append-only list of who did what to which call (see migration v4)."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class AuditEntry:
    at_ms: int
    user: str
    action: str  # played, downloaded, exported, deleted at provider, transcription requested
    account: str
    call_id: str  # the provider's call id
    detail: str = ""


def log(conn: sqlite3.Connection, entries: Sequence[AuditEntry]) -> None:
    conn.executemany(
        "INSERT INTO audit_log (at_ms, user, action, account, call_id, detail) VALUES (?, ?, ?, ?, ?, ?)",
        [(e.at_ms, e.user, e.action, e.account, e.call_id, e.detail) for e in entries],
    )


def entries(conn: sqlite3.Connection, account: str | None = None, call_id: str | None = None,
            since_ms: int | None = None, limit: int = 1000) -> list[AuditEntry]:
    """Newest first."""
    where, args = [], []
    if account is not None:
        where.append("account = ?")
        args.append(account)
    if call_id is not None:
        where.append("call_id = ?")
        args.append(call_id)
    if since_ms is not None:
        where.append("at_ms >= ?")
        args.append(since_ms)
    sql = "SELECT at_ms, user, action, account, call_id, detail FROM audit_log"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY at_ms DESC, id DESC LIMIT ?"
    return [AuditEntry(*row) for row in conn.execute(sql, (*args, limit))]
