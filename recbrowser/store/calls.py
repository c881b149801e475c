"""Writing calls (idempotent upsert of a synced page) and reading one call back whole.

Speed matters here (a first sync can bring a million calls), so a page is written with a
handful of prepared `executemany` statements, not row by row: one lookup of the ids already
cached, one upsert, then legs, recordings and segments in bulk, and the FTS rows of the new
text with one INSERT ... SELECT each (deletes and updates reach FTS through triggers; see
migrations.py for why inserts do not).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from recbrowser.domain import Call, Leg, Party, Recording, Segment
from recbrowser.errors import StoreError
from recbrowser.store.accounts import now_ms
from recbrowser.store.records import DELETED_MARK, GONE_MARK

CHUNK = 900  # bound parameters per IN (...) list, well under SQLite's limit

_CALL_COLUMNS = (
    "account_id", "provider_id", "start_ms", "direction", "from_number", "from_name", "to_number", "to_name",
    "agent", "status", "duration_ms", "ring_ms", "talk_ms", "hold_ms", "has_audio", "audio_reason",
    "transcript_status", "summary", "leg_count", "raw_json", "first_seen_ms", "updated_ms",
    "sentiment", "queue", "department", "provider_tags", "language", "details_json",
)
# Updated on every re-sync. first_seen_ms and the id never change, so notes and tags
# (which point at the id) survive; this is why we never use INSERT OR REPLACE on calls.
_ALWAYS = [c for c in _CALL_COLUMNS if c not in ("account_id", "provider_id", "first_seen_ms", "summary", "transcript_status",
                                                  "sentiment", "language")]
_INSERT = f"INSERT INTO calls (id, {', '.join(_CALL_COLUMNS)}) VALUES (?, {', '.join('?' * len(_CALL_COLUMNS))}) ON CONFLICT (account_id, provider_id) DO UPDATE SET "
_SET_ALWAYS = ", ".join(f"{c} = excluded.{c}" for c in _ALWAYS)
# The transcript came with this page: take the provider's summary and status as they are.
UPSERT_WITH_TRANSCRIPT = (_INSERT + _SET_ALWAYS + ", summary = excluded.summary, transcript_status = excluded.transcript_status"
                          ", sentiment = excluded.sentiment, language = excluded.language")
# No transcript in this page: keep the cached one, and never let 'available' fall back to
# 'pending'/'none' (the cached text is still there).
UPSERT_KEEP_TRANSCRIPT = (
    _INSERT + _SET_ALWAYS + ", transcript_status = CASE WHEN calls.transcript_status = 'available' "
    "THEN 'available' ELSE excluded.transcript_status END"
    # What was read from the kept transcript stays with it when this page says nothing.
    ", sentiment = CASE WHEN excluded.sentiment = '' THEN calls.sentiment ELSE excluded.sentiment END"
    ", language = CASE WHEN excluded.language = '' THEN calls.language ELSE excluded.language END"
)
_SEGMENT_COLUMNS = "call_id, seq, leg, speaker, role, start_ms, end_ms, text, confidence"
INSERT_SEGMENT = f"INSERT INTO segments (id, {_SEGMENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
INDEX_SEGMENTS = "INSERT INTO segments_fts (rowid, text) SELECT id, text FROM segments WHERE id > ?"
INDEX_SUMMARIES = (
    "INSERT INTO summaries_fts (rowid, summary) SELECT id, summary FROM calls "
    "WHERE id IN (SELECT value FROM json_each(?)) AND summary != ''"
)
INSERT_LEG = (
    "INSERT INTO legs (call_id, idx, provider_id, start_ms, from_number, from_name, to_number, to_name, status, "
    "duration_ms, talk_ms, ring_ms, hold_ms, call_type) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
# Recordings have no dependants (media_files is keyed by the provider's id), so REPLACE is
# safe here, and it also moves a recording that the provider re-attached to another call.
INSERT_RECORDING = (
    "INSERT OR REPLACE INTO recordings (call_id, account_id, provider_id, file_name, format, size, duration_ms, "
    "start_ms, expires_ms, leg, raw_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


# DELETED_MARK and GONE_MARK (records.py): local facts about a recording, kept in its raw JSON
# (provider_deletions, and recordings kept after the provider stopped listing them).

_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str).encode  # built once: dumps() builds one per call


def _json(value: dict[str, Any]) -> str:
    return _ENCODE(value) if value else "{}"


def _chunks(items: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), CHUNK):
        yield items[i : i + CHUNK]


def _ids(conn: sqlite3.Connection, account_id: int, provider_ids: Sequence[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for part in _chunks(provider_ids):
        sql = f"SELECT provider_id, id FROM calls WHERE account_id = ? AND provider_id IN ({','.join('?' * len(part))})"
        out.update(conn.execute(sql, (account_id, *part)).fetchall())
    return out


def _delete_for(conn: sqlite3.Connection, table: str, call_ids: Sequence[int]) -> None:
    for part in _chunks(call_ids):
        conn.execute(f"DELETE FROM {table} WHERE call_id IN ({','.join('?' * len(part))})", tuple(part))


def _segment_rows(call_id: int, segments: Iterable[Segment]) -> list[tuple]:
    return [
        (call_id, seq, s.leg, s.speaker, s.role, s.start_ms, s.end_ms, s.text, s.confidence)
        for seq, s in enumerate(segments)
    ]


def _cached_segments(conn: sqlite3.Connection, call_ids: Sequence[int]) -> dict[int, list[tuple]]:
    out: dict[int, list[tuple]] = {i: [] for i in call_ids}
    for part in _chunks(call_ids):
        sql = f"SELECT {_SEGMENT_COLUMNS} FROM segments WHERE call_id IN ({','.join('?' * len(part))}) ORDER BY call_id, seq"
        for row in conn.execute(sql, tuple(part)):
            out[row[0]].append(row)
    return out


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="seconds")


def _deletions(conn: sqlite3.Connection, account_id: int) -> dict[str, dict[str, tuple[int, str]]]:
    """{recording id: {what: (when, reason)}}: a handful of rows, usually none."""
    out: dict[str, dict[str, tuple[int, str]]] = {}
    for rid, what, ms, reason in conn.execute(
        "SELECT recording_provider_id, what, deleted_ms, reason FROM provider_deletions WHERE account_id = ?", (account_id,)
    ):
        out.setdefault(rid, {})[what] = (ms, reason)
    return out


def _kept_recordings(conn: sqlite3.Connection, call_ids: Sequence[int], listed: set[str]) -> list[tuple]:
    """Recordings of cached calls that the provider no longer lists but we must not forget:
    ones with a downloaded file (it still plays) or deleted from recbrowser (the mark says why).
    Others follow the provider: its answer is the truth about metadata."""
    rows: list[tuple] = []
    for part in _chunks(call_ids):
        rows += conn.execute(
            "SELECT r.call_id, r.account_id, r.provider_id, r.file_name, r.format, r.size, r.duration_ms, r.start_ms, "
            f"r.expires_ms, r.leg, r.raw_json FROM recordings r WHERE r.call_id IN ({','.join('?' * len(part))}) AND ("
            "EXISTS (SELECT 1 FROM media_files m WHERE m.account_id = r.account_id AND m.recording_provider_id = r.provider_id) "
            "OR EXISTS (SELECT 1 FROM provider_deletions d WHERE d.account_id = r.account_id "
            "AND d.recording_provider_id = r.provider_id))",
            tuple(part),
        ).fetchall()
    kept = []
    for row in rows:
        if row[2] in listed:
            continue
        raw = json.loads(row[10] or "{}")
        raw.setdefault(GONE_MARK, _iso(now_ms()))
        kept.append((*row[:10], _json(raw)))
    return kept


def _apply_deletions(call: Call, marks: dict[str, dict[str, tuple[int, str]]], kept_ids: Iterable[str]) -> None:
    """Put recbrowser's deletion marks back on a freshly synced call (the provider may list a
    deleted recording for days), and say why there is no audio when every recording's media
    was deleted. Changes the page's Call objects in place, before they are written."""
    for r in call.recordings:
        if r.provider_id in marks:
            r.raw = {**r.raw, DELETED_MARK: {what: _iso(ms) for what, (ms, _) in marks[r.provider_id].items()}}
    ids = [r.provider_id for r in call.recordings] + [k for k in kept_ids if k not in {r.provider_id for r in call.recordings}]
    media_gone = [marks.get(i, {}).get("recording") or marks.get(i, {}).get("media") for i in ids]
    if not any(media_gone):
        return
    listed_gone = all(media_gone[: len(call.recordings)])
    if listed_gone or not call.has_audio:
        call.has_audio = False
        call.audio_reason = min(m for m in media_gone if m)[1]


