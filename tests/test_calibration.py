"""Calibration targets, the calibration search, its adopted record, and validation.

The search is tested for determinism on a tiny budget (the recorded seed, two
replications, a one-year horizon); the adopted record is checked against the registry
and re-scored on its own replicate seeds; validation runs both settings as documented
and must find every target inside its range.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from sim.core.model import WorkforceModel
from sim.core.outputs import METRICS
from sim.core.params import (
    CALIBRATION,
    PARAMS,
    REGIME_PARAMS,
    SETTING_ASSUMPTIONS,
    SETTINGS,
    ParameterError,
    resolve,
)
from sim.experiments import calibration as cal
from sim.experiments.columns import undescribed

from helpers import SMALL, TINY

QUICK = {"budget": 3, "replications": 2, "horizon_weeks": 52}


# -- targets -----------------------------------------------------------------------------
def test_targets_are_complete_and_well_formed():
    targets = cal.load_targets()
    assert {t.setting for t in targets} == set(SETTINGS)
    for t in targets:
        assert t.metric in METRICS and t.regime == "jit"
        assert 0 <= t.low < t.high <= 1
        assert t.value is None or t.low <= t.value <= t.high
        assert t.formula and t.source and t.label
    dsp = {t.metric: t for t in cal.load_targets("dsp")}
    assert set(dsp) == {
        "turnover_rate",
        "leavers_under_6m",
        "leavers_under_12m",
        "vacancy_rate",
        "burnout_high_share",
    }
    assert (dsp["turnover_rate"].low, dsp["turnover_rate"].high) == (0.40, 0.46)
    home = {t.metric: t for t in cal.load_targets("home_care")}
    assert set(home) == {
        "turnover_rate",
        "leavers_under_3m",
        "coc_6m_few_hours",
        "coc_6m_moderate_hours",
        "coc_6m_many_hours",
    }
    # continuity falls with daily hours, as published
    coc = [home[f"coc_6m_{g}_hours"].value for g in ("few", "moderate", "many")]
    assert coc == sorted(coc, reverse=True)
    assert home["leavers_under_3m"].low == 0.5  # "most" leavers
    p = cal.protocol()
    assert p.horizon_weeks >= 52 and p.calibration_replications >= 2
    with pytest.raises(ParameterError, match="unknown setting"):
        cal.load_targets("nursing")


def test_leavers_under_3m_is_a_nested_share(medium_agency):
    m = WorkforceModel(setting="home_care", rng=3, **medium_agency)
    for _ in range(52):
        m.step()
    df = m.datacollector.get_model_vars_dataframe()
    assert (df["leavers_under_3m"] <= df["leavers_under_6m"] + 1e-12).all()
    assert (df["leavers_under_6m"] <= df["leavers_under_12m"] + 1e-12).all()
    assert (df["leavers_under_3m"] > 0).any()


# -- score -------------------------------------------------------------------------------
def test_score_is_distance_outside_range_in_widths_plus_a_small_noise_penalty():
    # no noise: the plain squared distance in range widths, zero inside
    assert cal.score_target(0.5, 0.0, 0.4, 0.6) == (0.0, 0.0)
    d, s = cal.score_target(0.8, 0.0, 0.4, 0.6)
    assert d == pytest.approx(1.0) and s == pytest.approx(1.0)
    assert cal.score_target(0.3, 0.0, 0.4, 0.6)[0] == pytest.approx(0.25)
    # noise: never below the distance; small deep inside, about (se/w)^2 / 2 at an edge
    _, centre = cal.score_target(0.5, 0.01, 0.4, 0.6)
    _, edge = cal.score_target(0.6, 0.01, 0.4, 0.6)
    assert 0 <= centre < 1e-6
    assert edge == pytest.approx(0.5 * (0.01 / 0.2) ** 2)
    d, s = cal.score_target(0.8, 0.01, 0.4, 0.6)
    assert s == pytest.approx(d + (0.01 / 0.2) ** 2, rel=1e-6)
    # more noise, higher score; symmetric about the centre of the range
    assert cal.score_target(0.58, 0.03, 0.4, 0.6)[1] > cal.score_target(0.58, 0.01, 0.4, 0.6)[1]
    assert cal.score_target(0.45, 0.02, 0.4, 0.6)[1] == pytest.approx(
        cal.score_target(0.55, 0.02, 0.4, 0.6)[1]
    )


def test_score_aims_a_margin_inside_the_range():
    # the margin shrinks the range the score aims at; the reported distance is unchanged
    assert cal.score_target(0.41, 0.0, 0.4, 0.6, margin=0.05) == (0.0, pytest.approx(0.04))
    assert cal.score_target(0.5, 0.0, 0.4, 0.6, margin=0.05) == (0.0, 0.0)
    assert cal.score_target(0.41, 0.01, 0.4, 0.6, margin=0.05)[1] == pytest.approx(
        cal.score_target(0.41, 0.01, 0.45, 0.55)[1] * (0.1 / 0.2) ** 2
    )
    # a margin over half the width aims at the centre
    assert cal.score_target(0.5, 0.0, 0.4, 0.6, margin=0.3)[1] == 0.0
    assert cal.score_target(0.45, 0.0, 0.4, 0.6, margin=0.3)[1] == pytest.approx(0.0625)
    # the margin is MARGIN_SE standard errors of a mean over MARGIN_RUNS runs
    assert cal.validation_margin(0.09) == pytest.approx(cal.MARGIN_SE * 0.09 / cal.MARGIN_RUNS**0.5)


def test_search_dimensions_round_and_map_back():
    for setting, dims in cal.SEARCH.items():
        assert setting in SETTINGS
        for d in dims:
            p = PARAMS[d.name]
            assert p.low <= d.low < d.high <= p.high, d.name
            assert d.name not in REGIME_PARAMS  # never calibrate a regime's parameters
            for u in (0.0, 0.37, 1.0):
                x = d.value(u)
                assert d.low <= x <= d.high
                assert float(f"{x:.3g}") == x
                assert d.unit(x) == pytest.approx(u, abs=0.01)
    # dsp searches exactly the parameters the registry flags as calibrated
    flagged = {n for n, p in PARAMS.items() if p.calibrated}
    assert {d.name for d in cal.SEARCH["dsp"]} == flagged


# -- the adopted record ------------------------------------------------------------------
@pytest.mark.parametrize("setting", list(SETTINGS))
def test_calibration_record_is_consistent_with_the_registry(setting):
    rec = CALIBRATION[setting]
    dims = {d.name: d for d in cal.SEARCH[setting]}
    assert set(rec["values"]) == set(dims)
    resolved = resolve("jit", setting=setting)
    for name, value in rec["values"].items():
        assert dims[name].low <= value <= dims[name].high
        assert resolved[name] == value  # what a model in this setting uses
        if setting == "dsp":
            assert PARAMS[name].default == value  # the registry defaults are the record
        else:
            assert SETTINGS[setting][name] == value
    # the fixed calibrated parameters the search ran with are still in force
    assert set(rec["context"]) == set(cal.context_names(setting))
    for name, value in rec["context"].items():
        assert resolved[name] == value, f"{name}: re-run calibrate --setting {setting}"
    assert rec["command"] == cal.command_line(
        setting, rec["budget"], rec["seed"], rec["replications"], rec["horizon_weeks"]
    )
    assert rec["replications"] == cal.protocol().calibration_replications
    assert rec["horizon_weeks"] == cal.protocol().horizon_weeks
    assert rec["date"] and math.isfinite(rec["score"])
    # a setting's assumptions are documented and never touch a regime's parameters
    for name, (value, why) in SETTING_ASSUMPTIONS[setting].items():
        assert why and name not in REGIME_PARAMS and SETTINGS[setting][name] == value


def test_model_resolves_setting_then_regime_then_overrides(tiny_agency):
    kw = tiny_agency
    m = WorkforceModel("foundation", setting="home_care", rng=1, wage=21.0, **kw)
    assert m.setting == "home_care"
    assert m.params["wage"] == 21.0  # override beats the setting
    assert m.params["time_to_fill"] == SETTINGS["home_care"]["time_to_fill"]
    assert m.params["preservice_hours"] == 120.0  # the regime's
    assert WorkforceModel(rng=1, **kw).params["wage"] == PARAMS["wage"].default
    with pytest.raises(ValueError, match="did you mean 'home_care'"):
        WorkforceModel(setting="home_cair", **kw)


# -- the search --------------------------------------------------------------------------
@pytest.mark.slow
def test_calibration_is_deterministic_and_independent_of_jobs():
    seed = CALIBRATION["dsp"]["seed"]
    a = cal.calibrate("dsp", seed=seed, jobs=1, **QUICK)
    b = cal.calibrate("dsp", seed=seed, jobs=2, **QUICK)
    pd.testing.assert_frame_equal(a.history, b.history)
    assert a.values == b.values and a.record["values"] == a.values
    h = a.history
    assert list(h["stage"]) == ["global", "global", "local", "final", "final", "final"]
    assert (h.loc[h.stage == "final", "replications"] == 3 * QUICK["replications"]).all()
    assert np.allclose(h["score"], h["distance"] + h["noise"])
    assert (h["noise"] >= -1e-12).all()
    assert a.values == h.loc[h[h.stage == "final"]["score"].idxmin(), list(a.values)].to_dict()
    c = cal.calibrate("dsp", seed=seed + 1, jobs=1, **{**QUICK, "budget": 1})
    assert not c.history.iloc[:1].equals(a.history.iloc[:1])


@pytest.mark.slow
@pytest.mark.parametrize("setting", list(SETTINGS))
def test_adopted_values_reproduce_their_recorded_score(setting):
    """Re-running the adopted values on the recorded replicate seeds gives the score the
    search recorded: the record and the model agree (else re-run calibrate)."""
    rec = CALIBRATION[setting]
    res = cal.rescore(
        setting,
        rec["values"],
        seed=rec["seed"],
        replications=rec["replications"],
        horizon_weeks=rec["horizon_weeks"],
        jobs=2,
    )
    assert res["score"] == pytest.approx(rec["search_score"], rel=1e-3, abs=1e-4)


def test_calibrate_command_writes_results_and_how_to_adopt(tmp_path, capsys):
    out = tmp_path / "cal"
    args = [
        "calibrate",
        "--setting",
        "home_care",
        "--budget",
        "2",
        "--replications",
        "2",
        "--horizon",
        "52",
        "--jobs",
        "1",
        "--out",
        str(out),
        "--no-progress",
    ]
    assert main(args) == 0
    text = capsys.readouterr().out
    assert 'replace the "home_care" entry of CALIBRATION' in text
    assert "workforce-sim validate --setting home_care" in text
    assert {p.name for p in out.iterdir()} == {
        "history.csv",
        "fit.csv",
        "best.toml",
        "calibration.json",
        "adopt.txt",
        "columns.csv",
        "manifest.json",
    }
    assert undescribed(out) == []  # columns.csv describes every column
    man = json.loads((out / "manifest.json").read_text())
    assert (man["tool"], man["kind"], man["setting"]) == ("workforce-sim", "calibrate", "home_care")
    hist = pd.read_csv(out / "history.csv")
    assert {d.name for d in cal.SEARCH["home_care"]} <= set(hist.columns)
    fit = pd.read_csv(out / "fit.csv")
    assert set(fit["metric"]) == {t.metric for t in cal.load_targets("home_care")}
    assert "--budget 2" in (out / "adopt.txt").read_text()


@pytest.mark.parametrize(
    "bad", [["--setting", "nursing"], ["--budget", "0"], ["--horizon", "20"], ["--seed", "-1"]]
)
def test_calibrate_bad_input_exits_2(tmp_path, bad):
    try:
        code = main(["calibrate", *bad, "--out", str(tmp_path / "o")])
    except SystemExit as exc:  # argparse rejects it before the command runs
        code = exc.code
    assert code == 2
    assert not (tmp_path / "o").exists()


# -- validation --------------------------------------------------------------------------
#: Settings whose adopted calibration does not meet every target yet, and why (measured,
#: not assumed; strict: the test fails as soon as the setting validates, so the marker
#: has to go then).
@pytest.mark.slow
@pytest.mark.parametrize("setting", list(SETTINGS))
def test_validate_passes_for_each_setting(tmp_path, capsys, setting):
    """`workforce-sim validate --setting S` as documented (the protocol's replications:
    a turnover rate varies by about 9 points between runs of a 100-post agency, so fewer
    runs would test the noise rather than the fit)."""
    out = tmp_path / "val"
    code = main(
        ["validate", "--setting", setting, "--jobs", "2", "--out", str(out), "--no-progress"]
    )
    text = capsys.readouterr().out
    table = pd.read_csv(out / "validation.csv")
    reps = cal.protocol().validation_replications
    assert code == 0, text
    assert len(table) == len(cal.load_targets(setting))
    assert table["inside"].all() and (table["n"] == reps).all()
    assert (table["ci_low"] <= table["mean"]).all() and (table["mean"] <= table["ci_high"]).all()
    assert "All" in text and "inside" in text
    for label in table["target"]:
        assert label in text
    assert (out / "validation.png").stat().st_size > 10_000
    assert "Formulas and sources" in (out / "validation.md").read_text()
    runs = pd.read_csv(out / "runs.csv")
    assert len(runs) == reps


def test_validate_exits_1_when_a_target_is_missed(tmp_path, monkeypatch, capsys):
    impossible = cal.Target("dsp", "jit", "turnover_rate", "Annual turnover", 0.90, 0.95, "f", "s")
    real = cal.load_targets

    def fake(setting=None):
        return [impossible, *real(setting)[1:]]

    monkeypatch.setattr(cal, "load_targets", fake)
    out = tmp_path / "val"
    assert (
        main(["validate", "--replications", "2", "--jobs", "1", "--out", str(out), "--no-progress"])
        == 1
    )
    assert "OUTSIDE" in capsys.readouterr().out
    assert not pd.read_csv(out / "validation.csv")["inside"].iloc[0]
    assert undescribed(out) == []  # columns.csv describes every column
    man = json.loads((out / "manifest.json").read_text())
    assert (man["tool"], man["kind"]) == ("workforce-sim", "validate")


@pytest.mark.parametrize(
    "bad", [["--setting", "nursing"], ["--replications", "0"], ["--seed", "-2"]]
)
def test_validate_bad_input_exits_2(tmp_path, bad):
    try:
        code = main(["validate", *bad, "--out", str(tmp_path / "o")])
    except SystemExit as exc:  # argparse rejects it before the command runs
        code = exc.code
    assert code == 2
    assert not (tmp_path / "o").exists()


def test_validate_out_must_be_a_directory(tmp_path, capsys):
    f = tmp_path / "file"
    f.write_text("x")
    assert main(["validate", "--out", str(f)]) == 2
    assert "not a directory" in capsys.readouterr().err
    assert Path(f).read_text() == "x"


@pytest.mark.slow
@pytest.mark.skipif(
    not os.environ.get("WORKFORCE_SIM_SLOW"),
    reason="re-runs an adopted calibration (minutes); set WORKFORCE_SIM_SLOW=1",
)
@pytest.mark.parametrize("setting", list(SETTINGS))
def test_recorded_calibration_reproduces_the_adopted_values(setting):
    rec = CALIBRATION[setting]
    res = cal.calibrate(
        setting,
        budget=rec["budget"],
        seed=rec["seed"],
        jobs=2,
        replications=rec["replications"],
        horizon_weeks=rec["horizon_weeks"],
    )
    # values changed by hand after the search (``adjusted``: what the search adopted)
    assert res.values == {**rec["values"], **rec.get("adjusted", {})}
    assert res.record["score"] == rec["score"]


def test_batch_run_takes_a_setting():
    import mesa

    out = mesa.batch_run(
        WorkforceModel,
        {"setting": ["dsp", "home_care"], **TINY},
        rng=[1],
        max_steps=2,
        number_processes=1,
        display_progress=False,
    )
    df = pd.DataFrame(out)
    assert set(df["setting"]) == {"dsp", "home_care"}
    assert "leavers_under_3m" in df.columns


@pytest.mark.slow
def test_params_and_run_take_a_setting(tmp_path, capsys, write_scenario):
    import io
    import json

    assert main(["params", "--setting", "home_care", "--format", "csv"]) == 0
    rows = pd.read_csv(io.StringIO(capsys.readouterr().out)).set_index("name")
    assert float(rows.loc["wage", "value"]) == SETTINGS["home_care"]["wage"]
    assert "home_care setting" in rows.loc["outside_options", "source"]
    assert main(["params", "--explain", "reality_shock"]) == 0
    assert "by setting: dsp = " in capsys.readouterr().out
    scen = write_scenario()
    out = tmp_path / "o"
    assert (
        main(
            [
                "run",
                str(scen),
                "--setting",
                "home_care",
                "--out",
                str(out),
                "--jobs",
                "1",
                "--no-progress",
            ]
        )
        == 0
    )
    assert "[Home care]" in capsys.readouterr().out
    man = json.loads((out / "manifest.json").read_text())
    assert man["scenario"]["setting"] == "home_care"
    assert man["parameters"]["jit"]["wage"] == SETTINGS["home_care"]["wage"]
    assert man["parameters"]["jit"]["n_workers"] == SMALL["n_workers"]
