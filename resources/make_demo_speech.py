"""Record the emulators' demo speech clips with espeak-ng (run by hand; the output is committed).

    python resources/make_demo_speech.py

Needs the `espeak-ng` program (Debian package `espeak-ng`) and imageio-ffmpeg. Writes 8 kHz
mono 16-bit WAV clips and `sentences.json` (text, speaker, duration) into
recbrowser/emulators/speech/. Clips are short and trimmed of silence so the repo stays small;
the emulator lays them out with its own gaps.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
import wave
from pathlib import Path

import imageio_ffmpeg

OUT = Path(__file__).resolve().parent.parent / "recbrowser" / "emulators" / "speech"
VOICES = {"agent": "en-us+f3", "caller": "en-gb+m3"}  # two clearly different voices
SPEED = 170  # words per minute

# (key, speaker, text): a typical contact-center call, in the order a call uses them.
SENTENCES = [
    ("greeting", "agent", "Northwind support, this is Anna. How can I help?"),
    ("ask_price", "caller", "Hi, what is the price of the premium plan?"),
    ("tell_price", "agent", "The premium plan is forty nine euros a month."),
    ("ask_invoice", "caller", "Hello, I was charged twice on my last invoice."),
    ("offer_refund", "agent", "Sorry about that. I will issue a refund."),
    ("card_number", "caller", "My card number is four one one one, two two two two."),
    ("refund_eta", "agent", "Thanks. The refund arrives within five days."),
    ("ask_delivery", "caller", "When will my order be delivered?"),
    ("next_week", "agent", "Delivery is planned for next week, on Tuesday."),
    ("anything_else", "agent", "Is there anything else I can do for you?"),
    ("caller_bye", "caller", "No, that is all. Thank you, goodbye."),
    ("agent_bye", "agent", "Thank you for calling. Goodbye."),
]


def record(text: str, voice: str, target: Path) -> int:
    """Speak `text` to `target` as 8 kHz mono s16 WAV, silence trimmed; return its length in ms."""
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw.wav"
        subprocess.run(["espeak-ng", "-v", voice, "-s", str(SPEED), "-w", str(raw), text], check=True)
        trim = "silenceremove=start_periods=1:start_threshold=-50dB,areverse," \
               "silenceremove=start_periods=1:start_threshold=-50dB,areverse"
        subprocess.run(
            [imageio_ffmpeg.get_ffmpeg_exe(), "-loglevel", "error", "-y", "-i", str(raw), "-af", trim,
             "-ar", "8000", "-ac", "1", "-c:a", "pcm_s16le", "-map_metadata", "-1", "-fflags", "+bitexact",
             str(target)],
            check=True,
        )
    with wave.open(str(target)) as w:
        return round(w.getnframes() * 1000 / w.getframerate())


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    listing = []
    for key, speaker, text in SENTENCES:
        ms = record(text, VOICES[speaker], OUT / f"{key}.wav")
        listing.append({"key": key, "file": f"{key}.wav", "speaker": speaker, "text": text, "duration_ms": ms})
        print(f"{key}: {ms} ms")
    (OUT / "sentences.json").write_text(json.dumps(listing, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
