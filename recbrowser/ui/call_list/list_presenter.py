"""The call list as the window runs it: filters counted off the UI thread, re-reads after new
calls arrived (keeping the open call selected), the count and the empty list's text, and the
call chosen in the list opened after a short pause (holding j should not open every call)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QThreadPool, QTimer, Signal

from recbrowser.store import CallFilter, open_store
from recbrowser.ui.call_list.call_table_model import CallTableModel
from recbrowser.ui.call_list.call_table_view import CallTableView
from recbrowser.ui.call_list.filter_bar import FilterBar
from recbrowser.ui.common.signals import emit
from recbrowser.ui.common.status_area import StatusArea
from recbrowser.ui.common.workers import run_task

if TYPE_CHECKING:
    from recbrowser.store.api import CallStore

REFRESH_MS = 400  # at most this often the list re-reads while a sync writes pages
SELECT_DEBOUNCE_MS = 60  # holding j should not open every call on the way


class CallListPresenter(QObject):
    refreshed = Signal()  # the list re-read after new calls arrived

    def __init__(self, model: CallTableModel, table: CallTableView, filter_bar: FilterBar, status: StatusArea,
                 store: CallStore, database: Path, pool: QThreadPool, parent: QObject, *,
                 has_accounts: Callable[[], bool], syncing: Callable[[], bool],
                 open_call: Callable[[str, str], None], open_ref: Callable[[], str | None]) -> None:
        """`open_call(account, id)` opens a call chosen in the list; `open_ref()` is the one open."""
        super().__init__(parent)
        self.model, self.table, self._filter_bar, self._status = model, table, filter_bar, status
        self._store = store  # the UI thread's connection: one small aggregate per refresh
        self._database, self._pool = database, pool
        self._has_accounts, self._syncing = has_accounts, syncing
        self._open_call, self._open_ref = open_call, open_ref
        self._count_generation = 0
        self._wanted_filter: CallFilter | None = None  # the filter bar's latest, maybe still being counted
        self._awaiting_row = False  # the current row was a placeholder when it was chosen
        self._refresh_timer = QTimer(self, singleShot=True, interval=REFRESH_MS)
        self._refresh_timer.timeout.connect(self.refresh_calls)
        self.select_timer = QTimer(self, singleShot=True, interval=SELECT_DEBOUNCE_MS)
        self.select_timer.timeout.connect(self.open_current)
        filter_bar.changed.connect(self.apply_filter)
        table.selectionModel().currentRowChanged.connect(lambda *_: self.select_timer.start())
        model.modelReset.connect(self.update_count)
        model.dataChanged.connect(self._rows_arrived)

    def _count(self, call_filter: CallFilter, then) -> None:
        """Count in a worker (a filtered count of a million calls takes ~0.1 s); only the
        newest count is applied."""
        self._count_generation += 1
        generation, database = self._count_generation, self._database

        def work(_report) -> int:
            store = open_store(database)
            try:
                return store.count_calls(call_filter)
            finally:
                store.close()

        def done(total: int) -> None:
            if generation == self._count_generation:
                then(total)

        run_task(work, done, lambda m, _d: self._status.show_message(m), pool=self._pool, name="count", owner=self)

    def apply_filter(self, call_filter: CallFilter) -> None:
        self._wanted_filter = call_filter
        self._count(call_filter, lambda total: self.model.set_filter(call_filter, total))

    def refresh_soon(self) -> None:
        """Re-read the list within REFRESH_MS (at most that often while a sync writes pages)."""
        if not self._refresh_timer.isActive():
            self._refresh_timer.start()

    def refresh_calls(self) -> None:
        self._refresh_timer.stop()  # now, not again in a moment
        # Count what the user asked for last: a refresh must not undo a filter whose own
        # count it overtook (both share one generation counter, so only the newest lands).
        wanted = self._wanted_filter or self.model.call_filter
        self._count(wanted, lambda total: self._refreshed(wanted, total))

    def stop(self) -> None:
        """The window closes: a pending re-read or call open must not run on a closed store."""
        self.select_timer.stop()
        self._refresh_timer.stop()

    def _show_media_cache(self) -> None:
        # Called when the list is reset or refreshed: after syncs, downloads and exports, the
        # moments the cache grows. One aggregate over media_files: cheap on the UI thread.
        self._status.show_media_cache(*self._store.media_totals())

    def show_categories(self) -> None:
        """The queues and sentiments the filter bar offers: after the first paint and after new
        calls arrived. A seek per value in the cache: cheap on the UI thread."""
        self._filter_bar.set_categories(self._store.category_values())

    def _refreshed(self, wanted: CallFilter, total: int) -> None:
        self._show_media_cache()
        self.show_categories()
        current = self.model.call_filter
        if replace(wanted, sort=current.sort, descending=current.descending) != current:
            self.model.set_filter(wanted, total)
            return
        old_row = self.table.currentIndex().row()
        self.model.refresh(total)
        self.update_count()
        open_ref = self._open_ref()
        if open_ref and old_row >= 0:
            self.model.row(old_row)  # read the block the call was in, then look for it there
            row = self.model.row_of(open_ref)
            if row is not None and row != old_row:
                self._select_quietly(row)
        emit(self.refreshed)

    def _select_quietly(self, row: int) -> None:
        """Move the selection to the open call's row without opening it again."""
        self.table.selectionModel().blockSignals(True)
        self.table.selectRow(row)
        self.table.selectionModel().blockSignals(False)
        self.table.viewport().update()

    def calls_shown(self) -> bool:
        """The list has read the rows it paints (or has none to show)."""
        return self.model.rowCount() == 0 or self.model.fetched_rows() > 0

    def update_count(self) -> None:
        """The count in the filter bar, and what the list says when it is empty."""
        self._filter_bar.set_count(self.model.call_count())  # rowCount() also counts open legs
        self._show_media_cache()
        if not self._has_accounts():
            text = "No accounts yet: add one with Accounts… (Ctrl+Shift+A) to see its calls here."
        elif self.model.call_filter != CallFilter(sort=self.model.call_filter.sort, descending=self.model.call_filter.descending):
            text = "No calls match these filters."
        elif self._syncing():
            text = "Syncing: calls appear here page by page."
        else:
            text = "No calls cached yet: Sync (F5) fetches them from your accounts."
        self.table.set_empty_text(text)

    def open_current(self) -> None:
        index = self.table.currentIndex()
        row = self.model.row(index.row())
        # A row a worker is still reading ("…"): opened when it arrives (_rows_arrived).
        self._awaiting_row = row is None and index.isValid()
        if row is None or row.ref == self._open_ref():
            return
        self._open_call(row.account, row.provider_id)

    def _rows_arrived(self, *_args) -> None:
        """Rows a worker read are in: open the call chosen while its row was coming, or, after
        a refresh moved the open call (new calls above it), keep the selection on it."""
        if self._awaiting_row:
            self.select_timer.start()
            return
        current = self.table.currentIndex().row()
        open_ref = self._open_ref()
        if open_ref is None or current < 0 or self.select_timer.isActive():
            return  # nothing open, or the user is moving on: their choice stands
        shown = self.model.row(current)
        if shown is not None and shown.ref != open_ref:
            row = self.model.row_of(open_ref)
            if row is not None:
                self._select_quietly(row)

    def selected_refs(self) -> list[str]:
        rows = sorted(index.row() for index in self.table.selectionModel().selectedRows())
        return [r.ref for r in (self.model.row(row) for row in rows) if r is not None]
