"""The call's local notes: a list by time, and one line to add or edit a note.

A note takes the player's position when you start writing it (or press the Add note key),
so the moment you heard is the moment saved, however long the typing takes. With nothing
playing, the note is about the whole call and has no time. Clicking a timed note seeks there.
Deleting asks first. The view only emits requests; the call pane saves them off the UI thread.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from recbrowser.store import Note
from recbrowser.ui.common.formatting import clock
from recbrowser.ui.common.signals import emit

NOTE_ROLE = Qt.ItemDataRole.UserRole


def note_time(note: Note) -> str:
    return clock(note.offset_ms) if note.offset_ms is not None else "whole call"


class NotesPanel(QWidget):
    addRequested = Signal(object, str)  # (offset ms or None, text)
    editRequested = Signal(int, str)  # (note id, new text)
    deleteRequested = Signal(int)  # note id, after the user confirmed
    seekRequested = Signal(int)  # ms

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.position: Callable[[], int | None] = lambda: None  # the pane says where the player is
        self._offset: int | None = None
        self._held = False  # the time was taken when writing began; ticks no longer move it
        self._editing: Note | None = None
        self.confirm: QMessageBox | None = None

        self.list = QListWidget()
        self.list.setWordWrap(True)
        self.list.setAlternatingRowColors(True)
        self.list.itemClicked.connect(self._seek_to)
        self.list.itemActivated.connect(self._seek_to)
        self.list.currentItemChanged.connect(lambda *_: self._enable())
        self.list.installEventFilter(self)
        self.empty = QLabel("No notes yet. Write one below while the call plays: it is saved at that moment.")
        self.empty.setWordWrap(True)
        self.empty.setEnabled(False)
        self.edit_button = QPushButton("Edit")
        self.edit_button.setToolTip("Change the selected note's text (F2)")
        self.edit_button.clicked.connect(self.start_edit)
        self.delete_button = QPushButton("Delete…")
        self.delete_button.setToolTip("Delete the selected note (Delete; asks first)")
        self.delete_button.clicked.connect(self.ask_delete)
        self.editor = QLineEdit(placeholderText="Write a note, then Enter")
        self.editor.setClearButtonEnabled(True)
        self.editor.textEdited.connect(self._on_typed)
        self.editor.returnPressed.connect(self.submit)
        self.editor.installEventFilter(self)
        self.add_button = QPushButton()
        self.add_button.clicked.connect(self.submit)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.hide()

        actions = QHBoxLayout()
        actions.setContentsMargins(0, 0, 0, 0)
        actions.addWidget(self.empty, 1)
        actions.addStretch(0)
        actions.addWidget(self.edit_button)
        actions.addWidget(self.delete_button)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.editor, 1)
        row.addWidget(self.add_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.list, 1)
        layout.addLayout(actions)
        layout.addLayout(row)
        layout.addWidget(self.message)
        self.set_notes([])

    # -- the list ---------------------------------------------------------------------------------
    def set_notes(self, notes: list[Note]) -> None:
        current = self.selected()
        self.list.clear()
        for note in notes:
            item = QListWidgetItem(f"{note_time(note)}   {note.text}")
            item.setData(NOTE_ROLE, note)
            item.setToolTip("Click to play from here" if note.offset_ms is not None else "A note about the whole call")
            self.list.addItem(item)
            if current is not None and note.id == current.id:
                self.list.setCurrentItem(item)
        self.empty.setVisible(not notes)
        self.list.setVisible(bool(notes))
        self._enable()

    def notes(self) -> list[Note]:
        return [self.list.item(i).data(NOTE_ROLE) for i in range(self.list.count())]

    def selected(self) -> Note | None:
        item = self.list.currentItem()
        return item.data(NOTE_ROLE) if item is not None else None

    def select(self, note_id: int) -> None:
        for i in range(self.list.count()):
            if self.list.item(i).data(NOTE_ROLE).id == note_id:
                self.list.setCurrentRow(i)

    def _seek_to(self, item: QListWidgetItem) -> None:
        note: Note = item.data(NOTE_ROLE)
        if note.offset_ms is not None:
            emit(self.seekRequested, note.offset_ms)

    def _enable(self) -> None:
        has = self.selected() is not None
        self.edit_button.setEnabled(has)
        self.delete_button.setEnabled(has)

    # -- writing -------------------------------------------------------------------------------------
    def reset(self) -> None:
        """Another call: forget the draft, its time and any edit in progress."""
        self._editing = None
        self._held = False
        self.editor.clear()
        self.show_message("")
        if self.confirm is not None:
            self.confirm.reject()
        self.refresh_time()

    def begin_note(self) -> None:
        """The Add note key: take the time now and put the cursor in the editor."""
        if self._editing is None and not self.editor.text():
            self._take_time()
        self.editor.setFocus()

    def refresh_time(self) -> None:
        """Follow the player while no note is being written (called on position ticks)."""
        if not self._held and self._editing is None:
            self._offset = self.position()
        self._show_button()

    def _take_time(self) -> None:
        self._offset = self.position()
        self._held = True
        self._show_button()

    def _on_typed(self, text: str) -> None:
        if self._editing is not None:
            return
        if text and not self._held:
            self._take_time()
        elif not text:
            self._held = False
            self.refresh_time()

    def _show_button(self) -> None:
        if self._editing is not None:
            self.add_button.setText("Save note")
            self.add_button.setToolTip("Save the changed text (Escape cancels)")
        elif self._offset is None:
            self.add_button.setText("Add note")
            self.add_button.setToolTip("Nothing of this call is playing: the note is about the whole call")
        else:
            self.add_button.setText(f"Add note at {clock(self._offset)}")
            self.add_button.setToolTip("The note is saved at this moment of the recording")

    def submit(self) -> None:
        text = self.editor.text().strip()
        if not text:
            self.show_message("Type the note first.")
            return
        if self._editing is not None:
            emit(self.editRequested, self._editing.id, text)
        else:
            emit(self.addRequested, self._offset, text)

    def saved(self, what: str) -> None:
        """The store has it: the draft can go."""
        if what in ("note", "note edit"):
            self._editing = None
            self._held = False
            self.editor.clear()
            self.show_message("")
            self.refresh_time()

    def show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def start_edit(self) -> None:
        note = self.selected()
        if note is None:
            return
        self._editing = note
        self.editor.setText(note.text)
        self.editor.setFocus()
        self.editor.selectAll()
        self._show_button()

    def cancel_edit(self) -> None:
        self._editing = None
        self._held = False
        self.editor.clear()
        self.show_message("")
        self.refresh_time()

    def ask_delete(self) -> None:
        note = self.selected()
        if note is None:
            return
        text = note.text if len(note.text) <= 80 else note.text[:79] + "…"
        box = QMessageBox(
            QMessageBox.Icon.Question, "Delete note", f"Delete the note at {note_time(note)}?", parent=self
        )
        box.setInformativeText(f"“{text}”\n\nThis cannot be undone.")
        delete = box.addButton("Delete", QMessageBox.ButtonRole.DestructiveRole)
        keep = box.addButton("Keep", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(keep)  # Enter never deletes by accident
        box.setEscapeButton(keep)

        def answered() -> None:
            if box.clickedButton() is delete:
                emit(self.deleteRequested, note.id)
            self.confirm = None

        box.finished.connect(lambda _r: answered())
        self.confirm = box
        box.open()  # window-modal, without a nested event loop

    def eventFilter(self, obj, event) -> bool:
        if isinstance(event, QKeyEvent) and event.type() == QKeyEvent.Type.KeyPress:
            if obj is self.editor and event.key() == Qt.Key.Key_Escape:
                self.cancel_edit()
                return True
            if obj is self.list and event.key() == Qt.Key.Key_Delete:
                self.ask_delete()
                return True
            if obj is self.list and event.key() == Qt.Key.Key_F2:  # the platform's "rename" key
                self.start_edit()
                return True
        return super().eventFilter(obj, event)
