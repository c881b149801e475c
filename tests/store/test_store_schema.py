"""The cache file: migrations and their backup, newer schemas refused, damaged files, 0600."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import stat
from pathlib import Path

import pytest
from support.paths import FIXTURES
from support.store_helpers import cache_from_newer_version

from recbrowser.domain import Account, Call, Segment
from recbrowser.errors import SchemaTooNew, StoreError
from recbrowser.store import CallFilter, Store, migrations

FIXTURES = FIXTURES


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def version(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT version FROM schema_version").fetchone()[0]
    finally:
        conn.close()


def from_fixture(tmp_path: Path, n: int) -> Path:
    path = tmp_path / f"v{n}.sqlite3"
    conn = sqlite3.connect(path)
    conn.executescript((FIXTURES / f"schema_v{n}.sql").read_text())
    conn.close()
    return path


def test_new_file_is_private_and_at_the_latest_version(tmp_path):
    path = tmp_path / "deep" / "folder" / "recbrowser.sqlite3"
    with Store.open(path) as s:
        s.add_account(Account(name="hq", provider="p"))  # a write: -wal and -shm exist now
        for p in path.parent.iterdir():
            assert stat.S_IMODE(p.stat().st_mode) == 0o600, p
    assert version(path) == len(migrations.MIGRATIONS)


def test_loose_mode_of_an_existing_file_is_tightened(tmp_path):
    path = tmp_path / "c.sqlite3"
    Store.open(path).close()
    path.chmod(0o644)
    Store.open(path).close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


@pytest.mark.parametrize("n", range(1, len(migrations.MIGRATIONS) + 1))
def test_every_past_schema_fixture_opens_and_reads(tmp_path, n):
    path = from_fixture(tmp_path, n)
    with Store.open(path) as s:
        assert [a.name for a in s.accounts()] == ["hq"]
        call = s.get_call("hq", "1001")
        assert [seg.text for seg in call.segments] == ["Hello, this is Bob.", "I would like a refund, please."]
        assert s.count_calls(CallFilter()) == 2
        assert {h.kind for h in s.search("refund")} == {"segment", "summary"}
        assert [n.text for n in s.notes("hq", "1001")] == ["Refund promised"]
        assert s.media_for_call("hq", "1001")[0].sha256 == "0" * 64
        assert s.get_state(s.account("hq").id, "synced_until") == "1700000600000"
    assert version(path) == len(migrations.MIGRATIONS)


def test_a_newer_schema_is_refused_and_the_file_left_alone(tmp_path):
    path = tmp_path / "c.sqlite3"
    newer = len(migrations.MIGRATIONS) + 1
    cache_from_newer_version(path, newer)
    before = digest(path)
    with pytest.raises(SchemaTooNew) as e:
        Store.open(path)
    assert str(e.value) == (
        f"This cache was written by a newer recbrowser (schema {newer}; this version knows {len(migrations.MIGRATIONS)}): "
        "update recbrowser, or pass --data-dir to use another folder."
    )
    assert digest(path) == before
    assert not list(tmp_path.glob("*.bak-*"))


def test_a_deletion_recorded_in_v2_outlives_a_re_sync(tmp_path):
    with Store.open(from_fixture(tmp_path, 2)) as s:
        call = s.get_call("hq", "1001")
        with s.transaction():
            s.upsert_calls(s.account("hq").id, [call])  # as a sync would write it again
        again = s.get_call("hq", "1001")
        assert "media" in again.recordings[0].raw["recbrowserDeleted"]
        assert not again.has_audio and again.audio_reason == "the recording was deleted at Yeastar on 2023-11-14"


def test_a_v6_cache_gains_the_provider_columns_empty_and_fills_them_on_the_next_sync(tmp_path):
    with Store.open(from_fixture(tmp_path, 6)) as s:
        call = s.get_call("hq", "1001")
        assert (call.sentiment, call.queue, call.provider_tags, call.details) == ("", "", [], {})
        call.sentiment, call.queue, call.department, call.provider_tags = "positive", "Sales", "Retail", ["promo"]
        call.legs[0].ring_ms, call.legs[0].hold_ms, call.legs[0].call_type = 4000, 0, "Inbound"
        with s.transaction():
            s.upsert_calls(s.account("hq").id, [call])
        assert [r.ref for r in s.list_calls(CallFilter(queue="Sales"))[0]] == ["hq/1001"]
        assert s.count_calls(CallFilter(sentiment="negative")) == 0
        row = s.call_row("hq", "1001")
        assert (row.sentiment, row.department, row.provider_tags) == ("positive", "Retail", ["promo"])
        assert [(leg.ring_ms, leg.hold_ms, leg.call_type) for leg in s.call_legs("hq", "1001")] == [(4000, 0, "Inbound")]


def test_the_v7_columns_read_back_from_a_v7_cache(tmp_path):
    with Store.open(from_fixture(tmp_path, 7)) as s:
        call = s.get_call("hq", "1001")
        assert (call.sentiment, call.queue, call.department, call.provider_tags, call.language) == (
            "negative", "Billing", "Finance", ["vip"], "en")
        assert call.details == {"trunk": "Telekom-SIP"}
        assert (call.legs[0].ring_ms, call.legs[0].hold_ms, call.legs[0].call_type) == (5000, 12000, "Inbound")
        assert s.count_calls(CallFilter(queue="Billing")) == 1 and s.count_calls(CallFilter(sentiment="negative")) == 1


def _v2_add_call_rating(db) -> None:
    db.execute("ALTER TABLE calls ADD COLUMN rating INTEGER")


def test_migration_backs_up_first_then_upgrades(tmp_path):
    path = from_fixture(tmp_path, 1)
    before = digest(path)
    steps = [*migrations.MIGRATIONS, _v2_add_call_rating]
    latest = len(steps)
    with Store.open(path, migrations=steps) as s:
        assert s.get_call("hq", "1001") is not None
        assert "rating" in {r[1] for r in s._conn.execute("PRAGMA table_info(calls)")}
    assert version(path) == latest
    backup = tmp_path / "v1.sqlite3.bak-v1"
    assert backup.exists() and stat.S_IMODE(backup.stat().st_mode) == 0o600
    assert version(backup) == 1
    conn = sqlite3.connect(backup)
    assert conn.execute("SELECT count(*) FROM calls").fetchone()[0] == 2
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    assert digest(path) != before
    # This app, which does not know the test's extra step, now refuses the upgraded file.
    with pytest.raises(SchemaTooNew, match=f"schema {latest}; this version knows {latest - 1}"):
        Store.open(path)


def test_a_failing_migration_changes_nothing(tmp_path):
    latest = len(migrations.MIGRATIONS)
    path = from_fixture(tmp_path, latest)

    def broken(db) -> None:
        db.execute("ALTER TABLE calls ADD COLUMN rating INTEGER")
        raise RuntimeError("bug in migration")

    with pytest.raises(RuntimeError):
        Store.open(path, migrations=[*migrations.MIGRATIONS, broken])
    assert version(path) == latest
    with Store.open(path) as s:
        assert "rating" not in {r[1] for r in s._conn.execute("PRAGMA table_info(calls)")}


@pytest.mark.parametrize(
    "content",
    [b"this is my shopping list\n", b"\x00" * 4096, os.urandom(8192), b"SQLite format 3\x00" + b"\xff" * 4000],
    ids=["text", "zeros", "random", "bad-sqlite"],
)
def test_damaged_or_foreign_file_is_refused_untouched(tmp_path, content):
    path = tmp_path / "recbrowser.sqlite3"
    path.write_bytes(content)
    with pytest.raises(StoreError, match="is not a recbrowser cache") as e:
        Store.open(path)
    assert "Traceback" not in str(e.value) and str(path) in str(e.value)
    assert path.read_bytes() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == ["recbrowser.sqlite3"]


def test_another_apps_sqlite_file_is_refused_untouched(tmp_path):
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY)")
    conn.commit()
    conn.close()
    before = digest(path)
    with pytest.raises(StoreError, match="not a recbrowser cache"):
        Store.open(path)
    assert digest(path) == before


def test_empty_file_becomes_a_cache(tmp_path):
    path = tmp_path / "c.sqlite3"
    path.touch()
    with Store.open(path) as s:
        acc = s.add_account(Account(name="hq", provider="p"))
        s.upsert_calls(acc.id, [Call(provider_id="1", start_ms=1, segments=[Segment("hello")])])
        assert s.search("hello")


def test_two_processes_worth_of_opens_migrate_once(tmp_path):
    path = tmp_path / "c.sqlite3"
    a = Store.open(path)
    b = Store.open(path)  # already at the latest version: no backup, no second migration
    a.close()
    b.close()
    assert not list(tmp_path.glob("*.bak-*"))


def _v4_cache_with_calls(tmp_path: Path, n: int) -> Path:
    """A cache as the release before v5 wrote it, with n calls (enough for the index build to take a while)."""
    path = tmp_path / "recbrowser.sqlite3"
    with Store.open(path, migrations=migrations.MIGRATIONS[:4]) as s:
        account = s.add_account(Account(name="hq", provider="yeastar"))
    # Rows as that release wrote them (today's upsert writes columns a v4 file does not have).
    conn = sqlite3.connect(path)
    with conn:
        conn.executemany(
            "INSERT INTO calls (account_id, provider_id, start_ms, direction, status, has_audio, leg_count, "
            "first_seen_ms, updated_ms) VALUES (?, ?, ?, ?, ?, 0, 0, 0, 0)",
            [(account.id, f"c{i}", 1_700_000_000_000 + i * 1000, ("inbound", "outbound")[i % 2],
              ("answered", "missed")[i % 3 == 0]) for i in range(n)])
    conn.close()
    return path


def test_an_update_reports_its_progress_and_says_when_it_is_needed(tmp_path):
    path = _v4_cache_with_calls(tmp_path, 3000)
    steps = len(migrations.MIGRATIONS) - 4  # v5 and every later one
    assert migrations.pending(path) == steps and migrations.calls_in(path) == 3000
    assert migrations.pending(tmp_path / "none-yet.sqlite3") == 0
    seen: list[tuple[str, float]] = []
    migrations.upgrade(path, progress=lambda what, fraction: seen.append((what, fraction)))
    fractions = [f for _w, f in seen]
    assert fractions == sorted(fractions) and fractions[0] == 0.0 and fractions[-1] == 1.0
    whats = [w for w, _f in seen]
    assert whats[0] == "Keeping a copy of the cache as it was (recbrowser.sqlite3.bak-v4)"
    assert f"Updating the cache: step 1 of {steps}" in whats and whats[-1] == "The cache is up to date"
    assert migrations.pending(path) == 0 and version(path) == len(migrations.MIGRATIONS)
    with Store.open(path) as s:
        assert s.count_calls(CallFilter(direction="outbound", status="missed")) == 500
        indexes = {r[0] for r in s._conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert "calls_start_filters" in indexes
    # Opening it again has nothing to do and says nothing.
    seen.clear()
    migrations.upgrade(path, progress=lambda what, fraction: seen.append((what, fraction)))
    assert seen == []


CRASH_MID_STEP = """
import os, signal, sys
from recbrowser.store import migrations
migrations.REPORT_EVERY_S = 0  # every progress tick reaches us, so the kill lands inside the index build
seen = []
def progress(what, fraction):
    seen.append(what)
    if what.startswith("Updating the cache") and seen.count(what) == 3:
        os.kill(os.getpid(), signal.SIGKILL)
