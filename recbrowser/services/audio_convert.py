"""Audio conversion for exports: pydub + the ffmpeg binary that imageio-ffmpeg ships.

imageio-ffmpeg brings no ffprobe, and pydub asks ffprobe whenever it is not told the input's
codec, so every input is named explicitly: WAV codecs are read from the file's own header
(PCM, mu-law, A-law, GSM), other containers get a fixed decoder. Conversions run in a process
pool, one per CPU core: ffmpeg and pydub's sample handling are CPU-bound.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import struct
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
    with open(path, "rb") as f:
        head = f.read(12)
        if len(head) < 12 or head[:4] not in (b"RIFF", b"RF64") or head[8:12] != b"WAVE":
            raise AudioUnreadable("it is not a WAV file")
        while True:
            chunk = f.read(8)
            if len(chunk) < 8:
                raise AudioUnreadable("its WAV header has no format chunk")
            cid, size = chunk[:4], struct.unpack("<I", chunk[4:])[0]
            if cid == b"fmt ":
                fmt = f.read(min(size, 40))
                tag, bits = struct.unpack("<H", fmt[:2])[0], struct.unpack("<H", fmt[14:16])[0]
                if tag == 0xFFFE and len(fmt) >= 26:  # WAVE_FORMAT_EXTENSIBLE: the real tag is in the GUID
                    tag = struct.unpack("<H", fmt[24:26])[0]
                if tag not in _WAV_TAGS:
                    raise AudioUnreadable(f"its WAV codec 0x{tag:04x} is not supported")
                if tag == 1 and bits not in (8, 16, 24, 32):
                    raise AudioUnreadable(f"it has {bits}-bit samples")
                return _WAV_TAGS[tag] if tag != 1 or bits != 24 else "pcm_s24le"
            f.seek(size + (size & 1), os.SEEK_CUR)


def decoder_for(path: Path, fmt: str) -> str | None:
    fmt = fmt.lower()
    if fmt == "wav":
        return wav_codec(path)
    return _DECODERS.get(fmt, fmt)


def convert(src: str, src_format: str, dst: str, target: str) -> tuple[int, str, int]:
    """Decode `src`, write `target` audio to `dst` (via `dst.part`, fsynced, renamed).

    Returns (size, sha256, duration_ms). Runs in a worker process: only picklable arguments.
    """
    import imageio_ffmpeg

    with warnings.catch_warnings():  # pydub looks for ffmpeg on PATH at import: we give it one below
        warnings.simplefilter("ignore", RuntimeWarning)
        from pydub import AudioSegment
        from pydub.exceptions import CouldntDecodeError, CouldntEncodeError

    AudioSegment.converter = imageio_ffmpeg.get_ffmpeg_exe()
    src_path, out = Path(src), Path(dst)
    part = out.with_name(f"{out.name}.{os.getpid()}.part")  # its own name: never shares a half-file
    try:
        codec = decoder_for(src_path, src_format)
        audio = AudioSegment.from_file(src_path, format=src_format.lower() or None, codec=codec)
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
        part.unlink(missing_ok=True)
        if "No space left" in str(e) or "File too large" in str(e):
            raise DiskFull(28, "No space left on device") from None
        raise EncodeFailed(f"ffmpeg stopped while encoding {target.upper()} ({_last_line(str(e))})") from None
    except OSError:
        part.unlink(missing_ok=True)
        raise
    digest = hashlib.sha256()
    with open(part, "rb+") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
        os.fsync(f.fileno())
    size = part.stat().st_size
    os.replace(part, out)
    return size, digest.hexdigest(), len(audio)


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
