"""CallTableModel: the call list over SQL, read in blocks on demand (never all calls in memory).

`rowCount` comes from `count_calls`; a row is read when a view asks for it, in blocks of
BLOCK rows via keyset paging (`list_calls(after=cursor)`). The cursor that starts each block
is kept (a few bytes per block), so paging back is one query; only CACHE_BLOCKS blocks of
rows are held at a time. Sorting is the store's sort option, so it is an indexed query too.

Which queries read a block is call_blocks.py: a walk from a known cursor, from the end, or a
jump (one OFFSET over an index, `cursors_at`). An unfiltered jump is an OFFSET over the sort's
own index (`CallStore.jump_is_quick`, ~10 ms at a million calls) and a page after a known cursor
tests a few thousand rows at most (`CallStore.pages_are_quick`): those are read on the UI thread.
Anything else (a filtered jump: 25-80 ms sorted by start time, up to a second by another column;
any page of a number or a tag, which may match a handful of calls) is read by a worker: the rows
say "…" (or keep what they showed before a refresh) until they arrive, the blocks next to them
are read in the same go, and a read the user has scrolled away from is stopped
(`ListReader.interrupt`) for the one now on screen.

Calls with more than one leg (transfers, queues) open in place: their legs become rows under
the call, read from the store only when opened. Leg rows are not selectable (selection and
`row()` stay about calls); `row()` of a leg row gives its call.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, QTimer
from PySide6.QtGui import QGuiApplication, QPalette

from recbrowser.store import CallFilter, Interrupted
from recbrowser.store.records import LegRow
from recbrowser.ui.call_list.call_blocks import BLOCK, Pages
from recbrowser.ui.call_list.call_columns import (
    COL_FROM,
    COL_START,
    COL_TO,
    HEADERS,
    RIGHT_ALIGNED,
    SORT_KEYS,
    display,
    header_tooltip,
    leg_display,
    leg_marker,
    native,
    no_marker,
    tooltip,
)
from recbrowser.ui.common.formatting import local_full
from recbrowser.ui.common.signals import emit
from recbrowser.ui.common.workers import run_task

if TYPE_CHECKING:
    from recbrowser.store.api import CallStore, ListReader

log = logging.getLogger("recbrowser.ui.calls")

CACHE_BLOCKS = 8
PLACEHOLDER = "…"  # the Start cell of a row a worker is still reading
CACHE_MB = 16  # SQLite page cache of the list's connection: index pages for jumps, a few row pages

ROW_ROLE = Qt.ItemDataRole.UserRole  # the CallRow itself
SORT_ROLE = Qt.ItemDataRole.UserRole + 1  # a native value for the column (ms, str...)

Index = QModelIndex | QPersistentModelIndex

DISPLAY = int(Qt.ItemDataRole.DisplayRole)
DECORATION = int(Qt.ItemDataRole.DecorationRole)
ALIGN = int(Qt.ItemDataRole.TextAlignmentRole)
TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
ANSWERED = frozenset((DISPLAY, DECORATION, ALIGN, TOOLTIP, FOREGROUND, int(ROW_ROLE), int(SORT_ROLE)))
RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
HORIZONTAL = Qt.Orientation.Horizontal


class _Job:
    """A worker's read of a few blocks, which the UI thread can stop: the user has scrolled on."""

    def __init__(self, generation: int, wanted: list[int]) -> None:
        self.generation, self.wanted = generation, set(wanted)
        self.stopped = False
        self._lock = threading.Lock()  # the reader is used by the worker, interrupted by the UI
        self._reader: ListReader | None = None

    def attach(self, reader: ListReader) -> bool:
        with self._lock:
            self._reader = reader
            return not self.stopped

    def detach(self) -> None:
        with self._lock:
            self._reader = None

    def stop(self) -> None:
        with self._lock:
            self.stopped = True
            if self._reader is not None:
                self._reader.interrupt()  # the read raises Interrupted in the worker, at once


