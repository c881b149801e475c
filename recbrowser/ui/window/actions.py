"""The window's actions, menus and toolbar, built from the shortcut registry.

Actions are created here and connected by the window; keeping them in one table makes
the menus, toolbar and Help > Keyboard Shortcuts agree by construction.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMainWindow, QMenu, QToolBar, QWidget

from recbrowser.ui.common.icons import icon
from recbrowser.ui.window import shortcuts

# id: (menu text, icon, shortcut id or None)
SPECS: dict[str, tuple[str, str | None, str | None]] = {
    "sync_all": ("&Sync All Accounts", "sync", "sync_all"),
    "sync_selected": ("Sync &This Account", None, None),
    "cancel_sync": ("&Cancel Sync", "stop", None),
    "accounts": ("&Accounts…", "accounts", "accounts"),
    "archive_expiring": ("Archive E&xpiring Recordings…", None, None),
    "quit": ("&Quit", None, "quit"),
    "search": ("&Search Transcripts", "search", "search"),
    "find_in_transcript": ("&Find in Transcript", "find", "find_in_transcript"),
    "next_hit": ("Next Search &Result", None, "next_hit"),
    "previous_hit": ("Previous Search R&esult", None, "previous_hit"),
    "focus_calls": ("Go to Call &List", None, "focus_calls"),
    "follow_audio": ("F&ollow Audio in Transcript", None, None),
    "reset_layout": ("&Reset Layout", None, None),
    "next_call": ("&Next Call", None, "next_call"),
    "previous_call": ("&Previous Call", None, "previous_call"),
    "play_pause": ("&Play / Pause", "play", "play_pause"),
    "back_5": ("Back 5 s", None, "back_5"),
    "forward_5": ("Forward 5 s", None, "forward_5"),
    "back_15": ("Back 15 s", None, "back_15"),
    "forward_15": ("Forward 15 s", None, "forward_15"),
    "slower": ("S&lower", None, "slower"),
    "faster": ("&Faster", None, "faster"),
    "download": ("&Download Recording", "download", "download"),
    "open_folder": ("Open Containing F&older", "folder", None),
    "copy_details": ("&Copy Call Details", "copy", "copy_details"),
    "export": ("&Export Selection…", "export", "export"),
    # Provider actions: no shortcuts (deletions at a provider live in menus, with a confirmation).
    "add_dialgen_calls": ("Add Call by &ID…", None, None),
    "request_transcription": ("Request &Transcription", None, None),
    "delete_transcription": ("Delete Transcription at Provider…", None, None),
    "delete_recording": ("Delete Recording at Provider…", None, None),
    "shortcuts_help": ("&Keyboard Shortcuts", None, "shortcuts_help"),
    "log": ("&Log", "log", None),
    "audit_log": ("A&udit Log", None, None),
    "about": ("&About recbrowser", "about", None),
}

MENUS = {
    "&File": ("sync_all", "sync_selected", "cancel_sync", None, "archive_expiring", None, "accounts", None, "quit"),
    "&View": ("search", "find_in_transcript", "next_hit", "previous_hit", None, "focus_calls", "follow_audio", None, "reset_layout"),
    "&Call": (
        "next_call", "previous_call", None, "play_pause", "back_5", "forward_5", "back_15", "forward_15",
        "slower", "faster", None, "download", "open_folder", "copy_details", "export", None,
        "add_dialgen_calls", "request_transcription", "delete_transcription", "delete_recording",
    ),
    "&Help": ("shortcuts_help", "log", "audit_log", None, "about"),
}

# Toolbar buttons show short words next to their icons.
SHORT_TEXT = {"sync_all": "Sync", "cancel_sync": "Cancel", "play_pause": "Play", "download": "Download",
              "export": "Export", "accounts": "Accounts"}

TOOLBAR = ("sync_all", "cancel_sync", None, "play_pause", "download", "export", None, "accounts")


class Actions:
    def __init__(self, window: QMainWindow) -> None:
        self.by_id: dict[str, QAction] = {}
        for action_id, (text, icon_name, shortcut_id) in SPECS.items():
            action = QAction(text, window)
            action.setObjectName(action_id)
            if icon_name:
                action.setIcon(icon(icon_name))
            if shortcut_id:
                shortcuts.bind(action, shortcut_id)
                # Window-wide, but a focused text field still gets its own keys first.
                action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            window.addAction(action)  # shortcuts work even when the menu bar is hidden
            self.by_id[action_id] = action
        for action_id, text in SHORT_TEXT.items():
            self[action_id].setIconText(text)
        self["follow_audio"].setCheckable(True)
        self["cancel_sync"].setEnabled(False)
        self["export"].setEnabled(False)  # until calls are selected
        for action_id in ("play_pause", "download", "copy_details"):
            self[action_id].setEnabled(False)  # until a call is shown
        self["quit"].setMenuRole(QAction.MenuRole.QuitRole)
        self["about"].setMenuRole(QAction.MenuRole.AboutRole)

    def refresh_icons(self) -> None:
        """Re-tint after the palette changed (the system switched to dark mode, or back)."""
        for action_id, (_text, icon_name, _key) in SPECS.items():
            if icon_name:
                self[action_id].setIcon(icon(icon_name))

    def __getitem__(self, action_id: str) -> QAction:
        return self.by_id[action_id]

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
