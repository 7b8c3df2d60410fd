"""The package's layers: every module imports only from its own layer and the layers below
(``TYPE_CHECKING`` imports and imports inside functions included), no import cycle
exists, and the model (sim.core) needs only NumPy, Numba, pandas and Mesa. The same
contracts as ``lint-imports`` (``[tool.importlinter]`` in pyproject.toml), read here from
the source with :mod:`ast`, so they hold without import-linter too."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

import sim

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = Path(sim.__file__).resolve().parent

#: Lowest first; a layer may import its own modules and those of the layers before it.
#: ``sim.cli`` and ``sim.app`` share the top and may not import each other.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("sim.core",),
    ("sim.analysis",),
    ("sim.experiments",),
    ("sim.report",),
    ("sim.cli", "sim.app"),
)


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES: dict[str, Path] = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports(name: str) -> dict[str, int]:
    """The package's modules that module ``name`` imports, anywhere in its source, with the
    line of the first such import."""
    path = MODULES[name]
    found: dict[str, int] = {}
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from .x import y
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*up, base] if base else up)
            # ``from sim.core import params`` imports the module sim.core.params
            targets = [
                f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names
            ]
        for t in targets:
            while t and t not in MODULES:  # ``import sim.core.params.X``: the module part
                t = t.rpartition(".")[0]
            if t and t != name:
                found.setdefault(t, node.lineno)
    return found


GRAPH: dict[str, dict[str, int]] = {m: imports(m) for m in MODULES}


def layer(name: str) -> int | None:
    for i, members in enumerate(LAYERS):
        if any(name == m or name.startswith(m + ".") for m in members):
            return i
    return None


def top_package(name: str) -> str:
    return ".".join(name.split(".")[:2])


def test_every_module_is_in_a_layer_except_the_entry_points_and_shims():
    outside = sorted(m for m in MODULES if layer(m) is None)
    # the package (lazy names), ``python -m sim``, and the re-exports of old module paths
    assert outside == ["sim", "sim.__main__", "sim.experiment", "sim.metrics"], outside


def test_no_module_imports_a_higher_layer_or_a_sibling_at_the_top():
    wrong = []
    for m, targets in GRAPH.items():
        mine = layer(m)
        if mine is None:
            continue
        for t, line in targets.items():
            theirs = layer(t)
            if theirs is None:
                if t != "sim":  # a layer may use the package's lazy names, not the shims
                    wrong.append(f"{m}:{line} imports {t} (outside the layers)")
            elif theirs > mine or (
                theirs == mine and len(LAYERS[mine]) > 1 and top_package(t) != top_package(m)
            ):
                wrong.append(f"{m}:{line} imports {t}")
    assert not wrong, "\n".join(wrong)


def test_no_import_cycle():
    cycles = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(m: str, path: list[str]) -> None:
        state[m] = 1
        for t in GRAPH[m]:
            if state.get(t) == 1:
                cycles.append(" -> ".join([*path[path.index(t) :], t]))
            elif t not in state:
                visit(t, [*path, t])
        state[m] = 2

    for m in MODULES:
        if m not in state:
            visit(m, [m])
    assert not cycles, "\n".join(cycles)


def test_the_model_needs_only_numpy_numba_pandas_and_mesa():
    """sim.core imports no plotting, statistics, parallel or dashboard library."""
    allowed = {"numpy", "numba", "pandas", "mesa", "sim"} | set(sys.stdlib_module_names)
    wrong = []
    for m, path in MODULES.items():
        if layer(m) != 0:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level:
                names = [node.module or ""]
            else:
                continue
            wrong += [
                f"{m}:{node.lineno} imports {n}" for n in names if n.split(".")[0] not in allowed
            ]
    assert not wrong, "\n".join(wrong)


def test_the_check_sees_what_it_should():
    """The checks above would see an upward import: one in a TYPE_CHECKING block, one
    inside a function, and one of a module by ``from package import module``."""
    assert "sim.core.model" in GRAPH["sim.experiments.runner"]
    assert "sim.core.params" in GRAPH["sim.core.model"]  # from sim.core import params
    assert "sim.report.write" in GRAPH["sim.cli.run"]  # inside a function
    assert "sim.core.model" in GRAPH["sim"]  # under TYPE_CHECKING
    assert layer("sim.core.phases.care") == 0 and layer("sim.cli.sweep") == 4


def test_import_linter_contract_is_kept():
    """``lint-imports`` (what ``make test`` runs) on the contract in pyproject.toml."""
    pytest.importorskip("importlinter")
    from importlinter.cli import lint_imports

    assert lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True) == 0
