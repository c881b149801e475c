"""Everything outside recbrowser/ui/ must import no Qt, so the CLI and services run headless.

The import statements themselves are checked with the other layering rules in
test_import_rules.py; this imports every module and checks that no Qt got loaded on the way."""

import subprocess
import sys

from support.paths import REPO

PKG = REPO / "recbrowser"
QT = ("PySide6", "shiboken6", "PyQt5", "PyQt6")


def core_modules():
    for path in sorted(PKG.rglob("*.py")):
        rel = path.relative_to(PKG)
        if rel.parts[0] == "ui" or rel.name == "__main__.py":
            continue
        yield path


def test_importing_every_core_module_loads_no_qt():
    mods = []
    for path in core_modules():
        rel = path.relative_to(PKG.parent).with_suffix("")
        parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
        mods.append(".".join(parts))
    code = "import sys\n" + "".join(f"import {m}\n" for m in mods) + (
        f"bad = [m for m in sys.modules if m.split('.')[0] in {QT!r}]\nprint(bad)\nsys.exit(1 if bad else 0)\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    assert len(mods) > 10
