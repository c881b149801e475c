"""The window's actions, each declared once: its id, menu text, icon, keys and the slot it
triggers; the menus, the toolbar and Help > Keyboard Shortcuts are built from this table.

The actions exist from the first frame (the menus show at once); their slots belong to parts
made right after it, so a slot is named as a path from the window ("sync_presenter.sync_all") and
connected by `Actions.connect` once the parts are there. Until then an action does nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from operator import attrgetter

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMainWindow, QMenu, QToolBar, QWidget

from recbrowser.ui.common import shortcuts as keys
from recbrowser.ui.common.icons import icon


class ActionId(StrEnum):
    SYNC_ALL = "sync_all"
    SYNC_SELECTED = "sync_selected"
    CANCEL_SYNC = "cancel_sync"
    ACCOUNTS = "accounts"
    ARCHIVE_EXPIRING = "archive_expiring"
    QUIT = "quit"
    SEARCH = "search"
    FIND_IN_TRANSCRIPT = "find_in_transcript"
    NEXT_HIT = "next_hit"
    PREVIOUS_HIT = "previous_hit"
    FOCUS_CALLS = "focus_calls"
    FOLLOW_AUDIO = "follow_audio"
    RESET_LAYOUT = "reset_layout"
    OVERVIEW = "overview"
    NEXT_CALL = "next_call"
    PREVIOUS_CALL = "previous_call"
    PLAY_PAUSE = "play_pause"
    BACK_5 = "back_5"
    FORWARD_5 = "forward_5"
    BACK_15 = "back_15"
    FORWARD_15 = "forward_15"
    SLOWER = "slower"
    FASTER = "faster"
    DOWNLOAD = "download"
    OPEN_FOLDER = "call_presenter.open_folder"
    COPY_DETAILS = "call_presenter.copy_details"
    EXPORT = "export"
    ADD_DIALGEN_CALLS = "add_dialgen_calls"
    REQUEST_TRANSCRIPTION = "request_transcription"
    DELETE_TRANSCRIPTION = "delete_transcription"
    DELETE_MEDIA = "delete_media"
    DELETE_RECORDING = "delete_recording"
    SHORTCUTS_HELP = "shortcuts_help"
    LOG = "log"
    AUDIT_LOG = "audit_log"
    ABOUT = "about"


@dataclass(frozen=True)
class ActionSpec:
    id: ActionId
    text: str  # the menu's text
    slot: str  # what it triggers: a path from the window to a method that takes no arguments
    args: tuple[object, ...] = ()  # given to the slot
    icon: str | None = None
    shortcut: keys.Shortcut | None = None
    short_text: str = ""  # next to the toolbar's icon
    checkable: bool = False  # then the slot gets the new state (toggled), not a click
    enabled: bool = True  # at start; the parts that own it enable it when it applies


A = ActionSpec
I = ActionId  # noqa: E741
ACTIONS: tuple[ActionSpec, ...] = (
    A(I.SYNC_ALL, "&Sync All Accounts", "sync_presenter.sync_all", icon="sync", shortcut=keys.SYNC_ALL, short_text="Sync"),
    A(I.SYNC_SELECTED, "Sync &This Account", "sync_presenter.sync_selected"),
    A(I.CANCEL_SYNC, "&Cancel Sync", "sync_presenter.cancel", icon="stop", short_text="Cancel", enabled=False),
    A(I.ACCOUNTS, "&Accounts…", "show_accounts", icon="accounts", shortcut=keys.ACCOUNTS, short_text="Accounts"),
    A(I.ARCHIVE_EXPIRING, "Archive E&xpiring Recordings…", "archive_presenter.choose_and_archive"),
    A(I.QUIT, "&Quit", "close", shortcut=keys.QUIT),
    A(I.SEARCH, "&Search Transcripts", "search.focus_search", icon="search", shortcut=keys.SEARCH),
    A(I.FIND_IN_TRANSCRIPT, "&Find in Transcript", "call_pane.transcript.open_find", icon="find",
      shortcut=keys.FIND_IN_TRANSCRIPT),
    A(I.NEXT_HIT, "Next Search &Result", "search.step", (True,), shortcut=keys.NEXT_HIT),
    A(I.PREVIOUS_HIT, "Previous Search R&esult", "search.step", (False,), shortcut=keys.PREVIOUS_HIT),
    A(I.FOCUS_CALLS, "Go to Call &List", "table.setFocus", shortcut=keys.FOCUS_CALLS),
    A(I.FOLLOW_AUDIO, "F&ollow Audio in Transcript", "call_pane.transcript.follow.setChecked", checkable=True),
    A(I.RESET_LAYOUT, "&Reset Layout", "reset_layout"),
    A(I.OVERVIEW, "O&verview of the Calls in View", "overview.set_visible", checkable=True),
    A(I.NEXT_CALL, "&Next Call", "table.move_current", (1,), shortcut=keys.NEXT_CALL),
    A(I.PREVIOUS_CALL, "&Previous Call", "table.move_current", (-1,), shortcut=keys.PREVIOUS_CALL),
    A(I.PLAY_PAUSE, "&Play / Pause", "call_presenter.play_current", icon="play", shortcut=keys.PLAY_PAUSE, short_text="Play",
      enabled=False),
    A(I.BACK_5, "Back 5 s", "player.skip", (-5_000,), shortcut=keys.BACK_5),
    A(I.FORWARD_5, "Forward 5 s", "player.skip", (5_000,), shortcut=keys.FORWARD_5),
    A(I.BACK_15, "Back 15 s", "player.skip", (-15_000,), shortcut=keys.BACK_15),
    A(I.FORWARD_15, "Forward 15 s", "player.skip", (15_000,), shortcut=keys.FORWARD_15),
    A(I.SLOWER, "S&lower", "player.slower", shortcut=keys.SLOWER),
    A(I.FASTER, "&Faster", "player.faster", shortcut=keys.FASTER),
    A(I.DOWNLOAD, "&Download Recording", "call_presenter.download_current", icon="download", shortcut=keys.DOWNLOAD,
      short_text="Download", enabled=False),
    A(I.OPEN_FOLDER, "Open Containing F&older", "call_presenter.open_folder", icon="folder"),
    A(I.COPY_DETAILS, "&Copy Call Details", "call_presenter.copy_details", icon="copy", shortcut=keys.COPY_DETAILS, enabled=False),
    A(I.EXPORT, "&Export Selection…", "export_presenter.export_selection", icon="export", shortcut=keys.EXPORT,
      short_text="Export", enabled=False),  # until calls are selected
    # Provider actions: no shortcuts (deletions at a provider live in menus, with a confirmation).
    A(I.ADD_DIALGEN_CALLS, "Add Call by &ID…", "provider_presenter.add_dialgen_calls"),
    A(I.REQUEST_TRANSCRIPTION, "Request &Transcription", "provider_presenter.run", ("request_transcription",)),
    A(I.DELETE_TRANSCRIPTION, "Delete Transcription at Provider…", "provider_presenter.run", ("delete_transcription",)),
    A(I.DELETE_MEDIA, "Delete &Media at Provider…", "provider_presenter.run", ("delete_media",)),
    A(I.DELETE_RECORDING, "Delete Recording at Provider…", "provider_presenter.run", ("delete_recording",)),
    A(I.SHORTCUTS_HELP, "&Keyboard Shortcuts", "help_menu.show_shortcuts", shortcut=keys.SHORTCUTS_HELP),
    A(I.LOG, "&Log", "help_menu.show_log", icon="log"),
    A(I.AUDIT_LOG, "A&udit Log", "help_menu.show_audit_log"),
    A(I.ABOUT, "&About recbrowser", "help_menu.show_about", icon="about"),
)
del A, I

MENUS: dict[str, tuple[ActionId | None, ...]] = {
    "&File": (ActionId.SYNC_ALL, ActionId.SYNC_SELECTED, ActionId.CANCEL_SYNC, None, ActionId.ARCHIVE_EXPIRING, None,
              ActionId.ACCOUNTS, None, ActionId.QUIT),
    "&View": (ActionId.SEARCH, ActionId.FIND_IN_TRANSCRIPT, ActionId.NEXT_HIT, ActionId.PREVIOUS_HIT, None,
              ActionId.FOCUS_CALLS, ActionId.FOLLOW_AUDIO, None, ActionId.OVERVIEW, ActionId.RESET_LAYOUT),
    "&Call": (
        ActionId.NEXT_CALL, ActionId.PREVIOUS_CALL, None, ActionId.PLAY_PAUSE, ActionId.BACK_5, ActionId.FORWARD_5,
        ActionId.BACK_15, ActionId.FORWARD_15, ActionId.SLOWER, ActionId.FASTER, None, ActionId.DOWNLOAD,
        ActionId.OPEN_FOLDER, ActionId.COPY_DETAILS, ActionId.EXPORT, None, ActionId.ADD_DIALGEN_CALLS,
        ActionId.REQUEST_TRANSCRIPTION, ActionId.DELETE_TRANSCRIPTION, ActionId.DELETE_MEDIA,
        ActionId.DELETE_RECORDING,
    ),
    "&Help": (ActionId.SHORTCUTS_HELP, ActionId.LOG, ActionId.AUDIT_LOG, None, ActionId.ABOUT),
}

TOOLBAR = (ActionId.SYNC_ALL, ActionId.CANCEL_SYNC, None, ActionId.PLAY_PAUSE, ActionId.DOWNLOAD, ActionId.EXPORT, None,
           ActionId.ACCOUNTS)


class Actions:
    def __init__(self, window: QMainWindow) -> None:
        self.by_id: dict[ActionId, QAction] = {}
        for spec in ACTIONS:
            action = QAction(spec.text, window)
            action.setObjectName(spec.id.value)
            if spec.icon:
                action.setIcon(icon(spec.icon))
            if spec.shortcut:
                keys.bind(action, spec.shortcut)
                # Window-wide, but a focused text field still gets its own keys first.
                action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            if spec.short_text:
                action.setIconText(spec.short_text)
            action.setCheckable(spec.checkable)
            action.setEnabled(spec.enabled)
            window.addAction(action)  # shortcuts work even when the menu bar is hidden
            self.by_id[spec.id] = action
        self[ActionId.QUIT].setMenuRole(QAction.MenuRole.QuitRole)
        self[ActionId.ABOUT].setMenuRole(QAction.MenuRole.AboutRole)

    def connect(self, window: QMainWindow) -> None:
        """Connect each action to its slot, found from the window (its parts are there now)."""
        for spec in ACTIONS:
            slot = attrgetter(spec.slot)(window)
            action = self[spec.id]
            if spec.checkable:
                action.toggled.connect(slot)
            else:
                action.triggered.connect(lambda _checked=False, slot=slot, args=spec.args: slot(*args))

    def refresh_icons(self) -> None:
        """Re-tint after the palette changed (the system switched to dark mode, or back)."""
        for spec in ACTIONS:
            if spec.icon:
                self[spec.id].setIcon(icon(spec.icon))

    def __getitem__(self, action_id: ActionId | str) -> QAction:
        return self.by_id[ActionId(action_id)]

    def build_menus(self, window: QMainWindow) -> dict[str, QMenu]:
        menus = {}
        for title, ids in MENUS.items():
            menu = window.menuBar().addMenu(title)
            for action_id in ids:
                if action_id is None:
                    menu.addSeparator()
                else:
                    menu.addAction(self[action_id])
            menus[title] = menu
        return menus

    def build_toolbar(self, window: QMainWindow, trailing: QWidget | None = None) -> QToolBar:
        bar = QToolBar("Main toolbar")
        bar.setObjectName("main_toolbar")  # saveState needs a name
        bar.setMovable(False)
        bar.setIconSize(QSize(22, 22))
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        for action_id in TOOLBAR:
            if action_id is None:
                bar.addSeparator()
            else:
                bar.addAction(self[action_id])
        if trailing is not None:
            bar.addWidget(trailing)
        window.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)
        return bar
