"""The window on a team archive never syncs from the desktop: Sync and the accounts dialog's
Test say in one sentence that the serving hosts reach the providers (no provider request), and
each account shows up to when the serving hosts last synced it, read from the archive."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import json
import time

import pytest
from support.cli_helpers import set_args
from support.window_helpers import WAIT, no_message_boxes, open_window

from recbrowser.services.sync import STATE_SYNCED_UNTIL
from recbrowser.store import open_store
from recbrowser.store.postgres import PgStore
from recbrowser.team.opener import use_team
from recbrowser.ui.accounts.accounts_dialog import AccountsDialog
from recbrowser.ui.common.formatting import local_short
from recbrowser.ui.window.actions import ActionId

pytestmark = pytest.mark.no_qt_log  # a whole window, as in tests/ui


def test_sync_and_test_on_a_team_archive_say_the_serving_hosts_do_it_and_show_their_last_sync(qtbot, team, yeastar):
    code, _, err = team.cli("accounts", "add", "yeastar", "--name", "pbx", *set_args(yeastar.account_settings()),
                            "--secrets-stdin", stdin=json.dumps(yeastar.secrets()), team="admin")
    assert code == 0, err
    served_ms = int(time.time() * 1000) - 3_600_000  # a serving host synced it an hour ago
    with PgStore.open(team.pg_url) as owner:
        owner.set_state(owner.account("pbx").id, STATE_SYNCED_UNTIL, str(served_ms))
    requests = yeastar.counters["requests"]
    dd = use_team(team.data_dir, "admin")
    store = open_store(dd.database)
    try:
        window = open_window(qtbot, dd, store)
        # Up to when the serving hosts synced the account, from the archive's sync state.
        qtbot.waitUntil(lambda: local_short(served_ms) in window.accounts_panel.state("pbx").text, timeout=WAIT)
        assert "serving hosts" in window.accounts_panel.state("pbx").text

        window.actions[ActionId.SYNC_ALL].trigger()
        window.accounts_panel.syncRequested.emit("pbx")  # double-click / "Sync now" on the account
        said = window.status.text.text()
        assert "synced by its serving hosts" in said and "'admin'" in said and said.count(". ") == 0
        assert not window.sync.busy and window.status.sync.cancel.isHidden()
        assert not window.accounts_panel.state("pbx").error

        dialog = AccountsDialog(dd.database, window.pools.interactive, parent=window, select="pbx", team=dd.team)
        qtbot.addWidget(dialog)
        qtbot.waitUntil(lambda: dialog.current_name() == "pbx", timeout=WAIT)
        assert "sealed to the serving hosts" in dialog.keyring.text()
        dialog.test_button.click()
        assert "serving hosts" in dialog.result.text() and "pbx" in dialog.result.text()
        window.pools.wait(WAIT)
        assert yeastar.counters["requests"] == requests  # nothing asked of the provider from the desktop
        assert no_message_boxes()
        window.close()
    finally:
        store.close()


def test_a_secret_typed_again_on_a_team_archive_is_sealed_to_the_serving_hosts_not_kept_in_the_keyring(
        qtbot, team, yeastar):
    from PySide6.QtCore import QThreadPool

    from recbrowser import credentials
    from recbrowser.errors import SecretMissing
    from recbrowser.team import sealing

    code, _, err = team.cli("accounts", "add", "yeastar", "--name", "pbx", *set_args(yeastar.account_settings()),
                            "--secrets-stdin", stdin=json.dumps(yeastar.secrets()), team="admin")
    assert code == 0, err
    dd = use_team(team.data_dir, "admin")
    pool = QThreadPool()
    dialog = AccountsDialog(dd.database, pool, select="pbx", team=dd.team)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.current_name() == "pbx", timeout=WAIT)
    dialog.form.fields["client_secret"].setText("rotated-SeCrEt-42")
    dialog.save_button.click()
    qtbot.waitUntil(lambda: "saved" in dialog.result.text(), timeout=WAIT)
    pool.waitForDone(WAIT)
    with PgStore.open(team.pg_url) as owner:
        blob = owner.sealed_secret(owner.account("pbx").id)
        archive_id = owner.cache_id
    assert sealing.unseal(blob, sealing.read_key_file(team.key_file))["client_secret"] == "rotated-SeCrEt-42"
    with pytest.raises(SecretMissing):  # nothing of the provider's on this desktop
        credentials.load_secrets("pbx", cache_id=archive_id)
