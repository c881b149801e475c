"""Sync: provider pages -> store, one transaction per page, resumable from the last page.

Each page is written together with the cursor that resumes right after it, so a crash or
Ctrl-C loses at most the page in flight and the next sync carries on from there. Upserts are
idempotent, so the overlap we re-read on every sync (late CDRs, late transcripts) is free.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from recbrowser.domain import Account
from recbrowser.errors import UserFacingError
from recbrowser.providers.base import Provider
from recbrowser.providers.unreadable import UnreadableRecord
from recbrowser.services import conversation
from recbrowser.store import CallFilter

if TYPE_CHECKING:
    from recbrowser.store.api import CallStore

log = logging.getLogger("recbrowser.sync")

DAY_MS = 86_400_000
FIRST_SYNC_DAYS = 30  # how far back the very first sync of an account looks
OVERLAP_MS = 2 * 3_600_000  # re-read the last 2 h: CDRs and AI transcripts arrive late
PENDING_DAYS = 7  # transcripts still pending after this long are left for the user to request
PENDING_MAX = 200  # per sync, so a backlog cannot make one sync endless
# A pending transcript is asked again after 15 min, then 30, 1 h... at most every 12 h, for
# PENDING_DAYS after its call: a lagging pipeline gets there, a lost one costs little.
PENDING_FIRST_WAIT_MS = 15 * 60_000
PENDING_MAX_WAIT_MS = 12 * 3_600_000
STATE_PENDING_ASKS = "pending_transcripts"  # {call id: [times asked, next ask (epoch ms)]}

STATE_SYNCED_UNTIL = "synced_until"
STATE_RUN = "sync_run"  # the plain sync in progress: its window and the cursor after the last saved page
# An explicit range (`sync --since 2000-01-01`) in progress, kept apart from the plain sync's run:
# an interrupted look years back must not make every later plain sync wade through it before
# reaching today's calls. It is resumed when the same range is asked for again.
STATE_RANGE = "sync_range"


@dataclass
class SyncProgress:
    account: str
    page: str
    calls: int  # calls received so far in this run
    new: int  # of which were not in the cache before


@dataclass
class SyncResult:
    account: str
    calls: int = 0
    new: int = 0
    error: str | None = None
    cancelled: bool = False
    new_transcripts: int = 0  # pending transcripts of earlier calls that have now arrived
    unreadable: list[str] = field(default_factory=list)  # records skipped: "call <id>: <why>"

    def unreadable_sentence(self) -> str:
        """E.g. "1 call could not be read: call 42: a number is out of range." ("" when none)."""
        if not self.unreadable:
            return ""
        n = len(self.unreadable)
        first = self.unreadable[0]
        more = f" (and {n - 1} more; the log has each id)" if n > 1 else ""
        return f"{n} {'call' if n == 1 else 'calls'} could not be read: {first}{more}."

    @property
    def ok(self) -> bool:
        return self.error is None and not self.cancelled


class Cancelled(Exception):
    pass


class CancelToken:
    """Set from any thread; the sync stops after the page it is writing."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()


def sync_window(store: CallStore, account: Account, since_ms: int | None, until_ms: int | None) -> tuple[int, int, str | None]:
    """The window this sync covers, and the cursor to resume at when the same run was interrupted.

    A plain sync (no since/until) starts from the account's watermark, or resumes an interrupted
    plain sync; an explicit range resumes only an interrupted run of that same range.
    """
    assert account.id is not None
    now = int(time.time() * 1000)
    synced = store.get_state(account.id, STATE_SYNCED_UNTIL)
    if since_ms is None and until_ms is None:
        saved = _saved_run(store, account, STATE_RUN)
        if saved and "explicit" not in saved and synced and saved["since"] < int(synced) - OVERLAP_MS:
            # Saved by a version that kept both kinds of run in one place: this one was a range.
            with store.transaction():
                store.set_state(account.id, STATE_RUN, None)
                store.set_state(account.id, STATE_RANGE, json.dumps({**saved, "explicit": True}))
            saved = None
        if saved:
            return saved["since"], max(saved["until"], now), saved.get("cursor")
        since_ms = int(synced) - OVERLAP_MS if synced else now - FIRST_SYNC_DAYS * DAY_MS
        return since_ms, now, None
    if since_ms is None:
        since_ms = int(synced) - OVERLAP_MS if synced else now - FIRST_SYNC_DAYS * DAY_MS
    saved = _saved_run(store, account, STATE_RANGE)
    if saved and saved["since"] == since_ms and until_ms in (None, saved["until"]):
        return since_ms, until_ms if until_ms is not None else max(saved["until"], now), saved.get("cursor")
    return since_ms, until_ms if until_ms is not None else now, None


def _saved_run(store: CallStore, account: Account, key: str) -> dict | None:
    assert account.id is not None
    saved = store.get_state(account.id, key)
    if not saved:
        return None
    run = json.loads(saved)
    run["since"], run["until"] = int(run["since"]), int(run["until"])
    return run


