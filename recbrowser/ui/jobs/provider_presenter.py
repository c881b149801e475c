"""The window's provider actions: menu entries enabled by what the selected calls' providers
offer, the confirmation before a deletion at the provider, and the outcome in the status bar."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QMessageBox, QWidget

from recbrowser.domain import parse_call_ref
from recbrowser.providers.base import provider_class
from recbrowser.store.records import CallRow
from recbrowser.ui.common.formatting import local_datetime, party_label
from recbrowser.ui.jobs.provider_actions import CALL_ACTIONS, offers

if TYPE_CHECKING:
    from recbrowser.ui.window.main_window import MainWindow

SHOWN = 5  # calls named in a confirmation; the rest are counted
MAX_CALLS = 200  # one request per call at the provider; and a Ctrl+A over a million rows must not read them all


def wire_provider_actions(w: MainWindow) -> None:
    for action_id in CALL_ACTIONS:
        w.actions[action_id].triggered.connect(partial(_call_action, w, action_id))
    w.actions["add_dialgen_calls"].triggered.connect(lambda: _add_dialgen_calls(w))
    w.table.selectionModel().selectionChanged.connect(lambda *_a: update_provider_actions(w))
    w.model.modelReset.connect(lambda: update_provider_actions(w))
    w.provider_actions.started.connect(lambda label: (w.status.show_message(label), update_provider_actions(w)))
    w.provider_actions.finished.connect(lambda message, refs: _finished(w, message, refs))
    update_provider_actions(w)


def selected_count(w: MainWindow) -> int:
    """Counted from the selection's ranges, without making an index per row."""
    return sum(r.bottom() - r.top() + 1 for r in w.table.selectionModel().selection())


def selected_rows(w: MainWindow) -> list[CallRow]:
    if selected_count(w) > MAX_CALLS:
        return []
    rows = sorted(index.row() for index in w.table.selectionModel().selectedRows())
    return [r for r in (w.model.row(row) for row in rows) if r is not None]


def update_provider_actions(w: MainWindow) -> None:
    busy = w.provider_actions.busy
    rows = selected_rows(w)
    too_many = f"Select at most {MAX_CALLS} calls for this." if selected_count(w) > MAX_CALLS else ""
    for action_id in CALL_ACTIONS:
        action = w.actions[action_id]
        action.setEnabled(bool(rows) and not busy and all(offers(r.provider, action_id) for r in rows))
        action.setToolTip(too_many or action.text().replace("&", "").rstrip("…"))
    w.actions["add_dialgen_calls"].setEnabled(not busy and bool(dialgen_accounts(w)))


def dialgen_accounts(w: MainWindow) -> list[str]:
    return [a.name for a in w.accounts() if a.provider == "dialgen"]


def describe(row: CallRow) -> str:
    """A call as the list shows it: time, from, to."""
    parties = (party_label(row.from_number, row.from_name) or "unknown", party_label(row.to_number, row.to_name) or "unknown")
    return f"{local_datetime(row.start_ms)} from {parties[0]} to {parties[1]}"


def confirm_delete(parent: QWidget | None, action_id: str, rows: list[CallRow]) -> bool:
    what = "recording" if action_id == "delete_recording" else "transcription"
    title = provider_class(rows[0].provider).title
    calls = "the call" if len(rows) == 1 else f"these {len(rows):,} calls"
    named = [describe(r) for r in rows[:SHOWN]] + ([f"and {len(rows) - SHOWN:,} more"] if len(rows) > SHOWN else [])
    kept = ("A recording you downloaded stays on this computer, with the call's details and transcript."
            if what == "recording" else "The transcript already on this computer is kept.")
    box = QMessageBox(QMessageBox.Icon.Warning, f"Delete {what} at {title}",
                      f"Delete the {what} of {calls} at {title}?", QMessageBox.StandardButton.Cancel, parent)
    box.setObjectName("confirm_delete")
    box.setInformativeText("\n".join(named) + f"\n\nThis cannot be undone at {title}. {kept}")
    delete = box.addButton(f"Delete at {title}", QMessageBox.ButtonRole.DestructiveRole)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    try:
        box.exec()
        return box.clickedButton() is delete
    finally:
        box.deleteLater()


def _call_action(w: MainWindow, action_id: str) -> None:
    rows = selected_rows(w)
    if not rows or w.provider_actions.busy or not all(offers(r.provider, action_id) for r in rows):
        return
    if action_id.startswith("delete") and not confirm_delete(w, action_id, rows):
        w.status.show_message("Nothing was deleted.")
        return
    w.provider_actions.run_call_action(action_id, [r.ref for r in rows])


def _add_dialgen_calls(w: MainWindow) -> None:
    from recbrowser.ui.jobs.dialgen_add_dialog import DialgenAddDialog

    names = dialgen_accounts(w)
    if not names or w.provider_actions.busy:
        return
    selected = w.accounts_panel.selected_name()
    dialog = DialgenAddDialog(names, w, select=selected)
    try:
        if dialog.exec() and dialog.text().strip():
            w.provider_actions.add_dialgen_calls(dialog.account_name(), dialog.text())
    finally:
        dialog.deleteLater()


def _finished(w: MainWindow, message: str, refs: list[str]) -> None:
    w.status.show_message(message)
    update_provider_actions(w)
    w.refresh_calls()
    current = w.current_call()
    if current and any(parse_call_ref(ref) == current for ref in refs):
        w.calls.load(*current)  # the pane shows the new state (transcript pending, recording deleted)
