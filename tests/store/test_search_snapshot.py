"""Search results kept exactly: a fixed query set on a fixed generated cache against a snapshot.

The snapshot (tests/snapshots/search/results.txt) was written by the search code of 2026-12-08,
before search-as-you-type was made faster: every change to how hits are found, ranked, paged or
highlighted must give the same hits in the same order with the same snippets. The cache is
big enough for both of the store's orders: ranked (bm25, then newest call), and newest first for
words in more than `BROAD` sentences; one- to three-letter prefixes of frequent words included.
Set RECBROWSER_UPDATE_SNAPSHOTS=1 to rewrite the snapshot after an intended change.
"""

from __future__ import annotations

import itertools
import os
import random

import pytest
from support.paths import SNAPSHOTS

from recbrowser.domain import Account, Call, Segment
from recbrowser.store import Store

SNAPSHOT = SNAPSHOTS / "search" / "results.txt"
CALLS = 6_000  # 30,000 sentences: "okay" and "ka*" are in more than 20,000 of them
SYLLABLES = ["ka", "lo", "mi", "ne", "su", "ta", "ri", "po", "ve", "da"]
T0 = 1_700_000_000_000

# (query, account, limit, offset): what the window asks (limit 100), the CLI's pages, an
# account's search (always ranked), and the keys a user types on the way to a word.
QUERIES: list[tuple[str, str | None, int, int]] = [
    *((q, None, 100, 0) for q in (
        "quokka", "refund", "invoice", "okay", "kaka", "lolo", "cafe", "café", "pric*", "price",
        "k*", "ka*", "kal*", "l*", "lo*", "lom*", "r*", "re*", "ref*", "refu", "p*", "o*", "ok*",
        '"next week"', "refund OR invoice", "refund -okay", "okay -refund", "kaka lolo", "refund okay",
        '"ka*"', "ve* da*", "zz*",
    )),
    ("okay", None, 50, 50), ("ka*", None, 50, 2_000), ("refund", None, 50, 50), ("lolo", None, 50, 400),
    ("okay", "branch", 100, 0), ("ka*", "branch", 50, 0), ("refund", "hq", 50, 0), ("re*", "hq", 100, 0),
    ("okay", None, 1, 0), ("refund", "nobody", 10, 0),
]


def vocabulary() -> list[str]:
    two = ["".join(p) for p in itertools.product(SYLLABLES, repeat=2)]
    three = ["".join(p) for p in itertools.product(SYLLABLES, repeat=3)]
    return two + three


def sentence(rng: random.Random, vocab: list[str], cum: list[float]) -> str:
    words = rng.choices(vocab, cum_weights=cum, k=rng.randint(4, 9))
    for word, rate in (("okay", 0.72), ("refund", 0.01), ("invoice", 0.004), ("quokka", 0.0002),
                       ("café", 0.002), ("reply", 0.003), ("pricing", 0.003), ("prices", 0.002)):
        if rng.random() < rate:
            words.insert(rng.randrange(len(words) + 1), word)
    if rng.random() < 0.003:
        at = rng.randrange(len(words) + 1)
        words[at:at] = ["next", "week"]
    return " ".join(words).capitalize() + "."


def calls(rng: random.Random, first: int, n: int) -> list[Call]:
    vocab = vocabulary()
    cum = list(itertools.accumulate(1 / (rank + 5) for rank in range(len(vocab))))
    out = []
    for i in range(first, first + n):
        segments = [Segment(text=sentence(rng, vocab, cum), speaker=("Agent", "Caller")[k % 2], start_ms=k * 3000)
                    for k in range(5)]
        summary = sentence(rng, vocab, cum) if i % 7 == 0 else ""
        # Three calls a second: ties on the call's start, which the ranked order breaks by kind and id.
        out.append(Call(provider_id=f"c{i:05d}", start_ms=T0 + (i // 3) * 1000, summary=summary,
                        transcript_status="available", segments=segments))
    return out


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    rng = random.Random(19)
    s = Store.open(tmp_path_factory.mktemp("search-snapshot") / "cache.sqlite3")
    hq = s.add_account(Account(name="hq", provider="yeastar"))
    branch = s.add_account(Account(name="branch", provider="wildix"))
    for first in range(0, CALLS, 1000):  # interleaved, as two accounts' syncs would be
        account = hq if first % 2000 == 0 else branch
        with s.transaction():
            s.upsert_calls(account.id, calls(rng, first, 1000))
    yield s
    s.close()


def results(store: Store) -> str:
    lines = []
    for query, account, limit, offset in QUERIES:
        hits = store.search(query, account=account, limit=limit, offset=offset)
        lines.append(f"## {query} | account={account} limit={limit} offset={offset}: {len(hits)} hits")
        lines += [f"{h.call_ref} {h.kind} {h.call_start_ms} {h.speaker or '-'} {h.start_ms} {h.snippet}" for h in hits]
    return "\n".join(lines) + "\n"


def test_the_cache_holds_both_orders(cache):
    # The snapshot is only worth something if it covers the newest-first order as well as the ranked one.
    from recbrowser.store.search import BROAD

    conn = cache._conn
    count = "SELECT count(*) FROM segments_fts WHERE segments_fts MATCH ?"
    assert conn.execute(count, ('"okay"',)).fetchone()[0] > BROAD
    assert conn.execute(count, ('"ka"*',)).fetchone()[0] > BROAD
    assert conn.execute(count, ('"refund"',)).fetchone()[0] < BROAD


def test_search_results_are_the_same_as_before(cache):
    text = results(cache)
    if os.environ.get("RECBROWSER_UPDATE_SNAPSHOTS"):
        SNAPSHOT.parent.mkdir(parents=True, exist_ok=True)
        SNAPSHOT.write_text(text, encoding="utf-8")
    assert SNAPSHOT.exists(), f"no snapshot {SNAPSHOT}; run with RECBROWSER_UPDATE_SNAPSHOTS=1 once and review it"
    expected = SNAPSHOT.read_text(encoding="utf-8").split("\n## ")
    for want, got in zip(expected, text.split("\n## "), strict=True):
        assert got == want, f"results changed for: {want.splitlines()[0]}"
