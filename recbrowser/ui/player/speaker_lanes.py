"""Drawing a recording's speaker lanes and its marks (hold, silence, overtalk, notes), and
finding what lies under the mouse; the widget that owns them is waveform_strip.RecordingStrip."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPalette, QPen, QPolygonF

from recbrowser.ui.call_pane.speaker_colors import HOLD, OVERTALK, SpeakerColors
from recbrowser.ui.common.formatting import clock
from recbrowser.ui.player.strip_data import StripData, envelope

LANE_H = 16
LANE_GAP = 3
GUTTER = 96  # the lanes' names
NOTE_MARK_H = 7
TICK_STEPS_MS = (1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 1_800_000, 3_600_000)


@dataclass(frozen=True)
class TimeAxis:
    """Where a moment of the recording is on screen, for the part of it in view."""

    left: float
    width: float
    start_ms: float
    span_ms: float

    def x(self, ms: float) -> float:
        return self.left + (ms - self.start_ms) * self.width / max(1.0, self.span_ms)

    def ms(self, x: float) -> float:
        return self.start_ms + (x - self.left) * self.span_ms / max(1.0, self.width)

    def rect(self, s: float, e: float, top: float, height: float) -> QRectF | None:
        """The span's rectangle clipped to the view (None when out of it), at least a pixel wide."""
        x0, x1 = max(self.left, self.x(s)), min(self.left + self.width, self.x(e))
        if x1 < self.left or x0 > self.left + self.width or x1 < x0:
            return None
        return QRectF(x0, top, max(1.0, x1 - x0), height)


def lanes_height(data: StripData) -> int:
    return max(1, len(data.lanes)) * (LANE_H + LANE_GAP)


def paint_grooves(p: QPainter, axis: TimeAxis, top: float, data: StripData, pal: QPalette) -> None:
    """The lanes' grooves, drawn first: the marks and blocks go over them."""
    groove = QColor(pal.color(QPalette.ColorRole.AlternateBase))
    for i in range(len(data.lanes)):
        p.fillRect(QRectF(axis.left, top + i * (LANE_H + LANE_GAP), axis.width, LANE_H), groove)


def paint_lanes(p: QPainter, axis: TimeAxis, top: float, data: StripData, colors: SpeakerColors, pal: QPalette) -> None:
    """The lanes from `top` down: names in the gutter, one block per sentence in its speaker's
    colour; a stereo lane carries its channel's waveform behind its blocks."""
    text = pal.color(QPalette.ColorRole.Text)
    p.save()
    font = p.font()
    font.setPointSizeF(max(7.0, font.pointSizeF() * 0.85))
    p.setFont(font)
    for i, lane in enumerate(data.lanes):
        y = top + i * (LANE_H + LANE_GAP)
        p.setPen(colors.color(lane.speaker))
        label = p.fontMetrics().elidedText(lane.label, Qt.TextElideMode.ElideRight, GUTTER - 8)
        p.drawText(QRectF(2, y, GUTTER - 6, LANE_H), Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, label)
        if lane.channel is not None and data.peaks is not None and lane.channel < data.peaks.channels:
            faint = QColor(colors.color(lane.speaker))
            faint.setAlpha(70)
            paint_envelope(p, axis, y, LANE_H, envelope(data.peaks, axis.start_ms, axis.start_ms + axis.span_ms,
                                                         int(axis.width), lane.channel), faint)
    p.setPen(Qt.PenStyle.NoPen)
    for b in data.blocks:
        r = axis.rect(b.start_ms, b.end_ms, top + b.lane * (LANE_H + LANE_GAP) + 2, LANE_H - 4)
        if r is not None:
            p.setBrush(colors.color(b.speaker))
            p.drawRoundedRect(r, 2, 2)
    if not data.lanes:
        p.setPen(text)
        p.drawText(QRectF(axis.left, top, axis.width, LANE_H), Qt.AlignmentFlag.AlignCenter, "No timed transcript")
    p.restore()


def paint_envelope(p: QPainter, axis: TimeAxis, top: float, height: float, env: list[tuple[int, int]], color: QColor) -> None:
    mid, half = top + height / 2, height / 2 / 32768
    p.setPen(QPen(color, 1))
    lines = [(axis.left + x + 0.5, mid - hi * half, mid - lo * half) for x, (lo, hi) in enumerate(env) if hi > lo]
    p.drawLines([QLineF(x, a, x, max(a + 1, b)) for x, a, b in lines])


