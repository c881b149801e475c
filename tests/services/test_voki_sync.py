"""Voki sync and download from the real emulator over loopback into a real SQLite cache."""

from __future__ import annotations

import re
import subprocess

import imageio_ffmpeg
import pytest
from support.voki_helpers import DAY_MS, add_account, all_calls, fresh_voki_tokens, provider_for, sync  # noqa: F401

from recbrowser.domain import Recording
from recbrowser.emulators import video
from recbrowser.emulators.voki import VokiEmulator
from recbrowser.errors import AuthError, NotFound
from recbrowser.services.downloads import download_call


@pytest.fixture
def voki():
    emu = VokiEmulator(calls=30, seed=3)
    emu.start()
    yield emu
    emu.stop()


def test_sync_brings_calls_recordings_untimed_transcripts_and_summaries(store, voki):
    account = add_account(store, voki)
    result = sync(store, account, voki)
    assert result.ok, result.error
    rows = all_calls(store)
    assert {r.provider_id for r in rows} == {c.id for c in voki.calls}
    seen = set()
    for emu_call in voki.calls:
        call = store.get_call("vk", emu_call.id)
        if emu_call.status != "completed":
            seen.add("unrecorded")
            assert not call.has_audio and emu_call.status in call.audio_reason
        elif emu_call.recording == "none":
            seen.add("404")
            assert not call.has_audio and "no recording" in call.audio_reason and "Recording not found" in call.audio_reason
        else:
            rec = call.recordings[0]
            assert call.has_audio and rec.format == "webm" and rec.size == len(video.webm(emu_call.topic))
            if emu_call.recording == "ok":
                seen.add("transcribed")
                assert call.transcript_status == "available"
                # One text block split into sentences: every clip holds one or two of them.
                assert " ".join(s.text for s in call.segments) == voki.transcript(emu_call)
                assert len(call.segments) > len(video.dialogue(emu_call.topic).placements)
                assert all(s.start_ms is None and s.end_ms is None for s in call.segments)
                assert call.summary == voki.summary(emu_call)
            else:
                seen.add("pending")
                assert call.transcript_status == "pending"
    assert seen == {"unrecorded", "404", "transcribed", "pending"}
    again = sync(store, account, voki)
    assert again.ok and again.new == 0


def test_search_finds_untimed_transcript_sentences_and_summaries(store, voki):
    account = add_account(store, voki)
    assert sync(store, account, voki).ok
    hits = store.search("refund")
    assert hits and all(h.start_ms is None for h in hits if h.kind == "segment")
    call = voki.by_id(hits[0].call_provider_id)
    assert call.topic == "invoice"
    assert store.search("charged twice")  # the AI summary is searchable too


def test_download_is_the_webm_byte_for_byte_and_ffmpeg_reads_vp8_and_opus(store, voki, data_dir):
    account = add_account(store, voki)
    assert sync(store, account, voki).ok
    emu_call = next(c for c in voki.calls if c.status == "completed" and c.recording == "ok")
    provider = provider_for(account, voki)
    try:
        files = download_call(store, account, provider, store.get_call("vk", emu_call.id), data_dir.media)
    finally:
        provider.close()
    (f,) = files
    assert f.path.suffix == ".webm" and f.path.read_bytes() == video.webm(emu_call.topic)
    assert f.size == store.get_call("vk", emu_call.id).recordings[0].size
    probe = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-i", str(f.path)],
                           capture_output=True, text=True)
    streams = re.findall(r"Stream #\S+: (Video|Audio): (\w+)", probe.stderr)
    assert ("Video", "vp8") in streams and ("Audio", "opus") in streams


