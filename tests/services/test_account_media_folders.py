"""Each account keeps its recordings in a folder of its own, also when two names clean alike."""

from __future__ import annotations

import time

from support.yeastar_helpers import add_emulated_account, all_calls, provider_for, sync

from recbrowser.services.downloads import account_media_dir, download_call

WEEKS = 14 * 86_400_000


def _download_first(store, account, emu, media_root):
    row = next(r for r in all_calls(store) if r.has_audio and r.account == account.name)
    call = store.get_call(account.name, row.provider_id)
    provider = provider_for(account, emu)
    try:
        return call, download_call(store, account, provider, call, media_root)[0]
    finally:
        provider.close()


def test_two_account_names_that_clean_alike_keep_their_recordings_apart(store, data_dir, yeastar):
    # The same PBX twice: the recordings' file names are the same in both accounts.
    sales_eu = add_emulated_account(store, yeastar, name="Sales_EU")
    sales_colon = add_emulated_account(store, yeastar, name="Sales:EU")  # ':' is no file name character on Windows
    since = int(time.time() * 1000) - WEEKS
    for account in (sales_eu, sales_colon):
        assert sync(store, account, yeastar, since_ms=since).ok

    _, one = _download_first(store, sales_eu, yeastar, data_dir.media)
    _, two = _download_first(store, sales_colon, yeastar, data_dir.media)

    assert one.path.parent != two.path.parent
    assert one.path.parent == data_dir.media / "Sales_EU"  # a name that is a legal folder name stays as it is
    assert two.path.parent.name.startswith("Sales_EU-")
    assert one.path.name == two.path.name  # same file name, each in its own folder
    assert sorted(p.name for p in one.path.parent.iterdir()) == [one.path.name]
    assert account_media_dir(data_dir.media, sales_colon) == two.path.parent  # stable: the same folder next time


def test_recordings_an_older_version_put_in_the_shared_folder_keep_playing(store, data_dir, yeastar):
    account = add_emulated_account(store, yeastar, name="Sales:EU")
    assert sync(store, account, yeastar, since_ms=int(time.time() * 1000) - WEEKS).ok
    call, fresh = _download_first(store, account, yeastar, data_dir.media)
    # Where an older version kept it: <media>/Sales_EU/, the folder "Sales_EU" would use too.
    old = data_dir.media / "Sales_EU" / fresh.path.name
    old.parent.mkdir(exist_ok=True)
    fresh.path.rename(old)
    store.record_media(account.id, fresh.recording_id, str(old), fresh.size, fresh.sha256)
    served = yeastar.counters["requests"]

    provider = provider_for(account, yeastar)
    try:
        [again] = download_call(store, account, provider, call, data_dir.media)
    finally:
        provider.close()

    assert again.path == old and not again.fresh and old.read_bytes()
    assert yeastar.counters["requests"] == served  # nothing fetched again: the old copy is used as it is
