"""Deterministic synthetic calls for the store benchmarks (no network, no provider).

Transcripts are 5 sentences of 6-14 words from a 20,000-word Zipf vocabulary, plus marker
words planted at known rates so the search benchmark can name its words' frequencies:

    rare   one of RARE words, each in ~1 of 1,000,000 segments
    mid    one of MID words, each in ~1 of 1,000 segments (0.1%)
    common one of COMMON words, each in ~1 of 20 segments (5%)
    "next week" (the phrase) in ~1 of 500 segments; price/prices/pricing in ~1 of 300

One call in TRANSFER_EVERY is a transfer with three legs (queue, first agent, second agent),
chosen by position so the random sequence, and so the data, is the same as without them.

    python benchmarks/gen_data.py DATA_DIR [--calls 1000000]   # a cache the app can open
"""

from __future__ import annotations

import argparse
import itertools
import random
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from recbrowser.domain import Call, Leg, Party, Recording, Segment

SEGMENTS_PER_CALL = 5
TRANSFER_EVERY = 10
T0 = 1_600_000_000_000
RARE = ["zanzibar", "quokka", "xylograph", "vellichor", "kumquat"]
MID = ["refund", "invoice", "delivery", "warranty", "discount"]
COMMON = ["thanks", "okay", "please", "sure", "right"]
PLANTED = [(RARE, 1 / 1_000_000), (MID, 1 / 1_000), (COMMON, 1 / 20)]
PRICE_WORDS = ["price", "prices", "pricing"]
SYLLABLES = ["ka", "lo", "mi", "ne", "su", "ta", "ri", "po", "ve", "da", "go", "hu", "be", "zo", "fi", "ly"]


def vocabulary(size: int = 20_000) -> list[str]:
    words = ("".join(p) for n in (2, 3, 4) for p in itertools.product(SYLLABLES, repeat=n))
    return list(itertools.islice(words, size))


class Generator:
    def __init__(self, seed: int = 1) -> None:
        self.rng = random.Random(seed)
        self.vocab = vocabulary()
        weights = [1 / (rank + 10) for rank in range(len(self.vocab))]
        total = 0.0
        self.cum = []
        for w in weights:
            total += w
            self.cum.append(total)

    def sentence(self) -> str:
        rng = self.rng
        words = rng.choices(self.vocab, cum_weights=self.cum, k=rng.randint(6, 14))
        for group, rate in PLANTED:
            for word in group:
                if rng.random() < rate:
                    words.insert(rng.randrange(len(words) + 1), word)
        if rng.random() < 1 / 500:
            at = rng.randrange(len(words) + 1)
            words[at:at] = ["next", "week"]
        if rng.random() < 1 / 300:
            words.insert(rng.randrange(len(words) + 1), rng.choice(PRICE_WORDS))
        return " ".join(words).capitalize() + "."

    def call(self, i: int, n_calls: int) -> Call:
        rng = self.rng
        # Spread over a year, newest last, with ties (calls starting in the same second).
        start = T0 + (i * 31_536_000 // max(n_calls, 1)) * 1000
        caller = Party(f"+3220{rng.randrange(10**6):06d}", "")
        agent = Party(str(200 + rng.randrange(50)), f"Agent {rng.randrange(50)}")
        inbound = rng.random() < 0.7
        duration = rng.randrange(5_000, 900_000)
        segments = [
            Segment(text=self.sentence(), speaker=agent.name if n % 2 == 0 else "Caller",
                    role="agent" if n % 2 == 0 else "caller", start_ms=n * 4000, end_ms=n * 4000 + 3500)
            for n in range(SEGMENTS_PER_CALL)
        ]
        return Call(
            provider_id=f"{i:09d}",
            start_ms=start,
            direction="inbound" if inbound else "outbound",
            from_party=caller if inbound else agent,
            to_party=agent if inbound else caller,
            agent=agent.name,
            status=rng.choice(("answered", "answered", "answered", "missed", "voicemail")),
            duration_ms=duration,
            talk_ms=duration - 3000,
            has_audio=True,
            transcript_status="available",
            legs=self.legs(i, start, duration, caller, agent),
            recordings=[Recording(provider_id=f"r{i}", file_name=f"{i}.wav", format="wav", size=duration * 16, duration_ms=duration)],
            segments=segments,
            raw={"id": i},
        )

    @staticmethod
    def legs(i: int, start: int, duration: int, caller: Party, agent: Party) -> list[Leg]:
        if i % TRANSFER_EVERY:
            return [Leg(provider_id=f"{i}-0", index=0, start_ms=start, from_party=caller, to_party=agent, status="answered")]
        queue, first = Party("600", "Sales queue"), Party(str(300 + i % 50), f"Agent {(i + 7) % 50}")
        third = duration // 3
        return [
            Leg(provider_id=f"{i}-0", index=0, start_ms=start, from_party=caller, to_party=queue, status="answered",
                duration_ms=20_000, talk_ms=0),
            Leg(provider_id=f"{i}-1", index=1, start_ms=start + 20_000, from_party=caller, to_party=first,
                status="transferred", duration_ms=third, talk_ms=third - 2000),
            Leg(provider_id=f"{i}-2", index=2, start_ms=start + 20_000 + third, from_party=first, to_party=agent,
                status="answered", duration_ms=duration - third - 20_000, talk_ms=duration - third - 22_000),
        ]

    def pages(self, n_calls: int, page: int = 1000) -> Iterator[list[Call]]:
        for first in range(0, n_calls, page):
            yield [self.call(i, n_calls) for i in range(first, min(first + page, n_calls))]


def main() -> None:
    """Write N calls into the cache of DATA_DIR (one account, "bench") for the UI benchmarks."""
    from recbrowser.domain import Account
    from recbrowser.paths import data_dir, ensure
    from recbrowser.store import Store

    ap = argparse.ArgumentParser()
    ap.add_argument("data_dir", type=Path)
    ap.add_argument("--calls", type=int, default=1_000_000)
    args = ap.parse_args()
    d = ensure(data_dir(args.data_dir))
    with Store.open(d.database) as store:
        account = store.add_account(Account(name="bench", provider="yeastar", settings={"base_url": "http://127.0.0.1:9"}))
        assert account.id is not None
        t = time.perf_counter()
        for n, page in enumerate(Generator(seed=1).pages(args.calls)):
            with store.transaction():
                store.upsert_calls(account.id, page)
            if n % 100 == 99:
                print(f"  {(n + 1) * 1000:,} calls, {time.perf_counter() - t:.0f} s", file=sys.stderr)
    print(f"{args.calls:,} calls in {d.database}")


if __name__ == "__main__":
    main()
