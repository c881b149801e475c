"""Conversation figures on the team archive (schema v3): a version 2 archive migrates, the
figures are written by the service and read under each login's row-level security, and the
sealed secrets stay out of a supervisor's reach."""

from __future__ import annotations

import psycopg
import pytest

from recbrowser.domain import Account, Call, Segment
from recbrowser.errors import UserFacingError
from recbrowser.services import conversation
from recbrowser.store.postgres import admin, schema
from recbrowser.store.postgres.store import PgStore
from recbrowser.store.records import CallFilter

AGENT_HEAVY = [Segment(text="hello this is anna how can I help", speaker="Anna", role="agent", start_ms=0, end_ms=8000),
               Segment(text="my order", speaker="Bob", role="caller", start_ms=8500, end_ms=10_000)]
SILENT = [Segment(text="hello", speaker="Anna", role="agent", start_ms=0, end_ms=1000),
          Segment(text="yes", speaker="Bob", role="caller", start_ms=9000, end_ms=10_000)]


def _v2_archive_with_calls(url: str) -> None:
    """A version 2 archive as the previous recbrowser left it: two accounts, each with a call."""
    assert admin.init_archive(url, migrations=schema.MIGRATIONS[:2]) == 2
    with psycopg.connect(url, autocommit=True) as conn:
        for account_id, name in ((1, "north"), (2, "south")):
            conn.execute("INSERT INTO accounts (id, name, provider, created_ms) VALUES (%s, %s, 'wildix', 0)",
                         (account_id, name))
            conn.execute("INSERT INTO calls (account_id, id, provider_id, start_ms, agent, status, duration_ms, "
                         "sentiment, transcript_status, first_seen_ms, updated_ms) "
                         "VALUES (%s, %s, 'c1', 1000, 'Anna', 'answered', 10000, 'negative', 'available', 5, 5)",
                         (account_id, account_id))
            conn.execute("INSERT INTO notes (account_id, call_id, text, created_ms) VALUES (%s, %s, 'call back', 9)",
                         (account_id, account_id))


def _calls(segments: list[Segment], sentiment: str = "negative") -> list[Call]:
    return [Call(provider_id="c1", start_ms=1000, agent="Anna", status="answered", duration_ms=10_000,
                 sentiment=sentiment, transcript_status="available", segments=segments)]


def test_a_version_2_archive_is_refused_until_team_init_migrates_it_then_keeps_figures(pg_url, pg_login):
    _v2_archive_with_calls(pg_url)
    with pytest.raises(UserFacingError) as e:  # the new code would fail on a missing table: one sentence instead
        PgStore.open(pg_url)
    assert str(e.value) == ("This team archive has schema 2; this recbrowser needs 3: "
                            "ask your admin to run `recbrowser team init` to update it.")
    assert admin.init_archive(pg_url) == 3
    with PgStore.open(pg_url) as owner:
        assert [n.text for n in owner.notes("north", "c1")] == ["call back"]  # nothing lost
        assert owner.call_figures("north", "c1") is None  # computed by the next sync, not invented
        assert owner.list_calls(CallFilter())[0][0].figures is None
        for account in owner.accounts():
            assert account.id is not None
            with owner.transaction():
                owner.upsert_calls(account.id, _calls(SILENT if account.name == "north" else AGENT_HEAVY))
                conversation.save_for_calls(owner, account.id, _calls(SILENT if account.name == "north" else AGENT_HEAVY))
        north = owner.call_figures("north", "c1")
        assert north is not None and (north.silence_ms, north.agent_talk_ms, north.sentiment) == (8000, 1000, "negative")
        assert [n.text for n in owner.notes("north", "c1")] == ["call back"]

    alice, alice_url = pg_login("alice")
    with psycopg.connect(pg_url, autocommit=True) as su:
        admin.grant(su, alice, ["north"])
    with PgStore.open(alice_url) as store:
        rows, _ = store.list_calls(CallFilter())
        assert [(r.account, r.figures.silence_ms if r.figures else None) for r in rows] == [("north", 8000)]
        assert store.call_figures("south", "c1") is None  # not granted: as if it did not exist
        assert store.count_calls(CallFilter(silence_over=50)) == 1
        assert store.count_calls(CallFilter(agent_talk_over=50)) == 0
        report = store.report(CallFilter())
        assert (report.calls, [(a.agent, a.silence_share) for a in report.agents]) == (1, [("Anna", 0.8)])
        # A supervisor reads figures; only the service writes them (and not through another door).
        with pytest.raises(UserFacingError, match="may not do this"):
            store.save_figures(1, {"c1": conversation.figures(_calls(AGENT_HEAVY)[0])})
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            store.connection.execute("SELECT recbrowser_reseal(1, '', 'x'::bytea)")
    with psycopg.connect(alice_url) as conn:  # psql as the supervisor: the same rows
        assert conn.execute("SELECT account_id FROM call_figures").fetchall() == [(1,)]


