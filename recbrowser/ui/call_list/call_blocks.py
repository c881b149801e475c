"""Which queries read a block of the call list, and the cursors they leave behind.

Qt-free, so the same code runs on the UI thread (a block next to one already read, or a jump the
store answers from index entries alone: milliseconds) and in a worker (a jump in a filtered list
whose filter needs a row read per index entry: up to a second on a million calls).

Keyset paging cannot jump: reaching block n walks the pages before it. Blocks near the end are
read from the end instead (the same sort reversed: the store orders by (value, id), so the
reverse order is exact). Anywhere else further than JUMP_BLOCKS from a known cursor, the store
finds the block's cursor, and those of the few blocks above it, with one OFFSET (`cursors_at`).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from recbrowser.store.records import CallFilter, CallRow, Cursor

BLOCK = 200
JUMP_BLOCKS = 3  # further than this from a known cursor: ask the store for the cursor
REV_PAGES = 8  # pages read from the end kept (a block straddles two of them)


class Reader(Protocol):
    """What a block is read from: the store itself on the UI thread, or a worker's
    `ListReader` (store/api.py), which can also jump from a known cursor (`cursors_from`)."""

    def list_calls(self, f: CallFilter, after: Cursor | None = None, limit: int = 100) -> tuple[list[CallRow], Cursor | None]: ...

    def cursors_at(self, f: CallFilter, positions: range) -> list[Cursor | None]: ...


def _start() -> dict[int, Any]:
    return {0: None}


@dataclass
class Pages:
    """What is known of one ordering of the list: the cursor that starts each block read so far
    (a few bytes each), counted from the top and from the end, and the last pages read from the end."""

    call_filter: CallFilter
    total: int
    cursors: dict[int, Any] = field(default_factory=_start)
    rev_cursors: dict[int, Any] = field(default_factory=_start)
    rev_pages: OrderedDict[int, list[CallRow]] = field(default_factory=OrderedDict)
    queries: int = 0  # list_calls / cursors_at queries run: tests and benchmarks read it

    def copy(self) -> Pages:
        """For a worker: its own dicts, so the UI thread's stay as they are while it reads."""
        return replace(self, cursors=dict(self.cursors), rev_cursors=dict(self.rev_cursors),
                       rev_pages=OrderedDict(self.rev_pages), queries=0)

    def learn(self, other: Pages) -> None:
        """Keep what a worker's reads of the same ordering found out."""
        self.cursors.update(other.cursors)
        self.rev_cursors.update(other.rev_cursors)
        for page, rows in other.rev_pages.items():
            self.rev_pages[page] = rows
        while len(self.rev_pages) > REV_PAGES:
            self.rev_pages.popitem(last=False)
        self.queries += other.queries

    def costs(self, number: int) -> tuple[int, int]:
        """(pages to walk from the top, pages to walk from the end) to reach block `number`."""
        first, end = number * BLOCK, min((number + 1) * BLOCK, self.total)
        rev_lo, rev_hi = (self.total - end) // BLOCK, (self.total - 1 - first) // BLOCK
        forward = number - max(k for k in self.cursors if k <= number)
        backward = rev_hi - max(k for k in self.rev_cursors if k <= rev_lo)
        return forward, backward

    def is_near(self, number: int) -> bool:
        """A page query or two read it (a known cursor starts it, from the top or from the end)."""
        forward, backward = self.costs(number)
        return forward <= 0 or backward <= 1

    def read(self, reader: Reader, number: int) -> list[CallRow]:
        """The rows of block `number` (fewer at the end of the list, none if it shrank under us)."""
        first, end = number * BLOCK, min((number + 1) * BLOCK, self.total)
        forward, backward = self.costs(number)
        if min(forward, backward) > JUMP_BLOCKS:
            # Far from anything read: one OFFSET finds where this block and the few above it
            # start (scrolling back up from here then walks). The OFFSET steps over every row
            # before it, so past the middle it counts from the end, in the reversed order: a
            # filtered jump reads a row per step, and this halves the longest (a second at a
            # million calls instead of two).
            # With a reader that can (the workers'), it counts from the nearest cursor known
            # instead, either way: a drag near the last one costs the distance between them.
            rev_lo, rev_hi = (self.total - end) // BLOCK, (self.total - 1 - first) // BLOCK
            relative = hasattr(reader, "cursors_from") and reader.jumps_from_cursors(self.call_filter)  # type: ignore[attr-defined]
            ahead = self._anchor(self.cursors, number - JUMP_BLOCKS) if relative else 0
            behind = self._anchor(self.rev_cursors, rev_lo - JUMP_BLOCKS) if relative else 0
            if first - ahead * BLOCK <= (rev_lo - behind) * BLOCK:
                numbers = range(max(0, number - JUMP_BLOCKS), number + 1)
                positions = range(numbers.start * BLOCK, first + 1, BLOCK)
                cursors = self._cursors_at(reader, self.call_filter, positions, self.cursors, ahead)
                self.cursors.update(zip(numbers, cursors, strict=True))
                return self._walk(reader, self.call_filter, self.cursors, number)
            numbers = range(max(0, rev_lo - JUMP_BLOCKS), rev_hi + 1)
            reverse = replace(self.call_filter, descending=not self.call_filter.descending)
            positions = range(numbers.start * BLOCK, rev_hi * BLOCK + 1, BLOCK)
            cursors = self._cursors_at(reader, reverse, positions, self.rev_cursors, behind)
            self.rev_cursors.update(zip(numbers, cursors, strict=True))
            return self._from_the_end(reader, first, end)
        if backward < forward:
            return self._from_the_end(reader, first, end)
        return self._walk(reader, self.call_filter, self.cursors, number)

    @staticmethod
    def _anchor(cursors: dict[int, Any], limit: int) -> int:
        """The furthest block up to `limit` whose cursor is known (0: the top of the order)."""
        return max((k for k, c in cursors.items() if k <= limit and c is not None), default=0)

    def _cursors_at(self, reader: Reader, f: CallFilter, positions: range, known: dict[int, Any],
                    anchor: int) -> list[Cursor | None]:
        self.queries += 1
        if anchor > 0:
            return reader.cursors_from(f, positions, known[anchor], anchor * BLOCK)  # type: ignore[attr-defined]
        return reader.cursors_at(f, positions)

    def _walk(self, reader: Reader, call_filter: CallFilter, cursors: dict[int, Any], page: int) -> list[CallRow]:
        """Page `page` of this order, walking from the nearest page whose cursor we know."""
        start = max(k for k in cursors if k <= page)
        cursor, rows = cursors[start], []
        for k in range(start, page + 1):
            if k > 0 and cursor is None:
                return []  # the list got shorter under us; refresh() will follow
            rows, next_cursor = reader.list_calls(call_filter, after=cursor, limit=BLOCK)
            self.queries += 1
            cursors[k + 1] = next_cursor
            if next_cursor is None and k < page:
                return []
            cursor = next_cursor
        return rows

    def _from_the_end(self, reader: Reader, first: int, end: int) -> list[CallRow]:
        reverse = replace(self.call_filter, descending=not self.call_filter.descending)
        page_lo, page_hi = (self.total - end) // BLOCK, (self.total - 1 - first) // BLOCK
        reversed_rows: list[CallRow] = []
        for page in range(page_lo, page_hi + 1):
            # A block straddles two pages from the end; its neighbour will want one of them.
            if page not in self.rev_pages:
                self.rev_pages[page] = self._walk(reader, reverse, self.rev_cursors, page)
                while len(self.rev_pages) > REV_PAGES:
                    self.rev_pages.popitem(last=False)
            reversed_rows += self.rev_pages[page]
        lo = self.total - end - page_lo * BLOCK
        return list(reversed(reversed_rows[lo : lo + (end - first)]))
