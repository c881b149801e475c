"""`AfterFirstPaint`: run something once a widget has painted what it is there to show.

For work the window needs soon but not for its first look (the media backend, a garbage
collection): the user sees the calls that much sooner, and the work is done before they act.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QWidget


class AfterFirstPaint(QObject):
    """Runs `then` once, right after a paint of `widget` has returned with `ready()` true.

    A view's very first paint can come before its rows are laid out (an empty frame):
    `ready` tells that paint from the one that showed them.
    """

    def __init__(self, widget: QWidget, then: Callable[[], None], ready: Callable[[], bool] = lambda: True) -> None:
        super().__init__(widget)  # dies with the widget: `then` never runs on a closed window
        self.then, self.ready, self.done = then, ready, False
        widget.installEventFilter(self)

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.Type.Paint and not self.done:
            # A zero timer, not a posted call: whatever else waits on this paint goes first.
            QTimer.singleShot(0, self._painted)
        return False

    def _painted(self) -> None:
        if not self.done and self.ready():
            self.done = True
            self.parent().removeEventFilter(self)
            self.then()
