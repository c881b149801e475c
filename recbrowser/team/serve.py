"""`team serve`: the headless worker that syncs a team archive's accounts (Qt-free).

One pass: take the account whose lease ran out longest ago (leases in PostgreSQL, SKIP LOCKED:
several workers on several hosts never take the same account), unseal its provider secrets
with this host's team key, run the ordinary sync on the archive (one transaction per page with
the cursor that resumes after it, so a worker killed mid-sync leaves no gap and the next holder
no duplicate), archive the recordings it listed into object storage, and give the account back
with the time it is next due. A heartbeat thread renews the lease on its own connection while
the account is worked on; a lost lease stops the work after the current page.

A credential the provider rotates meanwhile (Voki's refresh token, Yeastar's tokens) is sealed
back to the archive at once (`_seal_back`), so the next worker starts from it.

Provider faults are one log line each and the account comes back sooner (backoff), never a
crash. `stop()` (SIGTERM) lets the current page finish, releases the lease and returns.
"""

from __future__ import annotations

import logging
import os
import socket
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from recbrowser.domain import Account
from recbrowser.errors import UserFacingError
from recbrowser.services import accounts as account_service
from recbrowser.services.sync import CancelToken, sync_account
from recbrowser.store.postgres import ARCHIVE_ID, PUBLIC_KEY, PgStore, with_password
from recbrowser.team import sealing
from recbrowser.team.archiving import archive_recordings
from recbrowser.team.media_store import MediaStore

log = logging.getLogger("recbrowser.team.serve")

RETRY_FIRST_S = 30.0  # an account whose sync failed comes back after this, doubling up to the interval


@dataclass
class ServeOptions:
    interval_s: float = 900.0  # each account is synced this often
    lease_s: float = 300.0  # a killed worker's accounts wait this long before another takes them
    once: bool = False  # one pass over the accounts due now, then return
    holder: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}")

    @property
    def poll_s(self) -> float:
        """How often an idle worker asks for a due account (or one a dead worker left)."""
        return max(0.2, min(self.interval_s, self.lease_s / 2, 10.0))


@dataclass
class PassResult:
    synced: list[str] = field(default_factory=list)  # account names synced in full
    failed: list[str] = field(default_factory=list)
    calls: int = 0
    recordings: int = 0


