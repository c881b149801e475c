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
from recbrowser.ui import compat
from recbrowser.ui.call_pane.speaker_colors import SpeakerColors
from recbrowser.ui.common.formatting import clock
from recbrowser.ui.common.signals import emit

LINE_BREAK = "\u2028"  # a line break inside the paragraph: one block stays one sentence
NOTE_MARK = "\u270e Note"  # a pencil: the user's own words, not the provider's


class TranscriptView(QTextEdit):
    segmentClicked = Signal(int)  # index into the segments given to set_segments
    noteClicked = Signal(int)  # ms of the note marker clicked

    def __init__(self, parent: QWidget | None = None) -> None:
        compat.keep_none_alive()  # its void calls would run None out under PySide6 6.12 (ui/compat.py)
        super().__init__(parent)
        self.setReadOnly(True)
        self.setUndoRedoEnabled(False)
        self.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.viewport().setMouseTracking(True)
        self.document().setDocumentMargin(10)
        self._segments: list[Segment] = []
        self._placeholder = ""
        self._notes: dict[int, list[tuple[int, str]]] = {}  # segment index -> (ms, text) of its notes
        self._markers: list[tuple[int, int, int, int]] = []  # (block, first char, end char, ms)
        self._current: int | None = None
        self._matches: list[QTextCursor] = []
        self._match_index = -1

    # -- content ------------------------------------------------------------------------------
    def set_segments(
        self, segments: list[Segment], placeholder: str = "", notes: dict[int, list[tuple[int, str]]] | None = None
    ) -> None:
        self._segments = list(segments)
        self._placeholder = placeholder
        self._notes = notes or {}
        self._current = None
        self._render()
        self.moveCursor(QTextCursor.MoveOperation.Start)

    def set_notes(self, notes: dict[int, list[tuple[int, str]]]) -> None:
        """Show note markers under their sentences, keeping the reader's place and highlight."""
        if notes == self._notes:
            return
        self._notes = notes
        scroll = self.verticalScrollBar().value()
        self._render()
        self.verticalScrollBar().setValue(scroll)

    def _render(self) -> None:
        segments = self._segments
        self._matches, self._match_index = [], -1
        self._markers = []
        self.clear()
        self.setPlaceholderText(self._placeholder)
        if not segments:
            self.setExtraSelections([])
            return
        colors = SpeakerColors()
        muted = self.palette().color(QPalette.ColorGroup.Active, QPalette.ColorRole.PlaceholderText)
        text_fmt = QTextCharFormat()
        time_fmt = QTextCharFormat()
        time_fmt.setForeground(muted)
        time_fmt.setFontPointSize(max(7.0, self.font().pointSizeF() * 0.9))
        note_fmt = QTextCharFormat()
        note_fmt.setForeground(self.palette().color(QPalette.ColorRole.Link))
        note_fmt.setFontItalic(True)
        note_fmt.setToolTip("Your note: click to play from here")
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
            for ms, note in self._notes.get(i, []):
                cursor.insertText(LINE_BREAK, text_fmt)
                first = cursor.positionInBlock()
                cursor.insertText(f"{NOTE_MARK} {clock(ms)}  {' '.join(note.split())}", note_fmt)
                self._markers.append((i, first, cursor.positionInBlock(), ms))
        cursor.endEditBlock()
        self._refresh_selections()

    def note_markers(self) -> list[tuple[int, int]]:
        """(sentence index, ms) of each note marker shown, in document order."""
        return [(block, ms) for block, _first, _end, ms in self._markers]

    def marker_at(self, pos) -> int | None:
        """The ms of the note marker under `pos` (viewport coordinates), if any."""
        cursor = self.cursorForPosition(pos)
        block, column = cursor.block().blockNumber(), cursor.positionInBlock()
        for b, first, end, ms in self._markers:
            if b == block and first <= column <= end:
                return ms
        return None

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
        pos = event.position().toPoint()
        index = self.segment_at(pos)
        timed = index is not None and (self._segments[index].start_ms is not None or self.marker_at(pos) is not None)
        self.viewport().setCursor(Qt.CursorShape.PointingHandCursor if timed else Qt.CursorShape.IBeamCursor)
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        super().mouseReleaseEvent(event)
        # A drag selects text to copy; only a plain click seeks.
        if event.button() == Qt.MouseButton.LeftButton and not self.textCursor().hasSelection():
            pos = event.position().toPoint()
            index = self.segment_at(pos)
            marker = self.marker_at(pos) if index is not None else None
            if marker is not None:
                emit(self.noteClicked, marker)
            elif index is not None:
                emit(self.segmentClicked, index)
