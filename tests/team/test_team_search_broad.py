"""A very common word on the team archive lists hits newest first, as the SQLite store does,
instead of ranking every hit: same calls in both stores, same first pages, same order."""

from __future__ import annotations

import psycopg
import pytest

from recbrowser.domain import Account, Call, Party, Segment
from recbrowser.store import Store
from recbrowser.store import search as sqlite_search
from recbrowser.store.postgres import admin
from recbrowser.store.postgres.store import PgStore

# Sentences of different lengths, so ranking them (ts_rank, bm25) would not give sync order.
TEXTS = ["thanks a lot", "well thanks for calling us today", "thanks", "okay then thanks and goodbye now for sure"]


def _calls(first: int, n: int) -> list[Call]:
    return [Call(provider_id=f"c{i}", start_ms=1_700_000_000_000 + (i % 7) * 60_000, from_party=Party("+1555"),
                 to_party=Party("200"), transcript_status="available",
                 segments=[Segment(text=f"{TEXTS[(i + k) % len(TEXTS)]} {i}", speaker="Agent", start_ms=k * 1000)
                           for k in range(3)])
            for i in range(first, first + n)]


@pytest.fixture
def stores(pg_url, pg_login, tmp_path, monkeypatch):
    """(SQLite store, supervisor's PgStore) holding the same calls, synced page by page into two accounts."""
    admin.init_archive(pg_url)  # schema v3 has the broad search's owner functions
    lite = Store.open(tmp_path / "cache.sqlite3")
    with PgStore.open(pg_url) as owner:
        for store in (lite, owner):
            ids = [store.add_account(Account(name=n, provider="yeastar")).id for n in ("north", "south")]
            for page in range(6):
                with store.transaction():
                    store.upsert_calls(ids[page % 2], _calls(page * 10, 10))
    sup, sup_url = pg_login("sup")
    with psycopg.connect(pg_url, autocommit=True) as conn:
        admin.grant(conn, sup, ["north", "south"])
        conn.execute("ANALYZE")  # as autovacuum does after a sync: the broad test starts from the statistics
    monkeypatch.setattr(sqlite_search, "BROAD", 50)  # 180 sentences say "thanks": a broad search here
    pg = PgStore.open(sup_url)
    yield lite, pg
    pg.close()
    lite.close()


def _page(store, query, **kw):
    return [(h.account, h.call_provider_id, h.kind, h.text, h.start_ms) for h in store.search(query, **kw)]


def test_a_common_word_lists_the_same_hits_newest_first_in_both_stores(stores, monkeypatch):
    lite, pg = stores
    first = _page(pg, "thanks", limit=20)
    assert first == _page(lite, "thanks", limit=20)
    # the last synced call first (page 6 went to "south"), its last sentence first: sync order,
    # not rank (short sentences first) nor start time (c59 starts before c55)
    assert first[:4] == [("south", "c59", "segment", f"{TEXTS[(59 + 2) % 4]} 59", 2000),
                         ("south", "c59", "segment", f"{TEXTS[(59 + 1) % 4]} 59", 1000),
                         ("south", "c59", "segment", f"{TEXTS[59 % 4]} 59", 0),
                         ("south", "c58", "segment", f"{TEXTS[(58 + 2) % 4]} 58", 2000)]
    assert _page(pg, "thanks", limit=20, offset=35) == _page(lite, "thanks", limit=20, offset=35)
    everything = _page(pg, "thanks", limit=1000)  # pages never skip or repeat (an export walks them all)
    assert len(everything) == 180
    assert [h for off in range(0, 180, 25) for h in _page(pg, "thanks", limit=25, offset=off)] == everything
    monkeypatch.setattr(sqlite_search, "BROAD", 20)  # far past the cut: taken from the statistics, not counted
    assert _page(pg, "thanks", limit=20) == first
    # inside one account, or below the cut, hits stay ranked (the same hits as SQLite's, and not
    # the sync order above)
    north = [h for h in everything if h[0] == "north"]
    assert sorted(_page(pg, "thanks", account="north", limit=500)) == sorted(_page(lite, "thanks", account="north", limit=500))
    assert _page(pg, "thanks", account="north", limit=500) != north
    monkeypatch.setattr(sqlite_search, "BROAD", 1000)
    assert sorted(_page(pg, "thanks", limit=500)) == sorted(_page(lite, "thanks", limit=500)) == sorted(everything)
    assert _page(pg, "thanks", limit=500) != everything

