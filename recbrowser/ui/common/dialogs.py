"""Small dialogs: About (with versions), Keyboard Shortcuts, the error dialog with details."""

from __future__ import annotations

import platform

import PySide6
from PySide6.QtCore import qVersion
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QMessageBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from recbrowser.store import engine_versions
from recbrowser.ui.common import shortcuts
from recbrowser.ui.common.icons import app_icon


def versions() -> dict[str, str]:
    from importlib import metadata  # ~25 ms, only for the About box

    try:
        mine = metadata.version("recbrowser")
    except metadata.PackageNotFoundError:
        mine = "development"
    return {
        "recbrowser": mine,
        "Python": platform.python_version(),
        "Qt": qVersion(),
        "PySide6": PySide6.__version__,
        **engine_versions(),
        "System": f"{platform.system()} {platform.release()} ({platform.machine()})",
    }


def versions_text() -> str:
    return "\n".join(f"{k}: {v}" for k, v in versions().items())


def show_about(parent: QWidget | None) -> None:
    rows = "".join(f"<tr><td><b>{k}</b>&nbsp;&nbsp;</td><td>{v}</td></tr>" for k, v in versions().items())
    box = QMessageBox(parent)
    box.setWindowTitle("About recbrowser")
    box.setIconPixmap(app_icon().pixmap(64, 64))
    box.setText(
        "<h3>recbrowser</h3><p>Browse, search, play and export call recordings and transcripts "
        "from several providers, over a local archive.</p>"
        f"<table>{rows}</table>"
    )
    box.setDetailedText(versions_text())  # copyable for a bug report
    box.exec()


class ShortcutsDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard Shortcuts")
        table = QTableWidget(len(shortcuts.SHORTCUTS), 2)  # a fixed, short list: item widgets are fine
        table.setHorizontalHeaderLabels(["Action", "Keys"])
        for row, s in enumerate(shortcuts.SHORTCUTS):
            table.setItem(row, 0, QTableWidgetItem(s.label))
            table.setItem(row, 1, QTableWidgetItem(shortcuts.key_text(s.id)))
        table.verticalHeader().hide()
        table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 8)
        table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(table)
        layout.addWidget(buttons)
        self.table = table
        self.resize(440, 560)


def error_details(details: str) -> str:
    """Details for the error dialog, passed through the same redaction as the log."""
    try:
        from recbrowser.redact import redact_text
    except ImportError:  # pragma: no cover - redact lands with the HTTP layer
        return details
    return redact_text(details)


def show_error(parent: QWidget | None, message: str, details: str = "") -> None:
    box = QMessageBox(QMessageBox.Icon.Warning, "recbrowser", message, QMessageBox.StandardButton.Ok, parent)
    if details:
        box.setDetailedText(error_details(details) + "\n\n" + versions_text())
    box.exec()