def test_the_figures_filters_and_report_agree_with_the_figures_kept(pg_url):
    admin.init_archive(pg_url)
    with PgStore.open(pg_url) as store:
        account = store.add_account(Account(name="wx", provider="wildix"))
        assert account.id is not None
        calls = [Call(provider_id=f"c{i}", start_ms=1000 + i, agent="Anna" if i % 2 else "Ben", status="answered",
                      duration_ms=10_000, talk_ms=9000, transcript_status="available",
                      segments=SILENT if i % 3 == 0 else AGENT_HEAVY) for i in range(12)]
        calls.append(Call(provider_id="no-text", start_ms=5, agent="Ben", status="missed", segments=None))
        with store.transaction():
            store.upsert_calls(account.id, calls)
            assert conversation.save_for_calls(store, account.id, calls) == 12
        silent = {f"c{i}" for i in range(12) if i % 3 == 0}
        rows, _ = store.list_calls(CallFilter(silence_over=20), limit=100)
        assert {r.provider_id for r in rows} == silent
        assert not store.pages_are_quick(CallFilter(silence_over=20))
        rows, _ = store.list_calls(CallFilter(agent_talk_over=70), limit=100)
        assert {r.provider_id for r in rows} == {f"c{i}" for i in range(12)} - silent
        # A re-sync of the same page changes nothing, and rewrites nothing either.
        before = store.connection.execute("SELECT xmin::text FROM call_figures ORDER BY call_id").fetchall()
        with store.transaction():
            store.upsert_calls(account.id, calls)
            conversation.save_for_calls(store, account.id, calls)
        assert store.connection.execute("SELECT xmin::text FROM call_figures ORDER BY call_id").fetchall() == before
        report = store.report(CallFilter())
        by_agent = {a.agent: a for a in report.agents}
        # Anna: c1 c3 c5 c7 c9 c11 (c3 and c9 silent for 8 s of 10: 80 %; the others' gaps are short: 0 %).
        # Ben: the same, and a missed call without figures, which the average leaves out.
        assert by_agent["Anna"].silence_share == pytest.approx(2 * 0.8 / 6)
        assert by_agent["Ben"].calls == 7 and by_agent["Ben"].silence_share == pytest.approx(2 * 0.8 / 6)
        assert report.calls == 13


def test_version_3_is_all_or_nothing(pg_url):
    _v2_archive_with_calls(pg_url)

    def v3_then_breaks(conn: psycopg.Connection) -> None:
        schema.MIGRATIONS[2](conn)
        conn.execute("SELECT no_such_column FROM calls")

    with pytest.raises(psycopg.errors.UndefinedColumn):
        admin.init_archive(pg_url, migrations=[*schema.MIGRATIONS[:2], v3_then_breaks])
    with psycopg.connect(pg_url) as conn:
        assert schema.current_version(conn) == 2
        assert conn.execute("SELECT to_regclass('call_figures')").fetchone()[0] is None
        assert conn.execute("SELECT to_regprocedure('recbrowser_reseal(bigint, text, bytea)')").fetchone()[0] is None
        columns = {r[0] for r in conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'calls'")}
        assert "silence_pct" not in columns
    assert admin.init_archive(pg_url) == 3
