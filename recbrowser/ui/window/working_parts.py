"""The window's parts its first frame does not show: the call pane with the player, and the
controllers behind the menus (sync, calls, export, archive, account removal, provider actions).

main_window.py imports this module only once the call list is on screen (or at once when the
window is not started in stages): about 25 modules and 40 ms the user need not wait for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from recbrowser.ui.accounts.account_removal import AccountRemoval
from recbrowser.ui.call_pane.call_controller import CallController
from recbrowser.ui.call_pane.call_pane import CallPane
from recbrowser.ui.jobs.archive_controller import ArchiveController
from recbrowser.ui.jobs.export_controller import ExportController
from recbrowser.ui.jobs.provider_actions import ProviderActions
from recbrowser.ui.jobs.provider_wiring import update_provider_actions, wire_provider_actions
from recbrowser.ui.jobs.sync_controller import SyncController
from recbrowser.ui.player.player import Player
from recbrowser.ui.window.window_wiring import wire_actions, wire_archive, wire_export, wire_removal, wire_sync

if TYPE_CHECKING:
    from recbrowser.ui.window.main_window import MainWindow


def add_working_parts(w: MainWindow) -> None:
    database, media = w.data_dir.database, w.data_dir.media
    # QtMultimedia and the media backend (~35 ms) start later still (Player.start); until then
    # the controls stay disabled, as with nothing loaded.
    w.player = Player(w.prefs, w, start=False)
    w.call_pane = CallPane(w.player, follow_audio=w.prefs.follow_audio)
    w.place_call_pane(w.call_pane)
    w.sync = SyncController(database, w.secrets_for, w.account_names, w.pools.background, w)
    w.calls = CallController(database, media, w.secrets_for, w.pools.interactive, w)
    w.exports = ExportController(database, media, w.secrets_for, w.pools.background, w)
    w.archive = ArchiveController(database, media, w.secrets_for, w.pools.background, w)
    w.removal = AccountRemoval(database, w.secrets_for, w.pools.background, w)
    w.provider_actions = ProviderActions(database, w.secrets_for, w.pools.background, w)
    # Add Note is the call pane's own action (N); listed here so it can be found.
    w.menus["&Call"].insertAction(w.actions["export"], w.call_pane.add_note_action)
    wire_actions(w)
    wire_sync(w)
    wire_removal(w)
    wire_export(w)
    wire_provider_actions(w)
    wire_archive(w)
    update_provider_actions(w)
