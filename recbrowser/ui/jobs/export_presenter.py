"""Export as the window shows it: the action enabled by the selection, the dialog, progress
and the outcome in the status bar (with a button to open the folder)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSettings, QUrl
from PySide6.QtGui import QAction, QDesktopServices
from PySide6.QtWidgets import QTableView, QWidget

from recbrowser.ui.common.status_area import StatusArea
from recbrowser.ui.jobs.export_controller import ExportController


class ExportPresenter:
    def __init__(self, exports: ExportController, table: QTableView, status: StatusArea, action: QAction,
                 settings: QSettings, parent: QWidget, *, selected_refs: Callable[[], list[str]],
                 refresh_calls: Callable[[], None]) -> None:
        self.exports = exports
        self._table = table
        self._status = status
        self._action = action
        self._settings = settings
        self._parent = parent
        self._selected_refs = selected_refs
        self._refresh_calls = refresh_calls
        self._last_folder: Path | None = None
        action.setToolTip("Export the selected calls (Ctrl+E)")
        table.selectionModel().selectionChanged.connect(self.update_action)
        table.model().modelReset.connect(self.update_action)
        exports.started.connect(lambda n: (status.export_started(n), self.update_action()))
        exports.progress.connect(status.show_export)
        exports.finished.connect(self._finished)
        exports.failed.connect(self._failed)
        status.export.cancel.clicked.connect(self.cancel)
        status.open_folder.clicked.connect(self.open_last_folder)
        self.update_action()

    def export_selection(self) -> None:
        from recbrowser.ui.jobs.export_dialog import ExportDialog

        refs = self._selected_refs()
        if not refs or self.exports.busy:
            return
        dialog = ExportDialog(len(refs), Path.home() / "recbrowser-exports", self._parent, settings=self._settings)
        if dialog.exec():
            self.exports.export(refs, dialog.destination(), dialog.options())

    def cancel(self) -> None:
        self.exports.cancel()
        self._status.export.cancelling("Cancelling the export after the call it is writing…")

    def open_last_folder(self) -> None:
        if self._last_folder is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self._last_folder)))

    def update_action(self, *_args) -> None:
        self._action.setEnabled(self._table.selectionModel().hasSelection() and not self.exports.busy)

    def _finished(self, summary) -> None:
        self.update_action()
        if summary.cancelled or summary.location is None:
            self._status.export_finished(
                f"Export cancelled after {len(summary.exported):,} calls; export again to finish it.")
            return
        location = Path(summary.location)
        self._last_folder = location if location.is_dir() else location.parent
        extra = "".join(
            f", {len(items):,} {what}" for items, what in ((summary.skipped, "skipped"), (summary.failed, "failed")) if items
        )
        self._status.export_finished(f"Exported {len(summary.exported):,} calls to {location}{extra}.", self._last_folder)
        self._refresh_calls()  # recordings fetched for the export now show as downloaded

    def _failed(self, message: str) -> None:
        self.update_action()
        self._status.export_finished(message)
