"""Bulk export against the Yeastar emulator: real SQLite, real sockets, real ffmpeg."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import wave
import zipfile

import pytest
from support.export_helpers import check_round_trip, export, leftovers, read_export, refs_of, sha, synced
from support.needs import missing

from recbrowser.domain import Call, Party, Recording, Segment
from recbrowser.errors import UserFacingError
from recbrowser.services.export import select_calls
from recbrowser.services.export_target import ExportTarget
from recbrowser.store import CallFilter


def test_folder_export_with_mp3_and_every_transcript_format(store, yeastar, data_dir, tmp_path):
    synced(store, yeastar)
    dest = tmp_path / "out" / "calls"
    summary = export(store, yeastar, data_dir, dest, audio="mp3", transcripts=("txt", "srt", "vtt", "json"))
    assert summary.location == dest and not summary.failed and not summary.skipped
    manifest = check_round_trip(store, dest, "mp3")
    kinds = {f["format"] for row in manifest["calls"] for f in row["files"]}
    assert kinds == {"mp3", "txt", "srt", "vtt", "json"}
    assert leftovers(tmp_path) == []
    again = export(store, yeastar, data_dir, dest, audio="mp3", transcripts=("txt", "srt", "vtt", "json"))
    assert len(again.skipped) == len(summary.exported) and not again.exported
    assert read_export(dest)[0]["calls"] == manifest["calls"]


def test_zip_export_is_zip64_verified_and_decodes(store, yeastar, data_dir, tmp_path):
    synced(store, yeastar)
    dest = tmp_path / "calls.zip"
    summary = export(store, yeastar, data_dir, dest, audio="wav", transcripts=("vtt",))
    assert summary.location == dest and not summary.failed
    check_round_trip(store, dest, "wav")
    with zipfile.ZipFile(dest) as zf:
        info = next(i for i in zf.infolist() if i.filename.endswith(".wav"))
        raw = dest.read_bytes()[info.header_offset:]
        name_len, extra_len = int.from_bytes(raw[26:28], "little"), int.from_bytes(raw[28:30], "little")
        assert raw[30 + name_len:32 + name_len] == b"\x01\x00" and extra_len >= 20  # ZIP64 local header: no 4 GB ceiling
        with zf.open(info) as f, wave.open(f) as w:
            assert w.getsampwidth() == 2  # converted to plain 16-bit PCM
    assert leftovers(tmp_path) == []


def test_original_audio_is_byte_identical_to_the_cache(store, yeastar, data_dir, tmp_path):
    account = synced(store, yeastar)
    summary = export(store, yeastar, data_dir, tmp_path / "o", transcripts=())
    manifest, files = read_export(tmp_path / "o")
    for row in manifest["calls"]:
        cached = {m.recording_provider_id: m for m in store.media_for_call(account.name, row["call_id"])}
        for f in row["files"]:
            assert f["sha256"] == cached[f["recording_id"]].sha256 == sha(files[f["name"]])
    assert not summary.failed


def test_corrupt_media_fails_that_call_and_the_rest_go_on(store, yeastar, data_dir, tmp_path):
    account = synced(store, yeastar)
    export(store, yeastar, data_dir, tmp_path / "warm", transcripts=())  # everything in the media cache
    victim = next(r for r in refs_of(store) if store.media_for_call(account.name, r.split("/")[1]))
    media = store.media_for_call(account.name, victim.split("/")[1])[0]
    garbage = b"RIFF\x00\x00\x00\x00WAVEfmt " + bytes(range(256)) * (media.size // 256 + 1)  # at least media.size
    with open(media.path, "wb") as f:
        f.write(garbage[: media.size])
    store.record_media(account.id, media.recording_provider_id, media.path, media.size, sha(garbage[: media.size]))
    summary = export(store, yeastar, data_dir, tmp_path / "mp3", audio="mp3")
    assert [o.ref for o in summary.failed] == [victim]
    assert "cannot be decoded" in summary.failed[0].reason
    manifest, files = read_export(tmp_path / "mp3")
    row = next(r for r in manifest["calls"] if r["ref"] == victim)
    assert row["export_status"] == "failed" and row["files"] == [] and "decoded" in row["export_reason"]
    assert len(summary.exported) == len(refs_of(store)) - 1
    assert not any(row["stem"] in name for name in files)


def test_hostile_names_stay_inside_and_unique(store, yeastar, data_dir, tmp_path):
    synced(store, yeastar)
    dest = tmp_path / "names"
    export(store, yeastar, data_dir, dest, template="../CON:{status}/..", transcripts=("txt",))
    export(store, yeastar, data_dir, tmp_path / "con", template="CON", transcripts=("txt",))
    for folder in (dest, tmp_path / "con"):
        manifest, files = read_export(folder)
        stems = [r["stem"] for r in manifest["calls"]]
        assert len({s.lower() for s in stems}) == len(stems)
        for name in files:
            assert "/" not in name and ":" not in name and not name.startswith(".")
            assert name.split(".")[0].upper() not in {"CON", "PRN", "AUX", "NUL"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["con", "data", "names"]  # nothing escaped
    assert "_CON (2)" in [r["stem"] for r in read_export(tmp_path / "con")[0]["calls"]]


def test_no_audio_and_expired_audio_export_the_transcript_with_the_reason(store, yeastar, data_dir, tmp_path):
    account = synced(store, yeastar)
    expired = Call(
        provider_id="gone-1", start_ms=1_700_000_000_000, direction="inbound", from_party=Party("+4930111"),
        to_party=Party("2001"), status="answered", has_audio=True, transcript_status="available",
        recordings=[Recording("gone-rec", file_name="gone.wav", format="wav", size=100, expires_ms=1_700_100_000_000)],
        segments=[Segment("Hello there.", speaker="Anna", start_ms=0, end_ms=900)],
    )
    store.upsert_calls(account.id, [expired])
    summary = export(store, yeastar, data_dir, tmp_path / "t", refs=["hq/gone-1"], transcripts=("txt", "json"))
    assert [o.ref for o in summary.exported] == ["hq/gone-1"] and "expired" in summary.exported[0].reason
    manifest, files = read_export(tmp_path / "t")
    row = manifest["calls"][0]
    assert "expired" in row["audio_note"] and [f["format"] for f in row["files"]] == ["txt", "json"]
    assert "Anna: Hello there." in files[row["files"][0]["name"]].decode()


def test_unwritable_destinations_get_one_clear_sentence(store, yeastar, data_dir, tmp_path):
    synced(store, yeastar)
    (tmp_path / "a-file").write_text("x")
    (tmp_path / "foreign").mkdir()
    (tmp_path / "foreign" / "thesis.docx").write_text("mine")
    cases = [(tmp_path / "a-file" / "out", "is a file|not a folder"), (tmp_path / "a-file", "is a file"),
             (tmp_path / "foreign", "not a recbrowser export")]
    for dest, message in cases:
        with pytest.raises(UserFacingError, match=message) as e:
            export(store, yeastar, data_dir, dest)
        assert str(e.value).count(". ") == 0 and "\n" not in str(e.value)
    assert (tmp_path / "foreign" / "thesis.docx").read_text() == "mine"


def test_read_only_folder_is_refused_in_one_sentence_and_nothing_is_written(store, yeastar, data_dir, tmp_path):
    """`recbrowser export` run by a user who cannot write the folder. Root may write anywhere, so
    the export runs in a user namespace of its own as "nobody" (`unshare --map-user`): it still
    reads the checkout and the cache as the user running the tests, wherever they live, and the
    folder's 0555 mode is all that stands between it and the disk, as root and unprivileged alike."""
    synced(store, yeastar)
    ref = refs_of(store)[0]
    as_nobody = ["unshare", "--user", "--map-user=65534", "--map-group=65534"]
    if not shutil.which("unshare") or subprocess.run([*as_nobody, "true"], capture_output=True).returncode:
        missing("needs unshare (util-linux) and user namespaces to run the export as a user who may not write")
    base = tmp_path / "ro"
    home = base / "home"
    home.mkdir(parents=True)
    with sqlite3.connect(data_dir.database) as src, sqlite3.connect(home / data_dir.database.name) as copy:
        src.backup(copy)  # the user's own cache, with the calls to export
    read_only = base / "handover"
    read_only.mkdir(mode=0o555)
    base.chmod(0o555)  # nor next to it (an export into an existing folder is built beside it)
    env = {**os.environ, "RECBROWSER_DATA_DIR": str(home), "HOME": str(home)}
    try:
        for dest in (read_only, read_only / "out", read_only / "out.zip"):
            done = subprocess.run([*as_nobody, sys.executable, "-m", "recbrowser", "export", ref, "--to", str(dest)],
                                  capture_output=True, text=True, env=env, timeout=60)
            assert done.returncode == 1, done
            assert done.stderr.strip() == f"recbrowser: Cannot write to {dest}: permission denied; choose a folder you can write to."
            assert not done.stdout
        assert list(read_only.iterdir()) == [] and sorted(p.name for p in base.iterdir()) == ["handover", "home"]
    finally:
        base.chmod(0o755)  # so pytest can clean up
        read_only.chmod(0o755)


