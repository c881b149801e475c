"""Waveform peaks of a 10-minute MP3: decode at 8 kHz, min/max per 10 ms, write the .dat.

    python benchmarks/bench_waveform.py [--minutes 10] [--runs 5]

Decoded in parts side by side (one ffmpeg per core, services/waveform.py) and, for comparison
under the same load, in one ffmpeg over the whole file as before. Besides the wall time it
prints the CPU time of the ffmpeg processes and the longest part's CPU time: on a shared
machine the wall time follows the load, while the longest part is what the wall time comes
to with a free core per part.

The MP3 is made with ffmpeg from the demo speech clips (a long planned conversation, 8 kHz mono
at 32 kbit/s like the emulators serve, and once more at 44.1 kHz stereo 128 kbit/s, what a
recorder on a desk might write). Prints the median time of `peaks_for` without a kept .dat
(decode + peaks + write), the time to read a kept one, and the silence map from the peaks.
Goal (issue 20): under 0.5 s for the 10-minute MP3.
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import subprocess
import tempfile
import time
from pathlib import Path


def long_call(minutes: int) -> bytes:
    from recbrowser.emulators import speech

    rng = random.Random(7)
    placements, t = [], 400
    keys = sorted(speech.sentences())
    while t < minutes * 60_000 - 6000:
        s = speech.sentences()[rng.choice(keys)]
        placements.append(speech.Placement(t, s.duration_ms, s.text, s.speaker, s.key))
        t += s.duration_ms + rng.randint(300, 2500)
    return speech.render_wav(speech.Dialogue(tuple(placements), minutes * 60_000))


def to_mp3(wav: bytes, out: Path, rate: int, channels: int, bitrate: str) -> None:
    from recbrowser.services.waveform import ffmpeg_exe

    subprocess.run([ffmpeg_exe(), "-loglevel", "error", "-y", "-f", "wav", "-i", "pipe:0", "-ar", str(rate),
                    "-ac", str(channels), "-c:a", "libmp3lame", "-b:a", bitrate, str(out)], input=wav, check=True)


def timed(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def cpu_of(fn) -> float:
    before = children_cpu()
    fn()
    return children_cpu() - before


def one_piece(waveform, mp3: Path) -> None:
    waveform.peaks_of(*waveform._decode_span(mp3))


def longest_part_cpu(waveform, mp3: Path) -> tuple[int, float]:
    """(parts, the CPU time of the longest one), each part decoded alone."""
    parts, seconds = waveform._plan(mp3)
    if parts < 2:
        return 1, cpu_of(lambda: waveform._decode_span(mp3))
    step = seconds / parts
    pre = waveform.PREROLL_S
    return parts, max(min(cpu_of(lambda i=i: waveform._decode_span(mp3, max(0.0, i * step - pre), step + 2 * pre))
                          for _ in range(3)) for i in range(parts))


def main() -> None:
    from recbrowser.services import waveform

    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=int, default=10)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    wav = long_call(args.minutes)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for label, rate, channels, bitrate in (("8 kHz mono 32k", 8000, 1, "32k"), ("44.1 kHz stereo 128k", 44100, 2, "128k")):
            mp3 = folder / f"call-{rate}.mp3"
            to_mp3(wav, mp3, rate, channels, bitrate)
            peaks_dir = folder / "peaks"
            sha = f"{rate:064x}"

            def fresh(mp3=mp3, peaks_dir=peaks_dir, sha=sha) -> None:
                waveform.peaks_path(peaks_dir, sha).unlink(missing_ok=True)
                waveform.peaks_for(mp3, sha, peaks_dir)

            compute = timed(fresh, args.runs)
            compute_cpu = min(cpu_of(fresh) for _ in range(args.runs))
            whole = timed(lambda mp3=mp3: one_piece(waveform, mp3), args.runs)
            whole_cpu = min(cpu_of(lambda mp3=mp3: one_piece(waveform, mp3)) for _ in range(args.runs))
            parts, longest = longest_part_cpu(waveform, mp3)
            kept = timed(lambda mp3=mp3, peaks_dir=peaks_dir, sha=sha: waveform.peaks_for(mp3, sha, peaks_dir), args.runs)
            peaks = waveform.peaks_for(mp3, sha, peaks_dir)
            quiet = timed(lambda peaks=peaks: waveform.silences(peaks), args.runs)
            size = waveform.peaks_path(peaks_dir, sha).stat().st_size
            print(f"{args.minutes}-minute MP3, {label} ({mp3.stat().st_size // 1024} KiB): peaks computed and kept "
                  f"{compute * 1000:.0f} ms wall (goal < 500), ffmpeg CPU {compute_cpu * 1000:.0f} ms in {parts} part(s), "
                  f"longest part {longest * 1000:.0f} ms CPU; in one piece as before {whole * 1000:.0f} ms wall, "
                  f"{whole_cpu * 1000:.0f} ms CPU; kept .dat read {kept * 1000:.1f} ms ({size // 1024} KiB, "
                  f"{peaks.channels} channel(s), {peaks.buckets} buckets), silence map {quiet * 1000:.1f} ms")


if __name__ == "__main__":
    main()
