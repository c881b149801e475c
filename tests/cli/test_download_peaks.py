"""`download` and `export` keep the waveform peaks of the recordings they fetch, so each call's
strip opens at once later without decoding. Real keyring, the Yeastar emulator, real ffmpeg."""

from __future__ import annotations

import json
import stat
import subprocess

import imageio_ffmpeg
from support.cli_helpers import run, set_args

from recbrowser.services import waveform
from recbrowser.store import Store


def _synced(capsys, monkeypatch, yeastar, name) -> list[str]:
    code, _, err = run(capsys, "accounts", "add", "yeastar", "--name", name, *set_args(yeastar.account_settings()),
                       "--secrets-stdin", stdin=json.dumps(yeastar.secrets()), monkeypatch=monkeypatch)
    assert code == 0, err
    code, _, err = run(capsys, "sync")
    assert code == 0, err
    code, out, _ = run(capsys, "calls", "--json", "--limit", "500")
    return [c["ref"] for c in json.loads(out)["calls"] if c["audio"] == "at provider"]


def _length_ms(media) -> int:
    """The recording's length as ffmpeg's header reading tells it (no decode)."""
    info = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-i", str(media)],
                          capture_output=True, text=True).stderr
    h, m, s = info.split("Duration: ", 1)[1].split(",", 1)[0].split(":")
    return round((int(h) * 3600 + int(m) * 60 + float(s)) * 1000)


def _assert_kept(data_dir, refs) -> int:
    kept = 0
    with Store.open(data_dir.database) as store:
        for ref in refs:
            account, call_id = ref.split("/", 1)
            for media in store.media_for_call(account, call_id):
                dat = data_dir.peaks / f"{media.sha256}.dat"
                assert dat.is_file(), f"no peaks kept for {ref}"
                assert stat.S_IMODE(dat.stat().st_mode) == 0o600
                peaks = waveform.read_dat(dat)
                assert abs(peaks.duration_ms - _length_ms(media.path)) <= 50
                kept += 1
    assert not [p for p in data_dir.peaks.iterdir() if p.suffix != ".dat"]  # no temporary file left
    return kept


def test_download_keeps_the_peaks_of_every_recording_it_fetches(capsys, monkeypatch, data_dir, yeastar, account_name):
    refs = _synced(capsys, monkeypatch, yeastar, account_name)[:4]
    code, out, err = run(capsys, "download", *refs)
    assert code == 0, err
    assert out.count("\tdownloaded") >= 4
    assert _assert_kept(data_dir, refs) >= 4


def test_export_keeps_the_peaks_of_the_recordings_it_fetches(capsys, monkeypatch, data_dir, yeastar, account_name,
                                                             tmp_path):
    refs = _synced(capsys, monkeypatch, yeastar, account_name)[:3]
    code, _, err = run(capsys, "export", *refs, "--to", str(tmp_path / "out"))
    assert code == 0, err
    assert _assert_kept(data_dir, refs) >= 3
