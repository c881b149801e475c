"""An account's CA bundle is trusted on top of the system's certificates, not instead of them."""

from __future__ import annotations

import pytest
from support.certs import make_self_signed
from support.loopback import LoopbackServer, reply

from recbrowser.errors import TlsError
from recbrowser.providers.http import HttpClient

AUDIO = b"ID3" + bytes(range(256)) * 40


def test_a_pbx_with_its_own_ca_can_redirect_a_recording_to_a_publicly_trusted_server(tmp_path, monkeypatch):
    (tmp_path / "cloud").mkdir()
    (tmp_path / "pbx").mkdir()
    cloud_tls, public_ca = make_self_signed(tmp_path / "cloud", "test public CA")  # stands for a public CA: in the system's store
    pbx_tls, pbx_ca = make_self_signed(tmp_path / "pbx", "test PBX")  # the on-prem PBX's own certificate: the account's bundle
    monkeypatch.setenv("SSL_CERT_FILE", public_ca)  # OpenSSL's system store, read when a context is made

    with LoopbackServer(lambda h, n: reply(h, 200, AUDIO, {"Content-Type": "audio/mpeg"}), tls=cloud_tls) as cloud:
        def pbx_answer(h, n):
            reply(h, 302, b"", {"Location": cloud.url("/bucket/rec-1.mp3?X-Amz-Signature=abc")})

        with LoopbackServer(pbx_answer, tls=pbx_tls) as pbx:
            client = HttpClient(provider="Yeastar P-Series", account="hq", ca_bundle=pbx_ca, per_host_rate=0)
            with client.stream("GET", pbx.url("/api/recording/1"),
                               headers={"Authorization": "Bearer pbx-token"}) as resp:
                assert resp.status_code == 200 and resp.read() == AUDIO
            assert len(pbx.seen) == 1 and len(cloud.seen) == 1
            assert "authorization" not in cloud.seen[0].headers  # another origin: no credentials

            # Each of the two is trusted for what it vouches for: the PBX only through the bundle.
            with pytest.raises(TlsError) as err:
                HttpClient(provider="Yeastar P-Series", account="hq", per_host_rate=0, retries=0).get_json(pbx.url("/x"))
            assert "system's trusted certificates" in str(err.value)
