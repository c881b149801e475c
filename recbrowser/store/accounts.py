"""Accounts (non-secret settings only) and per-account sync state (cursors, watermarks)."""

from __future__ import annotations

import json
import re
import sqlite3
import time

from recbrowser.domain import Account
from recbrowser.errors import StoreError, UserFacingError

# Key parts that name a secret. "token" only as the last part, so `token_url` is a setting.
_SECRET_PART = re.compile(r"(secret|passw(or)?d|pwd|api_?key|apikey|private_?key|credential)", re.I)
_SECRET_END = re.compile(r"(^|[_.-])(access_|refresh_|auth_|bearer_|id_)?tokens?$", re.I)


def now_ms() -> int:
    return int(time.time() * 1000)


def _check_settings(account: Account) -> str:
    for key, value in account.settings.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise StoreError(f"Account '{account.name}': setting {key!r} must be text.")
        if _SECRET_PART.search(key) or _SECRET_END.search(key):
            raise StoreError(
                f"Account '{account.name}': the setting '{key}' looks like a secret; secrets belong in the system keyring, never in the cache."
            )
    return json.dumps(account.settings, ensure_ascii=False, sort_keys=True)


def cache_id(conn: sqlite3.Connection) -> str:
    try:
        row = conn.execute("SELECT value FROM cache_meta WHERE key = 'cache_id'").fetchone()
    except sqlite3.OperationalError:  # a cache opened with fewer migrations (tests of the updates)
        return ""
    return row[0] if row else ""


def _row_to_account(row: tuple, cache: str) -> Account:
    return Account(id=row[0], name=row[1], provider=row[2], settings=json.loads(row[3]), cache_id=cache)


_COLUMNS = "id, name, provider, settings_json"


def add_account(conn: sqlite3.Connection, account: Account) -> Account:
    settings = _check_settings(account)
    try:
        cur = conn.execute(
            "INSERT INTO accounts (name, provider, settings_json, created_ms) VALUES (?, ?, ?, ?)",
            (account.name, account.provider, settings, now_ms()),
        )
    except sqlite3.IntegrityError:
        raise UserFacingError(f"An account named '{account.name}' already exists.") from None
    return Account(name=account.name, provider=account.provider, settings=dict(account.settings), id=cur.lastrowid,
                   cache_id=cache_id(conn))


def accounts(conn: sqlite3.Connection) -> list[Account]:
    cache = cache_id(conn)
    return [_row_to_account(r, cache) for r in conn.execute(f"SELECT {_COLUMNS} FROM accounts ORDER BY name")]


def account(conn: sqlite3.Connection, name: str) -> Account | None:
    row = conn.execute(f"SELECT {_COLUMNS} FROM accounts WHERE name = ?", (name,)).fetchone()
    return _row_to_account(row, cache_id(conn)) if row else None


def account_id(conn: sqlite3.Connection, name: str) -> int | None:
    row = conn.execute("SELECT id FROM accounts WHERE name = ?", (name,)).fetchone()
    return row[0] if row else None


def update_account(conn: sqlite3.Connection, account: Account) -> None:
    settings = _check_settings(account)
    if account.id is None:
        raise StoreError(f"Account '{account.name}' has no id: read it from the store before updating it.")
    try:
        cur = conn.execute(
            "UPDATE accounts SET name = ?, provider = ?, settings_json = ? WHERE id = ?",
            (account.name, account.provider, settings, account.id),
        )
    except sqlite3.IntegrityError:
        raise UserFacingError(f"An account named '{account.name}' already exists.") from None
    if cur.rowcount == 0:
        raise UserFacingError(f"There is no account '{account.name}' in the cache any more.")


def remove_account(conn: sqlite3.Connection, name: str) -> None:
    # ON DELETE CASCADE removes its calls, legs, recordings, segments (and their FTS rows,
    # via triggers), notes, tags, media rows and sync state. Files on disk are kept.
    conn.execute("DELETE FROM accounts WHERE name = ?", (name,))


def get_state(conn: sqlite3.Connection, account_id: int, key: str) -> str | None:
    row = conn.execute("SELECT value FROM sync_state WHERE account_id = ? AND key = ?", (account_id, key)).fetchone()
    return row[0] if row else None


def set_state(conn: sqlite3.Connection, account_id: int, key: str, value: str | None) -> None:
    if value is None:
        conn.execute("DELETE FROM sync_state WHERE account_id = ? AND key = ?", (account_id, key))
        return
    conn.execute(
        "INSERT INTO sync_state (account_id, key, value, updated_ms) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (account_id, key) DO UPDATE SET value = excluded.value, updated_ms = excluded.updated_ms",
        (account_id, key, value, now_ms()),
    )
