"""Re-running an export to the same place: calls already there keep their audio (checked, never
converted again) while their manifest rows and transcripts follow the notes and tags as they are now."""

from __future__ import annotations

import csv
import io
import json

import pytest
from support.export_helpers import export, leftovers, read_export, refs_of, sha, synced

from recbrowser.store import CallFilter


def _two_calls(store, account):
    """A call with a transcript and audio, and another with audio."""
    rows = store.list_calls(CallFilter(), limit=100)[0]
    first = next(r for r in rows if r.transcript_status == "available" and r.has_audio)
    second = next(r for r in rows if r.has_audio and r.ref != first.ref)
    return first, second


def _files(dest):
    """{name: (mtime_ns, sha256)} of a folder export."""
    return {p.name: (p.stat().st_mtime_ns, sha(p.read_bytes())) for p in dest.iterdir()}


def _row(manifest, ref):
    return next(r for r in manifest["calls"] if r["ref"] == ref)


@pytest.mark.parametrize("name", ["calls", "calls.zip"])
def test_rerun_brings_notes_and_tags_up_to_date_and_leaves_the_audio(store, yeastar, data_dir, tmp_path, name):
    account = synced(store, yeastar)
    first, second = _two_calls(store, account)
    store.add_tag(account.name, first.provider_id, "VIP")
    note = store.add_note(account.name, first.provider_id, 65_000, "Promised a call back by Friday")
    dest = tmp_path / name
    refs = refs_of(store)
    options = {"audio": "mp3", "transcripts": ("txt", "json")}
    export(store, yeastar, data_dir, dest, refs=refs, **options)
    before, before_files = read_export(dest)
    stamps = _files(dest) if not name.endswith(".zip") else {}

    store.update_note(note.id, "Called back on Thursday: refund approved")
    store.remove_tag(account.name, first.provider_id, "VIP")
    store.add_tag(account.name, first.provider_id, "refund")
    store.add_note(account.name, second.provider_id, None, "Wrong department")
    again = export(store, yeastar, data_dir, dest, refs=refs, **options)

    assert not again.exported and not again.failed and len(again.skipped) == len(refs)
    assert sorted(o.ref for o in again.updated) == sorted([first.ref, second.ref])
    after, files = read_export(dest)
    row = _row(after, first.ref)
    assert row["tags"] == ["refund"]
    assert [(n["at"], n["text"]) for n in row["notes"]] == [("1:05", "Called back on Thursday: refund approved")]
    assert [n["text"] for n in _row(after, second.ref)["notes"]] == ["Wrong department"]
    table = {r["ref"]: r for r in csv.DictReader(io.StringIO(files["manifest.csv"].decode("utf-8-sig")))}
    assert table[first.ref]["tags"] == "refund" and table[first.ref]["notes"] == "[1:05] Called back on Thursday: refund approved"
    assert table[second.ref]["notes"] == "Wrong department"
    # The JSON transcript embeds the notes: rewritten, and the manifest lists its new checksum.
    transcript = json.loads(files[f"{row['stem']}.json"])
    assert transcript["tags"] == ["refund"] and transcript["notes"] == row["notes"]
    for r in after["calls"]:
        for f in r["files"]:
            assert sha(files[f["name"]]) == f["sha256"] and len(files[f["name"]]) == f["size"]
    # Audio and the TXT transcript (which shows no notes) are the very same files, entries unchanged.
    for ref in (first.ref, second.ref):
        old = {f["name"]: f for f in _row(before, ref)["files"]}
        for f in _row(after, ref)["files"]:
            if f["format"] != "json":
                assert f == old[f["name"]] and files[f["name"]] == before_files[f["name"]]
    if stamps:
        now = _files(dest)
        changed = {n for n in now if now[n] != stamps[n]}
        json_names = {f"{_row(after, r)['stem']}.json" for r in (first.ref, second.ref) if any(
            f["format"] == "json" for f in _row(after, r)["files"])}
        assert changed == {"manifest.csv", "manifest.json", *json_names}
    assert [r["ref"] for r in after["calls"]] == [r["ref"] for r in before["calls"]]
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("name", ["calls", "calls.zip"])
def test_unchanged_rerun_rewrites_nothing(store, yeastar, data_dir, tmp_path, name):
    account = synced(store, yeastar)
    first, _ = _two_calls(store, account)
    store.add_note(account.name, first.provider_id, None, "Check the refund")
    dest = tmp_path / name
    export(store, yeastar, data_dir, dest, audio="mp3", transcripts=("txt", "json"))
    stamps = _files(dest) if dest.is_dir() else {dest.name: (dest.stat().st_mtime_ns, sha(dest.read_bytes()))}
    again = export(store, yeastar, data_dir, dest, audio="mp3", transcripts=("txt", "json"))
    assert again.skipped and not again.exported and not again.updated and again.location == dest
    # Same files, same bytes, same modification times, manifest included (a ZIP is not even rebuilt).
    assert (_files(dest) if dest.is_dir() else {dest.name: (dest.stat().st_mtime_ns, sha(dest.read_bytes()))}) == stamps
    assert leftovers(tmp_path) == []


