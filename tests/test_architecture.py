"""The import rules of docs/architecture.md, checked over the package's syntax trees.

1. No import cycle among ``mingxing_rules`` modules at module level (imports under
   ``if TYPE_CHECKING:`` are for the type checker only and do not count).
2. No module imports a ``_private`` name from another module.
3. An import inside a function (a "lazy" import) is allowed only for a heavy optional
   dependency (:data:`HEAVY`), or with an entry in :data:`ALLOWED_LAZY` saying why. A lazy
   import of a library module or of a light dependency that hides a cycle is a design problem:
   move the code to the module that owns it instead.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "mingxing_rules"

#: Third-party packages that are heavy or optional extras (pyproject.toml): importing them only
#: when a feature needs them keeps `import mingxing_rules` and `mingxing --help` fast, and the
#: core usable without the extras.
HEAVY = frozenset({
    "dask", "distributed", "durable", "hypothesis", "matplotlib", "numpy", "openpyxl", "pandas",
    "polars", "pyarrow", "rich", "z3",
})

#: ``(importing module, imported module)`` -> why the import is inside a function.
ALLOWED_LAZY: dict[tuple[str, str], str] = {
    # the library's own modules that wrap a heavy optional dependency
    ("mingxing_rules.engine.evaluate", "mingxing_rules.backends"):
        "the durable and verified backends register themselves on first use: they import "
        "durable_rules (heavy, and absent on Python 3.13+) and read engine.evaluate",
    ("mingxing_rules.backends", "mingxing_rules.backends.durable"):
        "durable_rules is imported only when the durable backend is asked for",
    ("mingxing_rules.backends", "mingxing_rules.backends.verified"):
        "the verified backend runs the durable one (durable_rules)",
    ("mingxing_rules.backends", "mingxing_rules.engine.evaluate"):
        "registration into the engine happens on first use of a backend (see above)",
    ("mingxing_rules.backends.verified", "mingxing_rules.backends.durable"):
        "durable_rules is imported only when verified mode runs",
    ("mingxing_rules.cli._check_durable", "mingxing_rules.backends"):
        "`mingxing check --backend durable` only: durable_rules",
    ("mingxing_rules.cli._check_durable", "mingxing_rules.backends.durable"):
        "`mingxing check --backend durable` only: durable_rules",
    ("mingxing_rules.regression.mutants", "mingxing_rules.proofs.equivalence"):
        "the SMT proof of equivalence needs z3-solver, an optional extra",
    ("mingxing_rules.regression.impact", "mingxing_rules.regression.strategies"):
        "flip search draws offices with Hypothesis, an optional extra",
    ("mingxing_rules.cli._parquet", "mingxing_rules.columnar"):
        "`mingxing evaluate --parquet` only: polars and pyarrow, optional extras",
    ("mingxing_rules.cli._parquet", "mingxing_rules.dask"):
        "`--cluster` only: dask and distributed, optional extras",
    ("mingxing_rules.proofs.equivalence", "mingxing_rules.regression.impact"):
        "regression.impact imports proofs lazily for z3; proofs load flip search on demand",
    # known debt, outside issue 11's change (modules owned by other work in progress); each
    # is a plain module import that should move to module level
    ("mingxing_rules.dask", "mingxing_rules.atomic"): "debt: dask.py (issue 18 work)",
    ("mingxing_rules.dask", "mingxing_rules.columnar.frame"): "debt: dask.py (issue 18 work)",
    ("mingxing_rules.dask", "mingxing_rules.columnar.validate"): "debt: dask.py (issue 18 work)",
    ("mingxing_rules.dask", "mingxing_rules.columnar.compile"): "debt: dask.py (issue 18 work)",
    ("mingxing_rules.columnar.frame", "mingxing_rules.atomic"): "debt: columnar (issue 18 work)",
    ("mingxing_rules.proofs.equivalence", "mingxing_rules.ruleset.load"): "debt: proofs (17)",
    ("mingxing_rules.proofs.equivalence", "mingxing_rules.regression.diff"): "debt: proofs (17)",
    ("mingxing_rules.proofs.translate", "mingxing_rules.language.expr"): "debt: proofs (17)",
    ("mingxing_rules.proofs.checks", "mingxing_rules.ruleset.load"): "debt: proofs (17)",
    ("mingxing_rules.proofs.checks", "mingxing_rules.engine.evaluate"): "debt: proofs (17)",
    ("mingxing_rules.backends", "importlib.metadata"): "debt: backends (being split)",
    ("mingxing_rules.proofs.equivalence", "datetime"): "debt: proofs (17)",
    ("mingxing_rules.explain.report", "mingxing_rules.explain.text"):
        "debt: explain (speed work in progress)",
    ("mingxing_rules.explain.report", "mingxing_rules.explain.markdown"):
        "debt: explain (speed work in progress)",
    ("mingxing_rules.explain.report", "mingxing_rules.explain.html"):
        "debt: explain (speed work in progress)",
    ("mingxing_rules.explain.wording", "mingxing_rules.ruleset.load"):
        "debt: explain (speed work in progress)",
}


@attrs.frozen
class Import:
    module: str  # the importing module
    target: str  # the module imported from (``from target import names``)
    names: tuple[str, ...]
    line: int
    lazy: bool  # inside a function
    type_only: bool  # under ``if TYPE_CHECKING:``


def _modules() -> dict[str, tuple[Path, bool]]:
    found: dict[str, tuple[Path, bool]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts.pop()
        found[".".join(parts)] = (path, is_package)
    return found


MODULES = _modules()


def _walk(node: ast.AST, lazy: bool, type_only: bool) -> Iterator[tuple[ast.AST, bool, bool]]:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.Import | ast.ImportFrom):
            yield child, lazy, type_only
        elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            yield from _walk(child, True, type_only)
        elif isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
            for statement in child.body:
                yield from _walk_one(statement, lazy, True)
            for statement in child.orelse:
                yield from _walk_one(statement, lazy, type_only)
        else:
            yield from _walk(child, lazy, type_only)


def _walk_one(node: ast.AST, lazy: bool, type_only: bool) -> Iterator[tuple[ast.AST, bool, bool]]:
    if isinstance(node, ast.Import | ast.ImportFrom):
        yield node, lazy, type_only
    else:
        yield from _walk(node, lazy, type_only)


def imports_of(module: str) -> list[Import]:
    path, is_package = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[Import] = []
    for node, lazy, type_only in _walk(tree, False, False):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".") if is_package else module.split(".")[:-1]
                base = base[:len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            names = tuple(alias.name for alias in node.names)
            found.append(Import(module, target, names, node.lineno, lazy, type_only))
        else:
            assert isinstance(node, ast.Import)
            for alias in node.names:
                found.append(Import(module, alias.name, (), node.lineno, lazy, type_only))
    return found


IMPORTS = [item for module in MODULES for item in imports_of(module)]


def _targets(item: Import) -> list[str]:
    """The library modules an import loads: ``from pkg import mod`` names the submodule."""
    if not item.target.startswith("mingxing_rules"):
        return []
    submodules = [f"{item.target}.{n}" for n in item.names if f"{item.target}.{n}" in MODULES]
    return submodules or ([item.target] if item.target in MODULES else [])


def module_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for item in IMPORTS:
        if item.lazy or item.type_only:
            continue
        for target in _targets(item):
            if target != item.module:
                graph[item.module].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root, targets in graph.items():
        if root in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(root, iter(sorted(targets)))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, pending = work[-1]
            advanced = False
            for child in pending:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component: list[str] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_import_cycle_at_module_level() -> None:
    assert cycles(module_graph()) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]


def test_no_private_name_is_imported_from_another_module() -> None:
    private = [f"{i.module}:{i.line} imports {n} from {i.target}" for i in IMPORTS
               if i.target.startswith("mingxing_rules") for n in i.names
               if n.startswith("_") and not n.startswith("__")]
    assert private == []


def _lazy_problems() -> list[str]:
    problems = []
    for item in IMPORTS:
        if not item.lazy or item.type_only:
            continue
        top = item.target.split(".")[0]
        if top in HEAVY:
            continue
        targets = _targets(item) or [item.target]
        for target in targets:
            if (item.module, target) not in ALLOWED_LAZY:
                problems.append(f"{item.module}:{item.line} imports {target} inside a function")
    return problems


def test_imports_inside_functions_are_for_heavy_dependencies_or_explained() -> None:
    assert _lazy_problems() == []


def test_every_allowed_lazy_import_still_exists_and_says_why() -> None:
    lazy = {(i.module, t) for i in IMPORTS if i.lazy for t in (_targets(i) or [i.target])}
    stale = [key for key in ALLOWED_LAZY if key not in lazy]
    assert stale == [], "remove these entries: the imports moved to module level"
    assert all(len(reason) > 10 for reason in ALLOWED_LAZY.values())


@pytest.mark.parametrize("module", ["mingxing_rules", "mingxing_rules.cli"])
def test_importing_the_library_loads_no_heavy_dependency(module: str) -> None:
    """`import mingxing_rules` and `mingxing --help` stay light (a child process: a clean
    sys.modules)."""
    import subprocess
    import sys

    code = (f"import sys, {module}; print(sorted({{m.split('.')[0] for m in sys.modules}} & "
            f"set({sorted(HEAVY)!r})))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "[]"
