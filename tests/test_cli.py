"""The command line and the replication runner: outputs, seeding, bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from sim.core.params import PARAMS, REGIME_PARAMS
from sim.experiments.columns import undescribed
from sim.experiments.runner import plan, run_scenario
from sim.experiments.scenario import default_compare_scenario, parse_scenario

from helpers import SMALL

ROOT = Path(__file__).resolve().parents[1]


def tiny(regimes=("jit", "foundation"), reps=2, horizon=52, seed=3):
    return parse_scenario(
        {
            "scenario": {
                "name": "tiny",
                "regimes": list(regimes),
                "horizon_weeks": horizon,
                "replications": reps,
                "seed": seed,
            },
            "parameters": dict(SMALL),
        }
    )


# -- runner ------------------------------------------------------------------------------
def test_seeds_spawned_from_root_and_shared_across_regimes():
    specs = plan(tiny(reps=3))
    assert len(specs) == 6
    by_rep = {}
    for s in specs:
        by_rep.setdefault(s.replicate, set()).add(s.seed)
    assert all(len(v) == 1 for v in by_rep.values())  # same seed for a replicate
    assert len({next(iter(v)) for v in by_rep.values()}) == 3  # replicates differ
    assert [s.spawn_key for s in specs[:3]] == [(0,), (1,), (2,)]
    assert plan(tiny(reps=3)) == specs  # reproducible


@pytest.mark.slow
def test_results_identical_for_any_number_of_processes():
    s = tiny()
    one = run_scenario(s, jobs=1, progress=False)
    two = run_scenario(s, jobs=2, progress=False)
    pd.testing.assert_frame_equal(one.timeseries, two.timeseries)
    pd.testing.assert_frame_equal(
        one.runs.drop(columns="wall_seconds"), two.runs.drop(columns="wall_seconds")
    )
    pd.testing.assert_frame_equal(one.survival, two.survival)
    ts = one.timeseries
    assert list(ts.columns[:5]) == ["run_id", "regime", "replicate", "seed", "week"]
    assert len(ts) == 4 * 53 and ts.groupby("run_id")["week"].max().eq(52).all()


# -- compare / run -----------------------------------------------------------------------
@pytest.mark.slow
def test_compare_writes_report_data_and_manifest(tmp_path, capsys):
    out = tmp_path / "cmp"
    args = [
        "compare",
        "--out",
        str(out),
        "--replications",
        "2",
        "--horizon",
        "52",
        "--jobs",
        "1",
        "--no-progress",
    ]
    # a tiny agency keeps the test fast: compare takes no parameters, so patch the scenario
    import sim.cli.run as cli

    orig = cli.default_compare_scenario
    cli.default_compare_scenario = lambda: replace(orig(), params=dict(SMALL))
    try:
        assert main(args) == 0
    finally:
        cli.default_compare_scenario = orig
    printed = capsys.readouterr().out
    for label in ("JIT-only", "Foundation-first", "Hybrid", "Turnover rate"):
        assert label in printed
    names = {p.name for p in out.iterdir()}
    assert {
        "report.md",
        "report.html",
        "timeseries.csv",
        "summary.csv",
        "manifest.json",
        "turnover.png",
        "burnout.png",
        "continuity.png",
        "vacancy.png",
        "survival.png",
        "distinct_workers.png",
        "cost_continuity.png",
    } <= names
    man = json.loads((out / "manifest.json").read_text())
    assert man["root_seed"] == default_compare_scenario().seed
    assert len(man["runs"]) == 6 and all("spawn_key" in r for r in man["runs"])
    assert set(man["parameters"]) == {"jit", "foundation", "hybrid"}
    assert set(PARAMS) <= set(man["parameters"]["jit"])
    assert "mesa" in man["versions"] and "elapsed_seconds" in man["timings"]
    summary = pd.read_csv(out / "summary.csv")
    assert {"metric", "regime", "mean", "ci_low", "ci_high"} <= set(summary.columns)
    ok = summary.dropna(subset=["mean"])
    assert (ok.ci_low <= ok["mean"] + 1e-9).all() and (ok["mean"] <= ok.ci_high + 1e-9).all()
    ts = pd.read_csv(out / "timeseries.csv")
    assert set(ts.regime) == {"jit", "foundation", "hybrid"}
    assert not list(tmp_path.glob(".*tmp"))  # no temporary directory left behind
    assert undescribed(out) == []  # columns.csv describes every column of every table


@pytest.mark.slow
def test_run_scenario_file_and_rerun_replaces_output(tmp_path, write_scenario):
    scen = write_scenario(regimes=["hybrid"])
    out = tmp_path / "o"
    assert main(["run", str(scen), "--out", str(out), "--jobs", "1", "--no-progress"]) == 0
    first = pd.read_csv(out / "timeseries.csv")
    (out / "marker").write_text("mine")  # a file the program did not write: refused
    assert main(["run", str(scen), "--out", str(out), "--jobs", "1", "--no-progress"]) == 2
    assert (out / "marker").read_text() == "mine"
    (out / "marker").unlink()
    (out / "report.md").write_text("edited")  # one it wrote: replaced
    assert main(["run", str(scen), "--out", str(out), "--jobs", "1", "--no-progress"]) == 0
    assert (out / "report.md").read_text() != "edited"
    pd.testing.assert_frame_equal(first, pd.read_csv(out / "timeseries.csv"))


BAD = {
    "unknown key": (
        '[scenario]\nname="x"\nregimes=["jit"]\n[parameters]\nn_wokers = 5\n',
        "did you mean 'n_workers'",
    ),
    "wrong type": (
        '[scenario]\nname="x"\nregimes=["jit"]\n[parameters]\nn_workers = "ten"\n',
        "n_workers",
    ),
    "out of range": ('[scenario]\nname="x"\nregimes=["jit"]\n[parameters]\nwage = -3\n', "wage"),
    "not toml": ("[scenario\nname = \n", "TOML"),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_scenario_exits_2_with_message_and_writes_nothing(tmp_path, case):
    text, needle = BAD[case]
    scen = tmp_path / "bad.toml"
    scen.write_text(text)
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "sim", "run", str(scen), "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert proc.returncode == 2
    assert needle in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [scen]


def test_missing_scenario_file_exits_2(tmp_path, capsys):
    assert main(["run", str(tmp_path / "nope.toml"), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "not found" in err and "nope.toml" in err
    assert not (tmp_path / "o").exists()


def test_existing_output_is_kept_when_input_is_bad(tmp_path):
    out = tmp_path / "o"
    out.mkdir()
    (out / "report.md").write_text("keep me")
    scen = tmp_path / "bad.toml"
    scen.write_text(BAD["unknown key"][0])
    assert main(["run", str(scen), "--out", str(out)]) == 2
    assert (out / "report.md").read_text() == "keep me"


# -- params ------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["table", "markdown", "csv"])
def test_params_lists_every_parameter(fmt, capsys):
    assert main(["params", "--format", fmt]) == 0
    text = capsys.readouterr().out
    for name in PARAMS:
        assert name in text


def test_params_by_regime_and_explain(capsys):
    assert main(["params", "--regime", "foundation", "--format", "csv"]) == 0
    rows = pd.read_csv(__import__("io").StringIO(capsys.readouterr().out))
    assert rows.set_index("name").loc["preservice_hours", "value"] == "120"
    assert main(["params", "--explain", "reality_shock"]) == 0
    text = capsys.readouterr().out
    assert PARAMS["reality_shock"].description in text and "calibrated" in text
    assert main(["params", "--explain", "realty_shock"]) == 2
    assert "did you mean 'reality_shock'" in capsys.readouterr().err


@pytest.mark.slow
def test_python_m_sim_is_the_twin_of_the_console_script():
    a = subprocess.run(
        [sys.executable, "-m", "sim", "params", "--format", "csv"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    exe = Path(sys.executable).with_name("workforce-sim")
    b = subprocess.run(
        [str(exe), "params", "--format", "csv"], capture_output=True, text=True, timeout=120
    )
    assert a.returncode == b.returncode == 0 and a.stdout == b.stdout
    assert np.char.count(a.stdout, "\n") == len(PARAMS) + 1


def _shown(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return f"{value:g}" if isinstance(value, float) else str(value)


@pytest.mark.parametrize("name", sorted(PARAMS))
def test_explain_prints_every_field_in_full(name):
    from sim.cli.params import explain
    from sim.core.params import REGIME_LABELS, REGIMES

    p = PARAMS[name]
    text = explain(name)
    assert text.startswith(f"{name}: {p.description}\n")  # the description, untruncated
    fields = {
        line.split(":", 1)[0].strip(): line.split(":", 1)[1].strip()
        for line in text.splitlines()[1:]
    }
    assert {
        "default",
        "unit",
        "allowed",
        "type",
        "group",
        "by regime",
        "set it in",
        "source",
        "calibrated",
    } <= set(fields)
    assert fields["default"].startswith(_shown(p.default))
    assert fields["unit"] == (p.unit or "(none)")
    assert p.range_text in fields["allowed"]
    assert fields["group"] == p.group
    assert fields["source"] == p.source  # in full
    assert fields["calibrated"].startswith("yes" if p.calibrated else "no")
    for regime, preset in REGIMES.items():
        value = _shown(preset.get(name, p.default))
        assert f"{regime} ({REGIME_LABELS[regime]}) = {value}" in fields["by regime"]
    assert ("[regimes.NAME]" in fields["set it in"]) == (name in REGIME_PARAMS)
