"""Jumps in a filtered call list: on the UI thread when the store answers from index entries
alone, in a worker otherwise (placeholder rows meanwhile, stale answers dropped)."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from PySide6.QtCore import Qt
from support.ui_helpers import bulk_calls, fill

from recbrowser.store import CallFilter
from recbrowser.ui.call_list.call_columns import COL_DURATION, COL_START
from recbrowser.ui.call_list.call_table_model import BLOCK, PLACEHOLDER, ROW_ROLE, CallTableModel
from recbrowser.ui.call_list.call_table_view import CallTableView


def shown(qtbot, store, call_filter: CallFilter, sort: int | None = None):
    model = CallTableModel(store)
    if sort is not None:
        model.sort(sort, Qt.SortOrder.AscendingOrder)
    model.set_filter(call_filter)
    view = CallTableView(model)
    qtbot.addWidget(view)
    view.resize(900, 500)
    view.show()
    qtbot.waitExposed(view)
    qtbot.waitUntil(lambda: not model.reading(), timeout=5000)
    return model, view


def drag_to(view, fraction: float) -> int:
    """The scrollbar dragged there, and the rows now on screen asked for as its paint does."""
    bar = view.verticalScrollBar()
    bar.setValue(int(bar.maximum() * fraction))
    top, bottom = view.rowAt(0), view.rowAt(view.viewport().height() - 1)
    for row in range(top, (bottom if bottom >= 0 else view.model().rowCount() - 1) + 1):
        view.model().index(row, COL_START).data()
    return top


def test_an_unfiltered_jump_is_read_at_once_on_the_ui_thread(qtbot, store):
    fill(store, 6000)
    model, view = shown(qtbot, store, CallFilter(account="bulk"))  # the sort's own index answers it
    truth, _ = store.list_calls(model.call_filter, limit=6000)
    before = model.queries
    top = drag_to(view, 0.5)
    assert model.index(top, COL_START).data(ROW_ROLE).ref == truth[top].ref  # no placeholder, no wait
    assert model.queries - before <= 3 and not model.reading() and model.background_reads == 0


@pytest.mark.parametrize("call_filter, sort", [
    (CallFilter(direction="outbound", has_audio=True), None),  # calls_start_filters: no row read, still a walk
    (CallFilter(direction="inbound"), COL_DURATION),  # a filter the duration index does not hold
    (CallFilter(number="+4930"), None),  # a number: every row is read to test it
])
def test_a_filtered_jump_is_read_by_a_worker_while_the_rows_say_they_are_coming(qtbot, store, call_filter, sort):
    fill(store, 6000)
    model, view = shown(qtbot, store, call_filter, sort)
    truth, _ = store.list_calls(model.call_filter, limit=6000)
    assert model.rowCount() == len(truth) > 1000
    before = model.queries
    top = drag_to(view, 0.5)
    # The UI thread ran no query: the rows on screen wait for the worker, and say so.
    assert model.queries == before
    assert model.index(top, COL_START).data() == PLACEHOLDER and model.index(top, COL_START).data(ROW_ROLE) is None
    qtbot.waitUntil(lambda: not model.reading(), timeout=5000)
    assert [model.index(r, COL_START).data(ROW_ROLE).ref for r in range(top, top + 20)] == [r.ref for r in truth[top : top + 20]]
    assert model.background_reads >= 1
    # The blocks next to it came in the same go: scrolling on from there needs no wait.
    block = top // BLOCK
    assert model.index((block + 1) * BLOCK + 3, COL_START).data(ROW_ROLE).ref == truth[(block + 1) * BLOCK + 3].ref
    # Further on, a page after a known cursor: on the UI thread at once for the filter bar's
    # values (a few thousand rows tested at most), by the worker for a number.
    reads, row = model.background_reads, top
    for _ in range(4):  # a block at a time down the list
        row += BLOCK
        got = model.index(row, COL_START).data(ROW_ROLE)
        if got is None:
            break
        assert got.ref == truth[row].ref
    if call_filter.number:
        assert got is None
        qtbot.waitUntil(lambda: not model.reading(), timeout=5000)
        assert model.index(row, COL_START).data(ROW_ROLE).ref == truth[row].ref
    else:
        assert got is not None and model.background_reads == reads


def test_dragging_on_before_the_rows_arrive_shows_the_rows_where_the_user_stopped(qtbot, store):
    fill(store, 8000)
    model, view = shown(qtbot, store, CallFilter(status="missed"), COL_DURATION)
    truth, _ = store.list_calls(model.call_filter, limit=8000)
    for fraction in (0.2, 0.45, 0.7, 0.3, 0.9):  # faster than the worker answers
        top = drag_to(view, fraction)
        qtbot.wait(1)
    qtbot.waitUntil(lambda: not model.reading(), timeout=5000)
    assert view.rowAt(0) == top
    assert [model.index(r, COL_START).data(ROW_ROLE).ref for r in range(top, top + 20)] == [r.ref for r in truth[top : top + 20]]


def test_an_answer_for_the_previous_filter_is_dropped(qtbot, store):
    fill(store, 6000)
    model, view = shown(qtbot, store, CallFilter(direction="inbound"), COL_DURATION)
    drag_to(view, 0.6)  # a worker starts reading inbound calls...
    model.set_filter(CallFilter(direction="outbound"))  # ...and the user picks outbound meanwhile
    truth, _ = store.list_calls(model.call_filter, limit=6000)
    top = drag_to(view, 0.6)
    qtbot.waitUntil(lambda: not model.reading(), timeout=5000)
    rows = [model.index(r, COL_START).data(ROW_ROLE) for r in range(top, top + 30)]
    assert {r.direction for r in rows} == {"outbound"}
    assert [r.ref for r in rows] == [r.ref for r in truth[top : top + 30]]


def test_a_refresh_keeps_the_rows_on_screen_until_their_new_read_arrives(qtbot, store):
    account = fill(store, 6000)
    model, view = shown(qtbot, store, CallFilter(number="+4930"))
    top = drag_to(view, 0.5)
    qtbot.waitUntil(lambda: model.index(top, COL_START).data(ROW_ROLE) is not None, timeout=5000)
    qtbot.waitUntil(lambda: not model.reading(), timeout=5000)
    seen = model.index(top, COL_START).data()
    with store.transaction():  # a sync page: newer calls, at the top of the list
        store.upsert_calls(account.id, bulk_calls(5, prefix="new"))
    model.refresh()
    assert model.rowCount() == 6000 + 5
    assert model.index(top, COL_START).data() == seen  # not a blank flash while the worker reads
    truth, _ = store.list_calls(model.call_filter, limit=7000)
    qtbot.waitUntil(lambda: not model.reading(), timeout=5000)
    assert model.index(top, COL_START).data(ROW_ROLE).ref == truth[top].ref


def test_a_second_jump_near_the_first_lands_on_the_right_rows(qtbot, store):
    # The worker counts the second jump from the cursors the first one found (either way).
    fill(store, 9000)
    model, view = shown(qtbot, store, CallFilter(has_audio=True), COL_DURATION)
    truth, _ = store.list_calls(model.call_filter, limit=9000)
    for fraction in (0.5, 0.58, 0.44, 0.8, 0.72):
        top = drag_to(view, fraction)
        qtbot.waitUntil(lambda: not model.reading(), timeout=5000)
        assert [model.index(r, COL_START).data(ROW_ROLE).ref for r in range(top, top + 25)] == [r.ref for r in truth[top : top + 25]]


def test_a_call_chosen_while_its_row_is_coming_opens_when_it_arrives(qtbot, data_dir, store):
    from recbrowser.ui.common.settings import open_settings
    from recbrowser.ui.window.main_window import MainWindow

    fill(store, 6000)
    window = MainWindow(data_dir, store, open_settings(data_dir.settings))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    with qtbot.waitSignal(window.model.modelReset, timeout=5000):
        window.apply_filter(CallFilter(number="+4930"))  # every row is read to test the number: a worker's job
    qtbot.waitUntil(lambda: not window.model.reading(), timeout=5000)
    top = drag_to(window.table, 0.5)
    assert window.model.index(top, COL_START).data(ROW_ROLE) is None  # "…" for now
    window.call_list.select_timer.setInterval(0)  # the choice is acted on before the worker's answer, not 60 ms later
    window.table.setCurrentIndex(window.model.index(top, COL_START))
    qtbot.wait(0)
    assert window.call_pane.call is None or window.model.index(top, COL_START).data(ROW_ROLE) is not None
    qtbot.waitUntil(lambda: window.call_pane.call is not None, timeout=10_000)
    truth, _ = store.list_calls(window.model.call_filter, limit=6000)
    assert window.call_pane.call.provider_id == truth[top].provider_id


def test_the_selection_stays_on_the_open_call_when_new_calls_push_it_down(qtbot, data_dir, store):
    import time

    from recbrowser.ui.common.settings import open_settings
    from recbrowser.ui.window.main_window import MainWindow

    account = fill(store, 6000)
    window = MainWindow(data_dir, store, open_settings(data_dir.settings))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    with qtbot.waitSignal(window.model.modelReset, timeout=5000):
        window.apply_filter(CallFilter(number="+4930"))  # a list whose rows a worker reads
    top = drag_to(window.table, 0.5)
    qtbot.waitUntil(lambda: not window.model.reading(), timeout=5000)
    chosen = window.model.index(top + 3, COL_START).data(ROW_ROLE)
    window.table.setCurrentIndex(window.model.index(top + 3, COL_START))
    qtbot.waitUntil(lambda: window.call_pane.call is not None, timeout=10_000)
    assert window.call_pane.call.provider_id == chosen.provider_id
    newer = bulk_calls(50, now_ms=int(time.time() * 1000) + 3_600_000, prefix="new")  # over 60 days, like the rest
    above = sum(c.start_ms > chosen.start_ms for c in newer)
    assert above > 10
    with store.transaction():  # a sync brings them: the open call moves down by those that are newer
        store.upsert_calls(account.id, newer)
    with qtbot.waitSignal(window.callsRefreshed, timeout=10_000):
        window.refresh_calls()

    def selected():
        return window.model.index(window.table.currentIndex().row(), COL_START).data(ROW_ROLE)

    qtbot.waitUntil(lambda: not window.model.reading() and selected() is not None, timeout=10_000)
    qtbot.waitUntil(lambda: selected().ref == chosen.ref, timeout=5000)
    assert window.table.currentIndex().row() == top + 3 + above
    assert window.call_pane.call.provider_id == chosen.provider_id
