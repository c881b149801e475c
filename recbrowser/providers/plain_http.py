"""Plain http only to this computer: a provider's secrets and recordings never travel in clear.

The emulators (and a developer's own test server) listen on loopback, where nothing crosses a
network; everything else must be https. accounts add refuses such an address, and the HTTP
layer refuses to send to one (an account stored or edited before the rule, or a provider
answer that points there).
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 or the name localhost (which resolves to them)."""
    host = host.strip("[]").rstrip(".").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def in_clear(url: str) -> bool:
    """Whether `url` is plain http to another computer (refused: secrets would travel in clear)."""
    try:
        parts = urlsplit(url.strip())
        return parts.scheme.lower() == "http" and not is_loopback(parts.hostname or "")
    except ValueError:
        return False


def refusal(url: str) -> str:
    """The sentence's reason, for `url` (shown without its query or user part)."""
    try:
        parts = urlsplit(url.strip())
        host = f"[{parts.hostname}]" if ":" in (parts.hostname or "") else parts.hostname
        shown = f"http://{host}{f':{parts.port}' if parts.port else ''}"
    except ValueError:
        shown = "a plain http:// address"
    return (f"{shown} is not encrypted, and recbrowser sends account secrets and recordings only over https "
            "(plain http only to this computer: localhost, 127.0.0.1 or ::1), so use its https:// address")
