"""Recording downloads from the Yeastar emulator: verified, resumable, never half-written."""

from __future__ import annotations

import hashlib
import threading
import wave
from pathlib import Path

import pytest
from support.yeastar_helpers import add_emulated_account, all_calls, provider_for, sync

from recbrowser.errors import DownloadIncomplete
from recbrowser.services.downloads import download_call


def synced(store, emu, name="hq"):
    account = add_emulated_account(store, emu, name=name)
    assert sync(store, account, emu).ok
    return account


def calls_with_audio(store, account):
    rows = [r for r in all_calls(store, account.name) if r.has_audio]
    assert rows, "the emulator should have calls with recordings"
    return [store.get_call(account.name, r.provider_id) for r in rows]


def test_download_is_complete_verified_and_recorded(store, yeastar, data_dir):
    account = synced(store, yeastar)
    call = calls_with_audio(store, account)[0]
    provider = provider_for(account, yeastar)
    files = download_call(store, account, provider, call, data_dir.media)
    provider.close()
    rec = call.recordings[0]
    f = files[0]
    assert f.path.is_file() and f.path.stat().st_size == rec.size == f.size
    assert hashlib.sha256(f.path.read_bytes()).hexdigest() == f.sha256
    assert not list(f.path.parent.glob("*.part"))
    media = store.media_for_call(account.name, call.provider_id)
    assert [(m.path, m.size, m.sha256) for m in media] == [(str(f.path), f.size, f.sha256)]
    with wave.open(str(f.path)) as w:  # real audio of the declared length
        seconds = w.getnframes() / w.getframerate()
    assert abs(seconds * 1000 - rec.duration_ms) <= 1000


def test_second_download_comes_from_the_cache(store, yeastar, data_dir):
    account = synced(store, yeastar)
    call = calls_with_audio(store, account)[0]
    provider = provider_for(account, yeastar)
    first = download_call(store, account, provider, call, data_dir.media)
    served = yeastar.media_requests
    again = download_call(store, account, provider, call, data_dir.media)
    provider.close()
    assert [f.fresh for f in again] == [False] and again[0].path == first[0].path
    assert yeastar.media_requests == served


def test_truncated_transfer_resumes_to_a_complete_file(store, yeastar, data_dir):
    account = synced(store, yeastar)
    call = calls_with_audio(store, account)[0]
    yeastar.add_fault("truncate:times=1,path=/api/download")
    provider = provider_for(account, yeastar)
    f = download_call(store, account, provider, call, data_dir.media)[0]
    provider.close()
    assert f.size == call.recordings[0].size
    assert hashlib.sha256(f.path.read_bytes()).hexdigest() == f.sha256


def test_always_truncated_transfer_fails_clearly_and_leaves_nothing_that_looks_complete(store, yeastar, data_dir):
    account = synced(store, yeastar)
    call = calls_with_audio(store, account)[0]
    yeastar.add_fault("truncate:times=0,path=/api/download")
    provider = provider_for(account, yeastar)
    with pytest.raises(DownloadIncomplete, match="interrupted|stopped at"):
        download_call(store, account, provider, call, data_dir.media)
    provider.close()
    folder = data_dir.media / account.name
    assert [p.suffix for p in folder.iterdir()] == [".part"]
    assert store.media_for_call(account.name, call.provider_id) == []


def test_expired_link_is_resolved_again_once(store, yeastar, data_dir):
    account = synced(store, yeastar)
    call = calls_with_audio(store, account)[0]
    yeastar.add_fault("expired-url:times=1")
    provider = provider_for(account, yeastar)
    f = download_call(store, account, provider, call, data_dir.media)[0]
    provider.close()
    assert f.size == call.recordings[0].size


def test_provider_file_names_cannot_escape_the_media_folder(store, yeastar, data_dir):
    account = synced(store, yeastar)
    calls = calls_with_audio(store, account)
    odd = [c for c in calls if any(ch in c.recordings[0].file_name for ch in "[]/\\")]
    assert odd, "the emulator serves names with [ ] and ../"
    provider = provider_for(account, yeastar)
    for call in odd:
        f = download_call(store, account, provider, call, data_dir.media)[0]
        assert f.path.parent == data_dir.media / account.name
        assert f.path.resolve().is_relative_to(data_dir.media.resolve())
    provider.close()


def test_mp3_downloads_run_one_at_a_time_per_pbx(store, data_dir):
    from recbrowser.emulators.yeastar import YeastarEmulator

    with YeastarEmulator(calls=20, seed=5, recording_format="mp3") as emu:
        account = synced(store, emu)
        calls = calls_with_audio(store, account)[:4]
        provider = provider_for(account, emu)
        errors: list[Exception] = []

        def fetch(call):
            try:
                download_call(store_for_thread(data_dir), account, provider, call, data_dir.media)
            except Exception as e:  # collected and asserted below
                errors.append(e)

        threads = [threading.Thread(target=fetch, args=(c,)) for c in calls]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        provider.close()
        assert not errors, errors
        assert emu.max_concurrent_mp3 == 1
        assert len(list((data_dir.media / account.name).glob("*.mp3"))) == len(calls)


def store_for_thread(data_dir):
    from recbrowser.store import Store

    return Store.open(data_dir.database)


def test_mp3_decodes_with_ffmpeg_to_the_declared_length(store, data_dir):
    import imageio_ffmpeg
    from pydub import AudioSegment

    from recbrowser.emulators.yeastar import YeastarEmulator

    AudioSegment.converter = imageio_ffmpeg.get_ffmpeg_exe()
    with YeastarEmulator(calls=8, seed=2, recording_format="mp3") as emu:
        account = synced(store, emu)
        call = calls_with_audio(store, account)[0]
        provider = provider_for(account, emu)
        f = download_call(store, account, provider, call, data_dir.media)[0]
        provider.close()
    # imageio-ffmpeg brings no ffprobe: naming format and codec keeps pydub from asking for one.
    audio = AudioSegment.from_file(Path(f.path), format="mp3", codec="mp3")
    assert abs(len(audio) - call.recordings[0].duration_ms) <= 1000
    assert audio.rms > 0