def paint_marks(p: QPainter, axis: TimeAxis, top: float, height: float, data: StripData, pal: QPalette) -> None:
    """Holds (hatched), silences (shaded) and overtalk (red) over the whole strip height."""
    p.save()
    p.setPen(Qt.PenStyle.NoPen)
    shade = QColor(pal.color(QPalette.ColorRole.Text))
    shade.setAlpha(28)
    for s, e in data.silences:
        r = axis.rect(s, e, top, height)
        if r is not None:
            p.fillRect(r, shade)
    hold = QColor(HOLD)
    for s, e in data.holds:
        r = axis.rect(s, e, top, height)
        if r is not None:
            tint = QColor(hold)
            tint.setAlpha(40)
            p.fillRect(r, tint)
            p.fillRect(r, QBrush(hold, Qt.BrushStyle.BDiagPattern))
    red = QColor(OVERTALK)
    red.setAlpha(90)
    for s, e in data.overtalk:
        r = axis.rect(s, e, top, height)
        if r is not None:
            p.fillRect(r.adjusted(-1, 0, 1, 0), red)
    p.restore()


def paint_labels(p: QPainter, axis: TimeAxis, top: float, data: StripData, pal: QPalette) -> None:
    """"Hold 0:30", "Silence 15 s", "Overtalk" written inside their marks when there is room."""
    p.save()
    font = p.font()
    font.setPointSizeF(max(7.0, font.pointSizeF() * 0.8))
    p.setFont(font)
    fm = p.fontMetrics()
    p.setPen(pal.color(QPalette.ColorRole.Text))
    for spans, name in ((data.holds, "Hold"), (data.silences, "Silence")):
        for s, e in spans:
            r = axis.rect(s, e, top, fm.height() + 2)
            label = f"{name} {round((e - s) / 1000)} s"
            if r is not None and r.width() > fm.horizontalAdvance(label) + 6:
                p.drawText(r, Qt.AlignmentFlag.AlignCenter, label)
    p.setPen(QColor(OVERTALK))
    for s, _e in data.overtalk:
        x = axis.x(s)
        if axis.left <= x <= axis.left + axis.width:
            p.drawText(QPointF(x + 2, top + fm.ascent() + 1), "⇄")
    p.restore()


def paint_notes(p: QPainter, axis: TimeAxis, top: float, height: float, data: StripData, pal: QPalette) -> None:
    """A flag at each note's moment, with a dotted line down the strip."""
    link = pal.color(QPalette.ColorRole.Link)
    p.save()
    for ms, _text in data.notes:
        x = axis.x(ms)
        if not axis.left <= x <= axis.left + axis.width:
            continue
        p.setPen(QPen(link, 1, Qt.PenStyle.DotLine))
        p.drawLine(QPointF(x, top), QPointF(x, top + height))
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(link)
        p.drawPolygon(QPolygonF([QPointF(x, top), QPointF(x + NOTE_MARK_H, top + NOTE_MARK_H / 2), QPointF(x, top + NOTE_MARK_H)]))
    p.restore()


def paint_time_axis(p: QPainter, axis: TimeAxis, top: float, pal: QPalette) -> None:
    """Ticks and times under the lanes, a step that leaves ~80 px between labels."""
    per_px = axis.span_ms / max(1.0, axis.width)
    step = next((s for s in TICK_STEPS_MS if s / per_px >= 80), TICK_STEPS_MS[-1])
    muted = pal.color(QPalette.ColorGroup.Active, QPalette.ColorRole.PlaceholderText)
    p.save()
    font = p.font()
    font.setPointSizeF(max(7.0, font.pointSizeF() * 0.8))
    p.setFont(font)
    p.setPen(muted)
    fm = p.fontMetrics()
    at = int(axis.start_ms // step) * step
    while at <= axis.start_ms + axis.span_ms:
        x = axis.x(at)
        label = clock(at)
        if x >= axis.left and x + 3 + fm.horizontalAdvance(label) <= axis.left + axis.width:  # whole labels only
            p.drawLine(QPointF(x, top), QPointF(x, top + fm.height() - 2))
            p.drawText(QPointF(x + 3, top + fm.ascent()), label)
        at += step
    p.restore()


def tooltip(axis: TimeAxis, x: float, y: float, lanes_top: float, data: StripData) -> str:
    """What is under (x, y): the sentence of a block, a note, or a mark's name and length."""
    ms = axis.ms(x)
    slack = 3 * axis.span_ms / max(1.0, axis.width)  # three pixels either way
    if x < axis.left:
        lane = int((y - lanes_top) // (LANE_H + LANE_GAP))
        return data.lanes[lane].speaker or data.lanes[lane].label if y >= lanes_top and 0 <= lane < len(data.lanes) else ""
    if y >= lanes_top:
        lane = int((y - lanes_top) // (LANE_H + LANE_GAP))
        for b in data.blocks:
            if b.lane == lane and b.start_ms - slack <= ms <= b.end_ms + slack:
                return f"{b.speaker or 'Unknown speaker'}  {clock(b.start_ms)}\n{b.text}"
    for at, text in data.notes:
        if abs(at - ms) <= 2 * slack:
            return f"Note {clock(at)}: {text}"
    for spans, name in ((data.overtalk, "Overtalk"), (data.holds, "Hold"), (data.silences, "Silence")):
        for s, e in spans:
            if s - slack <= ms <= e + slack:
                return f"{name} {clock(s)}–{clock(e)} ({(e - s) / 1000:.1f} s)"
    return ""
