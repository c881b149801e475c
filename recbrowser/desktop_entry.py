"""`recbrowser --install-desktop-entry`: the menu entry pip and pipx cannot install.

Writes the .desktop file, the hicolor icons and the AppStream metainfo into the user's XDG data
folder (XDG_DATA_HOME, ~/.local/share by default), with Exec pointing at the recbrowser that
runs the command. Running it again rewrites the same files; --uninstall-desktop-entry removes
exactly those files. The bundle and distribution packages ship the same files system-wide.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from recbrowser.errors import UserFacingError

RESOURCES = Path(__file__).resolve().parent / "resources" / "desktop"
DESKTOP_FILE = "recbrowser.desktop"  # matches QGuiApplication.setDesktopFileName("recbrowser")
METAINFO = "org.recbrowser.recbrowser.metainfo.xml"
ICON = "recbrowser"


def data_home() -> Path:
    value = os.environ.get("XDG_DATA_HOME", "")
    # The spec says a relative XDG_DATA_HOME is invalid and must be ignored.
    return Path(value) if value and os.path.isabs(value) else Path.home() / ".local" / "share"


def command() -> list[str]:
    """How the menu starts this same recbrowser: the bundle, the pip/pipx script, or `python -m`."""
    if getattr(sys, "frozen", False):
        return [sys.executable]
    script = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    if script and script.name == "recbrowser" and script.is_file():
        return [str(script.absolute())]
    return [sys.executable, "-m", "recbrowser"]


def exec_line(argv: list[str]) -> str:
    """Quote for the Desktop Entry Exec key: reserved characters in double quotes, % doubled."""
    parts = []
    for arg in argv:
        arg = arg.replace("%", "%%")
        if any(c in arg for c in ' \t\n"\'\\><~|&;$*?#()`'):
            arg = '"' + "".join("\\" + c if c in '"`$\\' else c for c in arg) + '"'
        parts.append(arg)
    return " ".join(parts)


def targets(home: Path) -> dict[Path, Path]:
    """Installed path -> the packaged file it is a copy of (the .desktop file is rewritten)."""
    files = {home / "applications" / DESKTOP_FILE: RESOURCES / DESKTOP_FILE,
             home / "metainfo" / METAINFO: RESOURCES / "recbrowser.metainfo.xml"}
    for icon in sorted((RESOURCES / "hicolor").glob(f"*/apps/{ICON}.*")):
        files[home / "icons" / "hicolor" / icon.relative_to(RESOURCES / "hicolor")] = icon
    return files


def desktop_text(argv: list[str]) -> str:
    lines = []
    for line in (RESOURCES / DESKTOP_FILE).read_text(encoding="utf-8").splitlines():
        if line.startswith("Exec="):
            line = "Exec=" + exec_line(argv)
        elif line.startswith("TryExec="):
            line = "TryExec=" + argv[0]
        lines.append(line)
    return "\n".join(lines) + "\n"


def _check_platform() -> None:
    if sys.platform == "win32" or sys.platform == "darwin":
        raise UserFacingError("Menu entries are made by the installer on Windows and by the app bundle on macOS; "
                              "this option is for Linux desktops.")


def install() -> str:
    _check_platform()
    home = data_home()
    argv = command()
    try:
        for target, source in targets(home).items():
            target.parent.mkdir(parents=True, exist_ok=True)
            if source.name == DESKTOP_FILE:
                target.write_text(desktop_text(argv), encoding="utf-8")
            else:
                shutil.copyfile(source, target)
    except OSError as e:
        raise UserFacingError(f"Could not write the menu entry into {home}: {e.strerror or e}.") from None
    # Desktops notice a new hicolor icon when the theme folder's time changes.
    os.utime(home / "icons" / "hicolor")
    return f"Menu entry installed: {home / 'applications' / DESKTOP_FILE} starts {exec_line(argv)}"


def uninstall() -> str:
    _check_platform()
    home = data_home()
    removed = 0
    try:
        for target in targets(home):
            if target.is_file():
                target.unlink()
                removed += 1
    except OSError as e:
        raise UserFacingError(f"Could not remove the menu entry from {home}: {e.strerror or e}.") from None
    if not removed:
        return f"No recbrowser menu entry in {home}; nothing to remove."
    return f"Menu entry removed from {home} ({removed} files)."
