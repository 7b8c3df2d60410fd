"""How the package fits its surroundings: a light start-up, Mesa's ``run_model`` and
``batch_run``, the declared dependencies and licence, the dashboard's address checks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: What the command line must not load before a command needs it.
HEAVY = ("mesa", "numba", "pandas", "scipy", "matplotlib", "pyarrow", "solara", "dask")


def _loaded_after(code: str) -> list[str]:
    """Top-level packages among :data:`HEAVY` imported by ``code`` in a fresh Python."""
    probe = (
        "import json, sys\n"
        f"{code}\n"
        f"print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & {set(HEAVY)!r})))"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          env=env, cwd=ROOT, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


# -- start-up ----------------------------------------------------------------------------
def test_importing_the_package_and_building_the_cli_loads_no_heavy_library():
    # structural, not a timing test: what `workforce-sim --help` imports
    assert _loaded_after("import sim, sim.params, sim.cli\nsim.cli.build_parser()") == []


@pytest.mark.parametrize("argv", [["--help"], ["params"], ["params", "--explain", "wage"],
                                  ["sweep", "--help"], ["dashboard", "--help"]])
def test_help_and_params_load_no_heavy_library(argv):
    code = ("import contextlib, io, sim.cli\n"
            "with contextlib.redirect_stdout(io.StringIO()), "
            "contextlib.suppress(SystemExit):\n"
            f"    sim.cli.main({argv!r})")
    assert _loaded_after(code) == []


def test_the_model_is_still_importable_from_the_package():
    import sim
    from sim.agents import Client, Worker
    from sim.model import WorkforceModel

    assert sim.WorkforceModel is WorkforceModel
    assert (sim.Worker, sim.Client) == (Worker, Client)
    assert {"WorkforceModel", "Worker", "Client"} <= set(dir(sim))
    with pytest.raises(AttributeError, match="no_such_name"):
        sim.no_such_name  # noqa: B018
    # and a model is what Mesa expects
    assert _loaded_after("from sim import WorkforceModel") != []


def test_sweep_choices_match_the_experiment_machinery():
    from sim.commands import sweep
    from sim.experiment import EXECUTORS
    from sim.store import FORMATS

    assert sweep.EXECUTORS == EXECUTORS
    assert sweep.CHUNK_FORMATS == FORMATS
