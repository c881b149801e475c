"""CallTableModel over a real SQLite store: lazy blocks, sorting by the store, filters, refresh."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from PySide6.QtCore import Qt
from test_ui_support import fill

from recbrowser.store import CallFilter
from recbrowser.ui.call_table_model import (
    BLOCK,
    CACHE_BLOCKS,
    COL_AUDIO,
    COL_DURATION,
    COL_START,
    COL_STATUS,
    COL_TRANSCRIPT,
    ROW_ROLE,
    CallTableModel,
)
from recbrowser.ui.call_table_view import CallTableView

# pytest-qt's Qt message capture runs Python in Qt's FFmpeg threads; a warning raised there
# while the UI thread waits on that thread deadlocks on the GIL. The app installs no handler.
pytestmark = pytest.mark.no_qt_log


def test_model_counts_everything_but_reads_only_what_is_shown(qtbot, store):
    fill(store, 5000)
    model = CallTableModel(store)
    view = CallTableView(model)
    qtbot.addWidget(view)
    view.resize(900, 500)
    view.show()
    qtbot.waitExposed(view)
    assert model.rowCount() == 5000
    assert model.fetched_rows() <= 2 * BLOCK  # painting the first screen read one block
    assert model.queries <= 2
    # Jump to the end: the rows there are right, and memory stays bounded.
    view.scrollToBottom()
    last = model.index(4999, COL_START).data(ROW_ROLE)
    assert last is not None and last.provider_id.endswith("004999")
    assert model.queries <= 3  # the end is read from the end, not walked to
    assert model.fetched_rows() <= 2 * CACHE_BLOCKS * BLOCK
    # Paging back up is one query per block: the cursors of a walk are kept.
    assert model.index(BLOCK * 6 + 5, COL_START).data(ROW_ROLE) is not None
    before = model.queries
    assert model.index(BLOCK * 5 + 5, COL_START).data(ROW_ROLE) is not None
    assert model.queries - before <= 1


def test_rows_are_newest_first_and_sort_by_duration_through_the_store(qtbot, store):
    fill(store, 700)
    model = CallTableModel(store)
    starts = [model.index(r, COL_START).data(ROW_ROLE).start_ms for r in range(0, 700, 37)]
    assert starts == sorted(starts, reverse=True)
    model.sort(COL_DURATION, Qt.SortOrder.AscendingOrder)
    durations = [model.row(r).duration_ms for r in range(700)]
    assert durations == sorted(durations)
    assert model.rowCount() == 700
    model.sort(COL_AUDIO, Qt.SortOrder.AscendingOrder)  # not an indexed sort: nothing changes
    assert model.call_filter.sort == "duration"


def test_filters_change_the_count(qtbot, store):
    fill(store, 1200)
    model = CallTableModel(store)
    assert model.rowCount() == 1200
    model.set_filter(CallFilter(direction="inbound"))
    assert model.rowCount() == 400
    assert all(model.row(r).direction == "inbound" for r in range(0, 400, 13))
    model.set_filter(CallFilter(has_transcript=True))
    assert model.rowCount() == 300
    assert model.index(0, COL_TRANSCRIPT).data() == "yes"
    model.set_filter(CallFilter(number="+49300000042"))
    assert model.rowCount() == 1
    model.set_filter(CallFilter(account="nobody"))
    assert model.rowCount() == 0


def test_audio_column_says_where_the_recording_is(qtbot, store):
    fill(store, 12)
    model = CallTableModel(store)
    rows = [model.row(r) for r in range(12)]
    none_row = next(i for i, r in enumerate(rows) if not r.has_audio)
    at_provider = next(i for i, r in enumerate(rows) if r.has_audio)
    assert model.index(none_row, COL_AUDIO).data() == "none"
    assert "not recorded (queue setting)" in model.index(none_row, COL_AUDIO).data(Qt.ItemDataRole.ToolTipRole)
    assert model.index(at_provider, COL_AUDIO).data() == "at provider"


def test_refresh_after_a_sync_page_adds_rows_without_a_reset(qtbot, store):
    fill(store, 300)
    model = CallTableModel(store)
    resets = []
    model.modelReset.connect(lambda: resets.append(1))
    fill(store, 150, name="second")
    with qtbot.waitSignal(model.rowsInserted, timeout=1000):
        model.refresh()
    assert model.rowCount() == 450 and not resets


def test_the_filter_bar_builds_the_store_filter(qtbot):
    from recbrowser.ui.filter_bar import FilterBar, since_for

    bar = FilterBar()
    qtbot.addWidget(bar)
    bar.set_accounts(["hq", "cloud"])
    with qtbot.waitSignal(bar.changed, timeout=1000) as changed:
        bar.direction.setCurrentIndex(bar.direction.findData("outbound"))
    assert changed.args[0].direction == "outbound"
    bar.status.setCurrentIndex(bar.status.findData("missed"))
    bar.account.setCurrentIndex(bar.account.findData("cloud"))
    bar.has_audio.setChecked(True)
    bar.dates.setCurrentIndex(bar.dates.findData(7))
    with qtbot.waitSignal(bar.changed, timeout=2000) as changed:
        qtbot.keyClicks(bar.number, "0301")  # debounced: one filter for the whole word
    f = changed.args[0]
    assert (f.status, f.account, f.has_audio, f.number) == ("missed", "cloud", True, "0301")
    assert f.since_ms == since_for(7) and f.has_transcript is None
    bar.set_accounts(["hq"])  # the chosen account was removed: back to all
    assert bar.current().account is None


def test_rows_near_the_end_are_read_from_the_end_and_match_the_forward_order(qtbot, store):
    fill(store, 1037)  # not a multiple of the block size: the last block is partial
    for column in (COL_START, COL_STATUS, COL_DURATION):  # status: many ties, broken by id
        for order in (Qt.SortOrder.DescendingOrder, Qt.SortOrder.AscendingOrder):
            model = CallTableModel(store)
            model.sort(column, order)
            truth, cursor = store.list_calls(model.call_filter, limit=5000)  # one plain forward read
            assert cursor is None and len(truth) == 1037
            before = model.queries
            tail = [model.row(r).ref for r in range(1036, 600, -1)]
            assert model.queries - before <= 3  # from the end, not a walk through five blocks
            assert tail == [r.ref for r in truth[1036:600:-1]]
            assert [model.row(r).ref for r in range(1037)] == [r.ref for r in truth]


def test_a_custom_date_range_includes_both_days(qtbot):
    from datetime import datetime

    from PySide6.QtCore import QDate

    from recbrowser.ui.filter_bar import CUSTOM, FilterBar

    bar = FilterBar()
    qtbot.addWidget(bar)
    bar.show()
    bar.dates.setCurrentIndex(bar.dates.findData(CUSTOM))
    assert bar.since.isVisible() and bar.until.isVisible()
    bar.since.setDate(QDate(2026, 5, 9))
    bar.until.setDate(QDate(2026, 5, 10))
    f = bar.current()
    assert f.since_ms == int(datetime(2026, 5, 9).astimezone().timestamp() * 1000)
    assert f.until_ms == int(datetime(2026, 5, 11).astimezone().timestamp() * 1000)
    bar.dates.setCurrentIndex(0)
    assert not bar.since.isVisible() and bar.current().until_ms is None
