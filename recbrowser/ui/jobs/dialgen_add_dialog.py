"""Call > Add Call by ID…: Dialgen calls that no batch lists (single dials, inbound calls).

The supervisor picks the Dialgen account and pastes call ids, one per line, or the
onCallComplete webhook payloads a relay saved (one JSON document or JSON lines).
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)


class DialgenAddDialog(QDialog):
    def __init__(self, accounts: list[str], parent: QWidget | None = None, select: str | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add Dialgen Calls by ID")
        self.setObjectName("dialgen_add_dialog")
        self.account = QComboBox()
        self.account.addItems(accounts)
        if select in accounts:
            self.account.setCurrentText(select)
        note = QLabel("Single dials and inbound calls are in no batch, so a sync cannot find them. Paste their "
                      "call ids, one per line, or the onCallComplete webhook payloads (JSON or JSON lines). "
                      "Adding a call twice changes nothing.")
        note.setWordWrap(True)
        self.ids = QPlainTextEdit()
        self.ids.setPlaceholderText("cmk3n7v8l0001k004w0f0b3b1\ncmk3n7v8l0002k004a1b2c3d4")
        self.ids.setTabChangesFocus(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("Add Calls")
        self.ok.setEnabled(False)
        self.ids.textChanged.connect(lambda: self.ok.setEnabled(bool(self.text().strip())))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("Dialgen account", self.account)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addLayout(form)
        layout.addWidget(self.ids, 1)
        layout.addWidget(self.buttons)
        self.resize(520, 360)

    def account_name(self) -> str:
        return self.account.currentText()

    def text(self) -> str:
        return self.ids.toPlainText()
