"""Shared pieces of the window tests: bulk calls through the real store, and a real call with
speech audio and a transcript synced and downloaded from the Yeastar emulator.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from recbrowser.domain import Account, Call, Party, Recording, Segment
from recbrowser.services.downloads import download_call
from recbrowser.store import Store
from support.yeastar_helpers import add_emulated_account, all_calls, provider_for, sync

DAY_MS = 86_400_000
DIRECTIONS = ("inbound", "outbound", "internal")
STATUSES = ("answered", "missed", "busy")


def bulk_calls(n: int, *, now_ms: int | None = None, prefix: str = "c") -> list[Call]:
    """n calls over the last 60 days, one every few minutes, with varied fields."""
    now_ms = now_ms or int(time.time() * 1000)
    calls = []
    for i in range(n):
        has_audio = i % 3 != 0
        calls.append(
            Call(
                provider_id=f"{prefix}{i:06d}",
                start_ms=now_ms - (i * 60 * DAY_MS) // max(1, n) - 1000,
                direction=DIRECTIONS[i % 3],
                from_party=Party(number=f"+4930{i:07d}", name=f"Caller {i}"),
                to_party=Party(number=f"{2000 + i % 7}", name=f"Agent {i % 7}"),
                agent=f"Agent {i % 7}",
                status=STATUSES[i % 3],
                duration_ms=(i * 7919) % 600_000,
                has_audio=has_audio,
                audio_reason="" if has_audio else "not recorded (queue setting)",
                transcript_status="available" if i % 4 == 0 else "none",
                recordings=[Recording(provider_id=f"r{prefix}{i}", format="wav")] if has_audio else [],
                segments=[Segment(text=f"hello number {i}", speaker="Agent", start_ms=0)] if i % 4 == 0 else [],
            )
        )
    return calls


def fill(store: Store, n: int, name: str = "bulk", page: int = 1000) -> Account:
    account = store.add_account(Account(name=name, provider="yeastar", settings={"base_url": "http://127.0.0.1:9"}))
    calls = bulk_calls(n, prefix=name[:2])
    for start in range(0, n, page):
        with store.transaction():
            store.upsert_calls(account.id, calls[start : start + page])
    return account


@dataclass
class SpeechCall:
    account: Account
    provider_id: str
    path: Path
    segments: list[Segment]


@dataclass
class Archive:
    """A cache synced once per session from the emulator (its rate limit makes a sync take
    seconds), with one call that has a transcript downloaded. Tests copy the database."""

    database: Path
    call: SpeechCall
    calls: int


_ARCHIVE: list[Archive] = []  # built once per process, whichever test module asks first


@pytest.fixture(scope="session")
def archive(tmp_path_factory) -> Archive:
    if not _ARCHIVE:
        _ARCHIVE.append(_build_archive(tmp_path_factory))
    return _ARCHIVE[0]


def _build_archive(tmp_path_factory) -> Archive:
    from recbrowser.emulators.yeastar import YeastarEmulator
    from recbrowser.paths import data_dir as make
    from recbrowser.paths import ensure
    from recbrowser.providers.yeastar import forget_tokens

    d = ensure(make(tmp_path_factory.mktemp("archive")))
    emu = YeastarEmulator(calls=30, seed=7)
    emu.start()
    store = Store.open(d.database)
    try:
        account = add_emulated_account(store, emu)
        result = sync(store, account, emu, since_ms=int(time.time() * 1000) - 15 * DAY_MS)
        assert result.ok, result.error
        row = next(r for r in all_calls(store) if r.transcript_status == "available" and r.has_audio)
        call = store.get_call(account.name, row.provider_id)
        provider = provider_for(account, emu)
        try:
            files = download_call(store, account, provider, call, d.media)
        finally:
            provider.close()
        assert len([s for s in call.segments if s.start_ms is not None]) >= 3
        return Archive(d.database, SpeechCall(account, row.provider_id, files[0].path, call.segments), result.calls)
    finally:
        store.close()
        emu.stop()
        forget_tokens()


@pytest.fixture
def archived_store(data_dir, archive) -> Store:
    """A copy of the session archive in this test's data folder."""
    shutil.copyfile(archive.database, data_dir.database)
    s = Store.open(data_dir.database)
    yield s
    s.close()


@pytest.fixture
def speech_call(archive) -> SpeechCall:
    return archive.call