def test_a_damaged_transcript_is_written_again_without_converting_the_audio(store, yeastar, data_dir, tmp_path):
    account = synced(store, yeastar)
    first, _ = _two_calls(store, account)
    dest = tmp_path / "calls"
    export(store, yeastar, data_dir, dest, audio="mp3", transcripts=("json",))
    manifest, _ = read_export(dest)
    row = _row(manifest, first.ref)
    json_file = dest / f"{row['stem']}.json"
    good = json_file.read_bytes()
    json_file.write_bytes(good[: len(good) // 2])  # cut short, e.g. by a crash of an older version
    stamps = _files(dest)
    again = export(store, yeastar, data_dir, dest, audio="mp3", transcripts=("json",))
    assert first.ref in [o.ref for o in again.skipped] and not again.exported and not again.failed
    assert json_file.read_bytes() == good
    now = _files(dest)
    assert {n for n in now if now[n] != stamps[n]} == {json_file.name}  # audio and manifest untouched
    assert read_export(dest)[0] == manifest


def test_refreshed_notes_are_masked_like_the_first_time(store, yeastar, data_dir, tmp_path):
    account = synced(store, yeastar)
    first, _ = _two_calls(store, account)
    dest = tmp_path / "masked.zip"
    export(store, yeastar, data_dir, dest, refs=[first.ref], audio="mp3", transcripts=("json",), redact_pii=True)
    store.add_note(account.name, first.provider_id, None, "Card 4111 1111 1111 1111, call him on +44 20 7946 0958")
    again = export(store, yeastar, data_dir, dest, refs=[first.ref], audio="mp3", transcripts=("json",), redact_pii=True)
    assert [o.ref for o in again.updated] == [first.ref]
    manifest, files = read_export(dest)
    text = _row(manifest, first.ref)["notes"][0]["text"]
    assert "4111" not in text and "7946" not in text and text.startswith("Card ")
    for raw in files.values():
        assert b"4111 1111" not in raw and b"7946 0958" not in raw


def test_a_zip_rerun_keeps_the_dates_of_entries_it_did_not_rewrite(store, yeastar, data_dir, tmp_path):
    import zipfile

    account = synced(store, yeastar)
    first, _ = _two_calls(store, account)
    dest = tmp_path / "old.zip"
    export(store, yeastar, data_dir, dest, refs=[first.ref], audio="mp3", transcripts=("txt", "json"))
    aged = tmp_path / "aged.zip"  # the same export, as if made in 2025
    with zipfile.ZipFile(dest) as src, zipfile.ZipFile(aged, "w") as out:
        for info in src.infolist():
            info.date_time = (2025, 3, 4, 10, 20, 30)
            out.writestr(info, src.read(info.filename))
    aged.replace(dest)
    store.add_tag(account.name, first.provider_id, "callback")
    export(store, yeastar, data_dir, dest, refs=[first.ref], audio="mp3", transcripts=("txt", "json"))
    with zipfile.ZipFile(dest) as zf:
        dates = {i.filename: i.date_time for i in zf.infolist()}
    row = read_export(dest)[0]["calls"][0]
    assert row["tags"] == ["callback"]
    rewritten = {"manifest.csv", "manifest.json", f"{row['stem']}.json"}
    assert {n for n, d in dates.items() if d != (2025, 3, 4, 10, 20, 30)} == rewritten


def test_a_cancelled_rerun_into_a_zip_is_finished_with_the_new_notes(store, yeastar, data_dir, tmp_path):
    from support.yeastar_helpers import provider_for

    from recbrowser.services.export import ExportOptions, run_export

    account = synced(store, yeastar)
    first, _ = _two_calls(store, account)
    refs = [first.ref] + [r for r in refs_of(store) if r != first.ref]
    dest = tmp_path / "c.zip"
    export(store, yeastar, data_dir, dest, refs=refs, audio="mp3", transcripts=("json",))
    store.add_note(account.name, first.provider_id, None, "Escalated to billing")
    seen = []
    cancelled = run_export(store, refs, dest, ExportOptions(audio="mp3", transcripts=("json",), workers=1),
                           media_root=data_dir.media, open_provider=lambda a: provider_for(a, yeastar),
                           progress=seen.append, cancelled=lambda: len(seen) >= 2)
    assert cancelled.cancelled and [o.ref for o in cancelled.updated] == [refs[0]]
    # Nothing changes between this run and the cancelled one: the ZIP must still be rebuilt with the note.
    again = export(store, yeastar, data_dir, dest, refs=refs, audio="mp3", transcripts=("json",))
    assert not again.exported and not again.failed
    manifest, files = read_export(dest)
    row = _row(manifest, refs[0])
    assert [n["text"] for n in row["notes"]] == ["Escalated to billing"]
    assert json.loads(files[f"{row['stem']}.json"])["notes"] == row["notes"]
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("name", ["calls", "calls.zip"])
def test_a_recording_that_arrives_after_the_export_is_exported_by_a_rerun(store, yeastar, data_dir, tmp_path, name):
    from dataclasses import replace

    account = synced(store, yeastar)
    first, second = _two_calls(store, account)
    call = store.get_call(account.name, first.provider_id)
    account_id = store.account(account.name).id
    # The first sync saw the call before its recording was ready (as Bandwidth's and Voki's do).
    store.upsert_calls(account_id, [replace(call, recordings=[], has_audio=False, audio_reason="still processing")])
    dest = tmp_path / name
    refs = [first.ref, second.ref]
    export(store, yeastar, data_dir, dest, refs=refs, audio="mp3")
    before, _ = read_export(dest)
    assert not [f for f in _row(before, first.ref)["files"] if f["kind"] == "audio"]

    store.upsert_calls(account_id, [call])  # the next sync: the recording is there now
    again = export(store, yeastar, data_dir, dest, refs=refs, audio="mp3")

    assert [o.ref for o in again.exported] == [first.ref] and not again.failed
    assert [o.ref for o in again.skipped] == [second.ref]  # its audio was checked, not converted again
    after, files = read_export(dest)
    audio = [f for f in _row(after, first.ref)["files"] if f["kind"] == "audio"]
    assert [f["recording_id"] for f in audio] == [r.provider_id for r in call.recordings]
    assert all(sha(files[f["name"]]) == f["sha256"] and files[f["name"]][:3] in (b"ID3", b"\xff\xfb") for f in audio)
    assert _row(after, first.ref)["stem"] == _row(before, first.ref)["stem"]  # the same name as before


def test_a_rerun_that_cannot_fetch_the_new_recording_keeps_the_earlier_export(store, yeastar, data_dir, tmp_path):
    from dataclasses import replace

    account = synced(store, yeastar)
    first, _second = _two_calls(store, account)
    call = store.get_call(account.name, first.provider_id)
    account_id = store.account(account.name).id
    store.upsert_calls(account_id, [replace(call, recordings=[], has_audio=False, audio_reason="still processing")])
    dest = tmp_path / "calls"
    export(store, yeastar, data_dir, dest, refs=[first.ref], audio="mp3", transcripts=("txt",))
    before, before_files = read_export(dest)
    store.upsert_calls(account_id, [call])
    # No connection to the provider this time: the new recording cannot be downloaded.
    again = export(store, None, data_dir, dest, refs=[first.ref], audio="mp3", transcripts=("txt",))

    assert not again.failed and not again.exported and [o.ref for o in again.skipped] == [first.ref]
    assert [o.ref for o in again.updated] == [first.ref] and "newer recording was not added" in again.updated[0].reason
    after, files = read_export(dest)
    assert _row(after, first.ref)["export_status"] == "exported"
    assert {f["name"] for f in _row(after, first.ref)["files"]} == {f["name"] for f in _row(before, first.ref)["files"]}
    for f in _row(after, first.ref)["files"]:
        assert files[f["name"]] == before_files[f["name"]]  # the earlier files, untouched


def test_a_call_whose_one_recording_became_two_loses_the_old_file_to_the_new_ones(store, data_dir, tmp_path):
    from dataclasses import replace

    from support.bandwidth_helpers import add_account, provider_for, sync

    from recbrowser.emulators.bandwidth import BandwidthEmulator
    from recbrowser.services.export import ExportOptions, run_export

    emu = BandwidthEmulator(calls=30, seed=5)
    emu.start()
    try:
        account = add_account(store, emu)
        assert sync(store, account, emu).ok
        row = next(r for r in store.list_calls(CallFilter(), limit=100)[0]
                   if len(store.get_call(account.name, r.provider_id).recordings) == 2)
        call = store.get_call(account.name, row.provider_id)
        account_id = store.account(account.name).id

        def run():
            return run_export(store, [row.ref], tmp_path / "calls", ExportOptions(audio="mp3", transcripts=(), workers=1),
                              media_root=data_dir.media, open_provider=lambda a: provider_for(a, emu))

        store.upsert_calls(account_id, [replace(call, recordings=call.recordings[:1])])  # the second came later
        run()
        stem = read_export(tmp_path / "calls")[0]["calls"][0]["stem"]
        assert (tmp_path / "calls" / f"{stem}.mp3").is_file()
        store.upsert_calls(account_id, [call])
        again = run()
    finally:
        emu.stop()
    assert [o.ref for o in again.exported] == [row.ref]
    manifest, files = read_export(tmp_path / "calls")
    names = {f["name"] for f in _row(manifest, row.ref)["files"]}
    assert names == {f"{stem}_1.mp3", f"{stem}_2.mp3"}
    assert not (tmp_path / "calls" / f"{stem}.mp3").exists()  # not left beside them, out of the manifest
    assert sorted(p.name for p in (tmp_path / "calls").iterdir() if p.suffix == ".mp3") == sorted(names)
