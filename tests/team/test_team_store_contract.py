"""PgStore against the SQLite Store on the same synced calls: the five emulators are synced
into both (the real sync, over loopback), and every read a user sees must give the same answer."""

from __future__ import annotations

import json
import re
import time
import uuid
from dataclasses import asdict
from datetime import UTC

import psycopg
import pytest
from psycopg import sql

from recbrowser.cli.format import call_text, row_json
from recbrowser.domain import Account
from recbrowser.emulators import EMULATORS, start_emulators
from recbrowser.services.accounts import open_provider
from recbrowser.services.conversation import kept_figures
from recbrowser.services.export_manifest import call_metadata, local_data
from recbrowser.services.report import csv_text
from recbrowser.services.sync import sync_account
from recbrowser.store import CallFilter, Store
from recbrowser.store.calls import DELETED_MARK
from recbrowser.store.postgres import admin
from recbrowser.store.postgres.store import PgStore
from recbrowser.store.records import SORTS, SearchSyntaxError

CALLS = 40


def _sync_all(store, pairs, **kwargs):
    results = []
    for account, secrets in pairs:
        provider = open_provider(account, secrets)
        try:
            results.append(sync_account(store, account, provider, **kwargs))
        finally:
            provider.close()
    return results


def _add_accounts(store, servers):
    pairs = []
    for server in servers:
        info = server.describe()
        account = store.add_account(Account(name=f"Demo {info['provider']}", provider=info["provider"],
                                            settings=info["settings"]))
        pairs.append((account, info["secrets"]))
    return pairs


