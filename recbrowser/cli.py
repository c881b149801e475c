"""The headless command line (the contract in ARCHITECTURE.md). Exit 0 ok, 1 user error, 2 usage."""

from __future__ import annotations

import argparse
import gc
import importlib
import json
import logging
import shutil
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from recbrowser import __version__, cli_errors
from recbrowser.cli_args import MAX_LIMIT, check_range, iso_arg, query_first, whole_number
from recbrowser.errors import UserFacingError
from recbrowser.logs import setup_logging
from recbrowser.paths import data_dir, ensure
from recbrowser.startup import command_word, names_a_command
from recbrowser.store import CallFilter, Store, migrations

# The commands import their services themselves: plain `recbrowser`, which opens the window,
# then loads none of them before its first paint.
if TYPE_CHECKING:
    from recbrowser.services.sync import SyncProgress

log = logging.getLogger("recbrowser.cli")


class UsageError(Exception):
    pass


# Commands that live in their own modules: each has `register(subparsers)`, which adds its
# parser with `set_defaults(handler=fn)`; `fn(args, store, data_dir)` returns the exit status.
EXTENSIONS: tuple[str, ...] = ("recbrowser.cli_export", "recbrowser.cli_bandwidth", "recbrowser.cli_wildix",
                               "recbrowser.cli_dialgen", "recbrowser.cli_archive", "recbrowser.cli_audit")


def build_parser(commands: bool = True, command: str | None = None) -> argparse.ArgumentParser:
    """The command line's parser: with `commands`, the commands' parsers too; when `command` is
    one of the core commands, without the commands of EXTENSIONS (importing them, and the
    export service with them, is ~40 ms of every `recbrowser calls` in a script)."""
    p = argparse.ArgumentParser(prog="recbrowser", description="Call recordings and transcripts from five providers.")
    p.add_argument("--version", action="version", version=f"recbrowser {__version__}")
    p.add_argument("--data-dir", help="folder for the cache, media, settings and logs (or RECBROWSER_DATA_DIR)")
    p.add_argument("--demo", action="store_true", help="start the provider emulators and show their demo calls")
    p.add_argument("--screenshot", metavar="FILE.png", help="save a picture of the window once it shows calls, and quit")
    p.add_argument("--headless", action="store_true", help="with --demo: print the demo in the terminal, no window")
    p.add_argument("-v", "--verbose", action="store_true", help="log details to stderr")
    menu = p.add_mutually_exclusive_group()
    menu.add_argument("--install-desktop-entry", action="store_true",
                      help="add recbrowser to the desktop's application menu (Linux; for pip and pipx installs)")
    menu.add_argument("--uninstall-desktop-entry", action="store_true", help="remove that menu entry")
    if not commands:
        # Only options (the window, --version, --demo ...): no command parsers to build. Each
        # sub-parser looks up argparse's translations three times (~4 ms for the lot).
        p.set_defaults(command=None)
        p.error = lambda message: build_parser().error(message)  # a usage line that lists the commands
        return p
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    acc = sub.add_parser("accounts", help="add, list, remove or test provider accounts")
    acc_sub = acc.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = acc_sub.add_parser("add", help="add an account; secrets are read from stdin as one JSON object")
    add.add_argument("provider")
    add.add_argument("--name", required=True)
    add.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="a non-secret setting")
    add.add_argument("--secrets-stdin", action="store_true", help='read {"secret_name": "value"} from stdin')
    lst = acc_sub.add_parser("list", help="list accounts")
    lst.add_argument("--json", action="store_true")
    for action in ("remove", "test"):
        acc_sub.add_parser(action, help=f"{action} an account").add_argument("name")

    s = sub.add_parser("sync", help="fetch new calls and transcripts into the local cache")
    s.add_argument("--account")
    s.add_argument("--since", type=iso_arg)
    s.add_argument("--until", type=iso_arg)

    c = sub.add_parser("calls", help="list cached calls, newest first")
    c.add_argument("--account")
    c.add_argument("--since", type=iso_arg)
    c.add_argument("--until", type=iso_arg)
    c.add_argument("--number", help="part of the caller's or callee's number")
    c.add_argument("--direction", choices=["inbound", "outbound", "internal"])
    c.add_argument("--status")
    c.add_argument("--has-audio", action=argparse.BooleanOptionalAction, default=None)
    c.add_argument("--has-transcript", action=argparse.BooleanOptionalAction, default=None)
    c.add_argument("--limit", type=whole_number(1, MAX_LIMIT, 50), default=50)
    c.add_argument("--json", action="store_true")

    q = sub.add_parser("search", help='search transcripts and summaries: words, "a phrase", pric*, -word, a OR b')
    q.add_argument("query", nargs="*", help="what to look for; a word starting with '-' excludes that word")
    q.add_argument("--query", action="append", dest="query_words", default=[], help=argparse.SUPPRESS)
    q.add_argument("--account")
    q.add_argument("--limit", type=whole_number(1, MAX_LIMIT, 20), default=20)
    q.add_argument("--json", action="store_true")

    sh = sub.add_parser("show", help="show one call with its transcript")
    sh.add_argument("call", metavar="CALL")
    sh.add_argument("--json", action="store_true")

    d = sub.add_parser("download", help="download calls' recordings into the media cache")
    d.add_argument("calls", nargs="+", metavar="CALL")
    d.add_argument("--to", metavar="DIR", help="also copy the files into DIR")

    e = sub.add_parser("emulate", help="run provider emulators on 127.0.0.1 until interrupted")
    e.add_argument("--provider", action="append", dest="providers", metavar="NAME")
    e.add_argument("--calls", type=whole_number(0, 100_000, 40), default=40)
    e.add_argument("--fault", action="append", default=[], metavar="SPEC", dest="faults")

    if command not in sub.choices:  # help, an extension's command, or a typo (its error lists them all)
        for module in EXTENSIONS:
            importlib.import_module(module).register(sub)
    return p


