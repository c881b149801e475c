"""Two-factor sign-in from the window: a worker asks for the code, the UI thread shows the dialog.

A provider that signs in with a TOTP code (Voki) raises an error with `needs_code` when it
cannot compute the code itself. The worker then reports a `CodeRequest` and waits; the window
shows `MfaDialog` and answers. The code is sent once: a wrong code is an error on the account,
never a retry (Voki allows 5 sign-in requests a minute).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QLineEdit, QVBoxLayout, QWidget

DIGITS = 6

# (account name, the provider's sentence) -> the code, or None when the user cancelled
CodeAsker = Callable[[str, str], "str | None"]


def needs_code_sentence(account: str, again: str = "sync it again") -> str:
    return f"Two-factor code needed for '{account}': {again} to enter the code from your authenticator app."


@dataclass
class CodeRequest:
    """Sent from a worker to the UI thread; the worker waits until `answer` is called."""

    account: str
    message: str
    code: str | None = None
    answered: threading.Event = field(default_factory=threading.Event)

    def answer(self, code: str | None) -> None:
        self.code = code
        self.answered.set()


def with_code(fn: Callable[[], Any], provider, account: str, report: Callable[[Any], None],
              cancelled: Callable[[], bool] = lambda: False) -> tuple[bool, Any]:
    """Run `fn` (in a worker). When the provider needs a two-factor code, ask the window for it,
    send it once with `provider.verify_code`, then run `fn` again. Returns (False, None) when the
    user cancelled the dialog (or the job was cancelled while it was open)."""
    try:
        return True, fn()
    except Exception as e:
        if not getattr(e, "needs_code", False):
            raise
        request = CodeRequest(account, str(e))
    report(request)
    while not request.answered.wait(0.2):
        if cancelled():
            return False, None
    if not request.code:
        return False, None
    provider.verify_code(request.code)  # a refusal raises one sentence: not retried
    return True, fn()


class _SixDigits(QValidator):
    """Digits only, at most six; spaces a pasted "123 456" carries are dropped."""

    def validate(self, text: str, pos: int):
        digits = "".join(c for c in text if c.isdigit())
        if len(digits) > DIGITS or any(not (c.isdigit() or c.isspace()) for c in text):
            return QValidator.State.Invalid, text, pos
        pos -= sum(1 for c in text[:pos] if c.isspace())
        state = QValidator.State.Acceptable if len(digits) == DIGITS else QValidator.State.Intermediate
        return state, digits, pos


class MfaDialog(QDialog):
    def __init__(self, account: str, message: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Two-factor code")
        self.setObjectName("mfa_dialog")
        heading = QLabel(f"The account <b>{_escape(account)}</b> asks for a two-factor code.")
        note = QLabel(f"Enter the {DIGITS}-digit code from your authenticator app. It is sent once; "
                      "a wrong code is not retried.")
        note.setWordWrap(True)
        self.code = QLineEdit()
        self.code.setObjectName("mfa_code")
        self.code.setValidator(_SixDigits(self.code))
        self.code.setPlaceholderText("the code from your authenticator app")
        self.code.setInputMethodHints(Qt.InputMethodHint.ImhDigitsOnly)
        self.code.setAlignment(Qt.AlignmentFlag.AlignCenter)
        font = self.code.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setLetterSpacing(font.SpacingType.AbsoluteSpacing, 4)
        self.code.setFont(font)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setEnabled(False)
        self.code.textChanged.connect(lambda text: self.ok.setEnabled(len(text) == DIGITS))
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(note)
        layout.addWidget(self.code)
        self.setToolTip(message)  # the provider's own sentence; the labels above say it plainly
        layout.addWidget(self.buttons)
        self.setMinimumWidth(380)

    def value(self) -> str:
        return self.code.text()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def ask_code(parent: QWidget | None, account: str, message: str) -> str | None:
    """Show the dialog modally; the code, or None when cancelled."""
    dialog = MfaDialog(account, message, parent)
    try:
        return dialog.value() if dialog.exec() == QDialog.DialogCode.Accepted and dialog.value() else None
    finally:
        dialog.deleteLater()
