"""Conversions of the codecs providers send: PCM, mu-law, A-law and GSM WAV, MP3, WebM/Opus."""

from __future__ import annotations

import shutil
import subprocess
import sys
import wave

import imageio_ffmpeg
import pytest
from pydub import AudioSegment
from support.paths import FIXTURES

from recbrowser.services.audio_convert import AudioUnreadable, convert, wav_codec

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()
COMMITTED = FIXTURES / "audio"  # samples made once with sox (make_gsm.sh)
AudioSegment.converter = FFMPEG

SOURCES = {  # name: (ffmpeg output options, container)
    "pcm.wav": (["-acodec", "pcm_s16le"], "wav"),
    "mulaw.wav": (["-acodec", "pcm_mulaw"], "wav"),
    "alaw.wav": (["-acodec", "pcm_alaw"], "wav"),
    "gsm.wav": (["-acodec", "gsm_ms"], "wav"),
    "speech.mp3": (["-acodec", "libmp3lame", "-b:a", "32k"], "mp3"),
    "video.webm": (["-acodec", "libopus", "-b:a", "24k"], "webm"),
}


@pytest.fixture(scope="module")
def sources(tmp_path_factory):
    folder = tmp_path_factory.mktemp("codecs")
    out = {}
    for name, (opts, _) in SOURCES.items():
        path = folder / name
        extra = ["-f", "lavfi", "-i", "color=c=blue:s=64x48:d=3", "-c:v", "libvpx", "-shortest"] if name.endswith(".webm") else []
        cmd = [FFMPEG, "-y", "-loglevel", "error", "-f", "lavfi", "-i", "sine=frequency=440:duration=3:sample_rate=8000",
               *extra, "-ar", "8000", "-ac", "1", *opts, str(path)]
        if subprocess.run(cmd, capture_output=True).returncode:
            if not (COMMITTED / name).exists():
                continue  # this ffmpeg build cannot write it: the case is skipped below
            shutil.copy(COMMITTED / name, path)  # e.g. GSM: ffmpeg decodes it but cannot encode it
        out[name] = path
    return out


@pytest.mark.parametrize("name", list(SOURCES))
@pytest.mark.parametrize("target", ["mp3", "wav"])
def test_every_provider_codec_converts_to_the_right_length(sources, tmp_path, name, target):
    if name not in sources:
        pytest.skip(f"this ffmpeg build cannot create a {name} sample")
    dst = tmp_path / f"out.{target}"
    size, digest, duration_ms = convert(str(sources[name]), SOURCES[name][1], str(dst), target)
    assert dst.stat().st_size == size and abs(duration_ms - 3000) <= 100
    back = AudioSegment.from_file(dst, format=target, codec="mp3" if target == "mp3" else None)
    assert abs(len(back) - 3000) <= 150 and back.rms > 0
    if target == "wav":
        with wave.open(str(dst)) as w:
            assert w.getsampwidth() == 2
    assert not list(tmp_path.glob("*.part"))


def test_wav_headers_name_their_decoder(sources):
    assert wav_codec(sources["pcm.wav"]) is None  # pydub reads plain PCM itself
    assert wav_codec(sources["mulaw.wav"]) == "pcm_mulaw"
    assert wav_codec(sources["alaw.wav"]) == "pcm_alaw"
    assert wav_codec(sources["gsm.wav"]) == "gsm_ms"


@pytest.mark.parametrize(("data", "fmt"), [(b"not audio at all" * 100, "wav"), (b"\xff\xfb" + bytes(5000), "mp3")])
def test_garbage_is_reported_as_undecodable(tmp_path, data, fmt):
    src = tmp_path / f"bad.{fmt}"
    src.write_bytes(data)
    with pytest.raises(AudioUnreadable):
        convert(str(src), fmt, str(tmp_path / "out.mp3"), "mp3")
    assert list(tmp_path.iterdir()) == [src]


def _pcm_wav(path, seconds, declared_size=None):
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(bytes(range(256)) * (seconds * 8000 * 2 // 256))
    if declared_size is not None:  # as a recorder that was cut off leaves it
        raw = bytearray(path.read_bytes())
        at = raw.index(b"data") + 4
        raw[at:at + 4] = declared_size.to_bytes(4, "little")
        path.write_bytes(bytes(raw))


@pytest.mark.parametrize("declared", [0, 0xFFFFFFFF])
def test_a_wav_whose_header_gives_no_length_converts_whole(tmp_path, declared):
    src = tmp_path / "cut.wav"
    _pcm_wav(src, 4, declared)
    size, _, duration_ms = convert(str(src), "wav", str(tmp_path / "out.mp3"), "mp3")
    assert duration_ms == 4000
    assert abs(len(AudioSegment.from_file(tmp_path / "out.mp3", format="mp3", codec="mp3")) - 4000) <= 150


def test_a_wav_without_samples_is_reported_as_empty(tmp_path):
    src = tmp_path / "empty.wav"
    _pcm_wav(src, 0)
    with pytest.raises(AudioUnreadable, match="holds no audio"):
        convert(str(src), "wav", str(tmp_path / "out.mp3"), "mp3")
    assert list(tmp_path.iterdir()) == [src]


def test_a_full_disk_during_a_conversion_is_a_disk_error_and_leaves_no_part(tmp_path):
    src = tmp_path / "long.wav"
    _pcm_wav(src, 20)  # about 160 KB of MP3, over the limit below
    script = (
        "import resource, sys\n"
        "from recbrowser.services.audio_convert import convert\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (50_000, 50_000))\n"
        "try:\n"
        f"    convert({str(src)!r}, 'wav', {str(tmp_path / 'out.mp3')!r}, 'mp3')\n"
        "except OSError as e:\n"
        "    print(type(e).__name__, e.errno)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.stdout.split() == ["DiskFull", "28"], done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["long.wav"]
