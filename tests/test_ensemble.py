"""The ensemble: history matching (emulator, implausibility, waves, kept members),
installed ensembles, `compare --ensemble` and the ensemble sensitivity (PRCC)."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest

from sim.analysis.ensemble import ensemble_interval, prcc
from sim.cli import main
from sim.experiments import ensemble as ens
from sim.experiments.calibration import load_targets

TINY_AGENCY = {"n_workers": 10, "n_clients": 30, "warmup_weeks": 26}


def _wide_targets():
    """The dsp targets with ranges most tiny-agency runs meet, one left tighter."""
    out = []
    for t in load_targets("dsp"):
        if t.metric == "turnover_rate":
            out.append(dataclasses.replace(t, low=0.05, high=0.9))
        else:
            out.append(dataclasses.replace(t, low=0.0, high=1.0))
    return out


def _match(**kw):
    args = dict(
        setting="dsp",
        seed=11,
        points=6,
        waves=2,
        replications=2,
        final_replications=3,
        horizon_weeks=52,
        base=TINY_AGENCY,
        targets=_wide_targets(),
    )
    return ens.history_match(**{**args, **kw})


# -- pure functions --------------------------------------------------------------------


def test_near_narrows_only_the_calibrated_parameters_around_their_adopted_values():
    from sim.core.params import resolve
    from sim.experiments.calibration import SEARCH

    wide = {d.name: d for d in ens.ensemble_dims("dsp")}
    near = {d.name: d for d in ens.ensemble_dims("dsp", 0.2)}
    assert list(wide) == list(near)
    adopted = resolve("jit", setting="dsp")
    calibrated = {d.name for d in SEARCH["dsp"]}
    for name, d in near.items():
        w = wide[name]
        if name not in calibrated:
            assert (d.low, d.high) == (w.low, w.high)  # the [ensemble] ranges stay whole
            continue
        c = adopted[name]
        assert w.low <= d.low <= c <= d.high <= w.high
        assert d.high - d.low < w.high - w.low
        if d.log and w.low < c / 1.2 and c * 1.2 < w.high:
            assert d.low == pytest.approx(c / 1.2) and d.high == pytest.approx(c * 1.2)
    with pytest.raises(ValueError, match="outside its box"):
        ens.around(ens.Dim("x", 1.0, 2.0, True), 5.0, 0.1)


def test_emulator_recovers_a_known_quadratic():
    rng = np.random.default_rng(0)
    u = rng.random((80, 3))
    z = u - 0.5
    y = 1.0 + 2.0 * z[:, 0] - z[:, 1] + 3.0 * z[:, 2] ** 2 + 1.5 * z[:, 0] * z[:, 1]
    em = ens.fit_emulator(u, y)
    assert em.form == "quadratic"
    new = rng.random((20, 3))
    zn = new - 0.5
    truth = 1.0 + 2.0 * zn[:, 0] - zn[:, 1] + 3.0 * zn[:, 2] ** 2 + 1.5 * zn[:, 0] * zn[:, 1]
    mean, var = em.predict(new)
    np.testing.assert_allclose(mean, truth, atol=1e-8)
    assert np.all(var < 1e-12) and em.r2 > 0.999999


def test_emulator_form_falls_back_with_few_points():
    assert ens.choose_form(200, 5) == "quadratic"
    assert ens.choose_form(12, 5) == "linear"
    assert ens.choose_form(5, 5) == "constant"
    em = ens.fit_emulator(np.random.default_rng(1).random((5, 5)), np.arange(5.0))
    mean, var = em.predict(np.full((1, 5), 0.5))
    assert mean[0] == pytest.approx(2.0) and var[0] > 0


def test_implausibility_zero_inside_and_large_far_outside():
    low, high = 0.40, 0.46
    i = ens.implausibility(np.array([0.43, 0.47, 0.90]), np.array([1e-4, 1e-4, 1e-4]), low, high)
    assert i[0] == 0.0
    assert 0 < i[1] < ens.CUTOFF  # just outside: not ruled out
    assert i[2] > ens.CUTOFF  # far outside: implausible
    assert ens.target_variance(low, high) == pytest.approx((0.06 / 4) ** 2)


def test_ensemble_interval_min_max_then_percentiles():
    assert ensemble_interval([3.0, 1.0, 2.0]) == (1.0, 3.0)
    x = np.arange(101.0)
    lo, hi = ensemble_interval(x)
    assert lo == pytest.approx(5.0) and hi == pytest.approx(95.0)


def test_prcc_finds_the_driving_parameter():
    rng = np.random.default_rng(2)
    x = rng.random((60, 3))
    y = 5 * x[:, 1] + 0.1 * rng.standard_normal(60)
    coef, p = prcc(x, y)
    assert coef[1] > 0.9 and p[1] < 1e-6
    assert abs(coef[0]) < 0.5 and abs(coef[2]) < 0.5


def test_ensemble_table_lists_unidentified_parameters():
    names = [d.name for d in ens.ensemble_dims("dsp")]
    for n in ("quit_exhaustion", "burnout_recovery", "module_gain", "base_quit_hazard"):
        assert n in names
    assert len(names) == len(set(names))


# -- history matching on a tiny agency ---------------------------------------------------


@pytest.mark.slow
def test_history_match_deterministic_and_members_inside_all_targets():
    a = _match(jobs=1)
    b = _match(jobs=2)
    pd.testing.assert_frame_equal(a.members, b.members)
    pd.testing.assert_frame_equal(a.history, b.history)
    assert len(a.members) > 0
    for t in _wide_targets():
        col = a.members[f"mean_{t.metric}"]
        assert ((col >= t.low) & (col <= t.high)).all()
    final = a.history[a.history["stage"] == "final"]
    assert len(a.members) == int(final["inside"].sum())
    rec = a.record
    assert rec["command"].startswith("workforce-sim ensemble --setting dsp --seed 11")
    assert [w["wave"] for w in rec["wave_counts"]] == [1, 2]
    assert 0 <= rec["final"]["non_implausible_fraction"] <= 1


@pytest.mark.slow
def test_history_match_empty_when_no_candidate_fits():
    impossible = [dataclasses.replace(t, low=2.0, high=3.0) for t in _wide_targets()]
    res = _match(targets=impossible, waves=1)
    assert len(res.members) == 0
    assert res.record["members"] == 0


# -- command line ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv, flag",
    [
        (["--points", "1"], "--points"),
        (["--points", "x"], "--points"),
        (["--waves", "0"], "--waves"),
        (["--replications", "0"], "--replications"),
        (["--final-replications", "-3"], "--final-replications"),
        (["--setting", "nursing"], "--setting"),
        (["--near", "0"], "--near"),
        (["--near", "1.5"], "--near"),
        (["--near", "x"], "--near"),
    ],
)
def test_ensemble_cli_bad_input(tmp_path, capsys, argv, flag):
    out = tmp_path / "ens"
    with pytest.raises(SystemExit) as exc:
        main(["ensemble", "--out", str(out), *argv])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert flag in err and "Traceback" not in err
    assert not out.exists()


def test_compare_ensemble_without_installed_ensemble(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(ens, "ENSEMBLE_DIR", tmp_path / "none")
    out = tmp_path / "cmp"
    code = main(["compare", "--ensemble", "--replications", "2", "--out", str(out)])
    assert code == 2
    err = capsys.readouterr().err
    assert "workforce-sim ensemble --setting dsp --install" in err
    assert not out.exists()


def _install_tiny(folder):
    folder.mkdir(parents=True)
    members = pd.DataFrame(
        {
            "member": [1, 2, 3],
            "quit_exhaustion": [1.5, 2.0, 3.0],
            "burnout_recovery": [0.04, 0.05, 0.08],
            "mean_turnover_rate": [0.42, 0.43, 0.44],
        }
    )
    members.to_csv(folder / "dsp.csv", index=False)
    (folder / "dsp.json").write_text(json.dumps({"command": "test", "date": "today"}))


@pytest.mark.slow
def test_compare_ensemble_adds_intervals(tmp_path, monkeypatch):
    from sim.experiments.columns import undescribed

    _install_tiny(tmp_path / "ens")
    monkeypatch.setattr(ens, "ENSEMBLE_DIR", tmp_path / "ens")
    out = tmp_path / "cmp"
    argv = ["compare", "--ensemble", "--ensemble-replications", "2", "--replications", "2"]
    code = main([*argv, "--horizon", "52", "--no-progress", "--jobs", "1", "--out", str(out)])
    assert code == 0
    summary = pd.read_csv(out / "summary.csv")
    for c in ("ci_low", "ci_high", "ensemble_low", "ensemble_high", "ensemble_mean"):
        assert c in summary.columns
    ok = summary.dropna(subset=["ensemble_mean"])
    assert (ok["ensemble_members"] == 3).all()
    assert (ok["ensemble_low"] <= ok["ensemble_mean"] + 1e-12).all()
    assert (ok["ensemble_mean"] <= ok["ensemble_high"] + 1e-12).all()
    runs = pd.read_csv(out / "ensemble_runs.csv")
    assert len(runs) == 3 * 3 * 2  # members x regimes x replications
    # common random numbers: replicate r has one seed across members and regimes
    assert runs.groupby("replicate")["seed"].nunique().eq(1).all()
    effects = pd.read_csv(out / "ensemble_effects.csv")
    assert set(effects["regime"]) == {"foundation", "hybrid"}
    assert (effects["ensemble_low"] <= effects["ensemble_high"]).all()
    sens = pd.read_csv(out / "ensemble_sensitivity.csv")
    assert set(sens["parameter"]) == {"quit_exhaustion", "burnout_recovery"}
    html = (out / "report.html").read_text()
    assert "Parameter uncertainty" in html and "survive" in html
    assert undescribed(out) == []


def _synthetic_members(rng, members, reps, param_sd, noise_sd):
    """Ensemble runs whose member effect is ``N(0.1, param_sd)`` and whose paired
    differences scatter by ``noise_sd`` around it."""
    rows = []
    for m in range(members):
        effect = 0.1 + rng.normal(0.0, param_sd)
        for r in range(reps):
            base = 0.4 + rng.normal(0.0, 0.05)
            rows.append({"member": m, "regime": "jit", "replicate": r, "turnover_rate": base})
            rows.append(
                {
                    "member": m,
                    "regime": "foundation",
                    "replicate": r,
                    "turnover_rate": base + effect + rng.normal(0.0, noise_sd),
                }
            )
    return pd.DataFrame(rows)


def test_noise_share_separates_replication_noise_from_the_parameters():
    from sim.analysis.ensemble import noise_of_members

    rng = np.random.default_rng(12)
    shares, sds = [], []
    for _ in range(20):
        runs = _synthetic_members(rng, members=60, reps=4, param_sd=0.05, noise_sd=0.10)
        share, sd = noise_of_members(runs, "turnover_rate", "foundation", "jit")
        shares.append(share)
        sds.append(sd)
    # noise variance 0.10**2 / 4 = 0.0025 beside parameter variance 0.05**2 = 0.0025
    assert 0.4 <= np.mean(shares) <= 0.6
    assert 0.04 <= np.mean(sds) <= 0.06
    # no parameter effect at all: the spread is all noise
    noise_only = [
        noise_of_members(
            _synthetic_members(rng, 60, 4, 0.0, 0.10), "turnover_rate", "foundation", "jit"
        )[0]
        for _ in range(20)
    ]
    assert np.mean(noise_only) >= 0.85
    # too little to say: one member, or one replication each
    one = _synthetic_members(rng, 1, 4, 0.05, 0.1)
    assert all(np.isnan(noise_of_members(one, "turnover_rate", "foundation", "jit")))
    single = _synthetic_members(rng, 10, 1, 0.05, 0.1)
    assert all(np.isnan(noise_of_members(single, "turnover_rate", "foundation", "jit")))


def test_the_commands_default_to_the_ensembles_replications():
    """compare/run --ensemble and sensitivity --ensemble default to the ensemble's
    runs per member (the CLI keeps a copy: the ensemble module is slow to import)."""
    from sim.cli import build_parser
    from sim.cli import run as run_cli
    from sim.cli import sensitivity as sens_cli

    assert sens_cli.ENSEMBLE_REPLICATIONS is run_cli.ENSEMBLE_REPLICATIONS  # one copy
    assert run_cli.ENSEMBLE_REPLICATIONS == ens.ENSEMBLE_REPLICATIONS
    parser = build_parser()
    for argv in (["compare", "--ensemble"], ["run", "x.toml", "--ensemble"]):
        assert parser.parse_args(argv).ensemble_replications == ens.ENSEMBLE_REPLICATIONS