@pytest.fixture(scope="module")
def both(postgres_server, tmp_path_factory):
    """(SQLite Store, PgStore, pg url, pg pairs) holding the same five synced accounts."""
    name = f"contract_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(postgres_server.url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = postgres_server.url.rsplit("/", 1)[0] + "/" + name
    admin.init_archive(url)
    servers = start_emulators(sorted(EMULATORS), CALLS, [])
    lite = Store.open(tmp_path_factory.mktemp("lite") / "cache.sqlite3")
    pg = PgStore.open(url)
    try:
        for store in (lite, pg):
            results = _sync_all(store, _add_accounts(store, servers))
            assert all(r.ok for r in results), [r.error for r in results]
        yield lite, pg, url, _add_pairs(pg, servers)
    finally:
        pg.close()
        lite.close()
        for s in servers:
            s.stop()
        with psycopg.connect(postgres_server.url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


def _add_pairs(store, servers):
    return [(store.account(f"Demo {s.describe()['provider']}"), s.describe()["secrets"]) for s in servers]


def _walk(store, f: CallFilter, page: int = 7):
    rows, cursor = store.list_calls(f, limit=page)
    while cursor is not None:
        more, cursor = store.list_calls(f, after=cursor, limit=page)
        rows += more
    return rows


def test_both_stores_hold_the_same_accounts(both):
    lite, pg, _, _ = both
    strip = [(a.name, a.provider, a.settings) for a in lite.accounts()]
    assert strip == [(a.name, a.provider, a.settings) for a in pg.accounts()]
    assert len(strip) == len(EMULATORS)


@pytest.mark.parametrize("sort", SORTS)
@pytest.mark.parametrize("descending", [True, False])
def test_every_sort_pages_through_the_same_rows_in_the_same_order(both, sort, descending):
    lite, pg, _, _ = both
    f = CallFilter(sort=sort, descending=descending)
    expected = _walk(lite, f)
    assert len(expected) >= 4 * CALLS
    assert _walk(pg, f) == expected


@pytest.mark.parametrize("f", [
    CallFilter(direction="inbound"), CallFilter(status="missed"), CallFilter(has_audio=True),
    CallFilter(has_transcript=True), CallFilter(transcript_status="pending"), CallFilter(number="1"),
    CallFilter(account="Demo voki", sort="duration"), CallFilter(status="answered", sort="status", descending=False),
], ids=lambda f: ",".join(f"{k}={v}" for k, v in asdict(f).items() if v is not None and k not in ("sort", "descending")))
def test_filters_count_and_list_the_same_calls(both, f):
    lite, pg, _, _ = both
    assert pg.count_calls(f) == lite.count_calls(f)
    assert _walk(pg, f, page=5) == _walk(lite, f, page=5)


def test_queue_and_sentiment_filters_count_and_list_the_same_calls(both):
    lite, pg, _, _ = both
    rows = _walk(lite, CallFilter())
    queues, sentiments = {r.queue for r in rows} - {""}, {r.sentiment for r in rows} - {""}
    assert queues and sentiments  # the emulators' calls carry both (Wildix, Dialgen)
    filters = [CallFilter(queue=q) for q in queues] + [CallFilter(sentiment=s) for s in sentiments]
    filters += [CallFilter(queue=q, sort="duration", descending=False) for q in queues]
    filters += [CallFilter(sentiment=s, sort="account") for s in sentiments]
    for f in filters:
        expected = _walk(lite, f, page=3)
        assert expected and all(f.queue in (None, r.queue) and f.sentiment in (None, r.sentiment) for r in expected)
        assert pg.count_calls(f) == lite.count_calls(f) == len(expected)
        assert _walk(pg, f, page=3) == expected
    assert pg.count_calls(CallFilter(queue="no such queue")) == 0


def test_a_time_window_and_jumps_agree(both):
    lite, pg, _, _ = both
    rows = _walk(lite, CallFilter())
    since, until = rows[-30].start_ms, rows[10].start_ms
    f = CallFilter(since_ms=since, until_ms=until)
    assert pg.count_calls(f) == lite.count_calls(f) > 0
    for sort in ("start", "from", "account"):
        g = CallFilter(sort=sort)
        positions = range(0, len(rows) + 2, 17)
        lite_cursors, pg_cursors = lite.cursors_at(g, positions), pg.cursors_at(g, positions)
        assert [c is None for c in pg_cursors] == [c is None for c in lite_cursors]
        for lc, pc in zip(lite_cursors, pg_cursors, strict=True):
            if lc is not None:  # ids differ between stores: compare the page each cursor opens
                assert pg.list_calls(g, after=pc, limit=3)[0] == lite.list_calls(g, after=lc, limit=3)[0]


def _unsigned(value):
    """Signed download URLs carry the instant they were signed: each sync gets new ones."""
    if isinstance(value, dict):
        return {k: _unsigned(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unsigned(v) for v in value]
    return re.sub(r"\?.*(sig|signature|expires|token)=.*", "?(signed)", value, flags=re.I) if isinstance(value, str) else value


def _stable(call):
    call.raw = _unsigned(call.raw)
    for r in call.recordings:
        r.raw = _unsigned(r.raw)
    return call


def test_every_call_reads_back_whole_and_equal(both):
    lite, pg, _, _ = both
    for row in _walk(lite, CallFilter()):
        expected = _stable(lite.get_call(row.account, row.provider_id))
        assert _stable(pg.get_call(row.account, row.provider_id)) == expected, row.ref
        assert pg.call_legs(row.account, row.provider_id) == lite.call_legs(row.account, row.provider_id)
        assert pg.call_row(row.account, row.provider_id) == lite.call_row(row.account, row.provider_id)


def test_calls_json_show_and_the_export_manifest_print_the_same_from_both(both):
    lite, pg, _, _ = both
    providers = {a.name: a.provider for a in lite.accounts()}
    ordered = figured = 0
    for row in _walk(lite, CallFilter()):
        pg_row = pg.call_row(row.account, row.provider_id)
        listed, pg_listed = row_json(row), row_json(pg_row)
        assert json.dumps(pg_listed) == json.dumps(listed), row.ref  # calls --json, key order too, figures too
        figured += listed["conversation"] is not None
        call, pg_call = (_stable(s.get_call(row.account, row.provider_id)) for s in (lite, pg))
        figures = [kept_figures(s, row.account, row.provider_id) for s in (lite, pg)]
        assert call_text(row.account, pg_call, [], figures=figures[1]) == call_text(
            row.account, call, [], figures=figures[0]), row.ref  # show
        assert local_data(pg, row.account, row.provider_id) == local_data(lite, row.account, row.provider_id)  # manifest
        metadata = [json.dumps(call_metadata(c, row.account, providers[row.account], UTC)) for c in (call, pg_call)]
        assert metadata[1] == metadata[0], row.ref  # export manifest: the provider's order of the facts kept
        jsonb_order = sorted(call.details, key=lambda k: (len(k.encode()), k.encode()))  # how jsonb keeps keys
        ordered += list(call.details) != jsonb_order
    assert ordered  # some provider's facts come in an order jsonb would not have kept
    assert figured >= 20  # the synced transcripts gave conversation figures, on both



@pytest.mark.parametrize("f", [
    CallFilter(silence_over=0), CallFilter(silence_over=20), CallFilter(agent_talk_over=50),
    CallFilter(agent_talk_over=70, sort="duration", descending=False), CallFilter(silence_over=10, account="Demo wildix"),
], ids=lambda f: ",".join(f"{k}={v}" for k, v in asdict(f).items() if v is not None and k not in ("sort", "descending")))
def test_figure_filters_count_and_list_the_same_calls(both, f):
    lite, pg, _, _ = both
    expected = _walk(lite, f, page=5)
    assert 0 < len(expected) < len(_walk(lite, CallFilter()))  # the filter picks some calls, not all
    assert pg.count_calls(f) == lite.count_calls(f) == len(expected)
    assert _walk(pg, f, page=5) == expected


def test_the_report_is_the_same_from_both(both):
    lite, pg, _, _ = both
    rows = _walk(lite, CallFilter())
    since, until = rows[-30].start_ms, rows[10].start_ms
    for f in (CallFilter(), CallFilter(account="Demo wildix"), CallFilter(since_ms=since, until_ms=until),
              CallFilter(silence_over=20), CallFilter(account="no such account")):
        expected = csv_text(lite.report(f))
        assert csv_text(pg.report(f)) == expected, f  # `report --to x.csv`, byte for byte
    silences = [a.silence_share for a in pg.report(CallFilter()).agents if a.silence_share]
    assert silences, "some agent has a silence share"


def _words(store) -> list[str]:
    """Words that occur in the transcripts, most frequent first (read through the SQLite store)."""
    counts: dict[str, int] = {}
    for row in _walk(store, CallFilter(has_transcript=True)):
        call = store.get_call(row.account, row.provider_id)
        for s in call.segments or []:
            for w in re.findall(r"[a-z]{5,}", s.text.lower()):
                counts[w] = counts.get(w, 0) + 1
    return sorted(counts, key=lambda w: (-counts[w], w))


def _hits(store, query, account=None):
    return sorted((h.call_ref, h.kind, h.text, h.speaker, h.start_ms, h.call_start_ms)
                  for h in store.search(query, account=account, limit=100_000))


def _marked(snippet: str) -> list[str]:
    return sorted(w.lower() for part in re.findall(r"\[([^\]]*)\]", snippet) for w in part.split())


def test_search_finds_the_same_sentences_and_marks_the_same_words(both):
    lite, pg, _, _ = both
    words = _words(lite)
    assert len(words) > 10
    common, rare = words[0], words[len(words) // 2]
    queries = [common, rare, f"{common} {rare}", f"{common} OR {rare}", f"{common} -{rare}", f"{common[:4]}*",
               f'"{common} {rare}"', common.upper()]
    for q in queries:
        expected = _hits(lite, q)
        assert _hits(pg, q) == expected, q
    assert _hits(lite, common)  # the comparison above was not of two empty lists
    lite_snips = {(h.call_ref, h.text): _marked(h.snippet) for h in lite.search(common, limit=1000)}
    pg_snips = {(h.call_ref, h.text): _marked(h.snippet) for h in pg.search(common, limit=1000)}
    assert pg_snips == lite_snips


def test_search_inside_one_account_and_by_page(both):
    lite, pg, _, _ = both
    common = _words(lite)[0]
    for account in [a.name for a in lite.accounts()]:
        assert _hits(pg, common, account) == _hits(lite, common, account)
    everything = pg.search(common, limit=100_000)
    paged = [h for off in range(0, len(everything), 9) for h in pg.search(common, limit=9, offset=off)]
    assert paged == everything  # pages never skip or repeat


def test_query_syntax_never_reaches_tsquery(both):
    lite, pg, _, _ = both
    for q in ["'; DROP TABLE calls; --", "a & | ! <-> :*", "(((", "x:* & !y", "don't", "e-mail", "-only"]:
        # every term is a bound parameter of phraseto_tsquery: the same answer, or the same sentence
        try:
            expected = _hits(lite, q)
        except SearchSyntaxError as e:
            with pytest.raises(SearchSyntaxError, match=re.escape(str(e))):
                pg.search(q)
        else:
            assert _hits(pg, q) == expected, q
    assert pg.count_calls(CallFilter()) >= 4 * CALLS


def test_a_second_sync_adds_nothing_and_changes_nothing(both):
    lite, pg, _, pairs = both
    before = _walk(pg, CallFilter())
    results = _sync_all(pg, pairs)
    assert all(r.ok for r in results) and sum(r.new for r in results) == 0
    assert _walk(pg, CallFilter()) == before == _walk(lite, CallFilter())


def test_notes_tags_and_media_records_behave_alike(both):
    lite, pg, _, _ = both
    row = _walk(lite, CallFilter(has_audio=True))[0]
    for store in (lite, pg):
        assert store.add_tag(row.account, row.provider_id, "VIP") == "VIP"
        assert store.add_tag(row.account, row.provider_id, "vip") == "VIP"  # one tag, whatever the case
        store.add_tag(row.account, row.provider_id, "callback")
        store.add_note(row.account, row.provider_id, 1500, "asked for a refund")
        store.add_note(row.account, row.provider_id, None, "general")
    assert pg.tags(row.account, row.provider_id) == lite.tags(row.account, row.provider_id)
    assert pg.all_tags() == lite.all_tags()
    assert _walk(pg, CallFilter(tag="vip")) == _walk(lite, CallFilter(tag="vip")) != []
    assert [(n.offset_ms, n.text) for n in pg.notes(row.account, row.provider_id)] == \
        [(n.offset_ms, n.text) for n in lite.notes(row.account, row.provider_id)]
    assert {n.author for n in pg.notes(row.account, row.provider_id)} == {"postgres"}
    recording = pg.get_call(row.account, row.provider_id).recordings[0].provider_id
    for store in (lite, pg):
        account_id = store.account(row.account).id
        store.record_media(account_id, recording, "media/sha256/ab/" + "ab" * 32, 1234, "ab" * 32)
    assert pg.media_totals() == lite.media_totals() == (1, 1234)
    assert pg.call_row(row.account, row.provider_id).downloaded
    assert pg.call_row(row.account, row.provider_id) == lite.call_row(row.account, row.provider_id)
    for store in (lite, pg):
        store.remove_tag(row.account, row.provider_id, "callback")
        store.forget_media(store.account(row.account).id, recording)
    assert pg.tags(row.account, row.provider_id) == lite.tags(row.account, row.provider_id) == ["VIP"]
    assert pg.media_totals() == (0, 0)


def test_expiring_recordings_agree(both):
    lite, pg, _, _ = both
    now = int(time.time() * 1000)
    expected = lite.expiring_recordings(now, now + 400 * 86_400_000)
    assert expected  # Bandwidth and Dialgen delete their audio: something expires
    assert pg.expiring_recordings(now, now + 400 * 86_400_000) == expected
    account = expected[0].account
    assert pg.expiring_recordings(now, now + 400 * 86_400_000, account) == lite.expiring_recordings(
        now, now + 400 * 86_400_000, account)


def test_a_deletion_mark_survives_a_resync_in_both(both):
    lite, pg, _, pairs = both
    row = _walk(lite, CallFilter(has_audio=True, account="Demo yeastar"))[0]
    recording = lite.get_call(row.account, row.provider_id).recordings[0].provider_id
    for store in (lite, pg):
        store.mark_deleted(store.account(row.account).id, recording, "recording", "Deleted at Yeastar by a test.")
    window = {"since_ms": row.start_ms - 1, "until_ms": row.start_ms + 1}  # re-sync that call
    secrets = next(s for a, s in pairs if a.name == "Demo yeastar")
    _sync_all(pg, [(pg.account("Demo yeastar"), secrets)], **window)
    _sync_all(lite, [(lite.account("Demo yeastar"), secrets)], **window)
    for store in (lite, pg):
        call = store.get_call(row.account, row.provider_id)
        assert (call.has_audio, call.audio_reason) == (False, "Deleted at Yeastar by a test.")
        marked = next(r for r in call.recordings if r.provider_id == recording)
        assert set(marked.raw[DELETED_MARK]) == {"recording"}
    assert pg.call_row(row.account, row.provider_id) == lite.call_row(row.account, row.provider_id)
