"""Waveform peaks and the silence map, decoded by the real ffmpeg from every codec providers send."""

from __future__ import annotations

import shutil
import stat
import subprocess
from pathlib import Path

import imageio_ffmpeg
import pytest
from support.paths import FIXTURES

from recbrowser.services import waveform
from recbrowser.services.waveform import Silence, WaveformError

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()
COMMITTED = FIXTURES / "audio"
# A tone, three seconds of digital silence from 1.0 s to 4.0 s, a tone again: 5 s in all.
TONE_GAP_TONE = "aevalsrc='if(between(t\\,1\\,4)\\,0\\,0.5*sin(2*PI*440*t))':d=5:s=8000"
CODECS = {
    "pcm.wav": ["-acodec", "pcm_s16le"],
    "mulaw.wav": ["-acodec", "pcm_mulaw"],
    "alaw.wav": ["-acodec", "pcm_alaw"],
    "speech.mp3": ["-acodec", "libmp3lame", "-b:a", "32k"],
    "audio.webm": ["-acodec", "libopus", "-b:a", "24k"],
}


def encode(folder: Path, name: str, source: str = TONE_GAP_TONE, channels: int = 1) -> Path:
    path = folder / name
    subprocess.run([FFMPEG, "-y", "-loglevel", "error", "-f", "lavfi", "-i", source, "-ac", str(channels),
                    *CODECS[name], str(path)], check=True)
    return path


@pytest.mark.parametrize("name", list(CODECS))
def test_the_silence_in_a_recording_of_each_codec_is_found_where_it_is(tmp_path, name):
    peaks = waveform.compute_peaks(encode(tmp_path, name))
    assert peaks.channels == 1 and abs(peaks.duration_ms - 5000) <= 80
    [quiet] = waveform.silences(peaks, min_ms=2000)
    if name == "pcm.wav":
        assert quiet == Silence(1000, 4000)  # lossless: to the bucket
    else:  # lossy codecs smear the edges by a frame or so
        assert abs(quiet.start_ms - 1000) <= 60 and abs(quiet.end_ms - 4000) <= 60
    # The tone is loud in the peaks: 0.5 of full scale.
    assert max(peaks.maxs[0]) > 15000 and min(peaks.mins[0]) < -15000


def test_a_gap_shorter_than_the_minimum_is_not_a_silence(tmp_path):
    peaks = waveform.compute_peaks(encode(tmp_path, "pcm.wav"))
    assert waveform.silences(peaks, min_ms=3500) == []
    assert waveform.silences(peaks, min_ms=3000) == [Silence(1000, 4000)]


def test_gsm_wav_as_providers_send_it_decodes(tmp_path):
    path = tmp_path / "gsm.wav"
    shutil.copy(COMMITTED / "gsm.wav", path)
    peaks = waveform.compute_peaks(path)
    assert peaks.channels == 1 and peaks.duration_ms > 1000 and max(peaks.maxs[0]) > 1000


def test_a_stereo_recording_keeps_one_channel_per_party(tmp_path):
    # Left speaks for the first second only, right for the last second only.
    source = "aevalsrc='if(lt(t\\,1)\\,0.5*sin(2*PI*300*t)\\,0)|if(gt(t\\,2)\\,0.5*sin(2*PI*500*t)\\,0)':d=3:s=8000"
    peaks = waveform.compute_peaks(encode(tmp_path, "pcm.wav", source, channels=2))
    assert peaks.channels == 2
    left, right = peaks.maxs
    assert max(left[:90]) > 15000 and max(left[110:]) == 0
    assert max(right[:190]) == 0 and max(right[210:]) > 15000
    # Silence is where both parties are quiet: 1 s to 2 s.
    assert waveform.silences(peaks, min_ms=900) == [Silence(1000, 2000)]


