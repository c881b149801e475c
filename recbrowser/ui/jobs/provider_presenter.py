"""The window's provider actions: menu entries enabled by what the selected calls' providers
offer, the confirmation before a deletion at the provider, and the outcome in the status bar."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMessageBox, QWidget

from recbrowser.domain import Account, parse_call_ref
from recbrowser.providers.base import provider_class
from recbrowser.store.records import CallRow
from recbrowser.ui.accounts.accounts_panel import AccountsPanel
from recbrowser.ui.call_list.call_table_view import CallTableView
from recbrowser.ui.common.formatting import local_datetime, party_label
from recbrowser.ui.common.status_area import StatusArea
from recbrowser.ui.jobs.provider_actions import CALL_ACTIONS, ProviderActions, offers

SHOWN = 5  # calls named in a confirmation; the rest are counted
MAX_CALLS = 200  # one request per call at the provider; and a Ctrl+A over a million rows must not read them all


def describe(row: CallRow) -> str:
    """A call as the list shows it: time, from, to."""
    parties = (party_label(row.from_number, row.from_name) or "unknown", party_label(row.to_number, row.to_name) or "unknown")
    return f"{local_datetime(row.start_ms)} from {parties[0]} to {parties[1]}"


# action id -> (what is deleted, what stays on this computer)
DELETED = {
    "delete_transcription": ("transcription", "The transcript already on this computer is kept."),
    "delete_recording": ("recording", "A recording you downloaded stays on this computer, with the call's details "
                                      "and transcript."),
    # The audio goes; the recording's metadata and transcription stay at the provider.
    "delete_media": ("media", "The local copy stays: a recording you downloaded stays on this computer and still "
                              "plays, with the call's details and transcript."),
}


def confirm_delete(parent: QWidget | None, action_id: str, rows: list[CallRow]) -> bool:
    what, kept = DELETED[action_id]
    title = provider_class(rows[0].provider).title
    calls = "the call" if len(rows) == 1 else f"these {len(rows):,} calls"
    named = [describe(r) for r in rows[:SHOWN]] + ([f"and {len(rows) - SHOWN:,} more"] if len(rows) > SHOWN else [])
    box = QMessageBox(QMessageBox.Icon.Warning, f"Delete {what} at {title}",
                      f"Delete the {what} of {calls} at {title}?", QMessageBox.StandardButton.Cancel, parent)
    box.setObjectName("confirm_delete")
    gone = (f"{title}'s copy of the audio is deleted for good: it cannot be downloaded again."
            if what == "media" else f"This cannot be undone at {title}.")
    box.setInformativeText("\n".join(named) + f"\n\n{gone} {kept}")
    delete = box.addButton(f"Delete at {title}", QMessageBox.ButtonRole.DestructiveRole)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    try:
        box.exec()
        return box.clickedButton() is delete
    finally:
        box.deleteLater()


class ProviderActionsPresenter:
    def __init__(self, jobs: ProviderActions, table: CallTableView, panel: AccountsPanel, status: StatusArea,
                 actions: dict[str, QAction], parent: QWidget, *, accounts: Callable[[], list[Account]],
                 current_call: Callable[[], tuple[str, str] | None], reload_call: Callable[[str, str], None],
                 refresh_calls: Callable[[], None]) -> None:
        """`actions`: the window's QAction for each of CALL_ACTIONS and for add_dialgen_calls."""
        self.jobs = jobs
        self._table = table
        self._panel = panel
        self._status = status
        self._actions = actions
        self._parent = parent
        self._accounts = accounts
        self._current_call = current_call
        self._reload_call = reload_call
        self._refresh_calls = refresh_calls
        table.selectionModel().selectionChanged.connect(lambda *_a: self.update_actions())
        table.calls.modelReset.connect(self.update_actions)
        jobs.started.connect(lambda label: (status.show_message(label), self.update_actions()))
        jobs.finished.connect(self._finished)
        self.update_actions()

    def selected_count(self) -> int:
        """Counted from the selection's ranges, without making an index per row."""
        return sum(r.bottom() - r.top() + 1 for r in self._table.selectionModel().selection())

    def selected_rows(self) -> list[CallRow]:
        if self.selected_count() > MAX_CALLS:
            return []
        rows = sorted(index.row() for index in self._table.selectionModel().selectedRows())
        return [r for r in (self._table.calls.row(row) for row in rows) if r is not None]

    def dialgen_accounts(self) -> list[str]:
        return [a.name for a in self._accounts() if a.provider == "dialgen"]

    def update_actions(self) -> None:
        busy = self.jobs.busy
        rows = self.selected_rows()
        too_many = f"Select at most {MAX_CALLS} calls for this." if self.selected_count() > MAX_CALLS else ""
        for action_id in CALL_ACTIONS:
            action = self._actions[action_id]
            action.setEnabled(bool(rows) and not busy and all(offers(r.provider, action_id) for r in rows))
            action.setToolTip(too_many or action.text().replace("&", "").rstrip("…"))
        self._actions["add_dialgen_calls"].setEnabled(not busy and bool(self.dialgen_accounts()))

    def run(self, action_id: str) -> None:
        rows = self.selected_rows()
        if not rows or self.jobs.busy or not all(offers(r.provider, action_id) for r in rows):
            return
        if action_id.startswith("delete") and not confirm_delete(self._parent, action_id, rows):
            self._status.show_message("Nothing was deleted.")
            return
        self.jobs.run_call_action(action_id, [r.ref for r in rows])

    def add_dialgen_calls(self) -> None:
        from recbrowser.ui.jobs.dialgen_add_dialog import DialgenAddDialog

        names = self.dialgen_accounts()
        if not names or self.jobs.busy:
            return
        dialog = DialgenAddDialog(names, self._parent, select=self._panel.selected_name())
        try:
            if dialog.exec() and dialog.text().strip():
                self.jobs.add_dialgen_calls(dialog.account_name(), dialog.text())
        finally:
            dialog.deleteLater()

    def _finished(self, message: str, refs: list[str]) -> None:
        self._status.show_message(message)
        self.update_actions()
        self._refresh_calls()
        current = self._current_call()
        if current and any(parse_call_ref(ref) == current for ref in refs):
            self._reload_call(*current)  # the pane shows the new state (transcript pending, recording deleted)
