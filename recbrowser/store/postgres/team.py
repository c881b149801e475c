"""What only a team archive has: sealed provider secrets, team settings, and sync leases.

Leases let several `team serve` workers share the accounts: a worker takes the account whose
lease has run out longest ago (`SELECT ... FOR UPDATE SKIP LOCKED`, so two workers asking at
once never get the same one and never wait for each other), renews it while it syncs, and on
release says when the account is next due. A worker killed mid-sync stops renewing; after the
lease's time to live another takes the account and resumes from the cursor saved with the last
written page (sync_state), so there is no gap and no duplicate.
"""

from __future__ import annotations

import psycopg

from recbrowser.store.accounts import now_ms


def set_sealed_secret(conn: psycopg.Connection, account_id: int, sealed: bytes) -> None:
    """Store an account's provider secrets, sealed (sealing.seal) to the team's public key."""
    conn.execute(
        "INSERT INTO sealed_secrets (account_id, sealed, sealed_ms) VALUES (%s, %s, %s) ON CONFLICT (account_id) "
        "DO UPDATE SET sealed = excluded.sealed, sealed_ms = excluded.sealed_ms", (account_id, bytes(sealed), now_ms()))


def sealed_secret(conn: psycopg.Connection, account_id: int) -> bytes | None:
    row = conn.execute("SELECT sealed FROM sealed_secrets WHERE account_id = %s", (account_id,)).fetchone()
    return bytes(row[0]) if row else None


def reseal_secret(conn: psycopg.Connection, account_id: int, holder: str, sealed: bytes) -> bool:
    """Replace the sealed secrets of an account whose lease `holder` holds (`team serve` after a
    provider rotated a credential): recbrowser_reseal(), schema v3, the one write the service
    role may make to sealed_secrets. False when the lease is not this holder's (lost)."""
    row = conn.execute("SELECT recbrowser_reseal(%s, %s, %s)", (account_id, holder, bytes(sealed))).fetchone()
    return bool(row and row[0])


def acquire_lease(conn: psycopg.Connection, holder: str, ttl_ms: int, now: int | None = None) -> int | None:
    """The id of an account this worker may sync now (its lease held for `ttl_ms`), or None when
    every account is leased or not due yet. A lease this worker holds is not handed out again
    (a worker asks once per account it syncs at a time)."""
    now = now_ms() if now is None else now
    with conn.transaction():
        # A lease row for every account (new accounts are due at once).
        conn.execute("INSERT INTO leases (account_id, holder, expires_ms) SELECT id, '', 0 FROM accounts "
                     "ON CONFLICT (account_id) DO NOTHING")
        row = conn.execute(
            "SELECT account_id FROM leases WHERE expires_ms <= %s "
            "ORDER BY expires_ms, account_id LIMIT 1 FOR UPDATE SKIP LOCKED", (now,)).fetchone()
        if row is None:
            return None
        conn.execute("UPDATE leases SET holder = %s, expires_ms = %s WHERE account_id = %s", (holder, now + ttl_ms, row[0]))
        return int(row[0])


def renew_lease(conn: psycopg.Connection, account_id: int, holder: str, ttl_ms: int, now: int | None = None) -> bool:
    """Extend a lease this worker holds; False when it was lost (expired and taken): stop then."""
    now = now_ms() if now is None else now
    cur = conn.execute("UPDATE leases SET expires_ms = %s WHERE account_id = %s AND holder = %s",
                       (now + ttl_ms, account_id, holder))
    return cur.rowcount == 1


def release_lease(conn: psycopg.Connection, account_id: int, holder: str, due_ms: int) -> None:
    """Give the account back; no worker takes it before `due_ms` (the next scheduled sync)."""
    conn.execute("UPDATE leases SET holder = '', expires_ms = %s WHERE account_id = %s AND holder = %s",
                 (due_ms, account_id, holder))


def unarchived_recordings(conn: psycopg.Connection, account_id: int, limit: int) -> list[tuple[str, str]]:
    """(call provider id, recording provider id) of the account's recordings that have no media
    file in object storage yet and that the provider has not deleted: soonest to expire first,
    then newest, so what the provider deletes first is archived first."""
    rows = conn.execute(
        "SELECT c.provider_id, r.provider_id FROM recordings r "
        "JOIN calls c ON c.account_id = r.account_id AND c.id = r.call_id "
        "WHERE r.account_id = %s AND c.has_audio "
        "AND NOT EXISTS (SELECT 1 FROM media_files m WHERE m.account_id = r.account_id "
        "                AND m.recording_provider_id = r.provider_id) "
        "AND NOT EXISTS (SELECT 1 FROM provider_deletions d WHERE d.account_id = r.account_id "
        "                AND d.recording_provider_id = r.provider_id AND d.what IN ('media', 'recording')) "
        "ORDER BY r.expires_ms NULLS LAST, c.start_ms DESC, r.seq LIMIT %s", (account_id, limit)).fetchall()
    return [(str(a), str(b)) for a, b in rows]
