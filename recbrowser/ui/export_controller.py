"""Export from the window: the export service in a worker, progress and Cancel in the status
bar, and at the end one line that says where the files went, with Open folder."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QThreadPool, Signal

from recbrowser.domain import Account
from recbrowser.services.accounts import open_provider
from recbrowser.store import Store
from recbrowser.ui.signals import emit
from recbrowser.ui.workers import run_task

if TYPE_CHECKING:
    from recbrowser.services.export_options import ExportOptions, ExportSummary


class ExportController(QObject):
    started = Signal(int)  # number of calls
    progress = Signal(object)  # ExportProgress
    finished = Signal(object)  # ExportSummary
    failed = Signal(str)

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

    def export(self, refs: list[str], dest: Path, options: ExportOptions) -> None:
        cancel = threading.Event()
        self._cancel = cancel
        database, media_root = self._database, self._media_root
        secrets = {ref.partition("/")[0]: self._secrets_for(ref.partition("/")[0]) for ref in refs}

        def connector(account: Account):
            return open_provider(account, secrets.get(account.name))

        def work(report) -> ExportSummary:
            from recbrowser.services.export import run_export  # ~20 ms of imports, not at start-up

            store = Store.open(database)
            try:
                return run_export(
                    store, refs, dest, options, media_root=media_root, open_provider=connector, progress=report, cancelled=cancel.is_set
                )
            finally:
                store.close()

        emit(self.started, len(refs))
        run_task(work, self._done, self._failed, self._progress, pool=self._pool, name="export", owner=self)

    def cancel(self) -> None:
        if self._cancel:
            self._cancel.set()

    def _progress(self, p) -> None:
        from recbrowser.services.export_options import ExportProgress  # the dialog loaded it

        if isinstance(p, ExportProgress):
            emit(self.progress, p)

    def _done(self, summary: ExportSummary) -> None:
        self._cancel = None
        emit(self.finished, summary)

    def _failed(self, message: str, _details: str) -> None:
        self._cancel = None
        emit(self.failed, message)
