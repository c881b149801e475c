"""The store's public interface (recbrowser/store/api.py) and the SQLite cache that implements it.

A second implementation (the team archive) is written against the interface: these check that
the SQLite one has every method of it with the same parameters, and nothing public besides, and
what the interface promises about opening and interrupting."""

from __future__ import annotations

import inspect
import threading
from pathlib import Path

import pytest
from support.ui_helpers import fill

from recbrowser.errors import StoreError
from recbrowser.store import (
    CallFilter,
    Interrupted,
    SQLiteOpener,
    Store,
    open_store,
    opener,
    register_opener,
    unregister_opener,
)
from recbrowser.store.api import CallStore, FigureStore, FirstCount, ListReader, SearchReader, StoreOpener
from recbrowser.store.first_count import SQLiteFirstCount
from recbrowser.store.list_reader import SQLiteListReader
from recbrowser.store.postgres import PgFirstCount, PgOpener, PgStore
from recbrowser.store.postgres.list_reader import PgListReader
from recbrowser.store.search_reader import SQLiteSearchReader


def members(cls) -> set[str]:
    return {n for n in vars(cls) if not n.startswith("_") or n in ("__enter__", "__exit__")}


def parameters(fn) -> list[tuple[str, object, object]]:
    """Names, kinds and defaults (the annotations name each implementation's own classes)."""
    if isinstance(fn, property):
        return [("property", None, None)]
    return [(p.name, p.kind, p.default) for p in inspect.signature(fn).parameters.values()]


@pytest.mark.parametrize(("interface", "implementation", "extra"), [
    # Store.open(path) is what SQLiteOpener.open calls; the figures and the kept search reader
    # are the cache's own capabilities.
    (CallStore, Store, {"open", "path", "open_search_reader"} | members(FigureStore)),
    (ListReader, SQLiteListReader, {"path"}),
    (SearchReader, SQLiteSearchReader, {"path"}),
    (StoreOpener, SQLiteOpener, {"path"}),
    (FirstCount, SQLiteFirstCount, set()),
])
def test_the_sqlite_classes_have_every_method_of_the_interface_with_its_parameters_and_no_other(
        interface, implementation, extra):
    wanted = members(interface)
    assert members(implementation) - extra == wanted
    for name in sorted(wanted):
        assert parameters(getattr(implementation, name)) == parameters(getattr(interface, name)), name


def test_both_stores_keep_conversation_figures_with_the_interface_s_parameters():
    # FigureStore is optional (store/api.py): the SQLite cache and the team archive (schema v3)
    # have all of it, with its parameters, and the services find it on both.
    from recbrowser.services.conversation import figure_store

    for name in sorted(members(FigureStore)):
        for implementation in (Store, PgStore):
            assert parameters(getattr(implementation, name)) == parameters(getattr(FigureStore, name)), name
    assert figure_store(PgStore.__new__(PgStore)) is not None and figure_store(Store.__new__(Store)) is not None


# What only the team archive has besides the interface: opening by URL or from a pool, its
# connection for the admin's functions, interrupting its own query, sealed secrets, team
# settings, the serve workers' leases, the credentials they seal back and the recordings they
# still have to archive; and the optional FigureStore (checked above).
PG_EXTRA = {"open", "from_pool", "path", "connection", "interrupt", "set_sealed_secret", "sealed_secret", "team_setting",
            "set_team_setting", "acquire_lease", "renew_lease", "release_lease", "grant", "revoke",
            "unarchived_recordings", "reseal_secret", *members(FigureStore)}


@pytest.mark.parametrize(("interface", "implementation", "extra"), [
    (CallStore, PgStore, PG_EXTRA),
    (ListReader, PgListReader, set()),
    (StoreOpener, PgOpener, set()),
    (FirstCount, PgFirstCount, set()),
])
def test_the_team_archive_classes_have_every_method_of_the_interface_with_its_parameters(interface, implementation, extra):
    wanted = members(interface)
    assert members(implementation) - extra == wanted
    for name in sorted(wanted):
        assert parameters(getattr(implementation, name)) == parameters(getattr(interface, name)), name


def test_what_callers_get_is_the_interface(data_dir):
    archive = opener(data_dir.database)
    assert isinstance(archive, StoreOpener) and archive.location == data_dir.database
    with open_store(data_dir.database) as store:
        assert isinstance(store, CallStore) and store.location == data_dir.database
        reader = store.open_list_reader()
        try:
            assert isinstance(reader, ListReader)
        finally:
            reader.close()
    assert isinstance(archive.count_first(), FirstCount)


