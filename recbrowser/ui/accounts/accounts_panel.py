"""The accounts sidebar: each account with its sync state; errors show here, on the account,
instead of in a pile of dialogs. With no accounts it says so and offers to add one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from recbrowser.domain import Account
from recbrowser.ui.common.signals import emit

NAME_ROLE = Qt.ItemDataRole.UserRole


@dataclass
class AccountState:
    """What the sidebar says about one account: its last sync, or what went wrong."""

    text: str = "Not synced in this session"
    error: str = ""
    busy: bool = False
    needs_code: bool = False  # the two-factor dialog was cancelled: syncing again asks again


def _warning_icon(widget: QWidget):
    # QStyle's Python type takes ~5 ms to set up: paid when an account has an error, not at start-up.
    from PySide6.QtWidgets import QStyle

    return widget.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)


class AccountsPanel(QWidget):
    addRequested = Signal()
    syncRequested = Signal(str)  # account name
    editRequested = Signal(str)  # account name

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._states: dict[str, AccountState] = {}
        self._accounts: list[Account] = []
        self._titles: dict[str, str] = {}
        self.list = QListWidget()
        self.list.setWordWrap(True)
        self.list.setSpacing(3)
        self.list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.list.itemActivated.connect(lambda item: emit(self.syncRequested, item.data(NAME_ROLE)))
        self.list.setToolTip("Double-click or Enter syncs the account; right-click for more")
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.customContextMenuRequested.connect(self._menu)
        empty = QWidget()
        empty_layout = QVBoxLayout(empty)
        note = QLabel("No accounts yet.")
        note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.add_button = add = QPushButton("Add account…")
        add.clicked.connect(self.addRequested)
        empty_layout.addStretch(1)
        empty_layout.addWidget(note)
        empty_layout.addWidget(add, 0, Qt.AlignmentFlag.AlignHCenter)
        empty_layout.addStretch(1)
        self.stack = QStackedWidget()
        self.stack.addWidget(empty)
        self.stack.addWidget(self.list)
        heading = QLabel("<b>Accounts</b>")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(heading)
        layout.addWidget(self.stack, 1)

    def set_accounts(self, accounts: list[Account], titles: dict[str, str] | None = None) -> None:
        self._accounts = list(accounts)
        self._titles = titles or {}
        self._render()

    def set_state(self, name: str, *, text: str | None = None, error: str | None = None, busy: bool | None = None,
                  needs_code: bool = False) -> None:
        state = self._states.setdefault(name, AccountState())
        state.needs_code = needs_code
        if text is not None:
            state.text = text
        if error is not None:
            state.error = error
        if busy is not None:
            state.busy = busy
        self._render()

    def synced(self, name: str, calls: int, new: int, unreadable: str = "") -> None:
        at = datetime.now().strftime("%H:%M")
        text = f"synced {at}, {calls:,} calls ({new:,} new)" + (f"; {unreadable}" if unreadable else "")
        self.set_state(name, text=text, error="", busy=False)

    def _menu(self, pos) -> None:
        item = self.list.itemAt(pos)
        if item is None:
            return
        name = item.data(NAME_ROLE)
        menu = QMenu(self)
        if self.state(name).needs_code:
            menu.addAction("Enter Two-Factor Code…", lambda: emit(self.syncRequested, name))
        menu.addAction("Sync now", lambda: emit(self.syncRequested, name))
        menu.addAction("Edit account…", lambda: emit(self.editRequested, name))
        menu.exec(self.list.viewport().mapToGlobal(pos))

    def state(self, name: str) -> AccountState:
        return self._states.get(name, AccountState())

    def selected_name(self) -> str | None:
        item = self.list.currentItem()
        return item.data(NAME_ROLE) if item else None

    def _render(self) -> None:
        self.stack.setCurrentIndex(1 if self._accounts else 0)
        current = self.selected_name()
        self.list.clear()
        for account in self._accounts:
            state = self._states.get(account.name, AccountState())
            provider = self._titles.get(account.provider, account.provider)
            status = "Syncing…" if state.busy else (state.error or state.text)
            item = QListWidgetItem(f"{account.name}\n{status}")
            item.setData(NAME_ROLE, account.name)
            if state.error:
                item.setIcon(_warning_icon(self))
                item.setToolTip(state.error)
            else:
                item.setToolTip(f"{account.name} ({provider}): {status}")
            self.list.addItem(item)
            if account.name == current:
                self.list.setCurrentItem(item)
