"""Shared set-up for the export tests: a synced emulator account and a one-line export call."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path

import imageio_ffmpeg
from pydub import AudioSegment

from recbrowser.domain import Call, Party, Segment
from recbrowser.services.export import ExportOptions, run_export
from support.yeastar_helpers import add_emulated_account, all_calls, provider_for, sync

AudioSegment.converter = imageio_ffmpeg.get_ffmpeg_exe()


def synced(store, emu, name="hq"):
    account = add_emulated_account(store, emu, name=name)
    assert sync(store, account, emu).ok
    return account


def refs_of(store, account=None):
    return sorted((r.ref for r in all_calls(store, account)), key=lambda r: r)


def export(store, emu, data_dir, dest: Path, refs=None, **options):
    refs = refs if refs is not None else refs_of(store)
    opts = ExportOptions(**{"workers": 2, **options})
    return run_export(store, refs, dest, opts, media_root=data_dir.media,
                      open_provider=(lambda a: provider_for(a, emu)) if emu else None)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_export(dest: Path) -> tuple[dict, dict[str, bytes]]:
    """(manifest.json, {file name: bytes}) of a folder or ZIP export."""
    if dest.suffix == ".zip":
        with zipfile.ZipFile(dest) as zf:
            assert zf.testzip() is None
            files = {n: zf.read(n) for n in zf.namelist()}
    else:
        files = {p.name: p.read_bytes() for p in dest.iterdir()}
    return json.loads(files["manifest.json"]), files


def leftovers(parent: Path) -> list[str]:
    """Anything that looks temporary next to or inside an export."""
    return sorted(str(p.relative_to(parent)) for p in parent.rglob("*")
                  if p.name.endswith((".part", ".partial", ".lock")) or p.name.startswith(".recbrowser-export"))


def check_round_trip(store, dest, fmt, setting=None):
    """Every listed file is there with its checksum, nothing else is; audio decodes to its length."""
    manifest, files = read_export(dest)
    assert manifest["export"]["audio"] == (setting or fmt)
    listed = {"manifest.csv", "manifest.json"}
    audio = 0
    for row in manifest["calls"]:
        assert row["export_status"] == "exported", row
        call = store.get_call(row["account"], row["call_id"])
        for f in row["files"]:
            listed.add(f["name"])
            assert sha(files[f["name"]]) == f["sha256"] and len(files[f["name"]]) == f["size"]
            if f["kind"] == "audio":
                audio += 1
                rec = next(r for r in call.recordings if r.provider_id == f["recording_id"])
                seg = AudioSegment.from_file(io.BytesIO(files[f["name"]]), format=fmt, codec="mp3" if fmt == "mp3" else None)
                assert abs(len(seg) - rec.duration_ms) <= 1000
        if not call.recordings:
            assert row["audio_note"].startswith("no audio:") and call.audio_reason in row["audio_note"]
            assert not any(f["kind"] == "audio" for f in row["files"])
    assert set(files) == listed  # nothing unlisted, nothing missing
    assert audio >= 3
    return manifest


def pii_call() -> Call:
    return Call(
        provider_id="pii-1", start_ms=1_778_330_000_000, direction="inbound", from_party=Party("+4930123456", "+4930123456"),
        to_party=Party("201", "Anna"), status="answered", has_audio=False, audio_reason="the call was not answered",
        transcript_status="available", summary="Card 4111 1111 1111 1111 charged twice on 2026-05-09; refund $12.50.",
        recordings=[],
        segments=[
            Segment("My card is 4111 1111 1111 1111.", speaker="Caller", start_ms=0, end_ms=2000),
            Segment("Mail me at mia@example.com or call 0171 2345678.", speaker="Caller", start_ms=2000, end_ms=4000),
            Segment("Your refund of $12.50 goes out on 2026-05-12 at 14:30.", speaker="Anna", start_ms=4000, end_ms=6000),
            Segment("Call me back on 030 123456.", speaker="Caller", start_ms=6000, end_ms=8000),
        ],
    )
