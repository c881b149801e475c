"""Sync from the window: one job at a time in a worker, progress by signal, cancel at any time.

Accounts asked for while a sync runs are queued and synced right after it. Each job opens its
own store; the window's model re-reads after each page (the `pageWritten` signal). An account
that signs in with a two-factor code (Voki) is signed in before its sync: the worker waits while
the window asks for the code (mfa_dialog.py); a cancelled dialog leaves the account in
`needs_code`, and syncing it again asks again.

On a team archive (`team`) the desktop never syncs: its serving hosts do, with the provider
secrets only they hold. Asking to sync says so (`refused`), and the schedule instead re-reads
up to when the serving hosts last synced each account (`servedRead`), from the archive.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QThreadPool, QTimer, Signal
from PySide6.QtWidgets import QWidget

from recbrowser.errors import UserFacingError
from recbrowser.services.accounts import open_provider
from recbrowser.services.sync import CancelToken, SyncProgress, SyncResult, sync_account
from recbrowser.store import open_store
from recbrowser.team.desktop_accounts import last_syncs, served_sentence
from recbrowser.ui.accounts.mfa_dialog import CodeAsker, CodeRequest, ask_code, needs_code_sentence, with_code
from recbrowser.ui.common.signals import emit
from recbrowser.ui.common.workers import run_task

log = logging.getLogger("recbrowser.ui.sync")


def _no_dialog(report):
    """A report that answers code requests with "cancelled" at once, in the worker."""
    return lambda item: item.answer(None) if isinstance(item, CodeRequest) else report(item)


SERVED_REFRESH_MS = 60_000  # a team archive: how often the serving hosts' last syncs are re-read


class SyncController(QObject):
    refused = Signal(str)  # a team archive: the sentence saying its serving hosts sync it
    servedRead = Signal(dict)  # a team archive: account name -> synced up to (epoch ms), None: not yet
    started = Signal()
    accountStarted = Signal(str)
    progress = Signal(object)  # SyncProgress
    pageWritten = Signal()
    accountFinished = Signal(object)  # SyncResult
    finished = Signal(list)  # [SyncResult] of the job

    def __init__(
        self,
        database: Path,
        secrets_for: Callable[[str], dict[str, str] | None],
        account_names: Callable[[], list[str]],
        pool: QThreadPool,
        parent: QObject | None = None,
        *,
        team: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.team = team
        self._database = database
        self._secrets_for = secrets_for  # demo accounts bring their own secrets; others use the keyring
        self._account_names = account_names  # the names the window already shows: no query here
        self._pool = pool
        self._cancel: CancelToken | None = None
        self._queued: list[str] = []
        self._queue_asks = False
        self.running: list[str] = []
        self.needs_code: set[str] = set()  # accounts whose two-factor dialog was cancelled
        parent_widget = parent if isinstance(parent, QWidget) else None
        self.ask_code: CodeAsker = lambda account, message: ask_code(parent_widget, account, message)
        self.schedule = QTimer(self)
        # A scheduled sync never opens a dialog by itself: it marks the account instead.
        self.schedule.timeout.connect(lambda: self.read_served() if team else self.sync(None, ask=False))

    @property
    def busy(self) -> bool:
        return self._cancel is not None

    def set_interval(self, minutes: int) -> None:
        """Sync all accounts every `minutes` (0: only on demand). A team archive: read its
        serving hosts' last syncs now and every minute instead."""
        self.schedule.stop()
        if self.team:
            self.read_served()
            self.schedule.start(SERVED_REFRESH_MS)
        elif minutes > 0:
            self.schedule.start(minutes * 60_000)

    def sync(self, names: list[str] | None, *, since_ms: int | None = None, ask: bool = True) -> None:
        """Sync these accounts (None: all). While a job runs, they are queued behind it.

        `since_ms` overrides the store's watermark for this job only (the demo knows its
        emulators hold two weeks of calls, so it does not ask for the default month)."""
        if self.team:  # no provider request from a desktop: it holds no provider secret
            emit(self.refused, served_sentence(self.team))
            return
        if names is None:
            names = self._account_names()
        if self.busy:
            self._queued += [n for n in names if n not in self._queued and n not in self.running]
            self._queue_asks = self._queue_asks or ask  # a user's click in the queue may open the dialog
            return
        if not names:
            return
        self._start(names, since_ms, ask)

    def read_served(self) -> None:
        """A team archive: emit `servedRead` with each account's last sync by the serving hosts."""
        database = self._database

        def work(_report) -> dict[str, int | None]:
            store = open_store(database)
            try:
                return last_syncs(store)
            finally:
                store.close()

        run_task(work, lambda states: emit(self.servedRead, states), lambda message, _d: log.info("%s", message),
                 pool=self._pool, name="last syncs", owner=self)

    def cancel(self) -> None:
        self._queued.clear()
        self._queue_asks = False
        if self._cancel:
            self._cancel.cancel()

    def _start(self, names: list[str], since_ms: int | None = None, ask: bool = True) -> None:
        cancel = CancelToken()
        self._cancel = cancel
        self.running = list(names)
        secrets = {name: self._secrets_for(name) for name in names}
        database = self._database

        def work(report) -> list[SyncResult]:
            results: list[SyncResult] = []
            store = open_store(database)
            try:
                for name in names:
                    if cancel.cancelled:
                        break
                    account = store.account(name)
                    if account is None:
                        continue  # removed while queued
                    report(("start", name))
                    try:
                        provider = open_provider(account, secrets.get(name))
                    except UserFacingError as e:
                        result = SyncResult(name, error=str(e))
                    else:
                        try:
                            result = self._signed_in(provider, name, report if ask else _no_dialog(report), cancel) or sync_account(
                                store, account, provider, since_ms=since_ms, progress=lambda p: report(("page", p)), cancel=cancel
                            )
                        finally:
                            provider.close()
                    results.append(result)
                    report(("done", result))
            finally:
                store.close()
            return results

        emit(self.started)
        run_task(work, self._on_finished, self._on_failed, self._on_report, pool=self._pool, name="sync")

    @staticmethod
    def _signed_in(provider, name: str, report, cancel: CancelToken) -> SyncResult | None:
        """Sign in a two-factor provider before its sync (in the worker); None when signed in,
        else the account's result. Only providers with `verify_code` take this path."""
        if not hasattr(provider, "verify_code"):
            return None
        try:
            # With a cached token this sends nothing; without one, it is the sign-in.
            sign_in = getattr(provider, "ensure_signed_in", provider.test_credentials)
            signed_in, _ = with_code(sign_in, provider, name, report, lambda: cancel.cancelled)
        except UserFacingError as e:
            return SyncResult(name, error=str(e))
        if signed_in:
            return None
        if cancel.cancelled:
            return SyncResult(name, cancelled=True)
        report(("needs_code", name))
        return SyncResult(name, error=needs_code_sentence(name))

    def _on_report(self, item) -> None:
        if isinstance(item, CodeRequest):
            # On the UI thread: only the dialog is here; the worker waits for the answer.
            item.answer(None if self._cancel is None or self._cancel.cancelled else self.ask_code(item.account, item.message))
            return
        kind, value = item
        if kind == "needs_code":
            self.needs_code.add(value)
            return
        if kind == "start":
            self.needs_code.discard(value)
            emit(self.accountStarted, value)
        elif kind == "page":
            assert isinstance(value, SyncProgress)
            emit(self.progress, value)
            emit(self.pageWritten)
        elif kind == "done":
            emit(self.accountFinished, value)

    def _on_finished(self, results: list[SyncResult]) -> None:
        self._end(results)

    def _on_failed(self, message: str, _details: str) -> None:
        # The store itself failed (sync_account catches provider errors): blame every account.
        results = [SyncResult(name, error=message) for name in self.running]
        for r in results:
            emit(self.accountFinished, r)
        self._end(results)

    def _end(self, results: list[SyncResult]) -> None:
        self._cancel = None
        self.running = []
        emit(self.finished, results)
        if self._queued:
            names, self._queued, ask = self._queued, [], self._queue_asks
            self._queue_asks = False
            self._start(names, ask=ask)
