"""The report of a sweep (sim/report/sweep.py, sim/analysis/sweep.py): written when a
sweep finishes or is resumed, and again with ``workforce-sim sweep --report-only DIR``."""

from __future__ import annotations

import hashlib
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.analysis.sweep import (
    FactorInfo,
    contrast_differences,
    contrast_of,
    factor_effects,
)
from sim.cli import main
from sim.experiments.experiment import load
from sim.experiments.sweepspec import SENSITIVITY_OUTPUTS

from helpers import sweep_toml

REPS = 3
SPEC = sweep_toml(
    name="report test",
    replications=REPS,
    cross=["regime"],
    factors={"regime": ["jit", "foundation"], "wage": [17.0, 22.0]},
)
REPORT_FILES = {"report.html", "report.md", "report"}


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    """A finished 2 x 2 sweep (regime crossed with wage), 3 replications, SMALL agency,
    52 weeks: run through the command line."""
    d = tmp_path_factory.mktemp("sweep")
    spec = d / "spec.toml"
    spec.write_text(SPEC)
    out = d / "out"
    status = main(["sweep", str(spec), "--out", str(out), "--jobs", "2", "--no-progress"])
    assert status == 0
    return spec, out


def _snapshot(out):
    """Hash and modification time of every file that is not part of the report."""
    snap = {}
    for p in sorted(out.rglob("*")):
        rel = p.relative_to(out)
        if rel.parts[0] in REPORT_FILES or not p.is_file():
            continue
        snap[str(rel)] = (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
    return snap


def test_finished_sweep_writes_report_and_charts_naming_each_factor(swept):
    _, out = swept
    html = (out / "report.html").read_text()
    md = (out / "report.md").read_text()
    for factor in ("regime", "wage"):
        for ext in ("png", "svg"):
            f = out / "report" / f"effect_{factor}.{ext}"
            assert f.is_file() and f.stat().st_size > 1000
    assert (out / "report" / "difference_wage.png").is_file()
    assert not (out / "report" / "difference_regime.png").exists()  # no regime vs itself
    assert "Wage (USD/hour)" in html and "Training regime" in html
    assert html.count('src="data:image/png;base64,') == 3  # self-contained
    assert "](report/effect_wage.png)" in md and "](report/difference_wage.png)" in md
    assert "marginal means" in md.lower()
    assert "Foundation-first − JIT-only" in md


def test_effect_means_equal_the_means_of_the_runs(swept):
    _, out = swept
    eff = pd.read_csv(out / "report" / "effects.csv")
    frame = load(out, timeseries=False).frame()
    assert len(frame) == 2 * 2 * REPS
    assert set(SENSITIVITY_OUTPUTS) <= set(eff["measure"])
    for factor in ("regime", "wage"):
        direct = frame.groupby(factor)[list(SENSITIVITY_OUTPUTS)].mean()
        for m in SENSITIVITY_OUTPUTS:
            for level, value in direct[m].items():
                key = f"{level:g}" if isinstance(level, float) else str(level)
                row = eff[
                    (eff.factor == factor) & (eff.level.astype(str) == key) & (eff.measure == m)
                ]
                assert len(row) == 1, (factor, level, m)
                r = row.iloc[0]
                assert r["mean"] == pytest.approx(value, rel=1e-12, abs=1e-12)
                assert r["n_runs"] == 2 * REPS and r["n_units"] == REPS
    # the interval: Student t over the replicates' means at the level (other factor averaged)
    m = "turnover_rate"
    per_rep = frame[frame.wage == 17.0].groupby("replicate")[m].mean().to_numpy()
    lo, hi = stats.t.interval(0.95, len(per_rep) - 1, per_rep.mean(), stats.sem(per_rep))
    row = eff[(eff.factor == "wage") & (eff.level.astype(str) == "17") & (eff.measure == m)].iloc[0]
    assert row["ci_low"] == pytest.approx(max(lo, 0.0)) and row["ci_high"] == pytest.approx(hi)
    assert row["ci_low"] < row["mean"] < row["ci_high"]


def test_crossed_regime_difference_across_the_other_factor(swept):
    _, out = swept
    diff = pd.read_csv(out / "report" / "regime_differences.csv")
    assert set(diff["factor"]) == {"wage"}
    assert set(diff["regime"]) == {"foundation"} and set(diff["reference"]) == {"jit"}
    frame = load(out, timeseries=False).frame()
    for wage in (17.0, 22.0):
        at = frame[frame.wage == wage].set_index(["replicate", "regime"])
        for m in SENSITIVITY_OUTPUTS:
            paired = at[m].xs("foundation", level="regime") - at[m].xs("jit", level="regime")
            row = diff[(diff.level.astype(str) == f"{wage:g}") & (diff.measure == m)].iloc[0]
            assert row["mean"] == pytest.approx(paired.mean(), abs=1e-12)
            assert row["n_units"] == REPS


def test_regenerating_the_report_touches_nothing_else(swept):
    _, out = swept
    before = _snapshot(out)
    (out / "report.html").unlink()
    (out / "report" / "effect_wage.png").unlink()
    old_md = (out / "report.md").read_text()
    assert main(["sweep", "--report-only", str(out)]) == 0
    assert _snapshot(out) == before
    assert (out / "report.html").is_file() and (out / "report" / "effect_wage.png").is_file()
    assert (out / "report.md").read_text() == old_md  # same results, same report
    assert not [p for p in out.iterdir() if p.name.startswith(".report")]  # no leftovers


def test_resumed_sweep_writes_the_report(swept):
    spec, out = swept
    for name in ("report.html", "report.md"):
        (out / name).unlink()
    assert main(["sweep", str(spec), "--out", str(out), "--resume", "--no-progress"]) == 0
    assert (out / "report.html").is_file() and (out / "report.md").is_file()


@pytest.mark.parametrize(
    "argv, words",
    [
        (["sweep", "--report-only", "{tmp}"], ["--report-only", "not a sweep folder"]),
        (["sweep", "--report-only", "{tmp}/none"], ["--report-only", "no such folder"]),
        (["sweep", "spec.toml", "--report-only", "{tmp}"], ["--report-only", "takes no spec"]),
        (["sweep", "--report-only", "{tmp}", "--resume"], ["--report-only", "--resume"]),
        (["sweep"], ["spec is required", "--report-only"]),
    ],
)
def test_report_only_bad_input(tmp_path, capsys, argv, words):
    (tmp_path / "notes.txt").write_text("mine")
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("workforce-sim: error: ") and len(err.splitlines()) == 1
    assert all(w in err for w in words), err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]  # nothing written