@pytest.mark.parametrize("name", ["shared.zip", "shared"])
def test_two_exports_to_the_same_place(store, yeastar, data_dir, tmp_path, name):
    from recbrowser.services.export import ExportOptions

    synced(store, yeastar)
    refs = refs_of(store)
    dest = tmp_path / name
    busy = ExportTarget(dest)
    busy.open(ExportOptions().settings())  # another export is running there
    with pytest.raises(UserFacingError, match="Another export is writing"):
        export(store, yeastar, data_dir, dest, refs=refs[:3])
    busy.release()
    first = export(store, yeastar, data_dir, dest, refs=refs[:3])
    second = export(store, yeastar, data_dir, dest, refs=refs[2:5])  # adds to the finished export
    assert len(first.exported) == 3 and [o.ref for o in second.skipped] == [refs[2]] and len(second.exported) == 2
    manifest, _ = read_export(dest)
    assert sorted(r["ref"] for r in manifest["calls"]) == sorted(refs[:5])
    with pytest.raises(UserFacingError, match="other settings"):
        export(store, yeastar, data_dir, dest, refs=refs[:1], audio="wav")
    assert leftovers(tmp_path) == [] and read_export(dest)[0] == manifest  # the refusal touched nothing


@pytest.mark.parametrize("name", ["c", "c.zip"])
def test_cancel_then_run_again_finishes_the_rest(store, yeastar, data_dir, tmp_path, name):
    from support.yeastar_helpers import provider_for

    from recbrowser.services.export import ExportOptions, run_export

    synced(store, yeastar)
    refs = refs_of(store)
    dest = tmp_path / name
    seen = []

    def progress(p):
        seen.append(p)

    def cancelled():
        return len(seen) >= 3

    summary = run_export(store, refs, dest, ExportOptions(audio="mp3", workers=1), media_root=data_dir.media,
                         open_provider=lambda a: provider_for(a, yeastar), progress=progress, cancelled=cancelled)
    assert summary.cancelled and summary.location is None and not dest.exists()
    assert not list(tmp_path.rglob("*.zip.part"))  # a half-built archive does not stay
    assert 0 < len(summary.exported) < len(refs)
    assert seen[-1].calls_total == len(refs) and seen[-1].bytes_total > 0
    again = export(store, yeastar, data_dir, dest, audio="mp3")
    assert len(again.skipped) == len(summary.exported)
    assert len(again.skipped) + len(again.exported) == len(refs) and not again.failed
    check_round_trip(store, dest, "mp3")
    assert leftovers(tmp_path) == []


