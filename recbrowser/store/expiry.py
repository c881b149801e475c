"""Recordings the provider is about to delete that the cache does not hold yet.

Bandwidth deletes recordings after 30 days and Dialgen after 90; supervisors find out when the
audio is gone. This is the list `recbrowser archive` and the window's reminder work from. It
walks the partial index on recordings.expires_ms (forced: the planner would rather read every
call with audio through calls_has_audio: 0.26 s and ~64 MB of pages on 1M calls), so it stays cheap.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass


@dataclass(frozen=True)
class ExpiringRecording:
    account: str
    call_id: str  # the provider's call id
    recording_id: str
    expires_ms: int
    size: int | None


_SQL = """
SELECT a.name, c.provider_id, r.provider_id, r.expires_ms, r.size
FROM recordings r INDEXED BY recordings_expires
  CROSS JOIN calls c ON c.id = r.call_id JOIN accounts a ON a.id = r.account_id
WHERE r.expires_ms > ? AND r.expires_ms <= ? AND c.has_audio = 1 {account}
  AND NOT EXISTS (SELECT 1 FROM media_files m
                  WHERE m.account_id = r.account_id AND m.recording_provider_id = r.provider_id)
  AND NOT EXISTS (SELECT 1 FROM provider_deletions d WHERE d.account_id = r.account_id
                  AND d.recording_provider_id = r.provider_id AND d.what IN ('media', 'recording'))
ORDER BY r.expires_ms, r.id
"""


def expiring(conn: sqlite3.Connection, now_ms: int, until_ms: int, account: str | None = None) -> list[ExpiringRecording]:
    """Not-yet-downloaded recordings that expire after `now_ms` and by `until_ms`, soonest first."""
    sql = _SQL.format(account="AND a.name = ?" if account else "")
    args = (now_ms, until_ms, account) if account else (now_ms, until_ms)
    return [ExpiringRecording(*row) for row in conn.execute(sql, args)]