class CallTableModel(QAbstractTableModel):
    def __init__(self, store: CallStore, parent=None, *, total: int | None = None) -> None:
        super().__init__(parent)
        self._store = store
        store.limit_cache(CACHE_MB)
        self._filter = CallFilter()
        self._total = 0  # calls (rows without the open legs)
        self._blocks: OrderedDict[int, list[Any]] = OrderedDict()  # block number -> rows (LRU)
        self._pages = Pages(self._filter, 0)  # cursors of this order (call_blocks.py)
        self._quick = True  # jumps in this order are read on the UI thread
        self._quick_pages = True  # and pages after a known cursor
        self._shown: dict[int, list[Any]] = {}  # before a refresh: shown while a worker re-reads
        self._generation = 0  # which order (filter, sort, refresh) a worker's answer belongs to
        self._wanted: dict[int, None] = {}  # blocks the view asked for, for a worker (latest last)
        self._job: _Job | None = None
        # The workers' connection, kept from one read to the next for its page cache (a new one
        # per read made a slow jump 30% slower); one job uses it at a time (see _fetch).
        self._reader: list[ListReader] = []
        self._fetch_timer = QTimer(self, singleShot=True, interval=0)
        self._fetch_timer.timeout.connect(self._fetch)
        self._open: dict[int, tuple[str, list[LegRow]]] = {}  # call row -> (its ref, legs shown under it)
        self._open_rows: list[int] = []  # the same call rows, sorted
        self.queries = 0  # list_calls / cursors_at queries run: tests and benchmarks read it
        self.background_reads = 0  # blocks a worker read
        self.reload(total)

    # -- what is shown ------------------------------------------------------------------------
    @property
    def call_filter(self) -> CallFilter:
        return self._filter

    def set_filter(self, call_filter: CallFilter, total: int | None = None) -> None:
        """Show calls matching `call_filter`. `total` is its count when the caller already
        has it (the window counts in a worker: a filtered count of a big archive takes a
        tenth of a second, too long for the UI thread)."""
        # The sort belongs to the header, not to the filter bar: keep it.
        self._filter = replace(call_filter, sort=self._filter.sort, descending=self._filter.descending)
        self.reload(total)

    def reload(self, total: int | None = None) -> None:
        self.beginResetModel()
        self._open.clear()
        self._open_rows = []
        self._total = self._store.count_calls(self._filter) if total is None else total
        self._forget()
        self._shown = {}  # another filter or order: what was shown is no stand-in
        self.endResetModel()

    def refresh(self, total: int | None = None) -> None:
        """New calls arrived (a sync page): recount and re-read, without a reset that would
        drop the selection and scroll position. Open calls stay open where they still are."""
        if total is None:
            total = self._store.count_calls(self._filter)
        reopen = [(row, *self._open[row]) for row in self._open_rows]
        for row in reversed(self._open_rows):
            self._close(row)
        # While a worker re-reads, the rows keep what they showed (a sync adds a few calls).
        shown = {} if self._quick else {**self._shown, **self._blocks}
        self._shown = dict(list(shown.items())[-CACHE_BLOCKS:])
        self._forget()
        if total > self._total:
            self.beginInsertRows(QModelIndex(), self._total, total - 1)
            self._total = total
            self.endInsertRows()
        elif total < self._total:
            self.beginRemoveRows(QModelIndex(), total, self._total - 1)
            self._total = total
            self.endRemoveRows()
        self._pages = Pages(self._filter, self._total)
        if self._total:
            emit(self.dataChanged, self.index(0, 0), self.index(self._total - 1, len(HEADERS) - 1))
        for old_row, ref, legs in reopen:
            self._call(old_row)  # read the block the call was in, then look for it there
            row = self._call_row_of(ref)
            if row is not None and row not in self._open:
                self._insert_legs(row, ref, legs)

    def _forget(self) -> None:
        self._blocks.clear()
        self._pages = Pages(self._filter, self._total)
        self._quick = self._store.jump_is_quick(self._filter)
        self._quick_pages = self._store.pages_are_quick(self._filter)
        self._generation += 1
        self._wanted.clear()
        if self._job is not None:
            self._job.stop()

    def fetched_rows(self) -> int:
        """How many rows are held in memory right now."""
        return sum(len(rows) for rows in (*self._blocks.values(), *self._pages.rev_pages.values()))

    def reading(self) -> bool:
        """A worker is reading rows the view asked for (the rows show a placeholder meanwhile)."""
        return self._job is not None or bool(self._wanted)

    def call_count(self) -> int:
        """Calls in the list (rowCount() also counts the legs shown under open calls)."""
        return self._total

    # -- rows and legs ------------------------------------------------------------------------------
    def _locate(self, view_row: int) -> tuple[int, int | None]:
        """(call row, leg number or None) of a row of the view."""
        shift = 0
        for call in self._open_rows:
            top = call + shift
            if view_row <= top:
                break
            legs = len(self._open[call][1])
            if view_row <= top + legs:
                return call, view_row - top - 1
            shift += legs
        return view_row - shift, None

    def view_row(self, call_row: int) -> int:
        """The view's row of a call, after the legs of the open calls above it."""
        return call_row + sum(len(self._open[r][1]) for r in self._open_rows if r < call_row)

    def row(self, row: int):
        """The call shown at this row of the view (for a leg row: its call)."""
        if not 0 <= row < self.rowCount():
            return None
        return self._call(self._locate(row)[0])

    def leg(self, row: int) -> LegRow | None:
        """The leg shown at this row of the view, None for a call row."""
        if not 0 <= row < self.rowCount():
            return None
        call, leg = self._locate(row)
        return None if leg is None else self._open[call][1][leg]

    def is_open(self, row: int) -> bool:
        call, leg = self._locate(row)
        return leg is None and call in self._open

    def set_open(self, row: int, on: bool) -> bool:
        """Show or hide the legs of the call at this view row; False when it has none to show."""
        call, leg = self._locate(row)
        r = self._call(call)
        if leg is not None or r is None or r.leg_count < 2:
            return False
        if on and call not in self._open:
            legs = self._store.call_legs(r.account, r.provider_id)
            if len(legs) < 2:
                return False
            self._insert_legs(call, r.ref, legs)
        elif not on and call in self._open:
            self._close(call)
        return True

    def toggle(self, row: int) -> bool:
        return self.set_open(row, not self.is_open(row))

    def _insert_legs(self, call: int, ref: str, legs: list[LegRow]) -> None:
        first = self.view_row(call) + 1
        self.beginInsertRows(QModelIndex(), first, first + len(legs) - 1)
        self._open[call] = (ref, legs)
        self._open_rows = sorted(self._open)
        self.endInsertRows()
        emit(self.dataChanged, self.index(first - 1, COL_START), self.index(first - 1, COL_START))

    def _close(self, call: int) -> None:
        first = self.view_row(call) + 1
        self.beginRemoveRows(QModelIndex(), first, first + len(self._open[call][1]) - 1)
        del self._open[call]
        self._open_rows = sorted(self._open)
        self.endRemoveRows()
        emit(self.dataChanged, self.index(first - 1, COL_START), self.index(first - 1, COL_START))

    # -- paging ---------------------------------------------------------------------------------
    def _call(self, row: int, wait: bool = True):
        """The call at this call row. `wait=False` (painting): in an order whose jumps are slow,
        never read on the UI thread; ask a worker and give what was shown before, or None."""
        if not 0 <= row < self._total:
            return None
        number, offset = divmod(row, BLOCK)
        rows = self._block(number, wait)
        if rows is None:
            rows = self._shown.get(number, [])
        return rows[offset] if offset < len(rows) else None

    def _block(self, number: int, wait: bool = True) -> list[Any] | None:
        rows = self._blocks.get(number)
        if rows is not None:
            self._blocks.move_to_end(number)
            return rows
        here = self._quick or ((wait or self._quick_pages) and self._pages.is_near(number))
        if not here:
            self._want(number)
            return None
        before = self._pages.queries
        rows = self._pages.read(self._store, number)
        self.queries += self._pages.queries - before
        self._keep(number, rows)
        return rows

    def _keep(self, number: int, rows: list[Any]) -> None:
        self._blocks[number] = rows
        self._shown.pop(number, None)
        while len(self._blocks) > CACHE_BLOCKS:
            self._blocks.popitem(last=False)

    # -- reading in a worker ------------------------------------------------------------------------
    def _want(self, number: int) -> None:
        self._wanted.pop(number, None)
        self._wanted[number] = None  # latest last
        if not self._fetch_timer.isActive():
            self._fetch_timer.start()  # once this paint has asked for all it shows

    def _fetch(self) -> None:
        job = self._job
        if job is not None:
            latest = next(reversed(self._wanted), None)
            if job.generation != self._generation or (latest is not None and latest not in job.wanted):
                job.stop()  # stale: its end starts the read of what is on screen now
            return
        # The latest paint's blocks (a screen spans two at most), then their neighbours, so
        # scrolling on from there finds its rows read.
        wanted = sorted(n for n in list(self._wanted)[-2:] if n not in self._blocks)
        self._wanted.clear()
        if not wanted:
            return
        last = (self._total - 1) // BLOCK
        near = [n for n in (wanted[-1] + 1, wanted[0] - 1) if 0 <= n <= last and n not in self._blocks]
        job = self._job = _Job(self._generation, [*wanted, *near])
        pages, store, kept = self._pages.copy(), self._store, self._reader

        def work(report) -> None:
            if not kept:
                kept.append(store.open_list_reader(CACHE_MB))
            reader = kept[0]
            try:
                if not job.attach(reader):
                    return
                counted = 0
                for number in (*wanted, *near):
                    if job.stopped:
                        return
                    rows = pages.read(reader, number)
                    learned = pages.copy()
                    learned.queries, counted = pages.queries - counted, pages.queries
                    report((number, rows, learned))
            except Interrupted:
                if not job.stopped:
                    raise
            finally:
                job.detach()

        run_task(work, lambda _r: self._job_ended(job), lambda m, _d: self._job_failed(job, m),
                 lambda value: self._arrived(job, *value), name="call list rows", owner=self)

    def _arrived(self, job: _Job, number: int, rows: list[Any], learned: Pages) -> None:
        if job.generation != self._generation:
            return  # another filter, order or refresh since: not these rows
        self._pages.learn(learned)
        self.queries += learned.queries
        self.background_reads += 1
        self._keep(number, rows)
        if self._total:
            # The whole list: the view repaints what it shows, and asks again for what it lacks.
            emit(self.dataChanged, self.index(0, 0), self.index(self.rowCount() - 1, len(HEADERS) - 1))

    def _job_ended(self, job: _Job) -> None:
        if self._job is job:
            self._job = None
        if self._wanted:
            self._fetch_timer.start()

    def _job_failed(self, job: _Job, message: str) -> None:
        log.warning("reading the call list: %s", message)
        self._wanted.clear()  # asked again at the next paint, not in a loop
        if self._job is job:
            self._job = None

    def _call_row_of(self, ref: str) -> int | None:
        for number, rows in self._blocks.items():
            for offset, r in enumerate(rows):
                if r.ref == ref:
                    return number * BLOCK + offset
        return None

    def row_of(self, ref: str) -> int | None:
        """The view row of a call among the rows in memory (no query)."""
        row = self._call_row_of(ref)
        return None if row is None else self.view_row(row)

    # -- Qt model API ----------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid():
            return 0
        return self._total + sum(len(legs) for _ref, legs in self._open.values())

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def flags(self, index: Index) -> Qt.ItemFlag:
        if index.isValid() and self._open and self._locate(index.row())[1] is not None:
            # A leg is a detail line of its call: the keys and the mouse skip it, and a
            # selection holds calls only (exports, row()).
            return Qt.ItemFlag.NoItemFlags
        return super().flags(index)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = DISPLAY):
        # Asked ~1,000 times before the first paint (each role, each section): plain ints, as in data().
        if role == DISPLAY and orientation == HORIZONTAL:
            return HEADERS[section]
        if role == TOOLTIP and orientation == HORIZONTAL:
            return header_tooltip(section)
        return None

    def data(self, index: Index, role: int = DISPLAY):
        # Called ~2,000 times a paint: roles are plain ints (enum attribute lookups cost more
        # than the answer), and roles the list never answers return before any lookup.
        if role not in ANSWERED or not index.isValid():
            return None
        call, leg_number = self._locate(index.row())
        if leg_number is not None:
            if role == ROW_ROLE:
                return self._call(call, wait=False)  # like row(): a leg row stands for its call
            return self._leg_data(self._open[call][1][leg_number], index.column(), role)
        r = self._call(call, wait=False)
        col = index.column()
        if r is None:
            return self._placeholder(col, role) if call < self._total else None
        if role == DISPLAY:
            return display(r, col)
        if role == DECORATION:
            return (leg_marker(call in self._open) if r.leg_count > 1 else no_marker()) if col == COL_START else None
        if role == ALIGN:
            return RIGHT if col in RIGHT_ALIGNED else None
        if role == ROW_ROLE:
            return r
        if role == SORT_ROLE:
            return native(r, col)
        if role == TOOLTIP:
            return tooltip(r, col)
        return None

    def _placeholder(self, col: int, role: int):
        """A row a worker is reading: "…" where the start time will be, in the placeholder colour."""
        if col != COL_START:
            return None
        if role == DISPLAY:
            return PLACEHOLDER
        if role == DECORATION:
            return no_marker()  # lined up with the start times around it
        if role == FOREGROUND:
            return QGuiApplication.palette().color(QPalette.ColorRole.PlaceholderText)
        return None

    def _leg_data(self, leg: LegRow, col: int, role: int):
        if role == DISPLAY:
            return leg_display(leg, col)
        if role == FOREGROUND:
            # Legs are disabled items (not selectable); keep them readable, not greyed out.
            return QGuiApplication.palette().color(QPalette.ColorGroup.Active, QPalette.ColorRole.Text)
        if role == Qt.ItemDataRole.ToolTipRole and col in (COL_START, COL_FROM, COL_TO):
            return local_full(leg.start_ms) if col == COL_START else leg_display(leg, col)
        if role == Qt.ItemDataRole.TextAlignmentRole and col in RIGHT_ALIGNED:
            return RIGHT
        if role == Qt.ItemDataRole.DecorationRole and col == COL_START:
            return no_marker()
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        key = SORT_KEYS.get(column)
        if key is None:
            return
        descending = order == Qt.SortOrder.DescendingOrder
        if key == self._filter.sort and descending == self._filter.descending:
            return
        self._filter = replace(self._filter, sort=key, descending=descending)
        self.reload(self._total)  # the same calls in another order: no need to count again

    def sort_column(self) -> int:
        return next(c for c, k in SORT_KEYS.items() if k == self._filter.sort)

    def sort_order(self) -> Qt.SortOrder:
        return Qt.SortOrder.DescendingOrder if self._filter.descending else Qt.SortOrder.AscendingOrder
