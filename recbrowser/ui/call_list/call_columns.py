"""The call list's columns: their names, how each sorts, and what a cell says for a call or a
leg (text, native value for sorting, tooltip, the open/closed marker of a call with legs).

The provider's own facts (sentiment, queue, department, tags, hold and ring time, language)
are columns too, hidden until chosen from the header's menu: few accounts have them all."""

from __future__ import annotations

from functools import lru_cache

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QGuiApplication, QPainter, QPalette, QPixmap, QPolygonF

from recbrowser.store.records import LegRow
from recbrowser.ui.common.formatting import (
    audio_state,
    clock,
    local_datetime,
    local_full,
    local_time,
    party_label,
    transcript_label,
    tz_name,
)

(
    COL_START,
    COL_ACCOUNT,
    COL_DIRECTION,
    COL_FROM,
    COL_TO,
    COL_AGENT,
    COL_DURATION,
    COL_STATUS,
    COL_AUDIO,
    COL_TRANSCRIPT,
    COL_SENTIMENT,
    COL_QUEUE,
    COL_DEPARTMENT,
    COL_PROVIDER_TAGS,
    COL_HOLD,
    COL_RING,
    COL_LANGUAGE,
) = range(17)
HEADERS = ("Start", "Account", "Direction", "From", "To", "Agent", "Duration", "Status", "Audio", "Transcript",
           "Sentiment", "Queue", "Department", "Provider tags", "On hold", "Ringing", "Language")
# The provider's facts: hidden by default; their names are what the settings remember.
EXTRA_COLUMNS = {
    COL_SENTIMENT: "sentiment", COL_QUEUE: "queue", COL_DEPARTMENT: "department", COL_PROVIDER_TAGS: "provider_tags",
    COL_HOLD: "hold", COL_RING: "ring", COL_LANGUAGE: "language",
}
RIGHT_ALIGNED = frozenset((COL_DURATION, COL_HOLD, COL_RING))
# Every column but the provider's facts sorts through the store (an index each); those have
# no sort index (records.SORTS), and sorting a million calls by one would take seconds.
SORT_KEYS = {
    COL_START: "start", COL_ACCOUNT: "account", COL_DIRECTION: "direction", COL_FROM: "from", COL_TO: "to",
    COL_AGENT: "agent", COL_DURATION: "duration", COL_STATUS: "status", COL_AUDIO: "audio", COL_TRANSCRIPT: "transcript",
}
SORT_TIPS = {
    COL_ACCOUNT: "Account, newest call first in each",
    COL_AUDIO: "Calls with a recording apart from calls without one",
    COL_TRANSCRIPT: "none, pending, yes",
}
DIRECTION_ARROWS = {"inbound": "← in", "outbound": "→ out", "internal": "↔ internal", "unknown": "?"}

MARKER = 12  # px: the leg marker, and the blank that keeps start times lined up without one


def header_tooltip(section: int) -> str | None:
    if section == COL_START:
        return f"Start time in your time zone, {tz_name()}. ▸ opens a call's legs (+ and − keys)."
    if section in SORT_TIPS:
        return f"{HEADERS[section]}: sorts by {SORT_TIPS[section].lower()}"
    return EXTRA_TIPS.get(section)


EXTRA_TIPS = {
    COL_SENTIMENT: "The call's sentiment as the provider judged it (not sortable; the filter bar filters by it)",
    COL_QUEUE: "The provider's queue the call came through (not sortable; the filter bar filters by it)",
    COL_DEPARTMENT: "The agent's department at the provider (not sortable)",
    COL_PROVIDER_TAGS: "Tags set at the provider; your own tags are in the call pane (not sortable)",
    COL_HOLD: "Time on hold, all legs together (not sortable)",
    COL_RING: "Time ringing before an answer, all legs together (not sortable)",
    COL_LANGUAGE: "The transcript's language as the provider names it (not sortable)",
}