def test_peaks_are_kept_by_sha256_and_computed_again_when_the_media_changes(tmp_path):
    media = encode(tmp_path, "pcm.wav")
    kept = tmp_path / "peaks"
    first_sha = "a" * 64
    first = waveform.peaks_for(media, first_sha, kept)
    dat = kept / f"{first_sha}.dat"
    assert dat.exists() and stat.S_IMODE(dat.stat().st_mode) == 0o600
    assert stat.S_IMODE(kept.stat().st_mode) == 0o700
    # audiowaveform's .dat version 2: header, then a min/max pair per 10 ms bucket.
    assert dat.read_bytes()[:24] == bytes.fromhex("02000000" "00000000" "401f0000" "50000000" "f4010000" "01000000")
    assert dat.stat().st_size == 24 + 500 * 4

    # Kept: read back without decoding (the media could be gone).
    media.rename(tmp_path / "moved.wav")
    again = waveform.peaks_for(tmp_path / "nowhere.wav", first_sha, kept)
    assert list(again.maxs[0]) == list(first.maxs[0])

    # The recording is downloaded again and differs: another SHA-256, new peaks from the new audio.
    changed = encode(tmp_path, "pcm.wav", "sine=frequency=440:duration=2:sample_rate=8000")
    second = waveform.peaks_for(changed, "b" * 64, kept)
    assert second.buckets == 200 and waveform.silences(second) == []
    assert sorted(p.name for p in kept.iterdir()) == [f"{first_sha}.dat", f"{'b' * 64}.dat"]


def test_a_damaged_peaks_file_is_computed_again(tmp_path):
    media = encode(tmp_path, "pcm.wav")
    kept = tmp_path / "peaks"
    kept.mkdir()
    (kept / f"{'c' * 64}.dat").write_bytes(b"\x02\x00\x00\x00garbage")
    peaks = waveform.peaks_for(media, "c" * 64, kept)
    assert peaks.buckets == 500 and waveform.silences(peaks) == [Silence(1000, 4000)]


def test_a_file_that_is_not_audio_is_one_sentence(tmp_path):
    bad = tmp_path / "call.mp3"
    bad.write_bytes(b"<html>session expired</html>")
    with pytest.raises(WaveformError) as e:
        waveform.compute_peaks(bad)
    assert str(e.value) == "call.mp3 holds no audio ffmpeg can decode; download the recording again."


@pytest.mark.parametrize("parts", [2, 3])
def test_peaks_decoded_in_parts_are_those_of_one_decode_of_the_whole_file(tmp_path, monkeypatch, parts):
    """A long recording is decoded by several ffmpeg processes side by side (issue 20); the
    joints must not show. The reference .dat was written by the version that decoded the whole
    file in one ffmpeg (tests/fixtures/audio/make_speech.py); this 20-second clip is split as
    a long one would be."""
    before = waveform.read_dat(COMMITTED / "speech-44k-stereo.dat")
    monkeypatch.setattr(waveform, "PARALLEL_MIN_S", 0.0)
    monkeypatch.setattr(waveform, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(waveform, "MAX_PARTS", parts)
    monkeypatch.setattr(waveform.os, "cpu_count", lambda: parts)
    spans = []
    one_span = waveform._decode_span
    monkeypatch.setattr(waveform, "_decode_span", lambda *a: spans.append(a[1:]) or one_span(*a))

    now = waveform.peaks_for(COMMITTED / "speech-44k-stereo.mp3", "d" * 64, tmp_path)

    assert len(spans) == parts  # it was decoded in parts
    assert (now.channels, now.buckets, now.sample_rate, now.samples_per_bucket) == (2, 2000, 8000, 80)
    tolerance = 33  # 0.1% of full scale: an ear, or a drawn strip, would not tell
    for c in range(2):
        for i in range(now.buckets):
            assert abs(now.mins[c][i] - before.mins[c][i]) <= tolerance, (c, i)
            assert abs(now.maxs[c][i] - before.maxs[c][i]) <= tolerance, (c, i)
    for min_ms in (500, 1000, 2000):
        assert waveform.silences(now, min_ms=min_ms) == waveform.silences(before, min_ms=min_ms)
    assert waveform.silences(now, min_ms=1000)[1] == Silence(5190, 8180)  # the long pause, where it is
