"""The window's call controller on a team archive: play fetches the recording from object storage
(with the profile's key, no provider secret) into the media cache, verified by SHA-256."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import hashlib
from pathlib import Path

from PySide6.QtCore import QThreadPool
from support.team_archive import add_accounts

from recbrowser.store.postgres import PgStore
from recbrowser.team.media_store import MediaStore
from recbrowser.team.opener import use_team
from recbrowser.ui.call_pane.call_controller import CallController, PlayRequest

WAIT = 20_000


def test_play_on_a_team_archive_fetches_the_archived_recording_without_provider_secrets(qtbot, team):  # noqa: F811
    ids = add_accounts(team)
    audio = os.urandom(30_000)
    digest = hashlib.sha256(audio).hexdigest()
    source = team.tmp / "rec.wav"
    source.write_bytes(audio)
    writer = MediaStore.from_url(team.media, access_key=team.s3.write_key.access_key,
                                 secret_key=team.s3.write_key.secret_key, endpoint=team.s3.endpoint)
    key = writer.put(source).key
    with PgStore.open(team.pg_url) as owner:
        owner.record_media(ids["north"], "rno1", key, len(audio), digest)
    dd = use_team(team.data_dir, "admin")
    asked: list[str] = []
    pool = QThreadPool()
    controller = CallController(dd.database, dd.media, lambda name: asked.append(name) or {}, pool)
    with qtbot.waitSignal(controller.mediaReady, timeout=WAIT) as ready:
        controller.fetch_media(PlayRequest("north", "no000001", autoplay=False))
    played = Path(ready.args[1])
    assert played.is_relative_to(dd.media) and hashlib.sha256(played.read_bytes()).hexdigest() == digest
    pool.waitForDone(WAIT)
