"""Help > Audit Log: who played, downloaded, exported or deleted which call on this computer,
newest first; the selected call's entries or all calls'. Read in a worker."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QThreadPool
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from recbrowser.domain import call_ref
from recbrowser.store import open_store
from recbrowser.store.audit import AuditEntry
from recbrowser.ui.common.formatting import local_full, tz_name
from recbrowser.ui.common.workers import run_task

LIMIT = 1000  # newest first: a supervisor looks at the recent trail; the CLI pages further
COLUMNS = ("Time", "User", "Action", "Call", "Detail")


class AuditDialog(QDialog):
    def __init__(self, database: Path, pool: QThreadPool, call: tuple[str, str] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("audit_dialog")
        self.setWindowTitle("Audit Log")
        self._database, self._pool, self._generation = database, pool, 0
        self.scope = QComboBox()
        if call is not None:
            self.scope.addItem(f"This call ({call_ref(*call)})", call)
        self.scope.addItem("All calls", None)
        self.scope.currentIndexChanged.connect(self.reload)
        self.note = QLabel()
        self.table = QTableWidget(0, len(COLUMNS))  # at most LIMIT rows: item widgets are fine
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.horizontalHeaderItem(0).setToolTip(f"Your time zone: {tz_name()}")
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        for column in range(len(COLUMNS) - 1):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        top = QHBoxLayout()
        top.addWidget(QLabel("Show"))
        top.addWidget(self.scope)
        top.addStretch(1)
        top.addWidget(QLabel("Kept on this computer: who played, downloaded, exported or deleted each call."))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        bottom = QHBoxLayout()
        bottom.addWidget(self.note, 1)
        bottom.addWidget(buttons)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)
        self.resize(900, 480)
        self.entries: list[AuditEntry] = []
        self.reload()

    def reload(self) -> None:
        self._generation += 1
        generation, database, call = self._generation, self._database, self.scope.currentData()
        self.note.setText("Loading…")

        def work(_report) -> list[AuditEntry]:
            with open_store(database) as store:
                return store.audit_log(*(call or (None, None)), limit=LIMIT)

        def done(entries: list[AuditEntry]) -> None:
            if generation == self._generation:
                self._show(entries)

        run_task(work, done, lambda message, _d: self.note.setText(message), pool=self._pool, name="audit", owner=self)

    def _show(self, entries: list[AuditEntry]) -> None:
        self.entries = entries
        self.table.setRowCount(len(entries))
        for row, e in enumerate(entries):
            values = (local_full(e.at_ms), e.user, e.action, call_ref(e.account, e.call_id), e.detail)
            for column, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setToolTip(value)
                self.table.setItem(row, column, item)
        more = f" (the newest {LIMIT:,})" if len(entries) == LIMIT else ""
        self.note.setText(f"{len(entries):,} entr{'y' if len(entries) == 1 else 'ies'}{more}" if entries
                          else "Nothing logged yet.")

    def rows(self) -> list[tuple[str, ...]]:
        """What the table shows, row by row (for a copy, and for tests)."""
        return [tuple(self.table.item(r, c).text() for c in range(len(COLUMNS))) for r in range(self.table.rowCount())]
