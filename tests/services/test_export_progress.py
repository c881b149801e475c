"""Export progress in bytes: never more done than in all, whatever the providers declared."""

from __future__ import annotations

import sqlite3

from support.export_helpers import refs_of, synced
from support.yeastar_helpers import provider_for

from recbrowser.services.export import ExportOptions, run_export


def test_progress_never_shows_more_bytes_done_than_in_all(store, yeastar, data_dir, tmp_path):
    """Bandwidth, Dialgen and Wildix declare no recording sizes: the total
    used to count those as 0, so the line read "29.3 MB of 7.4 MB"."""
    synced(store, yeastar)
    with sqlite3.connect(data_dir.database) as con:
        con.execute("UPDATE recordings SET size = NULL WHERE rowid % 2 = 0")
    seen = []
    for dest in (tmp_path / "out", tmp_path / "out"):  # the second run finds every call exported
        summary = run_export(store, refs_of(store), dest, ExportOptions(workers=2), media_root=data_dir.media,
                             open_provider=lambda a: provider_for(a, yeastar), progress=seen.append)
        assert not summary.failed
    assert seen and all(p.bytes_done <= p.bytes_total for p in seen), [(p.bytes_done, p.bytes_total) for p in seen]
    audio = sum(f.stat().st_size for f in (tmp_path / "out").iterdir() if f.suffix in (".wav", ".mp3"))
    assert audio > 1_000_000
    finals = [p for p in seen if p.calls_done == p.calls_total]
    assert [(p.bytes_done, p.bytes_total) for p in finals] == [(audio, audio), (audio, audio)]
