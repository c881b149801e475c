"""Store: accounts, idempotent upserts, transcripts kept or replaced, local data never touched."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from recbrowser.domain import Account, Call, Leg, Party, Recording, Segment
from recbrowser.errors import StoreError, UserFacingError
from recbrowser.store import CallFilter, Store


def make_call(i: int, *, segments: list[Segment] | None = None, **kw) -> Call:
    fields = dict(
        provider_id=f"call-{i}",
        start_ms=1_700_000_000_000 + i * 1000,
        direction="inbound",
        from_party=Party(f"+3220000{i:04d}", f"Caller {i}"),
        to_party=Party("+3221111111", "Support"),
        agent="alice",
        status="answered",
        duration_ms=60_000 + i,
        has_audio=True,
        transcript_status="available" if segments else "none",
        legs=[Leg(provider_id=f"leg-{i}-0", index=0), Leg(provider_id=f"leg-{i}-1", index=1)],
        recordings=[Recording(provider_id=f"rec-{i}", file_name=f"{i}.wav", format="wav", size=100)],
        segments=segments,
        raw={"id": i},
    )
    fields.update(kw)
    return Call(**fields)


def transcript(*texts: str) -> list[Segment]:
    return [Segment(text=t, speaker="Agent" if n % 2 == 0 else "Caller", start_ms=n * 1000) for n, t in enumerate(texts)]


@pytest.fixture
def db(tmp_path):
    s = Store.open(tmp_path / "cache" / "recbrowser.sqlite3")
    yield s
    s.close()


@pytest.fixture
def hq(db) -> Account:
    return db.add_account(Account(name="hq", provider="yeastar", settings={"base_url": "https://pbx.example"}))


def raw(db: Store, sql: str, *params):
    return db._conn.execute(sql, params).fetchall()


# -- accounts -------------------------------------------------------------------------------------


def test_accounts_round_trip(db):
    a = db.add_account(Account(name="hq", provider="yeastar", settings={"base_url": "https://x", "client_id": "c"}))
    assert a.id is not None
    assert db.account("hq") == a
    assert db.accounts() == [a]
    a.settings["timezone"] = "Europe/Brussels"
    db.update_account(a)
    assert db.account("hq").settings["timezone"] == "Europe/Brussels"
    assert db.account("nope") is None


def test_duplicate_account_name_is_one_sentence(db, hq):
    with pytest.raises(UserFacingError, match=r"An account named 'hq' already exists\."):
        db.add_account(Account(name="hq", provider="yeastar"))


@pytest.mark.parametrize("key", ["client_secret", "password", "api_key", "apiKey", "access_token", "token", "Secret"])
def test_settings_that_look_like_secrets_are_refused(db, key):
    with pytest.raises(StoreError, match="keyring"):
        db.add_account(Account(name="x", provider="yeastar", settings={key: "s3cr3t"}))
    assert db.accounts() == []


def test_settings_guard_allows_ordinary_keys(db):
    settings = {"token_url": "https://x/t", "client_id": "c", "user_id": "u"}
    db.add_account(Account(name="x", provider="p", settings=dict(settings)))
    assert [(a.name, a.settings) for a in db.accounts()] == [("x", settings)]


def test_sync_state(db, hq):
    assert db.get_state(hq.id, "cursor") is None
    db.set_state(hq.id, "cursor", "a")
    db.set_state(hq.id, "cursor", "b")
    assert db.get_state(hq.id, "cursor") == "b"
    db.set_state(hq.id, "cursor", None)
    assert db.get_state(hq.id, "cursor") is None


# -- upserts --------------------------------------------------------------------------------------


def test_upsert_twice_keeps_ids_rows_and_notes(db, hq):
    calls = [make_call(i, segments=transcript("hello there", f"order {i}")) for i in range(20)]
    with db.transaction():
        assert db.upsert_calls(hq.id, calls) == 20
    ids = raw(db, "SELECT provider_id, id FROM calls ORDER BY id")
    db.add_note("hq", "call-3", 1500, "customer angry here")
    db.add_tag("hq", "call-3", "escalate")
    db.record_media(hq.id, "rec-3", "/media/hq/3.wav", 100, "ab" * 32)
    counts = [raw(db, f"SELECT count(*) FROM {t}")[0][0] for t in ("calls", "legs", "recordings", "segments")]

    assert db.upsert_calls(hq.id, calls) == 0
    assert raw(db, "SELECT provider_id, id FROM calls ORDER BY id") == ids
    assert [raw(db, f"SELECT count(*) FROM {t}")[0][0] for t in ("calls", "legs", "recordings", "segments")] == counts
    assert [n.text for n in db.notes("hq", "call-3")] == ["customer angry here"]
    assert db.tags("hq", "call-3") == ["escalate"]
    assert db.media_for_call("hq", "call-3")[0].path == "/media/hq/3.wav"
    assert db.call_row("hq", "call-3").downloaded


def test_upsert_updates_fields_and_replaces_legs_and_recordings(db, hq):
    db.upsert_calls(hq.id, [make_call(1)])
    changed = make_call(1, status="missed", legs=[Leg(provider_id="only", index=0)], recordings=[])
    assert db.upsert_calls(hq.id, [changed]) == 0
    call = db.get_call("hq", "call-1")
    assert call.status == "missed"
    assert [leg.provider_id for leg in call.legs] == ["only"]
    assert call.recordings == []
    assert db.call_row("hq", "call-1").leg_count == 1


def test_get_call_round_trips(db, hq):
    original = make_call(7, segments=transcript("one", "two", "three"), summary="A short call.", ring_ms=3000)
    original.recordings[0].raw = {"url": "x"}
    db.upsert_calls(hq.id, [original])
    assert db.get_call("hq", "call-7") == original
    assert db.get_call("hq", "nope") is None
    assert db.get_call("other", "call-7") is None


def test_segments_kept_when_not_given_and_replaced_when_given(db, hq):
    db.upsert_calls(hq.id, [make_call(1, segments=transcript("the old words"), summary="old summary")])
    # A page without the transcript: keep it, and keep 'available'.
    db.upsert_calls(hq.id, [make_call(1, segments=None, transcript_status="pending", summary="")])
    call = db.get_call("hq", "call-1")
    assert [s.text for s in call.segments] == ["the old words"]
    assert call.summary == "old summary"
    assert call.transcript_status == "available"
    # A page with the transcript: replace text, summary and status.
    db.upsert_calls(hq.id, [make_call(1, segments=transcript("brand new words"), summary="new summary")])
    call = db.get_call("hq", "call-1")
    assert [s.text for s in call.segments] == ["brand new words"]
    assert call.summary == "new summary"
    assert not db.search("old") and db.search("brand")
    # An empty transcript is a transcript: it replaces.
    db.upsert_calls(hq.id, [make_call(1, segments=[], transcript_status="none")])
    assert db.get_call("hq", "call-1").segments == []
    assert not db.search("brand")


def test_unchanged_transcript_keeps_segment_rows(db, hq):
    db.upsert_calls(hq.id, [make_call(1, segments=transcript("a", "b"))])
    before = raw(db, "SELECT id FROM segments ORDER BY id")
    db.upsert_calls(hq.id, [make_call(1, segments=transcript("a", "b"))])
    assert raw(db, "SELECT id FROM segments ORDER BY id") == before


def test_repeated_id_in_one_page_counts_once(db, hq):
    assert db.upsert_calls(hq.id, [make_call(1, status="missed"), make_call(1, status="answered")]) == 1
    assert db.get_call("hq", "call-1").status == "answered"


def test_same_provider_id_in_two_accounts_is_two_calls(db, hq):
    other = db.add_account(Account(name="branch", provider="yeastar"))
    db.upsert_calls(hq.id, [make_call(1)])
    assert db.upsert_calls(other.id, [make_call(1)]) == 1
    assert db.count_calls(CallFilter()) == 2
    assert db.count_calls(CallFilter(account="branch")) == 1


def test_transaction_rolls_back_a_failed_page(db, hq):
    with pytest.raises(RuntimeError), db.transaction():
        db.upsert_calls(hq.id, [make_call(1)])
        db.set_state(hq.id, "cursor", "page-2")
        raise RuntimeError("provider dropped the connection")
    assert db.count_calls(CallFilter()) == 0
    assert db.get_state(hq.id, "cursor") is None
    with db.transaction(), db.transaction():  # nesting is a no-op
        db.upsert_calls(hq.id, [make_call(1)])
    assert db.count_calls(CallFilter()) == 1


def test_remove_account_cascades(db, hq):
    other = db.add_account(Account(name="branch", provider="yeastar"))
    db.upsert_calls(hq.id, [make_call(i, segments=transcript(f"hq words {i}"), summary="hq summary") for i in range(5)])
    db.upsert_calls(other.id, [make_call(i, segments=transcript("branch words")) for i in range(3)])
    db.add_note("hq", "call-1", None, "a note")
    db.record_media(hq.id, "rec-1", "/m/1.wav", 1, "00")
    db.set_state(hq.id, "cursor", "x")
    db.remove_account("hq")
    assert db.account("hq") is None
    assert db.count_calls(CallFilter()) == 3
    for table in ("legs", "recordings", "segments"):
        assert raw(db, f"SELECT count(*) FROM {table} t JOIN calls c ON c.id = t.call_id")[0][0] == raw(db, f"SELECT count(*) FROM {table}")[0][0]
    assert raw(db, "SELECT count(*) FROM notes")[0][0] == 0
    assert raw(db, "SELECT count(*) FROM media_files")[0][0] == 0
    assert raw(db, "SELECT count(*) FROM sync_state")[0][0] == 0
    assert not db.search("hq") and len(db.search("branch")) == 3
    db._conn.execute("INSERT INTO segments_fts(segments_fts) VALUES ('integrity-check')")
    db._conn.execute("INSERT INTO summaries_fts(summaries_fts) VALUES ('integrity-check')")


def test_notes_need_a_cached_call(db, hq):
    with pytest.raises(UserFacingError, match="hq/nope"):
        db.add_note("hq", "nope", None, "x")
    assert db.notes("hq", "nope") == []


def test_media_is_recorded_per_recording(db, hq):
    db.upsert_calls(hq.id, [make_call(1)])
    assert db.media_for_call("hq", "call-1") == []
    assert not db.call_row("hq", "call-1").downloaded
    db.record_media(hq.id, "rec-1", "/m/a.wav", 10, "aa")
    db.record_media(hq.id, "rec-1", "/m/b.wav", 11, "bb")  # downloaded again: replaced
    [m] = db.media_for_call("hq", "call-1")
    assert (m.recording_provider_id, m.path, m.size, m.sha256) == ("rec-1", "/m/b.wav", 11, "bb")


def test_each_thread_opens_its_own_store_and_writes_wait_for_each_other(tmp_path):
    path = tmp_path / "c.sqlite3"
    with Store.open(path) as s:
        acc = s.add_account(Account(name="hq", provider="p"))
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            with Store.open(path) as s:
                for page in range(5):
                    with s.transaction():
                        s.upsert_calls(acc.id, [make_call(n * 1000 + page * 10 + i) for i in range(10)])
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    with Store.open(path) as s:
        assert s.count_calls(CallFilter()) == 200


def test_foreign_keys_and_wal_are_on(db):
    assert raw(db, "PRAGMA foreign_keys")[0][0] == 1
    assert raw(db, "PRAGMA journal_mode")[0][0] == "wal"
    assert raw(db, "PRAGMA synchronous")[0][0] == 1  # NORMAL
    assert raw(db, "PRAGMA busy_timeout")[0][0] > 0
    with pytest.raises(sqlite3.IntegrityError):
        db._conn.execute("INSERT INTO notes (call_id, text, created_ms) VALUES (999, 'x', 0)")


def test_media_totals_count_what_was_downloaded(tmp_path):
    from recbrowser.domain import Account
    from recbrowser.store import Store

    db = Store.open(tmp_path / "m.sqlite3")
    account = db.add_account(Account(name="hq", provider="yeastar"))
    assert db.media_totals() == (0, 0)
    db.record_media(account.id, "r1", "/x/a.wav", 1000, "a" * 64)
    db.record_media(account.id, "r2", "/x/b.wav", 500, "b" * 64)
    db.record_media(account.id, "r1", "/x/a.wav", 1200, "c" * 64)  # downloaded again: replaced
    assert db.media_totals() == (2, 1700)
    db.close()