class Worker:
    """Run with `run()` (until `stop()`) or `run_pass()`; `open_store` makes a new connection
    with the service login (one for the work, one for the lease heartbeat)."""

    def __init__(self, open_store: Callable[[], PgStore], media: MediaStore, private_key: bytes,
                 options: ServeOptions | None = None) -> None:
        self.open_store = open_store
        self.media = media
        self.private_key = private_key
        self.options = options or ServeOptions()
        self._stopping = threading.Event()
        self._current: CancelToken | None = None
        self._failures: dict[int, int] = {}  # account id -> failed syncs in a row (backoff)
        self._rotated: dict[int, dict[str, str]] = {}  # rotated credentials not sealed back yet

    def stop(self) -> None:
        """From a signal handler or another thread: finish the current page, then return."""
        self._stopping.set()
        current = self._current
        if current is not None:
            current.cancel()

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def run(self) -> None:
        """Passes until stop() (or one with `once`). The archive going away is one log line and
        a retry on a new connection, never the end of the worker."""
        while not self.stopping:
            try:
                with self.open_store() as store:
                    while not self.stopping:
                        self.run_pass(store)
                        if self.options.once:
                            return
                        self._stopping.wait(self.options.poll_s)
            except UserFacingError as e:
                if self.options.once:
                    raise
                log.warning("serve: %s (retrying in %d s)", str(e).rstrip("."), self.options.poll_s)
            except Exception as e:  # a dropped connection mid-statement: reconnect
                if self.options.once:
                    raise
                log.warning("serve: the team archive's connection failed (%s); reconnecting in %d s",
                            type(e).__name__, self.options.poll_s)
            self._stopping.wait(self.options.poll_s)

    def run_pass(self, store: PgStore) -> PassResult:
        """Serve every account that is due now and not leased by another worker."""
        result = PassResult()
        seen: set[int] = set()
        while not self.stopping:
            account_id = store.acquire_lease(self.options.holder, self.lease_ms())
            if account_id is None:
                break
            if account_id in seen:  # due again already (a failure's backoff): next pass
                store.release_lease(account_id, self.options.holder, _now_ms())
                break
            seen.add(account_id)
            self._serve(store, account_id, result)
        return result

    # -- one account ------------------------------------------------------------------------------
    def _serve(self, store: PgStore, account_id: int, result: PassResult) -> None:
        token = CancelToken()
        self._current = token
        if self.stopping:
            token.cancel()
        due_ms = _now_ms()
        try:
            with _Heartbeat(self, account_id, token):
                account = next((a for a in store.accounts() if a.id == account_id), None)
                if account is None:
                    return
                due_ms = self._work(store, account, token, result)
        finally:
            self._current = None
            try:
                store.release_lease(account_id, self.options.holder, due_ms)
            except Exception as e:  # the lease then simply runs out
                log.warning("serve: could not release account %d (%s); its lease runs out by itself",
                            account_id, type(e).__name__)

    def _work(self, store: PgStore, account: Account, token: CancelToken, result: PassResult) -> int:
        """Sync and archive one leased account; returns when it is next due (epoch ms)."""
        assert account.id is not None
        try:
            provider = self._open_provider(store, account)
        except UserFacingError as e:
            return self._failed(account, str(e), result)
        try:
            synced = sync_account(store, account, provider, cancel=token)
            result.calls += synced.calls
            if synced.cancelled:
                log.info("serve %s: stopped after the current page; the next worker resumes there", account.name)
                return _now_ms()
            if synced.error:
                return self._failed(account, synced.error, result)
            with tempfile.TemporaryDirectory(prefix="recbrowser-serve-") as tmp:
                archived = archive_recordings(store, self.media, account, provider, Path(tmp),
                                              cancelled=lambda: token.cancelled)
            result.recordings += archived.stored
            if archived.storage_error:
                return self._failed(account, archived.storage_error, result)
            if token.cancelled:
                return _now_ms()
        finally:
            provider.close()
        self._failures.pop(account.id, None)
        result.synced.append(account.name)
        log.info("serve %s: %d calls synced, %d recordings archived", account.name, synced.calls, archived.stored)
        # Recordings that failed come back with the next pass; a long backlog sooner.
        return _now_ms() + int(self.options.interval_s * 1000)

    def _open_provider(self, store: PgStore, account: Account):
        assert account.id is not None
        blob = store.sealed_secret(account.id)
        if blob is None:
            raise UserFacingError(f"Account '{account.name}' has no provider secrets in the archive: "
                                  "an admin adds them with `recbrowser --team NAME accounts add`.")
        secrets = {**sealing.unseal(blob, self.private_key), **self._rotated.get(account.id, {})}

        def keep_secret(name: str, value: str) -> None:
            if secrets.get(name) != value:
                secrets[name] = value
                self._seal_back(account, name, secrets)

        provider = account_service.open_provider(account, secrets, keep_secret=keep_secret)
        sign_in = getattr(provider, "sign_in", None)
        if sign_in is not None:
            try:
                sign_in()
            except BaseException:
                provider.close()
                raise
        return provider

    def _seal_back(self, account: Account, name: str, secrets: dict[str, str]) -> None:
        """A credential the provider rotated (Voki's single-use refresh token, Yeastar's tokens):
        sealed to the team key again and written back while this worker holds the account's
        lease, so the next worker, on any host, starts from it and not from the spent one. On a
        connection of its own, at once: the work's connection may be inside a page's transaction,
        and a rolled-back page must not take the new credential with it. Kept in this process
        too, until it is sealed back (the lease lost, the archive away)."""
        assert account.id is not None
        rotated = self._rotated.setdefault(account.id, {})
        rotated[name] = secrets[name]
        try:
            sealed = sealing.seal(secrets, sealing.public_key_of(self.private_key))
            with self.open_store() as store:
                kept = store.reseal_secret(account.id, self.options.holder, sealed)
        except Exception as e:  # the provider's sign-in goes on with the new value in memory
            log.warning("serve %s: a rotated provider credential could not be sealed back (%s); "
                        "this worker keeps using it", account.name, type(e).__name__)
            return
        if kept:
            self._rotated.pop(account.id, None)  # the archive holds it: no stale copy here
        else:
            log.warning("serve %s: a rotated provider credential was not sealed back: this worker lost the "
                        "account's lease; the next worker may have to sign in again", account.name)

    def _failed(self, account: Account, reason: str, result: PassResult) -> int:
        assert account.id is not None
        n = self._failures[account.id] = self._failures.get(account.id, 0) + 1
        wait_s = min(self.options.interval_s, RETRY_FIRST_S * 2 ** (n - 1))
        log.warning("serve %s: %s (retrying in %d s)", account.name, reason.rstrip("."), wait_s)
        result.failed.append(account.name)
        return _now_ms() + int(wait_s * 1000)

    def lease_ms(self) -> int:
        return int(self.options.lease_s * 1000)


class _Heartbeat:
    """Renews the worker's lease every third of its time to live, on a connection of its own
    (the work's connection may be inside a page's transaction). A lost lease cancels the work."""

    def __init__(self, worker: Worker, account_id: int, token: CancelToken) -> None:
        self.worker, self.account_id, self.token = worker, account_id, token
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"lease-{account_id}", daemon=True)

    def __enter__(self) -> _Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()

    def _run(self) -> None:
        options = self.worker.options
        try:
            with self.worker.open_store() as store:
                while not self._done.wait(options.lease_s / 3):
                    if not store.renew_lease(self.account_id, options.holder, self.worker.lease_ms()):
                        log.warning("serve: lost the lease of account %d to another worker; stopping it after this page",
                                    self.account_id)
                        self.token.cancel()
                        return
        except UserFacingError as e:  # the archive went away: the work's own connection says so too
            log.warning("serve: cannot renew the lease of account %d: %s", self.account_id, e)


def _now_ms() -> int:
    return int(time.time() * 1000)


# -- opening a worker from a serving host's team profile ---------------------------------------------
def open_worker(dd, team: str, *, key_file: Path | None = None, options: ServeOptions | None = None) -> Worker:
    """A worker on profile `team` (made with `team connect` on this host with the service login
    and the S3 write key), with the team's private key from `key_file` or this host's keyring."""
    from recbrowser.team import profiles

    profile = profiles.load_profile(dd, team)
    secrets = profiles.load_secrets(profile)
    url = with_password(profile.db_url, secrets.get("password"))

    def open_store() -> PgStore:
        return PgStore.open(url)

    with open_store() as store:
        public = store.team_setting(PUBLIC_KEY)
        archive_id = (store.team_setting(ARCHIVE_ID) or b"").decode()
    private_key = sealing.read_key_file(key_file) if key_file else sealing.host_private_key(
        profile.keyring_entry, sealing.default_key_file(dd.root, archive_id))
    if public is not None and sealing.public_key_of(private_key) != public:
        raise sealing.SealingError("This host's team private key does not belong to the archive's team key: "
                                   "use the key file `team init` wrote (--key-file PATH).")
    media = profiles.open_media(profile)
    return Worker(open_store, media, private_key, options)
