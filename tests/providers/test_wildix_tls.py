"""An on-prem Wildix PBX with a self-signed certificate: the CA bundle is for the PBX only, and
`recbrowser emulate --provider wildix` describes all three hosts."""

from __future__ import annotations

import hashlib

import pytest
from support.certs import make_self_signed
from support.wildix_helpers import add_account, provider, sync

from recbrowser.emulators import start_emulators
from recbrowser.emulators.wildix import WildixEmulator
from recbrowser.errors import TlsError
from recbrowser.services.downloads import download_call


def test_self_signed_pbx_downloads_with_the_ca_bundle_and_wda_is_unaffected(store, tmp_path, data_dir):
    ctx, pem = make_self_signed(tmp_path)
    emu = WildixEmulator(calls=20, seed=4)
    emu.pbx.tls = ctx
    emu.storage.tls = ctx  # as in life, https storage: a redirect from https to http is refused
    with emu:
        assert emu.account_settings()["pbx_url"].startswith("https://")
        account = add_account(store, emu, ca_bundle=pem)
        assert sync(store, account, emu).ok  # WDA (plain here) is reached without the PBX's bundle
        emu_call = next(c for c in emu.calls if c.flows[0].rec_file)
        call = store.get_call("wx", emu_call.id)
        p = provider(account, emu)
        f = download_call(store, account, p, call, data_dir.media)[0]
        p.close()
        assert f.sha256 == hashlib.sha256(emu.audio(emu_call.flows[0])).hexdigest()
        bare = add_account(store, emu, name="no-bundle")
        p = provider(bare, emu)
        with pytest.raises(TlsError, match="ca_bundle"):
            download_call(store, bare, p, call, data_dir.media)
        p.close()


def test_emulate_describes_wda_pbx_and_secrets():
    (server,) = start_emulators(["wildix"], calls=5, faults=["429:times=1,retry_after=-1,path=/spoolview"])
    try:
        info = server.describe()
        assert info["provider"] == "wildix" and info["base_url"] == info["settings"]["wda_url"]
        assert info["settings"]["pbx_url"].startswith("http://127.0.0.1:") and info["settings"]["pbx_url"] != info["base_url"]
        assert info["secrets"]["api_key"].startswith("wsk-v1-") and len(info["secrets"]["api_key"]) == 100
        assert info["secrets"]["simple_token"]
        assert server.pbx.faults is server.faults  # one fault set for the three hosts
    finally:
        server.stop()
