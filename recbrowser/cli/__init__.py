"""The command line (the contract in ARCHITECTURE.md): the parser, and `main`, which runs a
command or opens the window. Exit 0 ok, 1 user error, 2 usage.

One module per command group, each with `register(subparsers)`, which adds its parsers with
`set_defaults(handler=fn)`; `fn(args, store, data_dir)` returns the exit status (`emulate`'s
takes the arguments only: it needs no cache). Shared helpers are in common.py.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence

from recbrowser import __version__
from recbrowser.cli.args import check_range, query_first
from recbrowser.cli.common import UsageError
from recbrowser.errors import UserFacingError
from recbrowser.logs import setup_logging
from recbrowser.paths import DataDir, data_dir, ensure
from recbrowser.startup import collector_on, command_word, names_a_command
from recbrowser.store import opener

# The commands import their services themselves: plain `recbrowser`, which opens the window,
# then loads none of them (and no command module) before its first paint.

log = logging.getLogger("recbrowser.cli")

# The core commands, in the order `recbrowser --help` lists them: small modules, loaded for any command.
CORE: tuple[str, ...] = ("recbrowser.cli.accounts", "recbrowser.cli.sync", "recbrowser.cli.calls",
                         "recbrowser.cli.download", "recbrowser.cli.emulate")
CORE_COMMANDS = frozenset({"accounts", "sync", "calls", "search", "show", "download", "emulate"})
# The other command groups: loaded only when the command line names none of the core commands.
EXTENSIONS: tuple[str, ...] = ("recbrowser.cli.export", "recbrowser.cli.bandwidth", "recbrowser.cli.imports",
                               "recbrowser.cli.archive", "recbrowser.cli.audit", "recbrowser.cli.team",
                               "recbrowser.cli.report")


def build_parser(commands: bool = True, command: str | None = None) -> argparse.ArgumentParser:
    """The command line's parser: with `commands`, the commands' parsers too; when `command` is
    one of the core commands, without the commands of EXTENSIONS (importing them, and the
    export service with them, is ~40 ms of every `recbrowser calls` in a script)."""
    p = argparse.ArgumentParser(prog="recbrowser", description="Call recordings and transcripts from five providers.")
    p.add_argument("--version", action="version", version=f"recbrowser {__version__}")
    p.add_argument("--data-dir", help="folder for the cache, media, settings and logs (or RECBROWSER_DATA_DIR)")
    p.add_argument("--team", metavar="NAME", help="use the team archive of this profile (or RECBROWSER_TEAM); see `team connect`")
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

    for module in CORE:
        importlib.import_module(module).register(sub)
    if command not in CORE_COMMANDS:  # help, an extension's command, or a typo (its error lists them all)
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
    """argv with the words of a `search` query marked as such (see args.query_first)."""
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
        collector_on()  # off for a window's start-up only (recbrowser/startup.py)
    dd = data_dir(args.data_dir)
    try:
        if args.install_desktop_entry or args.uninstall_desktop_entry:
            from recbrowser import desktop_entry

            print(desktop_entry.install() if args.install_desktop_entry else desktop_entry.uninstall())
            return 0
        if args.command == "emulate":
            setup_logging(None, verbose=args.verbose)
            return args.handler(args)
        ensure(dd)
        setup_logging(dd.logs, verbose=args.verbose)
        if getattr(args, "without_archive", False):  # team init|connect|list|remove: no archive to open
            return args.handler(args, None, dd)
        if team := args.team or os.environ.get("RECBROWSER_TEAM"):  # the team archive replaces the cache
            from recbrowser.team.opener import use_team

            dd = use_team(dd, team)
        if args.demo or args.command is None:
            return window_or_demo(args, dd)
        archive = opener(dd.database)
        archive.announce_update(lambda line: print(line, file=sys.stderr, flush=True))
        with archive.open() as store:
            return args.handler(args, store, dd)
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
        from recbrowser.cli.errors import output_closed

        return output_closed()
    except Exception as e:  # noqa: BLE001 - the last line of defence: one sentence, details in the log
        from recbrowser.cli.errors import report

        return report(e, dd.database)


def window_or_demo(args: argparse.Namespace, dd: DataDir) -> int:
    """`recbrowser` opens the window; `--demo` opens it on the emulators in a throwaway cache.

    With no display (a server, an SSH session) the demo prints to the terminal instead.
    """
    from recbrowser.startup import has_display

    if args.demo and not args.data_dir:
        from recbrowser.demo.setup import throwaway_data_dir

        dd = throwaway_data_dir()
    if args.headless or (args.demo and not args.screenshot and not has_display()):
        if not args.demo:
            print("recbrowser: --headless goes with --demo; the other commands are headless already.", file=sys.stderr)
            return 2
        if not args.headless:
            print("No display found: showing the demo in the terminal instead of the window.\n")
        collector_on()  # off only for a window's start-up (recbrowser/startup.py)
        from recbrowser.demo.terminal import run_terminal_demo

        return run_terminal_demo(dd)
    if not has_display():
        print("recbrowser: no display found to open the window on; see `recbrowser --help` for the commands.",
              file=sys.stderr)
        return 1
    # Counted while the window's modules load (~100 ms of imports): the list has its size at once.
    first_count = opener(dd.database).count_first()
    from recbrowser.ui.window.app import run_window

    return run_window(dd, demo=args.demo, screenshot=args.screenshot, first_count=first_count)


def render_report_png(report, title: str, path) -> None:
    """`report --to FILE.png`: the charts drawn by QtCharts offscreen (ui/overview/report_chart.py).
    Here because the launcher is the one module outside ui/ that may import it."""
    from recbrowser.ui.overview.report_chart import save_report_png

    save_report_png(report, title, path)
