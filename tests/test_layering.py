"""The house's layering, read from the source: who imports whom in ``lib``.

The graph is built from the AST of every module under ``lib/``: module-level imports and the
ones inside functions (and under ``TYPE_CHECKING``) alike, since a function-local import is
still a dependency and can still close a circle. ``from lib.x import y`` is an edge to
``lib.x.y`` when that is a module, else to ``lib.x``.

Held here:
- no import circles (the circle is reported, module by module);
- the store (``lib/store``) imports only ``lib.store.*``, ``lib`` (DATA_DIR) and ``lib.errors``
  (the one error type, which imports nothing of lib);
- only ``lib/ui`` imports streamlit inside lib; pages (``views/``) and ``dashboard.py`` import no
  SQLAlchemy; no package of lib but ``lib.ui`` imports ``lib.ui``;
- the declared layer order ``LAYERS``: a module imports only its own layer and those below.

The checker itself is run on small synthetic graphs first, so a broken checker cannot pass
silently.
"""
from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: Layers from the ground up; a module may import its own layer and those below. A module
#: belongs to the layer of the longest package named here that contains it.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("lib", "lib.errors"),
    ("lib.store", "lib.auth"),
    ("lib.common", "lib.i18n"),
    ("lib.rules",),
    ("lib.ingest", "lib.pipeline", "lib.workspaces"),
    ("lib.overview", "lib.segments", "lib.lifecycle", "lib.churn", "lib.offers", "lib.operations",
     "lib.demo", "lib.uplift"),
    # the monthly run composes the pages' code paths without the UI (issue 19)
    ("lib.monthly",),
    ("lib.ui", "lib.cli", "lib.__main__", "lib.publish"),
)
#: What the ground floor may import (besides itself).
STORE_MAY_IMPORT = frozenset({"lib", "lib.errors"})
#: Circles known and not yet untangled, each with why; the test fails on any other circle and
#: when one of these is gone (so its entry goes too). lib.ui.workspace (main, e9db4af) draws with
#: lib.ui's engine, language and caches while lib.ui's engine() asks it for the chosen store:
#: the shared part (the run's workspace in session state) is to move down into a module of its own.
KNOWN_CIRCLES: dict[frozenset[str], str] = {
    frozenset({"lib.ui", "lib.ui.workspace"}): "the chosen workspace's state, read by lib.ui.engine",
}


@dataclass
class Module:
    """One source file: its dotted name, the lib modules it imports and the top-level names
    of every other package it imports."""

    name: str
    imports: set[str] = field(default_factory=set)
    external: set[str] = field(default_factory=set)