def test_a_list_read_interrupted_from_another_thread_raises_interrupted_and_the_next_read_works(store):
    fill(store, 500)
    reader = store.open_list_reader()
    running, interrupted = threading.Event(), threading.Event()

    def in_the_query() -> int:  # called by SQLite while the read runs in the worker thread
        running.set()
        interrupted.wait(10)
        return 0

    # The test's only reach into the SQLite reader: a hook that holds the query until the
    # other thread has interrupted it, so the interrupt lands mid-query every time.
    reader._conn.set_progress_handler(in_the_query, 1)
    outcome: list[BaseException | None] = []

    def read() -> None:
        try:
            reader.list_calls(CallFilter(number="no such number"), limit=100)
            outcome.append(None)
        except BaseException as e:
            outcome.append(e)

    worker = threading.Thread(target=read)
    worker.start()
    assert running.wait(10)
    reader.interrupt()
    interrupted.set()
    worker.join(10)
    reader._conn.set_progress_handler(None, 0)
    assert len(outcome) == 1 and isinstance(outcome[0], Interrupted), outcome
    assert isinstance(outcome[0], StoreError)  # a store error, not the driver's
    rows, _ = reader.list_calls(CallFilter(), limit=10)  # usable for the next read
    assert len(rows) == 10
    reader.close()


def test_the_reader_pages_and_jumps_like_the_store(store):
    fill(store, 700)
    f = CallFilter(sort="duration")
    reader = store.open_list_reader()
    try:
        assert reader.list_calls(f, limit=50) == store.list_calls(f, limit=50)
        cursors = reader.cursors_at(f, range(200, 601, 200))
        assert cursors == store.cursors_at(f, range(200, 601, 200))
        assert reader.cursors_from(f, range(400, 601, 200), cursors[0], 200) == cursors[1:]
        page, _ = reader.list_calls(f, after=cursors[1], limit=5)
        assert page == store.list_calls(f, limit=405)[0][400:405]
    finally:
        reader.close()


def test_the_first_count_counts_every_call_of_a_current_cache_and_says_nothing_of_a_missing_one(data_dir, store):
    fill(store, 321)
    count = opener(data_dir.database).count_first()
    assert (count.is_current(), count.result()) == (True, 321)
    missing = opener(data_dir.root / "none.sqlite3").count_first()
    assert (missing.is_current(), missing.result()) == (False, None)


def test_a_location_of_a_registered_scheme_opens_with_its_opener_and_any_other_is_a_cache_path(tmp_path):
    opened: list[str] = []

    def team(location: str) -> StoreOpener:
        opened.append(location)
        return SQLiteOpener(tmp_path / f"{location.partition(':')[2]}.sqlite3")

    register_opener("team", team)
    try:
        with open_store("team:north") as store:
            assert store.location == tmp_path / "north.sqlite3"
        assert opened == ["team:north"] and (tmp_path / "north.sqlite3").is_file()
        assert opener(Path("team:south")).location == tmp_path / "south.sqlite3"  # handed around as a Path
        assert opener(str(tmp_path / "plain.sqlite3")).location == tmp_path / "plain.sqlite3"
    finally:
        unregister_opener("team")
    assert opener("team:north").location.name == "team:north"  # unregistered: a file name


def test_the_kept_search_reader_finds_what_the_store_finds_and_stops_when_interrupted(store, monkeypatch):
    fill(store, 400)  # "hello number N" in every fourth call
    assert not hasattr(PgStore, "open_search_reader")  # optional: the window opens a store per search there
    reader = store.open_search_reader()
    assert isinstance(reader, SQLiteSearchReader)
    reader.warm()
    for query, limit in (("hello", 100), ("numb*", 7), ("1*", 50), ('"number 12"', 10)):
        assert reader.search(query, limit=limit) == store.search(query, limit=limit), query
    # What the search box shows while it ranks: the last synced sentences first.
    newest = store._conn.execute("SELECT text FROM segments WHERE text LIKE 'hello number 1%' ORDER BY id DESC LIMIT 5")
    assert [h.text for h in reader.search_newest("hello 1*", limit=5)] == [t for (t,) in newest]
    running, interrupted = threading.Event(), threading.Event()
    from recbrowser.store import search as fts

    translate = fts.to_fts

    def between_statements(query: str) -> str:  # after the search's BEGIN, before its first query
        running.set()
        interrupted.wait(10)
        return translate(query)

    # Hold the search where SQLite itself would forget an interrupt (no statement running).
    monkeypatch.setattr(fts, "to_fts", between_statements)
    outcome: list[BaseException | None] = []

    def search() -> None:
        try:
            reader.search("hello")
            outcome.append(None)
        except BaseException as e:
            outcome.append(e)

    worker = threading.Thread(target=search)
    worker.start()
    assert running.wait(10)
    reader.interrupt()
    interrupted.set()
    worker.join(10)
    monkeypatch.setattr(fts, "to_fts", translate)
    assert len(outcome) == 1 and isinstance(outcome[0], Interrupted), outcome
    assert len(reader.search("hello", limit=10)) == 10  # usable for the next search
    reader.close()
