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
    queue: str | None = None  # the provider's queue, exactly
    sentiment: str | None = None  # the provider's sentiment word, exactly
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
