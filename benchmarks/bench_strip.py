"""Drawing a 10-minute call's waveform strip and speaker lanes at 1600 px, offscreen.

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_strip.py [--minutes 10] [--runs 20] [--width 1600]

The call is bench_waveform.py's long conversation (demo speech clips, 8 kHz mono), its peaks
decoded by ffmpeg once; its transcript has one timed sentence per clip, a hold, notes. Timed
with QWidget.render into a pixmap (what a paint costs, without a screen), median of `runs`:
- a full frame: the view changed (resize, zoom, scroll, new peaks), everything drawn again;
- a playhead frame: what playing costs each position tick (the static part is kept);
- a full frame zoomed 8x (fewer buckets per pixel).
Goal (issue 20): under 8 ms a frame.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def timed(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def frames(fn, runs: int) -> str:
    """Median and worst frame (wall clock), and the median CPU time of this process: on a
    machine others share, the wall clock also counts the time their processes held the core."""
    times, cpu = [], []
    for _ in range(runs):
        t, c = time.perf_counter(), time.process_time()
        fn()
        times.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    return f"{statistics.median(times):.2f} ms (worst {max(times):.1f}; CPU {statistics.median(cpu):.2f} ms)"


def main() -> None:
    from bench_waveform import long_call
    from PySide6.QtGui import QPixmap
    from PySide6.QtWidgets import QApplication

    from recbrowser.domain import Call, Party, Recording, Segment
    from recbrowser.emulators import speech
    from recbrowser.services import waveform
    from recbrowser.store.records import Note
    from recbrowser.ui.call_pane.speaker_colors import SpeakerColors
    from recbrowser.ui.player.strip_data import build
    from recbrowser.ui.player.waveform_strip import RecordingStrip

    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=int, default=10)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--width", type=int, default=1600)
    args = ap.parse_args()
    app = QApplication.instance() or QApplication([])

    wav = long_call(args.minutes)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "call.wav"
        path.write_bytes(wav)
        peaks = waveform.compute_peaks(path)
    # The transcript: each clip where long_call placed it (same seed), by its speaker.
    import random

    rng, t, segments = random.Random(7), 400, []
    keys = sorted(speech.sentences())
    while t < args.minutes * 60_000 - 6000:
        s = speech.sentences()[rng.choice(keys)]
        segments.append(Segment(s.text, "Anna" if s.speaker == "agent" else "Maria", s.speaker, t, t + s.duration_ms))
        t += s.duration_ms + rng.randint(300, 2500)
    duration = args.minutes * 60_000
    call = Call(provider_id="bench", start_ms=0, direction="inbound", status="answered", from_party=Party("+39021234"),
                to_party=Party("201"), duration_ms=duration, segments=segments,
                recordings=[Recording("r1", duration_ms=duration)],
                raw={"pauses": [{"reason": "hold", "offset_ms": duration // 3, "length_ms": 45_000}]})
    notes = [Note(i, duration * i // 7, f"note {i}", 0) for i in range(1, 7)]
    built = timed(lambda: build(call, 0, notes=notes, peaks=peaks), 3)
    data = build(call, 0, notes=notes, peaks=peaks)

    strip = RecordingStrip(0, SpeakerColors())
    strip.set_data(data, "Recording")
    strip.resize(args.width, strip.strip_height())
    target = QPixmap(strip.size())

    def full() -> None:
        strip._static_key = None  # as after a zoom, a scroll or new peaks
        strip.render(target)

    ticks = iter(range(10**9))

    def playhead() -> None:
        strip.set_position(next(ticks) * 40)
        strip.render(target)

    strip.render(target)  # the first frame packs the peaks for the pixel min/max (once per recording)
    full_ms = frames(full, args.runs)
    tick_ms = frames(playhead, args.runs)
    strip.set_view(duration / 3, duration / 8)
    zoom_ms = frames(full, args.runs)
    print(f"{args.minutes}-minute call, {len(segments)} sentences, {len(data.silences)} silences, "
          f"{peaks.buckets} buckets, strip {args.width}x{strip.height()} px (goal < 8 ms a frame):\n"
          f"  full frame {full_ms}\n  playhead frame {tick_ms}\n  full frame zoomed 8x {zoom_ms}\n"
          f"  strip data built in {built * 1000:.0f} ms (its silence map included: a worker reads it)")
    del app


if __name__ == "__main__":
    main()