def module_name(path: Path, root: Path) -> str:
    """``lib/store/__init__.py`` -> ``lib.store``; ``lib/store/spark.py`` -> ``lib.store.spark``."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve(name: str, known: set[str]) -> str | None:
    """The known module ``name`` is, or the nearest known package above it (None: not ours)."""
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


def read_imports(path: Path, root: Path, known: set[str], package: str = "lib") -> Module:
    """Every import in ``path`` (at any depth of the tree), resolved against ``known``."""
    name = module_name(path, root)
    found = Module(name)
    here = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:   # relative: from the containing package, one level up per extra dot
                anchor = here.split(".")[: len(here.split(".")) - (node.level - 1)]
                base = ".".join(anchor + ([node.module] if node.module else []))
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base
                       for alias in node.names]
        else:
            continue
        for target in targets:
            if target == package or target.startswith(package + "."):
                resolved = _resolve(target, known)
                if resolved and resolved != name:
                    found.imports.add(resolved)
            else:
                found.external.add(target.split(".")[0])
    return found


def source_files(root: Path, package: str = "lib") -> list[Path]:
    return sorted((root / package).rglob("*.py"))


def lib_graph(root: Path = ROOT, package: str = "lib") -> dict[str, Module]:
    """The modules of ``package`` under ``root``, by name, with what each imports."""
    files = source_files(root, package)
    known = {module_name(path, root) for path in files}
    return {m.name: m for m in (read_imports(path, root, known, package) for path in files)}


def find_cycle(edges: Mapping[str, Iterable[str]]) -> list[str] | None:
    """One import circle of ``edges`` as ``[a, b, ..., a]``, or None when there is none."""
    state: dict[str, int] = {}   # 1 on the current path, 2 done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(edges):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def layer_of(module: str, layers: tuple[tuple[str, ...], ...] = LAYERS) -> int | None:
    """Index of the layer of the longest declared package containing ``module``."""
    best: tuple[int, int] | None = None   # (length of the package name, layer)
    for index, packages in enumerate(layers):
        for package in packages:
            if module == package or module.startswith(package + "."):
                if best is None or len(package) > best[0]:
                    best = (len(package), index)
    return None if best is None else best[1]


def layer_violations(edges: Mapping[str, Iterable[str]],
                     layers: tuple[tuple[str, ...], ...] = LAYERS) -> list[str]:
    """Every import from a lower layer into a higher one, and every module in no layer."""
    problems = []
    for module in sorted(edges):
        own = layer_of(module, layers)
        if own is None:
            problems.append(f"{module} is in no declared layer")
            continue
        for target in sorted(edges[module]):
            theirs = layer_of(target, layers)
            if theirs is not None and theirs > own:
                problems.append(f"{module} (layer {own}: {', '.join(layers[own])}) imports "
                                f"{target} (layer {theirs}: {', '.join(layers[theirs])})")
    return problems


# --- the checker on graphs whose answer is known ---------------------------------------------

SYNTHETIC_LAYERS = (("lib.store",), ("lib.rules",), ("lib.ui",))


def test_the_checker_finds_a_circle_and_an_upward_import():
    """Hand-made graph: store -> rules -> store is a circle (and store -> rules goes up);
    ui -> rules is downward, allowed; lib.stray is in no layer."""
    edges = {"lib.store": {"lib.rules"}, "lib.rules": {"lib.store"}, "lib.ui": {"lib.rules"},
             "lib.stray": set()}
    assert find_cycle(edges) == ["lib.rules", "lib.store", "lib.rules"]
    assert layer_violations(edges, SYNTHETIC_LAYERS) == [
        "lib.store (layer 0: lib.store) imports lib.rules (layer 1: lib.rules)",
        "lib.stray is in no declared layer",
    ]
    downward = {"lib.ui": {"lib.rules"}, "lib.rules": {"lib.store"}, "lib.store": set()}
    assert find_cycle(downward) is None and layer_violations(downward, SYNTHETIC_LAYERS) == []


def test_the_checker_reads_function_local_and_submodule_imports(tmp_path):
    """A tiny package on disk: ``a`` imports ``pkg.b`` inside a function through
    ``from lib.pkg import b`` (a submodule), ``pkg.b`` imports ``a`` at module level by a
    relative import, and ``pkg`` (``__init__``) imports a name, not a module, from ``pkg.b``."""
    lib = tmp_path / "lib"
    (lib / "pkg").mkdir(parents=True)
    (lib / "__init__.py").write_text("")
    (lib / "a.py").write_text("import json\n\ndef f():\n    from lib.pkg import b\n    return b\n")
    (lib / "pkg" / "__init__.py").write_text("from lib.pkg.b import VALUE\n")
    (lib / "pkg" / "b.py").write_text("from .. import a\nVALUE = 1\n")
    graph = lib_graph(tmp_path)
    assert graph["lib.a"].imports == {"lib.pkg.b"} and graph["lib.a"].external == {"json"}
    assert graph["lib.pkg"].imports == {"lib.pkg.b"}
    assert graph["lib.pkg.b"].imports == {"lib.a"}
    assert find_cycle({n: m.imports for n, m in graph.items()}) == ["lib.a", "lib.pkg.b", "lib.a"]


# --- the house ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def graph() -> dict[str, Module]:
    return lib_graph()


def circles(edges: Mapping[str, Iterable[str]]) -> list[frozenset[str]]:
    """The modules of every import circle of ``edges``, one set per strongly connected group
    (Tarjan's algorithm), so that a known circle cannot hide another."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[frozenset[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(frozenset(group))

    for start in sorted(edges):
        if start not in index:
            visit(start)
    return found


def test_the_checker_groups_every_circle():
    """Two circles joined by a one-way edge are two groups; a chain is none."""
    edges = {"a": {"b"}, "b": {"a", "c"}, "c": {"d"}, "d": {"c"}, "e": {"a"}}
    assert sorted(map(sorted, circles(edges))) == [["a", "b"], ["c", "d"]]
    assert circles({"a": {"b"}, "b": {"c"}, "c": set()}) == []


def test_lib_has_no_import_circle(graph):
    edges = {name: module.imports for name, module in graph.items()}
    found = circles(edges)
    unknown = [group for group in found if group not in KNOWN_CIRCLES]
    for group in unknown:   # name one concrete path through each new circle
        cycle = find_cycle({n: set(edges[n]) & group for n in group})
        pytest.fail("import circle: " + " -> ".join(cycle or sorted(group)))
    gone = [sorted(group) for group in KNOWN_CIRCLES if group not in found]
    assert gone == [], "untangled: remove from KNOWN_CIRCLES"


def test_the_store_imports_nothing_above_it(graph):
    store = [m for m in graph.values() if m.name == "lib.store" or m.name.startswith("lib.store.")]
    assert len(store) >= 5   # __init__, engine, tables, schema, filters (and spark)
    upward = {m.name: sorted(t for t in m.imports
                             if not t.startswith("lib.store") and t not in STORE_MAY_IMPORT)
              for m in store}
    assert not {name: targets for name, targets in upward.items() if targets}


def test_only_lib_ui_imports_streamlit(graph):
    others = sorted(m.name for m in graph.values()
                    if "streamlit" in m.external and not (m.name == "lib.ui" or m.name.startswith("lib.ui.")))
    assert others == []


def test_pages_import_no_sqlalchemy():
    known: set[str] = set()
    pages = [*sorted((ROOT / "views").glob("*.py")), ROOT / "dashboard.py"]
    offenders = sorted(path.name for path in pages
                       if "sqlalchemy" in read_imports(path, ROOT, known).external)
    assert len(pages) > 5 and offenders == []


def test_no_domain_package_imports_the_ui(graph):
    offenders = sorted(f"{m.name} -> lib.ui" for m in graph.values()
                       if "lib.ui" in m.imports and layer_of(m.name) != layer_of("lib.ui"))
    assert offenders == []


def test_every_import_goes_down_the_declared_layers(graph):
    problems = layer_violations({name: module.imports for name, module in graph.items()})
    assert problems == [], "\n".join(problems)


def test_the_migrations_reach_the_schema_the_tables_describe():
    from lib.pipeline.migrations import MIGRATIONS
    from lib.store import SCHEMA_VERSION

    assert [step for step, _ in MIGRATIONS] == list(range(2, SCHEMA_VERSION + 1))