def upsert_calls(conn: sqlite3.Connection, account_id: int, calls: list[Call]) -> int:
    """Write one page of calls; returns how many were not cached before. Call inside a transaction."""
    page = {c.provider_id: c for c in calls}  # a repeated id in one page: the last one wins
    if not page:
        return 0
    if not conn.in_transaction:  # segment ids and FTS rows below rely on holding the write lock
        raise StoreError("Internal error: upsert_calls must run inside Store.transaction().")
    existing = _ids(conn, account_id, list(page))
    kept = _kept_recordings(conn, list(existing.values()), {r.provider_id for c in page.values() for r in c.recordings}) if existing else []
    marks = _deletions(conn, account_id)
    if marks:
        kept_by_call: dict[int, list[str]] = {}
        for row in kept:
            kept_by_call.setdefault(row[0], []).append(row[2])
        for pid, c in page.items():
            _apply_deletions(c, marks, kept_by_call.get(existing.get(pid, -1), []))
    # Under the write lock the ids above the current maximum are ours: new calls get theirs
    # up front (no second lookup). Cached calls pass NULL and keep their id via DO UPDATE.
    top = conn.execute("SELECT ifnull(max(id), 0) FROM calls").fetchone()[0]
    new_ids = [p for p in page if p not in existing]
    ids = {**existing, **{p: top + n for n, p in enumerate(new_ids, 1)}}
    now = now_ms()
    with_transcript, keep_transcript = [], []
    for pid, c in page.items():
        row = (
            None if pid in existing else ids[pid], account_id, c.provider_id, c.start_ms, c.direction, c.from_party.number, c.from_party.name,
            c.to_party.number, c.to_party.name, c.agent, c.status, c.duration_ms, c.ring_ms, c.talk_ms,
            c.hold_ms, 1 if c.has_audio else 0, c.audio_reason, c.transcript_status, c.summary,
            len(c.legs), _json(c.raw), now, now,
            c.sentiment, c.queue, c.department, _ENCODE(list(c.provider_tags)) if c.provider_tags else "[]", c.language,
            _json(c.details),
        )
        (keep_transcript if c.segments is None else with_transcript).append(row)
    if with_transcript:
        conn.executemany(UPSERT_WITH_TRANSCRIPT, with_transcript)
    if keep_transcript:
        conn.executemany(UPSERT_KEEP_TRANSCRIPT, keep_transcript)

    old = list(existing.values())
    if old:  # legs and recordings metadata are replaced wholesale by what the provider says now
        _delete_for(conn, "legs", old)
        _delete_for(conn, "recordings", old)
    legs, recordings, segments = [], [], []
    # We hold the write lock, so segment ids above the current maximum are ours: the rows are
    # numbered here and exactly those are indexed afterwards in one statement.
    top_segment = seg_id = conn.execute("SELECT ifnull(max(id), 0) FROM segments").fetchone()[0]
    transcript_old = [existing[p] for p, c in page.items() if p in existing and c.segments is not None]
    cached = _cached_segments(conn, transcript_old) if transcript_old else {}
    replace = []
    for pid, c in page.items():
        call_id = ids[pid]
        for leg in c.legs:
            legs.append((
                call_id, leg.index, leg.provider_id, leg.start_ms, leg.from_party.number, leg.from_party.name,
                leg.to_party.number, leg.to_party.name, leg.status, leg.duration_ms, leg.talk_ms, leg.ring_ms,
                leg.hold_ms, leg.call_type,
            ))
        for r in c.recordings:
            recordings.append((
                call_id, account_id, r.provider_id, r.file_name, r.format, r.size, r.duration_ms, r.start_ms,
                r.expires_ms, r.leg, _json(r.raw),
            ))
        if c.segments is None:
            continue
        if call_id in cached:
            if cached[call_id] == _segment_rows(call_id, c.segments):
                continue  # unchanged transcript: keep its rows and spare the FTS index the churn
            replace.append(call_id)
        for seq, sg in enumerate(c.segments):
            seg_id += 1
            segments.append((seg_id, call_id, seq, sg.leg, sg.speaker, sg.role, sg.start_ms, sg.end_ms, sg.text, sg.confidence))
    if replace:
        _delete_for(conn, "segments", replace)
    if legs:
        conn.executemany(INSERT_LEG, legs)
    recordings += kept
    if recordings:
        conn.executemany(INSERT_RECORDING, recordings)
    if segments:
        conn.executemany(INSERT_SEGMENT, segments)
        conn.execute(INDEX_SEGMENTS, (top_segment,))
    summarised = [ids[p] for p in new_ids if page[p].summary]  # updated calls: re-indexed by the update trigger
    if summarised:
        conn.execute(INDEX_SUMMARIES, (json.dumps(summarised),))
    return len(new_ids)


