"""The call's tags: one button per tag (click removes it) and a field that completes from the
tags already used on other calls, so "billing" is not typed three different ways."""

from __future__ import annotations

from PySide6.QtCore import QStringListModel, Qt, Signal
from PySide6.QtWidgets import QCompleter, QLabel, QLineEdit, QToolButton, QVBoxLayout, QWidget

from recbrowser.ui.common.flow_layout import FlowLayout
from recbrowser.ui.common.signals import emit


def split_tags(text: str) -> list[str]:
    """'billing, vip' adds two tags; empty pieces ('a,,b') are skipped."""
    return [t.strip() for t in text.split(",") if t.strip()]


class TagsEditor(QWidget):
    addRequested = Signal(list)  # tags typed (the store cleans and checks them)
    removeRequested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tags: list[str] = []
        self._known = QStringListModel(self)
        self.label = QLabel("Tags:")
        self.edit = QLineEdit(placeholderText="Add a tag…")
        self.edit.setMaximumWidth(160)
        self.edit.setToolTip("Type a tag and press Enter; commas separate several")
        completer = QCompleter(self._known, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.edit.setCompleter(completer)
        self.edit.returnPressed.connect(self._submit)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.hide()
        self._flow = FlowLayout()
        self._flow.addWidget(self.label)
        self._flow.addWidget(self.edit)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(self._flow)
        layout.addWidget(self.message)
        self.buttons: dict[str, QToolButton] = {}

    def tags(self) -> list[str]:
        return list(self._tags)

    def known(self) -> list[str]:
        return self._known.stringList()

    def set_tags(self, tags: list[str]) -> None:
        self._tags = list(tags)
        for button in self.buttons.values():
            self._flow.removeWidget(button)
            button.deleteLater()
        self._flow.removeWidget(self.edit)  # the field stays after the last tag
        self.buttons = {}
        for tag in tags:
            button = QToolButton(text=f"{tag}  ✕", toolTip=f"Remove the tag “{tag}” from this call")
            button.clicked.connect(lambda _=False, t=tag: emit(self.removeRequested, t))
            self._flow.addWidget(button)
            self.buttons[tag] = button
        self._flow.addWidget(self.edit)

    def set_known(self, tags: list[str]) -> None:
        self._known.setStringList(tags)

    def _submit(self) -> None:
        tags = split_tags(self.edit.text())
        if tags:
            emit(self.addRequested, tags)

    def saved(self) -> None:
        self.edit.clear()
        self.show_message("")

    def show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))
