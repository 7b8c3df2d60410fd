"""Names instead of positions: the measures, the weekly events buffer and each phase's
random draws are declared once, by name, and everything else reads the declarations.

The slow test at the end adds a measure to a copy of the package (its declaration and
its computation, nothing else) and runs it with Numba's bounds checks on."""

from __future__ import annotations

import inspect
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import sim.core.phases as phases
from sim import WorkforceModel
from sim.core.draws import UniformPool, take
from sim.core.observe import as_metrics, measure, observe
from sim.core.outputs import METRICS, SLOT, indices
from sim.core.state import EVENT

SIM = Path(__file__).resolve().parents[1] / "sim" / "core"


def test_indices_name_positions():
    ix = indices(("a", "b", "c"))
    assert (ix.a, ix.b, ix.c) == (0, 1, 2) and len(ix) == 3 and ix._fields == ("a", "b", "c")


def test_every_measure_has_a_slot_generated_from_its_declaration():
    assert SLOT._fields == tuple(METRICS)
    assert [getattr(SLOT, name) for name in METRICS] == list(range(len(METRICS)))


def test_the_observation_kernel_writes_every_slot_by_name_once(small_agency):
    source = inspect.getsource(measure.py_func)
    targets = re.findall(r"\bout\[([^\]]*)\]\s*=", source)
    assert all(t.startswith("SLOT.") for t in targets), targets  # never a position
    written = [t.removeprefix("SLOT.") for t in targets]
    assert sorted(written) == sorted(METRICS), set(written) ^ set(METRICS)

    m = WorkforceModel(rng=1, float_pool=2, **small_agency)
    m.step()
    out = np.full(len(SLOT), np.nan)  # a slot left unwritten stays NaN
    measure(
        m.workers.arrays,
        m.clients.arrays,
        m.continuity.arrays,
        m.params_record[0],
        m.costs,
        m.ledgers,
        m.events,
        m.t,
        out,
    )
    assert np.isfinite(out).all(), [n for n, v in zip(METRICS, out, strict=True) if v != v]
    assert as_metrics(out) == m.metrics == observe(m)


def test_reporters_and_recorded_measures_follow_the_declaration_in_order(small_agency):
    m = WorkforceModel(rng=2, **small_agency)
    for _ in range(3):
        m.step()
    assert list(m.datacollector.model_reporters) == list(METRICS)
    assert list(m.metrics) == list(METRICS)
    frame = m.datacollector.get_model_vars_dataframe()
    assert list(frame.columns) == list(METRICS) and len(frame) == 4


def test_the_events_buffer_is_read_by_name(small_agency):
    m = WorkforceModel(rng=3, time_to_fill=1.0, **small_agency)
    seen = 0
    for _ in range(30):
        m.step()
        ev = m.events
        assert ev[EVENT.hires] == m.metrics["hires"]
        assert ev[EVENT.quits] == m.metrics["quits"]
        assert ev[EVENT.dismissals] == m.metrics["dismissals"]
        assert ev[EVENT.quits] + ev[EVENT.dismissals] == ev[EVENT.leavers]
        hired = ev[len(EVENT) : len(EVENT) + ev[EVENT.hires]]
        assert (m.workers.hire_week[hired] == m.t).all()
        seen += ev[EVENT.hires]
    assert seen > 0  # some weeks had hires to check


def test_each_drawing_phase_declares_its_uniforms_and_the_week_adds_them_up():
    drawing = []
    for path in sorted((SIM / "phases").glob("*.py")):
        if re.search(r"\btake\(", path.read_text(encoding="utf-8")):
            drawing.append(path.stem)
    assert sorted(p.__name__.rsplit(".", 1)[1] for p in phases._DRAWING) == drawing
    sizes = (50, 120, 30, 4)
    parts = [p.uniforms(*sizes) for p in phases._DRAWING]
    assert all(n > 0 for n in parts)
    assert phases.week_draws(*sizes) == sum(parts)
    assert phases.week_draws(*sizes) < phases.week_draws(51, 120, 30, 4)  # grows with size


def test_an_overdrawn_take_raises():
    buffer, pos = np.arange(5.0), np.zeros(1, dtype=np.int64)
    np.testing.assert_array_equal(take(buffer, pos, 3), [0.0, 1.0, 2.0])
    with pytest.raises(IndexError, match="more uniforms than the pool holds"):
        take(buffer, pos, 3)
    assert pos[0] == 3  # nothing taken
    np.testing.assert_array_equal(take(buffer, pos, 2), [3.0, 4.0])


def test_weeks_take_no_more_than_declared_when_the_pool_holds_just_that(monkeypatch, small_agency):
    """The pool refilled with exactly what the model asks for: a phase taking more than
    its declaration would make :func:`take` raise."""

    def exact(self, n):
        self.buffer = self.rng.random(n)
        self.pos[0] = 0

    monkeypatch.setattr(UniformPool, "ensure", exact)
    m = WorkforceModel(
        "foundation",
        rng=7,
        float_pool=3,
        discharge_rate=0.05,
        absence_rate=0.2,
        time_to_fill=1.0,
        **small_agency,
    )
    for _ in range(20):
        m.step()
    assert m.metrics["hires"] >= 0  # (it ran)