def mark_deleted(conn: sqlite3.Connection, account_id: int, recording_provider_id: str, what: str, reason: str) -> None:
    conn.execute(
        "INSERT OR REPLACE INTO provider_deletions (account_id, recording_provider_id, what, deleted_ms, reason) "
        "VALUES (?, ?, ?, ?, ?)",
        (account_id, recording_provider_id, what, now_ms(), reason),
    )


def call_id(conn: sqlite3.Connection, account_name: str, provider_id: str) -> int | None:
    row = conn.execute(
        "SELECT c.id FROM calls c JOIN accounts a ON a.id = c.account_id WHERE a.name = ? AND c.provider_id = ?",
        (account_name, provider_id),
    ).fetchone()
    return row[0] if row else None


def get_call(conn: sqlite3.Connection, account_name: str, provider_id: str) -> Call | None:
    row = conn.execute(
        "SELECT c.id, c.provider_id, c.start_ms, c.direction, c.from_number, c.from_name, c.to_number, c.to_name, "
        "c.agent, c.status, c.duration_ms, c.ring_ms, c.talk_ms, c.hold_ms, c.has_audio, c.audio_reason, "
        "c.transcript_status, c.summary, c.raw_json, c.sentiment, c.queue, c.department, c.provider_tags, c.language, "
        "c.details_json FROM calls c JOIN accounts a ON a.id = c.account_id "
        "WHERE a.name = ? AND c.provider_id = ?",
        (account_name, provider_id),
    ).fetchone()
    if row is None:
        return None
    cid = row[0]
    legs = [
        Leg(provider_id=r[0] or "", index=r[1], start_ms=r[2], from_party=Party(r[3] or "", r[4] or ""),
            to_party=Party(r[5] or "", r[6] or ""), status=r[7] or "unknown", duration_ms=r[8], talk_ms=r[9],
            ring_ms=r[10], hold_ms=r[11], call_type=r[12] or "")
        for r in conn.execute(
            "SELECT provider_id, idx, start_ms, from_number, from_name, to_number, to_name, status, duration_ms, "
            "talk_ms, ring_ms, hold_ms, call_type FROM legs WHERE call_id = ? ORDER BY idx, id", (cid,))
    ]
    recordings = [
        Recording(provider_id=r[0], file_name=r[1] or "", format=r[2] or "", size=r[3], duration_ms=r[4],
                  start_ms=r[5], expires_ms=r[6], leg=r[7] or "", raw=json.loads(r[8] or "{}"))
        for r in conn.execute(
            "SELECT provider_id, file_name, format, size, duration_ms, start_ms, expires_ms, leg, raw_json "
            "FROM recordings WHERE call_id = ? ORDER BY start_ms, id", (cid,))
    ]
    segments = [
        Segment(text=r[0], speaker=r[1] or "", role=r[2] or "", start_ms=r[3], end_ms=r[4], leg=r[5] or "",
                confidence=r[6])
        for r in conn.execute(
            "SELECT text, speaker, role, start_ms, end_ms, leg, confidence FROM segments WHERE call_id = ? ORDER BY seq",
            (cid,))
    ]
    return Call(
        provider_id=row[1], start_ms=row[2], direction=row[3], from_party=Party(row[4], row[5]),
        to_party=Party(row[6], row[7]), agent=row[8], status=row[9], duration_ms=row[10], ring_ms=row[11],
        talk_ms=row[12], hold_ms=row[13], has_audio=bool(row[14]), audio_reason=row[15],
        transcript_status=row[16], summary=row[17], legs=legs, recordings=recordings, segments=segments,
        raw=json.loads(row[18] or "{}"), sentiment=row[19], queue=row[20], department=row[21],
        provider_tags=list(json.loads(row[22] or "[]")), language=row[23], details=json.loads(row[24] or "{}"),
    )
