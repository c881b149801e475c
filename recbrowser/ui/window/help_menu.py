"""The Help menu: keyboard shortcuts, the log, the audit log, About. Each dialog's module is
imported when it is first opened."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QThreadPool
from PySide6.QtWidgets import QWidget


class HelpMenu:
    def __init__(self, parent: QWidget, *, database: Path, logs: Path, pool: QThreadPool,
                 current_call: Callable[[], tuple[str, str] | None]) -> None:
        self._parent = parent
        self._database = database
        self._logs = logs
        self._pool = pool
        self._current_call = current_call

    def show_shortcuts(self) -> None:
        from recbrowser.ui.common.dialogs import ShortcutsDialog

        ShortcutsDialog(self._parent).exec()

    def show_log(self) -> None:
        from recbrowser.ui.window.log_view import LogView

        # The file logging writes to (the demo's throwaway data folder has none of its own).
        files = [h.baseFilename for h in logging.getLogger("recbrowser").handlers if isinstance(h, logging.FileHandler)]
        LogView(Path(files[0]) if files else self._logs / "recbrowser.log", self._parent).exec()

    def show_audit_log(self) -> None:
        from recbrowser.ui.window.audit_dialog import AuditDialog

        dialog = AuditDialog(self._database, self._pool, self._current_call(), self._parent)
        dialog.exec()
        dialog.deleteLater()  # a late answer from its worker is dropped (run_task's owner check)

    def show_about(self) -> None:
        from recbrowser.ui.common.dialogs import show_about

        show_about(self._parent)
