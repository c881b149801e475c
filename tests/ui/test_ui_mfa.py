"""Voki two-factor sign-in from the window, against the real emulator with MFA on: the dialog
asks, the worker signs in, a wrong code is one sentence on the account and never retried."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from PySide6.QtCore import QThreadPool, QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QLabel, QMessageBox
from support.voki_helpers import DAY_MS, add_account, forget_tokens, fresh_voki_tokens  # noqa: F401

from recbrowser.emulators.voki import VokiEmulator
from recbrowser.providers.voki import PAGE_SIZE
from recbrowser.providers.voki_map import totp
from recbrowser.ui.accounts.mfa_dialog import MfaDialog
from recbrowser.ui.common.settings import open_settings
from recbrowser.ui.window.main_window import MainWindow

WAIT = 30_000
CALLS = 12


@pytest.fixture
def voki():
    emu = VokiEmulator(calls=CALLS, seed=11, mfa=True)
    emu.start()
    yield emu
    emu.stop()


def no_secret_for_totp(emu) -> dict[str, str]:
    return {"password": emu.password}  # the user keeps the two-factor key in an app, not here


def open_window(qtbot, data_dir, store, secrets) -> MainWindow:
    window = MainWindow(data_dir, store, open_settings(data_dir.settings))
    window.demo_secrets.update(secrets)
    qtbot.addWidget(window)
    window.show()
    return window


class DialogAnswerer:
    """Answers each two-factor dialog as it opens, as a user would: types, then OK or Cancel."""

    def __init__(self, qtbot, *answers: str | None) -> None:
        self.qtbot = qtbot
        self.answers = list(answers)
        self.texts: list[str] = []  # what each dialog said
        self.timer = QTimer(interval=20)
        self.timer.timeout.connect(self._poll)
        self.timer.start()

    def _poll(self) -> None:
        dialogs = [w for w in QApplication.topLevelWidgets() if isinstance(w, MfaDialog) and w.isVisible()]
        if not dialogs:
            return
        dialog = dialogs[0]
        self.texts.append(" ".join(label.text() for label in dialog.findChildren(QLabel)))
        answer = self.answers.pop(0) if self.answers else None
        if answer is None:
            dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel).click()
        else:
            self.qtbot.keyClicks(dialog.code, answer)
            assert dialog.ok.isEnabled()
            dialog.ok.click()

    def stop(self) -> None:
        self.timer.stop()


def settled(window) -> None:
    """Every worker has ended and every answer it queued has been handled: whatever the sync
    would still do (a retry, a dialog, a refresh) has happened by now, with no clock involved."""
    assert window.pools.wait(WAIT)
    QApplication.processEvents()
    assert window.sync.running == []


def sync(qtbot, window, emu):
    with qtbot.waitSignal(window.sync.finished, timeout=WAIT) as finished:
        window.sync.sync(["vk"], since_ms=emu.now_ms - 20 * DAY_MS)
    (result,) = finished.args[0]
    return result


def wrong_code(emu) -> str:
    return "000000" if totp(emu.totp_secret) != "000000" else "111111"


def test_the_right_code_signs_in_and_the_calls_appear(qtbot, data_dir, store, voki):
    add_account(store, voki)
    window = open_window(qtbot, data_dir, store, {"vk": no_secret_for_totp(voki)})
    answerer = DialogAnswerer(qtbot, totp(voki.totp_secret))
    result = sync(qtbot, window, voki)
    answerer.stop()
    assert result.ok and result.calls == CALLS
    assert len(answerer.texts) == 1 and "vk" in answerer.texts[0] and "authenticator app" in answerer.texts[0]
    qtbot.waitUntil(lambda: window.model.rowCount() == CALLS, timeout=WAIT)
    assert "synced" in window.accounts_panel.state("vk").text
    assert voki.counters["POST /api/auth/login"] == 1 and voki.counters["POST /api/auth/mfa/verify"] == 1
    # Signed in: the next sync asks nothing, and its first request is already the call list.
    lists = voki.counters["GET /api/v1/calls"]
    again = sync(qtbot, window, voki)
    assert again.ok and voki.counters["POST /api/auth/login"] == 1
    assert voki.counters["GET /api/v1/calls"] - lists == lists == -(-CALLS // PAGE_SIZE)  # list pages, no probe


def test_a_wrong_code_is_one_sentence_on_the_account_and_one_request(qtbot, data_dir, store, voki):
    add_account(store, voki)
    window = open_window(qtbot, data_dir, store, {"vk": no_secret_for_totp(voki)})
    answerer = DialogAnswerer(qtbot, wrong_code(voki), totp(voki.totp_secret))
    result = sync(qtbot, window, voki)
    settled(window)  # a retry that must not happen would have happened by now
    answerer.stop()
    assert not result.ok and len(answerer.texts) == 1
    state = window.accounts_panel.state("vk")
    assert "refused the two-factor code" in state.error and not state.needs_code
    assert state.error.count(".") == 1 and voki.password not in state.error
    assert voki.counters["POST /api/auth/mfa/verify"] == 1 and voki.counters["POST /api/auth/login"] == 1
    assert voki.counters["GET /api/v1/calls"] == 0
    assert not any(isinstance(w, QMessageBox) and w.isVisible() for w in QApplication.topLevelWidgets())


def test_cancel_marks_the_account_and_keeps_its_calls_then_syncing_again_asks_again(qtbot, data_dir, store, voki):
    add_account(store, voki)
    window = open_window(qtbot, data_dir, store, {"vk": no_secret_for_totp(voki)})
    answerer = DialogAnswerer(qtbot, totp(voki.totp_secret), None)
    assert sync(qtbot, window, voki).ok
    qtbot.waitUntil(lambda: window.model.rowCount() == CALLS, timeout=WAIT)
    forget_tokens()  # a new session: Voki wants the code again
    result = sync(qtbot, window, voki)
    assert not result.ok and len(answerer.texts) == 2
    state = window.accounts_panel.state("vk")
    assert state.needs_code and "Two-factor code needed for 'vk'" in state.error and "sync it again" in state.error
    assert "two-factor code" in window.status.text.text() and "failed" not in window.status.text.text()
    settled(window)
    assert window.model.rowCount() == CALLS and store.count_calls(window.model.call_filter) == CALLS
    assert voki.counters["POST /api/auth/mfa/verify"] == 1  # nothing sent for the cancelled dialog
    answerer.answers.append(totp(voki.totp_secret))
    assert sync(qtbot, window, voki).ok and len(answerer.texts) == 3
    answerer.stop()
    assert not window.accounts_panel.state("vk").needs_code


def test_test_connection_asks_for_the_code(qtbot, data_dir, store, voki):
    from recbrowser.ui.accounts.accounts_dialog import AccountsDialog

    add_account(store, voki)
    pool = QThreadPool()
    dialog = AccountsDialog(data_dir.database, pool, lambda name: no_secret_for_totp(voki) if name == "vk" else None,
                            select="vk")
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.current_name() == "vk", timeout=WAIT)
    answerer = DialogAnswerer(qtbot, None, totp(voki.totp_secret))
    dialog.test_button.click()
    qtbot.waitUntil(lambda: "Two-factor code needed" in dialog.result.text(), timeout=WAIT)
    assert "test the connection again" in dialog.result.text()
    dialog.test_button.click()
    qtbot.waitUntil(lambda: dialog.result.text().startswith("Connected to Voki"), timeout=WAIT)
    answerer.stop()
    assert len(answerer.texts) == 2 and voki.counters["POST /api/auth/mfa/verify"] == 1
    pool.waitForDone(WAIT)


def test_the_code_field_takes_six_digits_only(qtbot):
    dialog = MfaDialog("vk", "")
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.code, "12ab3")
    assert dialog.code.text() == "123" and not dialog.ok.isEnabled()
    dialog.code.clear()
    dialog.code.insert("123 456")  # pasted as the app shows it
    assert dialog.code.text() == "123456" and dialog.ok.isEnabled()
    qtbot.keyClicks(dialog.code, "7")
    assert dialog.value() == "123456"


def test_a_scheduled_sync_marks_the_account_instead_of_opening_the_dialog(qtbot, data_dir, store, voki):
    add_account(store, voki)
    window = open_window(qtbot, data_dir, store, {"vk": no_secret_for_totp(voki)})
    answerer = DialogAnswerer(qtbot, totp(voki.totp_secret))
    # One tick of the timer set_interval starts, due now (a repeating 10 ms timer could tick
    # again while the sync runs on a loaded machine, queueing a second sync and sign-in).
    window.sync.schedule.setSingleShot(True)
    with qtbot.waitSignal(window.sync.finished, timeout=WAIT):
        window.sync.schedule.start(10)
    window.sync.schedule.stop()
    settled(window)
    answerer.stop()
    assert not [w for w in QApplication.topLevelWidgets() if isinstance(w, MfaDialog)]
    assert answerer.texts == [] and window.accounts_panel.state("vk").needs_code
    assert voki.counters["POST /api/auth/login"] == 1 and voki.counters["POST /api/auth/mfa/verify"] == 0
