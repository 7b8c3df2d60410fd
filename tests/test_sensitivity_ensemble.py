"""`workforce-sim sensitivity --ensemble`: PRCC of the ensemble parameters with each
regime effect, on a tiny installed ensemble (a temporary folder), and its error exits."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from sim.analysis.ensemble import SENSITIVITY_COLUMNS, prcc, prcc_interval
from sim.cli import main
from sim.experiments import ensemble as ens

PARAMS = ("quit_exhaustion", "burnout_recovery")


def _install(folder, n=6):
    folder.mkdir(parents=True)
    rng = np.random.default_rng(5)
    pd.DataFrame(
        {
            "member": range(1, n + 1),
            "quit_exhaustion": np.round(rng.uniform(1.5, 3.0, n), 3),
            "burnout_recovery": np.round(rng.uniform(0.04, 0.08, n), 3),
            "mean_turnover_rate": 0.42,
        }
    ).to_csv(folder / "dsp.csv", index=False)
    (folder / "dsp.json").write_text(json.dumps({"command": "test ensemble", "date": "today"}))


def _run(out, *extra):
    argv = ["sensitivity", "--ensemble", "--replications", "1", "--horizon", "52"]
    return main([*argv, "--jobs", "1", "--no-progress", "--out", str(out), *extra])


@pytest.fixture
def tiny(tmp_path, monkeypatch):
    _install(tmp_path / "ens")
    monkeypatch.setattr(ens, "ENSEMBLE_DIR", tmp_path / "ens")
    return tmp_path


def test_prcc_interval_contains_the_estimate_and_narrows_with_members():
    coef = np.array([0.5, -0.3, np.nan])
    lo, hi = prcc_interval(coef, 30, 3)
    assert (lo[:2] < coef[:2]).all() and (coef[:2] < hi[:2]).all()
    assert np.isnan(lo[2]) and np.isnan(hi[2])
    lo2, hi2 = prcc_interval(coef, 300, 3)
    assert ((hi2 - lo2)[:2] < (hi - lo)[:2]).all()
    assert np.isnan(prcc_interval(coef, 4, 3)[0]).all()  # too few members


def test_sensitivity_ensemble_columns_and_determinism(tiny):
    from sim.experiments.columns import undescribed

    a, b = tiny / "a", tiny / "b"
    assert _run(a, "--seed", "7", "--outputs", "turnover_rate,coc") == 0
    assert _run(b, "--seed", "7", "--outputs", "turnover_rate,coc") == 0
    ta = pd.read_csv(a / "sensitivity.csv")
    assert tuple(ta.columns) == SENSITIVITY_COLUMNS
    pd.testing.assert_frame_equal(ta, pd.read_csv(b / "sensitivity.csv"))
    eff = ta[ta["quantity"] == "effect"]
    assert set(eff["regime"]) == {"foundation", "hybrid"}
    assert set(eff["baseline"]) == {"jit"}
    assert set(ta["metric"]) == {"turnover_rate", "coc"}
    assert set(ta["parameter"]) == set(PARAMS)
    assert set(ta.loc[ta["quantity"] == "level", "regime"]) == {"jit", "foundation", "hybrid"}
    assert len(eff) == 2 * 2 * 2  # regimes x measures x parameters
    assert (ta["members"] == 6).all()
    ok = ta.dropna(subset=["prcc"])
    assert len(ok) and ok["prcc"].between(-1, 1).all()
    assert ok["p_value"].between(0, 1).all()
    assert (ok["ci_low"] <= ok["prcc"] + 1e-12).all() and (
        ok["prcc"] <= ok["ci_high"] + 1e-12
    ).all()
    # the effect's PRCC is the PRCC of the member differences in ensemble_runs.csv
    runs = pd.read_csv(a / "ensemble_runs.csv")
    assert len(runs) == 6 * 3 * 1
    mm = runs.pivot_table(index="member", columns="regime", values="coc")
    members = pd.read_csv(a / "ensemble_members.csv").set_index("member").loc[mm.index]
    coef, _ = prcc(members[list(PARAMS)].to_numpy(float), (mm["hybrid"] - mm["jit"]).to_numpy())
    got = eff[(eff["regime"] == "hybrid") & (eff["metric"] == "coc")].set_index("parameter")
    np.testing.assert_allclose(got.loc[list(PARAMS), "prcc"].to_numpy(float), coef)
    md = (a / "sensitivity.md").read_text()
    assert "Foundation-first vs JIT-only: effect" in md and "test ensemble" in md
    assert (a / "sensitivity.png").stat().st_size > 0
    assert json.loads((a / "manifest.json").read_text())["kind"] == "sensitivity-ensemble"
    assert undescribed(a) == []
    assert _run(tiny / "c", "--seed", "8", "--outputs", "coc") == 0  # another seed differs
    tc = pd.read_csv(tiny / "c" / "sensitivity.csv")
    assert not tc["prcc"].equals(ta.loc[ta["metric"] == "coc", "prcc"].reset_index(drop=True))


def test_sensitivity_ensemble_without_installed_ensemble(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(ens, "ENSEMBLE_DIR", tmp_path / "none")
    out = tmp_path / "out"
    assert _run(out, "--setting", "home_care") == 2
    err = capsys.readouterr().err
    assert "workforce-sim ensemble --setting home_care --install" in err
    assert "Traceback" not in err
    assert not out.exists()


@pytest.mark.parametrize(
    "argv, flag",
    [
        (["scenarios/sensitivity_core.toml", "--ensemble"], "--ensemble"),
        (["--ensemble", "--resume"], "--resume"),
        (["--ensemble", "--executor", "dask"], "--executor"),
        (["--ensemble", "--outputs", "nonsense"], "--outputs"),
        (["--ensemble", "--replications", "0"], "--replications"),
        (["--ensemble", "--ensemble-members", "0"], "--ensemble-members"),
        (["--ensemble", "--setting", "nursing"], "--setting"),
        (["scenarios/sensitivity_core.toml", "--replications", "2"], "--replications"),
        (["scenarios/sensitivity_core.toml", "--setting", "dsp"], "--setting"),
        ([], "spec file"),
    ],
)
def test_sensitivity_ensemble_bad_input(tiny, capsys, argv, flag):
    out = tiny / "out"
    try:
        code = main(["sensitivity", *argv, "--out", str(out)])
    except SystemExit as exc:  # argparse's own errors
        code = exc.code
    assert code == 2
    err = capsys.readouterr().err
    assert flag in err and "error:" in err and "Traceback" not in err
    assert not out.exists()
