"""Keyset paging: every row exactly once, in the same order as a plain ORDER BY, for every filter."""

from __future__ import annotations

import random

import pytest

from recbrowser.domain import Account, Call, Party, Segment
from recbrowser.errors import UserFacingError
from recbrowser.store import CallFilter, Store

N = 3000
DIRECTIONS = ("inbound", "outbound", "internal")
STATUSES = ("answered", "missed", "busy", "voicemail")


def calls(rng: random.Random, prefix: str, n: int) -> list[Call]:
    out = []
    for i in range(n):
        out.append(
            Call(
                provider_id=f"{prefix}{i}",
                # Few distinct instants: many ties in start_ms that the id has to break.
                start_ms=1_700_000_000_000 + rng.randrange(400) * 60_000,
                direction=rng.choice(DIRECTIONS),
                from_party=Party(f"+32{rng.randrange(50):04d}", ""),
                to_party=Party(f"+33{rng.randrange(50):04d}", ""),
                status=rng.choice(STATUSES),
                duration_ms=None if rng.random() < 0.1 else rng.randrange(20) * 1000,
                has_audio=rng.random() < 0.5,
                transcript_status="available" if rng.random() < 0.3 else "none",
                segments=[Segment("hi")] if rng.random() < 0.3 else None,
            )
        )
    return out


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    s = Store.open(tmp_path_factory.mktemp("paging") / "paging.sqlite3")
    rng = random.Random(5)
    hq = s.add_account(Account(name="hq", provider="yeastar"))
    br = s.add_account(Account(name="branch", provider="wildix"))
    with s.transaction():
        s.upsert_calls(hq.id, calls(rng, "h", N * 2 // 3))
        s.upsert_calls(br.id, calls(rng, "b", N // 3))
    yield s
    s.close()


SORT_SQL = {"start": "c.start_ms", "duration": "ifnull(c.duration_ms, -1)", "from": "c.from_number", "to": "c.to_number", "status": "c.status"}


def expected(db: Store, f: CallFilter) -> list[str]:
    """The same list by a plain ORDER BY in SQL written independently of the store's builder."""
    where, params = ["1"], []
    if f.account:
        where.append("a.name = ?")
        params.append(f.account)
    if f.since_ms is not None:
        where.append("c.start_ms >= ?")
        params.append(f.since_ms)
    if f.until_ms is not None:
        where.append("c.start_ms < ?")
        params.append(f.until_ms)
    if f.number:
        where.append("(c.from_number LIKE '%' || ? || '%' OR c.to_number LIKE '%' || ? || '%')")
        params += [f.number, f.number]
    for col in ("direction", "status"):
        if getattr(f, col):
            where.append(f"c.{col} = ?")
            params.append(getattr(f, col))
    if f.has_audio is not None:
        where.append("c.has_audio = ?")
        params.append(int(f.has_audio))
    if f.has_transcript is not None:
        where.append("(c.transcript_status = 'available') = ?")
        params.append(int(f.has_transcript))
    order = "DESC" if f.descending else "ASC"
    sql = (
        f"SELECT a.name || '/' || c.provider_id FROM calls c JOIN accounts a ON a.id = c.account_id "
        f"WHERE {' AND '.join(where)} ORDER BY {SORT_SQL[f.sort]} {order}, c.id {order}"
    )
    return [r[0] for r in db._conn.execute(sql, params)]


def paged(db: Store, f: CallFilter, limit: int) -> list[str]:
    refs, cursor, pages = [], None, 0
    while True:
        rows, cursor = db.list_calls(f, after=cursor, limit=limit)
        refs += [r.ref for r in rows]
        pages += 1
        assert len(rows) <= limit
        if cursor is None:
            return refs
        assert len(rows) == limit and pages < N


FILTERS = [
    CallFilter(),
    CallFilter(descending=False),
    CallFilter(account="hq"),
    CallFilter(account="branch", descending=False),
    CallFilter(since_ms=1_700_000_000_000 + 100 * 60_000, until_ms=1_700_000_000_000 + 300 * 60_000),
    CallFilter(number="0007"),
    CallFilter(number="+33"),
    CallFilter(direction="outbound"),
    CallFilter(status="missed", account="hq"),
    CallFilter(has_audio=True),
    CallFilter(has_audio=False, has_transcript=True),
    CallFilter(has_transcript=False),
    *(CallFilter(sort=s) for s in ("duration", "from", "to", "status")),
    *(CallFilter(sort=s, descending=False, account="hq") for s in ("duration", "from", "to", "status")),
    CallFilter(sort="duration", direction="inbound", has_audio=True),
    CallFilter(account="hq", since_ms=1_700_000_000_000, until_ms=1_700_000_000_000 + 200 * 60_000, number="+32", direction="inbound", status="answered", has_audio=True, has_transcript=False),
]


@pytest.mark.parametrize("f", FILTERS, ids=lambda f: repr(f)[10:-1])
@pytest.mark.parametrize("limit", [1, 97, 1000])
def test_keyset_pages_match_plain_order_by(db, f, limit):
    if limit == 1 and f.account is None and f.number is None and f.direction is None and f.status is None:
        limit = 7  # one row per query over a few thousand rows is slow and proves nothing more
    want = expected(db, f)
    got = paged(db, f, limit)
    assert got == want
    assert len(set(got)) == len(got)
    assert db.count_calls(f) == len(want)


def test_unknown_account_and_empty_pages(db):
    assert db.list_calls(CallFilter(account="nope")) == ([], None)
    assert db.count_calls(CallFilter(account="nope")) == 0
    assert db.list_calls(CallFilter(direction="sideways")) == ([], None)
    rows, cursor = db.list_calls(CallFilter(), limit=N)
    assert len(rows) == N and cursor is None


def test_sort_whitelist(db):
    with pytest.raises(UserFacingError, match="Cannot sort calls by"):
        db.list_calls(CallFilter(sort="start_ms; DROP TABLE calls"))


def test_rows_carry_what_the_table_shows(db):
    [row], _ = db.list_calls(CallFilter(account="branch"), limit=1)
    assert row.ref == f"branch/{row.provider_id}" and row.account == "branch" and row.provider == "wildix"
    assert row.leg_count == 0 and row.downloaded is False
    assert db.call_row("branch", row.provider_id) == row


@pytest.mark.parametrize("sort", ["start", "duration", "from", "to", "status"])
def test_paging_queries_walk_an_index(db, sort):
    # No "USE TEMP B-TREE FOR ORDER BY": a deep page costs the same as the first one.
    from recbrowser.store.listing import SORT_SQL as STORE_SORT

    expr = STORE_SORT[sort]
    sql = (
        f"EXPLAIN QUERY PLAN SELECT c.id FROM calls c CROSS JOIN accounts a ON a.id = c.account_id "
        f"WHERE {expr} <= ? AND ({expr} < ? OR c.id < ?) ORDER BY {expr} DESC, c.id DESC LIMIT 101"
    )
    plan = " ".join(str(r[-1]) for r in db._conn.execute(sql, (1, 1, 1)))
    assert "TEMP B-TREE" not in plan, plan
    sql = sql.replace("WHERE", "WHERE c.account_id = ? AND" if sort == "start" else "WHERE +c.account_id = ? AND")
    plan = " ".join(str(r[-1]) for r in db._conn.execute(sql, (1, 1, 1, 1)))
    assert "TEMP B-TREE" not in plan, plan


def test_plans_and_pages_hold_after_analyze(db):
    # Store.close() runs PRAGMA optimize, so real caches carry planner statistics: the
    # paging queries must stay index walks with them too.
    db._conn.execute("ANALYZE")
    try:
        for sort in ("start", "duration", "from", "to", "status"):
            test_paging_queries_walk_an_index(db, sort)
        for f in (CallFilter(account="hq", sort="from"), CallFilter(status="busy", sort="duration", descending=False)):
            assert paged(db, f, 97) == expected(db, f)
    finally:
        db._conn.execute("DROP TABLE IF EXISTS sqlite_stat1")
        db._conn.execute("DROP TABLE IF EXISTS sqlite_stat4")
