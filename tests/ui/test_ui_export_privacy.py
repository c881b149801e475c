"""Export from the window with personal data masked: the dialog's privacy options reach the
exported files and the manifest, and are remembered for the next export."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QDialogButtonBox
from support.export_helpers import pii_call, read_export
from support.modal_helpers import Answerer
from support.ui_helpers import archive, archived_store, speech_call  # noqa: F401  (fixtures)
from support.window_helpers import WAIT, open_window

from recbrowser.services.pii import CARD, EMAIL, PHONE
from recbrowser.ui.jobs.export_dialog import ExportDialog


def test_export_with_masking_from_the_window(qtbot, data_dir, archived_store, speech_call, tmp_path):  # noqa: F811
    account = speech_call.account
    archived_store.upsert_calls(archived_store.account(account.name).id, [pii_call()])
    archived_store.add_note(account.name, "pii-1", 2500, "Customer gave card 4111111111111111")
    window = open_window(qtbot, data_dir, archived_store)
    ref = f"{account.name}/pii-1"
    qtbot.waitUntil(lambda: window.model.row_of(ref) is not None, timeout=WAIT)
    window.table.selectRow(window.model.row_of(ref))
    dest = tmp_path / "handover"

    def mask_everything(dialog: ExportDialog) -> None:
        dialog.dest.setText(str(dest))
        dialog.formats["json"].setChecked(True)
        dialog.redact_call_numbers.setChecked(True)  # implies masking the rest
        assert dialog.redact_pii.isChecked()
        dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()

    answer = Answerer(ExportDialog, mask_everything)
    try:
        with qtbot.waitSignal(window.exports.finished, timeout=60_000) as done:
            window.actions["export"].trigger()
    finally:
        answer.stop()
    assert [o.ref for o in done.args[0].exported] == [ref]
    manifest, files = read_export(dest)
    assert manifest["export"]["redact_pii"] == ["cards", "phones", "emails", "call_numbers"]
    row = manifest["calls"][0]
    text = files[f"{row['stem']}.txt"].decode()
    assert f"My card is {CARD}." in text and EMAIL in text and "4111" not in text and "mia@example.com" not in text
    assert row["from"] == PHONE and "+4930123456" not in text  # the call's own number too
    assert row["notes"][0]["text"] == f"Customer gave card {CARD}"
    assert archived_store.notes(account.name, "pii-1")[0].text.endswith("4111111111111111")  # the cache keeps it

    # The next export starts from the same choices.
    again = ExportDialog(1, tmp_path / "elsewhere", settings=window.settings)
    qtbot.addWidget(again)
    assert again.redact_pii.isChecked() and again.redact_call_numbers.isChecked()
    assert again.dest.text() == str(dest) and again.formats["json"].isChecked()
    assert again.options().redact_call_numbers and again.options().redact_pii


def test_masking_the_calls_numbers_goes_with_masking_the_rest(qtbot, tmp_path):
    dialog = ExportDialog(2, tmp_path)
    qtbot.addWidget(dialog)
    assert not dialog.options().redact_pii and dialog.options().redacted() == []  # off unless asked for
    dialog.redact_call_numbers.setChecked(True)
    assert dialog.redact_pii.isChecked()
    dialog.redact_pii.setChecked(False)  # no masking at all: the calls' numbers are not masked alone
    assert not dialog.redact_call_numbers.isChecked() and dialog.options().redacted() == []
    dialog.redact_pii.setChecked(True)
    assert dialog.options().redacted() == ["cards", "phones", "emails"]
