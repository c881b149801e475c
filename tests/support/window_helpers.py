"""The window under test: opened over a real store, waited on, clicked like a user would."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from recbrowser.ui.call_pane.transcript_pane import TranscriptPane
from recbrowser.ui.common.settings import open_settings
from recbrowser.ui.window.main_window import MainWindow

WAIT = 15_000


def open_window(qtbot, data_dir, store, secrets=None) -> MainWindow:
    window = MainWindow(data_dir, store, open_settings(data_dir.settings))
    window.demo_secrets.update(secrets or {})
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=WAIT)
    return window


def no_message_boxes() -> bool:
    return not any(isinstance(w, QMessageBox) and w.isVisible() for w in QApplication.topLevelWidgets())


def click_sentence(qtbot, pane: TranscriptPane, index: int) -> None:
    view = pane.view
    block = view.document().findBlockByNumber(index)
    rect = view.document().documentLayout().blockBoundingRect(block)
    view.scroll_to(index)
    y = int(rect.top() + rect.height() / 2) - view.verticalScrollBar().value()
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(int(rect.left()) + 20, y))
