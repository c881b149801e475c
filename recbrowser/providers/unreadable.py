"""A provider record we cannot read is skipped and counted: one bad row never stops a sync.

Vendors send what their firmware sends: `call_duration` 1e308, `attachments` -1, a string
where a number belongs, null, a list instead of an object. A mapper wrapped in `@reads(...)`
either returns a domain object the store can hold or raises `UnreadableRecord` naming the
record and why; the provider leaves that record out of its page and lists it in
`CallPage.unreadable`, the sync counts it ("1 call could not be read: why") and logs its id.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any, TypeVar

from recbrowser.domain import Call, Leg, Recording, Segment

# What a mapper raises on a value of the wrong type or range; anything else is a bug, not data.
READ_ERRORS = (TypeError, ValueError, ArithmeticError, KeyError, IndexError, AttributeError, RecursionError)
MAX_MS = 253_402_300_799_999  # 9999-12-31T23:59:59.999Z: the last instant a date can show
MAX_LENGTH_MS = 366 * 86_400_000  # no call, ring, talk or recording lasts a year
MAX_SIZE = 2**63 - 1  # SQLite's INTEGER

F = TypeVar("F", bound=Callable[..., Any])


class UnreadableRecord(Exception):
    """One record (`kind` "call", "recording"...) with id `record_id` that could not be read."""

    def __init__(self, kind: str, record_id: str, why: str) -> None:
        super().__init__(f"{kind} {record_id}: {why}")
        self.kind, self.record_id, self.why = kind, record_id, why


def record_id(value: Any) -> str:
    """A record's id for messages and the log: printable, short, never raising."""
    text = "".join(ch for ch in str(value) if ch.isprintable())[:64] if value not in (None, "") else ""
    return text or "without an id"


def why(error: BaseException) -> str:
    """A short reason. Only ValueError's text is ours (e.g. the time format); others may quote data."""
    if isinstance(error, KeyError):
        return f"the field {record_id(error.args[0] if error.args else '')!r} is missing"
    if isinstance(error, ArithmeticError):
        return "a number is out of range"
    if isinstance(error, ValueError) and str(error):
        return str(error)[:160]
    return "a field has the wrong type"


def reads(kind: str, id_of: Callable[..., Any]) -> Callable[[F], F]:
    """Wrap a mapper: its errors on bad data and any out-of-range result become UnreadableRecord.

    `id_of` gets the mapper's arguments and returns the record's id (it must not raise).
    """

    def wrap(fn: F) -> F:
        @functools.wraps(fn)
        def mapped(*args: Any, **kwargs: Any) -> Any:
            try:
                out = fn(*args, **kwargs)
                for obj in (out, *args):  # mappers that fill a call in place are checked too
                    if isinstance(obj, Call | Recording):
                        check(obj)
                if isinstance(out, list):
                    for obj in out:
                        check(obj)
                return out
            except UnreadableRecord:
                raise
            except READ_ERRORS as e:
                try:
                    rid = record_id(id_of(*args, **kwargs))
                except Exception:  # the id itself is unreadable
                    rid = "without an id"
                raise UnreadableRecord(kind, rid, why(e)) from e

        return mapped  # type: ignore[return-value]

    return wrap


def check(obj: Any) -> None:
    """Raise ValueError when a domain object holds a value the store or the UI cannot."""
    if isinstance(obj, Call):
        _text(obj.provider_id, "id", required=True)
        _ms(obj.start_ms, "start time", MAX_MS, required=True)
        for name in ("duration_ms", "ring_ms", "talk_ms", "hold_ms"):
            _ms(getattr(obj, name), name.removesuffix("_ms").replace("_", " "), MAX_LENGTH_MS)
        for text in (obj.agent, obj.summary, obj.audio_reason, obj.from_party.number, obj.from_party.name,
                     obj.to_party.number, obj.to_party.name):
            _text(text, "name or text")
        for part in (*obj.legs, *obj.recordings, *(obj.segments or [])):
            check(part)
    elif isinstance(obj, Recording):
        _text(obj.provider_id, "recording id", required=True)
        _text(obj.file_name, "file name")
        _ms(obj.size, "size", MAX_SIZE)
        _ms(obj.duration_ms, "recording duration", MAX_LENGTH_MS)
        _ms(obj.start_ms, "recording start", MAX_MS)
        _ms(obj.expires_ms, "expiry", MAX_MS)
    elif isinstance(obj, Leg):
        _ms(obj.start_ms, "leg start", MAX_MS)
        _ms(obj.duration_ms, "leg duration", MAX_LENGTH_MS)
        _ms(obj.talk_ms, "leg talk time", MAX_LENGTH_MS)
        _ms(obj.ring_ms, "leg ring time", MAX_LENGTH_MS)
        _ms(obj.hold_ms, "leg hold time", MAX_LENGTH_MS)
        _ms(obj.index, "leg number", MAX_SIZE)
    elif isinstance(obj, Segment):
        _text(obj.text, "transcript text")
        _ms(obj.start_ms, "sentence start", MAX_LENGTH_MS)
        _ms(obj.end_ms, "sentence end", MAX_LENGTH_MS)
        if obj.confidence is not None and not (isinstance(obj.confidence, int | float) and math.isfinite(obj.confidence)):
            raise ValueError("a confidence is not a number")


def _ms(value: Any, what: str, highest: int, required: bool = False) -> None:
    if value is None and not required:
        return
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"the {what} is not a whole number")
    if not 0 <= value <= highest:
        raise ValueError(f"the {what} is out of range")


def _text(value: Any, what: str, required: bool = False) -> None:
    if not isinstance(value, str) or (required and not value):
        raise ValueError(f"the {what} is {'missing' if required and not value else 'not text'}")


def read_each(items: list[Any], read: Callable[[Any], Any], skipped: list[UnreadableRecord]) -> list[Any]:
    """`read` every item; the unreadable ones are left out and added to `skipped` (the sync logs them)."""
    out = []
    for item in items:
        try:
            out.append(read(item))
        except UnreadableRecord as e:
            skipped.append(e)
    return out


def drain(found: list[str]) -> list[str]:
    """The unreadable records found since the last page, for the next page to carry."""
    taken = list(found)
    found.clear()
    return taken


def part_of_call(error: UnreadableRecord, call_id: Any) -> UnreadableRecord:
    """A call's recording or transcript that cannot be read makes the call unreadable: its
    recordings would otherwise go missing without a word."""
    if error.kind == "call":
        return error
    return UnreadableRecord("call", record_id(call_id), f"its {error.kind} {error.record_id}: {error.why}")
