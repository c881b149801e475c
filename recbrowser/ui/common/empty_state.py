"""The look of a pane with nothing to show yet, shared so a stand-in looks like the real thing."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

CALL_PANE_EMPTY = "Select a call to see its details, read its transcript and play it."


def empty_label(text: str) -> QLabel:
    label = QLabel(text)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setWordWrap(True)
    label.setEnabled(False)  # drawn in the palette's disabled text colour
    return label
