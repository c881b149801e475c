"""The status bar: what just happened, and each running job (sync, export, archive) with its own Cancel."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QProgressBar, QStatusBar, QToolButton

from recbrowser.ui.common.icons import icon

if TYPE_CHECKING:  # the download service is imported on the first play, not at start-up
    from recbrowser.services.downloads import DownloadProgress
    from recbrowser.services.sync import SyncProgress


def _size(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"


class JobIndicator:
    """One background job in the status bar (sync, export, archive): what it is doing, a bar,
    and its own Cancel, so stopping an export never stops a sync that runs beside it."""

    def __init__(self, bar: QStatusBar, tooltip: str) -> None:
        self.text = QLabel()
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(120)
        self.progress.setMaximumHeight(14)
        self.progress.setTextVisible(False)
        self.cancel = QToolButton(icon=icon("stop"), text="Cancel", toolTip=tooltip)
        self.cancel.setAutoRaise(True)
        for widget in (self.text, self.progress, self.cancel):
            widget.hide()
            bar.addPermanentWidget(widget)

    @property
    def running(self) -> bool:
        return not self.progress.isHidden()

    def start(self, total: int | None, text: str) -> None:
        self.progress.setRange(0, 0 if total is None else max(1, total))  # 0, 0: a busy bar, total unknown
        self.progress.setValue(0)
        self.cancel.setEnabled(True)
        self.say(text)
        for widget in (self.text, self.progress, self.cancel):
            widget.show()

    def say(self, text: str, done: int | None = None, total: int | None = None) -> None:
        self.text.setText(text)
        if total is not None:
            self.progress.setRange(0, max(1, total))
        if done is not None:
            self.progress.setValue(done)

    def cancelling(self, text: str) -> None:
        self.cancel.setEnabled(False)
        self.text.setText(text)

    def finish(self) -> None:
        for widget in (self.text, self.progress, self.cancel):
            widget.hide()


class StatusArea:
    """The status bar: the latest message on the left; on the right the reminder of expiring
    recordings, the media cache, and one indicator per running job."""

    def __init__(self, bar: QStatusBar) -> None:
        self.bar = bar
        self.text = QLabel()
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

    # The job indicators (hidden until a job runs) are made with the first use of any of them:
    # the controllers wire them up as the window completes, just after its first paint.
    @cached_property
    def _jobs(self) -> tuple[JobIndicator, JobIndicator, JobIndicator]:
        return (JobIndicator(self.bar, "Cancel the sync (it stops after the page it is writing)"),
                JobIndicator(self.bar, "Cancel the export (what is exported stays; export again to finish it)"),
                JobIndicator(self.bar, "Cancel archiving (the recordings archived so far stay)"))

    @property
    def sync(self) -> JobIndicator:
        return self._jobs[0]

    @property
    def export(self) -> JobIndicator:
        return self._jobs[1]

    @property
    def archive(self) -> JobIndicator:
        return self._jobs[2]

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
        self.sync.start(None, "Sync starting…")  # pages arrive one by one; the total is unknown

    def show_sync(self, p: SyncProgress) -> None:
        where = f", {p.page}" if p.page else ""
        self.sync.say(f"Syncing {p.account}{where}: {p.calls:,} calls so far ({p.new:,} new)")

    def cancelling(self) -> None:
        self.sync.cancelling("Cancelling the sync after the page it is writing…")

    def sync_finished(self, summary: str) -> None:
        self.sync.finish()
        self.text.setText(summary)

    def export_started(self, count: int) -> None:
        self.open_folder.hide()
        self.export.start(count, f"Exporting {count:,} calls…")

    def show_export(self, p) -> None:
        eta = f", about {p.eta_s:.0f} s left" if p.eta_s is not None else ""
        self.export.say(f"Exporting: {p.calls_done:,} of {p.calls_total:,} calls{eta}", p.calls_done, p.calls_total)

    def export_finished(self, text: str, folder=None) -> None:
        self.export.finish()
        self.text.setText(text)
        self.open_folder.setVisible(folder is not None)

    def archive_started(self, count: int) -> None:
        self.archive.start(count, f"Archiving {count:,} calls whose recordings expire soon…")

    def show_archive(self, p) -> None:
        self.archive.say(f"Archiving: {p.done:,} of {p.total:,} calls ({p.ref})", p.done, p.total)

    def archive_finished(self, text: str) -> None:
        self.archive.finish()
        self.text.setText(text)

    def show_download(self, p: DownloadProgress) -> None:
        if p.total:
            pct = 100 * p.done // max(1, p.total)
            self.text.setText(f"Downloading {p.file_name}: {pct}% of {_size(p.total)} ({_size(p.rate)}/s)")
        else:
            self.text.setText(f"Downloading {p.file_name}: {_size(p.done)} ({_size(p.rate)}/s)")
