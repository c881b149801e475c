"""Search: the query translator, FTS kept in step with every write, and no input that breaks it."""

from __future__ import annotations

import contextlib
import random
import sqlite3

import pytest

from recbrowser.domain import Account, Call, Segment
from recbrowser.store import SearchSyntaxError, Store
from recbrowser.store.search import to_fts

TEXTS = [
    "Hello, thank you for calling, how can I help?",
    "I would like to know the price of the premium plan.",
    "The price is forty euros per month.",
    "Can you deliver it next week?",
    "Yes, delivery next week is fine.",
    "I want a refund for my last invoice.",
    "Your refund will arrive within five days.",
    "Thank you, goodbye.",
    "Ça coûte combien, le café ?",
    "Voicemail: please call me back about the refund.",
]


def call(i: int, texts: list[str], summary: str = "", start: int | None = None) -> Call:
    return Call(
        provider_id=f"c{i}",
        start_ms=start if start is not None else 1_700_000_000_000 + i * 60_000,
        summary=summary,
        transcript_status="available",
        segments=[Segment(text=t, speaker=("Agent", "Caller")[n % 2], start_ms=n * 2000) for n, t in enumerate(texts)],
    )


@pytest.fixture
def db(tmp_path):
    s = Store.open(tmp_path / "search.sqlite3")
    acc = s.add_account(Account(name="hq", provider="yeastar"))
    other = s.add_account(Account(name="branch", provider="wildix"))
    s.upsert_calls(acc.id, [call(i, TEXTS[i : i + 3], summary="Customer asked for a refund." if i == 5 else "") for i in range(10)])
    s.upsert_calls(other.id, [call(100, ["Branch office asks about the price list."])])
    yield s
    s.close()


def texts(hits) -> set[str]:
    return {h.text for h in hits}


def fts_consistent(db: Store) -> None:
    # FTS5's own check that the index matches the content tables exactly.
    db._conn.execute("INSERT INTO segments_fts(segments_fts) VALUES ('integrity-check')")
    db._conn.execute("INSERT INTO summaries_fts(summaries_fts) VALUES ('integrity-check')")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("price", '"price"'),
        ("price plan", '"price" AND "plan"'),
        ("pric*", '"pric"*'),
        ('"next week"', '"next week"'),
        ("refund -voicemail", '("refund") NOT ("voicemail")'),
        ("refund OR invoice", '("refund" OR "invoice")'),
        ("refund OR invoice week", '("refund" OR "invoice") AND "week"'),
        ("NEAR(a b)", '"NEAR(a" AND "b)"'),
        ("text:price", '"text:price"'),
        ('say "hi', '"say" AND "hi"'),
        ('a"b"c', '"a" AND "b" AND "c"'),
        ("^start", '"^start"'),
        ("OR price OR", '"price"'),
        ("-voicemail OR price", '("price") NOT ("voicemail")'),
        ('-"next week" price', '("price") NOT ("next week")'),
        ("x\x00y", '"x" AND "y"'),
    ],
)
def test_translation(query, expected):
    assert to_fts(query) == expected


@pytest.mark.parametrize("query", ["", "   ", "*", "-", '"', '""', "()", "OR", "- * :", "-refund", "\x00"])
def test_nothing_to_search_for_is_one_sentence(db, query):
    with pytest.raises(SearchSyntaxError, match=r"^Type a word to search for"):
        db.search(query)


def test_word_prefix_phrase_not_or(db):
    assert texts(db.search("refund")) >= {TEXTS[5], TEXTS[6], TEXTS[9]}
    assert {h.kind for h in db.search("refund")} == {"segment", "summary"}
    assert TEXTS[1] in texts(db.search("pric*")) and TEXTS[2] in texts(db.search("pric*"))
    assert texts(db.search('"next week"')) == {TEXTS[3], TEXTS[4]}
    assert texts(db.search('"week next"')) == set()
    assert TEXTS[9] not in texts(db.search("refund -voicemail"))
    assert texts(db.search("goodbye OR euros")) == {TEXTS[7], TEXTS[2]}
    assert texts(db.search("cafe")) == {TEXTS[8]}  # diacritics folded
    assert texts(db.search("NEAR")) == set()


