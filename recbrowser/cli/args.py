"""Argument types for the command line: each refuses a value it cannot use with one sentence
(argparse prints it with the usage line and exits 2), so no command sees a NaN, a number SQLite
cannot store, or a date range that runs backwards."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable, Sequence
from datetime import datetime

MAX_LIMIT = 1_000_000  # rows a listing prints; more would not fit in SQLite's LIMIT ... anyway
MAX_WORKERS = 64  # audio conversion processes; each is an ffmpeg of its own
MAX_DAYS = 36_500  # `archive --within`: a hundred years is "everything"


def whole_number(low: int, high: int, example: int) -> Callable[[str], int]:
    """A type for an option that takes a whole number from `low` to `high`."""

    def parse(text: str) -> int:
        try:
            value = int(text.strip())
        except ValueError:
            value = None
        if value is None or not low <= value <= high:
            raise argparse.ArgumentTypeError(
                f"{text!r} is not a whole number from {low:,} to {high:,} (e.g. {example})")
        return value

    return parse


def days_arg(text: str) -> float:
    """A number of days above 0 (fractions allowed), finite and at most MAX_DAYS."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and 0 < value <= MAX_DAYS):
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of days above 0 and up to {MAX_DAYS:,} (e.g. 7)")
    return value


def iso_arg(text: str) -> int:
    """An ISO date or time as UTC epoch ms; one without an offset is in this computer's zone,
    with that day's own offset (summer or winter time)."""
    from recbrowser.providers.timeparse import to_ms

    hint = f"{text!r} is not a date; use e.g. 2026-05-09 or 2026-05-09T14:30"
    try:
        dt = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
        # A naive time: astimezone() asks the C library for the offset of that very moment.
        return to_ms(dt if dt.tzinfo else dt.astimezone())
    except ValueError:
        raise argparse.ArgumentTypeError(hint) from None
    except (OverflowError, OSError):  # year 1 or 9999 at the edge of what the C library converts
        raise argparse.ArgumentTypeError(f"{text!r} is out of the range of dates recbrowser can use") from None


def percent(text: str) -> float:
    """A share as the filters take it: 20, 20 % or 20%, from 0 to 100."""
    try:
        value = float(text.strip().rstrip("%").strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a percentage; use e.g. 20 for 20 %") from None
    if math.isnan(value) or not 0 <= value <= 100:
        raise argparse.ArgumentTypeError(f"{text!r} is not between 0 and 100")
    return value


def check_range(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """`--since` must come before `--until` where a command takes both."""
    since, until = getattr(args, "since", None), getattr(args, "until", None)
    if since is not None and until is not None and since >= until:
        parser.error("--since must be earlier than --until (swap the two dates)")


def query_first(argv: Sequence[str], options: dict[str, bool]) -> list[str]:
    """`search -refund`: a word that starts with '-' and is no option of the command is part of
    the query (search syntax for "without refund"), not an unknown option. `argv` is what
    follows the command word; `options` maps each of its options to whether it takes a value.
    Each word of the query is passed on as `--query=WORD`, in order."""
    out: list[str] = []
    args = list(argv)
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            out += args[i:]
            break
        name = arg.split("=", 1)[0]
        known = [o for o in options if o == name or (name.startswith("--") and len(name) > 2 and o.startswith(name))]
        if not known and (not arg.startswith("-") or len(arg) > 1):
            out.append(f"--query={arg}")  # every word, in order: `refund -card` stays one query
        else:
            out.append(arg)
            if known and options[known[0]] and "=" not in arg and i + 1 < len(args):
                out.append(args[i + 1])
                i += 1
        i += 1
    return out
