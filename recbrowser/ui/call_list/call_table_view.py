"""The call list view: multi-select rows, sortable by the columns the store has an index for,
columns the user can move, resize and hide (remembered by the window through the header
state), and the provider's facts as columns chosen from the header's menu (remembered by
name, so a header state saved before they existed does not show them all). A call with
several legs opens in place: click its arrow, or press + / −."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QKeyEvent, QMouseEvent, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QMenu, QTableView, QWidget

from recbrowser.ui.call_list.call_columns import (
    COL_ACCOUNT,
    COL_AGENT,
    COL_AUDIO,
    COL_DIRECTION,
    COL_DURATION,
    COL_FROM,
    COL_START,
    COL_STATUS,
    COL_TO,
    COL_TRANSCRIPT,
    EXTRA_COLUMNS,
    HEADERS,
    SORT_KEYS,
)
from recbrowser.ui.call_list.call_table_model import CallTableModel
from recbrowser.ui.common.signals import emit

ARROW_ZONE = 24  # px from the left of the Start cell that open or close a call's legs

DEFAULT_WIDTHS = {
    COL_START: 136,
    COL_ACCOUNT: 110,
    COL_DIRECTION: 72,
    COL_FROM: 140,
    COL_TO: 140,
    COL_AGENT: 110,
    COL_DURATION: 60,
    COL_STATUS: 116,
    COL_AUDIO: 80,
    COL_TRANSCRIPT: 74,
}
EXTRA_WIDTH = 90

# What a supervisor scans first comes first; the user can drag columns and hide them.
DEFAULT_ORDER = (
    COL_START, COL_ACCOUNT, COL_DIRECTION, COL_FROM, COL_TO, COL_DURATION, COL_STATUS, COL_AUDIO, COL_TRANSCRIPT, COL_AGENT,
    *EXTRA_COLUMNS,
)


LIST_SHORTCUTS = ("show_legs", "hide_legs", "toggle_legs")  # handled in CallTableView.keyPressEvent


class CallTableView(QTableView):
    columnsChosen = Signal()  # the user showed or hid one of the provider's columns

    def __init__(self, model: CallTableModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # Our own viewport, made here: when PySide6 first meets a plain QWidget that Qt made
        # (the default viewport), it sets up every QWidget subclass it knows to find its type,
        # 10-20 ms before the window's first paint. One made in Python is simply looked up.
        self._viewport = QWidget(self)
        self.setViewport(self._viewport)
        vheader = self.verticalHeader()
        vheader.hide()
        # Fixed row heights, set before the model: the view never asks a million rows for
        # their size, nor lays out a section for each.
        vheader.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vheader.setDefaultSectionSize(self.fontMetrics().height() + 10)
        self.setModel(model)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setAlternatingRowColors(True)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.setCornerButtonEnabled(False)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setTabKeyNavigation(False)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        header = self.horizontalHeader()
        header.setSectionsMovable(True)
        header.setHighlightSections(False)
        header.setStretchLastSection(True)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._column_menu)
        header.sortIndicatorChanged.connect(self._on_sort_indicator)
        self.reset_columns()
        # Indicator first: enabling sorting re-sorts by whatever the indicator says.
        header.setSortIndicator(model.sort_column(), model.sort_order())
        self.setSortingEnabled(True)

    @property
    def calls(self) -> CallTableModel:
        model = self.model()
        assert isinstance(model, CallTableModel)
        return model

    empty_text = "No calls yet."

    def set_empty_text(self, text: str) -> None:
        """What the list says when it has no rows (no accounts, no match, not synced yet)."""
        self.empty_text = text
        self.viewport().update()

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if self.model().rowCount() == 0 and self.empty_text:
            painter = QPainter(self.viewport())
            painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
            rect = self.viewport().rect().adjusted(24, 24, -24, -24)
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.empty_text)
            painter.end()

    def reset_columns(self) -> None:
        header = self.horizontalHeader()
        for visual, col in enumerate(DEFAULT_ORDER):
            header.moveSection(header.visualIndex(col), visual)
        for col in range(len(HEADERS)):
            header.setSectionHidden(col, col in EXTRA_COLUMNS)
            self.setColumnWidth(col, DEFAULT_WIDTHS.get(col, EXTRA_WIDTH))

    def extra_columns(self) -> list[str]:
        """The provider's columns shown, by name (what the settings keep)."""
        header = self.horizontalHeader()
        return [name for col, name in EXTRA_COLUMNS.items() if not header.isSectionHidden(col)]

    def set_extra_columns(self, names: list[str]) -> None:
        header = self.horizontalHeader()
        for col, name in EXTRA_COLUMNS.items():
            shown = name in names
            header.setSectionHidden(col, not shown)
            if shown and header.sectionSize(col) == 0:
                self.setColumnWidth(col, EXTRA_WIDTH)

    def _on_sort_indicator(self, column: int, _order: Qt.SortOrder) -> None:
        if column not in SORT_KEYS:
            # Not sortable: put the arrow back on the column the list is really sorted by.
            header = self.horizontalHeader()
            header.blockSignals(True)
            header.setSortIndicator(self.calls.sort_column(), self.calls.sort_order())
            header.blockSignals(False)

    def _column_menu(self, pos: QPoint) -> None:
        self.column_menu().exec(self.horizontalHeader().mapToGlobal(pos))

    def column_menu(self) -> QMenu:
        """The header's menu: a check per column, the provider's facts in a section of their own."""
        header = self.horizontalHeader()
        menu = QMenu(self)
        menu.aboutToHide.connect(menu.deleteLater)
        for col, title in enumerate(HEADERS):
            if col == min(EXTRA_COLUMNS):
                menu.addSection("From the provider")
            action = menu.addAction(title)
            action.setCheckable(True)
            action.setChecked(not header.isSectionHidden(col))
            action.setEnabled(col != COL_START)  # a call list without times makes no sense
            action.toggled.connect(lambda on, c=col: self._show_column(c, on))
        menu.addSeparator()
        menu.addAction("Reset columns", lambda: (self.reset_columns(), emit(self.columnsChosen)))
        return menu

    def _show_column(self, col: int, on: bool) -> None:
        self.horizontalHeader().setSectionHidden(col, not on)
        if col in EXTRA_COLUMNS:
            emit(self.columnsChosen)

    def move_current(self, step: int) -> None:
        """j/k: the next or previous call (legs are passed over), selecting only it."""
        rows = self.calls.rowCount()
        if not rows:
            return
        current = self.currentIndex().row()
        row = 0 if current < 0 else min(rows - 1, max(0, current + step))
        while self.calls.leg(row) is not None and 0 < row < rows - 1:
            row += 1 if step > 0 else -1
        if self.calls.leg(row) is not None:
            return  # only legs that way: stay on the call
        self.selectRow(row)
        self.scrollTo(self.calls.index(row, 0))

    # -- legs ------------------------------------------------------------------------------------------
    def set_open(self, row: int, on: bool) -> None:
        if self.calls.set_open(row, on) and on:
            # Show the legs just opened, as far as they fit under the call.
            last = self.calls.index(row + self.calls.row(row).leg_count, 0)
            self.scrollTo(last)
            self.scrollTo(self.calls.index(row, 0))

    def mousePressEvent(self, event: QMouseEvent) -> None:
        index = self.indexAt(event.position().toPoint())
        if index.isValid() and index.column() == COL_START and self.calls.leg(index.row()) is None:
            rect = self.visualRect(index)
            if event.position().x() - rect.left() < ARROW_ZONE and (r := self.calls.row(index.row())) and r.leg_count > 1:
                self.set_open(index.row(), not self.calls.is_open(index.row()))
                event.accept()
                return
        super().mousePressEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # LIST_SHORTCUTS in the registry. Compared by key alone: "+" is Shift+= on many layouts.
        row = self.currentIndex().row()
        key = event.key()
        if row >= 0 and key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal, Qt.Key.Key_Minus, Qt.Key.Key_Asterisk):
            self.set_open(row, key != Qt.Key.Key_Minus if key != Qt.Key.Key_Asterisk else not self.calls.is_open(row))
            event.accept()
            return
        super().keyPressEvent(event)