# -- the analysis on made-up runs (no model) ------------------------------------------------
def _sampled_frame(crossed: bool) -> pd.DataFrame:
    """An LHS-like sweep: 60 design points, x drawn on [0, 10], 2 replicates; with
    ``crossed`` both regimes at every design point (sharing their noise)."""
    rng = np.random.default_rng(3)
    rows = []
    for d in range(60):
        x = rng.uniform(0, 10)
        regimes = ("a", "b") if crossed else (("a", "b")[d % 2],)
        noise = rng.normal(0, 0.01, size=2)
        for reg in regimes:
            for r in range(2):
                y = 0.02 * x + (0.05 if reg == "b" else 0.0) + noise[r]
                rows.append({"design_point": d, "replicate": r, "regime": reg, "x": x, "y": y})
    return pd.DataFrame(rows)


def test_many_valued_factor_is_binned_and_paired_by_design_point():
    factors = [
        FactorInfo("x", "float", None, False),
        FactorInfo("regime", "regime", ("a", "b"), True),
    ]
    frame = _sampled_frame(crossed=True)
    eff = factor_effects(frame, factors, ["y"], "lhs")
    xs = eff[eff.factor == "x"]
    assert len(xs) == 6 and xs["binned"].all() and (xs["unit"] == "design_point").all()
    assert xs["n_units"].sum() == 60  # every design point in one group
    assert np.all(np.diff(xs["x"]) > 0) and np.all(np.diff(xs["mean"]) > 0)  # y rises with x
    contrast = contrast_of(factors, "lhs")
    assert contrast is not None and contrast.name == "regime"
    diff = contrast_differences(frame, factors, contrast, ["y"], "lhs")
    assert len(diff) == 6 and np.allclose(diff["mean"], 0.05)  # common noise cancels
    assert np.allclose(diff["ci_low"], 0.05) and np.allclose(diff["ci_high"], 0.05)


def test_sampled_regime_that_is_not_crossed_gives_no_differences():
    factors = [
        FactorInfo("x", "float", None, False),
        FactorInfo("regime", "regime", ("a", "b"), False),
    ]
    assert contrast_of(factors, "sobol") is None
    assert contrast_of(factors, "factorial") is not None  # every combination is run
    eff = factor_effects(_sampled_frame(crossed=False), factors, ["y"], "sobol")
    reg = eff[eff.factor == "regime"].set_index("level")
    assert reg.loc["b", "mean"] - reg.loc["a", "mean"] == pytest.approx(0.05, abs=0.03)
    assert all(math.isfinite(v) for v in reg["ci_low"])


# -- failed runs (a stand-in model, no simulation) ------------------------------------------
def _stand_in(spec):
    """A fast stand-in for run_one: fails at wage 22 when the run's seed is odd, else
    returns made-up measures."""
    from sim.core.outputs import METRICS

    if spec.kwargs.get("wage") == 22.0 and spec.seed % 2:
        raise RuntimeError("injected fault for the test")
    final = {m: 0.1 + 0.01 * (spec.seed % 7) for m in METRICS}
    return {"run": final, "timeseries": None}


def _always_fails(spec):
    raise RuntimeError("injected fault for the test")


@pytest.mark.parametrize("model", [_stand_in, _always_fails])
def test_failed_runs_are_left_out_and_said(tmp_path, model):
    import tomllib
    from concurrent.futures import ThreadPoolExecutor

    from sim.experiments.experiment import sweep
    from sim.report.sweep import write_sweep_report

    out = tmp_path / "s"
    with ThreadPoolExecutor(2) as ex:
        rep = sweep(tomllib.loads(SPEC), ex, out, model=model, progress=False)
    assert rep.n_failed > 0
    write_sweep_report(out)
    md = (out / "report.md").read_text()
    assert f"{rep.n_failed:,} run(s) failed and are left out" in md
    eff = pd.read_csv(out / "report" / "effects.csv")
    if rep.n_ok == 0:
        assert "No run succeeded" in md and eff.empty
        assert not list((out / "report").glob("*.png"))
    else:
        wage22 = eff[(eff.factor == "wage") & (eff.level.astype(str) == "22")]
        assert (wage22["n_runs"] < 2 * REPS).all()  # the failed runs are not counted
        assert (out / "report" / "effect_wage.png").is_file()
