"""An on-prem PBX with a self-signed certificate: refused without a CA bundle, synced with one."""

from __future__ import annotations

from support.certs import make_self_signed
from support.yeastar_helpers import add_emulated_account, all_calls, sync

from recbrowser.emulators.yeastar import YeastarEmulator


def test_self_signed_pbx_needs_the_accounts_ca_bundle(store, tmp_path):
    ctx, cert = make_self_signed(tmp_path)
    emu = YeastarEmulator(calls=10, seed=9)
    emu.tls = ctx
    with emu:
        assert emu.base_url.startswith("https://")
        plain = add_emulated_account(store, emu, name="plain")
        refused = sync(store, plain, emu)
        assert not refused.ok
        assert "certificate" in refused.error and "ca_bundle" in refused.error and "'plain'" in refused.error
        assert all_calls(store, "plain") == []
        assert emu.tokens_issued == 0  # the secret never left over an unverified connection

        pinned = add_emulated_account(store, emu, name="pinned", ca_bundle=cert)
        result = sync(store, pinned, emu)
        assert result.ok, result.error
        assert len(all_calls(store, "pinned")) == result.calls > 0
