"""The CLI on a big cache that an older recbrowser wrote: one line says why the command waits."""

from __future__ import annotations

import sqlite3

from recbrowser.cli import main
from recbrowser.domain import Account
from recbrowser.store import Store, migrations


def big_old_cache(path, n: int) -> None:
    with Store.open(path, migrations=migrations.MIGRATIONS[:4]) as s:
        s.add_account(Account(name="hq", provider="yeastar"))
    conn = sqlite3.connect(path)  # plain SQL: a hundred thousand calls in a fraction of a second
    conn.execute(
        "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?) "
        "INSERT INTO calls (account_id, provider_id, start_ms, direction, first_seen_ms, updated_ms) "
        "SELECT 1, 'c' || i, 1700000000000 + i * 1000, 'inbound', 0, 0 FROM n", (n,))
    conn.commit()
    conn.close()


def test_updating_a_big_cache_is_said_in_one_line_once(capsys, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    big_old_cache(data / "recbrowser.sqlite3", migrations.BIG_CACHE)
    assert main(["--data-dir", str(data), "accounts", "list"]) == 0
    out, err = capsys.readouterr()
    assert "hq" in out and "updating" not in out  # the command's own output stays clean
    lines = [line for line in err.splitlines() if "updating the call cache" in line]
    assert lines == [f"recbrowser: updating the call cache for this version ({migrations.BIG_CACHE:,} calls, a copy kept as "
                     f"recbrowser.sqlite3.bak-v4); this can take a minute…"]
    assert migrations.pending(data / "recbrowser.sqlite3") == 0
    assert main(["--data-dir", str(data), "accounts", "list"]) == 0
    assert "updating" not in capsys.readouterr().err  # up to date now: nothing to say


def test_a_small_cache_is_updated_without_a_word(capsys, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    big_old_cache(data / "recbrowser.sqlite3", 500)
    assert main(["--data-dir", str(data), "accounts", "list"]) == 0
    assert "updating" not in capsys.readouterr().err
    assert migrations.pending(data / "recbrowser.sqlite3") == 0
