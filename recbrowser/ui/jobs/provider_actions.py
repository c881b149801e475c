"""Actions a provider offers on its calls, from the window: Dialgen's Add Call by ID and
Bandwidth's Request Transcription / Delete Transcription, Media or Recording at Provider. The work runs in a worker (network and
store), the outcome is one sentence in the status bar, and the list and pane re-read after.

Only providers whose service supports an action get it enabled: Voki's recordings, for one,
cannot be deleted, so the delete actions stay off for its calls.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QThreadPool, Signal

from recbrowser.domain import parse_call_ref
from recbrowser.errors import UserFacingError
from recbrowser.providers.base import provider_class
from recbrowser.services.accounts import get_account, open_provider
from recbrowser.services.bandwidth_actions import ActionResult, run_action
from recbrowser.services.dialgen_import import ImportResult, import_items, read_items
from recbrowser.store import open_store
from recbrowser.ui.common.signals import emit
from recbrowser.ui.common.workers import run_task

# window action id -> (service action, the provider method it needs, while running, when done)
CALL_ACTIONS = {
    "request_transcription": ("transcribe", "request_transcription", "Requesting transcription",
                              "Transcription requested"),
    "delete_transcription": ("delete-transcription", "delete", "Deleting the transcription",
                             "Transcription deleted at the provider"),
    "delete_media": ("delete-media", "delete", "Deleting the media",
                     "Media deleted at the provider"),
    "delete_recording": ("delete-recording", "delete", "Deleting the recording",
                         "Recording deleted at the provider"),
}
SERVICE_PROVIDERS = {"bandwidth"}  # the providers services/bandwidth_actions.py works on


def offers(provider: str, action_id: str) -> bool:
    """Does this provider's connector (and our service) offer the action?"""
    if provider not in SERVICE_PROVIDERS:
        return False
    try:
        return hasattr(provider_class(provider), CALL_ACTIONS[action_id][1])
    except KeyError:
        return False


def _plural(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def import_summary(account: str, result: ImportResult) -> str:
    """"Added N calls; M failed: <reason>." in one sentence."""
    text = f"Added {_plural(result.new, 'call')} to {account}"
    if result.calls > result.new:
        text += f" ({result.calls - result.new:,} already there)"
    reasons = []
    if result.missing:
        more = f" and {len(result.missing) - 1:,} more" if len(result.missing) > 1 else ""
        reasons.append(f"Dialgen does not know the call id {result.missing[0]}{more}")
    if result.skipped:
        reasons.append(f"{_plural(result.skipped, 'line')} {'is' if result.skipped == 1 else 'are'} neither a call id "
                       "nor an onCallComplete payload")
    if reasons:
        text += f"; {len(result.missing) + result.skipped:,} failed: {' and '.join(reasons)}"
    return text + "."


def actions_summary(verb: str, done: list[tuple[str, list[ActionResult]]], failed: list[str]) -> str:
    if len(done) == 1 and len(done[0][1]) == 1 and not failed:
        return done[0][1][0].message  # the service's own sentence says what happens next
    if not done and len(failed) == 1:
        return failed[0]
    text = f"{verb} for {_plural(len(done), 'call')}"
    if failed:
        text += f"; {len(failed):,} failed: {failed[0].rstrip('.')}"
    return text + "."


class ProviderActions(QObject):
    started = Signal(str)  # what is running, for the status bar
    finished = Signal(str, list)  # (one sentence, refs of the calls that changed)

    def __init__(self, database: Path, secrets_for: Callable[[str], dict[str, str] | None], pool: QThreadPool,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._database = database
        self._secrets_for = secrets_for
        self._pool = pool
        self.busy = False

    def _run(self, work, label: str) -> None:
        self.busy = True
        emit(self.started, label)
        run_task(work, lambda out: self._done(*out), lambda message, _d: self._done(message, []),
                 pool=self._pool, name=label, owner=self)

    def _done(self, message: str, refs: list[str]) -> None:
        self.busy = False
        emit(self.finished, message, refs)

    def add_dialgen_calls(self, account_name: str, text: str) -> None:
        secrets, database = self._secrets_for(account_name), self._database

        def work(_report) -> tuple[str, list[str]]:
            store = open_store(database)
            try:
                account = get_account(store, account_name)
                if account.provider != "dialgen":
                    raise UserFacingError(f"Account '{account_name}' is a {account.provider} account; choose a Dialgen account.")
                result = ImportResult()
                items = list(read_items(text, result))
                # Bare ids need the API (and the key); pasted webhook payloads alone do not.
                provider = open_provider(account, secrets) if any(isinstance(i, str) for i in items) else None
                try:
                    import_items(store, account, iter(items), provider, result)  # type: ignore[arg-type]
                finally:
                    if provider is not None:
                        provider.close()
                return import_summary(account_name, result), [f"{account_name}/{i}" for i in items if isinstance(i, str)]
            finally:
                store.close()

        self._run(work, f"Adding Dialgen calls to {account_name}…")

    def run_call_action(self, action_id: str, refs: list[str]) -> None:
        action, _method, doing, verb = CALL_ACTIONS[action_id]
        names = {parse_call_ref(ref)[0] for ref in refs}
        secrets = {name: self._secrets_for(name) for name in names}
        database = self._database

        def work(_report) -> tuple[str, list[str]]:
            store = open_store(database)
            providers: dict[str, object] = {}
            done: list[tuple[str, list[ActionResult]]] = []
            failed: list[str] = []
            try:
                for ref in refs:
                    name, call_id = parse_call_ref(ref)
                    try:
                        account = get_account(store, name)
                        if name not in providers:
                            providers[name] = open_provider(account, secrets[name])
                        done.append((ref, run_action(store, account, providers[name], call_id, action)))
                    except UserFacingError as e:
                        failed.append(str(e))
            finally:
                for p in providers.values():
                    p.close()  # type: ignore[attr-defined]
                store.close()
            return actions_summary(verb, done, failed), [ref for ref, _ in done]

        self._run(work, f"{doing} of {_plural(len(refs), 'call')} at the provider…")
