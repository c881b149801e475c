"""`recbrowser calls`, `search` and `show`: reading the cache."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from recbrowser.cli.args import MAX_LIMIT, iso_arg, percent, whole_number
from recbrowser.cli.common import load_call
from recbrowser.store import CallFilter

if TYPE_CHECKING:
    from recbrowser.store.api import CallStore


def register(sub: argparse._SubParsersAction) -> None:
    c = sub.add_parser("calls", help="list cached calls, newest first")
    c.add_argument("--account")
    c.add_argument("--since", type=iso_arg)
    c.add_argument("--until", type=iso_arg)
    c.add_argument("--number", help="part of the caller's or callee's number")
    c.add_argument("--direction", choices=["inbound", "outbound", "internal"])
    c.add_argument("--status")
    c.add_argument("--has-audio", action=argparse.BooleanOptionalAction, default=None)
    c.add_argument("--has-transcript", action=argparse.BooleanOptionalAction, default=None)
    c.add_argument("--silence-over", type=percent, metavar="PERCENT",
                   help="calls whose silence is over this share of the recording (conversation figures)")
    c.add_argument("--agent-talk-over", type=percent, metavar="PERCENT",
                   help="calls where the agent speaks over this share of the talk time")
    c.add_argument("--limit", type=whole_number(1, MAX_LIMIT, 50), default=50)
    c.add_argument("--json", action="store_true")
    c.set_defaults(handler=cmd_calls)

    q = sub.add_parser("search", help='search transcripts and summaries: words, "a phrase", pric*, -word, a OR b')
    q.add_argument("query", nargs="*", help="what to look for; a word starting with '-' excludes that word")
    q.add_argument("--query", action="append", dest="query_words", default=[], help=argparse.SUPPRESS)
    q.add_argument("--account")
    q.add_argument("--limit", type=whole_number(1, MAX_LIMIT, 20), default=20)
    q.add_argument("--json", action="store_true")
    q.set_defaults(handler=cmd_search)

    sh = sub.add_parser("show", help="show one call with its transcript")
    sh.add_argument("call", metavar="CALL")
    sh.add_argument("--json", action="store_true")
    sh.set_defaults(handler=cmd_show)


def cmd_calls(args, store: CallStore, dd) -> int:
    from recbrowser.cli.format import calls_table, row_json
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
        silence_over=args.silence_over,
        agent_talk_over=args.agent_talk_over,
    )
    from recbrowser.services.media_check import listed_states

    rows, _ = store.list_calls(f, limit=max(1, args.limit))
    files = listed_states(store, rows)  # a download whose file is gone or changed size
    if args.json:
        print(json.dumps({"total": store.count_calls(f), "calls": [row_json(r, files) for r in rows]}, ensure_ascii=False))
    elif not rows:
        print("No calls match." if store.accounts() else "No accounts yet: add one with `recbrowser accounts add`.")
    else:
        print(calls_table(rows, files))
    return 0


def cmd_search(args, store: CallStore, dd) -> int:
    from recbrowser.cli.format import hit_json, hits_text

    hits = store.search(args.query, account=args.account, limit=max(1, args.limit))
    if args.json:
        print(json.dumps({"query": args.query, "hits": [hit_json(h) for h in hits]}, ensure_ascii=False))
    elif not hits:
        print(f"Nothing said matches {args.query!r}.")
    else:
        print(hits_text(hits))
    return 0


def cmd_show(args, store: CallStore, dd) -> int:
    from recbrowser.cli.format import call_json, call_text
    from recbrowser.services import conversation, media_check

    account_name, call = load_call(store, args.call)
    from recbrowser.team.media_cache import desktop_copies

    media = desktop_copies(store, dd.media, account_name, call)
    states = {m.recording_provider_id: media_check.state(m) for m in media}  # reads each file: its SHA-256
    figures = conversation.kept_figures(store, account_name, call.provider_id)
    if any(s == media_check.OK for s in states.values()) and (figures is None or not figures.from_audio):
        # Downloaded since the figures were made: the silence now comes from the audio (peaks kept).
        figures = conversation.refresh_from_audio(store, account_name, call, dd.peaks, media) or figures
    if args.json:
        notes = store.notes(account_name, call.provider_id)
        print(json.dumps(call_json(account_name, call, media, notes, states, figures), ensure_ascii=False, default=str))
    else:
        print(call_text(account_name, call, media, states, figures, elsewhere=_elsewhere(store, account_name, call)))
    return 0


def _elsewhere(store: CallStore, account_name: str, call) -> dict[str, str]:
    """Where a recording this computer has no copy of is: on a team archive, in its object
    storage or not yet there (the serving hosts fetch it); else at the provider (call_text)."""
    from recbrowser.team.accounts import is_team_archive

    if not is_team_archive(store):
        return {}
    archived = {m.recording_provider_id for m in store.media_for_call(account_name, call.provider_id)}
    return {r.provider_id: "in the team archive" if r.provider_id in archived else "not in the team archive yet"
            for r in call.recordings}
