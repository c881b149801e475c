"""Notes and tags: what saving a note costs the reader and the cache.

    python benchmarks/bench_notes.py [--sentences 2000] [--notes 100] [--calls 50000]

1. The transcript pane re-renders its document when the notes change (markers sit inside the
   sentences). Timed on a long transcript: the first render without notes, with notes, and a
   re-render for one more note, as ratios to the plain render in the same run.
2. What one notes request reads in its worker (the call's notes and tags, every tag in use for
   completion) on a cache of many tagged calls, as a ratio to opening the Store it runs on.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))


def median_ms(fn, runs: int = 7) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def transcript(sentences: int, notes: int) -> None:
    from PySide6.QtWidgets import QApplication

    from recbrowser.domain import Segment
    from recbrowser.store import Note
    from recbrowser.ui.call_pane.transcript_pane import TranscriptPane

    app = QApplication.instance() or QApplication([])
    segments = [Segment(f"Sentence number {i}, about the invoice and the refund.", f"S{i % 2}", "agent", i * 3000, i * 3000 + 2500)
                for i in range(sentences)]
    marks = [Note(i, (i * sentences * 3000) // max(1, notes), f"note {i}", 0) for i in range(notes)]
    pane = TranscriptPane()
    pane.resize(500, 700)
    pane.show()
    app.processEvents()

    pane.set_segments(list(segments))
    pane.set_notes(marks)
    placed = pane._placed_notes()  # each note under its sentence, as the pane places them
    pane.set_notes(marks[:-1])
    fewer = pane._placed_notes()
    view = pane.view

    def plain() -> None:
        view.set_segments(segments, "", {})

    def with_notes() -> None:
        view.set_segments(segments, "", placed)

    def one_more() -> None:
        view.set_notes(fewer)
        view.set_notes(placed)

    base = median_ms(plain)
    print(f"transcript of {sentences:,} sentences: render {base:.1f} ms")
    print(f"  with {notes} notes (render + markers): {median_ms(with_notes) / base:.2f}x the plain render")
    print(f"  one note added (re-render keeping the place): {median_ms(one_more) / 2 / base:.2f}x the plain render")
    pane.close()


def cache(calls: int) -> None:
    from support.store_helpers import all_calls
    from support.ui_helpers import fill

    from recbrowser.store import Store

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "cache.sqlite3"
        store = Store.open(path)
        fill(store, calls, name="bench")
        ids = [r.provider_id for r in all_calls(store)]
        with store.transaction():
            for i, pid in enumerate(ids):
                store.add_tag("bench", pid, f"tag {i % 40}")
                if i % 3 == 0:
                    store.add_tag("bench", pid, "review")
                if i % 10 == 0:
                    store.add_note("bench", pid, i, "a note")
        store.close()
        target = ids[len(ids) // 2]

        def open_only() -> None:
            Store.open(path).close()

        def request() -> None:
            s = Store.open(path)
            s.notes("bench", target), s.tags("bench", target), s.all_tags()
            s.close()

        base = median_ms(open_only)
        full = median_ms(request)
        print(f"cache of {calls:,} calls, {calls + calls // 3:,} tags, {calls // 10:,} notes:")
        print(f"  one notes request in its worker: {full:.1f} ms = {full / base:.2f}x opening the Store ({base:.1f} ms)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sentences", type=int, default=2000)
    ap.add_argument("--notes", type=int, default=100)
    ap.add_argument("--calls", type=int, default=50_000)
    args = ap.parse_args()
    transcript(args.sentences, args.notes)
    cache(args.calls)


if __name__ == "__main__":
    main()
