"""The search results list: a small model of SearchHits (search_hit_delegate.py draws them)."""

from __future__ import annotations

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt

from recbrowser.domain import SearchHit
from recbrowser.ui.common.formatting import clock, local_short

HIT_ROLE = Qt.ItemDataRole.UserRole


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