def _command_parser(parser: argparse.ArgumentParser, name: str | None) -> argparse.ArgumentParser:
    """The parser of command `name` (its usage line is the one to show), else `parser`."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction) and name in action.choices:
            return action.choices[name]
    return parser


def _search_words(argv: list[str], search: argparse.ArgumentParser) -> list[str]:
    """argv with the words of a `search` query marked as such (see cli_args.query_first)."""
    at = next(i for i in range(len(argv)) if command_word(argv[: i + 1]) == "search")
    options = {o: a.nargs != 0 for o, a in search._option_string_actions.items() if o != "--query"}
    return argv[: at + 1] + query_first(argv[at + 1:], options)


def parse(argv: list[str]) -> argparse.Namespace:
    """The parsed command line; bad usage exits 2 with the command's usage and one sentence."""
    word = command_word(argv)
    parser = build_parser(commands=names_a_command(argv), command=word)
    command = _command_parser(parser, word)
    args = parser.parse_args(_search_words(argv, command) if word == "search" and command is not parser else argv)
    check_range(command, args)
    if args.command == "search":
        args.query = " ".join([*args.query, *args.query_words]).strip()
        if not args.query:
            command.error("type something to look for, e.g. recbrowser search refund")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    for arg in argv:
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:  # bytes the terminal's encoding could not read (surrogate escapes)
            print(f"recbrowser: the argument {ascii(arg)} is not valid UTF-8 text; retype it.", file=sys.stderr)
            return 2
    args = parse(argv)
    if not (args.demo or args.command is None):
        gc.enable()  # off for a window's start-up only (recbrowser/__main__.py)
    dd = data_dir(args.data_dir)
    try:
        if args.install_desktop_entry or args.uninstall_desktop_entry:
            from recbrowser import desktop_entry

            print(desktop_entry.install() if args.install_desktop_entry else desktop_entry.uninstall())
            return 0
        if args.command == "emulate":
            setup_logging(None, verbose=args.verbose)
            return cmd_emulate(args)
        ensure(dd)
        setup_logging(dd.logs, verbose=args.verbose)
        if args.demo or args.command is None:
            from recbrowser.demo import run_window_or_demo

            return run_window_or_demo(args, dd)
        migrations.announce(dd.database, lambda line: print(line, file=sys.stderr, flush=True))
        with Store.open(dd.database) as store:
            handler = getattr(args, "handler", None) or COMMANDS[args.command]
            return handler(args, store, dd)
    except UserFacingError as e:
        print(f"recbrowser: {e}", file=sys.stderr)
        return 1
    except UsageError as e:
        print(f"recbrowser: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\nrecbrowser: interrupted; what was saved is kept, run the command again to continue.", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `recbrowser calls | head`
        return cli_errors.output_closed()
    except Exception as e:  # noqa: BLE001 - the last line of defence: one sentence, details in the log
        return cli_errors.report(e, dd.database)


def cmd_accounts(args, store: Store, dd) -> int:
    from recbrowser.services import accounts as account_service

    if args.action == "add":
        settings = {}
        for item in args.set:
            key, sep, value = item.partition("=")
            if not sep:
                raise UsageError(f"--set {item!r}: use KEY=VALUE")
            settings[key.strip()] = value
        secrets = _read_secrets() if args.secrets_stdin else {}
        account = account_service.add_account(store, args.provider, args.name, settings, secrets)
        print(f"Added {account.provider} account '{account.name}'; its secrets are in the system keyring.")
    elif args.action == "list":
        accounts = store.accounts()
        if args.json:
            print(json.dumps({"accounts": [{"name": a.name, "provider": a.provider, "settings": a.settings} for a in accounts]}))
        elif not accounts:
            print("No accounts yet: add one with `recbrowser accounts add PROVIDER --name NAME ...`.")
        else:
            for a in accounts:
                print(f"{a.name}\t{a.provider}\t{a.settings.get('base_url', '')}")
    elif args.action == "remove":
        account_service.remove_account(store, args.name)
        print(f"Removed account '{args.name}', its cached calls and its keyring entry (downloaded media files are kept).")
    elif args.action == "test":
        account = account_service.get_account(store, args.name)
        provider = open_signed_in(account)
        try:
            print(provider.test_credentials())
        finally:
            provider.close()
    return 0


def _read_secrets() -> dict[str, str]:
    try:
        raw = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read()
        text = raw.decode("utf-8-sig") if isinstance(raw, bytes) else raw
        text.encode("utf-8")  # no lone surrogates (text read with surrogateescape)
    except UnicodeError:
        # Not shown: the bytes are (part of) a secret.
        raise UsageError("--secrets-stdin: the secrets are not valid UTF-8 text; save them as UTF-8 and try again") from None
    try:
        data = json.loads(text or "{}")
    except ValueError:
        raise UsageError('--secrets-stdin expects one JSON object, e.g. {"client_secret": "..."}') from None
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise UsageError('--secrets-stdin expects one JSON object of strings, e.g. {"client_secret": "..."}')
    return data


def cmd_sync(args, store: Store, dd) -> int:
    from recbrowser.services import accounts as account_service
    from recbrowser.services.sync import sync_accounts

    accounts = [account_service.get_account(store, args.account)] if args.account else store.accounts()
    if not accounts:
        raise UserFacingError("No accounts yet: add one with `recbrowser accounts add PROVIDER --name NAME ...`.")
    bar = ProgressLine()

    def progress(p: SyncProgress) -> None:
        bar.show(f"{p.account}: {p.page} - {p.calls} calls, {p.new} new")

    results = sync_accounts(
        store, accounts, open_signed_in, since_ms=args.since, until_ms=args.until, progress=progress
    )
    bar.done()
    failed = 0
    for r in results:
        if r.error:
            failed += 1
            print(f"recbrowser: {r.error}", file=sys.stderr)
        else:
            print(f"{r.account}: {r.calls} calls synced, {r.new} new.")
    return 1 if failed else 0


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


def cmd_calls(args, store: Store, dd) -> int:
    from recbrowser.cli_format import calls_table, row_json
    from recbrowser.services import accounts as account_service

    if args.account:
        account_service.get_account(store, args.account)
    f = CallFilter(
        account=args.account,
        since_ms=args.since,
        until_ms=args.until,
        number=args.number,
        direction=args.direction,
        status=args.status,
        has_audio=args.has_audio,
        has_transcript=args.has_transcript,
    )
    rows, _ = store.list_calls(f, limit=max(1, args.limit))
    if args.json:
        print(json.dumps({"total": store.count_calls(f), "calls": [row_json(r) for r in rows]}, ensure_ascii=False))
    elif not rows:
        print("No calls match." if store.accounts() else "No accounts yet: add one with `recbrowser accounts add`.")
    else:
        print(calls_table(rows))
    return 0


def cmd_search(args, store: Store, dd) -> int:
    from recbrowser.cli_format import hit_json, hits_text

    hits = store.search(args.query, account=args.account, limit=max(1, args.limit))
    if args.json:
        print(json.dumps({"query": args.query, "hits": [hit_json(h) for h in hits]}, ensure_ascii=False))
    elif not hits:
        print(f"Nothing said matches {args.query!r}.")
    else:
        print(hits_text(hits))
    return 0


def _load_call(store: Store, ref: str):
    from recbrowser.domain import parse_call_ref

    try:
        account_name, provider_id = parse_call_ref(ref)
    except ValueError as e:
        raise UserFacingError(str(e)) from None
    call = store.get_call(account_name, provider_id)
    if call is None:
        raise UserFacingError(f"No call {ref} in the cache; `recbrowser calls` lists the refs.")
    return account_name, call


def cmd_show(args, store: Store, dd) -> int:
    from recbrowser.cli_format import call_json, call_text

    account_name, call = _load_call(store, args.call)
    media = store.media_for_call(account_name, call.provider_id)
    if args.json:
        notes = store.notes(account_name, call.provider_id)
        print(json.dumps(call_json(account_name, call, media, notes), ensure_ascii=False, default=str))
    else:
        print(call_text(account_name, call, media))
    return 0


def cmd_download(args, store: Store, dd) -> int:
    from recbrowser.services import accounts as account_service
    from recbrowser.services.downloads import download_call

    target = Path(args.to).expanduser() if args.to else None
    if target:
        target.mkdir(parents=True, exist_ok=True)
    failed = 0
    providers: dict[str, object] = {}
    try:
        for ref in args.calls:
            try:
                account_name, call = _load_call(store, ref)
                account = account_service.get_account(store, account_name)
                if account_name not in providers:
                    providers[account_name] = account_service.open_provider(account)
                files = download_call(store, account, providers[account_name], call, dd.media)
            except UserFacingError as e:
                failed += 1
                print(f"recbrowser: {ref}: {e}", file=sys.stderr)
                continue
            for f in files:
                path = f.path
                if target:
                    path = target / f.path.name
                    shutil.copy2(f.path, path)
                state = "downloaded" if f.fresh else "already in the cache"
                print(f"{ref}\t{path}\t{f.size} bytes\t{state}")
    finally:
        for p in providers.values():
            p.close()
    files, size = store.media_totals()
    noun = "recording" if files == 1 else "recordings"
    print(f"Media cache: {files:,} {noun}, {size / 1_048_576:,.1f} MB in {dd.media}", file=sys.stderr)
    return 1 if failed else 0


def cmd_emulate(args) -> int:
    from recbrowser.emulators import start_emulators

    try:
        servers = start_emulators(args.providers or ["yeastar"], args.calls, args.faults)
    except ValueError as e:  # an unknown provider or a fault spec we cannot read
        raise UsageError(str(e)) from None
    try:
        print(json.dumps({"emulators": [s.describe() for s in servers]}), flush=True)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        return 0
    finally:
        for s in servers:
            s.stop()


COMMANDS = {
    "accounts": cmd_accounts,
    "sync": cmd_sync,
    "calls": cmd_calls,
    "search": cmd_search,
    "show": cmd_show,
    "download": cmd_download,
}
