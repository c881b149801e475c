"""Is a recording in the media cache still the file that was downloaded?

The store records each file's size and SHA-256 when the download finishes. A file changed
since (a disk error, another program, a half-restored backup) must neither play, nor be
exported, nor count as "already in the cache": it is fetched again. Hashing reads the whole
file, so it is done where the file is about to be used (download, play, export, `show`);
listings (`calls`) check the size only.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from recbrowser.store import Store
from recbrowser.store.records import MediaFile

OK, MISSING, DAMAGED = "ok", "missing", "damaged"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def state(m: MediaFile, *, verify: bool = True) -> str:
    """OK, MISSING or DAMAGED; `verify` False: the size only (no read of the file)."""
    path = Path(m.path)
    try:
        if not path.is_file():
            return MISSING
        if path.stat().st_size != m.size:
            return DAMAGED
        return OK if not verify or file_sha256(path) == m.sha256 else DAMAGED
    except OSError:
        return MISSING


def intact(m: MediaFile) -> bool:
    return state(m) == OK


def listed_states(store: Store, rows: Iterable[Any]) -> dict[str, str]:
    """For the rows of a call list that have a download: ref -> MISSING or DAMAGED when a file
    is gone or has another size than recorded (rows whose files look right are left out)."""
    from recbrowser.team.accounts import is_team_archive

    if is_team_archive(store):  # "downloaded" there is "in object storage"; copies are checked when used
        return {}
    out: dict[str, str] = {}
    for r in rows:
        if not r.downloaded:
            continue
        states = {state(m, verify=False) for m in store.media_for_call(r.account, r.provider_id)}
        if DAMAGED in states:
            out[r.ref] = DAMAGED
        elif MISSING in states:
            out[r.ref] = MISSING
    return out
