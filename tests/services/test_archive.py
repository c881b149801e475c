"""Archive before expiry: the recordings a provider deletes soon are downloaded, soonest first,
through the real keyring, a real Bandwidth emulator and real files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.bandwidth_helpers import DAY_MS, add_account, fresh_bandwidth_tokens, provider_for, sync  # noqa: F401
from support.cli_helpers import run, set_args
from support.own_mounts import mount_tmpfs, with_own_mounts

from recbrowser.emulators.bandwidth import BandwidthEmulator
from recbrowser.providers.bandwidth import forget_tokens
from recbrowser.providers.bandwidth_map import RETENTION_MS
from recbrowser.services.archive import archive_expiring, plan


@pytest.fixture
def bandwidth():
    emu = BandwidthEmulator(calls=30, seed=8)
    emu.start()
    yield emu
    emu.stop()


def _expiring_ids(emu, within_days: float) -> set[str]:
    """Recordings with media whose 30-day retention ends within `within_days`, from the emulator's own data."""
    until = emu.now_ms + within_days * DAY_MS
    return {r.recording_id for r in emu.recordings
            if not r.media_deleted and emu.now_ms < r.start_ms + RETENTION_MS <= until}


def test_cli_archives_what_expires_soonest_then_has_nothing_left(capsys, monkeypatch, data_dir, bandwidth, account_name):
    code, _, err = run(capsys, "accounts", "add", "bandwidth", "--name", account_name, *set_args(bandwidth.account_settings()),
                       "--secrets-stdin", stdin=json.dumps(bandwidth.secrets()), monkeypatch=monkeypatch)
    assert code == 0, err
    assert run(capsys, "sync")[0] == 0
    within = 20  # the emulator's calls span 20 days: some expire within 20 days, some later
    want = _expiring_ids(bandwidth, within)
    assert want and want != {r.recording_id for r in bandwidth.recordings}

    code, out, err = run(capsys, "archive", "--within", str(within), "--dry-run")
    assert code == 0 and f"{len(want)} recordings expire within {within} days" in err
    listed = [line.split("\t")[0] for line in out.splitlines()]
    assert len(listed) == len(want)
    assert not list(data_dir.media.rglob("*.*"))  # a dry run downloads nothing

    code, out, err = run(capsys, "archive", "--within", str(within))
    assert code == 0, err
    assert "Archived" in out and "MB" in out
    code, out, _ = run(capsys, "calls", "--json", "--limit", "500")
    audio = {c["ref"]: c["audio"] for c in json.loads(out)["calls"]}
    for ref in listed:
        assert audio[ref] == "downloaded", ref
    code, out, _ = run(capsys, "archive", "--within", str(within))
    assert code == 0 and "Nothing to archive" in out
    with pytest.raises(SystemExit) as usage:  # a usage error, from the argument's type
        run(capsys, "archive", "--within", "0")
    assert usage.value.code == 2 and "above 0" in capsys.readouterr().err


def test_soonest_first_and_the_window_is_respected(store, data_dir, bandwidth):
    account = add_account(store, bandwidth)
    assert sync(store, account, bandwidth).ok
    items = plan(store, 19)
    assert items and {i.recording_id for i in items} == _expiring_ids(bandwidth, 19)
    assert [i.expires_ms for i in items] == sorted(i.expires_ms for i in items)
    summary = archive_expiring(store, data_dir.media, 19, open_provider=lambda a: provider_for(a, bandwidth))
    assert not summary.failed and len(summary.archived) == len({(i.account, i.call_id) for i in items})
    assert summary.bytes > 0
    assert plan(store, 19) == []
    later = _expiring_ids(bandwidth, 30) - _expiring_ids(bandwidth, 19)
    assert later and {i.recording_id for i in plan(store, 30)} == later


def test_a_rejected_secret_is_tried_once_and_said_for_every_call(store, data_dir, bandwidth):
    account = add_account(store, bandwidth)
    assert sync(store, account, bandwidth).ok
    forget_tokens()
    bandwidth.client_secret = "rotated-at-bandwidth"
    before = sum(n for k, n in bandwidth.counters.items() if k.startswith("POST") and "token" in k)
    summary = archive_expiring(store, data_dir.media, 30, open_provider=lambda a: provider_for(a, bandwidth, client_secret="old"))
    after = sum(n for k, n in bandwidth.counters.items() if k.startswith("POST") and "token" in k)
    assert after - before == 1
    assert not summary.archived and len(summary.failed) == len({(i.account, i.call_id) for i in plan(store, 30)})
    reasons = {reason for _, reason in summary.failed}
    assert len(reasons) == 1 and "old" not in next(iter(reasons))
    assert "rejected" in next(iter(reasons)).lower() or "invalid" in next(iter(reasons)).lower()


def test_deleted_or_downloaded_recordings_are_not_planned(store, data_dir, bandwidth):
    from recbrowser.services.bandwidth_actions import run_action

    account = add_account(store, bandwidth)
    assert sync(store, account, bandwidth).ok
    first, second = plan(store, 30)[:2]
    provider = provider_for(account, bandwidth)
    run_action(store, account, provider, first.call_id, "delete-media", first.recording_id)
    provider.close()
    store.record_media(account.id, second.recording_id, str(data_dir.media / "x.wav"), 1, "0" * 64)
    left = {i.recording_id for i in plan(store, 30)}
    assert first.recording_id not in left and second.recording_id not in left


@with_own_mounts
def test_a_full_disk_stops_the_run_at_once_and_keeps_what_finished(store, data_dir, bandwidth, tmp_path):
    import subprocess

    account = add_account(store, bandwidth)
    assert sync(store, account, bandwidth).ok
    small = tmp_path / "small"
    small.mkdir()
    mount_tmpfs(small, "1m")
    try:
        planned = len({(i.account, i.call_id) for i in plan(store, 30)})
        summary = archive_expiring(store, small, 30, open_provider=lambda a: provider_for(a, bandwidth))
        assert "is full" in summary.stopped
        assert len(summary.failed) == 1 and len(summary.archived) < planned  # no call after the full disk was tried
        assert not list(small.rglob("*.part"))  # nothing half-written that looks complete
        kept = {m.path for ref in summary.archived for m in store.media_for_call(*ref.split("/", 1))}
        assert kept and all(Path(p).is_file() for p in kept)
        assert "stopped: The disk holding" in summary.sentence()
    finally:
        subprocess.run(["umount", "-l", str(small)], capture_output=True)


def test_the_plan_walks_the_expiry_index_not_every_call(store):
    from recbrowser.store import expiry

    for account in (None, "bw"):
        sql = expiry._SQL.format(account="AND a.name = ?" if account else "")
        args = (0, 1) + ((account,) if account else ())
        plan_text = " ".join(r[3] for r in store._conn.execute("EXPLAIN QUERY PLAN " + sql, args))
        assert "USING INDEX recordings_expires" in plan_text, plan_text