migrations.upgrade(sys.argv[1], progress)
"""


def test_a_process_killed_in_the_middle_of_an_update_leaves_a_usable_cache(tmp_path):
    import subprocess
    import sys

    path = _v4_cache_with_calls(tmp_path, 20_000)
    done = subprocess.run([sys.executable, "-c", CRASH_MID_STEP, str(path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == -9, done.stderr  # killed inside the step, as a crash or a power cut would
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT version FROM schema_version").fetchone()[0] == 4  # the step before
        assert conn.execute("SELECT count(*) FROM calls").fetchone()[0] == 20_000
        assert not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'calls_start_filters'").fetchall()
    finally:
        conn.close()
    with Store.open(path) as s:  # the next start runs the step again
        assert s.count_calls(CallFilter(direction="inbound")) == 10_000
    assert version(path) == len(migrations.MIGRATIONS)


def test_a_resync_without_the_transcript_keeps_the_sentiment_and_language_read_from_it(tmp_path):
    with Store.open(from_fixture(tmp_path, 7)) as s:
        call = s.get_call("hq", "1001")
        call.segments, call.sentiment, call.language = None, "", ""  # the transcript was not fetched this time
        with s.transaction():
            s.upsert_calls(s.account("hq").id, [call])
        again = s.get_call("hq", "1001")
        assert (again.sentiment, again.language, again.transcript_status) == ("negative", "en", "available")


def test_v8_keeps_conversation_figures_and_a_v7_cache_gains_an_empty_table(tmp_path):
    with Store.open(from_fixture(tmp_path, 8)) as s:
        figures = s.call_figures("hq", "1001")
        assert (figures.agent_talk_ms, figures.caller_talk_ms, figures.silence_ms, figures.longest_monologue_by) == (
            1800, 2200, 60800, "caller")
        assert figures.sentiment == "negative"  # the provider's, v7's column: not a second copy
        assert s.call_row("hq", "1001").figures == figures and s.call_row("hq", "1002").figures is None
        assert s.count_calls(CallFilter(silence_over=90)) == 1 and s.count_calls(CallFilter(agent_talk_over=50)) == 0
    with Store.open(from_fixture(tmp_path, 7)) as s:
        assert s.call_figures("hq", "1001") is None
        assert s.count_calls(CallFilter(silence_over=0)) == 0


def test_v9_a_v8_cache_gains_prefix_indexes_and_keeps_every_hit_and_its_rank(tmp_path):
    path = from_fixture(tmp_path, 8)
    conn = sqlite3.connect(path)
    # The fixture's rebuild indexed call 2's empty summary; sync never does (calls.INDEX_SUMMARIES).
    conn.execute("INSERT INTO summaries_fts(summaries_fts, rowid, summary) VALUES ('delete', 2, '')")
    conn.commit()
    ranks = "SELECT rowid, bm25({t}) FROM {t} WHERE {t} MATCH ? ORDER BY rowid"
    before = {(t, q): conn.execute(ranks.format(t=t), (q,)).fetchall()
              for t in ("segments_fts", "summaries_fts") for q in ('"refund"', '"r"*', '"bo"*', '"ann"*')}
    conn.close()
    with Store.open(path) as s:
        tables = dict(s._conn.execute("SELECT name, sql FROM sqlite_master WHERE name IN ('segments_fts', 'summaries_fts')"))
        assert all("prefix = '1 2 3'" in sql for sql in tables.values()) and len(tables) == 2
        after = {key: s._conn.execute(ranks.format(t=key[0]), (key[1],)).fetchall() for key in before}
        assert [(h.kind, h.text) for h in s.search("r*")] == [
            ("summary", "Ann asked for a refund."), ("segment", "I would like a refund, please.")]
        # The v1 triggers still keep the new tables in step.
        s._conn.execute("UPDATE segments SET text = 'Goodbye for now.' WHERE id = 1")
        assert [h.text for h in s.search("goo*")] == ["Goodbye for now."] and s.search("bo*") == []
        s._conn.execute("INSERT INTO segments_fts(segments_fts) VALUES ('integrity-check')")
        s._conn.execute("INSERT INTO summaries_fts(summaries_fts) VALUES ('integrity-check')")
    assert after == before and before[("segments_fts", '"r"*')]
    assert version(tmp_path / "v8.sqlite3.bak-v8") == 8
