"""The filter bar above the call list: date preset, account, direction, status, number, tag, the
provider's queue and sentiment (shown once the cache holds any), audio, transcript; and the
filters picked in the overview (a day, an agent, a duration range), each a button that removes it."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDate, QStringListModel, Qt, QTimer, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QCompleter, QHBoxLayout, QLabel, QLineEdit, QToolButton, QWidget

from recbrowser.domain import DIRECTIONS, STATUSES
from recbrowser.store import CallFilter
from recbrowser.ui.common.flow_layout import FlowLayout
from recbrowser.ui.common.line_edits import clear_button_with_first_text
from recbrowser.ui.common.signals import emit

if TYPE_CHECKING:
    from PySide6.QtWidgets import QDateEdit

CUSTOM = "custom"
DATE_PRESETS = (("All dates", None), ("Today", 0), ("Last 7 days", 7), ("Last 30 days", 30), ("Custom range…", CUSTOM))
NUMBER_DEBOUNCE_MS = 300


def since_for(days: int | None, now: float | None = None) -> int | None:
    """Start of the window in epoch ms: midnight today (local) minus `days - 1` days."""
    if days is None:
        return None
    today = datetime.fromtimestamp(now if now is not None else time.time()).date()
    return local_midnight(today - timedelta(days=max(0, days - 1)))


def local_midnight(day: date) -> int:
    """The first moment of `day` in the user's zone, in epoch ms, with that day's own offset:
    counting back in days from today's offset is an hour off across a change of summer time."""
    return int(datetime(day.year, day.month, day.day).astimezone().timestamp() * 1000)


