"""Every Dialgen emulator answer against its schema in dialgen-openapi.json, and every request the
connector makes against the spec's parameters (tests/fixtures/dialgen)."""

from __future__ import annotations

import re

import pytest
from support.dialgen_helpers import add_account, provider_for, sync
from support.dialgen_spec import check_exchange, spec

from recbrowser.emulators.dialgen import DialgenEmulator
from recbrowser.errors import AuthError


def test_every_answer_and_request_of_a_sync_and_download_follows_the_spec(store, data_dir):
    from recbrowser.services.downloads import download_call

    with DialgenEmulator(calls=50, seed=11, batch_size=20) as emu:
        account = add_account(store, emu)
        assert sync(store, account, emu).ok
        call = next(store.get_call("dg", x.call_id) for x in emu.calls
                    if x.batch_id and emu.recording_url(x) is not None)
        provider = provider_for(account, emu)
        try:
            download_call(store, account, provider, call, data_dir.media)
        finally:
            provider.close()
        seen = {check_exchange(p, q, s, b) for p, q, s, b in emu.exchanges}
    assert seen == {"batchList", "getBatchStats", "checkPersistentCallStatus", "getCallStatus", "getCallMetrics"}


def test_error_answers_follow_the_error_schema(store):
    with DialgenEmulator(calls=5, seed=2) as emu:
        for user in ("someone-else", emu.user_id):
            acc = add_account(store, emu, name=f"dg-{user}", user_id=user)
            p = provider_for(acc, emu, api_key=emu.api_key if user != emu.user_id else "wrong")
            try:
                with pytest.raises(AuthError, match="(401|403)"):
                    p.test_credentials()
            finally:
                p.close()
        statuses = set()
        for path, query, status, body in emu.exchanges:
            check_exchange(path, query, status, body)
            statuses.add(status)
    assert statuses == {401, 403}


def test_the_spec_examples_map_to_calls():
    from recbrowser.providers.dialgen_map import call_from_status

    paths = spec()["paths"]
    status = paths["/api/v1/call/check-status"]["get"]["responses"]["200"]["content"]["application/json"]["example"]
    metric = paths["/api/v1/call/get-metric"]["get"]["responses"]["200"]["content"]["application/json"]["example"]
    call = call_from_status(status["data"], 0, metric["callData"])
    assert call.provider_id == "cmk3n7v8l0001k004w0f0b3b1" and call.duration_ms == 35_000
    assert call.to_party.number == "+1234567890" and call.agent == "Agent Name" and call.has_audio
    assert [s.role for s in call.segments] == ["agent", "caller"] and call.segments[0].start_ms is None
    assert call.summary.startswith("Demo call") and re.match(r"^\d+$", str(call.start_ms))
