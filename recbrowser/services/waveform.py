"""A recording's waveform peaks and silence map, computed once per media file.

ffmpeg (imageio-ffmpeg's binary) decodes any recording we download (WAV with PCM, mu-law, A-law
or GSM, MP3, WebM/Opus) to 16-bit samples at 8 kHz: telephone speech holds nothing above 4 kHz,
and a low rate makes the decode of a 10-minute call a fraction of a second. Mono stays mono and
stereo stays two channels (the two parties' lanes); more channels are mixed down to two. A long
compressed recording is decoded in parts, one ffmpeg per core (see `decode`), giving the same
samples as one ffmpeg over the whole file.

Each bucket of 80 samples (10 ms) keeps its minimum and maximum per channel. The peaks are kept
in `<data>/peaks/<sha256>.dat`, named by the media file's SHA-256 (the store records it at
download), so a recording that changes gets new peaks and two copies of one file share them.

The file format is audiowaveform's binary `.dat`, version 2, little-endian
(https://github.com/bbc/audiowaveform/blob/master/doc/DataFormat.md):
  int32 version (2), uint32 flags (0: 16-bit values), int32 sample rate, int32 samples per
  pixel, uint32 length (buckets), int32 channels; then per bucket, per channel, int16 min, int16 max.
A 10-minute mono call is ~240 KB. Other tools (audiowaveform, peaks.js) read it as it is.

The silence map (spans quieter than a threshold for at least N seconds) is read from the peaks,
so it costs no second decode and its threshold can change without recomputing anything.
"""

from __future__ import annotations

import array
import os
import re
import struct
import subprocess
import sys
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path

from recbrowser.errors import UserFacingError
from recbrowser.private import private_dir, private_open

SAMPLE_RATE = 8000
SAMPLES_PER_BUCKET = 80  # 10 ms at 8 kHz: fine enough to zoom into a word
DAT_VERSION = 2
_HEADER = struct.Struct("<iIiiIi")
# A bucket whose loudest sample stays under this is quiet: -40 dBFS, below a line's hiss in
# most recordings, far below speech (-20 to -6 dBFS).
SILENCE_LEVEL = 328
SILENCE_MIN_MS = 2000

try:  # C speed for min/max (8 ms instead of 200 for 10 minutes); gone from Python 3.13 on
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import audioop as _audioop
except ImportError:  # pragma: no cover - Python 3.13+: the plain loop below
    _audioop = None


class WaveformError(UserFacingError):
    """The recording could not be decoded into a waveform."""


@dataclass(frozen=True)
class Peaks:
    """Min/max per bucket per channel: `mins[c][i]`, `maxs[c][i]` for channel c, bucket i."""

    sample_rate: int
    samples_per_bucket: int
    mins: tuple[array.array, ...]
    maxs: tuple[array.array, ...]

    @property
    def channels(self) -> int:
        return len(self.mins)

    @property
    def buckets(self) -> int:
        return len(self.mins[0]) if self.mins else 0

    @property
    def bucket_ms(self) -> float:
        return 1000 * self.samples_per_bucket / self.sample_rate

    @property
    def duration_ms(self) -> int:
        return round(self.buckets * self.bucket_ms)

    def loudness(self, i: int) -> int:
        """The loudest sample of bucket i over every channel (0 to 32768)."""
        return max(max(-self.mins[c][i], self.maxs[c][i]) for c in range(self.channels))


@dataclass(frozen=True)
class Silence:
    start_ms: int
    end_ms: int

    @property
    def length_ms(self) -> int:
        return self.end_ms - self.start_ms


def ffmpeg_exe() -> str:
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


_LAYOUT = re.compile(r"Output #0.*?Audio: pcm_s16le, \d+ Hz, (mono|stereo|\d+ channels)", re.S)
_DURATION = re.compile(r"Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)")
_CODEC = re.compile(r"Stream #0:\d+.*?: Audio: (\w+)")

# A long recording is decoded in parts, one ffmpeg per core, side by side: MP3 decoding is
# single-threaded and is nearly all of the time (0.7 s of CPU for 10 minutes at 44.1 kHz
# stereo). Each part but the first starts PREROLL_S early and each but the last runs PREROLL_S
# long; the overlaps are dropped. The decoder needs a few frames after a seek (MP3's bit
# reservoir) and the resampler a few ms at each end, so without the overlap the buckets at a
# joint would differ; with it the samples are the same as one ffmpeg over the whole file.
PARALLEL_MIN_S = 120.0  # below this a second process costs more than it saves
PARALLEL_MIN_BYTES = 256 * 1024  # 2 minutes at 16 kbit/s, the least a call recording is coded at
MAX_PARTS = 4
PREROLL_S = 0.5


