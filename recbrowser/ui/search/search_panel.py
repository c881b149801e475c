"""The search box and its results: search as you type, in a worker, newest query wins.

Each query gets a generation number; results carry it back, and results of any generation
but the latest are dropped, so a slow old search never replaces a newer one. A key typed while
a search runs interrupts it (when the search can be interrupted), and a search whose text was
typed past before it started is skipped: the search the user waits for never queues behind them.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QModelIndex, Qt, QThreadPool, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QLabel, QLineEdit, QListView, QVBoxLayout, QWidget

from recbrowser.domain import SearchHit
from recbrowser.ui.common.icons import icon
from recbrowser.ui.common.line_edits import clear_button_with_first_text
from recbrowser.ui.common.signals import emit
from recbrowser.ui.common.workers import run_task
from recbrowser.ui.search.search_results import HIT_ROLE, SearchResultsModel

DEBOUNCE_MS = 250
LIMIT = 100
FIRST_SCREEN = 20  # hits laid out before the first paint: more than a tall window shows
# A ranking still running this long after the typing pause: the newest hits are shown meanwhile
# (ranking ~17,000 hits costs ~30 ms of CPU, several times that on a busy machine).
NEWEST_AFTER_MS = 60

SearchFn = Callable[[str], list[SearchHit] | None]  # None: interrupted or skipped, nothing to show


class SearchPanel(QWidget):
    hitActivated = Signal(object)  # SearchHit: open the call and play from the sentence
    resultsShown = Signal(int)  # generation whose results are now on screen
    newestShown = Signal(int)  # generation whose newest hits are on screen while it is ranked

    def __init__(self, search: SearchFn, pool: QThreadPool | None = None, parent: QWidget | None = None, *,
                 interrupt: Callable[[], None] | None = None, newest: SearchFn | None = None) -> None:
        super().__init__(parent)
        self._search = search
        self._newest = newest  # the query's newest hits, cheap: shown if the ranking takes a while
        self._newest_hits: tuple[int, str, list[SearchHit]] | None = None
        self._interrupt = interrupt  # stops the search running now (from the UI thread)
        self._edits = 0  # changes to the text so far: a search asked before the last one is stale
        self._pool = pool
        self.generation = 0
        self.shown_generation = 0
        self._pending_open = False  # Enter pressed before the results came: open the first one
        self._delegate_set = False  # with the first results: nothing to draw before
        self.box = QLineEdit(placeholderText="Search transcripts  ( / )")
        clear_button_with_first_text(self.box)
        self.box.addAction(icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        self.box.installEventFilter(self)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.model = SearchResultsModel(self)
        self.results = QListView()
        self.results.setModel(self.model)
        self.results.setWordWrap(True)
        self.results.setUniformItemSizes(False)
        self.results.setResizeMode(QListView.ResizeMode.Adjust)
        self.results.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.results.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        # Each hit's height comes from laying out its text (~0.2 ms): laying out all 100 before the
        # first paint took 25-60 ms. In batches, the first screen is painted after the first batch
        # and the rest are measured on later turns of the event loop.
        self.results.setLayoutMode(QListView.LayoutMode.Batched)
        self.results.setBatchSize(FIRST_SCREEN)
        self.results.activated.connect(self._activate)  # Enter, and double-click on most styles
        self.results.doubleClicked.connect(self._activate)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.box)
        layout.addWidget(self.status)
        layout.addWidget(self.results, 1)
        self._timer = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)
        self._timer.timeout.connect(self.search_now)
        self._newest_timer = QTimer(self, singleShot=True, interval=NEWEST_AFTER_MS)
        self._newest_timer.timeout.connect(self._show_newest)
        self.box.textChanged.connect(self._on_typed)
        self._show_hint()

    def _on_typed(self, _text: str) -> None:
        self._pending_open = False
        self._edits += 1
        if self._interrupt is not None and self.shown_generation != self.generation:
            self._interrupt()  # the search in flight is for text the user has typed past
        self._timer.start()

    def focus_search(self) -> None:
        self.box.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.box.selectAll()

    def search_now(self) -> int:
        self._timer.stop()
        self.generation += 1
        generation, query = self.generation, self.box.text().strip()
        if not query:
            self.model.set_hits([])
            self.shown_generation = generation
            self._show_hint()
            return generation
        self.status.setText("Searching…")
        self._newest_hits = None
        self._newest_timer.start()
        run_task(
            lambda report, edits=self._edits: self._run(query, edits, report),
            lambda hits: self._deliver(generation, query, hits),
            lambda message, _details: self._failed(generation, message),
            lambda hits: self._newest_arrived(generation, query, hits),
            pool=self._pool,
            name="search",
            owner=self,
        )
        return generation

    def _run(self, query: str, edits: int, report: Callable[[list[SearchHit]], None]) -> list[SearchHit] | None:
        # In the worker (reading an int the UI thread writes): typed past before it could start?
        if edits != self._edits:
            return None
        if self._newest is not None:
            hits = self._newest(query)
            if hits:
                report(hits)
            if edits != self._edits:
                return None
        return self._search(query)

    def _newest_arrived(self, generation: int, query: str, hits: list[SearchHit]) -> None:
        if generation == self.generation and self.shown_generation != generation:
            self._newest_hits = (generation, query, hits)
            if not self._newest_timer.isActive():
                self._show_newest()

    def _show_newest(self) -> None:
        if self._newest_hits is None:
            return
        generation, query, hits = self._newest_hits
        if generation != self.generation or self.shown_generation == generation:
            return
        self._show(hits)
        self.status.setText(f"{len(hits)}{'+' if len(hits) >= LIMIT else ''} sentences match “{query}”: the newest, "
                            "until they are ranked…")
        emit(self.newestShown, generation)

    def _show(self, hits: list[SearchHit]) -> None:
        if hits and not self._delegate_set:
            from recbrowser.ui.search.search_hit_delegate import HitDelegate

            self.results.setItemDelegate(HitDelegate(self.results))
            self._delegate_set = True
        self.model.set_hits(hits)
        if hits:
            self.results.setCurrentIndex(self.model.index(0))

    def _deliver(self, generation: int, query: str, hits: list[SearchHit] | None) -> None:
        if generation != self.generation or hits is None:
            return  # the user typed on: an older query's answer must not replace a newer one
        self._newest_timer.stop()
        self._newest_hits = None
        self._show(hits)
        self.shown_generation = generation
        more = "+" if len(hits) >= LIMIT else ""
        self.status.setText(f"{len(hits)}{more} sentence{'s' if len(hits) != 1 else ''} match “{query}”" if hits else f"Nothing matches “{query}”.")
        emit(self.resultsShown, generation)
        if self._pending_open and hits:
            self._activate(self.model.index(0))
        self._pending_open = False

    def _failed(self, generation: int, message: str) -> None:
        if generation == self.generation:
            self.model.set_hits([])
            self.shown_generation = generation
            self.status.setText(message)

    def _show_hint(self) -> None:
        self.status.setText("Words, a \"quoted phrase\" or a prefix*; Enter plays the sentence.")

    def _activate(self, index: QModelIndex) -> None:
        hit = index.data(HIT_ROLE)
        if hit is not None:
            emit(self.hitActivated, hit)

    def step(self, forward: bool) -> SearchHit | None:
        """Next/previous result: select it and open it."""
        count = self.model.rowCount()
        if not count:
            return None
        row = self.results.currentIndex().row()
        row = (row + (1 if forward else -1)) % count if row >= 0 else 0
        index = self.model.index(row)
        self.results.setCurrentIndex(index)
        self._activate(index)
        return index.data(HIT_ROLE)

    def eventFilter(self, obj, event) -> bool:
        if obj is self.box and isinstance(event, QKeyEvent) and event.type() == QKeyEvent.Type.KeyPress:
            key = event.key()
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                if self._timer.isActive() or self.shown_generation != self.generation:
                    self._pending_open = True
                    self.search_now()
                    return True
                current = self.results.currentIndex()
                if current.isValid():
                    self._activate(current)
                return True
            if key in (Qt.Key.Key_Down, Qt.Key.Key_Up) and self.model.rowCount():
                self.results.setFocus()
                row = 0 if key == Qt.Key.Key_Down else self.model.rowCount() - 1
                self.results.setCurrentIndex(self.model.index(row))
                return True
        return super().eventFilter(obj, event)
