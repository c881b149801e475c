"""Turning the providers' many time notations into UTC epoch milliseconds and back.

Yeastar writes times in the PBX's *display* format (set under System > Date and Time), in
the PBX's local time zone, with no offset. We keep that format per account and convert it
to strptime directives once.
"""

from __future__ import annotations

import os
import re
from contextlib import suppress
from datetime import UTC, datetime, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_DISPLAY_FORMAT = "YYYY/MM/DD HH:mm:ss"

# Longest tokens first so "YYYY" is not read as two "YY".
_TOKENS = [
    ("YYYY", "%Y"),
    ("MM", "%m"),
    ("DD", "%d"),
    ("HH", "%H"),
    ("hh", "%I"),
    ("mm", "%M"),
    ("ss", "%S"),
    ("AM|PM", "%p"),
    ("A", "%p"),
]
_TOKEN_RE = re.compile("|".join(re.escape(t) for t, _ in _TOKENS))


@lru_cache(maxsize=32)
def strptime_format(display_format: str) -> str:
    """`YYYY/MM/DD HH:mm:ss` -> `%Y/%m/%d %H:%M:%S`; 12-hour formats use %I with %p."""
    mapping = dict(_TOKENS)
    out = _TOKEN_RE.sub(lambda m: mapping[m.group(0)], display_format.replace("%", "%%"))
    if "%p" in out:
        out = out.replace("%H", "%I")
    if not all(d in out for d in ("%Y", "%m", "%d")):
        raise ValueError(
            f"{display_format!r} is not a PBX date format: it needs YYYY, MM and DD (e.g. {DEFAULT_DISPLAY_FORMAT})."
        )
    return out


def zone(name: str | None) -> tzinfo:
    """The named IANA zone, or this computer's zone when none is set."""
    if not name:
        return local_zone()
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: "Europe" is a folder, a name too long
        raise ValueError(f"{name!r} is not a time zone name; use one like Europe/Berlin or America/New_York.") from None


def local_zone() -> tzinfo:
    """This computer's time zone with its rules (summer and winter time), never today's fixed
    offset: `TZ` when it names an IANA zone, else the zone /etc/localtime links to, else the C
    library's local time (which follows TZ and /etc/localtime too)."""
    names = [os.environ.get("TZ", "").removeprefix(":")]
    with suppress(OSError):
        target = os.path.realpath("/etc/localtime")
        if "/zoneinfo/" in target:
            names.append(target.split("/zoneinfo/", 1)[1])
    for name in names[:1] if names[0] else names[1:]:
        with suppress(ZoneInfoNotFoundError, ValueError, OSError):
            return ZoneInfo(name)
    return SystemLocalTime()


class SystemLocalTime(tzinfo):
    """The C library's local time as a tzinfo: each moment gets its own offset (a POSIX TZ
    string such as CET-1CEST, or a platform without IANA names)."""

    def utcoffset(self, dt: datetime | None) -> timedelta:
        return self._local(dt).utcoffset() or timedelta(0)

    def dst(self, dt: datetime | None) -> timedelta | None:
        return self._local(dt).dst()

    def tzname(self, dt: datetime | None) -> str | None:
        return self._local(dt).tzname()

    def fromutc(self, dt: datetime) -> datetime:
        local = dt.replace(tzinfo=UTC).astimezone()
        return local.replace(tzinfo=self)

    @staticmethod
    def _local(dt: datetime | None) -> datetime:
        # A naive wall time's astimezone() asks mktime() for that moment's offset.
        return (dt or datetime.now()).replace(tzinfo=None).astimezone()

    def __repr__(self) -> str:
        return "SystemLocalTime()"


def parse_display_time(text: str, display_format: str, tz: tzinfo) -> int:
    """Parse a PBX-local time string; raise ValueError naming the expected format."""
    try:
        naive = datetime.strptime(text.strip(), strptime_format(display_format))
    except ValueError:
        raise ValueError(f"the time {text!r} does not match the display format {display_format!r}") from None
    return to_ms(naive.replace(tzinfo=tz))


def format_display_time(ms: int, display_format: str, tz: tzinfo) -> str:
    return datetime.fromtimestamp(ms / 1000, tz).strftime(strptime_format(display_format))


def to_ms(dt: datetime) -> int:
    return int(round(dt.timestamp() * 1000))


def iso_ms(value: object) -> int | None:
    """An optional ISO 8601 field of a provider's JSON as epoch ms; None when absent or unreadable."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return parse_iso(value)
    except ValueError:
        return None


def parse_iso(text: str, default_tz: tzinfo = UTC) -> int:
    """ISO 8601 with or without offset (`Z` accepted); naive values use `default_tz`."""
    dt = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=default_tz)
    return to_ms(dt)


def iso(ms: int, tz: tzinfo = UTC) -> str:
    return datetime.fromtimestamp(ms / 1000, tz).isoformat(timespec="seconds")
