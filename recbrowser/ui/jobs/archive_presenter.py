"""Archive before expiry as the window shows it: the File menu action and its dialog, progress
in the status bar, and the quiet reminder at start-up, after each sync and each download."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QSettings, SignalInstance
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QWidget

from recbrowser.ui.common.status_area import StatusArea
from recbrowser.ui.jobs.archive_controller import ArchiveController, outcome


class ArchivePresenter:
    def __init__(self, archive: ArchiveController, status: StatusArea, action: QAction, settings: QSettings,
                 parent: QWidget, *, account_names: Callable[[], list[str]], refresh_calls: Callable[[], None],
                 remind_after: tuple[SignalInstance, ...] = ()) -> None:
        self.archive = archive
        self._status = status
        self._action = action
        self._settings = settings
        self._parent = parent
        self._account_names = account_names
        self._refresh_calls = refresh_calls
        archive.started.connect(self._started)
        archive.progress.connect(status.show_archive)
        archive.finished.connect(self._finished)
        archive.failed.connect(self._failed)
        archive.reminder.connect(lambda found: status.show_expiring(found.recordings, found.within_days))
        status.archive.cancel.clicked.connect(self.cancel)
        status.expiring.linkActivated.connect(lambda _link: self.choose_and_archive())
        for signal in remind_after:  # a sync finished, a recording downloaded
            signal.connect(lambda *_args: archive.check_reminder())
        archive.check_reminder()

    def choose_and_archive(self) -> None:
        from recbrowser.ui.jobs.archive_dialog import ArchiveDialog

        if self.archive.busy:
            self._status.show_message("Archiving is under way: it ends with a line here (Cancel stops it).")
            return
        dialog = ArchiveDialog(self.archive, self._settings, self._parent)
        accepted, days = dialog.exec(), dialog.days.value()
        dialog.deleteLater()  # else every dialog opened would stay connected to the controller
        if accepted:
            self.archive.archive(days, self._account_names())

    def cancel(self) -> None:
        self.archive.cancel()
        self._status.archive.cancelling("Cancelling: archiving stops with the recording it is downloading…")

    def _started(self, count: int) -> None:
        self._action.setEnabled(False)
        self._status.archive_started(count)

    def _finished(self, summary) -> None:
        self._action.setEnabled(True)
        self._status.archive_finished(outcome(summary))
        self._refresh_calls()  # the archived calls' audio now reads "downloaded"
        self.archive.check_reminder()

    def _failed(self, message: str) -> None:
        self._action.setEnabled(True)
        self._status.archive_finished(message)
