"""Call > Add Call by ID… against the real Dialgen emulator: a call that is in no batch is
added by its id, the list shows it, and what failed is said in the same sentence."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import json

import pytest
from support.dialgen_helpers import add_account
from support.modal_helpers import Answerer

from recbrowser.emulators.dialgen import DialgenEmulator
from recbrowser.ui.common.settings import open_settings
from recbrowser.ui.jobs.dialgen_add_dialog import DialgenAddDialog
from recbrowser.ui.window.main_window import MainWindow

WAIT = 30_000


@pytest.fixture
def dialgen():
    emu = DialgenEmulator(calls=40, seed=3, batch_size=25)
    emu.start()
    yield emu
    emu.stop()


def open_window(qtbot, data_dir, store, secrets) -> MainWindow:
    window = MainWindow(data_dir, store, open_settings(data_dir.settings))
    window.demo_secrets.update(secrets)
    qtbot.addWidget(window)
    window.show()
    return window


def paste(text: str):
    def answer(dialog: DialgenAddDialog) -> None:
        assert not dialog.ok.isEnabled()  # nothing pasted yet
        dialog.ids.setPlainText(text)
        dialog.ok.click()

    return answer


def test_a_call_in_no_batch_is_added_by_id_and_failures_are_one_sentence(qtbot, data_dir, store, dialgen):
    add_account(store, dialgen, name="dg")
    singles = [c for c in dialgen.single_calls() if c.status == "COMPLETED"]
    window = open_window(qtbot, data_dir, store, {"dg": dialgen.secrets()})
    assert window.actions["add_dialgen_calls"].isEnabled() and window.model.rowCount() == 0
    answerer = Answerer(DialgenAddDialog, paste("\n".join([singles[0].call_id, "cm_unknown_call_id_12345",
                                                           "this is not a call", json.dumps(dialgen.webhook(singles[1]))])))
    with qtbot.waitSignal(window.provider_actions.finished, timeout=WAIT) as done:
        window.actions["add_dialgen_calls"].trigger()
    answerer.stop()
    message = done.args[0]
    assert message == ("Added 2 calls to dg; 2 failed: Dialgen does not know the call id cm_unknown_call_id_12345 "
                       "and 1 line is neither a call id nor an onCallComplete payload.")
    assert window.status.text.text() == message
    qtbot.waitUntil(lambda: window.model.rowCount() == 2, timeout=WAIT)
    assert {window.model.row(r).provider_id for r in range(2)} == {singles[0].call_id, singles[1].call_id}
    assert not any(secret in message for secret in dialgen.secrets().values())


def test_adding_again_changes_nothing_and_cancel_adds_nothing(qtbot, data_dir, store, dialgen):
    add_account(store, dialgen, name="dg")
    single = next(c for c in dialgen.single_calls() if c.status == "COMPLETED")
    window = open_window(qtbot, data_dir, store, {"dg": dialgen.secrets()})
    answerer = Answerer(DialgenAddDialog, paste(single.call_id))
    for expected in ("Added 1 call to dg.", "Added 0 calls to dg (1 already there)."):
        with qtbot.waitSignal(window.provider_actions.finished, timeout=WAIT) as done:
            window.actions["add_dialgen_calls"].trigger()
        assert done.args[0] == expected
    answerer.stop()
    before = dialgen.counters["requests"]
    cancel = Answerer(DialgenAddDialog, lambda dialog: dialog.buttons.rejected.emit())
    window.actions["add_dialgen_calls"].trigger()
    cancel.stop()
    assert len(cancel.seen) == 1 and dialgen.counters["requests"] == before and not window.provider_actions.busy


def test_the_action_needs_a_dialgen_account(qtbot, data_dir, store):
    window = open_window(qtbot, data_dir, store, {})
    assert not window.actions["add_dialgen_calls"].isEnabled()