def test_hit_fields_and_snippet(db):
    [hit] = [h for h in db.search("euros") if h.call_provider_id == "c2"]
    assert hit.call_ref == "hq/c2" and hit.account == "hq"
    assert hit.speaker == "Agent" and hit.start_ms == 0
    assert hit.snippet == "The price is forty [euros] per month."
    [summary] = [h for h in db.search("customer") if h.kind == "summary"]
    assert summary.snippet == "[Customer] asked for a refund." and summary.start_ms is None


def test_account_filter_limit_offset_and_order(db):
    assert {h.account for h in db.search("price", account="branch")} == {"branch"}
    assert db.search("price", account="missing") == []
    everything = db.search("thank", limit=100)
    assert db.search("thank", limit=2) + db.search("thank", limit=100, offset=2) == everything
    # Equal rank (same sentence): the most recent call first.
    same = [h for h in everything if h.text == TEXTS[7]]
    assert [h.call_start_ms for h in same] == sorted((h.call_start_ms for h in same), reverse=True)


def test_fts_follows_insert_update_delete(db):
    acc = db.account("hq")
    fts_consistent(db)
    db.upsert_calls(acc.id, [call(50, ["zanzibar shipment delayed"], summary="About zanzibar.")])
    assert len(db.search("zanzibar")) == 2
    db.upsert_calls(acc.id, [call(50, ["madagascar shipment"], summary="")])
    assert db.search("zanzibar") == [] and len(db.search("madagascar")) == 1
    fts_consistent(db)
    db.upsert_calls(acc.id, [call(50, [], summary="Now about tuvalu.")])
    assert db.search("madagascar") == [] and [h.kind for h in db.search("tuvalu")] == ["summary"]
    db.remove_account("hq")
    assert db.search("tuvalu") == [] and db.search("refund") == []
    assert texts(db.search("price")) == {"Branch office asks about the price list."}
    fts_consistent(db)


NASTY = [
    '"', '""', '"""', "'", "*", "**", "-", "--", "+", "^", ":", "(", ")", "()", "{", "}", "[", "]", "NEAR", "NEAR(",
    "NEAR(a b, 2)", "AND", "OR", "NOT", "a AND", "OR OR", "NOT a", "a NOT", "a -", "- a", "-*", "*a", "a**", "a*b",
    "text:", "text:a", "segments_fts:a", "{text}: a", "a:b:c", "^a", "a^", "\\", "\\\"", "\x00", "a\x00b", "\ud800",
    "🙂", "é", "e\u0301", "\u200b", "\u2028", "\t\n", "%", "_", "a%", "';--", "a' OR '1'='1", "rank", "bm25(", ",",
    "-\"a b\"", '"a" "b', '"a*"', '"a"*', '"a"**', "-OR", "OR-", "a OR -b", "(a OR b)", "a + b", "a.b", "1e10",
    "\uffff", "\U0010ffff", "ﷺ", "ǅ", "Ⅻ", "٣", "\ue000", "x" * 5000,
]
ALPHABET = list(' "\'*-+^:()[]{}\\%_.,;\t\n\x00\u200b\ud800🙂éaZ9') + ["OR", "AND", "NOT", "NEAR", "refund", "pric"]


def _try(db: Store, query: str) -> None:
    with contextlib.suppress(SearchSyntaxError):
        db.search(query, limit=5)


@pytest.mark.parametrize("query", NASTY)
def test_nasty_input_never_breaks_fts(db, query):
    _try(db, query)


def test_seeded_fuzz_never_raises_sqlite_errors(db):
    rng = random.Random(20261123)
    for _ in range(3000):
        query = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 12)))
        try:
            _try(db, query)
        except sqlite3.Error as e:  # pragma: no cover - the failure message names the input
            pytest.fail(f"{query!r} raised {e!r}")


def test_fts_in_step_through_mixed_pages(db):
    """New calls, re-synced calls with and without transcripts, changed summaries: FTS stays exact."""
    acc = db.account("hq")
    rng = random.Random(3)
    words = ["alpha", "bravo", "charlie", "delta", "echo"]
    for _ in range(15):
        page = []
        for _ in range(20):
            i = rng.randrange(40)
            said = [" ".join(rng.choices(words, k=4)) for _ in range(rng.randrange(4))]
            page.append(call(200 + i, said, summary=rng.choice(["", "about alpha", "about bravo"])))
            if rng.random() < 0.3:
                page[-1].segments = None
        with db.transaction():
            db.upsert_calls(acc.id, page)
        fts_consistent(db)
    stored = db._conn.execute("SELECT count(*) FROM segments WHERE text LIKE '%delta%'").fetchone()[0]
    found = db._conn.execute("SELECT count(*) FROM segments_fts WHERE segments_fts MATCH 'delta'").fetchone()[0]
    assert stored == found
    summaries = db._conn.execute("SELECT count(*) FROM calls WHERE summary LIKE '%alpha%'").fetchone()[0]
    assert summaries == len([h for h in db.search("alpha", limit=10_000) if h.kind == "summary"])


