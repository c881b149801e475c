"""A seek slider that jumps to where you click and seeks once when you let go of a drag."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QSlider, QStyle, QStyleOptionSlider

from recbrowser.ui.common.signals import emit


class SeekSlider(QSlider):
    seekRequested = Signal(int)  # ms

    def __init__(self, parent=None) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.setRange(0, 0)
        self.setSingleStep(1000)
        self.setPageStep(5000)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # arrows belong to the skip shortcuts
        self.sliderReleased.connect(lambda: emit(self.seekRequested, self.value()))

    def set_position(self, ms: int) -> None:
        # While the user drags, the playhead must not yank the handle back.
        if not self.isSliderDown():
            self.blockSignals(True)
            self.setValue(ms)
            self.blockSignals(False)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.maximum() > 0:
            opt = QStyleOptionSlider()
            self.initStyleOption(opt)
            handle = self.style().subControlRect(QStyle.ComplexControl.CC_Slider, opt, QStyle.SubControl.SC_SliderHandle, self)
            if not handle.contains(event.position().toPoint()):
                # Click on the groove: jump there (Qt's default only steps a page).
                groove = self.style().subControlRect(QStyle.ComplexControl.CC_Slider, opt, QStyle.SubControl.SC_SliderGroove, self)
                span = max(1, groove.width() - handle.width())
                x = int(event.position().x()) - groove.x() - handle.width() // 2
                value = QStyle.sliderValueFromPosition(self.minimum(), self.maximum(), x, span)
                self.setValue(value)
                emit(self.seekRequested, value)
        super().mousePressEvent(event)
