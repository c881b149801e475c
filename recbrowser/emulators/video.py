"""Demo video recordings for the Voki emulator: WebM with VP8 video and Opus speech.

Made with the imageio-ffmpeg binary at first use and cached on disk, so a test session or a
demo pays the encoding (about half a second per clip) once. One clip per dialogue topic: the
speech is the committed clips of `speech.py`, so the transcript the emulator serves is exactly
what is said. The picture is ffmpeg's `testsrc2` pattern (a moving bar and a running counter):
enough to see that video plays, tiny at 160x120 and 5 frames a second.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import tempfile
import threading
from functools import cache
from pathlib import Path

from recbrowser.emulators import speech

GAP_MS = 500  # silence between turns
LEAD_MS = 300  # the recording starts just before the first word
VIDEO = ("testsrc2=size=160x120:rate=5", "libvpx", "32k")
AUDIO_BITRATE = "16k"
_lock = threading.Lock()


def topic_keys(topic: str) -> tuple[str, ...]:
    """The sentences of one demo call about `topic` (a key of speech.TOPICS)."""
    return ("greeting", *speech.TOPICS[topic], "caller_bye", "agent_bye")


@cache
def dialogue(topic: str) -> speech.Dialogue:
    """A fixed dialogue per topic: every call on that topic shows the same clip."""
    said = speech.sentences()
    placements, t = [], LEAD_MS
    for key in topic_keys(topic):
        s = said[key]
        placements.append(speech.Placement(t, s.duration_ms, s.text, s.speaker, key))
        t += s.duration_ms + GAP_MS
    return speech.Dialogue(tuple(placements), -(-t // 1000) * 1000)


def cache_dir() -> Path:
    """RECBROWSER_VIDEO_CACHE, else the system temp folder: the clips are rebuilt when missing."""
    root = os.environ.get("RECBROWSER_VIDEO_CACHE") or tempfile.gettempdir()
    return Path(root) / "recbrowser-demo-video"


def _cache_path(topic: str, wav: bytes) -> Path:
    # The name carries what went into the clip: new speech or settings make a new file.
    digest = hashlib.sha256(wav + repr((VIDEO, AUDIO_BITRATE)).encode()).hexdigest()[:16]
    return cache_dir() / f"voki-{topic}-{digest}.webm"


@cache
def webm(topic: str) -> bytes:
    """The WebM bytes of one topic's clip: read from the cache, or encoded once and cached."""
    d = dialogue(topic)
    wav = speech.render_wav(d)
    path = _cache_path(topic, wav)
    with _lock:
        if path.is_file() and path.stat().st_size > 0:
            return path.read_bytes()
        data = encode(wav, d.total_ms)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written beside and renamed: two test processes may build the same clip at once.
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".part")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
        return data


def encode(wav: bytes, total_ms: int) -> bytes:
    """WAV speech + a test pattern -> WebM (VP8 + Opus), `total_ms` long."""
    import imageio_ffmpeg

    source, vcodec, vrate = VIDEO
    cmd = [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", source,
           "-f", "wav", "-i", "pipe:0", "-t", f"{total_ms / 1000:.3f}", "-map", "0:v", "-map", "1:a",
           "-c:v", vcodec, "-b:v", vrate, "-deadline", "realtime", "-cpu-used", "8",
           "-c:a", "libopus", "-b:a", AUDIO_BITRATE, "-fflags", "+bitexact", "-f", "webm", "pipe:1"]
    try:
        out = subprocess.run(cmd, input=wav, capture_output=True, check=True, timeout=120)
    except subprocess.CalledProcessError as e:
        raise RuntimeError(f"ffmpeg could not make the demo video: {e.stderr.decode('utf-8', 'replace')[-300:]}") from None
    return out.stdout
