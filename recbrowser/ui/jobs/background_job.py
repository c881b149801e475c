"""What the export and the archive have in common in the window: one job at a time in the
background pool, on the window's cache and media folder, with the providers' secrets read on the
UI thread (demo accounts keep theirs in the window), and Cancel."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QThreadPool, Signal

from recbrowser.domain import Account
from recbrowser.providers.base import Provider
from recbrowser.services.accounts import open_provider
from recbrowser.ui.common.signals import emit
from recbrowser.ui.common.workers import run_task


class BackgroundJob(QObject):
    started = Signal(int)  # number of calls
    progress = Signal(object)  # the service's progress record
    finished = Signal(object)  # the service's summary
    failed = Signal(str)

    name = "job"

    def __init__(
        self,
        database: Path,
        media_root: Path,
        secrets_for: Callable[[str], dict[str, str] | None],
        pool: QThreadPool,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._database, self._media_root, self._secrets_for, self._pool = database, media_root, secrets_for, pool
        self._cancel: threading.Event | None = None

    @property
    def busy(self) -> bool:
        return self._cancel is not None

    def cancel(self) -> None:
        if self._cancel:
            self._cancel.set()

    def _connector(self, account_names: Iterable[str]) -> Callable[[Account], Provider]:
        """Opens a provider in the worker with secrets read now, on the UI thread."""
        secrets = {name: self._secrets_for(name) for name in account_names}
        return lambda account: open_provider(account, secrets.get(account.name))

    def _start(self, work: Callable[[Callable[[Any], None], threading.Event], Any]) -> None:
        cancel = threading.Event()
        self._cancel = cancel
        run_task(lambda report: work(report, cancel), self._done, self._failed, self._progress,
                 pool=self._pool, name=self.name, owner=self)

    def _progress(self, p: Any) -> None:
        emit(self.progress, p)

    def _done(self, summary: Any) -> None:
        self._cancel = None
        emit(self.finished, summary)

    def _failed(self, message: str, _details: str) -> None:
        self._cancel = None
        emit(self.failed, message)
