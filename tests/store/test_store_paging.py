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
AGENTS = ("", "Ann", "Bob", "Chloé", "dave")
TRANSCRIPTS = ("available", "pending", "none")


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
                agent=rng.choice(AGENTS),
                duration_ms=None if rng.random() < 0.1 else rng.randrange(20) * 1000,
                has_audio=rng.random() < 0.5,
                transcript_status=rng.choice(TRANSCRIPTS),
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


SORT_SQL = {
    "start": "c.start_ms", "duration": "ifnull(c.duration_ms, -1)", "from": "c.from_number", "to": "c.to_number",
    "status": "c.status", "direction": "c.direction", "agent": "c.agent", "audio": "c.has_audio",
    "transcript": "instr('none pending available', c.transcript_status)",  # none < pending < yes
}
NEW_SORTS = ("account", "direction", "agent", "audio", "transcript")


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
    if f.transcript_status:
        where.append("c.transcript_status = ?")
        params.append(f.transcript_status)
    if f.has_transcript is not None:
        where.append("(c.transcript_status = 'available') = ?")
        params.append(int(f.has_transcript))
    if f.tag:
        where.append("c.id IN (SELECT call_id FROM tags WHERE lower(tag) = lower(?))")
        params.append(f.tag)
    order = "DESC" if f.descending else "ASC"
    # The account sort: by name, then start time and id the other way (A to Z, newest first).
    against = "ASC" if f.descending else "DESC"
    key = f"a.name {order}, c.start_ms {against}, c.id {against}" if f.sort == "account" else f"{SORT_SQL[f.sort]} {order}, c.id {order}"
    sql = (
        f"SELECT a.name || '/' || c.provider_id FROM calls c JOIN accounts a ON a.id = c.account_id "
        f"WHERE {' AND '.join(where)} ORDER BY {key}"
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
    *(CallFilter(sort=s) for s in NEW_SORTS),
    *(CallFilter(sort=s, descending=False) for s in NEW_SORTS),
    *(CallFilter(sort=s, account="branch", status="missed") for s in NEW_SORTS),
    CallFilter(sort="account", descending=False, since_ms=1_700_000_000_000 + 100 * 60_000, number="+32"),
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


@pytest.mark.parametrize("sort", [s for s in SORT_SQL if s != "start"] + ["start"])
def test_paging_queries_walk_an_index(db, sort):
    # No "USE TEMP B-TREE FOR ORDER BY": a deep page costs the same as the first one. A page
    # after a cursor is two seeks: the rest of the cursor's value (value = ? AND rowid < ?),
    # then the values after it.
    from recbrowser.store.listing import SORT_SQL as STORE_SORT

    expr = STORE_SORT[sort]
    base = "EXPLAIN QUERY PLAN SELECT c.id FROM calls c CROSS JOIN accounts a ON a.id = c.account_id WHERE "
    same = base + f"{expr} = ? AND c.id < ? ORDER BY c.id DESC LIMIT 101"
    after = base + f"{expr} < ? ORDER BY {expr} DESC, c.id DESC LIMIT 101"
    account = "c.account_id = ? AND " if sort == "start" else "+c.account_id = ? AND "
    for sql, args in ((same, (1, 1)), (after, (1,)), (same.replace("WHERE ", "WHERE " + account), (1, 1, 1)),
                      (after.replace("WHERE ", "WHERE " + account), (1, 1))):
        plan = " ".join(str(r[-1]) for r in db._conn.execute(sql, args))
        assert "TEMP B-TREE" not in plan, plan
        if "c.id <" in sql:
            assert "rowid<?" in plan, plan  # seeks into the value's rows, never steps over them


def test_plans_and_pages_hold_after_analyze(db):
    # Store.close() runs PRAGMA optimize, so real caches carry planner statistics: the
    # paging queries must stay index walks with them too.
    db._conn.execute("ANALYZE")
    try:
        for sort in SORT_SQL:
            test_paging_queries_walk_an_index(db, sort)
        test_the_account_sort_walks_the_account_start_index(db)
        for f in (CallFilter(account="hq", sort="from"), CallFilter(status="busy", sort="duration", descending=False)):
            assert paged(db, f, 97) == expected(db, f)
    finally:
        db._conn.execute("DROP TABLE IF EXISTS sqlite_stat1")
        db._conn.execute("DROP TABLE IF EXISTS sqlite_stat4")


def test_the_account_sort_walks_the_account_start_index(db):
    from recbrowser.store.listing import _ROW_SELECT

    sql = (
        f"EXPLAIN QUERY PLAN {_ROW_SELECT} FROM calls c CROSS JOIN accounts a ON a.id = c.account_id "
        "WHERE c.account_id = ? AND (c.start_ms, c.id) < (?, ?) ORDER BY c.start_ms DESC, c.id DESC LIMIT 101"
    )
    plan = " ".join(str(r[-1]) for r in db._conn.execute(sql, (1, 1, 1)))
    assert "calls_account_start" in plan and "TEMP B-TREE" not in plan, plan


@pytest.mark.parametrize("f", [
    CallFilter(), CallFilter(descending=False), CallFilter(sort="duration"), CallFilter(sort="agent", account="hq"),
    CallFilter(sort="transcript", direction="inbound"), CallFilter(sort="account"),
    CallFilter(sort="account", descending=False, status="busy"),
    # Sorted by start time, filtered on values calls_start_filters holds (many calls share a
    # start time here: the id order inside a time is found apart from the index walk).
    CallFilter(direction="inbound"), CallFilter(status="missed", has_audio=True, descending=False),
    CallFilter(account="hq", has_transcript=False), CallFilter(transcript_status="pending", direction="outbound"),
    CallFilter(since_ms=1_700_000_000_000 + 100 * 60_000, until_ms=1_700_000_000_000 + 300 * 60_000, status="busy"),
    CallFilter(sort="duration", direction="inbound"), CallFilter(number="+32", status="answered"),
], ids=lambda f: repr(f)[10:-1])
def test_a_jump_lands_on_the_row_asked_for(db, f):
    # The scrollbar dragged anywhere: cursors_at gives where a page starts, no walk needed.
    want = expected(db, f)
    for positions in (range(0, len(want) + 50, 211), range(17, len(want), 97), range(len(want) // 2, len(want) // 2 + 9)):
        cursors = db.cursors_at(f, positions)
        assert len(cursors) == len(positions) and (cursors[0] is None) == (positions[0] == 0)
        for position, cursor in zip(positions, cursors, strict=True):
            if position >= len(want):
                assert cursor is None
                continue
            rows, _ = db.list_calls(f, after=cursor, limit=5)
            assert [r.ref for r in rows] == want[position : position + 5]


@pytest.mark.parametrize("f", [
    CallFilter(direction="inbound", status="missed"), CallFilter(account="hq", has_audio=False, has_transcript=True, since_ms=1),
    CallFilter(transcript_status="pending", descending=False),
], ids=lambda f: repr(f)[10:-1])
def test_a_jump_sorted_by_start_reads_only_index_entries_for_the_filter_bars_values(db, f):
    # No row is read and nothing sorted: a walk over index entries (25 ms in the middle of a
    # million calls), not a second.
    from recbrowser.store import listing

    clauses, params = listing._where(db._conn, f)
    sql = "EXPLAIN QUERY PLAN SELECT c.start_ms FROM calls c INDEXED BY calls_start_filters" + listing._sql(clauses)
    plan = " ".join(str(r[-1]) for r in db._conn.execute(sql + " ORDER BY c.start_ms DESC LIMIT 5 OFFSET 9", params))
    assert "COVERING INDEX calls_start_filters" in plan and "TEMP B-TREE" not in plan, plan
    assert listing._start_index(f)


@pytest.mark.parametrize(("f", "jump", "pages"), [
    (CallFilter(), True, True), (CallFilter(sort="agent"), True, True), (CallFilter(since_ms=1, account="hq"), True, True),
    (CallFilter(sort="status", status="busy"), True, True), (CallFilter(sort="account", account="hq"), True, True),
    (CallFilter(direction="inbound", status="missed"), False, True), (CallFilter(sort="duration", direction="inbound"), False, True),
    (CallFilter(sort="from", since_ms=1), False, True), (CallFilter(number="+32"), False, False), (CallFilter(tag="refund"), False, False),
], ids=lambda v: repr(v)[10:-1] if isinstance(v, CallFilter) else str(v))
def test_what_the_window_may_read_on_its_ui_thread(f, jump, pages):
    from recbrowser.store import listing

    assert (listing.jump_is_quick(f), listing.pages_are_quick(f)) == (jump, pages)


def test_tag_filter_and_legs_of_a_call(db):
    [first, second], _ = db.list_calls(CallFilter(account="hq"), limit=2)
    tags = [db.add_tag("hq", first.provider_id, "Refund"), db.add_tag("hq", second.provider_id, "refund")]
    f = CallFilter(tag="REFUND")
    assert sorted(r.ref for r in db.list_calls(f, limit=10)[0]) == sorted([first.ref, second.ref])
    assert db.count_calls(f) == 2 == len(expected(db, f))
    assert db.count_calls(CallFilter(tag="nobody-uses-this")) == 0
    db.remove_tag("hq", first.provider_id, tags[0])
    db.remove_tag("hq", second.provider_id, tags[1])


def test_legs_come_in_order_for_the_call_asked_for(tmp_path):
    from recbrowser.domain import Leg

    with Store.open(tmp_path / "legs.sqlite3") as s:
        acc = s.add_account(Account(name="hq", provider="yeastar"))
        legs = [Leg(f"L{i}", i, 1_700_000_000_000 + i * 1000, Party("+3222", "Caller"), Party(f"20{i}", f"Agent {i}"),
                    "transferred" if i < 2 else "answered", 30_000, 25_000) for i in (2, 0, 1)]
        with s.transaction():
            s.upsert_calls(acc.id, [Call(provider_id="x", start_ms=1_700_000_000_000, legs=legs),
                                    Call(provider_id="y", start_ms=1_700_000_000_000)])
        got = s.call_legs("hq", "x")
        assert [(g.index, g.to_name, g.status) for g in got] == [(0, "Agent 0", "transferred"), (1, "Agent 1", "transferred"), (2, "Agent 2", "answered")]
        assert s.call_legs("hq", "y") == [] and s.call_legs("nobody", "x") == []


@pytest.mark.parametrize("few", [True, False], ids=["few-tagged", "many-tagged"])
def test_a_tag_lists_and_jumps_alike_read_from_the_tag_or_walked(db, monkeypatch, few):
    # A tag on a few calls is read from tags_tag_nocase and sorted; on many, the sort's index is
    # walked: the same rows, in the same order, and jumps land, either way.
    from recbrowser.store import listing

    rows, _ = db.list_calls(CallFilter(account="branch"), limit=400)
    for r in rows[::2]:
        db.add_tag("branch", r.provider_id, "Callback")
    if not few:
        monkeypatch.setattr(listing, "FEW_TAGGED", 10)
    try:
        for f in (CallFilter(tag="callback"), CallFilter(tag="CALLBACK", sort="duration", descending=False),
                  CallFilter(tag="callback", sort="account", direction="inbound")):
            want = expected(db, f)
            assert paged(db, f, 37) == want and db.count_calls(f) == len(want)
            positions = range(5, len(want), 23)
            for position, cursor in zip(positions, db.cursors_at(f, positions), strict=True):
                assert [r.ref for r in db.list_calls(f, after=cursor, limit=3)[0]] == want[position : position + 3]
        clauses, params = listing._where(db._conn, CallFilter(tag="callback"))
        sql = "EXPLAIN QUERY PLAN SELECT c.id FROM calls c" + listing._sql(clauses) + " ORDER BY c.start_ms DESC LIMIT 5"
        plan = " ".join(str(r[-1]) for r in db._conn.execute(sql, params))
        assert ("tags_tag_nocase" in plan) is few, plan
    finally:
        for r in rows[::2]:
            db.remove_tag("branch", r.provider_id, "Callback")


@pytest.mark.parametrize("f", [
    CallFilter(), CallFilter(descending=False, direction="inbound"), CallFilter(sort="duration", status="missed"),
    CallFilter(sort="from", descending=False, has_audio=True), CallFilter(sort="to", number="+33"),
    CallFilter(sort="status", direction="outbound"),  # many ties: counts from the top, same answers
], ids=lambda f: repr(f)[10:-1])
def test_a_jump_from_a_cursor_already_known_lands_where_one_from_the_top_does(db, f):
    # The window's second jump near a first one starts from the first one's cursor: the same
    # cursors, every row, whether the known cursor sits inside a run of equal values or not.
    from recbrowser.store import listing

    want = expected(db, f)
    anchors = range(1, len(want), 89)
    for at, after in zip(anchors, listing.cursors_at(db._conn, f, anchors), strict=True):
        positions = range(at, min(len(want) + 30, at + 700), 97)
        assert listing.cursors_at(db._conn, f, positions, after, at) == listing.cursors_at(db._conn, f, positions)
    last = listing.cursors_at(db._conn, f, range(len(want) - 3, len(want) - 2))[0]
    assert listing.cursors_at(db._conn, f, range(len(want) - 3, len(want) + 5), last, len(want) - 3)[4:] == [None] * 4
