"""The notebooks: each runs top to bottom, and each is stored without outputs.

Every ``notebooks/*.ipynb`` is read into memory and executed with nbclient in a fresh
kernel, with ``notebooks/`` as the working directory; the executed copy is thrown
away, so outputs are never written back. The kernel runs *this* interpreter: the
default ``python3`` kernelspec is used when it does (its ``python`` is replaced by the
running interpreter, or it names it), otherwise a kernelspec for this interpreter is
installed into a temporary directory put first on ``JUPYTER_PATH``. That works on a
fresh machine where only the project's virtual environment exists.
"""

from __future__ import annotations

import os
import sys
import time
import warnings
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))

#: Seconds one cell may take before the run fails.
CELL_TIMEOUT = 180
#: Seconds a whole notebook should take on two cores (a warning above it, not a failure:
#: shared machines vary).
NOTEBOOK_BUDGET = 40

_PYTHON_NAMES = {
    "python",
    f"python{sys.version_info[0]}",
    "python{}.{}".format(*sys.version_info[:2]),
}


def _runs_this_python(argv: list[str]) -> bool:
    if not argv:
        return False
    exe = argv[0]
    if exe in _PYTHON_NAMES:  # jupyter_client swaps these for sys.executable
        return True
    # no symlink resolution: two virtual environments share a base interpreter
    return os.path.abspath(exe) == os.path.abspath(sys.executable)


@pytest.fixture(scope="session")
def kernel_name(tmp_path_factory):
    """The name of a kernelspec that starts this interpreter."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        default_ok = _runs_this_python(list(KernelSpecManager().get_kernel_spec("python3").argv))
    except NoSuchKernel:
        default_ok = False
    if default_ok:
        yield "python3"
        return
    from ipykernel.kernelspec import install

    prefix = tmp_path_factory.mktemp("jupyter")
    name = "workforce-sim-tests"
    install(prefix=str(prefix), kernel_name=name, display_name=f"Python ({sys.executable})")
    mp = pytest.MonkeyPatch()
    old = os.environ.get("JUPYTER_PATH")
    mp.setenv(
        "JUPYTER_PATH",
        os.pathsep.join([str(prefix / "share" / "jupyter"), *([old] if old else [])]),
    )
    try:
        assert _runs_this_python(KernelSpecManager().get_kernel_spec(name).argv)
        yield name
    finally:
        mp.undo()


def test_there_are_notebooks():
    names = {p.name for p in NOTEBOOKS}
    assert {
        "01_quickstart.ipynb",
        "03_classroom_revolving_door.ipynb",
        "04_policy_costs.ipynb",
    } <= names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_is_stored_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        assert cell.get("outputs") == [], f"{path.name}: cell {i} has stored outputs"
        assert cell.get("execution_count") is None, (
            f"{path.name}: cell {i} has an execution count; clear outputs before committing"
        )


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs_top_to_bottom(path, kernel_name):
    before = sorted(p.name for p in NOTEBOOK_DIR.iterdir())
    original = path.read_bytes()
    nb = nbformat.read(path, as_version=4)  # in memory; the file is never written
    client = nbclient.NotebookClient(
        nb,
        timeout=CELL_TIMEOUT,
        kernel_name=kernel_name,
        allow_errors=False,
        resources={"metadata": {"path": str(NOTEBOOK_DIR)}},  # cwd = notebooks/
    )
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    errors = [
        o
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if o.get("output_type") == "error"
    ]
    assert not errors
    assert path.read_bytes() == original, "the notebook file changed while running"
    assert sorted(p.name for p in NOTEBOOK_DIR.iterdir()) == before, (
        "the notebook left files in notebooks/"
    )
    if seconds > NOTEBOOK_BUDGET:
        warnings.warn(
            f"{path.name} took {seconds:.0f} s (budget {NOTEBOOK_BUDGET} s)", stacklevel=1
        )
