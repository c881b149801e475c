"""Search from the window: results in a worker, newest query wins, Enter plays the sentence."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import threading

from PySide6.QtCore import Qt, QThreadPool
from support.ui_helpers import archive, archived_store, speech_call  # noqa: F401  (fixtures)

from recbrowser.domain import SearchHit
from recbrowser.ui.search.search_hit_delegate import snippet_html
from recbrowser.ui.search.search_panel import SearchPanel

WAIT = 10_000


def hit(text: str) -> SearchHit:
    return SearchHit("a/1", "a", "1", 0, "Agent", 1000, text, f"[{text}]")


def test_a_slow_old_search_never_replaces_a_newer_one(qtbot):
    release_old = threading.Event()
    done: list[str] = []

    def search(query: str) -> list[SearchHit]:
        if query == "old":
            release_old.wait(5)  # the first query is slow...
        done.append(query)
        return [hit(query)]

    pool = QThreadPool()
    panel = SearchPanel(search, pool)
    qtbot.addWidget(panel)
    delivered: list[str] = []  # answers that reached the UI thread, stale or not
    deliver = panel._deliver
    panel._deliver = lambda generation, query, hits: (delivered.append(query), deliver(generation, query, hits))
    panel.box.setText("old")
    first = panel.search_now()
    panel.box.setText("new")
    second = panel.search_now()
    qtbot.waitUntil(lambda: panel.shown_generation == second, timeout=WAIT)
    assert panel.model.hit(0).text == "new"
    release_old.set()  # ...and answers last
    qtbot.waitUntil(lambda: "old" in delivered, timeout=WAIT)  # the stale answer has been handled
    assert first < second and panel.shown_generation == second
    assert panel.model.rowCount() == 1 and panel.model.hit(0).text == "new"


def test_snippets_mark_the_hit_and_escape_the_rest():
    out = snippet_html("a <b> [refund] & [five] days", "X")
    assert "&lt;b&gt;" in out and "&amp;" in out
    assert out.count('<span style="X">') == 2 and '<span style="X">refund</span>' in out


def test_results_from_the_real_store_and_enter_opens_the_hit(qtbot, data_dir, archived_store, speech_call):  # noqa: F811
    from recbrowser.ui.common.settings import open_settings
    from recbrowser.ui.window.main_window import MainWindow

    window = MainWindow(data_dir, archived_store, open_settings(data_dir.settings))
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=WAIT)
    segment = next(s for s in speech_call.segments if s.start_ms and s.start_ms > 1000 and len(s.text.split()) > 2)
    word = max(segment.text.strip(".,?!").split(), key=len).strip(".,?!")
    window.actions["search"].trigger()
    assert window.search.box.hasFocus()
    qtbot.keyClicks(window.search.box, word)
    qtbot.waitUntil(lambda: window.search.model.rowCount() > 0, timeout=WAIT)
    hits = [window.search.model.hit(r) for r in range(window.search.model.rowCount())]
    assert all(word.lower() in h.text.lower() for h in hits if h.kind == "segment")
    # Pick the hit in the downloaded call (the others would need the emulator) and press Enter.
    row = next(
        r for r, h in enumerate(hits) if h.call_provider_id == speech_call.provider_id and h.start_ms == segment.start_ms
    )
    window.search.results.setCurrentIndex(window.search.model.index(row))
    window.search.results.setFocus()
    qtbot.keyClick(window.search.results, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.player.is_playing(), timeout=WAIT)
    window.player.pause()
    assert abs(window.player.position() - segment.start_ms) < 250 + 100  # paused a tick after it started
    qtbot.waitUntil(lambda: window.call_pane.call is not None, timeout=WAIT)
    assert window.call_pane.call.provider_id == speech_call.provider_id


def test_a_hit_line_names_the_account_and_leaves_out_what_the_transcript_lacks():
    from recbrowser.domain import SearchHit
    from recbrowser.ui.search.search_results import hit_where

    def hit(speaker: str, start_ms: int | None, kind: str = "segment") -> str:
        line = hit_where(SearchHit("Demo Voki/c1", "Demo Voki", "c1", 1_700_000_000_000, speaker, start_ms, "t", "t", kind))
        return line.split(" · ", 1)[1]

    assert hit("Anna", 6_000) == "Demo Voki · Anna at 00:06"
    assert hit("", None) == "Demo Voki"  # Voki's untimed text: no "Unknown speaker at --:--"
    assert hit("Anna", None) == "Demo Voki · Anna"
    assert hit("", 6_000) == "Demo Voki · at 00:06"
    assert hit("", None, kind="summary") == "Demo Voki · summary"


def test_a_key_typed_while_a_search_runs_interrupts_it_and_the_new_search_does_not_wait(qtbot):
    running, stopped = threading.Event(), threading.Event()
    asked: list[str] = []

    def search(query: str) -> list[SearchHit] | None:
        asked.append(query)
        if query == "pric":  # a slow search that only an interrupt stops
            running.set()
            assert stopped.wait(10)
            return None  # interrupted: nothing to show
        return [hit(query)]

    pool = QThreadPool()
    pool.setMaxThreadCount(1)  # the new search could only start once the old one has let go
    panel = SearchPanel(search, pool, interrupt=stopped.set)
    qtbot.addWidget(panel)
    panel.box.setText("pric")
    panel.search_now()
    assert running.wait(WAIT / 1000)
    qtbot.keyClicks(panel.box, "e")  # the user types on: the running search is interrupted
    assert stopped.is_set()
    qtbot.waitUntil(lambda: panel.model.rowCount() == 1, timeout=WAIT)
    assert panel.model.hit(0).text == "price" and asked == ["pric", "price"]
    assert "price" in panel.status.text()


def test_searches_share_one_kept_connection_and_one_asked_before_an_interrupt_is_skipped(tmp_path):
    from support.ui_helpers import fill

    from recbrowser.store import Store
    from recbrowser.ui.search.transcript_search import TranscriptSearch

    with Store.open(tmp_path / "c.sqlite3") as store:
        fill(store, 200)
        searches = TranscriptSearch(store, store.path, limit=20)
        searches.warm()
        assert searches.search("hello") == store.search("hello", limit=20)
        kept = searches._reader
        assert searches.search("numb*") == store.search("numb*", limit=20) and searches._reader is kept
        # A search waiting for the connection when the user types on is not run at all.
        lock, waiting = searches._lock, threading.Event()

        class NotingLock:  # says when the search has started waiting for the connection
            def __enter__(self):
                waiting.set()
                return lock.__enter__()

            def __exit__(self, *exc):
                return lock.__exit__(*exc)

        searches._lock = NotingLock()
        results: list = []
        with lock:  # the search before it still runs
            worker = threading.Thread(target=lambda: results.append(searches.search("hello")))
            worker.start()
            assert waiting.wait(10)
            searches.interrupt()
        worker.join(10)
        searches._lock = lock
        assert results == [None]
        assert searches.search("hello") == store.search("hello", limit=20)  # the next one runs
        # An archive without a kept reader (the team archive): a store opened per search.
        per_search = TranscriptSearch(object(), store.path, limit=5)  # type: ignore[arg-type]
        assert per_search.search("hello") == store.search("hello", limit=5)
        searches.close()
        assert searches.search("hello") is None


def test_while_a_slow_ranking_runs_the_newest_hits_show_and_the_ranked_ones_replace_them(qtbot):
    ranked = threading.Event()
    newest_asked: list[str] = []

    def newest(query: str) -> list[SearchHit]:
        newest_asked.append(query)
        return [hit("newest one"), hit("newest two")]

    def search(query: str) -> list[SearchHit]:
        assert ranked.wait(10)  # the ranking takes longer than the panel waits
        return [hit("best"), hit("newest two")]

    panel = SearchPanel(search, QThreadPool(), newest=newest)
    qtbot.addWidget(panel)
    panel.box.setText("refund")
    with qtbot.waitSignal(panel.newestShown, timeout=WAIT):
        generation = panel.search_now()
    assert [panel.model.hit(r).text for r in range(2)] == ["newest one", "newest two"]
    assert "newest" in panel.status.text() and panel.shown_generation != generation  # not the answer yet
    ranked.set()
    qtbot.waitUntil(lambda: panel.shown_generation == generation, timeout=WAIT)
    assert [panel.model.hit(r).text for r in range(2)] == ["best", "newest two"] and newest_asked == ["refund"]
    assert "newest" not in panel.status.text()
