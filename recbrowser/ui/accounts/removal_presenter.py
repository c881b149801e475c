"""An account's removal runs on after the accounts dialog closes: the window hears how it ended."""

from __future__ import annotations

from collections.abc import Callable

from recbrowser.ui.accounts.account_removal import AccountRemoval
from recbrowser.ui.accounts.accounts_panel import AccountsPanel
from recbrowser.ui.common.status_area import StatusArea


class RemovalPresenter:
    def __init__(self, removal: AccountRemoval, panel: AccountsPanel, status: StatusArea, *,
                 reload_accounts: Callable[[], None], refresh_calls: Callable[[], None]) -> None:
        self.removal = removal
        self._panel = panel
        self._status = status
        self._reload_accounts = reload_accounts
        self._refresh_calls = refresh_calls
        removal.started.connect(self._started)
        removal.finished.connect(self._finished)

    def _started(self, name: str) -> None:
        self._panel.set_state(name, text="Removing from this computer…", error="")
        self._status.show_message(f"Removing the account '{name}' and its cached calls…")

    def _finished(self, name: str, message: str, removed: bool) -> None:
        self._status.show_message(message)
        if removed:
            self._reload_accounts()
            self._refresh_calls()
        else:
            self._panel.set_state(name, error=message)
