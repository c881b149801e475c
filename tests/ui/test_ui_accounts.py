"""The accounts dialog: fields from the provider's schema, secrets to the real keyring,
an honest keyring status, test connection against the emulator, and the empty state."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from PySide6.QtCore import QThreadPool
from PySide6.QtWidgets import QLineEdit

from recbrowser import credentials
from recbrowser.providers.base import provider_class
from recbrowser.ui.accounts.account_form import AccountForm
from recbrowser.ui.accounts.accounts_dialog import AccountsDialog
from recbrowser.ui.accounts.accounts_panel import AccountsPanel

WAIT = 15_000


def test_the_form_has_one_field_per_schema_entry(qtbot):
    form = AccountForm()
    qtbot.addWidget(form)
    form.build("yeastar")
    schema = provider_class("yeastar").settings_schema
    assert list(form.fields) == [f.key for f in schema]
    for f in schema:
        edit = form.fields[f.key]
        assert (edit.echoMode() == QLineEdit.EchoMode.Password) == f.secret
        assert edit.toolTip() == f.help
    form.name.setText("hq")
    form.fields["base_url"].setText("https://pbx.example:8088")
    form.fields["client_secret"].setText("s3cret")
    provider, name, settings, secrets = form.values()
    assert (provider, name) == ("yeastar", "hq")
    assert settings == {"base_url": "https://pbx.example:8088"} and secrets == {"client_secret": "s3cret"}


def test_the_dialog_says_where_secrets_live(qtbot, data_dir, store):
    pool = QThreadPool()
    dialog = AccountsDialog(data_dir.database, pool)
    qtbot.addWidget(dialog)
    status = credentials.keyring_status()
    qtbot.waitUntil(lambda: dialog.keyring.text() != "Checking the keyring…", timeout=WAIT)
    if status.ok:
        assert status.where in dialog.keyring.text()
    else:
        assert "cannot be stored" in dialog.keyring.text() and status.problem in dialog.keyring.text()
    pool.waitForDone(WAIT)


def test_empty_state_offers_to_add_an_account(qtbot):
    panel = AccountsPanel()
    qtbot.addWidget(panel)
    panel.set_accounts([])
    assert panel.stack.currentIndex() == 0
    with qtbot.waitSignal(panel.addRequested, timeout=1000):
        panel.add_button.click()


def test_add_test_and_remove_an_account_through_the_dialog(qtbot, data_dir, store, yeastar, account_name):
    pool = QThreadPool()
    dialog = AccountsDialog(data_dir.database, pool)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.keyring.text().startswith("Secrets are stored in"), timeout=WAIT)
    form = dialog.form
    form.provider.setCurrentIndex(form.provider.findData("yeastar"))
    form.name.setText(account_name)
    for key, value in {**yeastar.account_settings(), **yeastar.secrets()}.items():
        form.fields[key].setText(value)
    dialog.test_button.click()
    qtbot.waitUntil(lambda: dialog.result.text() not in ("", "Testing the connection…"), timeout=WAIT)
    assert "refused" not in dialog.result.text()
    with qtbot.waitSignal(dialog.changed, timeout=WAIT):
        dialog.save_button.click()
    assert store.account(account_name) is not None
    assert credentials.load_secrets(account_name, cache_id=store.cache_id) == yeastar.secrets()
    assert "client_secret" not in store.account(account_name).settings
    qtbot.waitUntil(lambda: dialog.current_name() == account_name, timeout=WAIT)
    assert form.name.isReadOnly() and form.fields["client_secret"].text() == ""
    # Re-enter the secret without deleting the account.
    form.fields["client_secret"].setText("rotated")
    with qtbot.waitSignal(dialog.changed, timeout=WAIT):
        dialog.save_button.click()
    assert credentials.load_secrets(account_name, cache_id=store.cache_id) == {"client_secret": "rotated"}
    pool.waitForDone(WAIT)


def test_answers_for_a_closed_dialog_are_dropped(qtbot):
    import threading

    from PySide6.QtWidgets import QLabel

    from recbrowser.ui.common import workers
    from recbrowser.ui.common.workers import run_task

    release = threading.Event()
    closed, open_ = QLabel(), QLabel()
    qtbot.addWidget(open_)
    answers: list[tuple[str, str]] = []
    pool = QThreadPool()
    late = run_task(lambda _r: release.wait(5) and "late", lambda text: answers.append(("closed", text)), pool=pool, owner=closed)
    on_time = run_task(lambda _r: release.wait(5) and "on time", lambda text: answers.append(("open", text)), pool=pool, owner=open_)
    closed.deleteLater()
    qtbot.waitUntil(lambda: not __import__("shiboken6").isValid(closed), timeout=WAIT)
    release.set()
    pool.waitForDone(WAIT)
    # Each task leaves the live set in the slot after its answer's: once both left, both answers were handled.
    qtbot.waitUntil(lambda: late not in workers._live and on_time not in workers._live, timeout=WAIT)
    assert answers == [("open", "on time")]


def test_the_dialog_opens_on_the_account_asked_for(qtbot, data_dir, store):
    from recbrowser.domain import Account

    store.add_account(Account(name="a-first", provider="yeastar", settings={"base_url": "http://127.0.0.1:9", "client_id": "x"}))
    store.add_account(Account(name="b-second", provider="yeastar", settings={"base_url": "http://127.0.0.1:9", "client_id": "y"}))
    pool = QThreadPool()
    dialog = AccountsDialog(data_dir.database, pool, select="b-second")
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.current_name() == "b-second", timeout=WAIT)
    assert dialog.form.fields["client_id"].text() == "y" and dialog.form.name.isReadOnly()
    pool.waitForDone(WAIT)


def test_removing_an_account_runs_in_a_worker_and_reaches_the_window_after_the_dialog_closed(
        qtbot, data_dir, store, yeastar, account_name):
    import sqlite3
    import time

    from PySide6.QtWidgets import QMessageBox
    from support.modal_helpers import Answerer
    from support.yeastar_helpers import add_emulated_account, sync

    from recbrowser.errors import SecretMissing
    from recbrowser.store import CallFilter
    from recbrowser.ui.common.settings import open_settings
    from recbrowser.ui.window.main_window import MainWindow

    account = add_emulated_account(store, yeastar, name=account_name)
    credentials.save_secrets(account_name, yeastar.secrets(), cache_id=store.cache_id)
    assert sync(store, account, yeastar, since_ms=int(time.time() * 1000) - 14 * 86_400_000).ok
    calls = store.count_calls(CallFilter(account=account_name))
    window = MainWindow(data_dir, store, open_settings(data_dir.settings))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.model.rowCount() == calls > 0, timeout=WAIT)
    dialog = AccountsDialog(data_dir.database, window.pools.interactive, window.secrets_for, window,
                            select=account_name, removal=window.removal)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.current_name() == account_name, timeout=WAIT)
    # Another program holds the cache's write lock, so the removal waits in its worker as a big
    # one would; the window must keep working meanwhile.
    blocker = sqlite3.connect(data_dir.database, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        yes = Answerer(QMessageBox, lambda box: box.button(QMessageBox.StandardButton.Yes).click())
        dialog.remove_button.click()
        yes.stop()
        qtbot.waitUntil(lambda: window.removal.calls == calls, timeout=WAIT)
        assert dialog.progress.isVisible() and not dialog.save_button.isEnabled() and not dialog.list.isEnabled()
        assert f"Removing '{account_name}' and its {calls:,} cached calls" in dialog.result.text()
        assert window.accounts_panel.state(account_name).text == "Removing from this computer…"
        with qtbot.waitSignal(window.callsRefreshed, timeout=WAIT):
            window.refresh_calls()  # counted and read while the removal waits
        assert window.removal.removing == account_name
        dialog.close()
        dialog.deleteLater()
        qtbot.waitUntil(lambda: not __import__("shiboken6").isValid(dialog), timeout=WAIT)
    finally:
        blocker.execute("COMMIT")
        blocker.close()
    qtbot.waitUntil(lambda: account_name not in window.account_names(), timeout=WAIT)
    qtbot.waitUntil(lambda: window.model.rowCount() == 0, timeout=WAIT)
    assert f"Account '{account_name}' removed, with its {calls:,} cached calls" in window.status.text.text()
    assert store.account(account_name) is None
    with pytest.raises(SecretMissing):
        credentials.load_secrets(account_name, cache_id=store.cache_id)
    window.pools.wait(WAIT)
