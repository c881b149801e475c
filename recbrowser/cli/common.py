"""What the command modules share: the usage error, date arguments, the progress line, signing
in on the terminal, and looking up a call by its ref."""

from __future__ import annotations

import json
import shutil
import sys
import time
from typing import TYPE_CHECKING

from recbrowser.errors import UserFacingError

if TYPE_CHECKING:
    from recbrowser.store.api import CallStore


class UsageError(Exception):
    """Bad usage: one sentence on stderr, exit status 2."""


def read_secrets() -> dict[str, str]:
    try:
        data = json.loads(stdin_text() or "{}")
    except ValueError:
        raise UsageError('--secrets-stdin expects one JSON object, e.g. {"client_secret": "..."}') from None
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise UsageError('--secrets-stdin expects one JSON object of strings, e.g. {"client_secret": "..."}')
    return data


def stdin_text() -> str:
    """What stdin holds, as text: the bytes decoded as UTF-8 (a BOM allowed), whatever the
    terminal's encoding; bytes that are not UTF-8 are a usage error that never shows them."""
    try:
        raw = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read()
        text = raw.decode("utf-8-sig") if isinstance(raw, bytes) else raw
        text.encode("utf-8")  # no lone surrogates (text read with surrogateescape)
    except UnicodeError:
        # Not shown: the bytes are (part of) a secret.
        raise UsageError("--secrets-stdin: the secrets are not valid UTF-8 text; save them as UTF-8 and try again") from None
    return text


class ProgressLine:
    """Progress on stderr: one self-rewriting line on a terminal (at most 10 updates a second),
    plain lines at most once a second otherwise (a log file or CI stays readable)."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self.last = 0.0
        self.dirty = False

    def show(self, text: str, *, final: bool = False) -> None:
        now = time.monotonic()
        if not final and now - self.last < (0.1 if self.tty else 1.0):
            return
        self.last = now
        if self.tty:
            width = shutil.get_terminal_size().columns - 1
            sys.stderr.write("\r" + text[:width].ljust(width))
            self.dirty = True
        else:
            sys.stderr.write(text + "\n")
        sys.stderr.flush()

    def done(self) -> None:
        if self.dirty:
            sys.stderr.write("\n")


def open_signed_in(account):
    """Open the account's connector; where it signs in with two-factor (Voki) and cannot compute
    the code itself, ask for the code on the terminal once, before any work starts."""
    from recbrowser.services import accounts as account_service

    provider = account_service.open_provider(account)
    sign_in = getattr(provider, "sign_in", None)
    if sign_in is None:
        return provider
    try:
        sign_in()
    except UserFacingError as e:
        if not getattr(e, "needs_code", False) or not sys.stdin.isatty():
            provider.close()
            raise
        code = input(f"{e}\nCode for account '{account.name}': ").strip()
        try:
            provider.verify_code(code)
        except BaseException:
            provider.close()
            raise
    return provider


def load_call(store: CallStore, ref: str):
    from recbrowser.domain import parse_call_ref

    try:
        account_name, provider_id = parse_call_ref(ref)
    except ValueError as e:
        raise UserFacingError(str(e)) from None
    call = store.get_call(account_name, provider_id)
    if call is None:
        from recbrowser.team.accounts import no_such_call

        raise UserFacingError(no_such_call(store, ref))
    return account_name, call
