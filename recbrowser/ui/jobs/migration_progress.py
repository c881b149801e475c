"""Opening a cache an older recbrowser wrote: its update runs in a worker while a modal dialog
says how far it is, before the main window is built (a million calls: ~7 s of copying the file
to <name>.bak-v<old>, then the index builds; without a word the app looked hung).

An up-to-date cache (every start but the first after an update) costs one read-only look at
its version: no dialog, no thread.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEventLoop, Qt
from PySide6.QtGui import QCloseEvent, QKeyEvent
from PySide6.QtWidgets import QApplication, QProgressBar, QProgressDialog, QWidget

from recbrowser.errors import UserFacingError
from recbrowser.store import opener
from recbrowser.ui.common.workers import run_task

if TYPE_CHECKING:
    from recbrowser.store.api import CallStore

TITLE = "Updating the call cache for this version…"
STEPS = 1000


class MigrationDialog(QProgressDialog):
    """No Cancel: a step is one transaction and stopping it would only make the next start
    redo it; closing the dialog would leave the user with nothing on screen meanwhile."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("recbrowser")
        self.setCancelButton(None)  # type: ignore[arg-type]
        bar = QProgressBar()
        bar.setTextVisible(False)  # the percentage is in the sentence above it
        self.setBar(bar)
        self.setRange(0, STEPS)
        self.setMinimumDuration(0)
        self.setAutoClose(False)
        self.setAutoReset(False)
        self.setWindowModality(Qt.WindowModality.ApplicationModal)
        self.setMinimumWidth(460)
        self.show_progress("", 0.0)

    def show_progress(self, what: str, fraction: float) -> None:
        self.setValue(round(fraction * STEPS))
        text = f"{TITLE} {int(fraction * 100)} %"
        self.setLabelText(f"{text}\n{what}" if what else text)

    def closeEvent(self, event: QCloseEvent) -> None:
        event.ignore()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() != Qt.Key.Key_Escape:
            super().keyPressEvent(event)


def open_store_with_progress(app: QApplication, database: str | Path) -> CallStore:
    """The window's store, after updating the cache under a progress dialog if it needs it.
    Errors are the store's own (a newer schema, a damaged or busy file): UserFacingError."""
    archive = opener(database)
    if not archive.updates_pending():
        return archive.open()
    dialog = MigrationDialog()
    loop = QEventLoop()
    failure: list[str] = []

    def work(report) -> None:
        archive.update(progress=lambda what, fraction: report((what, fraction)))

    def failed(message: str, _details: str) -> None:  # a bug's details are in the log already
        failure.append(message)
        loop.quit()

    run_task(work, lambda _r: loop.quit(), failed, lambda value: dialog.show_progress(*value), name="cache update")
    dialog.show()
    loop.exec()
    dialog.hide()
    dialog.deleteLater()
    app.processEvents()
    if failure:
        raise UserFacingError(failure[0])
    return archive.open()
