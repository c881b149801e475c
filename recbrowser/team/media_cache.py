"""Recordings of a team archive in this desktop's media cache.

The archive records each recording's object key, size and SHA-256 (`team serve` put it into
object storage). A desktop fetches it from there with its profile's key pair (read-only for a
supervisor) into `<media>/team/<account>/`, verifies the SHA-256 before the file takes its
name (media_store.MediaStore.get), and then plays, copies and exports the local file as on
one desktop. The local file's name is fixed by the recording and its SHA-256, so a second
fetch finds it, and the archive's own records are never written from a desktop.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from recbrowser.domain import Account, Call, Recording
from recbrowser.errors import NotFound
from recbrowser.filenames import safe_filename
from recbrowser.private import make_private, private_dir
from recbrowser.store.records import MediaFile

log = logging.getLogger("recbrowser.team.media_cache")


class NotArchivedYet(NotFound):
    """The serving hosts have not put the recording into object storage yet: it comes later, it is not gone."""

    audio_note = "no audio yet: the team's serving hosts have not archived the recording; export it again later"


def local_copy(media_root: Path, account_name: str, rec: Recording, archived: MediaFile) -> MediaFile:
    """Where this desktop keeps its copy of an archived recording (it may not be there yet)."""
    folder = media_root / "team" / safe_filename(account_name, fallback="account")
    stem = safe_filename(rec.provider_id, fallback="recording")
    name = f"{stem}-{archived.sha256[:16]}.{rec.format or 'bin'}"
    return MediaFile(archived.recording_provider_id, str(folder / name), archived.size, archived.sha256)


def desktop_copies(store: Any, media_root: Path, account_name: str, call: Call) -> list[MediaFile]:
    """The call's recordings as this desktop holds them: the cache's own records, or on a team
    archive (which records object keys) this desktop's copies of the archived recordings."""
    from recbrowser.team.accounts import is_team_archive

    if is_team_archive(store):
        return list(local_media(store, media_root, account_name, call).values())
    return store.media_for_call(account_name, call.provider_id)


def local_media(store: Any, media_root: Path, account_name: str, call: Call) -> dict[str, MediaFile]:
    """The call's archived recordings that this desktop has a copy of, by recording id."""
    archived = {m.recording_provider_id: m for m in store.media_for_call(account_name, call.provider_id)}
    out = {}
    for rec in call.recordings:
        if rec.provider_id in archived:
            mine = local_copy(media_root, account_name, rec, archived[rec.provider_id])
            if Path(mine.path).is_file():
                out[rec.provider_id] = mine
    return out


@dataclass(frozen=True)
class LocalCopy:
    recording_provider_id: str
    path: Path
    size: int
    sha256: str
    fresh: bool  # fetched now (False: the cache held it intact)


def fetch_call(store: Any, account: Account, call: Call, media_root: Path, *,
               cancelled: Callable[[], bool] = lambda: False) -> list[LocalCopy] | None:
    """Every recording of the call from object storage into the media cache (what it holds
    intact already is kept): services.downloads.download_call on a team archive. None when
    `cancelled()` said stop before a fetch."""
    from recbrowser.services import media_check
    from recbrowser.team.opener import open_media

    if not call.recordings:
        raise NotFound(f"Call {call.provider_id} of account '{account.name}' has no recording: "
                       f"{call.audio_reason or 'the provider reports no recording'}.")
    archived = {m.recording_provider_id: m for m in store.media_for_call(account.name, call.provider_id)}
    if any(r.provider_id not in archived for r in call.recordings):
        raise NotArchivedYet(f"The recording of call {call.provider_id} (account '{account.name}') is not in the team archive "
                       "yet: the team's serving hosts fetch it from the provider soon; try again later.")
    media = None
    out = []
    for rec in call.recordings:
        mine = local_copy(media_root, account.name, rec, archived[rec.provider_id])
        path = Path(mine.path)
        if media_check.state(mine) == media_check.OK:
            out.append(LocalCopy(rec.provider_id, path, mine.size, mine.sha256, fresh=False))
            continue
        if cancelled():
            return None
        private_dir(media_root)
        private_dir(path.parent.parent)
        private_dir(path.parent)
        media = media or open_media(store.location)
        media.get(mine.sha256, path, mine.size)  # verified: a mismatch raises and keeps nothing
        make_private(path)
        out.append(LocalCopy(rec.provider_id, path, mine.size, mine.sha256, fresh=True))
    return out
