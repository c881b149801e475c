"""A team archive that goes away while the window is open: one sentence in a banner above the
panes (which host, what to check), a retry every few seconds and a Retry button, and when the
archive answers again the window re-reads what it shows. Nothing local is touched meanwhile:
the media cache, settings, logs and what the panes hold stay as they are.

Whoever finds the archive gone reports it here: a worker's task (ui/common/workers.py
ArchiveSignals) or the UI thread's own connection (the window's excepthook, app.py), so no
error box pops up for it. The UI thread's connection and the call list's reader reconnect by
themselves at their next use once the server is back (store/postgres).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QThreadPool, QTimer, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QStyle, QVBoxLayout, QWidget

from recbrowser.store import open_store
from recbrowser.ui.common.signals import emit
from recbrowser.ui.common.workers import archive_signals, run_task

RETRY_MS = 10_000


class ArchiveBanner(QFrame):
    """Hidden until the archive cannot be reached."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("archiveBanner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)  # its text's height, no more
        self.setStyleSheet("#archiveBanner { background: palette(alternate-base); border: 1px solid palette(mid); "
                           "border-radius: 4px; }")
        icon = QLabel()
        icon.setPixmap(self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning).pixmap(24, 24))
        self.sentence = QLabel()
        self.sentence.setWordWrap(True)
        self.note = QLabel()
        self.note.setStyleSheet("color: palette(placeholder-text);")
        self.retry = QPushButton("Retry now")
        text = QVBoxLayout()
        text.setSpacing(2)
        text.addWidget(self.sentence)
        text.addWidget(self.note)
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 6, 8, 6)
        row.addWidget(icon)
        row.addLayout(text, 1)
        row.addWidget(self.retry)
        self.hide()

    def say(self, sentence: str, note: str) -> None:
        self.sentence.setText(sentence)
        self.note.setText(note)
        self.show()


class ArchiveWatch(QObject):
    """`lost(sentence)` shows the banner and retries every `retry_ms`; `back` once it answers."""

    back = Signal()

    def __init__(self, database: Path, pool: QThreadPool, banner: ArchiveBanner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._database = database
        self._pool = pool
        self.banner = banner
        self.retry_ms = RETRY_MS
        self.down = False
        self.checks = 0  # attempts to reach the archive again (tests wait on it)
        self._checking = False
        self._timer = QTimer(self, singleShot=True)
        self._timer.timeout.connect(self.check)
        banner.retry.clicked.connect(self.check)
        archive_signals().unreachable.connect(self.lost)

    def lost(self, sentence: str) -> None:
        self.down = True
        self.banner.say(sentence, f"Retrying every {self.retry_ms / 1000:g} s; nothing on this computer is lost.")
        if not self._checking and not self._timer.isActive():
            self._timer.start(self.retry_ms)

    def check(self) -> None:
        """Try the archive now (in a worker): `back` if it answers, else the next try is set."""
        if self._checking:
            return
        self._checking = True
        self._timer.stop()
        self.banner.note.setText("Trying to reach the team archive…")
        database = self._database

        def work(_report) -> bool:
            store = open_store(database)
            try:
                store.accounts()  # one small read: the login and the schema are fine too
            finally:
                store.close()
            return True

        run_task(work, lambda _ok: self._reached(), lambda message, _d: self._still_down(message),
                 pool=self._pool, name="archive check", owner=self)

    def _still_down(self, sentence: str) -> None:
        self._checking = False
        self.checks += 1
        self.lost(sentence)

    def _reached(self) -> None:
        self._checking = False
        self.checks += 1
        was_down, self.down = self.down, False
        self.banner.hide()
        if was_down:
            emit(self.back)
