"""Which calls an export takes: given refs, a transcript search, or a time range plus filters.

Returned oldest first (then by ref), so names made unique with " (2)" are the same on a re-run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from recbrowser.domain import parse_call_ref
from recbrowser.errors import UserFacingError
from recbrowser.store import CallFilter
from recbrowser.team.accounts import no_such_call

if TYPE_CHECKING:
    from recbrowser.store.api import CallStore

_PAGE = 500


def select_calls(
    store: CallStore, *, refs: list[str] | None = None, query: str | None = None, call_filter: CallFilter | None = None
) -> list[str]:
    found: dict[str, int] = {}
    if refs:
        for ref in refs:
            try:
                account, pid = parse_call_ref(ref)
            except ValueError as e:
                raise UserFacingError(str(e)) from None
            row = store.call_row(account, pid)
            if row is None:
                raise UserFacingError(no_such_call(store, ref))
            found[row.ref] = row.start_ms
    if query:
        offset = 0
        account = call_filter.account if call_filter else None
        while True:
            hits = store.search(query, account=account, limit=_PAGE, offset=offset)
            for h in hits:
                found.setdefault(h.call_ref, h.call_start_ms)
            if len(hits) < _PAGE:
                break
            offset += _PAGE
    elif call_filter is not None and not refs:
        rows, cursor = store.list_calls(call_filter, limit=_PAGE)
        while True:
            for r in rows:
                found[r.ref] = r.start_ms
            if cursor is None:
                break
            rows, cursor = store.list_calls(call_filter, after=cursor, limit=_PAGE)
    return sorted(found, key=lambda ref: (found[ref], ref))
