"""The overview's table per agent: calls, average talk and hold, silence share, sentiment mix.

A model, not a QTableWidget: filling 300 items of a QTableWidget whose columns fit their
contents re-measured the table for each item (0.8 s on the UI thread at 50 agents x 6).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from recbrowser.services.report import SENTIMENTS
from recbrowser.store.records import AgentSummary

COLUMNS = ("Agent", "Calls", "Avg talk", "Avg hold", "Silence", "Mood + = −")
NO_AGENT = "(no agent)"
SORT_ROLE = Qt.ItemDataRole.UserRole  # a cell's number (or name) to sort by
AGENT_ROLE = Qt.ItemDataRole.UserRole + 1  # the agent's name as the store has it ("" for none)

Index = QModelIndex | QPersistentModelIndex


def _seconds(ms: float | None) -> str:
    if ms is None:
        return "–"
    s = round(ms / 1000)
    return f"{s // 60}:{s % 60:02d}"


def _percent(share: float | None) -> str:
    return "–" if share is None else f"{100 * share:.0f} %"


class AgentModel(QAbstractTableModel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.agents: list[AgentSummary] = []

    def set_agents(self, agents: list[AgentSummary]) -> None:
        self.beginResetModel()
        self.agents = list(agents)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self.agents)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        a, column = self.agents[index.row()], index.column()
        values = (a.agent, a.calls, a.average_talk_ms, a.average_hold_ms, a.silence_share, None)
        if role == AGENT_ROLE:
            return a.agent
        if role == SORT_ROLE:
            value = values[column]
            return (value.casefold() if isinstance(value, str) else -1.0 if value is None else float(value)) \
                if column < 5 else sum(a.sentiments.values())
        if role == Qt.ItemDataRole.TextAlignmentRole and 0 < column < 5:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if column == 0:
            return a.agent or NO_AGENT
        if column == 1:
            return f"{a.calls:,}"
        if column in (2, 3):
            return _seconds(values[column])
        if column == 4:
            return _percent(a.silence_share)
        return " / ".join(str(a.sentiments.get(s, 0)) for s in SENTIMENTS) if a.sentiments else "–"


class AgentTable(QTableView):
    """Sortable by any column; busiest agents first until the user sorts otherwise."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.source = AgentModel(self)
        proxy = QSortFilterProxyModel(self)
        proxy.setSourceModel(self.source)
        proxy.setSortRole(SORT_ROLE)
        self.setModel(proxy)
        self.setSortingEnabled(True)
        self.sortByColumn(1, Qt.SortOrder.DescendingOrder)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.verticalHeader().hide()
        self.horizontalHeader().setStretchLastSection(True)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.setToolTip("Click an agent to list only their calls")
        self._fitted = False

    def set_agents(self, agents: list[AgentSummary]) -> None:
        self.source.set_agents(agents)
        if not self._fitted and agents:  # once: later the user's widths stay
            self.resizeColumnsToContents()
            self._fitted = True

    def agent_at(self, row: int) -> str:
        return self.model().index(row, 0).data(AGENT_ROLE)

    def calls_by_agent(self) -> dict[str, int]:
        """Calls per agent as the table shows them (agent name -> calls)."""
        model = self.model()
        return {model.index(r, 0).data(AGENT_ROLE): int(model.index(r, 1).data().replace(",", ""))
                for r in range(model.rowCount())}
