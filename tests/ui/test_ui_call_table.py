"""CallTableModel over a real SQLite store: lazy blocks, sorting by the store, filters, refresh."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from PySide6.QtCore import QPoint, Qt
from support.ui_helpers import fill

from recbrowser.domain import Call, Leg, Party
from recbrowser.store import CallFilter
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
from recbrowser.ui.call_list.call_table_model import BLOCK, CACHE_BLOCKS, ROW_ROLE, CallTableModel
from recbrowser.ui.call_list.call_table_view import CallTableView


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
    model.sort(COL_AUDIO, Qt.SortOrder.AscendingOrder)  # calls without a recording first
    audio = [model.row(r).has_audio for r in range(700)]
    assert model.call_filter.sort == "audio" and audio == sorted(audio) and not audio[0] and audio[-1]


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


@pytest.fixture
def in_berlin(monkeypatch):
    import time

    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_the_filter_bar_builds_the_store_filter(qtbot, monkeypatch, in_berlin):
    from types import SimpleNamespace

    from recbrowser.ui.call_list import filter_bar
    from recbrowser.ui.call_list.filter_bar import FilterBar

    # Wednesday 10 June 2026, 10:00 in Berlin (08:00 UTC): "last 7 days" starts Thursday 4 June, 00:00 there.
    monkeypatch.setattr(filter_bar, "time", SimpleNamespace(time=lambda: 1_781_078_400.0))
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
    assert f.since_ms == 1_780_524_000_000 and f.has_transcript is None  # 2026-06-03T22:00:00Z
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

    from recbrowser.ui.call_list.filter_bar import CUSTOM, FilterBar

    bar = FilterBar()
    qtbot.addWidget(bar)
    bar.show()
    bar.dates.setCurrentIndex(bar.dates.findData(CUSTOM))
    assert bar.since is not None and bar.until is not None
    assert bar.since.isVisible() and bar.until.isVisible()
    bar.since.setDate(QDate(2026, 5, 9))
    bar.until.setDate(QDate(2026, 5, 10))
    f = bar.current()
    assert f.since_ms == int(datetime(2026, 5, 9).astimezone().timestamp() * 1000)
    assert f.until_ms == int(datetime(2026, 5, 11).astimezone().timestamp() * 1000)
    bar.dates.setCurrentIndex(0)
    assert not bar.since.isVisible() and bar.current().until_ms is None


def test_every_column_but_the_providers_facts_sorts_through_the_store_each_call_once(qtbot, store):
    fill(store, 1037)
    fill(store, 230, name="annex")  # two accounts: the account sort has something to order
    model = CallTableModel(store)
    view = CallTableView(model)
    qtbot.addWidget(view)
    header = view.horizontalHeader()
    keys = {
        COL_START: lambda r: r.start_ms, COL_ACCOUNT: lambda r: r.account, COL_DIRECTION: lambda r: r.direction,
        COL_FROM: lambda r: r.from_number, COL_TO: lambda r: r.to_number, COL_AGENT: lambda r: r.agent,
        COL_DURATION: lambda r: r.duration_ms or 0, COL_STATUS: lambda r: r.status, COL_AUDIO: lambda r: r.has_audio,
        COL_TRANSCRIPT: lambda r: ("none", "pending", "available").index(r.transcript_status),
    }
    # The provider's facts (sentiment, queue...) have no sort index: not sortable at all.
    assert set(keys) == set(SORT_KEYS) == set(range(len(HEADERS))) - set(EXTRA_COLUMNS)
    for column, key in keys.items():
        for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
            header.setSortIndicator(column, order)  # what a click on the header does
            assert header.sortIndicatorSection() == column  # the arrow stays where it was clicked
            rows = [model.row(r) for r in range(model.rowCount())]
            values = [key(r) for r in rows]
            assert values == sorted(values, reverse=order == Qt.SortOrder.DescendingOrder), HEADERS[column]
            assert len({r.ref for r in rows}) == 1267  # no call twice, none missing
    header.setSortIndicator(COL_ACCOUNT, Qt.SortOrder.AscendingOrder)
    first_annex = [model.row(r) for r in range(230)]
    starts = [r.start_ms for r in first_annex]
    assert {r.account for r in first_annex} == {"annex"} and starts == sorted(starts, reverse=True)  # then newest first


def test_dragging_the_scrollbar_to_the_middle_reads_two_pages_not_a_walk(qtbot, store):
    fill(store, 5000)
    model = CallTableModel(store)
    view = CallTableView(model)
    qtbot.addWidget(view)
    view.resize(900, 500)
    view.show()
    qtbot.waitExposed(view)
    truth, _ = store.list_calls(model.call_filter, limit=5000)
    before = model.queries
    bar = view.verticalScrollBar()
    bar.setValue(bar.maximum() // 2)
    top = view.rowAt(0)
    assert 2000 < top < 3000
    assert view.model().index(top, COL_START).data(ROW_ROLE).ref == truth[top].ref
    assert model.queries - before <= 3  # the cursor (one OFFSET), then the page or two on screen
    # Scrolling back up from there walks from the cursors the jump brought.
    before = model.queries
    assert [model.row(r).ref for r in range(top - 3 * BLOCK, top)] == [r.ref for r in truth[top - 3 * BLOCK : top]]
    assert model.queries - before <= 4


def transfers(store, n: int = 30):
    """n calls, every third one a transfer in three legs (queue, first agent, second agent)."""
    from recbrowser.domain import Account

    account = store.add_account(Account(name="hq", provider="yeastar", settings={"base_url": "http://127.0.0.1:9"}))
    calls = []
    for i in range(n):
        start = 1_700_000_000_000 + (n - i) * 600_000
        caller = Party(f"+3220{i:05d}", f"Caller {i}")
        legs = []
        if i % 3 == 0:
            legs = [
                Leg(f"{i}-q", 0, start, caller, Party("600", "Sales queue"), "answered", 20_000, 0),
                Leg(f"{i}-a", 1, start + 20_000, caller, Party("201", "Ann"), "transferred", 60_000, 58_000),
                Leg(f"{i}-b", 2, start + 80_000, Party("201", "Ann"), Party("202", "Bob"), "answered", 90_000, 88_000),
            ]
        calls.append(Call(provider_id=f"t{i:03d}", start_ms=start, direction="inbound", from_party=caller,
                          to_party=Party("202", "Bob"), agent="Bob", status="answered", duration_ms=170_000, legs=legs))
    with store.transaction():
        store.upsert_calls(account.id, calls)


def test_a_transferred_call_opens_into_its_legs(qtbot, store):
    transfers(store)
    model = CallTableModel(store)
    view = CallTableView(model)
    qtbot.addWidget(view)
    view.resize(1000, 600)
    view.show()
    qtbot.waitExposed(view)
    assert model.rowCount() == 30
    assert model.index(0, COL_STATUS).data() == "answered (3 legs)"
    assert model.index(1, COL_STATUS).data() == "answered"
    # A click on the arrow of the first call opens it: its three legs appear under it.
    rect = view.visualRect(model.index(0, COL_START))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(rect.left() + 8, rect.center().y()))
    assert model.rowCount() == 33 and model.is_open(0)
    shown = [[model.index(r, c).data() for c in (COL_FROM, COL_TO, COL_AGENT, COL_DURATION, COL_STATUS)] for r in (1, 2, 3)]
    assert shown == [
        ["Caller 0 <+322000000>", "Sales queue <600>", "Sales queue", "00:20", "answered"],
        ["Caller 0 <+322000000>", "Ann <201>", "Ann", "01:00", "transferred"],
        ["Ann <201>", "Bob <202>", "Bob", "01:30", "answered"],
    ]
    assert model.index(1, COL_START).data().startswith("↳ 1. ")
    assert model.row(4).ref == "hq/t001" and model.row_of("hq/t001") == 4 and model.row(2).ref == "hq/t000"
    assert model.index(2, COL_STATUS).data(ROW_ROLE).ref == "hq/t000" and model.leg(0) is None
    # Legs are detail lines: select all picks the calls only, and j/k pass over them.
    view.setFocus()
    view.selectAll()
    assert {i.row() for i in view.selectionModel().selectedRows()} == set(range(33)) - {1, 2, 3}
    view.selectRow(0)
    view.move_current(1)
    assert view.currentIndex().row() == 4
    view.move_current(-1)
    assert view.currentIndex().row() == 0
    # Keys: + opens, - closes the current call; a call without legs has nothing to open.
    qtbot.keyClick(view, Qt.Key.Key_Minus)
    assert model.rowCount() == 30 and not model.is_open(0)
    view.selectRow(1)
    qtbot.keyClick(view, Qt.Key.Key_Plus)
    assert model.rowCount() == 30
    view.selectRow(3)
    qtbot.keyClick(view, Qt.Key.Key_Plus)
    assert model.rowCount() == 33 and model.is_open(3) and model.leg(6).to_name == "Bob"


def test_open_legs_follow_their_call_when_a_sync_adds_calls_above(qtbot, store):
    transfers(store)
    model = CallTableModel(store)
    model.set_open(3, True)
    model.set_open(12, True)  # view row 12 = the call of row 9, under the three legs above
    assert model.leg(4).to_name == "Sales queue" and model.row(12).ref == "hq/t009" and model.is_open(12)
    newer = Call(provider_id="new", start_ms=1_800_000_000_000, status="answered")
    with store.transaction():
        store.upsert_calls(store.account("hq").id, [newer])
    model.refresh()
    assert model.row(0).ref == "hq/new"
    assert model.row(4).ref == "hq/t003" and model.is_open(4) and model.leg(5).to_name == "Sales queue"
    assert model.row(13).ref == "hq/t009" and model.is_open(13) and model.leg(16).to_name == "Bob"
    assert model.rowCount() == 37 and model.call_count() == 31
    model.set_filter(CallFilter(direction="inbound"))  # another list: nothing open
    assert model.rowCount() == 30 and not model.is_open(3)


def test_the_tag_box_filters_the_list_to_tagged_calls(qtbot, store):
    from recbrowser.ui.call_list.filter_bar import FilterBar

    fill(store, 300)
    for provider_id in ("bu000007", "bu000123"):
        store.add_tag("bulk", provider_id, "Escalated")
    bar = FilterBar()
    qtbot.addWidget(bar)
    bar.set_tags(store.all_tags())
    completer = bar.tag.completer()
    completer.setCompletionPrefix("esc")
    assert completer.currentCompletion() == "Escalated"  # offered whatever the case typed
    with qtbot.waitSignal(bar.changed, timeout=2000) as changed:
        qtbot.keyClicks(bar.tag, "escalated")  # debounced like the number box
    f = changed.args[0]
    assert f.tag == "escalated"
    model = CallTableModel(store)
    model.set_filter(f)
    assert model.rowCount() == 2
    assert {model.row(r).provider_id for r in range(2)} == {"bu000007", "bu000123"}
    bar.tag.clear()
    assert bar.current().tag is None


def test_the_filter_and_search_boxes_offer_a_clear_button_once_they_hold_text(qtbot):
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import QToolButton

    from recbrowser.ui.call_list.filter_bar import FilterBar
    from recbrowser.ui.search.search_panel import SearchPanel

    bar, panel = FilterBar(), SearchPanel(lambda _q: [])
    for widget in (bar, panel):
        qtbot.addWidget(widget)
        widget.show()
        qtbot.waitExposed(widget)
    for box in (bar.number, bar.tag, panel.box):
        qtbot.keyClicks(box, "41")
        assert box.isClearButtonEnabled()
        button = next(b for b in box.findChildren(QToolButton) if b.defaultAction() is box.findChild(
            QAction, "_q_qlineeditclearaction"))
        qtbot.waitUntil(button.isVisible)
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        assert box.text() == ""
        qtbot.keyClick(box, Qt.Key.Key_A)
        assert box.isClearButtonEnabled() and box.text() == "a"
