"""Every keyboard shortcut of the window, in one place, so clashes are caught by a test.

Standard keys come from `QKeySequence.StandardKey`, so each platform gets its own (Cmd+F on
macOS). Destructive actions get no shortcut at all: they live in menus, with a confirmation.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QAction, QKeySequence

Key = QKeySequence.StandardKey | str


@dataclass(frozen=True)
class Shortcut:
    """A command's keys: the first is shown in menus, all of them work."""

    id: str
    label: str  # what Help > Keyboard Shortcuts says the keys do
    keys: tuple[Key, ...]
    fallback: str = ""  # when the platform defines no key for the standard one (Quit on some)


# Each named once; the window's actions (window/actions.py) refer to theirs by these names.
NEXT_CALL = Shortcut("next_call", "Next call", ("J",))
PREVIOUS_CALL = Shortcut("previous_call", "Previous call", ("K",))
PLAY_PAUSE = Shortcut("play_pause", "Play or pause", ("Space",))
BACK_5 = Shortcut("back_5", "Back 5 seconds", ("Left",))
FORWARD_5 = Shortcut("forward_5", "Forward 5 seconds", ("Right",))
BACK_15 = Shortcut("back_15", "Back 15 seconds", ("Shift+Left",))
FORWARD_15 = Shortcut("forward_15", "Forward 15 seconds", ("Shift+Right",))
ADD_NOTE = Shortcut("add_note", "Add a note at the moment playing", ("N",))
# Keys of the call list itself (its keyPressEvent), listed here so Help shows them and a
# window-wide action can never take them.
SHOW_LEGS = Shortcut("show_legs", "Call list: show a transferred call's legs", ("+", "="))
HIDE_LEGS = Shortcut("hide_legs", "Call list: hide its legs", ("-",))
TOGGLE_LEGS = Shortcut("toggle_legs", "Call list: show or hide its legs", ("*",))
SLOWER = Shortcut("slower", "Slower", ("[",))
FASTER = Shortcut("faster", "Faster", ("]",))
SEARCH = Shortcut("search", "Search transcripts", ("/", QKeySequence.StandardKey.Find))
FIND_IN_TRANSCRIPT = Shortcut("find_in_transcript", "Find in this transcript", ("Ctrl+Shift+F",))
NEXT_HIT = Shortcut("next_hit", "Next search result", (QKeySequence.StandardKey.FindNext,))
PREVIOUS_HIT = Shortcut("previous_hit", "Previous search result", (QKeySequence.StandardKey.FindPrevious,))
DOWNLOAD = Shortcut("download", "Download the call's recording", ("Ctrl+D",))
EXPORT = Shortcut("export", "Export selected calls", ("Ctrl+E",))
COPY_DETAILS = Shortcut("copy_details", "Copy call details", ("Ctrl+Shift+C",))
SYNC_ALL = Shortcut("sync_all", "Sync all accounts", (QKeySequence.StandardKey.Refresh,))
ACCOUNTS = Shortcut("accounts", "Accounts...", ("Ctrl+Shift+A",))
FOCUS_CALLS = Shortcut("focus_calls", "Go to the call list", ("Ctrl+L",))
SHORTCUTS_HELP = Shortcut("shortcuts_help", "Keyboard shortcuts", (QKeySequence.StandardKey.HelpContents,))
QUIT = Shortcut("quit", "Quit", (QKeySequence.StandardKey.Quit,), fallback="Ctrl+Q")

# Help > Keyboard Shortcuts lists them in this order.
SHORTCUTS: tuple[Shortcut, ...] = (
    NEXT_CALL, PREVIOUS_CALL, PLAY_PAUSE, BACK_5, FORWARD_5, BACK_15, FORWARD_15, ADD_NOTE, SHOW_LEGS,
    HIDE_LEGS, TOGGLE_LEGS, SLOWER, FASTER, SEARCH, FIND_IN_TRANSCRIPT, NEXT_HIT, PREVIOUS_HIT, DOWNLOAD,
    EXPORT, COPY_DETAILS, SYNC_ALL, ACCOUNTS, FOCUS_CALLS, SHORTCUTS_HELP, QUIT,
)

BY_ID = {s.id: s for s in SHORTCUTS}


def sequences(shortcut_id: str) -> list[QKeySequence]:
    out: list[QKeySequence] = []
    for key in BY_ID[shortcut_id].keys:
        if isinstance(key, QKeySequence.StandardKey):
            out += QKeySequence.keyBindings(key)
        else:
            out.append(QKeySequence(key))
    out = [s for s in out if not s.isEmpty()]
    if not out and BY_ID[shortcut_id].fallback:
        out = [QKeySequence(BY_ID[shortcut_id].fallback)]
    return out


def key_text(shortcut_id: str) -> str:
    return ", ".join(s.toString(QKeySequence.SequenceFormat.NativeText) for s in sequences(shortcut_id))


def conflicts() -> dict[str, list[str]]:
    """Key sequences bound to more than one shortcut (an empty dict is the goal)."""
    owners: dict[str, list[str]] = {}
    for s in SHORTCUTS:
        for seq in sequences(s.id):
            owners.setdefault(seq.toString(QKeySequence.SequenceFormat.PortableText), []).append(s.id)
    return {key: ids for key, ids in owners.items() if len(ids) > 1}


def bind(action: QAction, shortcut: Shortcut | str) -> QAction:
    shortcut_id = shortcut.id if isinstance(shortcut, Shortcut) else shortcut
    action.setShortcuts(sequences(shortcut_id))
    keys = key_text(shortcut_id)
    if keys:
        action.setToolTip(f"{action.text().replace('&', '').rstrip('.')} ({keys})")
    return action
