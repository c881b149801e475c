"""No import circle among recbrowser's modules (docs/architecture.md, "Rules").

The rule: module-level imports, `if TYPE_CHECKING:` blocks included (a circle of type hints
is still a circle for a reader). An import inside a function runs when it is called, so it is
lazy and allowed (the window and the commands load most of their modules that way); today even
those form no circle, and a second test keeps it so (the window's assembly and the demo once
went round in two, through lazy imports)."""

from __future__ import annotations

import ast
from pathlib import Path

from support.paths import REPO

ROOT = REPO


def module_names(root: Path, package: str) -> dict[str, Path]:
    names = {}
    for path in sorted((root / package).rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        names[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return names


def _top_level_imports(tree: ast.Module):
    """Import statements run when the module is imported: not those inside a def or a class body's methods."""
    todo: list[ast.stmt] = list(tree.body)
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        elif isinstance(node, (ast.If, ast.Try, ast.With, ast.ClassDef)):
            for field in ("body", "orelse", "finalbody", "handlers"):
                for child in getattr(node, field, []):
                    todo += child.body if isinstance(child, ast.ExceptHandler) else [child]


def _all_imports(tree: ast.Module):
    yield from (node for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom)))


def import_graph(root: Path, package: str, *, lazy: bool = False) -> dict[str, set[str]]:
    """Module -> the package's modules it imports (at module level; with `lazy`, anywhere)."""
    modules = module_names(root, package)
    statements = _all_imports if lazy else _top_level_imports
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        for node in statements(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                base = node.module or ""
                if node.level:  # relative: from the module's package upwards
                    anchor = name.split(".") if is_package else name.split(".")[:-1]
                    anchor = anchor[: len(anchor) - node.level + 1]
                    base = ".".join(anchor + ([base] if base else []))
                # `from a.b import c` imports the module a.b.c when there is one, else a.b
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
            graph[name] |= {t for t in targets if t in modules and t != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_recbrowser_has_no_import_circle():
    graph = import_graph(ROOT, "recbrowser")
    assert len(graph) > 150 and graph["recbrowser.ui.window.main_window"]  # it read the package
    assert cycles(graph) == []


def test_not_even_lazy_imports_go_round_in_a_circle():
    """The window assembled through main_window -> window_parts -> window_wiring -> main_window,
    and demo.py and ui/app.py imported each other; both were lazy imports."""
    assert cycles(import_graph(ROOT, "recbrowser", lazy=True)) == []


def test_a_circle_is_found_through_from_imports_and_type_checking_blocks_but_not_lazy_imports(tmp_path):
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from pkg.sub import b\n")
    (pkg / "sub" / "b.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg import c\n")
    (pkg / "c.py").write_text("import pkg.a\n")
    (pkg / "d.py").write_text("def later():\n    import pkg.e\n")
    (pkg / "e.py").write_text("from . import d\n")
    assert cycles(import_graph(tmp_path, "pkg")) == [["pkg.a", "pkg.c", "pkg.sub.b"]]
    assert cycles(import_graph(tmp_path, "pkg", lazy=True)) == [["pkg.a", "pkg.c", "pkg.sub.b"], ["pkg.d", "pkg.e"]]


def test_the_window_is_assembled_from_features_that_never_import_it():
    """ui/window/ builds the window from the feature packages and hands each presenter what it
    needs; a feature reaching back into the window is how the old circles began."""
    graph = import_graph(ROOT, "recbrowser", lazy=True)
    window = "recbrowser.ui.window"
    back = sorted(f"{m} -> {t}" for m, targets in graph.items() if m.startswith("recbrowser.ui.")
                  and not m.startswith(window) for t in targets if t.startswith(window))
    assert back == []