class _Uneven(Exception):
    """A part did not give the samples it should (an inexact seek): decode in one piece."""


def decode(media: Path) -> tuple[bytes, int]:
    """(16-bit little-endian samples at SAMPLE_RATE, interleaved; channels: 1 or 2)."""
    parts, seconds = _plan(media)
    if parts > 1:
        try:
            return _decode_in_parts(media, parts, seconds)
        except _Uneven:
            pass
    return _decode_span(media)


def _ffmpeg(args: list[str], media: Path) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run([ffmpeg_exe(), "-hide_banner", "-nostdin", *args], capture_output=True, check=False)
    except OSError as e:
        raise WaveformError(f"Cannot run ffmpeg to read {media.name}: {e.strerror or e}.") from None


def _plan(media: Path) -> tuple[int, float]:
    """(how many parts to decode side by side, the length ffmpeg reads from the header)."""
    cores = os.cpu_count() or 1
    if cores < 2 or media.stat().st_size < PARALLEL_MIN_BYTES:  # surely short: not worth asking ffmpeg
        return 1, 0.0
    info = _ffmpeg(["-i", os.fspath(media)], media).stderr.decode("utf-8", "replace")  # no output: header only
    length, codec = _DURATION.search(info), _CODEC.search(info)
    if length is None or codec is None or codec.group(1).startswith("pcm_"):  # PCM: reading is the whole cost
        return 1, 0.0
    h, m, sec = length.groups()
    seconds = int(h) * 3600 + int(m) * 60 + float(sec)
    if seconds < PARALLEL_MIN_S:
        return 1, seconds
    return min(cores, MAX_PARTS), seconds


def _decode_span(media: Path, start: float = 0.0, length: float | None = None) -> tuple[bytes, int]:
    seek = ["-ss", f"{start:.3f}"] if start > 0 else []
    span = ["-t", f"{length:.3f}"] if length is not None else []
    done = _ffmpeg([*seek, "-i", os.fspath(media), *span, "-vn", "-map", "0:a:0",
                    "-af", f"aformat=channel_layouts=mono|stereo,aresample={SAMPLE_RATE}",
                    "-f", "s16le", "-acodec", "pcm_s16le", "pipe:1"], media)
    layout = _LAYOUT.search(done.stderr.decode("utf-8", "replace"))
    if done.returncode != 0 or layout is None:
        raise WaveformError(f"{media.name} holds no audio ffmpeg can decode; download the recording again.")
    channels = {"mono": 1, "stereo": 2}.get(layout.group(1), 2)
    return done.stdout, channels


def _decode_in_parts(media: Path, parts: int, seconds: float) -> tuple[bytes, int]:
    from concurrent.futures import ThreadPoolExecutor

    # Joints on whole buckets, so every bucket is cut from one part's samples.
    step = int(seconds * SAMPLE_RATE / parts) // SAMPLES_PER_BUCKET * SAMPLES_PER_BUCKET
    pre = round(PREROLL_S * SAMPLE_RATE)
    spans = []
    for i in range(parts):
        before = pre if i else 0
        after = pre if i < parts - 1 else None  # the last part runs to the end, whatever the header said
        length = None if after is None else (before + step + after) / SAMPLE_RATE
        spans.append(((i * step - before) / SAMPLE_RATE, length, before, None if after is None else step))
    with ThreadPoolExecutor(parts) as pool:
        try:
            decoded = list(pool.map(lambda span: _decode_span(media, span[0], span[1]), spans))
        except WaveformError:  # a part past the real end (a header that overstates the length)
            raise _Uneven() from None
    channels = decoded[0][1]
    frame = 2 * channels
    out = []
    for (_start, length, before, keep), (pcm, ch) in zip(spans, decoded, strict=True):
        if ch != channels or (length is not None and len(pcm) != round(length * SAMPLE_RATE) * frame):
            raise _Uneven()
        out.append(pcm[before * frame:] if keep is None else pcm[before * frame:(before + keep) * frame])
    return b"".join(out), channels


def peaks_of(pcm: bytes, channels: int, per_bucket: int = SAMPLES_PER_BUCKET) -> Peaks:
    """Min/max of each bucket of `per_bucket` frames (the last one may be shorter)."""
    frame = 2 * channels
    pcm = pcm[: len(pcm) - len(pcm) % frame]
    planes = [pcm] if channels == 1 else _split_stereo(pcm)
    mins, maxs = [], []
    step = 2 * per_bucket
    for plane in planes:
        lo, hi = array.array("h"), array.array("h")
        if _audioop is not None:
            for i in range(0, len(plane), step):
                a, b = _audioop.minmax(plane[i:i + step], 2)
                lo.append(a)
                hi.append(b)
        else:  # pragma: no cover
            samples = array.array("h")
            samples.frombytes(plane)
            if sys.byteorder == "big":
                samples.byteswap()
            for i in range(0, len(samples), per_bucket):
                chunk = samples[i:i + per_bucket]
                lo.append(min(chunk))
                hi.append(max(chunk))
        mins.append(lo)
        maxs.append(hi)
    return Peaks(SAMPLE_RATE, per_bucket, tuple(mins), tuple(maxs))