def display(r, col: int) -> str:
    """A call's cell as shown (r: a CallRow)."""
    if col == COL_START:
        return local_datetime(r.start_ms)
    if col == COL_ACCOUNT:
        return r.account
    if col == COL_DIRECTION:
        return DIRECTION_ARROWS.get(r.direction, r.direction)
    if col == COL_FROM:
        return party_label(r.from_number, r.from_name)
    if col == COL_TO:
        return party_label(r.to_number, r.to_name)
    if col == COL_AGENT:
        return r.agent
    if col == COL_DURATION:
        return clock(r.duration_ms) if r.duration_ms is not None else ""
    if col == COL_STATUS:
        return r.status + (f" ({r.leg_count} legs)" if r.leg_count > 1 else "")
    if col == COL_AUDIO:
        return audio_state(r)[0]
    if col == COL_TRANSCRIPT:
        return transcript_label(r.transcript_status)
    return _extra(r, col)


def _extra(r, col: int) -> str:
    """A provider's fact (CallRow or LegRow): blank where the provider gave none."""
    if col in (COL_HOLD, COL_RING):
        ms = r.hold_ms if col == COL_HOLD else r.ring_ms
        return clock(ms) if ms is not None else ""
    if col == COL_PROVIDER_TAGS:
        return ", ".join(r.provider_tags)
    return {COL_SENTIMENT: r.sentiment.capitalize(), COL_QUEUE: r.queue, COL_DEPARTMENT: r.department,
            COL_LANGUAGE: r.language}.get(col, "")


def native(r, col: int):
    """The value a column sorts by in a view (times and durations as numbers)."""
    return {
        COL_START: r.start_ms,
        COL_DURATION: r.duration_ms or 0,
        COL_ACCOUNT: r.account,
        COL_AUDIO: (r.downloaded, r.has_audio),
        COL_HOLD: r.hold_ms or 0,
        COL_RING: r.ring_ms or 0,
    }.get(col, display(r, col))


def tooltip(r, col: int) -> str | None:
    if col == COL_START:
        return local_full(r.start_ms)
    if col == COL_AUDIO:
        return audio_state(r)[1]
    if col == COL_ACCOUNT:
        return f"{r.account} ({r.provider})"
    if col in (COL_FROM, COL_TO, COL_STATUS, COL_PROVIDER_TAGS):
        return display(r, col) or None
    return None


def leg_display(leg: LegRow, col: int) -> str:
    if col == COL_START:
        return f"↳ {leg.index + 1}. {local_time(leg.start_ms)}"
    if col == COL_FROM:
        return party_label(leg.from_number, leg.from_name)
    if col == COL_TO:
        return party_label(leg.to_number, leg.to_name)
    if col == COL_AGENT:
        return leg.to_name  # who took this leg: a queue, then the agents it passed through
    if col == COL_DURATION:
        return clock(leg.duration_ms) if leg.duration_ms is not None else ""
    if col == COL_STATUS:
        return leg.status
    if col in (COL_HOLD, COL_RING):
        return _extra(leg, col)
    return ""


def leg_marker(down: bool) -> QPixmap:
    """The open/closed marker of a call with legs, in the palette's text colour."""
    return _marker(down, QGuiApplication.palette().color(QPalette.ColorRole.Text).name())


def no_marker() -> QPixmap:
    """A blank the marker's size, so start times line up whether a call has legs or not."""
    return _marker(None, "")


@lru_cache(maxsize=8)
def _marker(down: bool | None, colour: str) -> QPixmap:
    pixmap = QPixmap(MARKER, MARKER)
    pixmap.fill(QColor(0, 0, 0, 0))
    if down is None:
        return pixmap
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(colour))
    points = ((2, 4), (10, 4), (6, 9)) if down else ((4, 2), (9, 6), (4, 10))
    painter.drawPolygon(QPolygonF([QPointF(x, y) for x, y in points]))
    painter.end()
    return pixmap
