"""Recording who listened to, downloaded, exported or deleted which call (USERS.md #12).

One entry per call and action, written by the service that did the work (so the window, the
command line and scripts all leave the same trail). The user is the operating-system login
on this computer: recbrowser has no accounts of its own.
"""

from __future__ import annotations

import getpass
import socket
import time
from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING

from recbrowser.store.audit import AuditEntry

if TYPE_CHECKING:
    from recbrowser.store.api import CallStore

PLAYED = "played"
DOWNLOADED = "downloaded"
EXPORTED = "exported"
DELETED = "deleted at provider"
TRANSCRIPTION_REQUESTED = "transcription requested"


@lru_cache(maxsize=1)
def who() -> str:
    try:
        user = getpass.getuser()
    except (OSError, KeyError):  # no login name (some containers)
        user = "unknown"
    return f"{user}@{socket.gethostname()}"


def record(store: CallStore, action: str, calls: Iterable[tuple[str, str]], detail: str = "") -> None:
    """Log `action` for each (account name, provider call id)."""
    now = int(time.time() * 1000)
    store.log_access([AuditEntry(now, who(), action, account, call_id, detail) for account, call_id in calls])
