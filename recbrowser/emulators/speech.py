"""Call audio for the emulators, assembled from committed speech clips (speech/*.wav).

A call's dialogue is *planned* cheaply from the clip lengths (so 20,000 calls can be generated
at start-up with correct durations and transcript offsets) and *rendered* to WAV bytes only
when a recording is downloaded. Offsets in the plan are exactly where each clip is pasted, so a
transcript built from the plan lines up with the words in the audio.
"""

from __future__ import annotations

import array
import io
import json
import random
import subprocess
import sys
import wave
from dataclasses import dataclass
from functools import cache
from pathlib import Path

CLIPS = Path(__file__).resolve().parent / "speech"
RATE = 8000  # Hz, mono, 16-bit: telephone quality, small clips
MP3_BITRATE = 32_000
_MP3_FRAME_SAMPLES = 576  # MPEG-2.5 layer III at 8 kHz
_MP3_FRAME_BYTES = 72 * MP3_BITRATE // RATE  # 288: CBR at 8 kHz never pads a frame

# Dialogue building blocks (sentence keys, see resources/make_demo_speech.py).
TOPICS = {
    "price": ("ask_price", "tell_price"),
    "invoice": ("ask_invoice", "offer_refund", "card_number", "refund_eta"),
    "delivery": ("ask_delivery", "next_week"),
}


@dataclass(frozen=True)
class Sentence:
    key: str
    file: str
    speaker: str  # "agent" or "caller"
    text: str
    duration_ms: int


@dataclass(frozen=True)
class Placement:
    """One sentence at its place in a recording."""

    offset_ms: int
    duration_ms: int
    text: str
    speaker: str
    key: str


@dataclass(frozen=True)
class Dialogue:
    placements: tuple[Placement, ...]
    total_ms: int  # whole seconds, as the PBX reports durations
    transfer_ms: int | None = None  # where the second leg starts, for a transferred call


@cache
def sentences() -> dict[str, Sentence]:
    rows = json.loads((CLIPS / "sentences.json").read_text(encoding="utf-8"))
    return {r["key"]: Sentence(r["key"], r["file"], r["speaker"], r["text"], int(r["duration_ms"])) for r in rows}


@cache
def _frames(key: str) -> bytes:
    with wave.open(str(CLIPS / sentences()[key].file)) as w:
        if (w.getframerate(), w.getnchannels(), w.getsampwidth()) != (RATE, 1, 2):
            raise ValueError(f"speech clip {key} is not 8 kHz mono 16-bit; re-run resources/make_demo_speech.py")
        return w.readframes(w.getnframes())


def plan_dialogue(rng: random.Random, transfer: bool = False) -> Dialogue:
    """Greeting, one or two topics, maybe "anything else", goodbyes; gaps between turns.

    With `transfer`, the call is handed to a second agent after the first topic: a few
    seconds of silence (the transfer ringing) separate the two legs.
    """
    said = sentences()
    topics = rng.sample(sorted(TOPICS), 2 if transfer else rng.choice((1, 1, 2)))
    first = ["greeting", *TOPICS[topics[0]]]
    rest = [k for t in topics[1:] for k in TOPICS[t]]
    if rng.random() < 0.5:
        rest.append("anything_else")
    rest += ["caller_bye", "agent_bye"]
    placements: list[Placement] = []
    t = rng.randint(200, 600)  # the recording starts just before the first word
    transfer_ms = None
    for i, key in enumerate(first + rest):
        if i == len(first) and transfer:
            t += rng.randint(2000, 4000)
            transfer_ms = t - 300
        s = said[key]
        placements.append(Placement(t, s.duration_ms, s.text, s.speaker, key))
        t += s.duration_ms + rng.randint(300, 900)
    total = -(-t // 1000) * 1000
    return Dialogue(tuple(placements), total, transfer_ms)


def render_wav(dialogue: Dialogue) -> bytes:
    """The recording as WAV bytes: silence with each clip pasted at its offset (clips that
    overlap, two people talking at once, are mixed)."""
    pcm = bytearray(dialogue.total_ms * RATE // 1000 * 2)
    for p in dialogue.placements:
        at = p.offset_ms * RATE // 1000 * 2
        clip = _frames(p.key)[: len(pcm) - at]
        under = pcm[at : at + len(clip)]
        if under.count(0) != len(under):
            clip = _mix(bytes(under), clip)
        pcm[at : at + len(clip)] = clip
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(bytes(pcm))
    return out.getvalue()


def _mix(a: bytes, b: bytes) -> bytes:
    """Two 16-bit little-endian clips of one length, added and clipped."""
    x, y = array.array("h", a), array.array("h", b)
    if sys.byteorder == "big":  # pragma: no cover
        x.byteswap()
        y.byteswap()
    out = array.array("h", (max(-32768, min(32767, i + j)) for i, j in zip(x, y, strict=True)))
    if sys.byteorder == "big":  # pragma: no cover
        out.byteswap()
    return out.tobytes()


def wav_size(total_ms: int) -> int:
    return 44 + total_ms * RATE // 1000 * 2  # the canonical 44-byte header `wave` writes


def mp3_size(total_ms: int) -> int:
    """The byte length `to_mp3` produces, known without encoding (LAME CBR, no tags): the
    samples plus the encoder's 1105-sample delay, in 576-sample frames of 288 bytes."""
    samples = total_ms * RATE // 1000
    return -(-(samples + 1105) // _MP3_FRAME_SAMPLES) * _MP3_FRAME_BYTES


def to_mp3(wav: bytes, total_ms: int) -> bytes:
    """Encode with the imageio-ffmpeg binary, then fit to `mp3_size` exactly, so the size listed
    before encoding equals the bytes served (a safety net: the formula is normally exact)."""
    import imageio_ffmpeg

    cmd = [imageio_ffmpeg.get_ffmpeg_exe(), "-loglevel", "error", "-f", "wav", "-i", "pipe:0",
           "-c:a", "libmp3lame", "-b:a", str(MP3_BITRATE), "-write_xing", "0", "-id3v2_version", "0",
           "-f", "mp3", "pipe:1"]
    data = subprocess.run(cmd, input=wav, capture_output=True, check=True).stdout
    size = mp3_size(total_ms)
    return data[:size] + b"\0" * max(0, size - len(data))