# -- a new measure in a copy of the package, under Numba's bounds checks -----------------
NEW_METRIC = (
    '    Metric("training_share", "Share in training", "share of workers", 0, 1, "mean",\n'
    '           None, "Share of employed workers still in training (added by a test)."),\n'
    "]\n"
)
NEW_COMPUTATION = (
    "    out[SLOT.training_share] = (headcount - floor) / headcount if headcount else 0.0\n"
)

SCRIPT = r"""
import json
import numpy as np
import pandas as pd
from numba.core import config

from sim import WorkforceModel
from sim.report.charts import _metric_title
from sim.core.draws import UniformPool, take
from sim.experiments.runner import final_year
from sim.core.state import mean_competence
from sim.analysis.summary import summarise

out = {"boundscheck": bool(config.BOUNDSCHECK)}
try:
    mean_competence(np.zeros((2, 3)), 5)  # row 5 of 2: caught only with bounds checks
    out["index_checked"] = False
except IndexError:
    out["index_checked"] = True
try:
    take(np.zeros(3), np.zeros(1, dtype=np.int64), 4)
    out["take_checked"] = False
except IndexError:
    out["take_checked"] = True

m = WorkforceModel("hybrid", rng=1, n_workers=12, n_clients=36, float_pool=2,
                   warmup_weeks=10, time_to_fill=1.0, preservice_hours=120.0,
                   base_quit_hazard=0.02)  # leavers, so hires in training
for _ in range(12):
    m.step()
ts = m.datacollector.get_model_vars_dataframe()
out["columns"] = list(ts.columns)
out["pairs"] = ts[["training_share", "in_training", "headcount"]].to_numpy().tolist()
final = final_year(ts)
runs = pd.DataFrame([{"regime": "hybrid", **final}, {"regime": "hybrid", **final}])
out["summary"] = summarise(runs, metrics=["training_share"])["metric"].tolist()
out["title"] = _metric_title("training_share", [("A", 3, 0.1, 0.05, 0.15),
                                                 ("B", 3, 0.3, 0.25, 0.35)])


def exact(self, n):  # the pool holds just what is asked for: admissions wait a week
    self.buffer = self.rng.random(n)
    self.pos[0] = 0


UniformPool.ensure = exact
m = WorkforceModel(rng=2, n_workers=10, n_clients=30, warmup_weeks=5, discharge_rate=0.1)
for _ in range(8):
    m.step()
out["tight_weeks"] = int(m.t)
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def with_new_measure(tmp_path_factory) -> dict:
    """A copy of the package with one measure added (a declaration in outputs.py and a
    line in observe.py's kernel), run with ``NUMBA_BOUNDSCHECK=1``: every kernel
    compiles afresh with bounds checks, into a cache of its own (and at ``NUMBA_OPT=0``:
    LLVM's optimisations would only make this small run faster, and cost half a minute
    of compiling)."""
    root = tmp_path_factory.mktemp("new_measure")
    shutil.copytree(SIM.parent, root / "sim", ignore=shutil.ignore_patterns("__pycache__"))
    outputs, observe_py = root / "sim" / "core" / "outputs.py", root / "sim" / "core" / "observe.py"
    text = outputs.read_text(encoding="utf-8")
    assert text.count("\n]\n") == 1
    outputs.write_text(text.replace("\n]\n", "\n" + NEW_METRIC, 1), encoding="utf-8")
    text = observe_py.read_text(encoding="utf-8")
    assert text.rstrip().endswith("out[SLOT.cost_per_client_year] = led[COST].sum() / n_clients")
    observe_py.write_text(text.rstrip() + "\n" + NEW_COMPUTATION, encoding="utf-8")
    env = {
        **os.environ,
        "PYTHONPATH": str(root),
        "NUMBA_BOUNDSCHECK": "1",
        "NUMBA_OPT": "0",  # bounds are what is checked here: compile fast, not run fast
        "NUMBA_CACHE_DIR": str(root / "numba-cache"),
        "MPLBACKEND": "Agg",
    }
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        env=env,
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_the_model_runs_with_bounds_checks_on(with_new_measure):
    r = with_new_measure
    assert r["boundscheck"] and r["index_checked"], "bounds checks were not on"
    assert r["take_checked"]
    assert r["tight_weeks"] == 8  # the refill path (deferred admissions) ran too


@pytest.mark.slow
def test_a_new_measure_needs_only_its_declaration_and_computation(with_new_measure):
    r = with_new_measure
    assert r["columns"][-1] == "training_share"  # recorded by the DataCollector
    assert len(r["columns"]) == len(METRICS) + 1
    for share, in_training, headcount in r["pairs"]:
        assert share == pytest.approx(in_training / headcount if headcount else 0.0)
    assert any(share > 0 for share, _, _ in r["pairs"])
    assert r["summary"] == ["training_share"]  # summarised like any measure
    assert r["title"].startswith("Share in training is highest under B")  # better = None
