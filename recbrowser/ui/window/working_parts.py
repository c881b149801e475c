"""The window's parts its first frame does not show: the call pane with the player, and the
controllers behind the menus (sync, calls, export, archive, account removal, provider actions).

main_window.py imports this module only once the call list is on screen (or at once when the
window is not started in stages): about 25 modules and 40 ms the user need not wait for. It
also imports the presenters the window hands these parts to.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtWidgets import QWidget

from recbrowser.paths import DataDir
from recbrowser.ui.accounts.account_removal import AccountRemoval
from recbrowser.ui.accounts.removal_presenter import RemovalPresenter
from recbrowser.ui.call_pane.call_controller import CallController, PlayRequest
from recbrowser.ui.call_pane.call_pane import CallPane
from recbrowser.ui.call_pane.call_presenter import CallPresenter
from recbrowser.ui.common.settings import Preferences
from recbrowser.ui.common.workers import Pools
from recbrowser.ui.jobs.archive_controller import ArchiveController
from recbrowser.ui.jobs.archive_presenter import ArchivePresenter
from recbrowser.ui.jobs.export_controller import ExportController
from recbrowser.ui.jobs.export_presenter import ExportPresenter
from recbrowser.ui.jobs.provider_actions import ProviderActions
from recbrowser.ui.jobs.provider_presenter import ProviderActionsPresenter
from recbrowser.ui.jobs.sync_controller import SyncController
from recbrowser.ui.jobs.sync_presenter import SyncPresenter
from recbrowser.ui.overview.overview_presenter import OverviewPresenter
from recbrowser.ui.player.player import Player
from recbrowser.ui.window.help_menu import HelpMenu

# What the window imports from here with the parts.
__all__ = ["ArchivePresenter", "CallPresenter", "ExportPresenter", "HelpMenu", "OverviewPresenter", "PlayRequest", "ProviderActionsPresenter",
           "RemovalPresenter", "SyncPresenter", "WorkingParts", "build"]


@dataclass
class WorkingParts:
    player: Player
    call_pane: CallPane
    sync: SyncController
    calls: CallController
    exports: ExportController
    archive: ArchiveController
    removal: AccountRemoval
    provider_actions: ProviderActions


def build(data_dir: DataDir, prefs: Preferences, pools: Pools, secrets_for: Callable[[str], dict[str, str] | None],
          account_names: Callable[[], list[str]], parent: QWidget) -> WorkingParts:
    database, media = data_dir.database, data_dir.media
    # QtMultimedia and the media backend (~35 ms) start later still (Player.start); until then
    # the controls stay disabled, as with nothing loaded.
    player = Player(prefs, parent, start=False)
    return WorkingParts(
        player=player,
        call_pane=CallPane(player, follow_audio=prefs.follow_audio, database=database, pool=pools.interactive,
                           peaks=data_dir.peaks),
        sync=SyncController(database, secrets_for, account_names, pools.background, parent, team=data_dir.team),
        calls=CallController(database, media, secrets_for, pools.interactive, parent),
        exports=ExportController(database, media, secrets_for, pools.background, parent),
        archive=ArchiveController(database, media, secrets_for, pools.background, parent),
        removal=AccountRemoval(database, secrets_for, pools.background, parent),
        provider_actions=ProviderActions(database, secrets_for, pools.background, parent),
    )