class FilterBar(QWidget):
    changed = Signal(object)  # the new CallFilter

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.dates = QComboBox(toolTip="Calls that started in this period (your time zone)")
        for label, days in DATE_PRESETS:
            self.dates.addItem(label, days)
        # Custom range: first and last day, both included, in the user's time zone. Its two date
        # boxes are made when the range is first chosen: the first QDateEdit costs ~5 ms, which
        # the window's first paint need not wait for.
        self.range_box = QWidget()
        self.range_box.hide()
        self.since: QDateEdit | None = None
        self.until: QDateEdit | None = None
        self.account = QComboBox(toolTip="Only this account's calls")
        self.account.addItem("All accounts", None)
        self.direction = QComboBox(toolTip="Call direction")
        self.direction.addItem("Any direction", None)
        for d in DIRECTIONS:
            if d != "unknown":
                self.direction.addItem(d.capitalize(), d)
        self.status = QComboBox(toolTip="Call outcome")
        self.status.addItem("Any status", None)
        for st in STATUSES:
            if st != "unknown":
                self.status.addItem(st.capitalize(), st)
        self.number = QLineEdit(placeholderText="Number", toolTip="Part of the caller's or callee's number")
        clear_button_with_first_text(self.number)
        self.number.setMinimumWidth(120)
        self.number.setMaximumWidth(180)
        self.tag = QLineEdit(placeholderText="Tag", toolTip="Only calls with this tag (any case)")
        clear_button_with_first_text(self.tag)
        self.tag.setMinimumWidth(90)
        self.tag.setMaximumWidth(140)
        self._tags = QStringListModel(self)
        completer = QCompleter(self._tags, self.tag)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.tag.setCompleter(completer)
        # The provider's categories: values from the cache (set_categories), hidden while it has none.
        self.queue = QComboBox(toolTip="Only calls that came through this queue at the provider")
        self.queue.addItem("Any queue", None)
        self.sentiment = QComboBox(toolTip="Only calls the provider judged this way")
        self.sentiment.addItem("Any sentiment", None)
        for combo in (self.queue, self.sentiment):
            combo.hide()
        self.has_audio = QCheckBox("Has audio")
        self.has_transcript = QCheckBox("Has transcript")
        self.count = QLabel()
        # Filters picked in the overview: key -> (the button that shows and removes it, its fields).
        self.picks_box = QWidget()
        self.picks_box.hide()
        picks_row = QHBoxLayout(self.picks_box)
        picks_row.setContentsMargins(0, 0, 0, 0)
        picks_row.setSpacing(4)
        self._picks: dict[str, tuple[QToolButton, dict[str, Any]]] = {}

        # Wraps onto a second line when narrow: in one row the bar was 940 px wide at least, and on
        # a 1280 px screen the splitter took that from the accounts and search column.
        layout = FlowLayout(self, spacing=6)
        layout.setContentsMargins(6, 4, 6, 4)
        for w in (self.dates, self.range_box, self.account, self.direction, self.status, self.number, self.tag,
                  self.queue, self.sentiment, self.has_audio, self.has_transcript, self.picks_box, self.count):
            layout.addWidget(w)

        self._number_timer = QTimer(self, singleShot=True, interval=NUMBER_DEBOUNCE_MS)
        self._number_timer.timeout.connect(self._emit)
        self.number.textChanged.connect(lambda _t: self._number_timer.start())
        self.tag.textChanged.connect(lambda _t: self._number_timer.start())
        self.dates.currentIndexChanged.connect(self._show_range)
        for combo in (self.dates, self.account, self.direction, self.status, self.queue, self.sentiment):
            combo.currentIndexChanged.connect(self._emit)
        for box in (self.has_audio, self.has_transcript):
            box.toggled.connect(self._emit)

    def set_accounts(self, names: list[str]) -> None:
        current = self.account.currentData()
        self.account.blockSignals(True)
        self.account.clear()
        self.account.addItem("All accounts", None)
        for name in names:
            self.account.addItem(name, name)
        index = self.account.findData(current)
        self.account.setCurrentIndex(max(0, index))
        self.account.blockSignals(False)
        if current is not None and index < 0:
            self._emit()  # the account shown was removed: show everything

    def set_tags(self, tags: list[str]) -> None:
        """The tags in use (Store.all_tags()), offered as the user types in the tag box."""
        self._tags.setStringList(tags)

    def set_categories(self, values: dict[str, list[str]]) -> None:
        """The queues and sentiments the cache holds (CallStore.category_values). A value
        chosen that is gone stays offered: the list it filters stays as the user set it."""
        for combo, key in ((self.queue, "queue"), (self.sentiment, "sentiment")):
            current = combo.currentData()
            names = list(values.get(key, []))
            if current is not None and current not in names:
                names.append(current)
            if [combo.itemData(i) for i in range(1, combo.count())] == names:
                continue
            combo.blockSignals(True)
            while combo.count() > 1:
                combo.removeItem(1)
            for name in names:
                combo.addItem(name.capitalize() if key == "sentiment" else name, name)
            combo.setCurrentIndex(max(0, combo.findData(current)))
            combo.blockSignals(False)
            combo.setVisible(bool(names))

    def pick(self, key: str, text: str, fields: dict[str, Any], *, account: str | None = None,
             status: str | None = None) -> None:
        """Narrow the list to what the overview's bar stands for, in one change: `fields` of the
        CallFilter (a day's since_ms/until_ms, agent, duration range) shown as a button saying
        `text` that removes them; an account and a status are set in their own boxes."""
        for name, combo, value in (("account", self.account, account), ("status", self.status, status)):
            if value is not None and combo.findData(value) >= 0:
                combo.blockSignals(True)
                combo.setCurrentIndex(combo.findData(value))
                combo.blockSignals(False)
            elif value is not None:  # a status the box does not offer ("unknown"): on the button
                fields = {**fields, name: value}
                text = f"{text}, {value}"
        self._drop_pick(key)
        button = QToolButton(text=f"{text}  ✕", toolTip="Remove this filter", autoRaise=False)
        button.setObjectName(f"pick_{key}")
        button.clicked.connect(lambda: (self._drop_pick(key), self._emit()))
        self.picks_box.layout().addWidget(button)
        self._picks[key] = (button, fields)
        self.picks_box.show()
        self._emit()

    def picks(self) -> dict[str, str]:
        """The overview's filters in force: key -> the text their button shows."""
        return {key: button.text() for key, (button, _fields) in self._picks.items()}

    def drop_pick(self, key: str) -> None:
        """Remove one of the overview's filters (as its button does)."""
        self._drop_pick(key)
        self._emit()

    def _drop_pick(self, key: str) -> None:
        old = self._picks.pop(key, None)
        if old is not None:
            old[0].hide()
            old[0].deleteLater()
        self.picks_box.setVisible(bool(self._picks))

    def set_count(self, shown: int) -> None:
        self.count.setText(f"{shown:,} call{'s' if shown != 1 else ''}")

    def _show_range(self, _index: int) -> None:
        custom = self.dates.currentData() == CUSTOM
        if custom:
            self._range_edits()
        self.range_box.setVisible(custom)

    def _range_edits(self) -> tuple[QDateEdit, QDateEdit]:
        """The custom range's first and last day boxes, made the first time they are needed."""
        if self.since is not None and self.until is not None:
            return self.since, self.until
        from PySide6.QtWidgets import QDateEdit

        self.since = QDateEdit(QDate.currentDate().addDays(-6), calendarPopup=True, toolTip="From this day")
        self.until = QDateEdit(QDate.currentDate(), calendarPopup=True, toolTip="To this day (included)")
        row = QHBoxLayout(self.range_box)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(6)
        for edit in (self.since, self.until):
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.dateChanged.connect(self._emit)
            row.addWidget(edit)
        return self.since, self.until

    def date_range(self) -> tuple[int | None, int | None]:
        preset = self.dates.currentData()
        if preset != CUSTOM:
            return since_for(preset), None
        since, until = self._range_edits()
        first, last = sorted((since.date(), until.date()))
        start = date(first.year(), first.month(), first.day())
        end = date(last.year(), last.month(), last.day()) + timedelta(days=1)
        return local_midnight(start), local_midnight(end)

    def current(self) -> CallFilter:
        since_ms, until_ms = self.date_range()
        f = CallFilter(
            account=self.account.currentData(),
            since_ms=since_ms,
            until_ms=until_ms,
            direction=self.direction.currentData(),
            status=self.status.currentData(),
            number=self.number.text().strip() or None,
            tag=self.tag.text().strip() or None,
            queue=self.queue.currentData(),
            sentiment=self.sentiment.currentData(),
            has_audio=True if self.has_audio.isChecked() else None,
            has_transcript=True if self.has_transcript.isChecked() else None,
        )
        for _button, fields in self._picks.values():
            picked = dict(fields)
            # A day picked inside the date preset: both hold (the later start, the earlier end).
            if "since_ms" in picked and f.since_ms is not None:
                picked["since_ms"] = max(picked["since_ms"], f.since_ms)
            if "until_ms" in picked and f.until_ms is not None:
                picked["until_ms"] = min(picked["until_ms"], f.until_ms)
            f = replace(f, **picked)
        return f

    def _emit(self, *_args) -> None:
        emit(self.changed, self.current())
