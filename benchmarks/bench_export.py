"""Bulk export of WAV calls to MP3: wall time with parallel conversion vs one worker, peak memory.

Builds a throwaway cache of N calls whose recordings are M-minute 8 kHz WAV files of real
speech clips (hard links of one file, so the set costs one file of disk), marks them downloaded,
then runs the same export with one conversion worker and with each count in --workers (one per
core by default), in an order rotating over --rounds rounds (so a change in the machine's load
hits every side), each in its own process so peak memory is its own; it prints every run and the
spread of the per-round ratios. Each round also times bare ffmpeg runs one at a time and one per
core at a time: the ratio the machine itself allowed
then, which the export's ratio is best read against on a shared machine. Memory is
ru_maxrss: the export process itself, and the largest single child (a worker or its ffmpeg).

    ./run bench export [--calls 200] [--minutes 10] [--rounds 3] [--workers 2,3] [--audio mp3|wav|original] [--zip]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

import imageio_ffmpeg

from recbrowser.domain import Account, Call, Party, Recording
from recbrowser.emulators import speech
from recbrowser.services.audio_convert import LAME_SPEED, MP3_BITRATE, WAV_PACKET
from recbrowser.services.export import ExportOptions, run_export
from recbrowser.store import CallFilter, Store

RATE = 8000


def speech_wav(path: Path, minutes: float) -> None:
    """Speech clips with short pauses, repeated to the length asked for."""
    clips = []
    for p in sorted(Path(speech.__file__).with_name("speech").glob("*.wav")):
        with wave.open(str(p)) as w:
            clips.append(w.readframes(w.getnframes()))
    pause = bytes(RATE // 2 * 2)
    one_round = b"".join(c + pause for c in clips)
    need = int(minutes * 60 * RATE) * 2
    pcm = (one_round * (need // len(one_round) + 1))[:need]
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(pcm)


def build(root: Path, calls: int, minutes: float) -> None:
    media = root / "media" / "bench"
    media.mkdir(parents=True)
    base = media / "base.wav"
    speech_wav(base, minutes)
    digest, size = hashlib.sha256(base.read_bytes()).hexdigest(), base.stat().st_size
    with Store.open(root / "cache.sqlite3") as store:
        account = store.add_account(Account(name="bench", provider="yeastar", settings={}))
        batch = []
        for i in range(calls):
            batch.append(Call(provider_id=f"call-{i:04d}", start_ms=1_778_000_000_000 + i * 60_000, direction="inbound",
                              from_party=Party(f"+4930{i:07d}"), to_party=Party("201"), status="answered",
                              duration_ms=int(minutes * 60_000), has_audio=True,
                              recordings=[Recording(f"rec-{i:04d}", file_name=f"rec-{i:04d}.wav", format="wav",
                                                    size=size, duration_ms=int(minutes * 60_000))]))
        store.upsert_calls(account.id, batch)
        for i in range(calls):
            path = media / f"rec-{i:04d}.wav"
            os.link(base, path)
            store.record_media(account.id, f"rec-{i:04d}", str(path), size, digest)


def run_one(root: Path, workers: int, tag: str, audio: str = "mp3", zip_: bool = False) -> dict:
    with Store.open(root / "cache.sqlite3") as store:
        rows, _ = store.list_calls(CallFilter(), limit=100_000)
        refs = [r.ref for r in rows]
        t = time.perf_counter()
        dest = root / (f"out-{tag}.zip" if zip_ else f"out-{tag}")
        summary = run_export(store, refs, dest, ExportOptions(audio=audio, transcripts=(), workers=workers),
                             media_root=root / "media")
        wall = time.perf_counter() - t
    assert not summary.failed and len(summary.exported) == len(refs), summary.failed[:3]
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"wall_s": wall, "self_mb": me.ru_maxrss / 1024, "child_mb": kids.ru_maxrss / 1024,
            "self_cpu_s": me.ru_utime + me.ru_stime, "child_cpu_s": kids.ru_utime + kids.ru_stime}


def bare_ffmpeg(src: Path, out: Path, jobs: int, parallel: int) -> float:
    """Wall time of `jobs` bare ffmpeg WAV->MP3 runs (same settings as the export, read size too), `parallel` at
    a time: what the machine itself allows at this moment, with no Python, pydub or export around."""
    ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
    cmd = [ffmpeg, "-nostdin", "-v", "error", "-y", "-f", "wav", "-max_size", str(WAV_PACKET), "-i", str(src),
           "-c:a", "libmp3lame", "-b:a", MP3_BITRATE, *LAME_SPEED]
    t = time.perf_counter()
    for first in range(0, jobs, parallel):
        procs = [subprocess.Popen([*cmd, str(out.with_name(f"bare-{i}.mp3"))]) for i in range(first, min(jobs, first + parallel))]
        for p in procs:
            p.wait()
    return time.perf_counter() - t


def spread(values: list[float]) -> str:
    v = sorted(values)
    return f"median {statistics.median(v):.2f}, min {v[0]:.2f}, max {v[-1]:.2f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=200)
    ap.add_argument("--minutes", type=float, default=10)
    ap.add_argument("--workers", default=str(os.cpu_count() or 1),
                    help="the parallel runs' worker counts, comma-separated (e.g. 2,3): each is run beside 1 worker")
    ap.add_argument("--rounds", type=int, default=3, help="rounds of runs, 1 worker and each of --workers, order rotating")
    ap.add_argument("--audio", default="mp3", choices=["mp3", "wav", "original"])
    ap.add_argument("--zip", action="store_true", help="export to a ZIP instead of a folder")
    ap.add_argument("--bare", type=int, default=20, help="bare ffmpeg runs per round, for the machine's own ceiling")
    ap.add_argument("--run-one", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--root", help=argparse.SUPPRESS)
    ap.add_argument("--tag", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.run_one:
        print(json.dumps(run_one(Path(args.root), args.run_one, args.tag, args.audio, args.zip)))
        return
    with tempfile.TemporaryDirectory(prefix="bench-export-") as tmp:
        root = Path(tmp)
        t = time.perf_counter()
        build(root, args.calls, args.minutes)
        print(f"export: --audio {args.audio} to a {'ZIP' if args.zip else 'folder'}; "
              f"scale: {args.calls} calls x {args.minutes:g} min of 8 kHz 16-bit mono WAV "
              f"({args.calls * args.minutes * 60 * RATE * 2 / 1e6:.0f} MB of audio), built in {time.perf_counter() - t:.1f} s; "
              f"{os.cpu_count()} CPUs")
        counts = [int(w) for w in args.workers.split(",")]
        sides = [1, *(c for c in counts if c != 1)]
        many_n = os.cpu_count() or 1  # the machine's ceiling: one conversion per core
        results: dict[int, list[dict]] = {w: [] for w in sides}
        ratios: dict[int, list[float]] = {w: [] for w in sides[1:]}
        ceilings: list[float] = []
        for n in range(args.rounds):
            # The order rotates, so a change in the machine's load hits every side alike; ratios are per round.
            for workers in sides[n % len(sides):] + sides[:n % len(sides)]:
                load = os.getloadavg()[0]
                out = subprocess.run([sys.executable, __file__, "--run-one", str(workers), "--root", tmp, "--tag", f"{n}-{workers}",
                                      "--audio", args.audio, *(["--zip"] if args.zip else [])],
                                     capture_output=True, text=True, check=True)
                r = json.loads(out.stdout.strip().splitlines()[-1])
                r["load"] = load
                results[workers].append(r)
                out_path = root / f"out-{n}-{workers}{'.zip' if args.zip else ''}"
                out_path.unlink() if args.zip else shutil.rmtree(out_path)
                cores = (r["self_cpu_s"] + r["child_cpu_s"]) / r["wall_s"]
                print(f"round {n + 1}, {workers} worker(s): {r['wall_s']:.1f} s wall, CPU {r['self_cpu_s']:.1f} s export process "
                      f"+ {r['child_cpu_s']:.1f} s workers and ffmpeg = {cores:.2f} cores busy, "
                      f"{args.calls * args.minutes / r['wall_s']:.0f} audio-minutes/s, peak RSS {r['self_mb']:.0f} MB "
                      f"(export process) + {r['child_mb']:.0f} MB (largest child), load {load:.1f} before", flush=True)
            for w in sides[1:]:
                ratios[w].append(results[1][-1]["wall_s"] / results[w][-1]["wall_s"])
            if args.bare:
                base = root / "media" / "bench" / "base.wav"
                one = bare_ffmpeg(base, root / "bare.mp3", args.bare, 1)
                many = bare_ffmpeg(base, root / "bare.mp3", args.bare, many_n)
                ceilings.append(one / many)
                print(f"round {n + 1}, bare ffmpeg x {args.bare}: {one:.1f} s one at a time, {many:.1f} s {many_n} at a time "
                      f"= {one / many:.2f}x (the machine's own ceiling just now); export ratios this round "
                      f"{', '.join(f'{w} workers {ratios[w][-1]:.2f}x' for w in sides[1:])}", flush=True)
        for w in sides:
            print(f"{w} worker(s) wall (s): {spread([r['wall_s'] for r in results[w]])}")
        for w in sides[1:]:
            print(f"speed-up with {w} workers vs 1, per round: {', '.join(f'{x:.2f}x' for x in ratios[w])}; "
                  f"{spread(ratios[w])}  (target >= 1.7x on 2 cores)")
        if ceilings:
            print(f"bare ffmpeg, {many_n} at a time vs one: {', '.join(f'{x:.2f}x' for x in ceilings)}; {spread(ceilings)}")

if __name__ == "__main__":
    main()
