"""Deterministic synthetic calls for the store benchmarks (no network, no provider).

Transcripts are 5 sentences of 6-14 words from a 20,000-word Zipf vocabulary, plus marker
words planted at known rates so the search benchmark can name its words' frequencies:

    rare   one of RARE words, each in ~1 of 1,000,000 segments
    mid    one of MID words, each in ~1 of 1,000 segments (0.1%)
    common one of COMMON words, each in ~1 of 20 segments (5%)
    "next week" (the phrase) in ~1 of 500 segments; price/prices/pricing in ~1 of 300
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator

from recbrowser.domain import Call, Leg, Party, Recording, Segment

SEGMENTS_PER_CALL = 5
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
            legs=[Leg(provider_id=f"{i}-0", index=0, start_ms=start, from_party=caller, to_party=agent, status="answered")],
            recordings=[Recording(provider_id=f"r{i}", file_name=f"{i}.wav", format="wav", size=duration * 16, duration_ms=duration)],
            segments=segments,
            raw={"id": i},
        )

    def pages(self, n_calls: int, page: int = 1000) -> Iterator[list[Call]]:
        for first in range(0, n_calls, page):
            yield [self.call(i, n_calls) for i in range(first, min(first + page, n_calls))]
