"""CallTableModel: the call list over SQL, read in blocks on demand (never all calls in memory).

`rowCount` comes from `count_calls`; a row is read when a view asks for it, in blocks of
BLOCK rows via keyset paging (`list_calls(after=cursor)`). The cursor that starts each block
is kept (a few bytes per block), so paging back is one query; only CACHE_BLOCKS blocks of
rows are held at a time. Sorting is the store's sort option, so it is an indexed query too.

Keyset paging cannot jump: reaching row n walks the pages before it. Rows nearer the end are
read from the end instead (the same sort reversed: the store orders by (value, id), so the
reverse order is exact), which makes End and "newest/oldest last" one query.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from dataclasses import replace
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from recbrowser.store import CallFilter, Store
from recbrowser.ui.formatting import (
    audio_state,
    clock,
    local_datetime,
    local_full,
    party_label,
    transcript_label,
    tz_name,
)
from recbrowser.ui.signals import emit

log = logging.getLogger("recbrowser.ui.calls")

BLOCK = 200
CACHE_BLOCKS = 8

(
    COL_START,
    COL_ACCOUNT,
    COL_DIRECTION,
    COL_FROM,
    COL_TO,
    COL_AGENT,
    COL_DURATION,
    COL_STATUS,
    COL_AUDIO,
    COL_TRANSCRIPT,
) = range(10)
HEADERS = ("Start", "Account", "Direction", "From", "To", "Agent", "Duration", "Status", "Audio", "Transcript")
# Columns the store can sort by (an index each); the others keep the current order.
SORT_KEYS = {COL_START: "start", COL_DURATION: "duration", COL_FROM: "from", COL_TO: "to", COL_STATUS: "status"}
ROW_ROLE = Qt.ItemDataRole.UserRole  # the CallRow itself
SORT_ROLE = Qt.ItemDataRole.UserRole + 1  # a native value for the column (ms, str...)
DIRECTION_ARROWS = {"inbound": "← in", "outbound": "→ out", "internal": "↔ internal", "unknown": "?"}

Index = QModelIndex | QPersistentModelIndex


class CallTableModel(QAbstractTableModel):
    def __init__(self, store: Store, parent=None) -> None:
        super().__init__(parent)
        self._store = store
        self._filter = CallFilter()
        self._total = 0
        self._blocks: OrderedDict[int, list[Any]] = OrderedDict()  # block number -> rows (LRU)
        self._cursors: dict[int, Any] = {0: None}  # block number -> cursor that starts it
        self._rev_cursors: dict[int, Any] = {0: None}  # the same, counting pages from the end
        self._rev_pages: OrderedDict[int, list[Any]] = OrderedDict()  # pages read from the end (LRU)
        self.queries = 0  # list_calls queries run: tests and benchmarks read it
        self.reload()

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
        self._forget()
        self._total = self._store.count_calls(self._filter) if total is None else total
        self.endResetModel()

    def refresh(self, total: int | None = None) -> None:
        """New calls arrived (a sync page): recount and re-read, without a reset that would
        drop the selection and scroll position."""
        if total is None:
            total = self._store.count_calls(self._filter)
        self._forget()
        if total > self._total:
            self.beginInsertRows(QModelIndex(), self._total, total - 1)
            self._total = total
            self.endInsertRows()
        elif total < self._total:
            self.beginRemoveRows(QModelIndex(), total, self._total - 1)
            self._total = total
            self.endRemoveRows()
        if self._total:
            emit(self.dataChanged, self.index(0, 0), self.index(self._total - 1, len(HEADERS) - 1))

    def _forget(self) -> None:
        self._blocks.clear()
        self._cursors = {0: None}
        self._rev_cursors = {0: None}
        self._rev_pages.clear()

    def fetched_rows(self) -> int:
        """How many rows are held in memory right now."""
        return sum(len(rows) for rows in (*self._blocks.values(), *self._rev_pages.values()))

    # -- paging ---------------------------------------------------------------------------------
    def row(self, row: int):
        if not 0 <= row < self._total:
            return None
        number, offset = divmod(row, BLOCK)
        rows = self._block(number)
        return rows[offset] if offset < len(rows) else None

    def _block(self, number: int) -> list[Any]:
        rows = self._blocks.get(number)
        if rows is not None:
            self._blocks.move_to_end(number)
            return rows
        first, end = number * BLOCK, min((number + 1) * BLOCK, self._total)
        # Reversed indexes of the block's rows, and the pages from the end that hold them.
        rev_pages = ((self._total - end) // BLOCK, (self._total - 1 - first) // BLOCK)
        forward_cost = number - max(k for k in self._cursors if k <= number)
        backward_cost = rev_pages[1] - max(k for k in self._rev_cursors if k <= rev_pages[0])
        if backward_cost < forward_cost:
            rows = self._from_the_end(first, end, *rev_pages)
        else:
            rows = self._walk(self._filter, self._cursors, number)
        self._blocks[number] = rows
        while len(self._blocks) > CACHE_BLOCKS:
            self._blocks.popitem(last=False)
        return rows

    def _walk(self, call_filter: CallFilter, cursors: dict[int, Any], page: int) -> list[Any]:
        """Page `page` of this order, walking from the nearest page whose cursor we know."""
        start = max(k for k in cursors if k <= page)
        cursor, rows = cursors[start], []
        for k in range(start, page + 1):
            rows, next_cursor = self._store.list_calls(call_filter, after=cursor, limit=BLOCK)
            self.queries += 1
            cursors[k + 1] = next_cursor
            if next_cursor is None and k < page:
                return []  # the list got shorter under us; refresh() will follow
            cursor = next_cursor
        return rows

    def _from_the_end(self, first: int, end: int, page_lo: int, page_hi: int) -> list[Any]:
        reverse = replace(self._filter, descending=not self._filter.descending)
        reversed_rows: list[Any] = []
        for page in range(page_lo, page_hi + 1):
            # A block straddles two pages from the end; its neighbour will want one of them.
            if page not in self._rev_pages:
                self._rev_pages[page] = self._walk(reverse, self._rev_cursors, page)
                while len(self._rev_pages) > CACHE_BLOCKS:
                    self._rev_pages.popitem(last=False)
            reversed_rows += self._rev_pages[page]
        lo = self._total - end - page_lo * BLOCK
        return list(reversed(reversed_rows[lo : lo + (end - first)]))

    def row_of(self, ref: str) -> int | None:
        """The row of a call among the rows in memory (no query)."""
        for number, rows in self._blocks.items():
            for offset, r in enumerate(rows):
                if r.ref == ref:
                    return number * BLOCK + offset
        return None

    # -- Qt model API ----------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._total

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        if role == Qt.ItemDataRole.ToolTipRole:
            if section == COL_START:
                return f"Start time in your time zone, {tz_name()}"
            if section not in SORT_KEYS:
                return f"{HEADERS[section]} (sorting by this column is not available)"
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        r = self.row(index.row())
        if r is None:
            return None
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(r, col)
        if role == ROW_ROLE:
            return r
        if role == SORT_ROLE:
            return self._native(r, col)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(r, col)
        if role == Qt.ItemDataRole.TextAlignmentRole and col == COL_DURATION:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _display(self, r, col: int) -> str:
        if col == COL_START:
            return local_datetime(r.start_ms)
        if col == COL_ACCOUNT:
            return r.account
        if col == COL_DIRECTION:
            return DIRECTION_ARROWS.get(r.direction, r.direction)
        if col == COL_FROM:
            return party_label(r.from_number, r.from_name)
        if col == COL_TO:
            return party_label(r.to_number, r.to_name)
        if col == COL_AGENT:
            return r.agent
        if col == COL_DURATION:
            return clock(r.duration_ms) if r.duration_ms is not None else ""
        if col == COL_STATUS:
            return r.status + (f" ({r.leg_count} legs)" if r.leg_count > 1 else "")
        if col == COL_AUDIO:
            return audio_state(r)[0]
        if col == COL_TRANSCRIPT:
            return transcript_label(r.transcript_status)
        return ""

    def _native(self, r, col: int):
        return {
            COL_START: r.start_ms,
            COL_DURATION: r.duration_ms or 0,
            COL_ACCOUNT: r.account,
            COL_AUDIO: (r.downloaded, r.has_audio),
        }.get(col, self._display(r, col))

    def _tooltip(self, r, col: int) -> str | None:
        if col == COL_START:
            return local_full(r.start_ms)
        if col == COL_AUDIO:
            return audio_state(r)[1]
        if col == COL_ACCOUNT:
            return f"{r.account} ({r.provider})"
        if col in (COL_FROM, COL_TO, COL_STATUS):
            return self._display(r, col)
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        key = SORT_KEYS.get(column)
        if key is None:
            return  # not an indexed sort; the view puts the indicator back
        descending = order == Qt.SortOrder.DescendingOrder
        if key == self._filter.sort and descending == self._filter.descending:
            return
        self._filter = replace(self._filter, sort=key, descending=descending)
        self.reload(self._total)  # the same calls in another order: no need to count again

    def sort_column(self) -> int:
        return next(c for c, k in SORT_KEYS.items() if k == self._filter.sort)

    def sort_order(self) -> Qt.SortOrder:
        return Qt.SortOrder.DescendingOrder if self._filter.descending else Qt.SortOrder.AscendingOrder