def test_a_truncated_download_resumes_and_a_404_says_no_recording(store, voki, data_dir):
    account = add_account(store, voki)
    assert sync(store, account, voki).ok
    emu_call = next(c for c in voki.calls if c.status == "completed" and c.recording == "ok")
    voki.add_fault("truncate:path=/download")
    provider = provider_for(account, voki)
    (f,) = download_call(store, account, provider, store.get_call("vk", emu_call.id), data_dir.media)
    assert f.size == f.path.stat().st_size == store.get_call("vk", emu_call.id).recordings[0].size
    missing = next(c for c in voki.calls if c.recording == "none")
    with pytest.raises(NotFound, match=r"'vk'.*no recording.*Recording not found"):
        download_call(store, account, provider, store.get_call("vk", missing.id), data_dir.media)
    provider.close()


def test_a_role_without_recordings_is_said_per_call_and_at_download(store, data_dir):
    with VokiEmulator(calls=8, seed=4, deny_recordings=True) as emu:
        account = add_account(store, emu)
        result = sync(store, account, emu)
        assert result.ok, result.error
        completed = [c for c in emu.calls if c.status == "completed"]
        for c in completed:
            call = store.get_call("vk", c.id)
            assert not call.has_audio and "role may not see this call's recording (403)" in call.audio_reason
        provider = provider_for(account, emu)
        call = store.get_call("vk", completed[0].id)
        with pytest.raises(AuthError, match=r"Voki account 'vk'.*role may not see"):
            provider.resolve_media(call, Recording("r" + call.provider_id[1:], format="webm"))
        provider.close()


def test_an_expired_token_is_refreshed_not_signed_in_again(store, voki):
    account = add_account(store, voki)
    voki.add_fault("token-expiry:after=5")
    result = sync(store, account, voki)
    assert result.ok, result.error
    assert voki.counters["POST /api/auth/login"] == 1
    assert voki.counters["POST /api/auth/refresh"] == 1 and voki.counters["fault:token-expiry"] == 1


def test_faults_are_retried_or_said_and_nothing_is_lost(store, voki):
    account = add_account(store, voki)
    voki.add_fault("429:times=2,retry_after=1,path=/api/v1/calls")
    voki.add_fault("5xx:times=1,path=/recording")
    waits: list[float] = []
    provider = provider_for(account, voki, waits)
    result = sync(store, account, voki, provider=provider)
    provider.close()
    assert result.ok, result.error
    assert len(all_calls(store)) == len(voki.calls) and waits  # retried after a wait, not given up
    voki.add_fault("malformed-json:path=/api/v1/calls")
    broken = sync(store, account, voki)
    assert broken.error and "'vk'" in broken.error and "not JSON" in broken.error
    assert len(all_calls(store)) == len(voki.calls)  # the cache keeps what it had
    assert sync(store, account, voki).ok


def test_voki_recordings_offer_no_delete_action(voki, store):
    provider = provider_for(add_account(store, voki), voki)
    assert not any(hasattr(provider, name) for name in ("delete", "delete_recording"))
    provider.close()


def test_the_emulator_serves_the_webm_with_range_and_the_same_auth(voki, store):
    import httpx

    provider = provider_for(add_account(store, voki), voki)
    emu_call = next(c for c in voki.calls if c.status == "completed" and c.recording == "ok")
    call = provider.fetch_transcript(provider_call(voki, emu_call))
    src = provider.resolve_media(call, call.recordings[0])
    data = video.webm(emu_call.topic)
    part = httpx.get(src.url, headers={**src.headers, "Range": "bytes=4-99"})
    assert part.status_code == 206 and part.content == data[4:100]
    assert part.headers["content-range"] == f"bytes 4-99/{len(data)}" and part.headers["content-type"] == "video/webm"
    assert httpx.get(src.url, headers={**src.headers, "Range": f"bytes={len(data)}-"}).status_code == 416
    assert httpx.get(src.url, headers={"X-Tenant": voki.tenant}).status_code == 401  # the same auth as the API
    provider.close()


def provider_call(emu, emu_call):
    from recbrowser.providers.voki_map import call_from_item

    return call_from_item(emu.item(emu_call), 0)
