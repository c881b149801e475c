"""`AfterFirstPaint`: run something once a widget has painted for the first time.

For work the window needs soon but not for its first look (the media backend, a garbage
collection): the user sees the calls that much sooner, and the work is done before they act.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QWidget


class AfterFirstPaint(QObject):
    """Runs `then` once, right after `widget` has first painted (that paint has returned)."""

    def __init__(self, widget: QWidget, then: Callable[[], None]) -> None:
        super().__init__(widget)  # dies with the widget: `then` never runs on a closed window
        self.then = then
        widget.installEventFilter(self)

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.Type.Paint:
            obj.removeEventFilter(self)
            QTimer.singleShot(0, self, self.then)
        return False
