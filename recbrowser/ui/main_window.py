"""The main window: lays out the panes and wires their signals; the work lives elsewhere.

Left: accounts and search results. Middle: filter bar and the call list. Right: the call pane
(player, transcript, summary, details). Status bar: sync and download progress, with Cancel.

Started in stages (`staged=True`, as the app does): the first frame has the menus, the accounts,
the filter bar and the calls; the call pane, the player and the controllers behind the menus
(window_parts.py) are added as soon as that frame is on screen, before the user can act on it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QGuiApplication
from PySide6.QtWidgets import QMainWindow, QSplitter, QVBoxLayout, QWidget

from recbrowser.domain import SearchHit, call_ref
from recbrowser.paths import DataDir
from recbrowser.providers.titles import provider_title
from recbrowser.store import CallFilter, open_store, opener
from recbrowser.ui.accounts_panel import AccountsPanel
from recbrowser.ui.actions import Actions
from recbrowser.ui.call_table_model import CallTableModel
from recbrowser.ui.call_table_view import CallTableView
from recbrowser.ui.empty_state import CALL_PANE_EMPTY, empty_label
from recbrowser.ui.filter_bar import FilterBar
from recbrowser.ui.first_paint import AfterFirstPaint
from recbrowser.ui.icons import app_icon
from recbrowser.ui.search_panel import LIMIT, SearchPanel
from recbrowser.ui.settings import Preferences, UiState
from recbrowser.ui.signals import emit
from recbrowser.ui.status_area import StatusArea
from recbrowser.ui.workers import Pools, run_task

if TYPE_CHECKING:
    from recbrowser.store.api import CallStore, FirstCount
    from recbrowser.ui.account_removal import AccountRemoval
    from recbrowser.ui.archive_controller import ArchiveController
    from recbrowser.ui.call_controller import CallController, LoadedCall, PlayRequest
    from recbrowser.ui.call_pane import CallPane
    from recbrowser.ui.export_controller import ExportController
    from recbrowser.ui.player import Player
    from recbrowser.ui.provider_actions import ProviderActions
    from recbrowser.ui.sync_controller import SyncController

log = logging.getLogger("recbrowser.ui")

DEFAULT_SIZES = ([250, 720, 470], [190, 480])  # left | list | call pane; accounts / search
REFRESH_MS = 400  # at most this often the list re-reads while a sync writes pages
SELECT_DEBOUNCE_MS = 60  # holding j should not open every call on the way


class MainWindow(QMainWindow):
    callShown = Signal(str)  # ref of the call now in the call pane
    callsRefreshed = Signal()  # the list re-read after new calls arrived

    # The working parts (window_parts.add_working_parts): there once `complete` is true.
    player: Player
    call_pane: CallPane
    sync: SyncController
    calls: CallController
    exports: ExportController
    archive: ArchiveController
    removal: AccountRemoval
    provider_actions: ProviderActions

    def __init__(self, data_dir: DataDir, store: CallStore, settings: QSettings, *, demo: bool = False,
                 staged: bool = False, first_count: FirstCount | None = None) -> None:
        super().__init__()
        # Counting a million calls takes about as long as building the widgets: on another core.
        first_count = first_count or opener(data_dir.database).count_first()
        self.data_dir = data_dir
        self.store = store  # the UI thread's connection: only the model's small page reads use it
        self.demo = demo
        self.demo_secrets: dict[str, dict[str, str]] = {}
        self.settings = settings
        self.prefs = Preferences(settings)
        self.ui_state = UiState(settings)
        self.pools = Pools()
        self.complete = False
        self._when_complete: list[Callable[[], None]] = []
        self.setWindowTitle("recbrowser — demo" if demo else "recbrowser")
        self.setWindowIcon(app_icon())

        # The count was made while the modules loaded: the list is laid out once, at its size.
        self.model = CallTableModel(store, self, total=first_count.result())
        self.table = CallTableView(self.model)
        self.filter_bar = FilterBar()
        self.accounts_panel = AccountsPanel()
        self.search = SearchPanel(self._search, self.pools.interactive)
        self.status = StatusArea(self.statusBar())
        self._accounts: list = []
        self._current_ref: str | None = None
        self._count_generation = 0
        self._wanted_filter: CallFilter | None = None  # the filter bar's latest, maybe still being counted
        self._pending_play: PlayRequest | None = None
        self._awaiting_row = False  # the current row was a placeholder when it was chosen
        self._refresh_timer = QTimer(self, singleShot=True, interval=REFRESH_MS)
        self._refresh_timer.timeout.connect(self.refresh_calls)
        self._select_timer = QTimer(self, singleShot=True, interval=SELECT_DEBOUNCE_MS)
        self._select_timer.timeout.connect(self._open_current)

        self._layout()
        self.actions = Actions(self)
        self.menus = self.actions.build_menus(self)
        self.toolbar = self.actions.build_toolbar(self)
        self._wire_list()
        self._update_count()  # what the list says when empty, the count in the filter bar
        self.restore_state()
        self.reload_accounts()
        if staged:
            AfterFirstPaint(self.table.viewport(), self._complete, ready=self.calls_shown)
        else:
            self._complete(start_player=False)
            AfterFirstPaint(self.table.viewport(), self.player.start, ready=self.calls_shown)

    def _complete(self, *, start_player: bool = True) -> None:
        from recbrowser.ui.window_parts import add_working_parts

        add_working_parts(self)
        self._wire_call()
        # The demo syncs once on start; a real archive keeps itself current on a schedule.
        self.sync.set_interval(0 if self.demo else self.prefs.auto_sync_minutes)
        self.complete = True
        if start_player:
            QTimer.singleShot(0, self.player.start)  # its own turn of the event loop: no long pause
        waiting, self._when_complete = self._when_complete, []
        for then in waiting:
            then()

    def when_complete(self, then: Callable[[], None]) -> None:
        """Run `then` once the working parts are there (now, if they are)."""
        if self.complete:
            then()
        else:
            self._when_complete.append(then)

    # -- layout ---------------------------------------------------------------------------------
    def _layout(self) -> None:
        left = QSplitter(Qt.Orientation.Vertical)
        left.addWidget(self.accounts_panel)
        left.addWidget(self.search)
        left.setStretchFactor(1, 3)
        middle = QWidget()
        column = QVBoxLayout(middle)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.filter_bar)
        column.addWidget(self.table, 1)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(middle)
        self.splitter.addWidget(empty_label(CALL_PANE_EMPTY))  # the call pane's look until it is built
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setStretchFactor(2, 2)
        self.left_splitter = left
        self.splitter.setSizes(DEFAULT_SIZES[0])
        left.setSizes(DEFAULT_SIZES[1])
        for s in (self.splitter, left):
            s.setChildrenCollapsible(False)
        outer = QWidget()
        layout = QVBoxLayout(outer)
        layout.setContentsMargins(6, 4, 6, 0)
        layout.addWidget(self.splitter)
        self.setCentralWidget(outer)
        screen = self.screen().availableGeometry()
        self.resize(min(1440, int(screen.width() * 0.92)), min(860, int(screen.height() * 0.9)))

    def place_call_pane(self, pane: QWidget) -> None:
        # The stand-in's place, at the stand-in's size: left to itself the splitter would give
        # the pane (another size policy) 8 px more, and the list would jump on screen.
        sizes = self.splitter.sizes()
        self.splitter.replaceWidget(2, pane).deleteLater()
        self.splitter.setSizes(sizes)

    def _wire_list(self) -> None:
        self.filter_bar.changed.connect(self.apply_filter)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._select_timer.start())
        self.model.modelReset.connect(self._update_count)
        self.model.dataChanged.connect(self._rows_arrived)
        self.accounts_panel.addRequested.connect(self.show_accounts)
        self.accounts_panel.editRequested.connect(self.show_accounts)

    def _wire_call(self) -> None:
        self.search.hitActivated.connect(self.open_hit)
        self.calls.callLoaded.connect(self._show_call)
        self.calls.loadFailed.connect(self.status.show_message)
        self.calls.mediaReady.connect(self._media_ready)
        self.calls.downloadStarted.connect(lambda ref: self.status.show_message(f"Getting the recording of {ref}…"))
        self.calls.downloadProgress.connect(self.status.show_download)
        self.calls.downloadFailed.connect(self._download_failed)
        self.calls.downloaded.connect(lambda _ref: self._refresh_timer.start())
        self.accounts_panel.syncRequested.connect(lambda name: self.sync.sync([name]))
        self.call_pane.controls.playRequested.connect(self.play_current)
        self.call_pane.tagsInUse.connect(self.filter_bar.set_tags)
        self.call_pane.transcript.follow.toggled.connect(self._set_follow)

    # -- accounts -------------------------------------------------------------------------------
    def secrets_for(self, name: str) -> dict[str, str] | None:
        return self.demo_secrets.get(name)

    def account_names(self) -> list[str]:
        return [a.name for a in self._accounts]

    def accounts(self) -> list:
        return list(self._accounts)

    def reload_accounts(self) -> None:
        self._accounts = self.store.accounts()  # a handful of rows
        self.accounts_panel.set_accounts(self._accounts, {a.provider: provider_title(a.provider) for a in self._accounts})
        self.filter_bar.set_accounts(self.account_names())
        self.filter_bar.set_tags(self.store.all_tags())  # one indexed GROUP BY; the pane keeps it fresh
        self.actions["sync_all"].setEnabled(bool(self._accounts))
        if self.complete:
            from recbrowser.ui.provider_wiring import update_provider_actions

            update_provider_actions(self)
        self._update_count()

    def show_accounts(self, select: str | None = None) -> None:
        from recbrowser.ui.accounts_dialog import AccountsDialog

        dialog = AccountsDialog(self.data_dir.database, self.pools.interactive, self.secrets_for, self, select=select,
                                removal=self.removal)
        dialog.changed.connect(self.reload_accounts)
        dialog.changed.connect(self.refresh_calls)
        dialog.exec()

    # -- the call list ---------------------------------------------------------------------------
    def _count(self, call_filter: CallFilter, then) -> None:
        """Count in a worker (a filtered count of a million calls takes ~0.1 s); only the
        newest count is applied."""
        self._count_generation += 1
        generation, database = self._count_generation, self.data_dir.database

        def work(_report) -> int:
            store = open_store(database)
            try:
                return store.count_calls(call_filter)
            finally:
                store.close()

        def done(total: int) -> None:
            if generation == self._count_generation:
                then(total)

        run_task(work, done, lambda m, _d: self.status.show_message(m), pool=self.pools.interactive, name="count", owner=self)

    def apply_filter(self, call_filter: CallFilter) -> None:
        self._wanted_filter = call_filter
        self._count(call_filter, lambda total: self.model.set_filter(call_filter, total))

    def refresh_calls(self) -> None:
        # Count what the user asked for last: a refresh must not undo a filter whose own
        # count it overtook (both share one generation counter, so only the newest lands).
        wanted = self._wanted_filter or self.model.call_filter
        self._count(wanted, lambda total: self._refreshed(wanted, total))

    def _show_media_cache(self) -> None:
        # Called when the list is reset or refreshed: after syncs, downloads and exports, the
        # moments the cache grows. One aggregate over media_files: cheap on the UI thread.
        self.status.show_media_cache(*self.store.media_totals())

    def _refreshed(self, wanted: CallFilter, total: int) -> None:
        self._show_media_cache()
        current = self.model.call_filter
        if replace(wanted, sort=current.sort, descending=current.descending) != current:
            self.model.set_filter(wanted, total)
            return
        old_row = self.table.currentIndex().row()
        self.model.refresh(total)
        self._update_count()
        if self._current_ref and old_row >= 0:
            self.model.row(old_row)  # read the block the call was in, then look for it there
            row = self.model.row_of(self._current_ref)
            if row is not None and row != old_row:
                self._select_quietly(row)
        emit(self.callsRefreshed)

    def _select_quietly(self, row: int) -> None:
        """Move the selection to the open call's row without opening it again."""
        self.table.selectionModel().blockSignals(True)
        self.table.selectRow(row)
        self.table.selectionModel().blockSignals(False)
        self.table.viewport().update()

    def calls_shown(self) -> bool:
        """The list has read the rows it paints (or has none to show)."""
        return self.model.rowCount() == 0 or self.model.fetched_rows() > 0

    def _update_count(self) -> None:
        self.filter_bar.set_count(self.model.call_count())  # rowCount() also counts open legs
        self._show_media_cache()
        if not self._accounts:
            text = "No accounts yet: add one with Accounts… (Ctrl+Shift+A) to see its calls here."
        elif self.model.call_filter != CallFilter(sort=self.model.call_filter.sort, descending=self.model.call_filter.descending):
            text = "No calls match these filters."
        elif self.complete and self.sync.busy:
            text = "Syncing: calls appear here page by page."
        else:
            text = "No calls cached yet: Sync (F5) fetches them from your accounts."
        self.table.set_empty_text(text)

    def _open_current(self) -> None:
        if not self.complete:  # a call chosen within the first frame's few milliseconds
            self.when_complete(self._open_current)
            return
        index = self.table.currentIndex()
        row = self.model.row(index.row())
        # A row a worker is still reading ("…"): opened when it arrives (_rows_arrived).
        self._awaiting_row = row is None and index.isValid()
        if row is None or row.ref == self._current_ref:
            return
        self.open_call(row.account, row.provider_id)

    def _rows_arrived(self, *_args) -> None:
        """Rows a worker read are in: open the call chosen while its row was coming, or, after
        a refresh moved the open call (new calls above it), keep the selection on it."""
        if self._awaiting_row:
            self._select_timer.start()
            return
        current = self.table.currentIndex().row()
        if self._current_ref is None or current < 0 or self._select_timer.isActive():
            return  # nothing open, or the user is moving on: their choice stands
        shown = self.model.row(current)
        if shown is not None and shown.ref != self._current_ref:
            row = self.model.row_of(self._current_ref)
            if row is not None:
                self._select_quietly(row)

    def open_call(self, account: str, provider_id: str) -> None:
        ref = call_ref(account, provider_id)
        if self._current_ref != ref:
            self._current_ref = ref
            if self.player.label != ref:
                self.calls.cancel_download()
                self.player.clear()
        self.calls.load(account, provider_id)

    def _show_call(self, loaded: LoadedCall) -> None:
        ref = call_ref(loaded.account, loaded.call.provider_id)
        if ref != self._current_ref:
            return
        self.call_pane.show_call(loaded.account, loaded.call, loaded.media)
        first = loaded.call.recordings[0].provider_id if loaded.call.recordings else None
        pending = self._pending_play
        if pending and call_ref(pending.account, pending.provider_id) == ref:
            return  # a download for this call is on its way and will load the player
        if first in loaded.media and self.player.label != ref:
            self.player.load(Path(loaded.media[first]), label=ref)  # cached: ready to play at once
        emit(self.callShown, ref)

    # -- playing ----------------------------------------------------------------------------------
    def current_call(self) -> tuple[str, str] | None:
        if self.call_pane.call is None or self.call_pane.account is None:
            return None
        return self.call_pane.account, self.call_pane.call.provider_id

    def play_current(self, start_ms: int = 0) -> None:
        current = self.current_call()
        if current is None:
            return
        ref = call_ref(*current)
        if self.player.label == ref and self.player.path is not None:
            self.player.toggle()
            return
        from recbrowser.ui.call_controller import PlayRequest  # loaded with the working parts

        self.request_play(PlayRequest(current[0], current[1], start_ms))

    def request_play(self, request: PlayRequest) -> None:
        self._pending_play = request
        self.calls.fetch_media(request)

    def _media_ready(self, request: PlayRequest, path: Path) -> None:
        self._pending_play = None
        ref = call_ref(request.account, request.provider_id)
        if ref != self._current_ref:
            return
        self.status.show_message(f"Playing {ref}" if request.autoplay else f"Loaded {ref}")
        self.player.load(path, label=ref, start_ms=request.start_ms, autoplay=request.autoplay)

    def _download_failed(self, message: str) -> None:
        self._pending_play = None
        self.status.show_message(message)
        self.call_pane.controls.show_message(message)

    def open_hit(self, hit: SearchHit) -> None:
        """Open the hit's call and play from its sentence (the summary plays from the start)."""
        self.open_call(hit.account, hit.call_provider_id)
        start = hit.start_ms if hit.kind == "segment" and hit.start_ms is not None else 0
        ref = call_ref(hit.account, hit.call_provider_id)
        if self.player.label == ref and self.player.path is not None:
            self.player.seek(start)
            self.player.play()
        else:
            from recbrowser.ui.call_controller import PlayRequest

            self.request_play(PlayRequest(hit.account, hit.call_provider_id, start))

    def _search(self, query: str) -> list[SearchHit]:
        # Runs in a worker: its own connection.
        store = open_store(self.data_dir.database)
        try:
            return store.search(query, limit=LIMIT)
        finally:
            store.close()

    def selected_refs(self) -> list[str]:
        rows = sorted(index.row() for index in self.table.selectionModel().selectedRows())
        return [r.ref for r in (self.model.row(row) for row in rows) if r is not None]

    # -- small actions ------------------------------------------------------------------------------
    def copy_details(self) -> None:
        if self.call_pane.call is not None and self.call_pane.account:
            from recbrowser.ui.call_details import details_text

            QGuiApplication.clipboard().setText(details_text(self.call_pane.account, self.call_pane.call))
            self.status.show_message("Call details copied.")

    def open_folder(self) -> None:
        path = self.player.path
        folder = path.parent if path else self.data_dir.media
        from PySide6.QtCore import QUrl
        from PySide6.QtGui import QDesktopServices

        QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))

    def _set_follow(self, on: bool) -> None:
        self.prefs.follow_audio = on
        self.actions["follow_audio"].setChecked(on)

    # -- state -------------------------------------------------------------------------------------
    def restore_state(self) -> None:
        self.ui_state.restore_window(self)
        self.ui_state.restore_splitter("main", self.splitter)
        self.ui_state.restore_splitter("left", self.left_splitter)
        self.ui_state.restore_header("calls", self.table.horizontalHeader())
        # The header may remember a sort: make the model agree with what it shows.
        header = self.table.horizontalHeader()
        self.model.sort(header.sortIndicatorSection(), header.sortIndicatorOrder())
        self.actions["follow_audio"].setChecked(self.prefs.follow_audio)

    def save_state(self) -> None:
        self.ui_state.save_window(self)
        self.ui_state.save_splitter("main", self.splitter)
        self.ui_state.save_splitter("left", self.left_splitter)
        self.ui_state.save_header("calls", self.table.horizontalHeader())
        self.ui_state.sync()

    def reset_layout(self) -> None:
        self.table.reset_columns()
        self.splitter.setSizes(DEFAULT_SIZES[0])
        self.left_splitter.setSizes(DEFAULT_SIZES[1])

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:
            # Icons are tinted with the palette's text colour, and the transcript's muted
            # times too: follow a light/dark switch while the window is open.
            self.actions.refresh_icons()
            if self.complete:
                self.call_pane.controls.refresh_icons()
                self.call_pane.transcript.set_segments(*self.call_pane.transcript.shown())
        super().changeEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        # A pending re-read or call open must not run on a store that is closed after the window.
        self._select_timer.stop()
        self._refresh_timer.stop()
        self.save_state()
        if self.complete:
            self.sync.cancel()
            self.exports.cancel()
            self.archive.cancel()
            self.calls.cancel_download()
            self.player.shutdown()
        self.pools.wait(5_000)  # a sync stops after its current page
        super().closeEvent(event)