def sync_account(
    store: CallStore,
    account: Account,
    provider: Provider,
    *,
    since_ms: int | None = None,
    until_ms: int | None = None,
    progress: Callable[[SyncProgress], None] | None = None,
    cancel: CancelToken | None = None,
) -> SyncResult:
    """Sync one account. Provider and store errors end this account's sync with a message."""
    assert account.id is not None
    result = SyncResult(account.name)
    explicit = since_ms is not None or until_ms is not None
    run_key = STATE_RANGE if explicit else STATE_RUN
    since_ms, until_ms, cursor = sync_window(store, account, since_ms, until_ms)
    log.info("sync %s: %d..%d%s", account.name, since_ms, until_ms, " (resuming)" if cursor else "")
    try:
        for page in provider.list_calls(since_ms, until_ms, cursor):
            with store.transaction():
                result.new += store.upsert_calls(account.id, page.calls)
                conversation.save_for_calls(store, account.id, page.calls)
                run = {"since": since_ms, "until": until_ms, "cursor": page.cursor, "explicit": explicit}
                store.set_state(account.id, run_key, json.dumps(run))
            result.calls += len(page.calls)
            result.unreadable += page.unreadable
            for what in page.unreadable:
                log.warning("sync %s: skipped %s", account.name, what)
            if progress:
                progress(SyncProgress(account.name, page.progress, result.calls, result.new))
            if cancel and cancel.cancelled:
                raise Cancelled
        result.new_transcripts = refresh_pending(store, account, provider, cancel)
        with store.transaction():
            store.set_state(account.id, run_key, None)
            previous = store.get_state(account.id, STATE_SYNCED_UNTIL)
            # An explicit older window must not move the watermark backwards.
            if not explicit or previous is None or int(previous) < until_ms:
                store.set_state(account.id, STATE_SYNCED_UNTIL, str(until_ms))
    except Cancelled:
        result.cancelled = True
    except UserFacingError as e:
        result.error = str(e)
        log.warning("sync %s failed: %s", account.name, e)
    except Exception:  # a bug or an answer we did not foresee: keep the other accounts going
        # A warning, below the terminal's level: the caller says the one sentence, the log file
        # keeps the traceback.
        log.warning("sync %s failed unexpectedly", account.name, exc_info=True)
        result.error = f"Sync of account '{account.name}' stopped on an unexpected error; the details are in the log."
    return result


def now_ms() -> int:
    """The clock the pending-transcript backoff reads (a test moves it instead of waiting)."""
    return int(time.time() * 1000)


def pending_wait_ms(asks: int) -> int:
    """How long after its `asks`-th ask a pending transcript is asked again."""
    return min(PENDING_FIRST_WAIT_MS * 2 ** max(0, asks - 1), PENDING_MAX_WAIT_MS)


def refresh_pending(store: CallStore, account: Account, provider: Provider, cancel: CancelToken | None = None) -> int:
    """Ask again for the transcripts of recent calls still marked pending, with backoff.

    The sync window only re-reads the last couple of hours, but a transcription pipeline can
    lag by more (Wildix marks such calls pending): without this they would stay pending.
    Each is asked again after a growing wait (pending_wait_ms), for PENDING_DAYS after its call.
    """
    assert account.id is not None
    now = now_ms()
    rows, _ = store.list_calls(
        CallFilter(account=account.name, since_ms=now - PENDING_DAYS * DAY_MS, transcript_status="pending"),
        limit=PENDING_MAX,
    )
    saved = store.get_state(account.id, STATE_PENDING_ASKS)
    asks: dict[str, list[int]] = json.loads(saved) if saved else {}
    asks = {r.provider_id: asks[r.provider_id] for r in rows if r.provider_id in asks}  # forget arrived or too old
    arrived = 0
    try:
        for row in rows:
            if cancel and cancel.cancelled:
                raise Cancelled
            times, due = asks.get(row.provider_id, (0, 0))
            if due > now:
                continue
            call = store.get_call(account.name, row.provider_id)
            if call is None:
                continue
            try:
                call = provider.fetch_transcript(call)
            except UnreadableRecord as e:  # keep what the cache has; the next sync asks again
                log.warning("sync %s: skipped the transcript of %s", account.name, e)
                continue
            if call.transcript_status == "pending":
                asks[row.provider_id] = [times + 1, now + pending_wait_ms(times + 1)]
                continue
            asks.pop(row.provider_id, None)
            with store.transaction():
                store.upsert_calls(account.id, [call])
                conversation.save_for_calls(store, account.id, [call])
            arrived += call.transcript_status == "available"
    finally:
        with store.transaction():
            store.set_state(account.id, STATE_PENDING_ASKS, json.dumps(asks) if asks else None)
    return arrived


def sync_accounts(
    store: CallStore,
    accounts: Iterable[Account],
    open_provider: Callable[[Account], Provider],
    **kwargs,
) -> list[SyncResult]:
    """Sync several accounts one after the other; one account's failure never stops the rest."""
    results = []
    for account in accounts:
        try:
            provider = open_provider(account)
        except UserFacingError as e:
            results.append(SyncResult(account.name, error=str(e)))
            continue
        try:
            results.append(sync_account(store, account, provider, **kwargs))
        finally:
            provider.close()
        cancel = kwargs.get("cancel")
        if cancel and cancel.cancelled:
            break
    return results
