"""Sweeps, streaming storage, faults and resumption, and sensitivity analysis.

The sweeps use the SMALL agency of tests/helpers.py (20 posts, 60 clients, 10 warm-up
weeks) and 52 reported weeks, so the whole file stays well under a minute and a half on
two cores.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from sim.core.outputs import METRICS
from sim.experiments.experiment import load, sweep
from sim.experiments.runner import mp_context, run_one
from sim.experiments.scenario import ScenarioError
from sim.experiments.sensitivity import (
    ISHIGAMI_INDICES,
    ISHIGAMI_PROBLEM,
    analyse,
    analyse_sweep,
    ishigami,
    run,
)
from sim.experiments.store import ChunkStore
from sim.experiments.sweepspec import load_spec, parse_spec

from helpers import SMALL, sweep_toml

SPEC_TOML = sweep_toml(
    replications=2,
    cross=["regime"],
    factors={"preservice_hours": [16, 40, 120], "regime": ["jit", "foundation"]},
    output={"timeseries": True, "every_weeks": 13, "metrics": ["turnover_rate", "coc"]},
)
N_RUNS = 3 * 2 * 2
VOLATILE = ["wall_seconds", "worker"]  # the only columns allowed to differ between runs


def spec_dict(**sweep_keys):
    import tomllib

    d = tomllib.loads(SPEC_TOML)
    d["sweep"].update(sweep_keys)
    return d


def assert_same(a, b):
    """Two loaded sweeps hold the same results (sorted by run_id)."""
    pd.testing.assert_frame_equal(a.summary, b.summary, check_dtype=False)
    pd.testing.assert_frame_equal(a.timeseries, b.timeseries, check_dtype=False)
    pd.testing.assert_frame_equal(
        a.runs.drop(columns=VOLATILE), b.runs.drop(columns=VOLATILE), check_dtype=False
    )


@pytest.fixture(scope="module")
def spec_file(tmp_path_factory):
    p = tmp_path_factory.mktemp("spec") / "tiny.toml"
    p.write_text(SPEC_TOML)
    return p


@pytest.fixture(scope="module")
def reference(spec_file, tmp_path_factory):
    """The sweep run on the default executor: a local pool of 2 processes (the tests
    that use it are marked slow)."""
    out = tmp_path_factory.mktemp("ref") / "sweep"
    report = sweep(spec_file, out=out, jobs=2, progress=False, chunk_runs=5)
    assert report.n_ok == N_RUNS and report.n_failed == 0
    return load(out)


# -- the spec ----------------------------------------------------------------------------
def test_spec_designs_sizes_and_training_overrides():
    s = parse_spec(spec_dict())
    assert (s.n_design_points, s.n_points, s.n_runs) == (3, 6, N_RUNS)
    pts = s.points()
    assert list(pts.regime) == ["jit", "foundation"] * 3
    # a factor on a training parameter overrides the regime preset, the rest stays
    regime, kw = s.point_kwargs({"preservice_hours": 40, "regime": "foundation"})
    assert regime == "foundation" and kw["preservice_hours"] == 40
    assert kw["modules_available"] is True and kw["refresher_hours"] == 16
    assert kw["n_workers"] == SMALL["n_workers"]
    assert parse_spec(spec_dict()).fingerprint() == s.fingerprint()
    assert parse_spec(spec_dict(seed=8)).fingerprint() != s.fingerprint()

    lhs_dict = {
        **spec_dict(design="lhs", samples=10),
        "factors": {
            "preservice_hours": {"low": 0, "high": 100},
            "gap_strain": {"low": 0.5, "high": 1.5},
            "regime": ["jit", "hybrid"],
        },
    }
    lhs = parse_spec(lhs_dict)
    X = lhs.design_matrix()
    assert X.shape == (10, 2) and lhs.n_points == 20  # regime is crossed, not sampled
    strata = np.floor(X[:, 0] / 10).astype(int)  # one sample per tenth of the range
    assert sorted(strata) == list(range(10))
    assert np.array_equal(X, parse_spec(lhs_dict).design_matrix())  # seeded

    sob = parse_spec(
        {
            **spec_dict(design="sobol", samples=8, cross=[]),
            "factors": {
                "gap_strain": {"low": 0.5, "high": 1.5},
                "outside_options": {"low": 0.7, "high": 1.5},
                "regime": ["jit", "foundation", "hybrid"],
            },
        }
    )
    assert sob.n_points == 8 * (3 + 2)
    assert set(sob.points().regime) == {"jit", "foundation", "hybrid"}
    mor = parse_spec(
        {
            **spec_dict(design="morris", samples=3, cross=[]),
            "factors": {
                "gap_strain": {"low": 0.5, "high": 1.5},
                "n_workers": {"low": 10, "high": 30},
            },
            "parameters": {"n_clients": 60},
        }
    )
    assert mor.n_points == 3 * (2 + 1)
    assert all(isinstance(v, int) for v in mor.points().n_workers)


def test_example_specs_load():
    root = Path(__file__).resolve().parents[1] / "scenarios"
    fl = load_spec(root / "sweep_foundation_length.toml")
    assert (fl.n_points, fl.n_runs, fl.cross) == (45, 360, ("regime",))
    assert fl.horizon_weeks == 156 and fl.base == "jit_only.toml"  # horizon from the base
    sc = load_spec(root / "sensitivity_core.toml")
    assert sc.design == "sobol" and sc.n_points == 32 * (19 + 2)
    assert sc.sensitivity_outputs == (
        "turnover_rate",
        "burnout_high_share",
        "coc",
        "cost_per_client_year",
    )
    # every training-effect parameter with no published figure is in one of the two
    from sim.core.params import PARAMS

    sl = load_spec(root / "sensitivity_learning.toml")
    assert sl.design == "morris" and sl.n_points == 16 * (13 + 1)
    screened = {f.name for f in (*sc.factors, *sl.factors)}
    no_figure = {
        n
        for n, p in PARAMS.items()
        if p.group in ("training", "learning") and "No published figure" in p.source
    }
    assert no_figure and no_figure <= screened, sorted(no_figure - screened)


def test_pay_vs_training_spec_is_a_crossed_two_by_two():
    root = Path(__file__).resolve().parents[1] / "scenarios"
    s = load_spec(root / "pay_vs_training.toml")
    assert (s.n_points, s.cross) == (4, ("regime", "wage"))
    points = s.points()
    assert set(zip(points.regime, points.wage, strict=True)) == {
        ("jit", 17.0),
        ("jit", 19.55),
        ("foundation", 17.0),
        ("foundation", 19.55),
    }
    assert points.design_point.nunique() == 1  # common random numbers in every cell


def test_variants_in_a_sweep_are_regimes_a_factor_can_override(tmp_path):
    (tmp_path / "base.toml").write_text(
        '[scenario]\nname = "b"\nregimes = ["jit", "rise"]\n'
        '[variants.rise]\nregime = "foundation"\nwage = 22\nn_workers = 30\n'
    )
    (tmp_path / "spec.toml").write_text(
        '[sweep]\nname = "s"\nbase = "base.toml"\nreplications = 2\n'
        "[factors]\nn_workers = [20, 25]\n"
    )
    s = load_spec(tmp_path / "spec.toml")
    assert s.cross == ("regime",) and s.n_points == 4
    regime, kw = s.point_kwargs({"regime": "rise", "n_workers": 20})
    assert regime == "rise" and kw["regime"] == "foundation"
    assert (kw["wage"], kw["n_workers"], kw["preservice_hours"]) == (22.0, 20, 120.0)
    _, kw = s.point_kwargs({"regime": "jit", "n_workers": 25})
    assert "wage" not in kw and kw["n_workers"] == 25  # the registry default
    # inline in the spec, as a value of the regime factor
    spec = parse_spec(
        {
            "sweep": {"name": "s", "replications": 1},
            "variants": {"rise": {"wage": 22}},
            "factors": {"regime": ["jit", "rise"]},
        }
    )
    assert spec.point_kwargs({"regime": "rise"})[1]["wage"] == 22.0
    with pytest.raises(ScenarioError, match=r"factors\.regime\.values.*'rsie'"):
        parse_spec(
            {
                "sweep": {"name": "s"},
                "variants": {"rise": {"wage": 22}},
                "factors": {"regime": ["jit", "rsie"]},
            }
        )


def test_base_scenario_file_with_several_regimes_is_crossed(tmp_path):
    (tmp_path / "base.toml").write_text(
        '[scenario]\nname = "b"\nregimes = ["jit", "mine"]\nhorizon_weeks = 60\n'
        "replications = 3\nseed = 4\n[parameters]\nn_workers = 20\nn_clients = 60\n"
        '[regimes.mine]\nbase = "hybrid"\nmentoring_hours = 2\n'
    )
    (tmp_path / "spec.toml").write_text(
        '[sweep]\nname = "s"\nbase = "base.toml"\nreplications = 2\n'
        "[parameters]\nn_clients = 80\n[factors]\ngap_strain = [0.5, 1.5]\n"
    )
    s = load_spec(tmp_path / "spec.toml")
    assert s.cross == ("regime",) and s.n_points == 4 and s.n_runs == 8
    assert (s.horizon_weeks, s.seed) == (60, 4)  # from the base file
    regime, kw = s.point_kwargs({"gap_strain": 1.5, "regime": "mine"})
    assert regime == "mine" and kw["regime"] == "hybrid" and kw["mentoring_hours"] == 2
    assert (kw["n_workers"], kw["n_clients"], kw["gap_strain"]) == (20, 80, 1.5)


BAD_SPECS = {
    "unknown factor": (
        "[factors]\npreservice_hour = [16, 40]\n",
        "factors.preservice_hour: unknown factor 'preservice_hour' "
        "(did you mean 'preservice_hours'?)",
    ),
    "unknown key": (
        '[sweep]\nname = "x"\nreplicatons = 3\n[factors]\ngap_strain = [1, 2]\n',
        "sweep.replicatons: unknown key 'replicatons' (did you mean 'replications'?)",
    ),
    "wrong type": (
        '[sweep]\nname = "x"\nreplications = "many"\n[factors]\ngap_strain = [1]\n',
        "sweep.replications: = 'many' is not allowed; must be a whole number",
    ),
    "out of range": (
        "[factors]\npreservice_hours = {low = 0, high = 900, levels = 3}\n",
        "factors.preservice_hours.high: 'preservice_hours' = 900.0 is out of "
        "range (allowed: 0 to 480 hours)",
    ),
    "bad design": (
        '[sweep]\nname = "x"\ndesign = "sobool"\nsamples = 8\n[factors]\ngap_strain = [1]\n',
        "did you mean 'sobol'?",
    ),
    "sobol samples": (
        '[sweep]\nname = "x"\ndesign = "sobol"\nsamples = 100\n[factors]\n'
        "gap_strain = {low = 0.5, high = 1}\noutside_options = {low = 1, high = 2}"
        "\n",
        "sweep.samples: = 100: the sobol design needs a power of 2 (e.g. 64 or 128)",
    ),
    "unknown regime": (
        '[factors]\nregime = ["jit", "fundation"]\n',
        "factors.regime.values: = 'fundation': unknown regime (did you mean 'foundation'?)",
    ),
    "not toml": ("[sweep\nname = ", "not valid TOML"),
}


@pytest.mark.parametrize("case", sorted(BAD_SPECS))
def test_malformed_spec_exits_2_with_a_clear_message(tmp_path, capsys, case):
    text, needle = BAD_SPECS[case]
    if not text.startswith("[sweep"):
        text = '[sweep]\nname = "x"\n' + text
    p = tmp_path / "bad.toml"
    p.write_text(text)
    out = tmp_path / "out"
    assert main(["sweep", str(p), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert needle in err, err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not out.exists()


def test_sensitivity_needs_a_sobol_or_morris_design(spec_file, tmp_path, capsys):
    assert main(["sensitivity", str(spec_file), "--out", str(tmp_path / "o")]) == 2
    assert 'needs design = "sobol" or "morris"' in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


@pytest.mark.slow
def test_malformed_spec_exit_status_from_the_shell(tmp_path):
    p = tmp_path / "bad.toml"
    p.write_text('[sweep]\nname = "x"\n[factors]\nn_workers = [3]\n')
    proc = subprocess.run(
        [sys.executable, "-m", "sim", "sensitivity", str(p), "--out", str(tmp_path / "o")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert "factors.n_workers.values: 'n_workers' = 3 is out of range" in proc.stderr
    assert "Traceback" not in proc.stderr


# -- determinism and storage -------------------------------------------------------------
@pytest.mark.slow
def test_reference_sweep_tables_seeds_and_manifest(reference, spec_file):
    r = reference
    assert list(r.runs.run_id) == list(range(N_RUNS)) and (r.runs.status == "ok").all()
    assert list(r.summary.columns[:3]) == ["run_id", "point", "replicate"]
    assert set(METRICS) <= set(r.summary.columns)
    # common random numbers across the crossed regime; distinct streams otherwise
    seeds = r.runs.groupby(["design_point", "replicate"])["seed"].nunique()
    assert (seeds == 1).all() and r.runs.seed.nunique() == N_RUNS // 2
    assert r.runs.loc[5, "spawn_key"] == "1,1"  # point 2 (jit, 40 h) = design point 1, rep. 1
    ts = r.timeseries
    assert set(ts.week) == {0, 13, 26, 39, 52}
    assert list(ts.columns) == ["run_id", "point", "replicate", "week", "turnover_rate", "coc"]
    man = r.manifest
    assert man["status"] == "complete" and man["root_entropy"] == "7"
    assert man["spec"]["factors"]["preservice_hours"]["values"] == [16.0, 40.0, 120.0]
    assert man["spec_text"] == spec_file.read_text() and "git_commit" in man
    assert {"mesa", "numpy", "SALib", "pyarrow"} <= set(man["versions"])
    assert man["format"] == "parquet"
    frame = r.frame()
    assert {"regime", "preservice_hours", "turnover_rate"} <= set(frame.columns)


@pytest.mark.slow
def test_results_identical_with_one_process_and_csv(reference, spec_file, tmp_path):
    with ProcessPoolExecutor(1, mp_context=mp_context()) as ex:
        report = sweep(spec_file, ex, tmp_path / "one", fmt="csv", progress=False)
    assert report.workers == 1 and report.n_ok == N_RUNS
    one = load(tmp_path / "one")
    assert next((tmp_path / "one" / "runs").iterdir()).suffix == ".csv"
    assert_same(reference, one)


@pytest.mark.slow
def test_results_identical_on_a_dask_local_cluster(reference, spec_file, tmp_path):
    pytest.importorskip("distributed", reason="the dask extra is not installed")
    report = sweep(spec_file, "dask", tmp_path / "dask", jobs=2, progress=False)
    assert "dask LocalCluster" in report.executor and report.n_ok == N_RUNS
    assert_same(reference, load(tmp_path / "dask"))


@pytest.mark.slow
def test_killed_sweep_resumes_to_the_uninterrupted_result(reference, spec_file, tmp_path):
    out = tmp_path / "killed"
    cmd = [
        sys.executable,
        "-m",
        "sim",
        "sweep",
        str(spec_file),
        "--out",
        str(out),
        "--jobs",
        "2",
        "--chunk-runs",
        "4",
        "--no-progress",
    ]
    proc = subprocess.Popen(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )  # its own group: kill pool and all
    deadline = time.monotonic() + 120
    try:  # kill it once a chunk (4 runs) and at least one run after it are on disk
        while time.monotonic() < deadline and proc.poll() is None:
            if (out / "runs").is_dir() and len(ChunkStore(out, "parquet").completed()) >= 5:
                break
            time.sleep(0.02)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    saved = ChunkStore(out, "parquet").completed()
    assert 5 <= len(saved) < N_RUNS, "the sweep should have been killed mid-way"
    partial = load(out)  # a killed sweep is readable as it stands
    assert len(partial.runs) == len(partial.summary) == len(saved)
    assert partial.manifest["status"] == "running"  # it never got to say otherwise

    # resuming with another spec is refused before anything runs
    other = tmp_path / "other.toml"
    other.write_text(SPEC_TOML.replace("seed = 7", "seed = 8"))
    assert main(["sweep", str(other), "--out", str(out), "--resume"]) == 2
    assert main(["sweep", str(spec_file), "--out", str(out)]) == 2  # exists: needs --resume

    assert (
        main(
            ["sweep", str(spec_file), "--out", str(out), "--resume", "--jobs", "2", "--no-progress"]
        )
        == 0
    )
    resumed = load(out)
    assert_same(reference, resumed)
    assert resumed.manifest["status"] == "complete"
    assert [s["resume"] for s in resumed.manifest["sessions"]] == [False, True]
    assert resumed.manifest["sessions"][1]["runs_before"] == len(saved)
    assert not list(out.rglob("*.tmp-*")) and not list(out.rglob(".*tmp*"))
    assert not list((out / "pending").glob("run-*"))  # all merged into chunks


def flaky(spec):
    """run_one, except that points with 40 h of pre-service training raise."""
    if spec.kwargs["preservice_hours"] == 40:
        raise RuntimeError("injected fault for the test")
    return run_one(spec)


@pytest.mark.slow
def test_failing_point_is_isolated_and_can_be_retried(reference, spec_file, tmp_path):
    out = tmp_path / "flaky"
    with ThreadPoolExecutor(2) as ex:  # any Executor will do
        report = sweep(spec_file, ex, out, model=flaky, progress=False)
    assert report.n_failed == 4 and report.n_ok == N_RUNS - 4
    got = load(out)
    failed = got.runs[got.runs.status == "failed"]
    assert set(failed.point) == {2, 3}
    # the report names the first three failures to finish (which three depends on the
    # threads' timing) and counts the rest
    text = report.text()
    listed = re.findall(r"run (\d+) failed: RuntimeError: injected fault for the test", text)
    assert len(listed) == 3 and {int(r) for r in listed} < set(failed.run_id)
    assert "... 1 more failures" in text
    assert failed.error.str.contains("Traceback").all()
    assert failed.error.str.contains("injected fault").all()
    assert len(got.summary) == N_RUNS - 4 and got.manifest["status"] == "complete with failures"
    ok_ids = got.summary.run_id
    ref = reference.summary[reference.summary.run_id.isin(ok_ids)].reset_index(drop=True)
    pd.testing.assert_frame_equal(ref, got.summary, check_dtype=False)

    # --resume skips recorded runs, failed ones included, unless asked to retry them
    assert sweep(spec_file, out=out, resume=True, progress=False).n_new == 0
    report = sweep(
        spec_file, ThreadPoolExecutor(2), out, resume=True, retry_failed=True, progress=False
    )
    assert report.n_new == 4 and report.n_failed == 0
    assert_same(reference, load(out))


def fake_model(spec):
    """A fast stand-in for run_one (same contract) for testing the machinery."""
    weeks = np.arange(spec.horizon_weeks + 1)
    final = {m: (spec.seed % 1000) / 1000 + i for i, m in enumerate(METRICS)}
    ts = pd.DataFrame({"week": weeks, **{m: np.full(weeks.size, v) for m, v in final.items()}})
    return {"run": final, "timeseries": ts}


class CountingExecutor(ThreadPoolExecutor):
    def __init__(self, *a, **k):
        super().__init__(*a, **k)
        self.live = self.peak = 0

    def submit(self, fn, *args, **kwargs):
        self.live += 1
        self.peak = max(self.peak, self.live)
        fut = super().submit(fn, *args, **kwargs)
        fut.add_done_callback(lambda _: setattr(self, "live", self.live - 1))
        return fut


def test_in_flight_runs_are_bounded_and_results_stream_in_chunks(tmp_path):
    d = spec_dict(replications=25)
    seen = []
    with CountingExecutor(3) as ex:
        report = sweep(
            d,
            ex,
            tmp_path / "s",
            model=fake_model,
            chunk_runs=40,
            progress=False,
            callback=seen.append,
        )
    assert report.n_ok == 150 and ex.peak <= 6  # twice the workers
    assert sorted(r["run_id"] for r in seen) == list(range(150))
    store = ChunkStore(tmp_path / "s", "parquet")
    assert len(store.parts("runs")) == 4  # 40 + 40 + 40 + 30
    assert len(store.parts("summary")) == 4 and len(store.parts("timeseries")) == 4
    res = load(tmp_path / "s")
    assert list(res.runs.run_id) == list(range(150)) and len(res.summary) == 150


# -- sensitivity analysis ----------------------------------------------------------------
def test_sobol_recovers_the_ishigami_indices():
    table = run(ishigami, ISHIGAMI_PROBLEM, "sobol", 8192, seed=3, resamples=200)
    np.testing.assert_allclose(table["S1"], ISHIGAMI_INDICES["S1"], atol=0.03)
    np.testing.assert_allclose(table["ST"], ISHIGAMI_INDICES["ST"], atol=0.03)
    assert (table["S1_conf"] > 0).all() and (table["S1_conf"] < 0.05).all()

    # with replication noise: averaged per point, and the noise is reported beside
    def noisy(X, rng):
        return ishigami(X, rng, noise_sd=1.0)

    table = run(noisy, ISHIGAMI_PROBLEM, "sobol", 2048, replications=4, seed=3, resamples=100)
    np.testing.assert_allclose(table["ST"], ISHIGAMI_INDICES["ST"], atol=0.06)
    row = table.iloc[0]
    assert row.replications == 4 and row.within_sd == pytest.approx(1.0, rel=0.05)
    assert row.noise_share == pytest.approx(1.0 / 4 / 3.72**2, rel=0.15)  # Var(Y) ~ 13.8


def test_morris_on_a_linear_function():
    problem = {"num_vars": 3, "names": ["a", "b", "c"], "bounds": [[0, 1]] * 3}
    table = run(lambda X, rng: X @ np.array([3.0, -1.0, 0.0]), problem, "morris", 20, seed=1)
    np.testing.assert_allclose(table["mu_star"], [3, 1, 0], atol=1e-9)
    np.testing.assert_allclose(table["mu"], [3, -1, 0], atol=1e-9)
    np.testing.assert_allclose(table["sigma"], 0, atol=1e-9)


def test_analysis_needs_every_design_point():
    X = np.zeros((5, 2))
    Y = np.ones((5, 2))
    Y[3] = np.nan
    problem = {"num_vars": 2, "names": ["a", "b"], "bounds": [[0, 1]] * 2}
    with pytest.raises(Exception, match="no successful run"):
        analyse(problem, "morris", X, Y)


@pytest.mark.slow
def test_sensitivity_of_the_model_sobol_and_morris(tmp_path, capsys):
    sobol = {
        **spec_dict(design="sobol", samples=2, cross=[], replications=2),
        "factors": {
            "gap_strain": {"low": 0.5, "high": 1.5},
            "outside_options": {"low": 0.7, "high": 1.5},
        },
        "sensitivity": {"resamples": 50},
    }
    from sim.report.sensitivity import sensitivity

    with ThreadPoolExecutor(1) as ex:  # in-process: no pool to start
        table, files, report = sensitivity(sobol, tmp_path / "sob", executor=ex, progress=False)
    assert report.n_ok == 2 * 4 * 2
    assert set(table.output) == {
        "turnover_rate",
        "burnout_high_share",
        "coc",
        "cost_per_client_year",
    }
    assert {"S1", "S1_conf", "ST", "ST_conf", "within_sd", "between_sd", "noise_share"} <= set(
        table.columns
    )
    assert {p.name for p in files.values()} == {
        "sensitivity.csv",
        "sensitivity.md",
        "sensitivity.png",
        "columns.csv",
    }
    pd.testing.assert_frame_equal(table, analyse_sweep(tmp_path / "sob", resamples=50))

    spec = tmp_path / "morris.toml"
    spec.write_text(
        SPEC_TOML.replace('design = "factorial"', 'design = "morris"\nsamples = 2')
        .replace("replications = 2", "replications = 1")
        .replace(
            "preservice_hours = [16, 40, 120]",
            "preservice_hours = {low = 16, high = 120}\ngap_strain = {low = 0.5, high = 1.5}",
        )
    )
    out = tmp_path / "mor"
    assert (
        main(
            [
                "sensitivity",
                str(spec),
                "--out",
                str(out),
                "--jobs",
                "2",
                "--no-progress",
                "--outputs",
                "turnover_rate,coc",
            ]
        )
        == 0
    )
    printed = capsys.readouterr().out
    assert "μ*" in printed and "regime=jit" in printed and "noise" in printed
    table = pd.read_csv(out / "sensitivity.csv")
    assert set(table.group) == {"regime=jit", "regime=foundation"}
    assert set(table.output) == {"turnover_rate", "coc"}
    assert (out / "sensitivity_regime_jit.png").exists()
    # the sweep's own report too: each factor's effect
    assert "Report: " in printed
    html = (out / "report.html").read_text()
    assert "gap_strain" in html.lower().replace(" ", "_") or "Gap strain" in html
    assert any((out / "report").glob("effect_gap_strain.png"))
