"""Which certificates an account trusts: the system's, plus the account's own CA bundle.

An on-prem PBX with a self-signed certificate needs that certificate (the account's
`ca_bundle`), but the same account also reaches public servers: a PBX may redirect a recording
to cloud storage (S3) whose certificate only the system's store vouches for. So the bundle is
loaded on top of the system's certificates, never instead of them. Where the system store is
empty to OpenSSL (a Python built without one, some packaged apps), certifi's bundle stands in.
"""

from __future__ import annotations

import ssl


def trust(ca_bundle: str | None = None) -> ssl.SSLContext:
    """A verifying client context; OSError or ssl.SSLError for a bundle that cannot be read."""
    ctx = ssl.create_default_context()  # the system's store (and SSL_CERT_FILE / SSL_CERT_DIR)
    if not ctx.cert_store_stats().get("x509_ca"):
        try:
            import certifi

            ctx.load_verify_locations(cafile=certifi.where())
        except (ImportError, OSError, ssl.SSLError):
            pass  # the system's capath may still hold them (loaded on demand, so not counted)
    if ca_bundle:
        ctx.load_verify_locations(cafile=ca_bundle)
    return ctx
