"""Answering a modal dialog the window opens, as a user would: a timer finds it once it shows
(inside the dialog's own event loop) and hands it to the test's function."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QWidget


class Answerer:
    def __init__(self, kind: type[QWidget], answer: Callable[[QWidget], None], name: str = "") -> None:
        self.kind, self.answer, self.name = kind, answer, name
        self.seen: list[QWidget] = []
        self.texts: list[str] = []
        self.timer = QTimer(interval=20)
        self.timer.timeout.connect(self._poll)
        self.timer.start()

    def _poll(self) -> None:
        for w in QApplication.topLevelWidgets():
            if isinstance(w, self.kind) and w.isVisible() and (not self.name or w.objectName() == self.name) \
                    and w not in self.seen:
                self.seen.append(w)
                self.texts.append(" ".join(filter(None, (getattr(w, "text", lambda: "")(),
                                                         getattr(w, "informativeText", lambda: "")()))))
                self.answer(w)
                return

    def stop(self) -> None:
        self.timer.stop()
