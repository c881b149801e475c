"""Help > Log: the end of the rotating log file (already redacted when written), live-tailed."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, QUrl
from PySide6.QtGui import QDesktopServices, QFontDatabase
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

TAIL_BYTES = 200_000  # the end of the file is what matters; never load a 2 MB log whole


def read_tail(path: Path, limit: int = TAIL_BYTES) -> str:
    try:
        with open(path, "rb") as f:
            f.seek(0, 2)
            size = f.tell()
            f.seek(max(0, size - limit))
            data = f.read()
    except OSError:
        return ""
    text = data.decode("utf-8", errors="replace")
    return text.split("\n", 1)[1] if size > limit and "\n" in text else text


class LogView(QDialog):
    def __init__(self, log_file: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Log")
        self.log_file = log_file
        self.text = QPlainTextEdit(readOnly=True)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.text.setPlaceholderText(f"Nothing logged yet in {log_file}.")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        folder = QPushButton("Open log folder")
        folder.clicked.connect(lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(log_file.parent))))
        buttons.addButton(folder, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(buttons)
        self.watcher = QFileSystemWatcher(self)
        if log_file.exists():
            self.watcher.addPath(str(log_file))
        self.watcher.fileChanged.connect(lambda _p: self.reload())
        self.reload()
        self.resize(900, 500)

    def reload(self) -> None:
        self.text.setPlainText(read_tail(self.log_file))
        bar = self.text.verticalScrollBar()
        bar.setValue(bar.maximum())
