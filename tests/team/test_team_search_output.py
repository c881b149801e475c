"""`recbrowser search` on a team archive prints what it prints on the SQLite cache, for the same
emulator calls synced into both (the real sync over loopback): same hits, times and snippets."""

from __future__ import annotations

import pytest
from support.cli_helpers import run

from recbrowser.domain import Account
from recbrowser.emulators import EMULATORS, start_emulators
from recbrowser.services.accounts import open_provider
from recbrowser.services.sync import sync_account
from recbrowser.store import Store
from recbrowser.store.postgres import PgStore

CALLS = 30


def _sync(store, servers) -> None:
    for server in servers:
        info = server.describe()
        account = store.add_account(Account(name=f"Demo {info['provider']}", provider=info["provider"],
                                            settings=info["settings"]))
        provider = open_provider(account, info["secrets"])
        try:
            assert sync_account(store, account, provider).ok
        finally:
            provider.close()


@pytest.fixture
def filled(team):
    servers = start_emulators(sorted(EMULATORS), CALLS, [])
    try:
        with Store.open(team.data_dir.database) as lite:
            _sync(lite, servers)
        with PgStore.open(team.pg_url) as owner:
            _sync(owner, servers)
    finally:
        for s in servers:
            s.stop()
    return team


def test_search_prints_the_same_lines_on_a_team_archive_as_on_the_cache(filled, capsys):
    for query in ("refund", "thank", "call*", '"next week"', "invoice -refund", "the"):
        code, cache, err = run(capsys, "search", query, "--limit", "400")
        assert code == 0, err
        code, archive, err = filled.cli("search", query, "--limit", "400", team="admin")
        assert code == 0, err
        assert cache.count("\n") > 5, query  # the emulators' calls say it
        # The same lines: each hit once, with the same time (or "summary"), speaker and snippet. (The
        # order of equally good hits is each engine's own ranking: bm25 here, ts_rank there.)
        assert sorted(archive.splitlines()) == sorted(cache.splitlines()), query
