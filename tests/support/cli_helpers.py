"""Driving `recbrowser` in-process as a user would, shared by every CLI test."""

from __future__ import annotations

import io
import json
import sys

from recbrowser.cli import main


def run(capsys, *args, stdin: str | None = None, monkeypatch=None):
    """Run one command; returns (exit status, stdout, stderr). `stdin` feeds --secrets-stdin."""
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def set_args(settings: dict[str, str]) -> list[str]:
    """`--set KEY=VALUE` for each account setting (an emulator's `account_settings()`)."""
    return [x for k, v in settings.items() for x in ("--set", f"{k}={v}")]


def add_account(capsys, monkeypatch, emu, name):
    settings = emu.account_settings()
    sets = set_args(settings)
    return run(capsys, "accounts", "add", "yeastar", "--name", name, *sets, "--secrets-stdin",
               stdin=json.dumps(emu.secrets()), monkeypatch=monkeypatch)