def test_selection_by_search_and_time_range(store, yeastar, data_dir):
    synced(store, yeastar)
    by_search = select_calls(store, query="refund")
    assert by_search and all(store.search("refund", limit=100) for _ in [0])
    everything = select_calls(store, call_filter=CallFilter())
    starts = [store.call_row(*r.split("/")).start_ms for r in everything]
    assert starts == sorted(starts)
    mid = starts[len(starts) // 2]
    assert select_calls(store, call_filter=CallFilter(since_ms=mid)) == everything[len(starts) // 2:]


def test_notes_and_tags_travel_in_the_manifest_and_the_json_transcript(store, yeastar, data_dir, tmp_path):
    import csv
    import io
    import json

    account = synced(store, yeastar)
    row = next(r for r in store.list_calls(CallFilter(), limit=100)[0] if r.transcript_status == "available")
    store.add_tag(account.name, row.provider_id, "VIP")
    store.add_tag(account.name, row.provider_id, "refund")
    store.add_note(account.name, row.provider_id, 65_000, "Promised a call back by Friday")
    store.add_note(account.name, row.provider_id, None, "=Escalated")
    export(store, yeastar, data_dir, tmp_path / "n.zip", refs=[row.ref], transcripts=("json",))
    manifest, files = read_export(tmp_path / "n.zip")
    call = manifest["calls"][0]
    assert call["tags"] == ["VIP", "refund"]
    assert [(n["at"], n["text"]) for n in call["notes"]] == [("1:05", "Promised a call back by Friday"), ("", "=Escalated")]
    table = next(csv.DictReader(io.StringIO(files["manifest.csv"].decode("utf-8-sig"))))
    assert table["tags"] == "VIP;refund" and table["notes"] == "[1:05] Promised a call back by Friday\n=Escalated"
    transcript = json.loads(files[f"{call['stem']}.json"])
    assert transcript["tags"] == call["tags"] and transcript["notes"] == call["notes"] and transcript["segments"]
