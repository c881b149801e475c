"""The search results list: a small model of SearchHits and a delegate that draws each hit
as two lines (where: speaker, call, time; what: the sentence with the hit highlighted)."""

from __future__ import annotations

import html
import re

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, QRectF, QSize, Qt
from PySide6.QtGui import QAbstractTextDocumentLayout, QPalette, QTextDocument
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from recbrowser.domain import SearchHit
from recbrowser.ui.formatting import clock, local_short

HIT_ROLE = Qt.ItemDataRole.UserRole
_HIT = re.compile(r"\[([^\[\]]*)\]")


def snippet_html(snippet: str, mark_style: str) -> str:
    """The store wraps hits in [ and ]: escape everything, then turn those into marks."""
    out, last = [], 0
    for m in _HIT.finditer(snippet):
        out.append(html.escape(snippet[last : m.start()]))
        out.append(f'<span style="{mark_style}">{html.escape(m.group(1))}</span>')
        last = m.end()
    out.append(html.escape(snippet[last:]))
    return "".join(out)


def hit_where(hit: SearchHit) -> str:
    """One short line: when the call was, on which account, who said it and where in the call (the
    ref is in the tooltip). What a transcript does not know (Voki's untimed text has no speakers
    and no times) is left out rather than shown as "Unknown speaker at --:--" on every hit."""
    parts = [local_short(hit.call_start_ms), hit.account]
    if hit.kind == "summary":
        parts.append("summary")
    elif hit.speaker and hit.start_ms is not None:
        parts.append(f"{hit.speaker} at {clock(hit.start_ms)}")
    elif hit.speaker:
        parts.append(hit.speaker)
    elif hit.start_ms is not None:
        parts.append(f"at {clock(hit.start_ms)}")
    return " · ".join(parts)


class SearchResultsModel(QAbstractListModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._hits: list[SearchHit] = []

    def set_hits(self, hits: list[SearchHit]) -> None:
        self.beginResetModel()
        self._hits = list(hits)
        self.endResetModel()

    def hit(self, row: int) -> SearchHit | None:
        return self._hits[row] if 0 <= row < len(self._hits) else None

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._hits)

    def data(self, index, role: int = Qt.ItemDataRole.DisplayRole):
        hit = self.hit(index.row())
        if hit is None:
            return None
        if role == HIT_ROLE:
            return hit
        if role == Qt.ItemDataRole.DisplayRole:
            return hit.text  # for accessibility and keyboard search; the delegate draws the rest
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{hit.call_ref}\n{hit_where(hit)}\n{hit.text}"
        return None


class HitDelegate(QStyledItemDelegate):
    PADDING = 6

    def _document(self, option: QStyleOptionViewItem, hit: SearchHit, selected: bool) -> QTextDocument:
        pal = option.palette
        text_role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        text = pal.color(text_role).name()
        muted = text if selected else pal.color(QPalette.ColorRole.PlaceholderText).name()
        # The hit stands out by weight and underline, which read on any palette.
        mark = "font-weight:600; text-decoration: underline;"
        doc = QTextDocument()
        doc.setDefaultFont(option.font)
        doc.setDocumentMargin(0)
        doc.setHtml(
            f'<div style="color:{muted}; font-size:small">{html.escape(hit_where(hit))}</div>'
            f'<div style="color:{text}">{snippet_html(hit.snippet or hit.text, mark)}</div>'
        )
        doc.setTextWidth(max(50, option.rect.width() - 2 * self.PADDING))
        return doc

    def paint(self, painter, option: QStyleOptionViewItem, index) -> None:
        hit = index.data(HIT_ROLE)
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        style = opt.widget.style() if opt.widget else None
        if style:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        if hit is None:
            return
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        doc = self._document(option, hit, selected)
        painter.save()
        painter.translate(option.rect.left() + self.PADDING, option.rect.top() + self.PADDING)
        ctx = QAbstractTextDocumentLayout.PaintContext()
        ctx.clip = QRectF(0, 0, option.rect.width(), option.rect.height())
        doc.documentLayout().draw(painter, ctx)
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index) -> QSize:
        hit = index.data(HIT_ROLE)
        if hit is None:
            return super().sizeHint(option, index)
        width = option.rect.width() if option.rect.width() > 0 else 300
        opt = QStyleOptionViewItem(option)
        opt.rect.setWidth(width)
        doc = self._document(opt, hit, False)
        return QSize(width, int(doc.size().height()) + 2 * self.PADDING)
