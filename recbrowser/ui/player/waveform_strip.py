"""One recording's strip: its waveform, the speaker lanes under it (speaker_lanes.py), the
marks, and a playhead. Click or drag to seek; Ctrl+wheel zooms, the wheel scrolls when zoomed.

What does not move while a call plays (waveform, lanes, marks) is drawn once into a pixmap for
the size and view; a playhead frame draws that pixmap and one line.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPalette, QPen, QPixmap, QWheelEvent
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from recbrowser.ui import compat
from recbrowser.ui.call_pane.speaker_colors import SpeakerColors
from recbrowser.ui.common.signals import emit
from recbrowser.ui.player import speaker_lanes as lanes
from recbrowser.ui.player.speaker_lanes import GUTTER, TimeAxis
from recbrowser.ui.player.strip_data import StripData, envelope

WAVE_H = 52
TOP = 14  # the row of labels and note flags over the waveform
BOTTOM = 14  # the time axis


class RecordingStrip(QWidget):
    seekRequested = Signal(int)  # ms into this recording
    zoomRequested = Signal(int, float)  # wheel steps (+ in), the moment under the mouse (ms)
    scrollRequested = Signal(int)  # wheel steps (+ back in time)

    def __init__(self, index: int, colors: SpeakerColors, parent: QWidget | None = None) -> None:
        compat.keep_none_alive()  # each frame makes dozens of void calls (ui/compat.py)
        super().__init__(parent)
        self.index = index
        self.colors = colors
        self.data = StripData(1)
        self.title = ""
        self.view_start = 0.0
        self.view_span = 1.0
        self.position: int | None = None  # the playhead; None: the player holds another recording
        self._drag: int | None = None
        self._static: QPixmap | None = None
        self._static_key: tuple | None = None
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    # -- what it shows ------------------------------------------------------------------------------
    def set_data(self, data: StripData, title: str = "") -> None:
        self.data, self.title = data, title
        self._static_key = None
        self.view_start, self.view_span = 0.0, float(data.duration_ms)
        self.updateGeometry()
        self.update()

    def set_view(self, start_ms: float, span_ms: float) -> None:
        if (start_ms, span_ms) != (self.view_start, self.view_span):
            self.view_start, self.view_span = start_ms, span_ms
            self.update()

    def set_position(self, ms: int | None) -> None:
        if ms != self.position:
            self.position = ms
            self.update()

    def sizeHint(self) -> QSize:
        return QSize(400, self.strip_height())

    def minimumSizeHint(self) -> QSize:
        return QSize(GUTTER + 60, self.strip_height())

    def strip_height(self) -> int:
        return TOP + WAVE_H + 4 + lanes.lanes_height(self.data) + BOTTOM

    def axis(self) -> TimeAxis:
        return TimeAxis(GUTTER, max(1, self.width() - GUTTER - 4), self.view_start, self.view_span)

    @property
    def lanes_top(self) -> int:
        return TOP + WAVE_H + 4

    def tooltip_at(self, x: float, y: float) -> str:
        return lanes.tooltip(self.axis(), x, y, self.lanes_top, self.data)

    # -- drawing -------------------------------------------------------------------------------------
    def paintEvent(self, _event: QPaintEvent) -> None:
        p = QPainter(self)
        dpr = self.devicePixelRatioF()
        key = (self.width(), self.height(), dpr, self.view_start, self.view_span, self.palette().cacheKey())
        if self._static is None or self._static_key != key:
            size = QSize(int(self.width() * dpr), int(self.height() * dpr))
            if self._static is None or self._static.size() != size:
                self._static = QPixmap(size)
                self._static.setDevicePixelRatio(dpr)
            painter = QPainter(self._static)  # paint_static fills every pixel
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
            self.paint_static(painter)
            painter.end()
            self._static_key = key
        p.drawPixmap(0, 0, self._static)
        at = self._drag if self._drag is not None else self.position
        if at is not None:
            x = self.axis().x(at)
            if GUTTER <= x <= self.width():
                p.setPen(QPen(self.palette().color(QPalette.ColorRole.Highlight), 2))
                p.drawLine(QPointF(x, 2), QPointF(x, self.height() - 2))
        p.end()

    def paint_static(self, p: QPainter) -> None:
        pal, axis, data = self.palette(), self.axis(), self.data
        h = self.height()
        p.fillRect(QRectF(0, 0, self.width(), h), pal.color(QPalette.ColorRole.Base))
        lanes.paint_grooves(p, axis, self.lanes_top, data, pal)
        lanes.paint_marks(p, axis, TOP, h - TOP - BOTTOM, data, pal)
        wave = QRectF(axis.left, TOP, axis.width, WAVE_H)
        text = pal.color(QPalette.ColorRole.Text)
        if data.peaks is not None and data.peaks.buckets:
            env = envelope(data.peaks, axis.start_ms, axis.start_ms + axis.span_ms, int(axis.width))
            color = QColor(pal.color(QPalette.ColorRole.Highlight))
            lanes.paint_envelope(p, axis, wave.top(), wave.height(), env, color)
        else:
            p.setPen(QColor(text.red(), text.green(), text.blue(), 110))
            p.drawLine(QPointF(wave.left(), wave.center().y()), QPointF(wave.right(), wave.center().y()))
            p.drawText(wave, Qt.AlignmentFlag.AlignCenter, "The waveform shows once the recording is downloaded")
        lanes.paint_lanes(p, axis, self.lanes_top, data, self.colors, pal)
        lanes.paint_notes(p, axis, TOP - 2, h - TOP - BOTTOM + 2, data, pal)
        lanes.paint_labels(p, axis, 0, data, pal)
        lanes.paint_time_axis(p, axis, h - BOTTOM + 1, pal)
        p.setPen(text)
        font = p.font()
        font.setPointSizeF(max(7.0, font.pointSizeF() * 0.85))
        p.setFont(font)
        p.drawText(QRectF(2, TOP, GUTTER - 6, WAVE_H), Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextWordWrap,
                   self.title or "Recording")

    # -- mouse ---------------------------------------------------------------------------------------
    def _ms_at(self, x: float) -> int:
        return int(min(self.data.duration_ms, max(0.0, self.axis().ms(x))))

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and event.position().x() >= GUTTER:
            self._drag = self._ms_at(event.position().x())
            emit(self.seekRequested, self._drag)
            self.update()
        else:
            super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._drag is not None:
            self._drag = self._ms_at(event.position().x())  # the playhead follows; the seek waits for the release
            self.update()
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._drag is not None and event.button() == Qt.MouseButton.LeftButton:
            at = self._ms_at(event.position().x())
            self._drag = None
            if at != self.position:
                self.position = at
                emit(self.seekRequested, at)
            self.update()
        else:
            super().mouseReleaseEvent(event)

    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = round(event.angleDelta().y() / 120) or (1 if event.angleDelta().y() > 0 else -1 if event.angleDelta().y() else 0)
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier and steps:
            emit(self.zoomRequested, steps, float(self.axis().ms(event.position().x())))
            event.accept()
        elif self.view_span < self.data.duration_ms and steps:
            emit(self.scrollRequested, steps)
            event.accept()
        else:
            event.ignore()  # not zoomed: the pane scrolls

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            pos = event.position() if hasattr(event, "position") else QPointF(event.pos())
            text = self.tooltip_at(pos.x(), pos.y())
            if text:
                QToolTip.showText(event.globalPos(), text, self)
            else:
                QToolTip.hideText()
                event.ignore()
            return True
        return super().event(event)
