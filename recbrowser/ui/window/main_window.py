"""The main window: lays out the panes and wires their signals; the work lives elsewhere.

Left: accounts and search results. Middle: filter bar and the call list. Right: the call pane
(player, transcript, summary, details). Status bar: sync and download progress, with Cancel.

Started in stages (`staged=True`, as the app does): the first frame has the menus, the accounts,
the filter bar and the calls; the call pane, the player and the controllers behind the menus
(working_parts.py) are added as soon as that frame is on screen, before the user can act on it.
Then the window hands each feature's presenter the parts it works with, and connects the
actions (actions.py) to their slots.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from types import ModuleType
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QMainWindow, QSplitter, QVBoxLayout, QWidget

from recbrowser.paths import DataDir
from recbrowser.providers.titles import provider_title
from recbrowser.store import opener
from recbrowser.ui.accounts.accounts_panel import AccountsPanel
from recbrowser.ui.call_list.call_table_model import CallTableModel
from recbrowser.ui.call_list.call_table_view import CallTableView
from recbrowser.ui.call_list.filter_bar import FilterBar
from recbrowser.ui.call_list.list_presenter import CallListPresenter
from recbrowser.ui.common.empty_state import CALL_PANE_EMPTY, empty_label
from recbrowser.ui.common.icons import app_icon
from recbrowser.ui.common.settings import Preferences, UiState
from recbrowser.ui.common.status_area import StatusArea
from recbrowser.ui.common.workers import Pools, run_task
from recbrowser.ui.search.search_panel import LIMIT, SearchPanel
from recbrowser.ui.search.transcript_search import TranscriptSearch
from recbrowser.ui.window.actions import ActionId, Actions
from recbrowser.ui.window.first_paint import AfterFirstPaint

if TYPE_CHECKING:  # the working parts: imported after the first paint (working_parts.py)
    from recbrowser.store.api import CallStore, FirstCount
    from recbrowser.ui.accounts.account_removal import AccountRemoval
    from recbrowser.ui.accounts.removal_presenter import RemovalPresenter
    from recbrowser.ui.call_pane.call_controller import CallController, PlayRequest
    from recbrowser.ui.call_pane.call_pane import CallPane
    from recbrowser.ui.call_pane.call_presenter import CallPresenter
    from recbrowser.ui.jobs.archive_controller import ArchiveController
    from recbrowser.ui.jobs.archive_presenter import ArchivePresenter
    from recbrowser.ui.jobs.export_controller import ExportController
    from recbrowser.ui.jobs.export_presenter import ExportPresenter
    from recbrowser.ui.jobs.provider_actions import ProviderActions
    from recbrowser.ui.jobs.provider_presenter import ProviderActionsPresenter
    from recbrowser.ui.jobs.sync_controller import SyncController
    from recbrowser.ui.jobs.sync_presenter import SyncPresenter
    from recbrowser.ui.overview.overview_presenter import OverviewPresenter
    from recbrowser.ui.player.player import Player
    from recbrowser.ui.window.help_menu import HelpMenu

log = logging.getLogger("recbrowser.ui")

DEFAULT_SIZES = ([250, 720, 470], [190, 480])  # left | list | call pane; accounts / search


class MainWindow(QMainWindow):
    callShown = Signal(str)  # ref of the call now in the call pane
    callsRefreshed = Signal()  # the list re-read after new calls arrived

    # The working parts and their presenters: there once `complete` is true.
    player: Player
    call_pane: CallPane
    sync: SyncController
    calls: CallController
    exports: ExportController
    archive: ArchiveController
    removal: AccountRemoval
    provider_actions: ProviderActions
    call_presenter: CallPresenter
    sync_presenter: SyncPresenter
    export_presenter: ExportPresenter
    archive_presenter: ArchivePresenter
    provider_presenter: ProviderActionsPresenter
    removal_presenter: RemovalPresenter
    overview: OverviewPresenter
    help_menu: HelpMenu

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
        self.searches = TranscriptSearch(store, data_dir.database, LIMIT)
        self.search = SearchPanel(self.searches.search, self.pools.interactive, interrupt=self.searches.interrupt,
                                  newest=self.searches.newest)
        self.status = StatusArea(self.statusBar())
        self.archive_watch = self._watch_archive() if data_dir.team else None
        self._accounts: list = []
        self.call_list = CallListPresenter(
            self.model, self.table, self.filter_bar, self.status, store, data_dir.database, self.pools.interactive,
            self, has_accounts=lambda: bool(self._accounts), syncing=lambda: self.complete and self.sync.busy,
            open_call=self._open_chosen,
            open_ref=lambda: self.call_presenter.current_ref if self.complete else None)
        self.call_list.refreshed.connect(self.callsRefreshed)
        # What the other parts call on the list.
        self.refresh_calls, self.refresh_soon = self.call_list.refresh_calls, self.call_list.refresh_soon
        self.apply_filter, self.update_count = self.call_list.apply_filter, self.call_list.update_count
        self.calls_shown, self.selected_refs = self.call_list.calls_shown, self.call_list.selected_refs

        self._layout()
        self.actions = Actions(self)
        self.menus = self.actions.build_menus(self)
        self.toolbar = self.actions.build_toolbar(self)
        self._wire_accounts()
        self.table.columnsChosen.connect(lambda: self.ui_state.save_columns("calls", self.table.extra_columns()))
        self.update_count()  # what the list says when empty, the count in the filter bar
        self.restore_state()
        self.reload_accounts()
        if staged:
            AfterFirstPaint(self.table.viewport(), self._complete, ready=self.calls_shown)
        else:
            self._complete(start_player=False)
            AfterFirstPaint(self.table.viewport(), self.player.start, ready=self.calls_shown)

    def _complete(self, *, start_player: bool = True) -> None:
        from recbrowser.ui.window import working_parts

        parts = working_parts.build(self.data_dir, self.prefs, self.pools, self.secrets_for, self.account_names, self)
        self.player, self.call_pane, self.sync, self.calls = parts.player, parts.call_pane, parts.sync, parts.calls
        self.exports, self.archive, self.removal = parts.exports, parts.archive, parts.removal
        self.provider_actions = parts.provider_actions
        self.place_call_pane(self.call_pane)
        # Add Note is the call pane's own action (N); listed here so it can be found.
        self.menus["&Call"].insertAction(self.actions[ActionId.EXPORT], self.call_pane.add_note_action)
        self._add_presenters(working_parts)
        self.actions.connect(self)
        self._wire_call()
        self.call_list.show_categories()
        # The demo syncs once on start; a real archive keeps itself current on a schedule.
        self.sync.set_interval(0 if self.demo else self.prefs.auto_sync_minutes)
        self.complete = True
        if start_player:
            QTimer.singleShot(0, self.player.start)  # its own turn of the event loop: no long pause
        waiting, self._when_complete = self._when_complete, []
        for then in waiting:
            then()
        run_task(lambda _report: self.searches.warm(), pool=self.pools.background, name="search warm-up")

    def _add_presenters(self, parts: ModuleType) -> None:
        """Each feature's presenter, handed what it works with."""
        a, status = self.actions, self.status
        self.call_presenter = parts.CallPresenter(
            self.call_pane, self.player, self.calls, status, download=a[ActionId.DOWNLOAD],
            play_pause=a[ActionId.PLAY_PAUSE], copy_details=a[ActionId.COPY_DETAILS], media_folder=self.data_dir.media,
            parent=self)
        self.call_presenter.shown.connect(self.callShown)
        self.sync_presenter = parts.SyncPresenter(
            self.sync, self.accounts_panel, self.filter_bar.account, status, a[ActionId.CANCEL_SYNC],
            refresh_calls=self.refresh_calls, refresh_soon=self.refresh_soon, calls_on_their_way=self.update_count)
        self.removal_presenter = parts.RemovalPresenter(
            self.removal, self.accounts_panel, status, reload_accounts=self.reload_accounts,
            refresh_calls=self.refresh_calls)
        self.export_presenter = parts.ExportPresenter(
            self.exports, self.table, status, a[ActionId.EXPORT], self.settings, self,
            selected_refs=self.selected_refs, refresh_calls=self.refresh_calls)
        self.provider_presenter = parts.ProviderActionsPresenter(
            self.provider_actions, self.table, self.accounts_panel, status,
            {i: a[i] for i in (ActionId.ADD_DIALGEN_CALLS, ActionId.REQUEST_TRANSCRIPTION,
                               ActionId.DELETE_TRANSCRIPTION, ActionId.DELETE_MEDIA, ActionId.DELETE_RECORDING)},
            self,
            accounts=self.accounts, current_call=self.current_call, reload_call=self.calls.load,
            refresh_calls=self.refresh_calls)
        self.archive_presenter = parts.ArchivePresenter(
            self.archive, status, a[ActionId.ARCHIVE_EXPIRING], self.settings, self, account_names=self.account_names,
            refresh_calls=self.refresh_calls, remind_after=(self.sync.finished, self.calls.downloaded))
        self.overview = parts.OverviewPresenter(self, self.filter_bar, self.data_dir.database, self.pools.interactive,
                                                a[ActionId.OVERVIEW], status)
        self.call_list.refreshed.connect(lambda: self.overview.refresh(again=True))
        self.help_menu = parts.HelpMenu(self, database=self.data_dir.database, logs=self.data_dir.logs,
                                        pool=self.pools.interactive, current_call=self.current_call)

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
        if self.archive_watch is not None:
            layout.addWidget(self.archive_watch.banner)
        layout.addWidget(self.splitter, 1)
        self.setCentralWidget(outer)
        screen = self.screen().availableGeometry()
        self.resize(min(1440, int(screen.width() * 0.92)), min(860, int(screen.height() * 0.9)))

    def _watch_archive(self):  # -> ArchiveWatch: a team archive may go away while the window is open
        from recbrowser.ui.window.archive_watch import ArchiveBanner, ArchiveWatch

        watch = ArchiveWatch(self.data_dir.database, self.pools.interactive, ArchiveBanner(), self)
        watch.back.connect(self._archive_back)
        return watch

    def _archive_back(self) -> None:
        """The team archive answers again: re-read what the window shows from it."""
        self.status.show_message("The team archive answers again.")
        self.reload_accounts()
        self.refresh_calls()
        if self.complete:
            self.sync.read_served()

    def place_call_pane(self, pane: QWidget) -> None:
        # The stand-in's place, at the stand-in's size: left to itself the splitter would give
        # the pane (another size policy) 8 px more, and the list would jump on screen.
        sizes = self.splitter.sizes()
        self.splitter.replaceWidget(2, pane).deleteLater()
        self.splitter.setSizes(sizes)

    def _wire_accounts(self) -> None:
        self.accounts_panel.addRequested.connect(self.show_accounts)
        self.accounts_panel.editRequested.connect(self.show_accounts)

    def _wire_call(self) -> None:
        self.search.hitActivated.connect(self.call_presenter.open_hit)
        self.calls.downloaded.connect(lambda _ref: self.call_list.refresh_soon())
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
        self.actions[ActionId.SYNC_ALL].setEnabled(bool(self._accounts))
        if self.complete:
            self.provider_presenter.update_actions()
        self.update_count()

    def show_accounts(self, select: str | None = None) -> None:
        from recbrowser.ui.accounts.accounts_dialog import AccountsDialog

        dialog = AccountsDialog(self.data_dir.database, self.pools.interactive, self.secrets_for, self, select=select,
                                removal=self.removal, team=self.data_dir.team)
        dialog.changed.connect(self.reload_accounts)
        dialog.changed.connect(self.refresh_calls)
        dialog.exec()

    # -- the open call (call_pane/call_presenter.py) --------------------------------------------------
    def _open_chosen(self, account: str, provider_id: str) -> None:
        if not self.complete:  # a call chosen within the first frame's few milliseconds
            self.when_complete(self.call_list.open_current)
            return
        self.call_presenter.open_call(account, provider_id)

    # What tests and the screenshot call on the open call.
    def open_call(self, account: str, provider_id: str) -> None:
        self.call_presenter.open_call(account, provider_id)

    def play_current(self) -> None:
        self.call_presenter.play_current()

    def request_play(self, request: PlayRequest) -> None:
        self.call_presenter.request_play(request)

    def current_call(self) -> tuple[str, str] | None:
        return self.call_presenter.current_call() if self.complete else None

    def _set_follow(self, on: bool) -> None:
        self.prefs.follow_audio = on
        self.actions[ActionId.FOLLOW_AUDIO].setChecked(on)

    # -- state -------------------------------------------------------------------------------------
    def restore_state(self) -> None:
        self.ui_state.restore_window(self)
        self.ui_state.restore_splitter("main", self.splitter)
        self.ui_state.restore_splitter("left", self.left_splitter)
        self.ui_state.restore_header("calls", self.table.horizontalHeader())
        self.table.set_extra_columns(self.ui_state.columns("calls"))
        # The header may remember a sort: make the model agree with what it shows.
        header = self.table.horizontalHeader()
        self.model.sort(header.sortIndicatorSection(), header.sortIndicatorOrder())
        self.actions[ActionId.FOLLOW_AUDIO].setChecked(self.prefs.follow_audio)

    def save_state(self) -> None:
        self.ui_state.save_window(self)
        self.ui_state.save_splitter("main", self.splitter)
        self.ui_state.save_splitter("left", self.left_splitter)
        self.ui_state.save_header("calls", self.table.horizontalHeader())
        self.ui_state.save_columns("calls", self.table.extra_columns())
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
        self.call_list.stop()
        self.save_state()
        if self.complete:
            self.sync.cancel()
            self.exports.cancel()
            self.archive.cancel()
            self.calls.cancel_download()
            self.player.shutdown()
        self.searches.interrupt()
        self.pools.wait(5_000)  # a sync stops after its current page
        self.searches.close()
        super().closeEvent(event)
