"""The package's layering, checked on the source (docs: ../shared/ARCHITECTURE.md, issue 17).

- SQL stays in store/: no sqlite3 or sqlite_utils import anywhere else, and outside store/ only
  its public face is imported (store/__init__, the interface in store/api.py, the records), so a
  second implementation of the store needs no change outside it.
- Qt stays in ui/ (tests/rules/test_qt_free.py also imports every other module and checks that no Qt
  module got loaded on the way).
- providers/ turn an API into domain objects: they import neither store/ nor services/.
- Nothing outside ui/ imports ui/, but the entry points that launch the window.

Plain `ast`, no import-linter: every import statement counts, also those inside functions.
"""

from __future__ import annotations

import ast
from pathlib import Path

from support.paths import REPO

PKG = REPO / "recbrowser"

SQL = ("sqlite3", "sqlite_utils")
QT = ("PySide6", "shiboken6", "PyQt5", "PyQt6")
# The store's public face; audit and expiry are imported for their records (AuditEntry,
# ExpiringRecording), which load with the store's first use of them, not at start-up.
# recbrowser.store.postgres: the team archive's face (its store, opener, set-up functions, leases, sealed secrets).
STORE_PUBLIC = ("recbrowser.store", "recbrowser.store.api", "recbrowser.store.records", "recbrowser.store.audit",
                "recbrowser.store.expiry", "recbrowser.store.postgres")
# The entry points that launch the window: `cli.main` opens it (also for --demo), started by
# `__main__`; the command modules of cli/ and the demo do not (issue 17).
WINDOW_LAUNCHERS = ("recbrowser.cli", "recbrowser.__main__")


def module_name(path: Path, root: Path) -> str:
    rel = path.relative_to(root.parent).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


def is_module(name: str, root: Path) -> bool:
    rel = Path(*name.split(".")[1:]) if name.split(".")[0] == root.name else None
    return rel is not None and ((root / rel).with_suffix(".py").is_file() or (root / rel / "__init__.py").is_file())


def imports(path: Path, root: Path) -> list[str]:
    """Every module a file imports, by absolute name (`from a import b`: a, and a.b when b is a
    module of the package)."""
    me = module_name(path, root)
    package = me if path.name == "__init__.py" else me.rpartition(".")[0]
    found: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*up, base] if base else up)
            found.append(base)
            found += [f"{base}.{a.name}" for a in node.names if is_module(f"{base}.{a.name}", root)]
    return found


def under(name: str, *packages: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in packages)


def violations(root: Path) -> list[str]:
    """Each import that breaks a rule above, as 'file: imported module (the rule)'."""
    top = root.name
    out = []
    for path in sorted(root.rglob("*.py")):
        me = module_name(path, root)
        in_store, in_ui = under(me, f"{top}.store"), under(me, f"{top}.ui")
        for name in imports(path, root):
            rule = None
            if not in_store and under(name, *SQL):
                rule = "SQL stays in store/"
            elif not in_store and under(name, f"{top}.store") and not any(
                    name == p.replace("recbrowser", top, 1) for p in STORE_PUBLIC):
                rule = "outside store/ only its public interface"
            elif not in_ui and me != f"{top}.__main__" and under(name, *QT):
                rule = "Qt stays in ui/"
            elif under(me, f"{top}.providers") and under(name, f"{top}.store", f"{top}.services"):
                rule = "providers import neither store/ nor services/"
            elif not in_ui and under(name, f"{top}.ui") and me not in {
                    m.replace("recbrowser", top, 1) for m in WINDOW_LAUNCHERS}:
                rule = "nothing outside ui/ imports ui/ but the window's launchers"
            if rule:
                out.append(f"{path.relative_to(root.parent)}: {name} ({rule})")
    return sorted(set(out))


def test_recbrowser_keeps_sql_in_store_qt_in_ui_and_providers_below_the_store():
    assert violations(PKG) == []


def tree(tmp_path: Path, files: dict[str, str]) -> Path:
    """A package `recbrowser` of a few modules, for the checker's own tests."""
    root = tmp_path / "recbrowser"
    for rel, text in {"__init__.py": "", "store/__init__.py": "import sqlite3\n", "ui/__init__.py": "",
                      **files}.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def test_the_check_flags_sqlite3_imported_in_a_ui_module(tmp_path):
    root = tree(tmp_path, {"ui/call_list.py": "from PySide6.QtCore import Qt\n\ndef f():\n    import sqlite3\n"})
    assert violations(root) == ["recbrowser/ui/call_list.py: sqlite3 (SQL stays in store/)"]


def test_the_check_flags_each_rule(tmp_path):
    root = tree(tmp_path, {
        "services/sync.py": "from sqlite_utils import Database\nfrom recbrowser.store.listing import list_calls\n",
        "cli/__init__.py": "from recbrowser.store import open_store\nfrom recbrowser.ui.window.app import run_window\n",
        "cli/calls.py": "from recbrowser.ui.window.app import run_window\n",
        "providers/voki.py": "from recbrowser.store.api import CallStore\nfrom ..services import sync\n",
        "paths.py": "import shiboken6\n",
        "demo/setup.py": "from recbrowser.ui.window.app import run_window\nfrom recbrowser.store.records import CallFilter\n",
        "__main__.py": "import PySide6\n",
        "store/listing.py": "import sqlite3\nfrom . import records\n",
    })
    assert violations(root) == [
        "recbrowser/cli/calls.py: recbrowser.ui.window.app (nothing outside ui/ imports ui/ but the window's launchers)",
        "recbrowser/demo/setup.py: recbrowser.ui.window.app (nothing outside ui/ imports ui/ but the window's launchers)",
        "recbrowser/paths.py: shiboken6 (Qt stays in ui/)",
        "recbrowser/providers/voki.py: recbrowser.services (providers import neither store/ nor services/)",
        "recbrowser/providers/voki.py: recbrowser.services.sync (providers import neither store/ nor services/)",
        "recbrowser/providers/voki.py: recbrowser.store.api (providers import neither store/ nor services/)",
        "recbrowser/services/sync.py: recbrowser.store.listing (outside store/ only its public interface)",
        "recbrowser/services/sync.py: sqlite_utils (SQL stays in store/)",
    ]
