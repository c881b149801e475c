"""Plain data shared by every layer: accounts, calls, legs, recordings, transcript segments.

No I/O and no dependencies. Instants are UTC epoch milliseconds; segment offsets are
milliseconds from the start of the recording (or of the leg when there is no recording).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Normalised vocabularies. Providers map their own words onto these.
DIRECTIONS = ("inbound", "outbound", "internal", "unknown")
STATUSES = ("answered", "missed", "busy", "failed", "voicemail", "abandoned", "unknown")
TRANSCRIPT_STATUSES = ("none", "pending", "available")
ROLES = ("agent", "caller", "")


@dataclass
class Account:
    """A provider account. `settings` are non-secret; secrets live only in the keyring."""

    name: str
    provider: str
    settings: dict[str, str] = field(default_factory=dict)
    id: int | None = None
    # The cache it was read from (Store.cache_id): keys its secrets in the keyring. Not part of
    # what the account is, so an account read back equals the one that was added.
    cache_id: str = field(default="", compare=False, repr=False)


@dataclass
class Party:
    """One side of a call: a number and, where the provider knows it, a name."""

    number: str = ""
    name: str = ""

    def label(self) -> str:
        if self.name and self.number and self.name != self.number:
            return f"{self.name} <{self.number}>"
        return self.name or self.number


@dataclass
class Segment:
    """One sentence of a transcript.

    `start_ms`/`end_ms` are offsets from the start of the recording; None means the
    provider gave no timing (the UI shows such segments without click-to-seek).
    """

    text: str
    speaker: str = ""
    role: str = ""
    start_ms: int | None = None
    end_ms: int | None = None
    leg: str = ""
    confidence: float | None = None


@dataclass
class Leg:
    """One leg (flow) of a call: transfers and queues split a call into legs."""

    provider_id: str
    index: int
    start_ms: int | None = None
    from_party: Party = field(default_factory=Party)
    to_party: Party = field(default_factory=Party)
    status: str = "unknown"
    duration_ms: int | None = None
    talk_ms: int | None = None
    ring_ms: int | None = None
    hold_ms: int | None = None
    call_type: str = ""  # the provider's own word for this leg (Yeastar: Inbound, Internal...)


@dataclass
class Recording:
    """A media file at the provider. `provider_id` is the provider's own recording key."""

    provider_id: str
    file_name: str = ""
    format: str = ""  # "wav", "mp3", "webm"...
    size: int | None = None
    duration_ms: int | None = None
    start_ms: int | None = None
    expires_ms: int | None = None  # provider retention: audio gone after this instant
    leg: str = ""
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass
class Call:
    """A call as the provider reports it, normalised. Keyed by (account, provider_id)."""

    provider_id: str
    start_ms: int
    direction: str = "unknown"
    from_party: Party = field(default_factory=Party)
    to_party: Party = field(default_factory=Party)
    agent: str = ""
    status: str = "unknown"
    duration_ms: int | None = None
    ring_ms: int | None = None
    talk_ms: int | None = None
    hold_ms: int | None = None
    has_audio: bool = False
    audio_reason: str = ""  # why there is no audio, when there is none
    transcript_status: str = "none"
    summary: str = ""
    # What the provider says about the call beyond the basics (empty when it says nothing).
    sentiment: str = ""  # the provider's overall word: positive, neutral, negative...
    queue: str = ""
    department: str = ""
    provider_tags: list[str] = field(default_factory=list)  # the provider's tags, not the user's own
    language: str = ""  # of the transcript, as the provider names it (en, en-US...)
    # Other labelled facts, shown as they are: trunk, intent, key points, call status,
    # interaction metrics, recording pauses, owner... {label: text, number or list}
    details: dict[str, Any] = field(default_factory=dict)
    legs: list[Leg] = field(default_factory=list)
    recordings: list[Recording] = field(default_factory=list)
    # None: transcript not fetched in this sync (keep what the cache has); []: no transcript.
    segments: list[Segment] | None = None
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass
class SearchHit:
    """One transcript sentence (or summary) matching a search."""

    call_ref: str
    account: str
    call_provider_id: str
    call_start_ms: int
    speaker: str
    start_ms: int | None
    text: str
    snippet: str  # the text with hits wrapped in [ and ]
    kind: str = "segment"  # or "summary"


def call_ref(account_name: str, provider_id: str) -> str:
    """The CALL reference the CLI prints and accepts: `<account>/<provider call id>`."""
    return f"{account_name}/{provider_id}"


def parse_call_ref(ref: str) -> tuple[str, str]:
    account, sep, provider_id = ref.partition("/")
    if not sep or not account or not provider_id:
        raise ValueError(f"{ref!r} is not a call reference; use ACCOUNT/CALL_ID as `calls` prints it.")
    return account, provider_id
