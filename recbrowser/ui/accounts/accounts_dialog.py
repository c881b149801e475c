"""Accounts: add, edit, test, remove. Secrets go straight to the keyring; the dialog says where.

Every keyring and database call runs in a worker: a Secret Service prompt or a locked
keyring must never freeze the window.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QThreadPool, QTimer, Signal
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from recbrowser import credentials
from recbrowser.domain import Account
from recbrowser.errors import UserFacingError
from recbrowser.services import accounts as account_service
from recbrowser.store import open_store
from recbrowser.ui.accounts.account_form import AccountForm
from recbrowser.ui.accounts.account_removal import AccountRemoval
from recbrowser.ui.accounts.mfa_dialog import CodeAsker, CodeRequest, ask_code, needs_code_sentence, with_code
from recbrowser.ui.common.signals import emit
from recbrowser.ui.common.workers import run_task

if TYPE_CHECKING:
    from recbrowser.store.api import CallStore

NEW = "__new__"


class AccountsDialog(QDialog):
    changed = Signal()  # accounts were added, edited or removed

    def __init__(
        self,
        database: Path,
        pool: QThreadPool,
        secrets_for: Callable[[str], dict[str, str] | None] = lambda _n: None,
        parent: QWidget | None = None,
        *,
        select: str | None = None,
        removal: AccountRemoval | None = None,
        team: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Accounts")
        self.team = team  # a team archive: secrets are sealed to its serving hosts, never tested from here
        self._database = database
        self._pool = pool
        self._secrets_for = secrets_for
        self._accounts: dict[str, Account] = {}
        self.keyring_where = ""
        self.ask_code: CodeAsker = lambda account, message: ask_code(self, account, message)
        self._closed = threading.Event()  # a worker waiting for a code stops waiting
        self.finished.connect(lambda _result: self._closed.set())
        self.list = QListWidget()
        self.list.setMaximumWidth(220)
        self.list.currentItemChanged.connect(lambda item, _prev: self._select(item))
        self.add_button = add = QPushButton("Add account")
        add.clicked.connect(self.new_account)
        self.form = AccountForm()
        self.keyring = QLabel("Checking the keyring…")
        self.keyring.setWordWrap(True)
        self.result = QLabel()
        self.result.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)  # one SQL statement: no steps to count, only time
        self.progress.setTextVisible(False)
        self.progress.hide()
        self._tick = QTimer(self, interval=1000)
        self._tick.timeout.connect(self._show_removal)
        # The window's, so a removal outlives this dialog; a dialog of its own in tests.
        self.removal = removal or AccountRemoval(database, secrets_for, pool, self)
        self.test_button = QPushButton("Test connection")
        self.test_button.clicked.connect(self.test_connection)
        self.save_button = QPushButton("Save")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        self.remove_button = QPushButton("Remove…")
        self.remove_button.clicked.connect(self.remove)
        close = QPushButton("Close")
        close.clicked.connect(self.accept)

        left = QVBoxLayout()
        left.addWidget(self.list, 1)
        left.addWidget(add)
        buttons = QHBoxLayout()
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        buttons.addWidget(self.test_button)
        buttons.addWidget(self.save_button)
        buttons.addWidget(close)
        right = QVBoxLayout()
        right.addWidget(self.form)
        right.addWidget(self.result)
        right.addWidget(self.progress)
        right.addStretch(1)
        right.addWidget(self.keyring)
        right.addLayout(buttons)
        layout = QHBoxLayout(self)
        layout.addLayout(left)
        layout.addLayout(right, 1)
        self.resize(820, 460)
        self.removal.started.connect(self._removal_started)
        self.removal.counted.connect(self._show_removal)
        self.removal.finished.connect(self._removal_finished)
        self._check_keyring()
        self.reload(select=select)
        if self.removal.removing:
            self._removal_started(self.removal.removing)

    # -- loading --------------------------------------------------------------------------------
    def _run(self, fn, on_done, label: str) -> None:
        self.result.setText(label)
        run_task(fn, on_done, lambda message, _d: self.result.setText(message), self._answer,
                 pool=self._pool, name=label, owner=self)

    def _answer(self, request) -> None:
        # A worker waits for a two-factor code: only the dialog runs on the UI thread.
        if isinstance(request, CodeRequest):
            request.answer(self.ask_code(request.account, request.message))

    def _with_store(self, fn):
        def work(_report):
            store = open_store(self._database)
            try:
                return fn(store)
            finally:
                store.close()

        return work

    def reload(self, select: str | None = None, message: str = "") -> None:
        self._run(self._with_store(lambda s: s.accounts()), lambda accounts: self._show(accounts, select, message), "")

    def _show(self, accounts: list[Account], select: str | None, message: str = "") -> None:
        self._accounts = {a.name: a for a in accounts}
        self.list.blockSignals(True)
        self.list.clear()
        for a in accounts:
            item = QListWidgetItem(a.name)
            item.setData(256, a.name)
            self.list.addItem(item)
            if a.name == select:
                self.list.setCurrentItem(item)
        self.list.blockSignals(False)
        if select in self._accounts:
            self._select(self.list.currentItem())
        elif accounts and self.list.currentItem() is None:
            self.list.setCurrentRow(0)
        elif not accounts:
            self.new_account()
        if message:
            self.result.setText(message)  # after the selection, which clears it

    def _check_keyring(self) -> None:
        if self.team:
            self.keyring.setText(f"Provider secrets are sealed to the serving hosts of the team archive '{self.team}': "
                                 "nothing goes to this computer's keyring.")
            self._refresh_note()
            return

        def shown(status: credentials.KeyringStatus) -> None:
            self.keyring_where = status.where
            if status.ok:
                self.keyring.setText(f"Secrets are stored in {status.where}.")
            else:
                self.keyring.setText(f"Secrets cannot be stored: {status.problem}.")
            self._refresh_note()

        run_task(lambda _r: credentials.keyring_status(), shown, pool=self._pool, name="keyring status", owner=self)

    def _refresh_note(self) -> None:
        name = self.current_name()
        if self.team:
            self.form.set_secret_note("sealed to the serving hosts; type all of them to replace them" if name
                                      else "sealed to the team's serving hosts")
        elif name and self._secrets_for(name) is not None:
            self.form.set_secret_note("demo secret (this session only, not in your keyring)")
        elif name:
            self.form.set_secret_note(f"stored in {self.keyring_where or 'the keyring'}; type to replace it")
        else:
            self.form.set_secret_note(f"will be stored in {self.keyring_where or 'the keyring'}")

    # -- selection --------------------------------------------------------------------------------
    def current_name(self) -> str | None:
        item = self.list.currentItem()
        return item.data(256) if item else None

    def _select(self, item: QListWidgetItem | None) -> None:
        if item is None:
            return
        a = self._accounts[item.data(256)]
        self.form.load(a.name, a.provider, a.settings, "")
        self.form.name.setReadOnly(True)  # the name is the key of the calls and the secret
        self.form.provider.setEnabled(False)
        self.remove_button.setEnabled(True)
        self.result.setText("")
        self._refresh_note()

    def new_account(self) -> None:
        self.list.clearSelection()
        self.list.setCurrentItem(None)
        self.form.provider.setEnabled(True)
        self.form.name.setReadOnly(False)
        self.form.load("", self.form.provider.currentData(), {}, "")
        self.remove_button.setEnabled(False)
        self.result.setText("")
        self._refresh_note()
        self.form.name.setFocus()

    # -- actions -----------------------------------------------------------------------------------
    def save(self) -> None:
        provider, name, settings, secrets = self.form.values()
        existing = self._accounts.get(name) if self.current_name() else None

        def add(store: CallStore) -> str:
            account_service.add_account(store, provider, name, settings, secrets)
            if self.team:
                return f"Account '{name}' added; its secrets are sealed to the team's serving hosts."
            return f"Account '{name}' added; its secrets are in {self.keyring_where or 'the keyring'}."

        def update(store: CallStore) -> str:
            assert existing is not None
            if self.team:
                from recbrowser.team.desktop_accounts import check_edit

                cls = check_edit(provider, name, settings, secrets)
            else:
                cls = account_service.validate(provider, name, settings, {**self._stored_secrets(name), **secrets})
            keep = {f.key for f in cls.settings_schema if not f.secret}
            existing.settings = {k: v for k, v in settings.items() if k in keep}
            if secrets and self.team:
                from recbrowser.team.desktop_accounts import replace_secrets

                replace_secrets(store, existing, secrets)
            elif secrets:  # re-enter a secret without deleting the account
                account_service.save_secrets(existing, {**self._stored_secrets(name), **secrets})
            store.update_account(existing)
            return f"Account '{name}' saved."

        self._run(self._with_store(update if existing else add), lambda msg: self._saved(name, msg), "Saving…")

    def _stored_secrets(self, name: str) -> dict[str, str]:
        demo = self._secrets_for(name)
        if demo is not None:
            return demo
        account = self._accounts.get(name)
        if account is None:
            return {}
        try:
            return account_service.load_secrets(account)
        except UserFacingError:
            return {}

    def _saved(self, name: str, message: str) -> None:
        emit(self.changed)
        self.reload(select=name, message=message)

    def test_connection(self) -> None:
        provider, name, settings, secrets = self.form.values()
        if self.team:  # no provider request from a desktop: only the serving hosts hold the secrets
            from recbrowser.team.desktop_accounts import untestable_sentence

            self.result.setText(untestable_sentence(name or "new account"))
            return
        existing = self._accounts.get(name)
        base = dict(existing.settings) if existing else {}
        account = Account(name=name or "new account", provider=provider, settings={**base, **settings})

        def work(report) -> str:
            merged = {**(self._stored_secrets(name) if existing else {}), **secrets}
            connector = account_service.open_provider(account, merged)
            try:
                done, text = with_code(connector.test_credentials, connector, account.name, report, self._closed.is_set)
                return text if done else needs_code_sentence(account.name, "test the connection again")
            finally:
                connector.close()

        self._run(work, self.result.setText, "Testing the connection…")

    def remove(self) -> None:
        name = self.current_name()
        if not name or self.removal.removing:
            return
        answer = QMessageBox.question(
            self,
            "Remove account",
            f"Remove the account '{name}'? Its cached calls and transcripts are removed from this computer "
            "and its secrets from the keyring. Nothing is deleted at the provider.",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        self.removal.remove(name)

    # -- a removal in progress (it may have started before this dialog opened) --------------------
    def _busy(self, busy: bool) -> None:
        for widget in (self.list, self.add_button, self.form, self.remove_button, self.save_button, self.test_button):
            widget.setEnabled(not busy)
        self.progress.setVisible(busy)
        if busy:
            self._tick.start()
        else:
            self._tick.stop()

    def _removal_started(self, _name: str) -> None:
        self._busy(True)
        self._show_removal()

    def _show_removal(self, *_args) -> None:
        name = self.removal.removing
        if name is None:
            return
        calls = f" and its {self.removal.calls:,} cached calls" if self.removal.calls is not None else ""
        elapsed = int(time.monotonic() - self.removal.started_at)
        self.result.setText(f"Removing '{name}'{calls} from this computer… {elapsed} s. You can close this "
                            "window: the call list updates when it is done.")

    def _removal_finished(self, name: str, message: str, removed: bool) -> None:
        self._busy(False)
        if removed:
            self._saved("", message)
        else:
            self.result.setText(message)
            self.remove_button.setEnabled(self.current_name() is not None)
