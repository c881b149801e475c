"""Installing recbrowser as a user would: the PyInstaller bundle, a wheel in a fresh venv, the menu entry.

The bundle is built once per run (about a minute) into the test's temporary folder with the
same command as `./run package`, then started as a user starts it: the demo window offscreen,
and the command line against the real keyring, the Yeastar emulator and ffmpeg.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PySide6.QtGui import QImage
from support.cli_helpers import run, set_args
from support.needs import missing
from support.paths import REPO

from recbrowser.store import CallFilter, Store

ROOT = REPO
DESKTOP = ROOT / "recbrowser" / "resources" / "desktop"
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="builds and checks the Linux bundle")


def pyproject_version() -> str:
    with open(ROOT / "pyproject.toml", "rb") as f:
        return tomllib.load(f)["project"]["version"]


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        missing(f"needs {name} (./run installs it)")
    return path


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    if not sys.platform.startswith("linux"):
        pytest.skip("builds the Linux bundle")
    tmp = tmp_path_factory.mktemp("bundle")
    # PyInstaller's own cache goes to the temporary folder too: every run builds from scratch.
    env = {**os.environ, "PYINSTALLER_CONFIG_DIR": str(tmp / "config")}
    build = subprocess.run([sys.executable, str(ROOT / "packaging" / "build.py"), "--dist", str(tmp / "dist"),
                            "--work", str(tmp / "work")], env=env, capture_output=True, text=True, timeout=1200)
    assert build.returncode == 0, (build.stdout + build.stderr)[-4000:]
    app = tmp / "dist" / "recbrowser" / "recbrowser"
    assert os.access(app, os.X_OK)
    shutil.rmtree(tmp / "work")  # PyInstaller's scratch copies, not needed to run the app
    yield app
    shutil.rmtree(tmp)  # ~390 MB: pytest keeps its last three temporary folders


def start(app: Path, *args: str, env: dict | None = None, stdin: str | None = None, timeout: float = 120):
    """Run the bundle from a neutral folder, so nothing from the source tree can stand in for it."""
    return subprocess.run([str(app), *args], cwd=app.parent.parent, env={**os.environ, **(env or {})},
                          input=stdin, capture_output=True, text=True, timeout=timeout)


def distinct_colours(image: QImage, step: int = 16) -> int:
    return len({image.pixel(x, y) for x in range(0, image.width(), step) for y in range(0, image.height(), step)})


# Whichever bundle test runs first also waits for the build (~1 min, more on a loaded machine).
BUILD_TIMEOUT = pytest.mark.timeout(1500)


@BUILD_TIMEOUT
def test_bundle_opens_the_demo_window_plays_a_call_and_saves_a_screenshot(bundle, tmp_path):
    shot = tmp_path / "shot.png"
    data = tmp_path / "data"
    result = start(bundle, "--data-dir", str(data), "--demo", "--screenshot", str(shot),
                   env={"QT_QPA_PLATFORM": "offscreen"}, timeout=240)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "No QtMultimedia backends" not in result.stderr  # the FFmpeg media plugin loaded
    assert "Traceback" not in result.stderr  # View > Overview opened: QtCharts is in the bundle
    image = QImage(str(shot))
    assert not image.isNull() and image.width() >= 1200 and image.height() >= 700
    assert shot.stat().st_size > 50_000
    assert distinct_colours(image) > 40  # a window with text, icons and a highlight, not a blank or one colour
    with Store.open(data / "recbrowser.sqlite3") as store:
        assert len(store.accounts()) == 5  # every emulator started from the bundled package
        assert store.count_calls(CallFilter(has_transcript=True, has_audio=True)) > 0
        files, size = store.media_totals()
    assert files >= 1 and size > 0  # the call shown was downloaded and loaded into the player


@BUILD_TIMEOUT
def test_bundle_command_line_keeps_secrets_in_the_keyring_syncs_and_converts_with_ffmpeg(
        bundle, yeastar, account_name, tmp_path):
    env = {"RECBROWSER_DATA_DIR": str(tmp_path / "data")}
    added = start(bundle, "accounts", "add", "yeastar", "--name", account_name, *set_args(yeastar.account_settings()),
                  "--secrets-stdin", stdin=json.dumps(yeastar.secrets()), env=env)
    assert added.returncode == 0, added.stderr
    assert "keyring" in added.stdout  # the bundled Secret Service backend (SecretStorage, jeepney) works

    synced = start(bundle, "sync", env=env)
    assert synced.returncode == 0, synced.stderr
    assert "calls synced" in synced.stdout

    out = tmp_path / "out"
    exported = start(bundle, "export", "--search", "refund", "--to", str(out), "--audio", "mp3", "--workers", "1",
                     env=env, timeout=300)
    assert exported.returncode == 0, exported.stderr[-3000:]
    mp3s = list(out.rglob("*.mp3"))
    assert mp3s, exported.stdout
    head = mp3s[0].read_bytes()[:3]
    assert head == b"ID3" or head[0] == 0xFF  # real MP3s from the bundled ffmpeg
    assert yeastar.secrets()["client_secret"] not in (synced.stdout + synced.stderr + exported.stdout + exported.stderr)


@BUILD_TIMEOUT
def test_bundle_says_the_version_of_pyproject(bundle):
    result = start(bundle, "--version")
    assert result.returncode == 0 and result.stdout.strip() == f"recbrowser {pyproject_version()}"


@BUILD_TIMEOUT
def test_bundle_menu_entry_starts_the_bundle_and_shows_its_icon(bundle, tmp_path):
    home = tmp_path / "share"
    result = start(bundle, "--install-desktop-entry", env={"XDG_DATA_HOME": str(home)})
    assert result.returncode == 0, result.stderr
    text = (home / "applications" / "recbrowser.desktop").read_text()
    assert f"\nExec={bundle}\n" in text and f"\nTryExec={bundle}\n" in text  # the folder it was unpacked to
    assert (home / "icons" / "hicolor" / "48x48" / "apps" / "recbrowser.png").is_file()
    assert start(bundle, "--uninstall-desktop-entry", env={"XDG_DATA_HOME": str(home)}).returncode == 0
    assert not (home / "applications" / "recbrowser.desktop").exists()


@BUILD_TIMEOUT
def test_bundle_libraries_all_load_and_unused_qt_is_left_out(bundle):
    internal = bundle.parent / "_internal"
    qt = internal / "PySide6" / "Qt"
    names = {p.relative_to(internal).as_posix() for p in internal.rglob("*")}
    for needed in ("plugins/platforms/libqoffscreen.so", "plugins/platforms/libqxcb.so",
                   "plugins/platforms/libqwayland.so", "plugins/multimedia/libffmpegmediaplugin.so",
                   "plugins/imageformats/libqsvg.so", "plugins/iconengines/libqsvgicon.so"):
        assert (qt / needed).is_file(), needed
    assert any(re.fullmatch(r"PySide6/QtCharts\..*\.so", n) for n in names)  # View > Overview, report --to PNG
    unwanted = [n for n in names if re.search(r"WebEngine|Qt63D|Designer|VirtualKeyboard|Quick3D|QtPdf", n)]
    # The FFmpeg plugin links the QML and Quick libraries, so those stay; their Python modules do not.
    unwanted += [n for n in names if re.fullmatch(r"PySide6/Qt(Qml|Quick|QuickWidgets|Test)\..*\.so", n)]
    assert unwanted == []
    ffmpeg = list((internal / "imageio_ffmpeg" / "binaries").glob("ffmpeg-*"))
    assert len(ffmpeg) == 1 and os.access(ffmpeg[0], os.X_OK)
    assert (internal / "recbrowser" / "emulators" / "speech" / "sentences.json").is_file()
    assert (internal / "recbrowser" / "resources" / "icons" / "play.svg").is_file()

    ldd = tool("ldd")
    missing = []
    for lib in internal.rglob("*.so*"):
        if lib.is_file() and not lib.is_symlink():
            out = subprocess.run([ldd, str(lib)], capture_output=True, text=True).stdout
            missing += [f"{lib.name}: {line.strip()}" for line in out.splitlines() if "not found" in line]
    assert missing == []  # a library dropped from the spec that another one still needs
    assert [p for p in internal.rglob("*") if p.is_symlink() and not p.exists()] == []

    size = sum(p.stat().st_size for p in internal.rglob("*") if p.is_file() and not p.is_symlink())
    assert size < 500e6  # ~390 MB today, 165 of them ffmpeg; WebEngine alone would add ~200


# --- pip install . ------------------------------------------------------------------------


# What the window asks of its package: the installed recbrowser, where its icons are, and
# whether the toolbar, player and window icons draw.
PROBE = """
import json, recbrowser
from PySide6.QtWidgets import QApplication
app = QApplication([])
from recbrowser.ui.common.icons import ICON_DIR, app_icon, icon
drawn = {"play": not icon("play").isNull(), "sync": not icon("sync").isNull(), "app": not app_icon().isNull()}
print(json.dumps([recbrowser.__file__, str(ICON_DIR), drawn]))
"""


def fresh_venv(tmp_path: Path) -> Path:
    """A new venv that sees this venv's dependencies through a .pth file but not recbrowser itself
    (its editable hook is a .pth that Python only runs in a site folder), so the wheel must
    supply everything recbrowser needs of its own. Offline and fast: no download, no deps build."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = subprocess.run([str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    Path(site, "dev_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return venv


