"""The conversation figures `team serve` writes (schema v3) are those one desktop's sync makes of
the same calls: `calls --json`, the figure filters, `show` and `report` print the same. A real
`team serve` process over a real archive (PostgreSQL + SeaweedFS) and emulators on loopback."""

from __future__ import annotations

import json

from support.cli_helpers import run, set_args
from support.serve_helpers import PROVIDERS, all_served, serve_once


def _json(capsys, monkeypatch, *args):
    code, out, err = run(capsys, *args, monkeypatch=monkeypatch)
    assert code == 0, err
    return json.loads(out)


def test_served_figures_filters_and_report_are_those_of_a_desktop_sync_of_the_same_calls(
        archive_over, data_dir, pg_url, tmp_path, capsys, monkeypatch):
    from recbrowser.emulators import start_emulators

    archive = archive_over(start_emulators(PROVIDERS, 20, []))
    serve_once(data_dir, archive, tmp_path / "serve.log")
    assert all_served(pg_url)
    # The same accounts on this desktop's own cache, synced from the same emulators.
    for name, server in archive.accounts.items():
        info = server.describe()
        code, _, err = run(capsys, "accounts", "add", info["provider"], "--name", name, *set_args(info["settings"]),
                           "--secrets-stdin", stdin=json.dumps(info["secrets"]), monkeypatch=monkeypatch)
        assert code == 0, err
    code, _, err = run(capsys, "sync", monkeypatch=monkeypatch)
    assert code == 0, err
    desk = ["--team", archive.desk_profile]  # the supervisor's login, under row-level security

    def figures(where: list[str], *args: str) -> dict:
        listed = _json(capsys, monkeypatch, *where, "calls", "--json", "--limit", "1000", *args)["calls"]
        return {c["ref"]: c["conversation"] for c in listed}

    local, shared = figures([]), figures(desk)
    assert len(local) == len(shared) >= 80
    computed = [ref for ref, f in local.items() if f is not None]
    assert len(computed) >= 20, "the emulators' transcripts give figures"
    assert shared == local
    for flag, value in (("--silence-over", "20"), ("--agent-talk-over", "60")):
        here, there = figures([], flag, value), figures(desk, flag, value)
        assert 0 < len(here) < len(computed), flag  # the filter picks some, not all
        assert there == here, flag
    for ref in computed[:3]:  # show (and the export manifest: the same read) on one call
        assert (_json(capsys, monkeypatch, *desk, "show", ref, "--json")["conversation"]
                == _json(capsys, monkeypatch, "show", ref, "--json")["conversation"] == local[ref])
    # A downloaded call's silence comes from its audio: a supervisor's show computes it (the login
    # may not write it back: only `team serve` writes figures), the archive's figures stay.
    ref = next(r for r in computed if r.startswith("Wildix"))
    code, _, err = run(capsys, *desk, "download", ref, monkeypatch=monkeypatch)
    assert code == 0, err
    assert _json(capsys, monkeypatch, *desk, "show", ref, "--json")["conversation"]["silence_from"] == "audio"
    assert figures(desk)[ref] == local[ref]

    reports = {}
    for where, args in (("local", []), ("team", desk)):
        reports[where] = tmp_path / f"{where}.csv"
        code, out, err = run(capsys, *args, "report", "--to", str(reports[where]), monkeypatch=monkeypatch)
        assert code == 0, err
    assert reports["team"].read_bytes() == reports["local"].read_bytes()
    agents = [line for line in reports["local"].read_text(encoding="utf-8-sig").splitlines() if line.startswith("agent,")]
    assert any(line.split(",")[10] not in ("", "0.0") for line in agents), "some agent has a silence share"


