"""Archive before expiry: download the recordings a provider is about to delete.

Headless, shared by `recbrowser archive` and the window. Calls are taken soonest-expiring
first, so a run cut short (Ctrl-C, a full disk, a provider down) has saved the most urgent
ones. An account whose sign-in fails is not asked again in the same run: one sentence per
account, not one per call (and no hammering of a provider that rate-limits sign-ins).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from recbrowser.domain import Account, call_ref
from recbrowser.errors import AuthError, CredentialError, DiskFull, UserFacingError
from recbrowser.providers.base import Provider
from recbrowser.retention import DAY_MS
from recbrowser.services import accounts as account_service
from recbrowser.services.downloads import DownloadCancelled, download_call
from recbrowser.store.expiry import ExpiringRecording

if TYPE_CHECKING:
    from recbrowser.store.api import CallStore


@dataclass
class ArchiveProgress:
    done: int
    total: int
    ref: str


@dataclass
class ArchiveSummary:
    archived: list[str] = field(default_factory=list)  # call refs
    failed: list[tuple[str, str]] = field(default_factory=list)  # (call ref, reason)
    bytes: int = 0
    stopped: str = ""  # why the run ended early (a full disk, cancel), else ""

    def sentence(self) -> str:
        mb = self.bytes / 1_048_576
        out = f"Archived {len(self.archived):,} {'call' if len(self.archived) == 1 else 'calls'} ({mb:,.1f} MB)"
        if self.failed:
            out += f"; {len(self.failed):,} failed"
        if self.stopped:
            out += f"; stopped: {self.stopped}"
        return out + "."


def plan(store: CallStore, within_days: float, account: str | None = None, now_ms: int | None = None) -> list[ExpiringRecording]:
    """What would be archived: recordings not downloaded yet that expire within `within_days`."""
    now = int(time.time() * 1000) if now_ms is None else now_ms
    return store.expiring_recordings(now, now + int(within_days * DAY_MS), account)


def archive_expiring(
    store: CallStore,
    media_root: Path,
    within_days: float,
    *,
    account: str | None = None,
    open_provider: Callable[[Account], Provider] = account_service.open_provider,
    progress: Callable[[ArchiveProgress], None] | None = None,
    cancelled: Callable[[], bool] = lambda: False,
) -> ArchiveSummary:
    calls: dict[str, tuple[str, str]] = {}  # ref -> (account, call id), soonest expiry first
    for item in plan(store, within_days, account):
        calls.setdefault(call_ref(item.account, item.call_id), (item.account, item.call_id))
    summary = ArchiveSummary()
    providers: dict[str, Provider] = {}
    broken: dict[str, str] = {}  # account -> why it cannot be reached in this run
    try:
        for n, (ref, (account_name, call_id)) in enumerate(calls.items(), 1):
            if cancelled():
                summary.stopped = "cancelled"
                break
            if account_name in broken:
                summary.failed.append((ref, broken[account_name]))
                continue
            try:
                acc = account_service.get_account(store, account_name)
                if account_name not in providers:
                    providers[account_name] = open_provider(acc)
                call = store.get_call(account_name, call_id)
                if call is None:  # the account was re-synced or removed meanwhile
                    continue
                files = download_call(store, acc, providers[account_name], call, media_root, cancelled=cancelled)
            except (AuthError, CredentialError) as e:
                broken[account_name] = str(e)
                summary.failed.append((ref, str(e)))
                continue
            except DiskFull as e:  # nothing else will fit either
                summary.failed.append((ref, str(e)))
                summary.stopped = str(e)
                break
            except DownloadCancelled:
                summary.stopped = "cancelled"
                break
            except UserFacingError as e:
                summary.failed.append((ref, str(e)))
                continue
            summary.archived.append(ref)
            summary.bytes += sum(f.size for f in files if f.fresh)
            if progress:
                progress(ArchiveProgress(n, len(calls), ref))
    finally:
        for p in providers.values():
            p.close()
    return summary
