"""The full-text tables' shape since schema v9: FTS5 prefix indexes for one- to three-letter prefixes.

Without them a prefix query makes FTS5 merge the hit lists of every word that starts with the
prefix before it can return one hit: `k*` on a million calls (5,000,000 sentences) merged
1.6 million hits and took 3 s, however few the page wanted. With `prefix='1 2 3'` the index
also keeps each word under its first one, two and three letters, so such a prefix is read like
a single word (2 ms). Longer prefixes match few enough words to merge quickly (`pric*`: three
words). The hits and their ranks are the same either way; the index costs about twice the
room of the words alone (5,000,000 sentences: 187 -> 567 MB) and writing it ~2x the FTS work.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlite_utils import Database

TOKENIZE = "tokenize = 'unicode61 remove_diacritics 2'"
PREFIX = "prefix = '1 2 3'"


def v9_prefix_indexes(db: Database) -> None:
    """Re-create both FTS5 tables with prefix indexes and index their text again (external
    content: the text stays where it is; the v1 triggers that keep them in step carry on)."""
    db.execute("DROP TABLE segments_fts")
    db.execute(f"CREATE VIRTUAL TABLE segments_fts USING fts5(text, content='segments', content_rowid='id', {TOKENIZE}, {PREFIX})")
    db.execute("INSERT INTO segments_fts(segments_fts) VALUES ('rebuild')")
    db.execute("DROP TABLE summaries_fts")
    db.execute(f"CREATE VIRTUAL TABLE summaries_fts USING fts5(summary, content='calls', content_rowid='id', {TOKENIZE}, {PREFIX})")
    # Only calls with a summary, as sync indexes them (calls.INDEX_SUMMARIES): bm25 counts the
    # indexed rows, so indexing the empty ones would change every summary's rank.
    db.execute("INSERT INTO summaries_fts (rowid, summary) SELECT id, summary FROM calls WHERE summary != ''")
