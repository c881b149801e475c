"""Recordings, logs and exports are readable by their owner only (0600 files in 0700 folders),
under a umask of 022 and in a data folder an older version left 0755: run as a user would,
with the real keyring, the Yeastar emulator and real files."""

from __future__ import annotations

import json
import os
import stat
import zipfile
from pathlib import Path

import pytest
from support.cli_helpers import run, set_args


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def old_data_dir(tmp_path, monkeypatch, umask_022):
    """A data folder as an older version left it: every folder 0755, a recording and logs 0644."""
    root = tmp_path / "data"
    for folder in (root, root / "logs", root / "media", root / "media" / "old"):
        folder.mkdir(parents=True)
        folder.chmod(0o755)
    (root / "logs" / "recbrowser.log").write_text("older lines\n")
    (root / "logs" / "recbrowser.log.1").write_text("older still\n")
    (root / "media" / "old" / "call.wav").write_bytes(b"RIFF")
    for f in (root / "logs" / "recbrowser.log", root / "logs" / "recbrowser.log.1", root / "media" / "old" / "call.wav"):
        f.chmod(0o644)
    monkeypatch.setenv("RECBROWSER_DATA_DIR", str(root))
    return root


def _add_sync_and_pick(capsys, monkeypatch, yeastar, name) -> str:
    code, _, err = run(capsys, "accounts", "add", "yeastar", "--name", name, *set_args(yeastar.account_settings()),
                       "--secrets-stdin", stdin=json.dumps(yeastar.secrets()), monkeypatch=monkeypatch)
    assert code == 0, err
    code, _, err = run(capsys, "sync")
    assert code == 0, err
    code, out, _ = run(capsys, "calls", "--json", "--limit", "500")
    return next(c["ref"] for c in json.loads(out)["calls"] if c["audio"] == "at provider")


def test_recordings_and_logs_are_private_in_a_folder_an_older_version_made(capsys, monkeypatch, old_data_dir, yeastar,
                                                                          account_name):
    ref = _add_sync_and_pick(capsys, monkeypatch, yeastar, account_name)
    code, out, err = run(capsys, "download", ref)
    assert code == 0, err
    recording = Path(out.split("\t")[1])
    assert recording.is_file() and mode(recording) == 0o600
    media = old_data_dir / "media"
    for folder in (old_data_dir, old_data_dir / "logs", media, recording.parent):
        assert mode(folder) == 0o700, folder
    for f in (old_data_dir / "logs" / "recbrowser.log", old_data_dir / "logs" / "recbrowser.log.1"):
        assert mode(f) == 0o600, f
    assert (old_data_dir / "recbrowser.sqlite3").stat().st_mode & 0o077 == 0


def test_a_new_log_file_is_private_whatever_the_umask(tmp_path, umask_022):
    from recbrowser.logs import RotatingLog

    handler = RotatingLog(tmp_path / "recbrowser.log", max_bytes=200)
    import logging

    record = logging.LogRecord("recbrowser", logging.INFO, __file__, 1, "x" * 150, None, None)
    handler.emit(record)
    handler.emit(record)  # rotates: a new file again
    handler.close()
    assert mode(tmp_path / "recbrowser.log") == 0o600 and mode(tmp_path / "recbrowser.log.1") == 0o600


def test_exports_are_written_private(capsys, monkeypatch, old_data_dir, yeastar, account_name, tmp_path):
    ref = _add_sync_and_pick(capsys, monkeypatch, yeastar, account_name)
    folder, archive = tmp_path / "out" / "folder", tmp_path / "out" / "calls.zip"
    for dest in (folder, archive):
        code, _, err = run(capsys, "export", ref, "--to", str(dest), "--audio", "original", "--transcripts", "txt")
        assert code == 0, err
    assert mode(folder) == 0o700 and {p.name: mode(p) for p in folder.iterdir()} == {
        p.name: 0o600 for p in folder.iterdir()}
    assert any(p.suffix in (".wav", ".mp3") for p in folder.iterdir())
    assert mode(archive) == 0o600 and zipfile.is_zipfile(archive)


def test_making_private_only_takes_access_away(tmp_path, umask_022):
    from recbrowser.private import make_private, private_dir

    shared, read_only = tmp_path / "shared", tmp_path / "read-only"
    shared.mkdir(mode=0o775)
    shared.chmod(0o775)
    read_only.mkdir()
    read_only.chmod(0o555)  # its owner made it read-only: it stays so, for others too
    note = tmp_path / "note.txt"
    note.write_text("x")
    note.chmod(0o444)
    private_dir(shared)
    private_dir(read_only)
    make_private(note)
    assert (mode(shared), mode(read_only), mode(note)) == (0o700, 0o500, 0o400)
    read_only.chmod(0o700)


def test_a_data_folder_in_a_shared_temp_folder_leaves_that_folder_open_to_everyone(tmp_path, umask_022, monkeypatch):
    # `--data-dir /tmp` (or a data folder whose parent is /tmp) once made /tmp itself 0700, which
    # locks every other user and service out of it (PostgreSQL, running as nobody, among them).
    from recbrowser.paths import data_dir, ensure

    shared_tmp = tmp_path / "tmp"
    shared_tmp.mkdir()
    shared_tmp.chmod(0o1777)
    d = ensure(data_dir(shared_tmp))
    assert stat.S_IMODE(shared_tmp.stat().st_mode) == 0o1777
    assert (mode(d.media), mode(d.logs)) == (0o700, 0o700)  # what recbrowser makes there stays private


def test_the_window_settings_are_private_whatever_the_umask(tmp_path, umask_022):
    from recbrowser.ui.common.settings import open_settings

    new, old = tmp_path / "new" / "settings.ini", tmp_path / "old" / "settings.ini"
    old.parent.mkdir()
    old.write_text("[preferences]\nvolume=80\n")
    old.chmod(0o644)  # as an older version left it
    for path in (new, old):
        settings = open_settings(path)
        settings.setValue("ui/last_account", "Sales EU")
        settings.sync()
        assert mode(path) == 0o600 and mode(path.parent) == 0o700
    assert "80" in old.read_text() and "Sales EU" in old.read_text()  # kept what it held
