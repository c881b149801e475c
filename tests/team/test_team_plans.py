"""Under row-level security PostgreSQL may use an index only for LEAKPROOF conditions: a
supervisor's keyset page must still seek in the sort's index (a filter would walk every call
before the cursor: a page a million rows deep would read a million rows). Checked on the plan
of the statement the store really runs, as the supervisor's own login."""

from __future__ import annotations

import psycopg
import pytest

from recbrowser.domain import Account, Call, Party
from recbrowser.store.postgres import admin
from recbrowser.store.postgres.store import PgStore
from recbrowser.store.records import SORTS, CallFilter


@pytest.fixture(scope="module")
def archive(postgres_server):
    import uuid

    from psycopg import sql

    name = f"plans_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(postgres_server.url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = postgres_server.url.rsplit("/", 1)[0] + "/" + name
    admin.init_archive(url)
    with PgStore.open(url) as owner:
        for a in ("north", "south"):
            account = owner.add_account(Account(name=a, provider="yeastar"))
            calls = [Call(provider_id=f"{a}{i}", start_ms=i * 1000, duration_ms=None if i % 7 == 0 else i,
                          from_party=Party(f"+1{i:04d}"), status=("answered", "missed")[i % 2],
                          queue=("Sales", "Support", "Billing", "")[i % 4],
                          sentiment=("positive", "neutral", "negative")[i % 3]) for i in range(2000)]
            with owner.transaction():
                owner.upsert_calls(account.id, calls)
            for i in range(0, 2000, 100):
                owner.add_tag(a, f"{a}{i}", "VIP")
        owner.connection.execute("ANALYZE")  # as autovacuum would: the planner's statistics
    yield url
    with psycopg.connect(postgres_server.url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


def _page_statement(store: PgStore, f: CallFilter) -> tuple[str, tuple]:
    """The statement list_calls runs for the page after a cursor (and its parameters); the
    cursor is the unfiltered list's (a filter may match nothing here: the plan is what counts)."""
    cursor = store.list_calls(CallFilter(sort=f.sort, descending=f.descending), limit=50)[1]
    assert cursor is not None
    conn, seen = store.connection, []
    run = conn.execute

    def spy(query, params=None, **kw):
        seen.append((query, params))
        return run(query, params, **kw)

    conn.execute = spy  # type: ignore[method-assign]
    try:
        store.list_calls(f, after=cursor, limit=50)
    finally:
        del conn.execute
    return next((q, p) for q, p in seen if "LATERAL" in str(q) or "ORDER BY c.start_ms" in str(q))


@pytest.mark.parametrize("sort", SORTS)
def test_a_supervisors_page_after_a_cursor_seeks_in_the_sorts_index(archive, pg_login, sort):
    alice, alice_url = pg_login("alice")
    alice_url = alice_url.rsplit("/", 1)[0] + "/" + archive.rsplit("/", 1)[1]  # this module's archive
    with psycopg.connect(archive, autocommit=True) as su:
        admin.grant(su, alice, ["north", "south"])
    with PgStore.open(alice_url) as store:
        for f in (CallFilter(sort=sort), CallFilter(sort=sort, tag="vip")):
            query, params = _page_statement(store, f)
            with store.connection.transaction():
                store.connection.execute("SET LOCAL enable_seqscan = off")  # small tables: ask for the index
                plan = "\n".join(r[0] for r in store.connection.execute(b"EXPLAIN " + query.encode(), params))
            if f.tag:  # a tag is on few calls: found through its own index (tag_key), then sorted
                assert "tags_tag" in plan and "tag_key = " in plan, plan
            else:  # the cursor is a seek in the sort's index, not a test of every row before it
                assert "Index Cond" in plan and "ROW(" in plan and "Filter: (ROW(" not in plan, plan


@pytest.mark.parametrize("descending", [True, False])
@pytest.mark.parametrize("f", [CallFilter(queue="Sales"), CallFilter(sentiment="negative")], ids=["queue", "sentiment"])
def test_a_supervisors_queue_or_sentiment_page_seeks_in_that_filters_index(archive, pg_login, f, descending):
    # Plain text equality is LEAKPROOF: under row-level security the value stays an index
    # condition, next to the cursor's seek, instead of a filter on every call of the account.
    alice, alice_url = pg_login("alice")
    alice_url = alice_url.rsplit("/", 1)[0] + "/" + archive.rsplit("/", 1)[1]
    with psycopg.connect(archive, autocommit=True) as su:
        admin.grant(su, alice, ["north", "south"])
    column = "queue" if f.queue else "sentiment"
    with PgStore.open(alice_url) as store:
        query, params = _page_statement(store, CallFilter(queue=f.queue, sentiment=f.sentiment, descending=descending))
        with store.connection.transaction():
            store.connection.execute("SET LOCAL enable_seqscan = off")
            plan = "\n".join(r[0] for r in store.connection.execute(b"EXPLAIN " + query.encode(), params))
        assert f"calls_{column}" in plan, plan
        conditions = [line for line in plan.splitlines() if "Index Cond" in line and f"{column} = " in line]
        assert conditions and "ROW(" in conditions[0], plan
        assert not [line for line in plan.splitlines() if "Filter:" in line and f"{column} = " in line], plan
