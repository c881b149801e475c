"""The status bar: what is happening now (sync, download), with a Cancel button while it runs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QProgressBar, QStatusBar, QToolButton

from recbrowser.ui.icons import icon

if TYPE_CHECKING:  # the download service is imported on the first play, not at start-up
    from recbrowser.services.downloads import DownloadProgress
    from recbrowser.services.sync import SyncProgress


def _size(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"


class StatusArea:
    def __init__(self, bar: QStatusBar) -> None:
        self.bar = bar
        self.text = QLabel()
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(160)
        self.progress.setMaximumHeight(14)
        self.progress.setTextVisible(False)
        self.progress.hide()
        self.cancel = QToolButton(icon=icon("stop"), text="Cancel", toolTip="Cancel the sync (it stops after the page it is writing)")
        self.cancel.setAutoRaise(True)
        self.cancel.hide()
        self.open_folder = QToolButton(icon=icon("folder"), text="Open folder", toolTip="Open the folder the export went to")
        self.open_folder.setAutoRaise(True)
        self.open_folder.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.open_folder.hide()
        self.media = QLabel(toolTip="Recordings downloaded to this computer (kept after the provider deletes them)")
        # A quiet line, not a dialog: recordings the provider deletes soon, with a link to keep them.
        self.expiring = QLabel(toolTip="The provider deletes these recordings soon and this computer has no copy")
        self.expiring.setTextFormat(Qt.TextFormat.RichText)
        self.expiring.setTextInteractionFlags(Qt.TextInteractionFlag.LinksAccessibleByMouse
                                              | Qt.TextInteractionFlag.LinksAccessibleByKeyboard)
        self.expiring.hide()
        bar.addWidget(self.text, 1)
        bar.addPermanentWidget(self.expiring)
        bar.addPermanentWidget(self.media)
        bar.addPermanentWidget(self.open_folder)
        bar.addPermanentWidget(self.progress)
        bar.addPermanentWidget(self.cancel)

    def show_media_cache(self, files: int, size: int) -> None:
        noun = "recording" if files == 1 else "recordings"
        self.media.setText(f"Media cache: {files:,} {noun}, {_size(size)}" if files else "")

    def show_expiring(self, recordings: int, days: int) -> None:
        """The reminder: hidden when nothing expires soon without a local copy."""
        noun = "recording expires" if recordings == 1 else "recordings expire"
        self.expiring.setText(f"{recordings:,} {noun} within {days} days — <a href=\"archive\">Archive them</a>")
        self.expiring.setVisible(recordings > 0)

    def show_message(self, text: str) -> None:
        self.text.setText(text)

    def sync_started(self) -> None:
        self.progress.setRange(0, 0)  # pages arrive one by one; the total is unknown
        self.progress.show()
        self.cancel.show()
        self.cancel.setEnabled(True)
        self.text.setText("Sync starting…")

    def show_sync(self, p: SyncProgress) -> None:
        where = f", {p.page}" if p.page else ""
        self.text.setText(f"Syncing {p.account}{where}: {p.calls:,} calls so far ({p.new:,} new)")

    def cancelling(self) -> None:
        self.cancel.setEnabled(False)
        self.text.setText("Cancelling: the sync stops after the page it is writing…")

    def sync_finished(self, summary: str) -> None:
        self.progress.hide()
        self.cancel.hide()
        self.text.setText(summary)

    def _job_started(self, count: int, text: str) -> None:
        """An export or archive run: a bar counting its calls, and Cancel."""
        self.open_folder.hide()
        self.progress.setRange(0, max(1, count))
        self.progress.setValue(0)
        self.progress.show()
        self.cancel.show()
        self.cancel.setEnabled(True)
        self.text.setText(text)

    def export_started(self, count: int) -> None:
        self._job_started(count, f"Exporting {count:,} calls…")

    def show_export(self, p) -> None:
        self.progress.setRange(0, max(1, p.calls_total))
        self.progress.setValue(p.calls_done)
        eta = f", about {p.eta_s:.0f} s left" if p.eta_s is not None else ""
        self.text.setText(f"Exporting: {p.calls_done:,} of {p.calls_total:,} calls{eta}")

    def export_finished(self, text: str, folder=None) -> None:
        self.progress.hide()
        self.cancel.hide()
        self.text.setText(text)
        self.open_folder.setVisible(folder is not None)

    def archive_started(self, count: int) -> None:
        self._job_started(count, f"Archiving {count:,} calls whose recordings expire soon…")

    def show_archive(self, p) -> None:
        self.progress.setRange(0, max(1, p.total))
        self.progress.setValue(p.done)
        self.text.setText(f"Archiving: {p.done:,} of {p.total:,} calls ({p.ref})")

    def archive_finished(self, text: str) -> None:
        self.progress.hide()
        self.cancel.hide()
        self.text.setText(text)

    def show_download(self, p: DownloadProgress) -> None:
        if p.total:
            pct = 100 * p.done // max(1, p.total)
            self.text.setText(f"Downloading {p.file_name}: {pct}% of {_size(p.total)} ({_size(p.rate)}/s)")
        else:
            self.text.setText(f"Downloading {p.file_name}: {_size(p.done)} ({_size(p.rate)}/s)")
