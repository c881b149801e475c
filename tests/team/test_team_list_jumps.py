"""Jumps in the team archive's call list across several accounts: from the top, and from a
cursor the window already holds (as the SQLite reader can), landing where a walk page by page lands."""

from __future__ import annotations

import psycopg
import pytest

from recbrowser.domain import Account, Call, Party
from recbrowser.store.postgres import admin
from recbrowser.store.postgres.store import PgStore
from recbrowser.store.records import CallFilter

STATUSES = ("answered", "missed", "voicemail")  # many ties: the cursor's id must break them


def _calls(account: int, n: int) -> list[Call]:
    return [Call(provider_id=f"a{account}-{i}", start_ms=1_700_000_000_000 + ((i * 7 + account) % 97) * 60_000,
                 direction="outbound" if i % 4 == 0 else "inbound", from_party=Party(f"+1555{(i * 13) % 50:04d}"),
                 to_party=Party("200"), status=STATUSES[(i + account) % 3],
                 duration_ms=None if i % 11 == 0 else (i * 37) % 600 * 1000)
            for i in range(n)]


@pytest.fixture
def reader(pg_url, pg_login):
    admin.init_archive(pg_url)
    with PgStore.open(pg_url) as owner:
        for a, name in enumerate(("east", "north", "south")):
            account_id = owner.add_account(Account(name=name, provider="yeastar")).id
            with owner.transaction():
                owner.upsert_calls(account_id, _calls(a, 150 + 40 * a))
    sup, url = pg_login("sup")
    with psycopg.connect(pg_url, autocommit=True) as conn:
        admin.grant(conn, sup, ["east", "north", "south"])
    store = PgStore.open(url)
    r = store.open_list_reader()
    yield r
    r.close()
    store.close()


@pytest.mark.parametrize("f", [CallFilter(), CallFilter(sort="status"), CallFilter(sort="duration", descending=False),
                               CallFilter(sort="from", direction="inbound"), CallFilter(status="missed")])
def test_a_jump_from_a_known_cursor_lands_where_the_walk_does(reader, f):
    # the cursor that starts each page of 50, read page by page from the top (what scrolling does)
    starts = {}
    cursor, at = None, 0
    while True:
        rows, cursor = reader.list_calls(f, after=cursor, limit=50)
        at += len(rows)
        if cursor is None:
            break
        starts[at] = cursor
    total = at
    assert total > 150
    positions = range(100, total + 20, 30)
    from_top = reader.cursors_at(f, positions)
    assert [c is None for c in from_top] == [p > total for p in positions]
    for p, c in zip(positions, from_top, strict=True):
        if p in starts:
            assert c == starts[p]
    assert reader.jumps_from_cursors(f)  # the window keeps cursors to jump from
    assert reader.cursors_from(f, positions, starts[100], 100) == from_top
    assert reader.cursors_from(f, range(150, 151), starts[100], 100) == [starts[150]]
