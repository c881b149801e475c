"""Secret redaction shared by the HTTP client, exceptions and every log handler.

A process-wide registry holds the secrets seen so far (client secrets, tokens, API keys); on
top of it, query parameters and headers that carry credentials by name are masked even when
the value was never registered (a token the PBX just issued, a signed S3 URL).
"""

from __future__ import annotations

import logging
import re
import threading
from functools import cache
from urllib.parse import quote, quote_plus

MASK = "***"

# Shorter values are not registered: masking every "ab" in a log would destroy it and
# would not hide a two-letter secret anyway.
MIN_SECRET_LEN = 4

SENSITIVE_PARAMS = (
    "access_token", "refresh_token", "id_token", "token", "api_key", "apikey", "key", "password", "passwd",
    "pass", "secret", "client_secret", "signature", "sig", "auth", "authorization", "session", "sessionid",
    "x-amz-signature", "x-amz-credential", "x-amz-security-token", "x-goog-signature", "x-goog-credential",
)


@cache
def _patterns() -> tuple[re.Pattern[str], ...]:
    """Compiled with the first text redacted, not at import: ~1.5 ms of every start-up, and
    the window logs nothing before its first paint."""
    names = "|".join(re.escape(n) for n in sorted(SENSITIVE_PARAMS, key=len, reverse=True))
    value = r"[A-Za-z0-9._~+/=:-]{4,}"
    return (
        # user:password@ in a URL
        re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s@]+@"),
        # name=value in a query string or form body; the look-behind keeps "monkey=" or "x_token=" intact
        re.compile(rf"(?i)(?<![\w-])({names})=([^&\s#'\"<>]*)"),
        # "name": "value" in JSON text (request bodies or answers echoed in a log line)
        re.compile(rf"(?i)(\"(?:{names})\"\s*:\s*\")((?:[^\"\\]|\\.)*)(\")"),
        # Authorization header values: "Bearer x", "Authorization: Basic x"; not prose ("basic setup")
        re.compile(rf"(?i)\b((?:proxy-)?authorization[\"']?\s*[:=]\s*[\"']?(?:[A-Za-z]+\s+)?){value}"),
        re.compile(rf"(?i)\b(bearer\s+){value}"),
    )


_lock = threading.Lock()
_secrets: set[str] = set()
_ordered: tuple[str, ...] = ()


def register_secret(value: str | None) -> None:
    """Mask `value` (and its URL-encoded forms) in everything redacted from now on."""
    global _ordered
    if not value or len(value) < MIN_SECRET_LEN:
        return
    forms = {value, quote(value, safe=""), quote_plus(value, safe="")}
    with _lock:
        if forms <= _secrets:
            return
        _secrets.update(f for f in forms if len(f) >= MIN_SECRET_LEN)
        # Longest first, so a secret that contains another is masked whole.
        _ordered = tuple(sorted(_secrets, key=len, reverse=True))


def forget_secrets() -> None:
    """Empty the registry (tests start each case clean, as a new process would)."""
    global _ordered
    with _lock:
        _secrets.clear()
        _ordered = ()


def redact_text(text: str) -> str:
    """`text` with every registered secret and every credential-bearing parameter masked."""
    if not text:
        return text
    for secret in _ordered:
        if secret in text:
            text = text.replace(secret, MASK)
    userinfo, param, json_field, auth, bearer = _patterns()
    text = userinfo.sub(lambda m: f"{m.group(1)}{MASK}@", text)
    text = param.sub(lambda m: f"{m.group(1)}={MASK}" if m.group(2) else m.group(0), text)
    text = json_field.sub(lambda m: f"{m.group(1)}{MASK}{m.group(3)}", text)
    text = auth.sub(lambda m: f"{m.group(1)}{MASK}", text)
    return bearer.sub(lambda m: f"{m.group(1)}{MASK}", text)


class RedactingFilter(logging.Filter):
    """Install on a handler: every record it emits is redacted (message, args, traceback)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not hide the record, nor leak its args
            message = f"{record.msg!s} (unformattable arguments)"
        record.msg = redact_text(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact_text(record.exc_text)
        if record.stack_info:
            record.stack_info = redact_text(record.stack_info)
        return True


# Libraries that log URLs themselves: httpx logs every request URL (with Yeastar's access_token)
# at INFO, httpcore logs response headers (Location) at DEBUG.
LIBRARY_LOGGERS = ("httpx", "httpcore.connection", "httpcore.http11", "httpcore.http2", "httpcore.proxy", "httpcore.socks")


def protect_library_loggers() -> None:
    """Redact those libraries' records at the source, whatever handlers the app or a test installs."""
    for name in LIBRARY_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(RedactingFilter())
