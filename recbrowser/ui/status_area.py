"""The status bar: what is happening now (sync, download), with a Cancel button while it runs."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QProgressBar, QStatusBar, QToolButton

from recbrowser.services.downloads import DownloadProgress
from recbrowser.services.sync import SyncProgress
from recbrowser.ui.icons import icon


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
        bar.addWidget(self.text, 1)
        bar.addPermanentWidget(self.progress)
        bar.addPermanentWidget(self.cancel)

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

    def show_download(self, p: DownloadProgress) -> None:
        if p.total:
            pct = 100 * p.done // max(1, p.total)
            self.text.setText(f"Downloading {p.file_name}: {pct}% of {_size(p.total)} ({_size(p.rate)}/s)")
        else:
            self.text.setText(f"Downloading {p.file_name}: {_size(p.done)} ({_size(p.rate)}/s)")
