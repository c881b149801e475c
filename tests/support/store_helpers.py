"""Reading a whole test cache back, page by page, as the window and CLI do; a cache that claims
a newer schema."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from recbrowser.store import CallFilter, Store


def all_calls(store: Store, account: str | None = None):
    rows, cursor = store.list_calls(CallFilter(account=account), limit=1000)
    while cursor is not None:
        more, cursor = store.list_calls(CallFilter(account=account), after=cursor, limit=1000)
        rows += more
    return rows


def cache_from_newer_version(path: Path, version: int) -> Path:
    """A cache that says a newer recbrowser wrote it (schema `version`)."""
    Store.open(path).close()
    conn = sqlite3.connect(path)
    conn.execute("UPDATE schema_version SET version = ?", (version,))
    conn.commit()
    conn.close()
    return path
