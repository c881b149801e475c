"""The find-in-transcript bar: type to find, Enter/Shift+Enter to step, Escape to close."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QToolButton, QWidget

from recbrowser.ui.common.icons import icon
from recbrowser.ui.common.signals import emit

DEBOUNCE_MS = 150  # find as you type without re-highlighting on every keystroke


class FindBar(QWidget):
    queryChanged = Signal(str)
    nextRequested = Signal()
    previousRequested = Signal()
    closed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.edit = QLineEdit(placeholderText="Find in transcript")
        self.edit.setClearButtonEnabled(True)
        self.count = QLabel()
        self.count.setMinimumWidth(70)
        prev_b = QToolButton(icon=icon("up"), toolTip="Previous match (Shift+Enter)", autoRaise=True)
        next_b = QToolButton(icon=icon("down"), toolTip="Next match (Enter)", autoRaise=True)
        close_b = QToolButton(icon=icon("close"), toolTip="Close (Escape)", autoRaise=True)
        prev_b.clicked.connect(self.previousRequested)
        next_b.clicked.connect(self.nextRequested)
        close_b.clicked.connect(self.close_bar)
        self._timer = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)
        self._timer.timeout.connect(lambda: emit(self.queryChanged, self.edit.text()))
        self.edit.textChanged.connect(lambda _t: self._timer.start())
        self.edit.installEventFilter(self)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 2, 0, 2)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.count)
        layout.addWidget(prev_b)
        layout.addWidget(next_b)
        layout.addWidget(close_b)
        self.hide()

    def open_bar(self) -> None:
        self.show()
        self.edit.setFocus()
        self.edit.selectAll()

    def close_bar(self) -> None:
        self.hide()
        self.edit.clear()
        emit(self.closed)

    def set_count(self, current: int, total: int) -> None:
        if not self.edit.text():
            self.count.setText("")
        elif total == 0:
            self.count.setText("no match")
        else:
            self.count.setText(f"{current} of {total}")

    def eventFilter(self, obj, event) -> bool:
        if obj is self.edit and isinstance(event, QKeyEvent) and event.type() == QKeyEvent.Type.KeyPress:
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                if self._timer.isActive():
                    self._timer.stop()
                    emit(self.queryChanged, self.edit.text())
                if event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
                    emit(self.previousRequested)
                else:
                    emit(self.nextRequested)
                return True
            if event.key() == Qt.Key.Key_Escape:
                self.close_bar()
                return True
        return super().eventFilter(obj, event)
