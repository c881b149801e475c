"""How a search hit is drawn: two lines (where: speaker, call, time; what: the sentence with
the hit highlighted). The search panel sets it on its list with the first results, so its Qt
text and style types are not set up before the window's first paint."""

from __future__ import annotations

import html
import re

from PySide6.QtCore import QRectF, QSize
from PySide6.QtGui import QAbstractTextDocumentLayout, QPalette, QTextDocument
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from recbrowser.domain import SearchHit
from recbrowser.ui.search.search_results import HIT_ROLE, hit_where

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