@linux_only
@pytest.mark.timeout(300)
def test_pip_install_gives_a_recbrowser_command_with_its_icons_and_resources(tmp_path):
    src = tmp_path / "src"  # build from a copy: setuptools writes build/ and egg-info next to the sources
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    shutil.copytree(ROOT / "recbrowser", src / "recbrowser", ignore=shutil.ignore_patterns("__pycache__"))
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-cache-dir", "--no-deps", "--no-build-isolation", "--no-index",
                    "-w", str(wheels), str(src)], check=True, capture_output=True, text=True)
    venv = fresh_venv(tmp_path)
    wheel = next(wheels.glob("recbrowser-*.whl"))
    subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--no-cache-dir", "--no-deps", "--no-index",
                    "--disable-pip-version-check", str(wheel)], check=True, capture_output=True, text=True)

    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    helped = subprocess.run([str(venv / "bin" / "recbrowser"), "--help"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=60)
    assert helped.returncode == 0, helped.stderr
    assert "--install-desktop-entry" in helped.stdout and "sync" in helped.stdout

    probe = subprocess.run([str(venv / "bin" / "python"), "-c", PROBE], cwd=tmp_path,
                           env={**env, "QT_QPA_PLATFORM": "offscreen"}, capture_output=True, text=True, timeout=60)
    assert probe.returncode == 0, probe.stderr
    package_file, icon_dir, drawn = json.loads(probe.stdout.splitlines()[-1])
    assert Path(package_file).is_relative_to(venv)  # the wheel's copy, not the source tree
    assert drawn == {"play": True, "sync": True, "app": True}  # icon() draws nothing for a missing file
    package = Path(package_file).parent
    shipped = sorted(p.name for p in Path(icon_dir).glob("*.svg"))
    assert shipped == sorted(p.name for p in (ROOT / "recbrowser" / "resources" / "icons").glob("*.svg"))
    assert "play.svg" in shipped and "app.svg" in shipped
    assert (package / "emulators" / "speech" / "sentences.json").is_file()
    assert len(list((package / "emulators" / "speech").glob("*.wav"))) >= 10
    assert (package / "resources" / "desktop" / "recbrowser.desktop").is_file()
    assert (package / "resources" / "desktop" / "hicolor" / "256x256" / "apps" / "recbrowser.png").is_file()


# --- the menu entry -----------------------------------------------------------------------


def installed_files(home: Path) -> dict[str, bytes]:
    return {p.relative_to(home).as_posix(): p.read_bytes() for p in sorted(home.rglob("*")) if p.is_file()}


@linux_only
def test_desktop_entry_installs_once_into_xdg_data_home_and_uninstalls_only_its_files(capsys, monkeypatch, tmp_path):
    home = tmp_path / "share"
    monkeypatch.setenv("XDG_DATA_HOME", str(home))
    other = home / "applications" / "other-app.desktop"
    other.parent.mkdir(parents=True)
    other.write_text("[Desktop Entry]\nType=Application\nName=Other\nExec=other\n")

    code, out, err = run(capsys, "--install-desktop-entry")
    assert code == 0, err
    assert "Menu entry installed" in out
    first = installed_files(home)
    code, _, _ = run(capsys, "--install-desktop-entry")
    assert code == 0 and installed_files(home) == first  # idempotent: the same files, nothing added

    entry = home / "applications" / "recbrowser.desktop"
    text = entry.read_text()
    exec_line = next(line for line in text.splitlines() if line.startswith("Exec="))
    assert exec_line.startswith(f"Exec={sys.executable}")  # starts this same recbrowser (python -m here)
    assert "-m recbrowser" in exec_line
    assert "Icon=recbrowser" in text
    for size in (16, 32, 48, 128, 256, 512):
        icon = QImage(str(home / "icons" / "hicolor" / f"{size}x{size}" / "apps" / "recbrowser.png"))
        assert (icon.width(), icon.height()) == (size, size)
    assert (home / "icons" / "hicolor" / "scalable" / "apps" / "recbrowser.svg").is_file()
    assert (home / "metainfo" / "org.recbrowser.recbrowser.metainfo.xml").is_file()
    check = subprocess.run([tool("desktop-file-validate"), str(entry)], capture_output=True, text=True)
    assert check.returncode == 0 and check.stdout == "", check.stdout

    code, out, _ = run(capsys, "--uninstall-desktop-entry")
    assert code == 0 and "removed" in out
    assert installed_files(home) == {"applications/other-app.desktop": other.read_bytes()}
    code, out, _ = run(capsys, "--uninstall-desktop-entry")
    assert code == 0 and "nothing to remove" in out


@linux_only
def test_desktop_entry_into_an_unwritable_place_is_one_sentence(capsys, monkeypatch, tmp_path):
    blocker = tmp_path / "share"
    blocker.write_text("a file where the data folder should be")
    monkeypatch.setenv("XDG_DATA_HOME", str(blocker))
    code, out, err = run(capsys, "--install-desktop-entry")
    assert code == 1 and out == ""
    assert err.startswith("recbrowser: Could not write the menu entry into") and err.count("\n") == 1
    assert blocker.read_text() == "a file where the data folder should be"


def test_metainfo_and_desktop_file_pass_their_validators_and_follow_pyproject():
    appstream = subprocess.run([tool("appstreamcli"), "validate", "--no-net", "--pedantic",
                                str(DESKTOP / "recbrowser.metainfo.xml")], capture_output=True, text=True)
    assert appstream.returncode == 0, appstream.stdout + appstream.stderr
    desktop = subprocess.run([tool("desktop-file-validate"), str(DESKTOP / "recbrowser.desktop")],
                             capture_output=True, text=True)
    assert desktop.returncode == 0 and desktop.stdout == "", desktop.stdout

    meta = ET.parse(DESKTOP / "recbrowser.metainfo.xml").getroot()
    assert meta.findtext("launchable") == "recbrowser.desktop"
    newest = meta.find("releases/release")
    assert newest is not None and newest.get("version") == pyproject_version()  # bump both together
    for size in (16, 22, 24, 32, 48, 64, 128, 256, 512):
        image = QImage(str(DESKTOP / "hicolor" / f"{size}x{size}" / "apps" / "recbrowser.png"))
        assert (image.width(), image.height()) == (size, size) and image.hasAlphaChannel()
    assert (DESKTOP / "hicolor" / "scalable" / "apps" / "recbrowser.svg").read_bytes() == \
        (ROOT / "recbrowser" / "resources" / "icons" / "app.svg").read_bytes()  # re-run packaging/render_icons.py