@pytest.mark.parametrize("batch", [1, 3, 256])
def test_ranking_is_exact_whatever_the_tie_batch(tmp_path, monkeypatch, batch):
    """Many equal ranks (the same sentence in many calls): the page order is still rank, then recency."""
    from recbrowser.store import search as search_module

    monkeypatch.setattr(search_module, "TIE_BATCH", batch)
    rng = random.Random(11)
    with Store.open(tmp_path / "ties.sqlite3") as db:
        acc = db.add_account(Account(name="hq", provider="p"))
        said = ["Thanks.", "Thanks a lot.", "Okay thanks, bye.", "No thanks, that is all for today."]
        calls = [call(i, rng.sample(said, 2), summary=rng.choice(["", "Caller said thanks."]), start=rng.randrange(50) * 1000)
                 for i in range(120)]
        db.upsert_calls(acc.id, calls)
        want = db._conn.execute(
            "SELECT kind, rid, c.provider_id FROM ("
            " SELECT 0 AS kind, segments_fts.rowid AS rid, s.call_id AS cid, bm25(segments_fts) AS r FROM segments_fts"
            " JOIN segments s ON s.id = segments_fts.rowid WHERE segments_fts MATCH 'thanks'"
            " UNION ALL SELECT 1, rowid, rowid, bm25(summaries_fts) FROM summaries_fts WHERE summaries_fts MATCH 'thanks'"
            ") h JOIN calls c ON c.id = h.cid ORDER BY h.r, c.start_ms DESC, h.kind, h.rid"
        ).fetchall()
        texts = {0: dict(db._conn.execute("SELECT id, text FROM segments")), 1: dict(db._conn.execute("SELECT id, summary FROM calls"))}
        for offset, limit in [(0, 10), (7, 30), (100, 50), (0, 1000)]:
            got = [(h.kind, h.call_provider_id, h.text) for h in db.search("thanks", limit=limit, offset=offset)]
            assert got == [("summary" if k else "segment", p, texts[k][i]) for k, i, p in want[offset : offset + limit]]
        hits = db.search("thanks", limit=1000)
        assert len(hits) == len(want)


def test_a_very_common_word_lists_newest_first_and_pages_exactly(tmp_path, monkeypatch):
    """Past BROAD hits there is no bm25 ranking (0.6 s at 250k hits): summaries, then sentences,
    newest first, in a total order so an export that pages through all of them gets each once."""
    from recbrowser.store import search as search_module

    monkeypatch.setattr(search_module, "BROAD", 20)
    with Store.open(tmp_path / "broad.sqlite3") as db:
        acc = db.add_account(Account(name="hq", provider="p"))
        for page in range(3):  # three syncs: later pages get higher rowids
            db.upsert_calls(acc.id, [call(page * 10 + i, ["Thanks for calling.", "Okay, thanks."],
                                          summary="Caller said thanks." if i % 3 == 0 else "") for i in range(10)])
        seg_ids = [r for (r,) in db._conn.execute("SELECT id FROM segments ORDER BY id DESC")]
        sum_calls = [p for (p,) in db._conn.execute("SELECT provider_id FROM calls WHERE summary != '' ORDER BY id DESC")]
        texts = dict(db._conn.execute("SELECT id, text FROM segments"))
        want = [("summary", p, "Caller said thanks.") for p in sum_calls]
        want += [("segment", None, texts[i]) for i in seg_ids]
        pages = []
        for offset in range(0, len(want) + 7, 7):
            pages += [(h.kind, h.call_provider_id if h.kind == "summary" else None, h.text)
                      for h in db.search("thanks", limit=7, offset=offset)]
        assert pages == want  # every hit once, in order, across pages
        first = db.search("thanks", limit=3)
        assert [h.kind for h in first] == ["summary"] * 3 and first[0].call_provider_id == "c29"
        assert all("[" in h.snippet for h in first)  # still highlighted
        assert db.search("thanks", account="hq", limit=5)  # an account filter keeps the ranked path