def _split_stereo(pcm: bytes) -> list[bytes]:
    if _audioop is not None:
        return [_audioop.tomono(pcm, 2, 1, 0), _audioop.tomono(pcm, 2, 0, 1)]
    samples = array.array("h")  # pragma: no cover
    samples.frombytes(pcm)
    return [samples[0::2].tobytes(), samples[1::2].tobytes()]


def compute_peaks(media: Path) -> Peaks:
    """Decode the recording and take its peaks (no file is written)."""
    pcm, channels = decode(media)
    return peaks_of(pcm, channels)


def write_dat(peaks: Peaks, path: Path) -> None:
    """Write audiowaveform's .dat (version 2) atomically, private to the user."""
    body = array.array("h")
    for i in range(peaks.buckets):
        for c in range(peaks.channels):
            body.append(peaks.mins[c][i])
            body.append(peaks.maxs[c][i])
    if sys.byteorder == "big":  # pragma: no cover
        body.byteswap()
    # Its own temporary name: the strip and a bulk download may keep the same peaks at once.
    tmp = path.with_name(f"{path.name}.{os.getpid()}-{threading.get_ident()}.part")
    with private_open(tmp, "wb") as f:
        f.write(_HEADER.pack(DAT_VERSION, 0, peaks.sample_rate, peaks.samples_per_bucket, peaks.buckets, peaks.channels))
        f.write(body.tobytes())
    os.replace(tmp, path)


def read_dat(path: Path) -> Peaks:
    """Read a .dat file (version 1 or 2, 16-bit). ValueError for anything else."""
    data = path.read_bytes()
    if len(data) < 20:
        raise ValueError(f"{path} is not a waveform data file")
    version, flags, rate, per_bucket, length = struct.unpack_from("<iIiiI", data)
    offset, channels = 20, 1
    if version == 2:
        (channels,) = struct.unpack_from("<i", data, 20)
        offset = 24
    if version not in (1, 2) or flags & 1 or not 1 <= channels <= 24 or per_bucket <= 0 or rate <= 0:
        raise ValueError(f"{path} is not a 16-bit waveform data file this version reads")
    values = array.array("h")
    values.frombytes(data[offset:offset + length * channels * 4])
    if len(values) != length * channels * 2:
        raise ValueError(f"{path} is cut short")
    if sys.byteorder == "big":  # pragma: no cover
        values.byteswap()
    stride = 2 * channels
    mins = tuple(values[2 * c::stride] for c in range(channels))
    maxs = tuple(values[2 * c + 1::stride] for c in range(channels))
    return Peaks(rate, per_bucket, mins, maxs)


def peaks_path(folder: Path, sha256: str) -> Path:
    if not re.fullmatch(r"[0-9a-f]{64}", sha256):
        raise ValueError(f"not a SHA-256 in hex: {sha256!r}")
    return folder / f"{sha256}.dat"


def peaks_for(media: Path, sha256: str, folder: Path) -> Peaks:
    """The peaks of `media` (whose SHA-256 the store recorded), from `folder` when computed
    before, else decoded now and kept there. A damaged peaks file is computed again."""
    return keep_peaks(media, sha256, folder)


def keep_peaks(media: Path, sha256: str, folder: Path, *, every_core: bool = True) -> Peaks:
    """peaks_for; `every_core=False` decodes in one ffmpeg, for work in the background (a bulk
    download's peaks) that should leave the other cores to the rest."""
    path = peaks_path(folder, sha256)
    try:
        return read_dat(path)
    except (OSError, ValueError):
        pass
    peaks = compute_peaks(media) if every_core else peaks_of(*_decode_span(media))
    private_dir(folder)
    write_dat(peaks, path)
    return peaks


def silences(peaks: Peaks, level: int = SILENCE_LEVEL, min_ms: int = SILENCE_MIN_MS) -> list[Silence]:
    """Spans of at least `min_ms` where every channel stays under `level` (in sample units,
    0 to 32768), in ms from the start of the recording."""
    out: list[Silence] = []
    start = None
    ms = peaks.bucket_ms
    n = peaks.buckets
    for i in range(n + 1):
        quiet = i < n and peaks.loudness(i) < level
        if quiet and start is None:
            start = i
        elif not quiet and start is not None:
            s, e = round(start * ms), round(i * ms)
            if e - s >= min_ms:
                out.append(Silence(s, e))
            start = None
    return out
