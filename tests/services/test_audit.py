"""The local audit log: who did what to which call, kept across account removal, append-only."""

from __future__ import annotations

import json
import sqlite3

import pytest
from support.bandwidth_helpers import add_account, fresh_bandwidth_tokens, provider_for, sync  # noqa: F401
from support.cli_helpers import run

from recbrowser.domain import Account
from recbrowser.emulators.bandwidth import BandwidthEmulator
from recbrowser.services import audit
from recbrowser.services.bandwidth_actions import run_action


def test_entries_are_newest_first_filtered_and_survive_removing_the_account(store):
    store.add_account(Account(name="hq", provider="yeastar"))
    audit.record(store, audit.PLAYED, [("hq", "1001")])
    audit.record(store, audit.EXPORTED, [("hq", "1001"), ("hq", "1002")], "/tmp/out.zip")
    assert [e.action for e in store.audit_log("hq", "1001")] == [audit.EXPORTED, audit.PLAYED]
    assert [e.call_id for e in store.audit_log(call_id="1002")] == ["1002"]
    assert store.audit_log()[0].user == audit.who() and "@" in audit.who()
    store.remove_account("hq")
    assert len(store.audit_log("hq")) == 3


def test_the_log_cannot_be_rewritten(store, data_dir):
    audit.record(store, audit.PLAYED, [("hq", "1001")])
    conn = sqlite3.connect(data_dir.database)
    for sql in ("UPDATE audit_log SET user = 'someone else'", "DELETE FROM audit_log"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute(sql)
    conn.close()
    assert len(store.audit_log()) == 1


def test_bandwidth_actions_are_logged_and_the_cli_shows_them(capsys, store):
    emu = BandwidthEmulator(calls=30, seed=5)
    emu.start()
    try:
        account = add_account(store, emu)
        assert sync(store, account, emu).ok
        rec = next(r for r in emu.recordings if r.transcript is None)
        provider = provider_for(account, emu)
        run_action(store, account, provider, rec.call_id, "transcribe")
        run_action(store, account, provider, rec.call_id, "delete-media")
        provider.close()
    finally:
        emu.stop()
    code, out, _ = run(capsys, "audit", f"bw/{rec.call_id}", "--json")
    assert code == 0
    entries = json.loads(out)["entries"]
    assert [(e["action"], e["detail"]) for e in entries] == [(audit.DELETED, "media"), (audit.TRANSCRIPTION_REQUESTED, "")]
    assert all(e["ref"] == f"bw/{rec.call_id}" for e in entries)
    code, out, _ = run(capsys, "audit")
    assert code == 0 and f"deleted at provider\tbw/{rec.call_id}" in out
    code, _, err = run(capsys, "audit", "not-a-ref")
    assert code == 2 and "ACCOUNT/CALL_ID" in err


def test_downloads_and_exports_are_logged_once_per_call(store, data_dir, tmp_path):
    from recbrowser.services.downloads import download_call
    from recbrowser.services.export import run_export
    from recbrowser.services.export_options import ExportOptions

    emu = BandwidthEmulator(calls=30, seed=5)
    emu.start()
    try:
        account = add_account(store, emu)
        assert sync(store, account, emu).ok
        first, second = [r.call_id for r in emu.recordings if r.fmt == "wav"][:2]
        provider = provider_for(account, emu)
        download_call(store, account, provider, store.get_call("bw", first), data_dir.media)
        download_call(store, account, provider, store.get_call("bw", first), data_dir.media)  # cached: no new entry
        provider.close()
        summary = run_export(store, [f"bw/{first}", f"bw/{second}"], tmp_path / "out", ExportOptions(workers=1),
                             media_root=data_dir.media, open_provider=lambda a: provider_for(a, emu))
    finally:
        emu.stop()
    assert len(summary.exported) == 2
    log = [(e.action, e.call_id) for e in reversed(store.audit_log("bw"))]
    assert log.count((audit.DOWNLOADED, first)) == 1 and (audit.DOWNLOADED, second) in log  # the export fetched it
    assert sorted(log[-2:]) == sorted([(audit.EXPORTED, first), (audit.EXPORTED, second)])
    assert str(tmp_path / "out") in store.audit_log("bw", first)[0].detail
