"""How long a provider keeps a recording, in words a supervisor acts on before it is gone.

Bandwidth deletes recordings after 30 days and Dialgen after 90; a local copy outlives both.
Shared by the command line and the window so both say the same thing.
"""

from __future__ import annotations

import time

DAY_MS = 86_400_000
WARN_DAYS = 7  # from this close to the deletion, the list says how long is left


def audio_label(has_audio: bool, downloaded: bool, expires_ms: int | None, now_ms: int | None = None) -> str:
    """"downloaded", "at provider", "expires in 3 d", "expires within a day", "expired" or "none"."""
    if downloaded:
        return "downloaded"
    if not has_audio:
        return "none"
    if expires_ms is None:
        return "at provider"
    now = int(time.time() * 1000) if now_ms is None else now_ms
    left = expires_ms - now
    if left <= 0:
        return "expired"
    if left < DAY_MS:
        return "expires within a day"
    if left < WARN_DAYS * DAY_MS:
        return f"expires in {round(left / DAY_MS)} d"
    return "at provider"
