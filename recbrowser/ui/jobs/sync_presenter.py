"""Sync as the window shows it: the File menu's sync actions, each account's state in the
Accounts panel, progress and the outcome in the status bar, the list re-read as pages land."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QComboBox

from recbrowser.services.sync import SyncResult
from recbrowser.ui.accounts.accounts_panel import AccountsPanel
from recbrowser.ui.common.formatting import local_short
from recbrowser.ui.common.status_area import StatusArea
from recbrowser.ui.jobs.sync_controller import SyncController


class SyncPresenter:
    def __init__(self, sync: SyncController, panel: AccountsPanel, account_filter: QComboBox, status: StatusArea,
                 cancel_action: QAction, *, refresh_calls: Callable[[], None], refresh_soon: Callable[[], None],
                 calls_on_their_way: Callable[[], None]) -> None:
        self.sync = sync
        self._panel = panel
        self._account_filter = account_filter
        self._status = status
        self._cancel_action = cancel_action
        self._refresh_calls = refresh_calls
        self._calls_on_their_way = calls_on_their_way
        sync.started.connect(self._started)
        sync.accountStarted.connect(lambda name: panel.set_state(name, busy=True, error=""))
        sync.progress.connect(status.show_sync)
        sync.pageWritten.connect(refresh_soon)
        sync.accountFinished.connect(self._account_finished)
        sync.finished.connect(self._finished)
        sync.refused.connect(status.show_message)
        sync.servedRead.connect(self._served)
        self._served_until: dict[str, int | None] = {}
        panel.syncRequested.connect(lambda name: sync.sync([name]))
        status.sync.cancel.clicked.connect(self.cancel)

    # -- the actions ------------------------------------------------------------------------------
    def sync_all(self) -> None:
        self.sync.sync(None)

    def sync_selected(self) -> None:
        name = self._panel.selected_name() or self._account_filter.currentData()
        if name:
            self.sync.sync([name])
        else:
            self._status.show_message("Choose an account in the Accounts panel first.")

    def cancel(self) -> None:
        self.sync.cancel()
        self._status.cancelling()

    # -- what the controller reports --------------------------------------------------------------
    def _started(self) -> None:
        self._cancel_action.setEnabled(True)
        self._status.sync_started()
        self._calls_on_their_way()  # the empty list now says calls are on their way

    def _account_finished(self, result: SyncResult) -> None:
        if result.error:
            self._panel.set_state(result.account, error=result.error, busy=False,
                                  needs_code=result.account in self.sync.needs_code)
        elif result.cancelled:
            self._panel.set_state(result.account, text=f"Sync cancelled after {result.calls:,} calls", busy=False)
        else:
            self._panel.synced(result.account, result.calls, result.new, result.unreadable_sentence())

    def _served(self, until: dict[str, int | None]) -> None:
        """A team archive: each account says up to when its serving hosts synced it; calls they
        added since the last look are shown."""
        for name, ms in until.items():
            text = f"Synced by the serving hosts up to {local_short(ms)}" if ms else "Not synced by the serving hosts yet"
            self._panel.set_state(name, text=text, error="", busy=False)
        if self._served_until and until != self._served_until:
            self._refresh_calls()
        self._served_until = dict(until)

    def _finished(self, results: list[SyncResult]) -> None:
        self._cancel_action.setEnabled(False)
        self._refresh_calls()
        needs_code = self.sync.needs_code
        failed = [r for r in results if r.error and r.account not in needs_code]
        waiting = [r.account for r in results if r.error and r.account in needs_code]
        total = sum(r.calls for r in results)
        if failed:
            names = ", ".join(r.account for r in failed)
            summary = f"Sync finished: {total:,} calls; failed for {names} (see the Accounts panel)."
        elif waiting:
            summary = f"Sync finished: {total:,} calls; {', '.join(waiting)} waits for a two-factor code (sync it again)."
        elif any(r.cancelled for r in results):
            summary = f"Sync cancelled after {total:,} calls."
        else:
            summary = f"Sync finished: {total:,} calls from {len(results)} account{'s' if len(results) != 1 else ''}."
        self._status.sync_finished(summary)
