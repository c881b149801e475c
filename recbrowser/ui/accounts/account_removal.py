"""Removing an account, in a worker: the store's cascade over a million calls takes ~50 s.

Owned by the window, not by the accounts dialog, so closing the dialog mid-way still brings
the outcome to the window (its accounts panel and list re-read). One removal at a time; the
dialog shows it while it runs, also when opened again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QThreadPool, Signal

from recbrowser.services import accounts as account_service
from recbrowser.store import CallFilter, open_store
from recbrowser.ui.common.signals import emit
from recbrowser.ui.common.workers import run_task


class AccountRemoval(QObject):
    started = Signal(str)  # account name
    counted = Signal(str, int)  # account name, cached calls being removed
    finished = Signal(str, str, bool)  # account name, one sentence, removed?

    def __init__(self, database: Path, secrets_for: Callable[[str], dict[str, str] | None], pool: QThreadPool,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._database = database
        self._secrets_for = secrets_for
        self._pool = pool
        self.removing: str | None = None
        self.calls: int | None = None  # of the account being removed, once counted
        self.started_at = 0.0

    def remove(self, name: str) -> bool:
        """Start removing `name`; False when another removal is still running."""
        if self.removing is not None:
            return False
        self.removing, self.calls, self.started_at = name, None, time.monotonic()
        in_keyring = self._secrets_for(name) is None  # demo accounts' secrets never were
        database = self._database

        def work(report) -> str:
            store = open_store(database)
            try:
                calls = store.count_calls(CallFilter(account=name))
                report(calls)
                if in_keyring:
                    account_service.remove_account(store, name)
                else:
                    store.remove_account(name)
            finally:
                store.close()
            return (f"Account '{name}' removed, with its {calls:,} cached calls; downloaded recordings stay on disk "
                    "and nothing was deleted at the provider.")

        emit(self.started, name)
        run_task(work, lambda message: self._end(name, message, True), lambda message, _d: self._end(name, message, False),
                 self._counted, pool=self._pool, name="remove account", owner=self)
        return True

    def _counted(self, calls: int) -> None:
        self.calls = calls
        if self.removing:
            emit(self.counted, self.removing, calls)

    def _end(self, name: str, message: str, ok: bool) -> None:
        self.removing = None
        emit(self.finished, name, message, ok)
