"""Reading a whole test cache back, page by page, as the window and CLI do."""

from __future__ import annotations

from recbrowser.store import CallFilter, Store


def all_calls(store: Store, account: str | None = None):
    rows, cursor = store.list_calls(CallFilter(account=account), limit=1000)
    while cursor is not None:
        more, cursor = store.list_calls(CallFilter(account=account), after=cursor, limit=1000)
        rows += more
    return rows
