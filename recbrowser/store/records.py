"""What the store hands back besides domain objects: list filters, list rows, media, notes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from recbrowser.errors import StoreError, UserFacingError

# A keyset cursor: (sort value, call id) of the last row of a page. Opaque to callers.
Cursor = tuple[Any, int]

# Local facts about a recording that every reader (CLI, window, export) sees, kept in
# `Recording.raw` by every store (api.CallStore.get_call): {what: ISO time} of deletions made
# from recbrowser (`mark_deleted`), and when the provider stopped listing a recording that is
# kept because it was downloaded or deleted by us.
DELETED_MARK = "recbrowserDeleted"
GONE_MARK = "recbrowserGone"

# One per column of the call list. "account" orders by account name, then start time.
SORTS = ("start", "duration", "from", "to", "status", "account", "direction", "agent", "audio", "transcript")


@dataclass
class CallFilter:
    """What the call list shows (every field set narrows it) and how it is sorted."""

    account: str | None = None  # account name
    since_ms: int | None = None  # start_ms >= since_ms
    until_ms: int | None = None  # start_ms < until_ms
    number: str | None = None  # substring of the from or to number
    direction: str | None = None
    status: str | None = None
    has_audio: bool | None = None
    has_transcript: bool | None = None  # transcript_status == 'available'
    transcript_status: str | None = None  # exactly this status ('none', 'pending', 'available')
    tag: str | None = None  # calls carrying this tag (any case)
    # Conversation figures (call_figures, schema v8): calls whose share is over this percent.
    silence_over: float | None = None  # silence share of the recording, 0-100
    agent_talk_over: float | None = None  # the agent's share of the talk time, 0-100
    queue: str | None = None  # the provider's queue, exactly
    sentiment: str | None = None  # the provider's sentiment word, exactly
    agent: str | None = None  # the agent's name, exactly ("" picks the calls without one)
    duration_from_ms: int | None = None  # duration_ms >= this (the overview's duration bins)
    duration_under_ms: int | None = None  # duration_ms < this
    sort: str = "start"  # one of SORTS
    descending: bool = True


@dataclass
class CallRow:
    """One line of the call list: just what the table shows, read in pages."""

    ref: str
    account: str
    provider: str
    provider_id: str
    start_ms: int
    direction: str
    from_number: str
    from_name: str
    to_number: str
    to_name: str
    agent: str
    status: str
    duration_ms: int | None
    has_audio: bool
    audio_reason: str
    transcript_status: str
    downloaded: bool  # a media file of one of its recordings is in the local cache
    leg_count: int
    expires_ms: int | None = None  # when the provider deletes the first of its recordings
    # What the provider says beyond the basics ("" / None / [] when it says nothing).
    sentiment: str = ""
    queue: str = ""
    department: str = ""
    provider_tags: list[str] = field(default_factory=list)  # the provider's, not the user's tags
    ring_ms: int | None = None
    hold_ms: int | None = None
    language: str = ""
    summary: str = ""
    # None until computed (services/conversation.py). Local derived data, not part of what the
    # row is: two archives listing the same calls agree whether or not either computed them.
    figures: CallFigures | None = field(default=None, compare=False)


@dataclass
class CallFigures:
    """How a call's conversation went, from its transcript's sentence timings (and the audio's
    silence map once downloaded): computed by services/conversation.py, kept by the store.
    Durations in ms; shares are 0-1 and None when there is nothing to divide by."""

    span_ms: int  # what the shares are of: the recording's length (or the last sentence's end)
    agent_talk_ms: int
    caller_talk_ms: int
    other_talk_ms: int  # sentences of a speaker with no agent or caller role
    longest_monologue_ms: int
    longest_monologue_by: str  # "agent", "caller" or the speaker's name
    silence_ms: int  # nobody speaking for SILENCE_MIN_MS or longer, holds left out
    overtalk_count: int
    overtalk_ms: int
    hold_ms: int | None  # None: the provider does not say
    words: int
    sentiment: str = ""  # the provider's ("positive", "neutral", "negative"), "" when it gives none
    from_audio: bool = False  # silence from the recording's silence map, not from gaps in the transcript

    @property
    def talk_ms(self) -> int:
        return self.agent_talk_ms + self.caller_talk_ms + self.other_talk_ms

    @property
    def agent_talk_share(self) -> float | None:
        return self.agent_talk_ms / self.talk_ms if self.talk_ms else None

    @property
    def caller_talk_share(self) -> float | None:
        return self.caller_talk_ms / self.talk_ms if self.talk_ms else None

    @property
    def silence_share(self) -> float | None:
        return min(1.0, self.silence_ms / self.span_ms) if self.span_ms else None

    @property
    def words_per_minute(self) -> float | None:
        return self.words * 60_000 / self.talk_ms if self.talk_ms else None


@dataclass
class DayCount:
    """Calls started on one day (UTC) of one account with one status."""

    day: str  # YYYY-MM-DD
    account: str
    status: str
    calls: int


@dataclass
class AgentSummary:
    """One agent's calls in a report."""

    agent: str
    calls: int
    average_talk_ms: float | None  # over the calls whose talk time is known
    average_hold_ms: float | None  # over the calls whose hold time is known
    silence_share: float | None  # average over the calls with figures
    sentiments: dict[str, int]  # provider's sentiment -> calls


@dataclass
class DurationBin:
    """Calls whose duration is in [low_ms, high_ms) (high None: no upper bound; low None: unknown)."""

    label: str
    low_ms: int | None
    high_ms: int | None
    calls: int


@dataclass
class CallReport:
    """What `recbrowser report` and the overview show for a filter: aggregates made by the store."""

    calls: int
    days: list[DayCount]
    agents: list[AgentSummary]
    durations: list[DurationBin]


@dataclass
class LegRow:
    """One leg of a call as the call list shows it under the call."""

    index: int
    start_ms: int | None
    from_number: str
    from_name: str
    to_number: str
    to_name: str
    status: str
    duration_ms: int | None
    talk_ms: int | None
    ring_ms: int | None = None
    hold_ms: int | None = None
    call_type: str = ""


@dataclass
class MediaFile:
    """A recording downloaded to the media cache, with its size and SHA-256 when written."""

    recording_provider_id: str
    path: str
    size: int
    sha256: str


@dataclass
class Note:
    """A local note on a call, optionally at an offset into the recording (user data)."""

    id: int
    offset_ms: int | None
    text: str
    created_ms: int


class SearchSyntaxError(UserFacingError):
    """The search text has nothing to search for."""


class Interrupted(StoreError):
    """A list read stopped by `ListReader.interrupt()` from another thread (the user moved on)."""

    def __init__(self, message: str = "The read of the call list was stopped.") -> None:
        super().__init__(message)
