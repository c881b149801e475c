"""Connecting the window's actions and the sync controller to what they do.

Kept apart from main_window.py so the window class stays a readable layout + state holder.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices

from recbrowser.services.sync import SyncResult

if TYPE_CHECKING:
    from recbrowser.ui.main_window import MainWindow


def wire_actions(w: MainWindow) -> None:
    a = w.actions
    player = w.player
    a["sync_all"].triggered.connect(lambda: w.sync.sync(None))
    a["sync_selected"].triggered.connect(lambda: _sync_selected(w))
    a["cancel_sync"].triggered.connect(w.sync.cancel)
    a["accounts"].triggered.connect(lambda: w.show_accounts())
    a["quit"].triggered.connect(w.close)
    a["search"].triggered.connect(w.search.focus_search)
    a["find_in_transcript"].triggered.connect(w.call_pane.transcript.open_find)
    a["next_hit"].triggered.connect(lambda: w.search.step(True))
    a["previous_hit"].triggered.connect(lambda: w.search.step(False))
    a["focus_calls"].triggered.connect(w.table.setFocus)
    a["follow_audio"].toggled.connect(w.call_pane.transcript.follow.setChecked)
    a["reset_layout"].triggered.connect(w.reset_layout)
    a["next_call"].triggered.connect(lambda: w.table.move_current(1))
    a["previous_call"].triggered.connect(lambda: w.table.move_current(-1))
    a["play_pause"].triggered.connect(lambda: w.play_current())
    a["back_5"].triggered.connect(lambda: player.skip(-5_000))
    a["forward_5"].triggered.connect(lambda: player.skip(5_000))
    a["back_15"].triggered.connect(lambda: player.skip(-15_000))
    a["forward_15"].triggered.connect(lambda: player.skip(15_000))
    a["slower"].triggered.connect(player.slower)
    a["faster"].triggered.connect(player.faster)
    a["download"].triggered.connect(lambda: _download(w))
    a["export"].triggered.connect(lambda: _export(w))
    a["open_folder"].triggered.connect(w.open_folder)
    a["copy_details"].triggered.connect(w.copy_details)
    a["shortcuts_help"].triggered.connect(lambda: _shortcuts(w))
    a["log"].triggered.connect(lambda: _log(w))
    a["audit_log"].triggered.connect(lambda: _audit(w))
    a["archive_expiring"].triggered.connect(lambda: _archive(w))
    a["about"].triggered.connect(lambda: _about(w))
    player.playingChanged.connect(lambda playing: _show_playing(w, playing))
    w.callShown.connect(lambda _ref: _call_actions(w))
    _call_actions(w)


def _call_actions(w: MainWindow) -> None:
    has_call = w.call_pane.call is not None
    has_audio = has_call and bool(w.call_pane.call.recordings)
    for action_id in ("download", "play_pause"):
        w.actions[action_id].setEnabled(has_audio or (action_id == "play_pause" and w.player.ready))
    w.actions["copy_details"].setEnabled(has_call)


def _show_playing(w: MainWindow, playing: bool) -> None:
    from recbrowser.ui.icons import icon

    action = w.actions["play_pause"]
    action.setIcon(icon("pause" if playing else "play"))
    action.setIconText("Pause" if playing else "Play")


def _sync_selected(w: MainWindow) -> None:
    name = w.accounts_panel.selected_name() or w.filter_bar.account.currentData()
    if name:
        w.sync.sync([name])
    else:
        w.status.show_message("Choose an account in the Accounts panel first.")


def _download(w: MainWindow) -> None:
    from recbrowser.ui.call_controller import PlayRequest

    current = w.current_call()
    if current:
        w.request_play(PlayRequest(current[0], current[1], 0, autoplay=False))


def _export(w: MainWindow) -> None:
    from recbrowser.ui.export_dialog import ExportDialog

    refs = w.selected_refs()
    if not refs or w.exports.busy:
        return
    dialog = ExportDialog(len(refs), Path.home() / "recbrowser-exports", w, settings=w.settings)
    if dialog.exec():
        w.exports.export(refs, dialog.destination(), dialog.options())


def wire_export(w: MainWindow) -> None:
    exports, status = w.exports, w.status
    last: dict[str, Path] = {}

    def enable(*_args) -> None:
        w.actions["export"].setEnabled(w.table.selectionModel().hasSelection() and not exports.busy)

    def finished(summary) -> None:
        enable()
        if summary.cancelled or summary.location is None:
            status.export_finished(f"Export cancelled after {len(summary.exported):,} calls; export again to finish it.")
            return
        location = Path(summary.location)
        last["folder"] = location if location.is_dir() else location.parent
        extra = "".join(
            f", {len(items):,} {what}" for items, what in ((summary.skipped, "skipped"), (summary.failed, "failed")) if items
        )
        status.export_finished(f"Exported {len(summary.exported):,} calls to {location}{extra}.", last["folder"])
        w.refresh_calls()  # recordings fetched for the export now show as downloaded

    def failed(message: str) -> None:
        enable()
        status.export_finished(message)

    w.actions["export"].setToolTip("Export the selected calls (Ctrl+E)")
    w.table.selectionModel().selectionChanged.connect(enable)
    w.model.modelReset.connect(enable)
    exports.started.connect(lambda n: (status.export_started(n), enable()))
    exports.progress.connect(status.show_export)
    exports.finished.connect(finished)
    exports.failed.connect(failed)
    status.export.cancel.clicked.connect(lambda: (exports.cancel(), status.export.cancelling(
        "Cancelling the export after the call it is writing…")))
    status.open_folder.clicked.connect(
        lambda: "folder" in last and QDesktopServices.openUrl(QUrl.fromLocalFile(str(last["folder"])))
    )
    enable()


def _shortcuts(w: MainWindow) -> None:
    from recbrowser.ui.dialogs import ShortcutsDialog

    ShortcutsDialog(w).exec()


def _log(w: MainWindow) -> None:
    import logging

    from recbrowser.ui.log_view import LogView

    # The file logging writes to (the demo's throwaway data folder has none of its own).
    files = [h.baseFilename for h in logging.getLogger("recbrowser").handlers if isinstance(h, logging.FileHandler)]
    LogView(Path(files[0]) if files else w.data_dir.logs / "recbrowser.log", w).exec()


def _audit(w: MainWindow) -> None:
    from recbrowser.ui.audit_dialog import AuditDialog

    dialog = AuditDialog(w.data_dir.database, w.pools.interactive, w.current_call(), w)
    dialog.exec()
    dialog.deleteLater()  # a late answer from its worker is dropped (run_task's owner check)


def _archive(w: MainWindow) -> None:
    from recbrowser.ui.archive_dialog import ArchiveDialog

    if w.archive.busy:
        w.status.show_message("Archiving is under way: it ends with a line here (Cancel stops it).")
        return
    dialog = ArchiveDialog(w.archive, w.settings, w)
    accepted, days = dialog.exec(), dialog.days.value()
    dialog.deleteLater()  # else every dialog opened would stay connected to the controller
    if accepted:
        w.archive.archive(days, w.account_names())


def wire_archive(w: MainWindow) -> None:
    """Archive before expiry: the File menu action, its progress in the status bar, and the quiet
    reminder after each sync and at start-up."""
    archive, status = w.archive, w.status

    def finished(summary) -> None:
        from recbrowser.ui.archive_controller import outcome

        w.actions["archive_expiring"].setEnabled(True)
        status.archive_finished(outcome(summary))
        w.refresh_calls()  # the archived calls' audio now reads "downloaded"
        archive.check_reminder()

    def failed(message: str) -> None:
        w.actions["archive_expiring"].setEnabled(True)
        status.archive_finished(message)

    def started(count: int) -> None:
        w.actions["archive_expiring"].setEnabled(False)
        status.archive_started(count)

    archive.started.connect(started)
    archive.progress.connect(status.show_archive)
    archive.finished.connect(finished)
    archive.failed.connect(failed)
    archive.reminder.connect(lambda found: status.show_expiring(found.recordings, found.within_days))
    status.archive.cancel.clicked.connect(lambda: (archive.cancel(), status.archive.cancelling(
        "Cancelling: archiving stops with the recording it is downloading…")))
    status.expiring.linkActivated.connect(lambda _link: _archive(w))
    w.sync.finished.connect(lambda _results: archive.check_reminder())
    w.calls.downloaded.connect(lambda _ref: archive.check_reminder())
    archive.check_reminder()


def _about(w: MainWindow) -> None:
    from recbrowser.ui.dialogs import show_about

    show_about(w)


def wire_sync(w: MainWindow) -> None:
    sync, panel, status = w.sync, w.accounts_panel, w.status

    def started() -> None:
        w.actions["cancel_sync"].setEnabled(True)
        status.sync_started()
        w._update_count()  # the empty list now says calls are on their way

    def account_started(name: str) -> None:
        panel.set_state(name, busy=True, error="")

    def account_finished(result: SyncResult) -> None:
        if result.error:
            panel.set_state(result.account, error=result.error, busy=False, needs_code=result.account in sync.needs_code)
        elif result.cancelled:
            panel.set_state(result.account, text=f"Sync cancelled after {result.calls:,} calls", busy=False)
        else:
            panel.synced(result.account, result.calls, result.new, result.unreadable_sentence())

    def finished(results: list[SyncResult]) -> None:
        w.actions["cancel_sync"].setEnabled(False)
        w._refresh_timer.stop()
        w.refresh_calls()
        failed = [r for r in results if r.error and r.account not in sync.needs_code]
        waiting = [r.account for r in results if r.error and r.account in sync.needs_code]
        total = sum(r.calls for r in results)
        if failed:
            names = ", ".join(r.account for r in failed)
            summary = f"Sync finished: {total:,} calls; failed for {names} (see the Accounts panel)."
        elif waiting:
            summary = f"Sync finished: {total:,} calls; {', '.join(waiting)} waits for a two-factor code (sync it again)."
        elif any(r.cancelled for r in results):
            summary = f"Sync cancelled after {total:,} calls."
        else:
            summary = f"Sync finished: {total:,} calls from {len(results)} account{'s' if len(results) != 1 else ''}."
        status.sync_finished(summary)

    sync.started.connect(started)
    sync.accountStarted.connect(account_started)
    sync.progress.connect(status.show_sync)
    sync.pageWritten.connect(lambda: w._refresh_timer.isActive() or w._refresh_timer.start())
    sync.accountFinished.connect(account_finished)
    sync.finished.connect(finished)
    status.sync.cancel.clicked.connect(lambda: (sync.cancel(), status.cancelling()))
    w.actions["cancel_sync"].triggered.connect(status.cancelling)


def wire_removal(w: MainWindow) -> None:
    """A removal runs on after the accounts dialog closes: the window hears how it ended."""

    def started(name: str) -> None:
        w.accounts_panel.set_state(name, text="Removing from this computer…", error="")
        w.status.show_message(f"Removing the account '{name}' and its cached calls…")

    def finished(name: str, message: str, removed: bool) -> None:
        w.status.show_message(message)
        if removed:
            w.reload_accounts()
            w.refresh_calls()
        else:
            w.accounts_panel.set_state(name, error=message)

    w.removal.started.connect(started)
    w.removal.finished.connect(finished)
