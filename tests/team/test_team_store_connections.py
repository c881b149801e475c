"""PgStore's connections: borrowed from a psycopg pool (the desktop's readers) and interrupted
from another thread (the window's list reads when the user scrolls on)."""

from __future__ import annotations

import threading
import time

import psycopg
import pytest
from psycopg_pool import ConnectionPool

from recbrowser.domain import Account
from recbrowser.store import CallFilter
from recbrowser.store.postgres import admin
from recbrowser.store.postgres.store import Interrupted, PgStore


@pytest.fixture
def archive(pg_url):
    admin.init_archive(pg_url)
    with PgStore.open(pg_url) as owner:
        owner.add_account(Account(name="north", provider="yeastar"))
    return pg_url


def test_stores_borrow_from_a_pool_and_give_the_connection_back(archive):
    with ConnectionPool(archive, kwargs={"autocommit": True}, min_size=1, max_size=2, open=True) as pool:
        for _ in range(5):  # more stores than connections: each close() returns its connection
            store = PgStore.from_pool(pool)
            assert [a.name for a in store.accounts()] == ["north"]
            store.close()
        assert pool.get_stats()["pool_size"] <= 2


def _waiting_on_a_lock(url: str, pid: int) -> bool:
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone()
    return bool(row) and row[0] == "Lock"


def test_interrupt_stops_a_running_read_from_another_thread(archive):
    store = PgStore.open(archive)
    pid = store.connection.info.backend_pid
    outcome: list[BaseException | int] = []
    with psycopg.connect(archive) as blocker:
        blocker.execute("LOCK TABLE calls IN ACCESS EXCLUSIVE MODE")  # the read below has to wait

        def read() -> None:
            try:
                outcome.append(store.count_calls(CallFilter()))
            except BaseException as e:
                outcome.append(e)

        worker = threading.Thread(target=read)
        worker.start()
        deadline = time.monotonic() + 10
        while not _waiting_on_a_lock(archive, pid) and time.monotonic() < deadline:
            time.sleep(0.01)
        store.interrupt()
        worker.join(10)
        blocker.rollback()
    assert len(outcome) == 1 and isinstance(outcome[0], Interrupted)
    assert store.count_calls(CallFilter()) == 0  # the connection is still good for the next read
    store.close()
