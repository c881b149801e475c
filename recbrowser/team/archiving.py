"""Recordings into the team's object storage, as soon as a sync has listed them.

`team serve` fetches each recording the archive lists but does not hold yet from the provider
into a temporary file, puts it into object storage under its SHA-256 and records the object key,
size and checksum in PostgreSQL (media_files), so nothing expires at the provider unarchived and
every desktop can verify what it downloads. Several workers may archive the same bytes: the
object is content-addressed and MediaStore.put skips one already there.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from recbrowser.domain import Account
from recbrowser.errors import UserFacingError
from recbrowser.providers.base import Provider
from recbrowser.services.downloads import DownloadCancelled, fetch_recording
from recbrowser.team.media_store import MediaStore, MediaStoreError

if TYPE_CHECKING:
    from recbrowser.store.postgres import PgStore

log = logging.getLogger("recbrowser.team.serve")

PER_PASS = 500  # recordings per account per pass, so one backlog cannot hold a lease for hours


@dataclass
class Archived:
    stored: int = 0  # recordings now in object storage
    failed: int = 0  # left for the next pass (one log line each)
    storage_error: str | None = None  # object storage refused or unreachable: the pass stopped


def archive_recordings(store: PgStore, media: MediaStore, account: Account, provider: Provider, tmp: Path,
                       cancelled: Callable[[], bool], limit: int = PER_PASS) -> Archived:
    """Archive the account's listed recordings that object storage does not hold yet."""
    assert account.id is not None
    done = Archived()
    for call_id, recording_id in store.unarchived_recordings(account.id, limit):
        if cancelled():
            break
        call = store.get_call(account.name, call_id)
        rec = next((r for r in call.recordings if r.provider_id == recording_id), None) if call else None
        if call is None or rec is None:
            continue  # re-synced away since it was listed
        target = tmp / f"{uuid.uuid4().hex}.{rec.format or 'bin'}"
        try:
            size, digest = fetch_recording(provider, call, rec, target, cancelled=cancelled)
            put = media.put(target, digest)
            store.record_media(account.id, recording_id, put.key, size, digest)
            done.stored += 1
        except DownloadCancelled:
            break
        except MediaStoreError as e:
            done.storage_error = str(e)
            log.warning("archive %s: %s", account.name, e)
            break
        except UserFacingError as e:  # a provider fault: the next pass asks again
            done.failed += 1
            log.warning("archive %s/%s: %s", account.name, call_id, e)
        finally:
            target.unlink(missing_ok=True)
            target.with_name(target.name + ".part").unlink(missing_ok=True)
    return done
