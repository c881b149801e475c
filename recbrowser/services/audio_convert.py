"""Audio conversion for exports: the ffmpeg binary that imageio-ffmpeg ships (through pydub
for containers other than WAV).

A WAV file's header is read here (codec, length: PCM, mu-law, A-law, GSM, ADPCM) and the file
goes to ffmpeg as it is. imageio-ffmpeg brings no ffprobe, and pydub asks ffprobe whenever it is
not told the input's codec, so other containers get a fixed decoder. Conversions run in a
process pool, one per CPU core: ffmpeg is CPU-bound.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import struct
import subprocess
import sys
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

TARGETS = ("mp3", "wav")
MP3_BITRATE = "64k"  # speech: plenty for 8-16 kHz telephony audio, a tenth of the WAV size
# LAME's quality 7 of 0-9: about 30 % less CPU than the default, no audible loss on phone speech.
LAME_SPEED = ["-compression_level", "7"]
WAV_PACKET = 65536  # bytes ffmpeg reads from a WAV at a time (its own default: 4096)
_ENCODE = {"mp3": ["-c:a", "libmp3lame", "-b:a", MP3_BITRATE, *LAME_SPEED], "wav": ["-c:a", "pcm_s16le"]}  # WAV: 16-bit PCM plays everywhere
_DECODERS = {"mp3": "mp3", "webm": "opus", "ogg": "opus", "opus": "opus", "m4a": "aac", "aac": "aac", "flac": "flac"}
# WAVE_FORMAT tags -> ffmpeg decoders (pydub reads plain PCM itself).
_WAV_TAGS = {1: None, 3: "pcm_f32le", 6: "pcm_alaw", 7: "pcm_mulaw", 0x31: "gsm_ms", 0x11: "adpcm_ima_wav", 2: "adpcm_ms"}


class AudioUnreadable(Exception):
    """ffmpeg cannot decode the file (corrupt, truncated, or not audio at all)."""


class EncodeFailed(Exception):
    """ffmpeg decoded the input but stopped while writing the output (killed, or out of memory)."""


class DiskFull(OSError):
    pass


def wav_codec(path: Path) -> str | None:
    """The ffmpeg decoder for a WAV file (None: plain PCM). Raises AudioUnreadable for non-WAV."""
    return wav_info(path)[0]


def wav_info(path: Path) -> tuple[str | None, int]:
    """(ffmpeg decoder (None: plain PCM), duration in ms) from a WAV file's header; AudioUnreadable
    for what is not a WAV file ffmpeg can decode."""
    with open(path, "rb") as f:
        total = os.fstat(f.fileno()).st_size
        head = f.read(12)
        if len(head) < 12 or head[:4] not in (b"RIFF", b"RF64") or head[8:12] != b"WAVE":
            raise AudioUnreadable("it is not a WAV file")
        fmt: bytes | None = None
        codec: str | None = None
        fact: int | None = None
        while True:
            chunk = f.read(8)
            if len(chunk) < 8:
                raise AudioUnreadable("its WAV header has no format chunk" if fmt is None else "it holds no audio")
            cid, size = chunk[:4], struct.unpack("<I", chunk[4:])[0]
            if cid == b"fmt ":
                fmt = f.read(min(size, 40))
                f.seek(size - len(fmt), os.SEEK_CUR)
                codec = _wav_decoder(fmt)
            elif cid == b"fact" and size >= 4:
                fact = struct.unpack("<I", f.read(4))[0]
                f.seek(size - 4, os.SEEK_CUR)
            elif cid == b"data":
                if fmt is None:
                    raise AudioUnreadable("its WAV header has no format chunk")
                return codec, _wav_duration_ms(fmt, codec, fact, size, total - f.tell())
            else:
                f.seek(size, os.SEEK_CUR)
            f.seek(size & 1, os.SEEK_CUR)


def _wav_decoder(fmt: bytes) -> str | None:
    if len(fmt) < 16:
        raise AudioUnreadable("its WAV format chunk is damaged")
    tag, bits = struct.unpack("<H", fmt[:2])[0], struct.unpack("<H", fmt[14:16])[0]
    if tag == 0xFFFE and len(fmt) >= 26:  # WAVE_FORMAT_EXTENSIBLE: the real tag is in the GUID
        tag = struct.unpack("<H", fmt[24:26])[0]
    if tag not in _WAV_TAGS:
        raise AudioUnreadable(f"its WAV codec 0x{tag:04x} is not supported")
    if tag == 1 and bits not in (8, 16, 24, 32):
        raise AudioUnreadable(f"it has {bits}-bit samples")
    return _WAV_TAGS[tag] if tag != 1 or bits != 24 else "pcm_s24le"


def _wav_duration_ms(fmt: bytes, codec: str | None, fact: int | None, declared: int, left: int) -> int:
    rate, align = struct.unpack("<I", fmt[4:8])[0], struct.unpack("<H", fmt[12:14])[0]
    if rate == 0 or align == 0:
        raise AudioUnreadable("its WAV format chunk is damaged")
    # A recorder that was cut off or streamed leaves the size at 0 or 0xFFFFFFFF (RF64 too): to the end.
    data = left if declared in (0, 0xFFFFFFFF) or declared > left else declared
    if codec is None or codec.startswith("pcm_"):
        samples = data // align
    elif fact is not None:
        samples = fact  # compressed (GSM, ADPCM): the header counts its samples
    else:
        per_block = struct.unpack("<H", fmt[18:20])[0] if len(fmt) >= 20 else 0
        samples = data // align * per_block
    return samples * 1000 // rate


def decoder_for(path: Path, fmt: str) -> str | None:
    fmt = fmt.lower()
    if fmt == "wav":
        return wav_codec(path)
    return _DECODERS.get(fmt, fmt)


def convert(src: str, src_format: str, dst: str, target: str) -> tuple[int, str, int]:
    """Decode `src`, write `target` audio to `dst` (via `dst.part`, fsynced, renamed).

    Returns (size, sha256, duration_ms). Runs in a worker process: only picklable arguments.
    """
    src_path, out = Path(src), Path(dst)
    part = out.with_name(f"{out.name}.{os.getpid()}.part")  # its own name: never shares a half-file
    try:
        if src_format.lower() == "wav":
            duration_ms = _convert_wav(src_path, part, target)
        else:
            duration_ms = _convert_pydub(src_path, src_format, part, target)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    digest = hashlib.sha256()
    with open(part, "rb+") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
        os.fsync(f.fileno())
    size = part.stat().st_size
    os.replace(part, out)
    return size, digest.hexdigest(), duration_ms


def _convert_wav(src: Path, part: Path, target: str) -> int:
    """WAV (what most providers send) goes to ffmpeg as it is: no copy through pydub, and read in
    64 KB packets, not ffmpeg's 4 KB. ffmpeg 7+ hands every packet from thread to thread (demux,
    decode, filter, encode, mux): with 16 times fewer packets a 10-minute call takes a third less
    CPU (0.42 s instead of 0.64 s, mostly system time), and a lone conversion borrows less of a
    second core (1.2 cores busy instead of 1.45). Larger packets gained nothing more."""
    import imageio_ffmpeg

    _, duration_ms = wav_info(src)
    if duration_ms == 0:
        raise AudioUnreadable("it holds no audio")
    cmd = [imageio_ffmpeg.get_ffmpeg_exe(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
           "-f", "wav", "-max_size", str(WAV_PACKET), "-i", str(src), "-vn", *_ENCODE[target], "-f", target, str(part)]
    done = subprocess.run(cmd, capture_output=True)
    if done.returncode == 0:
        return duration_ms
    err = done.stderr.decode("utf-8", "replace")
    too_big = -getattr(signal, "SIGXFSZ", 0)  # a file-size limit kills ffmpeg with it (not on Windows)
    if done.returncode == too_big or "No space left" in err or "File too large" in err:
        raise DiskFull(28, "No space left on device")
    if done.returncode < 0:
        raise EncodeFailed(f"ffmpeg stopped while encoding {target.upper()} (signal {-done.returncode})")
    raise AudioUnreadable(_ffmpeg_reason(err))


def _convert_pydub(src: Path, src_format: str, part: Path, target: str) -> int:
    import imageio_ffmpeg

    with warnings.catch_warnings():  # pydub looks for ffmpeg on PATH at import: we give it one below
        warnings.simplefilter("ignore", RuntimeWarning)
        from pydub import AudioSegment
        from pydub.exceptions import CouldntDecodeError, CouldntEncodeError

    AudioSegment.converter = imageio_ffmpeg.get_ffmpeg_exe()
    try:
        codec = decoder_for(src, src_format)
        audio = AudioSegment.from_file(src, format=src_format.lower() or None, codec=codec)
    except CouldntDecodeError as e:
        raise AudioUnreadable(_ffmpeg_reason(str(e))) from None
    if len(audio) == 0:
        raise AudioUnreadable("it holds no audio")
    try:
        if target == "mp3":
            audio.export(part, format="mp3", codec="libmp3lame", bitrate=MP3_BITRATE, parameters=LAME_SPEED).close()
        else:
            audio.export(part, format="wav").close()  # 16-bit PCM: plays everywhere
    except CouldntEncodeError as e:
        if "No space left" in str(e) or "File too large" in str(e):
            raise DiskFull(28, "No space left on device") from None
        raise EncodeFailed(f"ffmpeg stopped while encoding {target.upper()} ({_last_line(str(e))})") from None
    return len(audio)


def _last_line(text: str) -> str:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    return (lines or ["no output"])[-1][:160]


def _ffmpeg_reason(text: str) -> str:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    useful = [ln for ln in lines if "Invalid" in ln or "invalid" in ln or "error" in ln.lower()]
    return f"ffmpeg cannot decode it ({(useful or lines or ['unknown error'])[-1][:160]})"


def conversion_pool(workers: int | None = None, close_fds: tuple[int, ...] = ()) -> ProcessPoolExecutor:
    """One process per core. Linux forks (cheap, and `spawn` would re-import the caller's main
    module, breaking scripts without a `__main__` guard); the child only runs `convert`, which
    touches none of the parent's thread-held locks. Windows and macOS spawn (their default).

    `close_fds` are closed in each forked worker: a worker must not keep the export's lock
    alive after its parent was killed."""
    # Imported here: multiprocessing and its pickle cost the window's start-up ~14 ms otherwise.
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    n = workers or os.cpu_count() or 1
    method = "fork" if sys.platform.startswith("linux") else "spawn"
    return ProcessPoolExecutor(max_workers=max(1, n), mp_context=multiprocessing.get_context(method),
                               initializer=_close_inherited, initargs=(close_fds if method == "fork" else (),))


def _close_inherited(fds: tuple[int, ...]) -> None:
    for fd in fds:
        with contextlib.suppress(OSError):
            os.close(fd)
    if sys.platform.startswith("linux"):
        # Die with the parent: an orphan finishing its file would race the re-run that resumes it.
        with contextlib.suppress(OSError, AttributeError):
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(1, 9)  # PR_SET_PDEATHSIG, SIGKILL
