"""How the package fits its surroundings: a light start-up, Mesa's ``run_model`` and
``batch_run``, the declared dependencies and licence, the dashboard's address checks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import TINY  # a model that only has to step

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
    proc = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=env, cwd=ROOT, check=True
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


# -- start-up ----------------------------------------------------------------------------
def test_importing_the_package_and_building_the_cli_loads_no_heavy_library():
    # structural, not a timing test: what `workforce-sim --help` imports
    assert _loaded_after("import sim, sim.core.params, sim.cli\nsim.cli.build_parser()") == []


@pytest.mark.parametrize(
    "argv",
    [
        ["--help"],
        ["params"],
        ["params", "--explain", "wage"],
        ["sweep", "--help"],
        ["dashboard", "--help"],
    ],
)
def test_help_and_params_load_no_heavy_library(argv):
    code = (
        "import contextlib, io, sim.cli\n"
        "with contextlib.redirect_stdout(io.StringIO()), "
        "contextlib.suppress(SystemExit):\n"
        f"    sim.cli.main({argv!r})"
    )
    assert _loaded_after(code) == []


@pytest.mark.slow
def test_the_model_is_still_importable_from_the_package():
    import sim
    from sim.core.agents import Client, Worker
    from sim.core.model import WorkforceModel

    assert sim.WorkforceModel is WorkforceModel
    assert (sim.Worker, sim.Client) == (Worker, Client)
    assert {"WorkforceModel", "Worker", "Client"} <= set(dir(sim))
    with pytest.raises(AttributeError, match="no_such_name"):
        sim.no_such_name  # noqa: B018
    # the first access really imports the model, and Mesa with it
    assert "mesa" in _loaded_after("from sim import WorkforceModel")


def test_sweep_choices_match_the_experiment_machinery():
    from sim.cli import sweep
    from sim.experiments.experiment import EXECUTORS
    from sim.experiments.store import FORMATS

    assert sweep.EXECUTORS == EXECUTORS
    assert sweep.CHUNK_FORMATS == FORMATS


# -- Mesa: run_model and batch_run -------------------------------------------------------
def test_run_model_ends_at_the_horizon():
    from sim import WorkforceModel

    m = WorkforceModel(rng=1, horizon_weeks=6, **TINY)
    assert m.running and m.horizon_weeks == 6
    m.run_model()  # would never return without the horizon
    assert not m.running
    assert m.steps == m.t == 6
    assert len(m.datacollector.get_model_vars_dataframe()) == 7  # week 0 and six more
    m.step()  # stepping on by hand still works
    assert m.t == 7 and not m.running


def test_without_a_horizon_the_model_keeps_running():
    from sim import WorkforceModel

    m = WorkforceModel(rng=1, **TINY)
    assert m.horizon_weeks is None
    for _ in range(5):
        m.step()
    assert m.running
    assert WorkforceModel(rng=1, horizon_weeks=0, **TINY).running is False


def test_horizon_does_not_change_the_simulation():
    import pandas as pd

    from sim import WorkforceModel

    runs = []
    for horizon in (None, 5):
        m = WorkforceModel(rng=3, horizon_weeks=horizon, **TINY)
        for _ in range(5):
            m.step()
        runs.append(m.datacollector.get_model_vars_dataframe())
    pd.testing.assert_frame_equal(*runs)


@pytest.mark.parametrize("bad", [-1, 2.5, "52", True, float("nan")])
def test_bad_horizon_is_refused_with_its_name(bad):
    from sim import WorkforceModel
    from sim.core.params import ParameterError

    with pytest.raises(ParameterError, match="horizon_weeks"):
        WorkforceModel(rng=1, horizon_weeks=bad, **TINY)


def test_horizon_accepts_numpy_and_whole_numbers():
    import numpy as np

    from sim import WorkforceModel

    for h in (np.int64(3), np.float32(3.0), 3.0):
        assert WorkforceModel(rng=1, horizon_weeks=h, **TINY).horizon_weeks == 3


def test_batch_run_stops_at_max_steps_or_at_the_horizon():
    import mesa
    import pandas as pd

    from sim import WorkforceModel

    out = pd.DataFrame(
        mesa.batch_run(
            WorkforceModel,
            {"horizon_weeks": [3, 50], **TINY},
            rng=[1],
            max_steps=6,
            number_processes=1,
            display_progress=False,
        )
    )
    last = out.groupby("horizon_weeks")["Step"].max()
    assert last.to_dict() == {3: 3, 50: 6}


def test_horizon_is_in_the_signature():
    import inspect

    from sim import WorkforceModel

    param = inspect.signature(WorkforceModel).parameters["horizon_weeks"]
    assert param.default is None and param.kind is inspect.Parameter.KEYWORD_ONLY


# -- the dashboard's address checks ------------------------------------------------------
@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.5", "localhost"])
def test_loopback_hosts_raise_no_warning(host):
    from sim.cli.dashboard import exposure_warning

    assert exposure_warning(host) is None


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "10.0.0.5"])
def test_hosts_beyond_this_machine_are_warned_about(host):
    from sim.cli.dashboard import exposure_warning

    text = exposure_warning(host)
    assert text and f"--host {host}" in text and "other machines" in text


def test_dashboard_warns_on_stderr_before_serving_an_exposed_host(monkeypatch, capsys):
    pytest.importorskip("solara")
    from sim.cli import dashboard, main

    class Served(Exception):
        pass

    def fake_exec(path, argv, env):
        raise Served(argv)

    monkeypatch.setattr(dashboard.os, "execve", fake_exec)
    monkeypatch.setattr(dashboard, "missing_assets", lambda: [])
    with pytest.raises(Served) as served:
        main(["dashboard", "--host", "0.0.0.0", "--port", "0"])
    argv = served.value.args[0]
    assert argv[argv.index("--host") + 1] == "0.0.0.0"
    err = capsys.readouterr().err
    assert err.startswith("workforce-sim: warning: --host 0.0.0.0") and err.count("\n") == 1
    with pytest.raises(Served):  # and the default host serves without a word
        main(["dashboard", "--port", "0"])
    assert capsys.readouterr().err == ""


def _held_port():
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen()
    return s, s.getsockname()[1]


def test_dashboard_refuses_a_port_in_use_before_starting(capsys):
    from sim.cli import main

    held, port = _held_port()
    with held:
        assert main(["dashboard", "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"workforce-sim: error: cannot listen on 127.0.0.1:{port} (address already "
        "in use); is another dashboard running? Try another --port\n"
    )


@pytest.mark.slow
def test_server_that_cannot_bind_its_port_exits_2_with_one_line(tmp_path):
    """The port taken between the check and the server: the server process itself (what
    the command execs into) reports it. A one-line Solara page keeps this quick."""
    pytest.importorskip("solara")
    from sim.cli.dashboard import APP, command

    page = tmp_path / "page.py"
    page.write_text("import solara\n\n\n@solara.component\ndef Page():\n    solara.Text('x')\n")
    held, port = _held_port()
    with held:
        argv = command("127.0.0.1", port)
        argv[argv.index(APP)] = str(page)
        proc = subprocess.run(
            argv,
            capture_output=True,
            text=True,
            timeout=600,
            cwd=tmp_path,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr == (
        f"workforce-sim: error: cannot listen on 127.0.0.1:{port} (address "
        "already in use); is another dashboard running? Try another --port\n"
    )


# -- the declared package --------------------------------------------------------------------
def _extra(project: dict, name: str) -> set[str]:
    """Distribution names an extra installs, its references to other extras resolved."""
    import re

    out: set[str] = set()
    for req in project["optional-dependencies"][name]:
        m = re.match(r"\s*([A-Za-z0-9_.-]+)\s*(?:\[([^\]]*)\])?", req)
        dist, extras = m[1].lower(), m[2]
        if dist == project["name"]:
            for e in (extras or "").split(","):
                out |= _extra(project, e.strip())
        else:
            out.add(dist)
    return out


def test_pyproject_declares_an_spdx_licence_the_scipy_used_and_complete_notebook_extras():
    import re
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == "MIT"  # an SPDX expression, not a table
    (scipy,) = [d for d in project["dependencies"] if d.startswith("scipy")]
    low = tuple(int(x) for x in re.search(r">=\s*([\d.]+)", scipy)[1].split("."))
    assert low >= (1, 15)  # qmc.LatinHypercube(rng=...) is new in 1.15
    notebooks = _extra(project, "notebooks")
    assert {"jupyterlab", "ipykernel"} <= notebooks
    code = "".join(
        "".join(cell["source"])
        for p in (ROOT / "notebooks").glob("*.ipynb")
        for cell in json.loads(p.read_text())["cells"]
        if cell["cell_type"] == "code"
    )
    assert "sensitivity import" in code  # the Morris and Sobol analyses
    assert "salib" in notebooks  # ... need SALib, which `pip install '.[notebooks]'` brings


def test_a_numpy_integer_seed_is_the_same_seed():
    import mesa
    import numpy as np

    from sim import WorkforceModel

    kw = {"n_workers": 10, "n_clients": 30, "warmup_weeks": 2}
    a, b = WorkforceModel(rng=np.int64(7), **kw), WorkforceModel(rng=7, **kw)
    for _ in range(4):
        a.step()
        b.step()
    assert a.datacollector.get_model_vars_dataframe().equals(
        b.datacollector.get_model_vars_dataframe()
    )
    results = mesa.batch_run(
        WorkforceModel,
        parameters=kw,
        rng=np.arange(1, 3),
        max_steps=2,
        number_processes=1,
        data_collection_period=-1,
        display_progress=False,
    )
    assert len(results) == 2
