"""Line edits' clear button, set up when there is first something to clear."""

from __future__ import annotations

from PySide6.QtWidgets import QLineEdit


def clear_button_with_first_text(edit: QLineEdit) -> None:
    """Qt's clear button only shows while there is text; setting it up looks up the style's
    icon in the icon theme (theme files and icon plugins read, ~1 ms), which the window's
    first paint need not wait for. So it is set up with the first text typed or set."""

    def enable(text: str) -> None:
        if text:
            edit.textChanged.disconnect(enable)
            edit.setClearButtonEnabled(True)

    edit.textChanged.connect(enable)
