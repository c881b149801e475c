"""The transcript text: one paragraph per sentence, speaker in colour, click to seek.

A read-only QTextEdit rather than a list of item widgets: it wraps, selects and copies text
for free, finds with QTextDocument.find, and shows highlights as extra selections so the
document itself is never rewritten while audio plays.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QMouseEvent,
    QPalette,
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
    QTextFormat,
)
from PySide6.QtWidgets import QTextEdit, QWidget

from recbrowser.domain import Segment
from recbrowser.ui.formatting import clock
from recbrowser.ui.signals import emit
from recbrowser.ui.speaker_colors import SpeakerColors

LINE_BREAK = "\u2028"  # a line break inside the paragraph: one block stays one sentence


class TranscriptView(QTextEdit):
    segmentClicked = Signal(int)  # index into the segments given to set_segments

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setUndoRedoEnabled(False)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse | Qt.TextInteractionFlag.TextSelectableByKeyboard)
        self.viewport().setMouseTracking(True)
        self.document().setDocumentMargin(10)
        self._segments: list[Segment] = []
        self._current: int | None = None
        self._matches: list[QTextCursor] = []
        self._match_index = -1

    # -- content ------------------------------------------------------------------------------
    def set_segments(self, segments: list[Segment], placeholder: str = "") -> None:
        self._segments = list(segments)
        self._current = None
        self._matches, self._match_index = [], -1
        self.clear()
        self.setPlaceholderText(placeholder)
        if not segments:
            self.setExtraSelections([])
            return
        colors = SpeakerColors()
        muted = self.palette().color(QPalette.ColorGroup.Active, QPalette.ColorRole.PlaceholderText)
        text_fmt = QTextCharFormat()
        time_fmt = QTextCharFormat()
        time_fmt.setForeground(muted)
        time_fmt.setFontPointSize(max(7.0, self.font().pointSizeF() * 0.9))
        block_fmt = QTextBlockFormat()
        block_fmt.setBottomMargin(8)
        cursor = QTextCursor(self.document())
        cursor.beginEditBlock()
        for i, seg in enumerate(segments):
            if i:
                cursor.insertBlock(block_fmt)
            else:
                cursor.setBlockFormat(block_fmt)
            speaker_fmt = QTextCharFormat()
            speaker_fmt.setForeground(colors.color(seg.speaker))
            speaker_fmt.setFontWeight(QFont.Weight.Bold)
            cursor.insertText(seg.speaker or "Unknown speaker", speaker_fmt)
            cursor.insertText("  " + (clock(seg.start_ms) if seg.start_ms is not None else "untimed"), time_fmt)
            cursor.insertText(LINE_BREAK + seg.text, text_fmt)
        cursor.endEditBlock()
        self.moveCursor(QTextCursor.MoveOperation.Start)
        self._refresh_selections()

    @property
    def segments(self) -> list[Segment]:
        return self._segments

    def segment_at(self, pos) -> int | None:
        if not self._segments:
            return None
        block = self.cursorForPosition(pos).block()
        index = block.blockNumber()
        # Only a click on the text itself counts, not on the empty space below the last line.
        rect = self.document().documentLayout().blockBoundingRect(block)
        y = pos.y() + self.verticalScrollBar().value()
        return index if 0 <= index < len(self._segments) and rect.top() <= y <= rect.bottom() else None

    # -- highlights -----------------------------------------------------------------------------
    def set_current(self, index: int | None, *, follow: bool) -> None:
        if index == self._current:
            return
        self._current = index
        self._refresh_selections()
        if follow and index is not None:
            self.scroll_to(index)

    @property
    def current(self) -> int | None:
        return self._current

    def scroll_to(self, index: int) -> None:
        block = self.document().findBlockByNumber(index)
        rect = self.document().documentLayout().blockBoundingRect(block)
        bar = self.verticalScrollBar()
        top, height = bar.value(), self.viewport().height()
        if rect.top() < top or rect.bottom() > top + height:
            bar.setValue(int(rect.top() - height / 3))  # leave room to read what comes next

    def find_all(self, query: str) -> int:
        self._matches, self._match_index = [], -1
        if query:
            cursor = self.document().find(query, 0)
            while not cursor.isNull():
                self._matches.append(cursor)
                cursor = self.document().find(query, cursor)
        self._refresh_selections()
        return len(self._matches)

    @property
    def match_count(self) -> int:
        return len(self._matches)

    def step_match(self, forward: bool) -> int:
        """Go to the next/previous match; returns its 1-based number, 0 when there is none."""
        if not self._matches:
            return 0
        step = 1 if forward else -1
        self._match_index = (self._match_index + step) % len(self._matches)
        match = self._matches[self._match_index]
        self.scroll_to(match.block().blockNumber())
        self._refresh_selections()
        return self._match_index + 1

    def _refresh_selections(self) -> None:
        pal = self.palette()
        selections = []
        if self._current is not None:
            sel = QTextEdit.ExtraSelection()
            colour = QColor(pal.color(QPalette.ColorRole.Highlight))
            colour.setAlpha(64)
            sel.format.setBackground(colour)
            sel.format.setProperty(QTextFormat.Property.FullWidthSelection, True)
            block = self.document().findBlockByNumber(self._current)
            sel.cursor = QTextCursor(block)
            sel.cursor.movePosition(QTextCursor.MoveOperation.EndOfBlock, QTextCursor.MoveMode.KeepAnchor)
            selections.append(sel)
        for i, match in enumerate(self._matches):
            sel = QTextEdit.ExtraSelection()
            colour = QColor(pal.color(QPalette.ColorRole.Highlight))
            if i == self._match_index:
                sel.format.setForeground(pal.color(QPalette.ColorRole.HighlightedText))
            else:
                colour.setAlpha(110)
            sel.format.setBackground(colour)
            sel.cursor = match
            selections.append(sel)
        self.setExtraSelections(selections)

    # -- mouse ------------------------------------------------------------------------------------
    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        index = self.segment_at(event.position().toPoint())
        timed = index is not None and self._segments[index].start_ms is not None
        self.viewport().setCursor(Qt.CursorShape.PointingHandCursor if timed else Qt.CursorShape.IBeamCursor)
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        super().mouseReleaseEvent(event)
        # A drag selects text to copy; only a plain click seeks.
        if event.button() == Qt.MouseButton.LeftButton and not self.textCursor().hasSelection():
            index = self.segment_at(event.position().toPoint())
            if index is not None:
                emit(self.segmentClicked, index)
