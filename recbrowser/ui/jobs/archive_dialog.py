"""Archive Expiring Recordings: how many recordings (and MB) expire within N days without a
local copy, counted in a worker as N changes; Archive starts the download in the background."""

from __future__ import annotations

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QSpinBox, QWidget

from recbrowser.ui.jobs.archive_controller import REMINDER_DAYS, ArchiveController, Expiring

DAYS_KEY = "archive/within_days"


def describe(found: Expiring) -> str:
    if not found.recordings:
        return f"No recording expires within {found.within_days} days without a copy on this computer."
    noun = "recording expires" if found.recordings == 1 else "recordings expire"
    calls = f" ({found.calls:,} calls)" if found.calls != found.recordings else ""
    size = ""
    if found.bytes is not None:
        size = f", {'at least ' if not found.sizes_known else ''}{found.bytes / 1_048_576:,.1f} MB"
    return (f"{found.recordings:,} {noun} within {found.within_days} days{calls}{size}: "
            "the provider deletes them then. Archive downloads them to this computer, soonest first.")


class ArchiveDialog(QDialog):
    def __init__(self, controller: ArchiveController, settings: QSettings | None = None,
                 parent: QWidget | None = None, within_days: int | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("archive_dialog")
        self.setWindowTitle("Archive expiring recordings")
        self._controller, self._settings = controller, settings
        self.days = QSpinBox(minimum=1, maximum=365, suffix=" days")
        remembered = settings.value(DAYS_KEY, REMINDER_DAYS) if settings is not None else REMINDER_DAYS
        try:
            self.days.setValue(int(within_days or remembered))
        except (TypeError, ValueError):  # a hand-edited settings file
            self.days.setValue(REMINDER_DAYS)
        self.summary = QLabel("Counting…", wordWrap=True)
        self.summary.setMinimumHeight(48)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.archive_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.archive_button.setText("Archive")
        self.archive_button.setEnabled(False)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow(QLabel("Bandwidth deletes recordings after 30 days, Dialgen after 90. "
                           "Keep a copy of those that expire soon.", wordWrap=True))
        form.addRow("Expiring within", self.days)
        form.addRow(self.summary)
        form.addRow(self.buttons)
        self.resize(520, self.sizeHint().height())
        self.found: Expiring | None = None
        controller.counted.connect(self._counted)
        controller.countFailed.connect(self.summary.setText)
        self.days.valueChanged.connect(self._recount)
        self._recount()

    def _recount(self) -> None:
        self.found = None
        self.archive_button.setEnabled(False)
        self.summary.setText("Counting…")
        self._controller.count(self.days.value())

    def _counted(self, found: Expiring) -> None:
        if found.within_days != self.days.value():
            return
        self.found = found
        self.summary.setText(describe(found))
        self.archive_button.setEnabled(found.recordings > 0 and not self._controller.busy)
        if self._controller.busy:
            self.summary.setText(describe(found) + " (An archive run is under way.)")

    def accept(self) -> None:
        if self._settings is not None:
            self._settings.setValue(DAYS_KEY, self.days.value())
        super().accept()
