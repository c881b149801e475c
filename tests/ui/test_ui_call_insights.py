"""What the providers say about a call, in the window: sentiment, queue, department, the
provider's tags, hold and ring time and language as call-list columns chosen from the header's
menu (hidden at first, remembered), queue and sentiment filters offering what the cache holds,
and the details tab with every fact, per-leg ring and hold time, and "transcript pending" said
honestly. Synced from the Wildix and Yeastar emulators over loopback; real settings file."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import time

import pytest
from support.store_helpers import all_calls
from support.wildix_helpers import add_account as add_wildix
from support.wildix_helpers import sync as sync_wildix
from support.yeastar_helpers import add_emulated_account as add_yeastar
from support.yeastar_helpers import sync as sync_yeastar

from recbrowser.emulators.wildix import WildixEmulator
from recbrowser.emulators.yeastar import YeastarEmulator
from recbrowser.ui.common.settings import open_settings

WAIT = 15_000
DAY = 86_400_000


@pytest.fixture
def wildix_synced(store):
    with WildixEmulator(calls=40, seed=4, now_ms=int(time.time() * 1000)) as emu:
        account = add_wildix(store, emu)
        assert sync_wildix(store, account, emu, since_ms=emu.now_ms - 15 * DAY).ok
        yield emu


def open_window(qtbot, data_dir, store):
    from recbrowser.ui.window.main_window import MainWindow

    window = MainWindow(data_dir, store, open_settings(data_dir.settings))
    qtbot.addWidget(window)
    window.resize(1300, 850)
    window.show()
    qtbot.waitExposed(window)
    return window


def menu_action(window, title: str):
    return next(a for a in window.table.column_menu().actions() if a.text() == title)


def test_provider_columns_are_hidden_at_first_chosen_from_the_header_menu_and_remembered(
        qtbot, data_dir, store, wildix_synced):
    from recbrowser.ui.call_list.call_columns import COL_DEPARTMENT, COL_HOLD, COL_QUEUE, COL_SENTIMENT, COL_START

    window = open_window(qtbot, data_dir, store)
    header, model = window.table.horizontalHeader(), window.model
    titles = [header.model().headerData(c, header.orientation()) for c in range(header.count())]
    for title in ("Sentiment", "Queue", "Department", "Provider tags", "On hold", "Ringing", "Language"):
        assert title in titles
        assert header.isSectionHidden(titles.index(title)), f"{title} is shown before anyone chose it"
        assert not menu_action(window, title).isChecked()
    menu_action(window, "Sentiment").trigger()
    menu_action(window, "Queue").trigger()
    assert not header.isSectionHidden(COL_SENTIMENT) and not header.isSectionHidden(COL_QUEUE)
    assert header.sectionSize(COL_SENTIMENT) > 0
    rows = {r.provider_id: r for r in all_calls(store)}
    shown = {}
    for row in range(model.rowCount()):
        r = model.row(row)
        shown[r.provider_id] = (model.index(row, COL_SENTIMENT).data(), model.index(row, COL_QUEUE).data())
    supported = [pid for pid, (_s, queue) in shown.items() if queue == "Support"]
    assert supported and len(supported) == sum(1 for r in rows.values() if r.queue == "Support")
    assert {s for s, _q in shown.values()} - {""} <= {"Positive", "Neutral", "Negative"}
    assert all(s == rows[pid].sentiment.capitalize() for pid, (s, _q) in shown.items())
    assert any(s for s, _q in shown.values()), "the emulator's calls carry a sentiment"
    # Not sortable (no index for it): a click on the header leaves the list sorted by start time.
    window.table.sortByColumn(COL_SENTIMENT, header.sortIndicatorOrder())
    assert model.sort_column() == COL_START and header.sortIndicatorSection() == COL_START
    window.close()

    # The next start shows the two chosen, and still none of the others.
    again = open_window(qtbot, data_dir, store)
    h = again.table.horizontalHeader()
    assert not h.isSectionHidden(COL_SENTIMENT) and not h.isSectionHidden(COL_QUEUE)
    assert h.isSectionHidden(COL_DEPARTMENT) and h.isSectionHidden(COL_HOLD)
    assert menu_action(again, "Sentiment").isChecked()


def test_a_header_state_saved_before_the_provider_columns_existed_does_not_show_them(qtbot, data_dir, store,
                                                                                      wildix_synced):
    from PySide6.QtGui import QStandardItemModel
    from PySide6.QtWidgets import QTableView

    from recbrowser.ui.call_list.call_columns import COL_LANGUAGE, COL_SENTIMENT
    from recbrowser.ui.common.settings import UiState

    # What an older recbrowser saved: a header of its ten columns (Qt shows sections added
    # since then, so the window must hide them itself).
    old = QTableView()
    old.setModel(QStandardItemModel(0, 10))
    settings = open_settings(data_dir.settings)
    UiState(settings).save_header("calls", old.horizontalHeader())
    settings.sync()
    window = open_window(qtbot, data_dir, store)
    header = window.table.horizontalHeader()
    assert header.isSectionHidden(COL_SENTIMENT) and header.isSectionHidden(COL_LANGUAGE)


def test_queue_and_sentiment_filters_offer_the_cached_values_and_narrow_the_list(qtbot, data_dir, store,
                                                                                  wildix_synced):
    window = open_window(qtbot, data_dir, store)
    bar, model = window.filter_bar, window.model
    rows = all_calls(store)
    queues = sorted({r.queue for r in rows if r.queue})
    sentiments = sorted({r.sentiment for r in rows if r.sentiment})
    assert "Support" in queues and len(sentiments) >= 2
    assert bar.queue.isVisible() and bar.sentiment.isVisible()
    assert [bar.queue.itemData(i) for i in range(1, bar.queue.count())] == queues
    assert [bar.sentiment.itemData(i) for i in range(1, bar.sentiment.count())] == sentiments

    bar.queue.setCurrentIndex(bar.queue.findData("Support"))
    support = [r for r in rows if r.queue == "Support"]
    qtbot.waitUntil(lambda: model.call_filter.queue == "Support", timeout=WAIT)
    assert model.call_count() == len(support) < len(rows)
    assert {model.row(i).provider_id for i in range(model.rowCount())} == {r.provider_id for r in support}

    mood = sentiments[0]
    bar.sentiment.setCurrentIndex(bar.sentiment.findData(mood))
    both = [r for r in support if r.sentiment == mood]
    qtbot.waitUntil(lambda: model.call_filter.sentiment == mood, timeout=WAIT)
    assert model.call_count() == len(both)
    assert all(model.row(i).sentiment == mood and model.row(i).queue == "Support" for i in range(model.rowCount()))
    bar.queue.setCurrentIndex(0)  # any queue again
    qtbot.waitUntil(lambda: model.call_filter.queue is None, timeout=WAIT)
    assert model.call_count() == sum(1 for r in rows if r.sentiment == mood)


def test_the_filters_stay_hidden_for_an_account_without_queues_or_sentiment(qtbot, data_dir, store):
    from support.ui_helpers import fill

    fill(store, 50)
    window = open_window(qtbot, data_dir, store)
    assert not window.filter_bar.queue.isVisible() and not window.filter_bar.sentiment.isVisible()


def open_details(qtbot, window, account: str, call_id: str) -> str:
    window.open_call(account, call_id)
    pane = window.call_pane
    qtbot.waitUntil(lambda: pane.call is not None and pane.call.provider_id == call_id, timeout=WAIT)
    return pane.details.toPlainText()


def test_the_details_tab_shows_what_the_provider_says_about_a_call(qtbot, data_dir, store, wildix_synced):
    window = open_window(qtbot, data_dir, store)
    window.demo_secrets["wx"] = wildix_synced.secrets()
    rich = next(r for r in all_calls(store) if r.queue and r.sentiment and r.summary)
    text = open_details(qtbot, window, "wx", rich.provider_id)
    flat = " ".join(text.split())
    assert "Queue Support" in flat
    assert f"Sentiment {rich.sentiment.capitalize()}" in flat
    assert "Department Support" in flat and "Language en-US" in flat
    assert "Trunk SIPTRUNK" in flat
    assert "Wait in queue" in flat and "queue_wait_s" not in flat  # labels, not keys
    assert "Summary" in flat and " ".join(rich.summary.splitlines()[0].split()) in flat
    tagged = next(r for r in all_calls(store) if r.provider_tags)
    flat = " ".join(open_details(qtbot, window, "wx", tagged.provider_id).split())
    assert f"Provider tags {', '.join(tagged.provider_tags)}" in flat


def test_the_details_tab_says_a_transcript_is_pending_and_until_when(qtbot, data_dir, store, wildix_synced):
    pending = next(r for r in all_calls(store) if r.transcript_status == "pending")
    window = open_window(qtbot, data_dir, store)
    window.demo_secrets["wx"] = wildix_synced.secrets()
    flat = " ".join(open_details(qtbot, window, "wx", pending.provider_id).split())
    assert "Transcript pending: the provider has not finished it yet; each sync asks again, until" in flat


def test_the_details_tab_shows_ring_and_hold_time_and_the_call_type_of_each_leg(qtbot, data_dir, store):
    with YeastarEmulator(calls=120, seed=3) as emu:
        c = next(c for c in emu.cdrs if c.agent2 is not None and c.transcript)
        account = add_yeastar(store, emu)
        assert sync_yeastar(store, account, emu).ok
        window = open_window(qtbot, data_dir, store)
        text = open_details(qtbot, window, "hq", c.uid)
    flat = " ".join(text.split())
    assert "# Started From → To Status Type Length Ringing On hold" in flat
    legs = flat.split("Ringing On hold ", 1)[1].split(" Recordings", 1)[0]
    assert legs.count(" Inbound ") == 2
    assert f"00:{c.ring_s:02d} 00:02 2 " in legs and legs.endswith(" 00:00")
    assert "00:02 on hold" in flat.split("Duration", 1)[1].split("Transcript", 1)[0]
