"""``workforce-sim explain`` and :mod:`sim.experiments.attribution`: each regime's effect
against JIT-only split into channels, with common random numbers (CRN)."""

from __future__ import annotations

import contextlib
import io
import json

import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from sim.core.errors import USER_ERRORS
from sim.experiments.attribution import (
    ATTRIBUTION_COLUMNS,
    CHANNELS,
    COUNTERFACTUAL_COLUMNS,
    attribute,
    explain,
    holm,
    t_test_p,
)
from sim.experiments.columns import undescribed
from sim.report.explain import effect_sentence

import helpers

#: A small agency with a year of warm-up (the registry's is ten years: too slow here).
SIZE = helpers.agency(20, warmup_weeks=52)
RUN = {"replications": 3, "horizon_weeks": 52, "seed": 11, "overrides": SIZE}
CHANNEL_NAMES = [c.name for c in CHANNELS]


@pytest.fixture(scope="module")
def expl():
    return explain(("foundation", "hybrid"), jobs=1, **RUN)


def test_columns_types_and_rows(expl):
    a = expl.attribution
    assert tuple(a.columns) == ATTRIBUTION_COLUMNS
    assert a.columns[:7].tolist() == [
        "regime", "channel", "metric", "effect", "share", "ci_low", "ci_high"
    ]  # fmt: skip
    for col in ("effect", "share", "ci_low", "ci_high", "effect_off"):
        assert a[col].dtype == np.float64
    assert a["n"].dtype == np.int64
    expected = ["total", *CHANNEL_NAMES, "interaction"]
    for (_regime, _metric), g in a.groupby(["regime", "metric"]):
        assert g["channel"].tolist() == expected
    assert set(a["regime"]) == {"foundation", "hybrid"}
    assert (a["n"] <= RUN["replications"]).all()
    ok = a["n"] >= 2
    assert (a.loc[ok, "ci_low"] <= a.loc[ok, "effect"] + 1e-12).all()
    assert (a.loc[ok, "effect"] <= a.loc[ok, "ci_high"] + 1e-12).all()
    cf = expl.counterfactual
    assert tuple(cf.columns) == COUNTERFACTUAL_COLUMNS
    assert list(dict.fromkeys(cf["regime"])) == ["jit", "jit_knows", "foundation"]


def test_accounting_identity(expl):
    """total = sum of the channels' contributions + interaction, per regime and measure;
    the shares then add up to 1."""
    a = expl.attribution
    for (_regime, _metric), g in a.groupby(["regime", "metric"]):
        g = g.set_index("channel")
        total = g.loc["total", "effect"]
        parts = g.loc[CHANNEL_NAMES, "effect"].sum() + g.loc["interaction", "effect"]
        assert parts == pytest.approx(total, rel=1e-9, abs=1e-9)
        if np.isfinite(g.loc["total", "share"]):
            assert g.loc["total", "share"] == 1.0
            shares = g.loc[[*CHANNEL_NAMES, "interaction"], "share"].sum()
            assert shares == pytest.approx(1.0, abs=1e-9)


def test_total_is_the_paired_difference_of_the_runs(expl):
    runs = expl.runs[expl.runs["variant"] == "none"].set_index(["regime", "replicate"])
    a = expl.attribution.set_index(["regime", "channel", "metric"])
    diff = runs.loc["foundation", "coc"] - runs.loc["jit", "coc"]
    assert a.loc[("foundation", "total", "coc"), "effect"] == pytest.approx(diff.mean())


def test_a_channel_the_regime_lacks_contributes_exactly_zero(expl):
    """Foundation-first has no mentoring, and neither has JIT-only: switching mentoring
    off changes neither arm, in any replication."""
    runs = expl.runs.set_index(["variant", "regime", "replicate"]).sort_index()
    for metric in ("turnover_rate", "burnout_high_share", "coc", "cost_per_client_year"):
        on = runs.loc[("none", "foundation"), metric] - runs.loc[("none", "jit"), metric]
        off = runs.loc[("mentoring", "foundation"), metric] - runs.loc[("mentoring", "jit"), metric]
        assert (on.to_numpy() == off.to_numpy()).all()
    rows = expl.attribution.query("regime == 'foundation' and channel == 'mentoring'")
    assert (rows["effect"] == 0).all() and (rows["ci_low"] == 0).all()
    assert (rows["ci_high"] == 0).all()
    # hybrid has mentoring: switching it off changes its runs
    hyb = expl.runs.set_index(["variant", "regime", "replicate"]).sort_index()
    assert not np.array_equal(
        hyb.loc[("mentoring", "hybrid"), "burnout_high_share"].to_numpy(),
        hyb.loc[("none", "hybrid"), "burnout_high_share"].to_numpy(),
    ) or not np.array_equal(
        hyb.loc[("mentoring", "hybrid"), "cost_per_client_year"].to_numpy(),
        hyb.loc[("none", "hybrid"), "cost_per_client_year"].to_numpy(),
    )


def test_results_do_not_depend_on_jobs_and_channels_on_which_others_run(expl):
    kw = {**RUN, "channels": ("awareness", "mentoring")}
    one = attribute(("foundation",), jobs=1, **kw)
    two = attribute(("foundation",), jobs=2, **kw)
    pd.testing.assert_frame_equal(one, two)
    # a channel's rows do not depend on which other channels are switched off
    full = expl.attribution.query("regime == 'foundation'").set_index(["channel", "metric"])
    part = one.set_index(["channel", "metric"])
    for ch in ("total", "awareness", "mentoring"):
        pd.testing.assert_frame_equal(part.loc[ch], full.loc[ch], check_exact=True)


def test_the_only_difference_takes_the_whole_effect():
    """A regime that differs from JIT-only only in mentoring: mentoring's share is 1 (with
    it off the two arms are the same runs), and a channel neither arm uses
    (refresher) contributes 0."""
    a = attribute(
        ("mentored",),
        custom_regimes={"mentored": {"base": "jit", "mentoring_hours": 3.0}},
        metrics=("gap_awareness_mean", "burnout_high_share"),
        channels=("mentoring", "refresher", "awareness"),
        jobs=1,
        **RUN,
    ).set_index(["channel", "metric"])
    m = a.loc[("mentoring", "gap_awareness_mean")]
    total = a.loc[("total", "gap_awareness_mean")]
    assert total["effect"] > 0  # mentoring raises gap awareness
    assert m["effect_off"] == 0.0
    assert m["effect"] == total["effect"] and m["share"] == 1.0
    assert m["ci_low"] == total["ci_low"] and m["ci_high"] == total["ci_high"]
    for metric in ("gap_awareness_mean", "burnout_high_share"):
        r = a.loc[("refresher", metric)]
        assert r["effect"] == 0 and r["ci_low"] == 0 and r["ci_high"] == 0


def test_counterfactual_shares_the_random_numbers(expl):
    cf = expl.counterfactual.set_index(["regime", "metric"])
    jit = cf.xs("jit", level="regime")
    assert (jit["diff"] == 0).all() and (jit["gap_closed"].fillna(0) == 0).all()
    ref = cf.xs("foundation", level="regime")
    assert (ref["diff_reference"] == 0).all()
    a = expl.attribution.query("regime == 'foundation' and channel == 'total'")
    pd.testing.assert_series_equal(
        ref["diff"].reindex(a["metric"]).reset_index(drop=True),
        a["effect"].reset_index(drop=True),
        check_names=False,
    )


@pytest.mark.parametrize(
    "kwargs",
    [
        {"regimes": ("nope",)},
        {"regimes": ("jit",)},
        {"regimes": ()},
        {"replications": 1},
        {"metrics": ("turnover",)},
        {"channels": ("awarenes",)},
        {"overrides": {"mentoring_hours": 1.0}},  # a training parameter: erases regimes
        {"overrides": {"n_workers": -3}},
    ],
)
def test_bad_arguments_raise_before_running(kwargs):
    args = {**RUN, **kwargs}
    regimes = args.pop("regimes", ("foundation",))
    with pytest.raises(USER_ERRORS):
        attribute(regimes, **args)


# --- the command ---------------------------------------------------------------------------


@pytest.fixture
def scenario_file(tmp_path):
    path = tmp_path / "agency.toml"
    path.write_text(
        helpers.scenario_toml(
            regimes=["jit", "foundation"], replications=2, horizon_weeks=52, size=SIZE
        ),
        encoding="utf-8",
    )
    return path


def test_cli_writes_the_files_and_exits_0(tmp_path, scenario_file, capsys):
    out = tmp_path / "ex"
    argv = ["explain", "--scenario", str(scenario_file), "--channels", "awareness,mentoring"]
    argv += ["--out", str(out), "--no-progress", "--jobs", "1", "--format", "svg"]
    assert main(argv) == 0
    names = {p.name for p in out.iterdir()}
    assert {
        "attribution.csv",
        "counterfactual.csv",
        "runs.csv",
        "attribution.svg",
        "report.md",
        "columns.csv",
        "manifest.json",
    } <= names
    a = pd.read_csv(out / "attribution.csv")
    assert tuple(a.columns) == ATTRIBUTION_COLUMNS
    assert set(a["regime"]) == {"foundation"}
    assert set(a["channel"]) == {"total", "awareness", "mentoring", "interaction"}
    assert undescribed(out) == []
    man = json.loads((out / "manifest.json").read_text())
    assert man["tool"] == "workforce-sim" and man["kind"] == "explain"
    assert man["explain"]["replications"] == 2
    report = (out / "report.md").read_text()
    assert "Of Foundation-first's" in report or "same" in report
    printed = capsys.readouterr().out
    assert "Foundation-first" in printed and "awareness" in printed
    # the same numbers as the function
    again = attribute(("foundation",), channels=("awareness", "mentoring"), jobs=1, **{
        **RUN, "replications": 2, "seed": 9})  # fmt: skip
    pd.testing.assert_frame_equal(
        a[["effect", "ci_low", "ci_high"]], again[["effect", "ci_low", "ci_high"]]
    )


@pytest.mark.parametrize(
    "extra",
    [
        ["--regimes", "foundaton"],
        ["--regimes", "jit"],
        ["--regimes", ""],
        ["--baseline", "nope"],
        ["--channels", "awareness,bogus"],
        ["--replications", "1"],
    ],
)
def test_cli_bad_input_exits_2_and_writes_nothing(tmp_path, scenario_file, capsys, extra):
    out = tmp_path / "ex"
    argv = ["explain", "--scenario", str(scenario_file), "--out", str(out), "--no-progress"]
    assert main([*argv, *extra]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("workforce-sim: error: ")
    assert extra[0] in err[0]
    assert not out.exists()


def test_cli_refuses_a_folder_that_is_not_ours(tmp_path, scenario_file, capsys):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    argv = ["explain", "--scenario", str(scenario_file), "--out", str(out), "--no-progress"]
    assert main(argv) == 2
    assert "--out" in capsys.readouterr().err
    assert [p.name for p in out.iterdir()] == ["notes.txt"]


# --- compare / run --explain: a section of the compare report --------------------------------

#: Files ``--explain`` adds to a run's output folder (charts in svg here).
EXPLAIN_FILES = {"attribution.csv", "counterfactual.csv", "attribution.svg"}


def _pay_scenario(tmp_path, regimes=("jit", "foundation", "jit_raise"), replications=2):
    """A small agency with a variant that differs from JIT-only in pay only."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "pay.toml"
    text = helpers.scenario_toml(
        regimes=list(regimes),
        replications=replications,
        horizon_weeks=52,
        size=helpers.agency(20, warmup_weeks=10),
    )
    text += helpers.toml({"variants.jit_raise": {"regime": "jit", "label": "JIT + pay",
                                                 "wage": 19.55}})  # fmt: skip
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def explained_run(tmp_path_factory):
    """``run --explain`` and plain ``run`` of the same scenario, and what --explain printed."""
    tmp = tmp_path_factory.mktemp("compare_explain")
    path = _pay_scenario(tmp)
    common = ["--no-progress", "--jobs", "1", "--format", "svg"]
    with_out, without_out = tmp / "with", tmp / "without"
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert main(["run", str(path), "--explain", "--out", str(with_out), *common]) == 0
    assert main(["run", str(path), "--out", str(without_out), *common]) == 0
    return with_out, without_out, buf.getvalue()


def test_run_explain_writes_the_attribution_into_the_compare_folder(explained_run):
    out, _, printed = explained_run
    names = {p.name for p in out.iterdir()}
    assert EXPLAIN_FILES <= names
    a = pd.read_csv(out / "attribution.csv")
    assert tuple(a.columns) == ATTRIBUTION_COLUMNS
    # the variant differs from the baseline in pay, not training: not explained, said so
    assert set(a["regime"]) == {"foundation"}
    assert "not explaining 'jit_raise'" in printed and "wage" in printed
    assert tuple(pd.read_csv(out / "counterfactual.csv").columns) == COUNTERFACTUAL_COLUMNS
    man = json.loads((out / "manifest.json").read_text())
    assert EXPLAIN_FILES <= set(man["files"])
    assert man["explain"]["baseline"] == "jit" and man["explain"]["replications"] == 2
    assert set(man["explain"]["not_explained"]) == {"jit_raise"}
    assert undescribed(out) == []
    # the unchanged arms are the compare runs themselves (same seeds): the total effect
    # is the paired difference of runs.csv
    runs = pd.read_csv(out / "runs.csv").set_index(["regime", "replicate"])
    diff = runs.loc["foundation", "coc"] - runs.loc["jit", "coc"]
    total = a.query("channel == 'total' and metric == 'coc'")["effect"].item()
    assert total == pytest.approx(diff.mean(), rel=1e-12, abs=1e-15)


def test_run_explain_adds_the_section_to_both_reports(explained_run):
    out, _, _ = explained_run
    md = (out / "report.md").read_text()
    html = (out / "report.html").read_text()
    section = md[md.index("## Why the regimes differ") : md.index("## Charts")]
    assert "### Foundation-first against JIT-only" in section
    assert "| total" in section and "| interaction" in section
    assert "(attribution.svg)" in section
    assert "knows what they don't know" in section
    assert "Not explained: JIT + pay (jit_raise)" in section
    assert "<h2>Why the regimes differ</h2>" in html
    why = html[html.index("<h2>Why the regimes differ</h2>") : html.index("<h2>Charts</h2>")]
    assert "data:image/png;base64," in why and "<table>" in why
    # a channel whose CI includes 0 is never said to account for anything
    a = pd.read_csv(out / "attribution.csv")
    meta = json.loads((out / "manifest.json").read_text())["explain"]
    for metric, g in a.groupby("metric"):
        text = effect_sentence(g, "foundation", metric, meta, zeros=False)
        assert text in " ".join(md.split())
        for rec in g.itertuples():
            unclear = not (rec.ci_low > 0 or rec.ci_high < 0)
            if rec.channel not in ("total", "interaction") and unclear:
                assert f"{rec.channel} accounts for" not in text


def test_without_explain_the_folder_is_unchanged(explained_run):
    out, plain, _ = explained_run
    names = {p.name for p in plain.iterdir()}
    assert not names & EXPLAIN_FILES
    assert names == {p.name for p in out.iterdir()} - EXPLAIN_FILES
    assert (plain / "timeseries.csv").read_bytes() == (out / "timeseries.csv").read_bytes()
    a = pd.read_csv(out / "runs.csv").drop(columns="wall_seconds")
    b = pd.read_csv(plain / "runs.csv").drop(columns="wall_seconds")
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert "Why the regimes differ" not in (plain / "report.md").read_text()
    man = json.loads((plain / "manifest.json").read_text())
    assert "explain" not in man and "explain_elapsed_seconds" not in man["timings"]
    assert not {"attribution", "counterfactual"} & set(
        pd.read_csv(plain / "columns.csv")["table"].str.split(".").str[0]
    )


def test_effect_sentence_does_not_report_an_unclear_channel_as_a_finding():
    nan = np.nan
    rows = [
        ("r", "total", "coc", 0.10, 1.0, 0.05, 0.15, nan, 5, 0.001, nan),
        ("r", "awareness", "coc", 0.07, 0.7, 0.02, 0.12, 0.03, 5, 0.004, 0.012),
        ("r", "realism", "coc", 0.02, 0.2, -0.01, 0.05, 0.08, 5, 0.2, 0.4),
        ("r", "mentoring", "coc", 0.0, 0.0, 0.0, 0.0, 0.1, 5, nan, nan),
        # its CI excludes 0, but not once the number of tests is allowed for
        ("r", "selfcare", "coc", 0.03, 0.3, 0.001, 0.06, 0.07, 5, 0.04, 0.12),
        ("r", "interaction", "coc", 0.01, 0.1, -0.02, 0.04, nan, 5, 0.5, nan),
    ]
    part = pd.DataFrame(rows, columns=list(ATTRIBUTION_COLUMNS))
    text = effect_sentence(part, "r", "coc", {"baseline": "jit"})
    assert "awareness accounts for" in text
    assert "realism accounts for" not in text
    assert "realism is not distinguishable from zero" in text
    assert "selfcare accounts for" not in text
    assert "selfcare has a 95 % CI that excludes 0, but not once the number" in text
    assert "interaction (what the channels do only together) is not distinguishable" in text
    assert "mentoring changes nothing" in text


def test_holm_adjustment_by_hand():
    p = [0.01, 0.04, np.nan, 0.03, 0.005]
    # sorted: 0.005 (x4), 0.01 (x3), 0.03 (x2), 0.04 (x1); monotone; NaN stays NaN
    np.testing.assert_allclose(holm(p), [0.03, 0.06, np.nan, 0.06, 0.02])
    assert np.isnan(holm([np.nan])).all() and holm([]).size == 0
    assert holm([0.9, 0.8]).max() <= 1.0


def test_t_test_p_edges():
    assert np.isnan(t_test_p(np.array([0.3])))
    assert t_test_p(np.zeros(5)) == 1.0 and t_test_p(np.full(5, 0.2)) == 0.0
    rng = np.random.default_rng(7)
    assert t_test_p(rng.normal(1.0, 0.1, 20)) < 1e-6
    assert t_test_p(np.array([1.0, -1.0, 1.0, -1.0])) == pytest.approx(1.0)


def test_null_channels_rarely_count_after_holm():
    """Forty channel contributions with no effect at all (pure noise) over 40
    replications: at 95 % each, about two intervals exclude 0 by chance; after Holm's
    adjustment, a false finding in the whole table should be rare (at most 5 % of
    tables). Checked over 200 simulated tables, seeded."""
    rng = np.random.default_rng(2026)
    raw = adjusted = 0
    for _ in range(200):
        ps = np.array([t_test_p(rng.normal(0.0, 1.0, 40)) for _ in range(40)])
        raw += int((ps < 0.05).sum())
        adjusted += bool((holm(ps) < 0.05).any())
    assert 1.2 <= raw / 200 <= 2.8  # about 2 of 40 a table before adjusting
    assert adjusted / 200 <= 0.09  # at most about 5 % of tables after


@pytest.mark.parametrize(
    ("argv", "flag"),
    [
        (["compare", "--explain", "--replications", "1"], "--replications"),
        (["run", "{pay_only}", "--explain"], "--explain"),
        (["run", "{one_rep}", "--explain"], "replications"),
        (["explain", "--scenario", "{pay}", "--regimes", "jit_raise"], "--regimes"),
    ],
)
def test_bad_explain_combinations_exit_2_before_running(tmp_path, capsys, argv, flag):
    files = {
        "pay_only": _pay_scenario(tmp_path / "a", regimes=("jit", "jit_raise")),
        "one_rep": _pay_scenario(tmp_path / "b", replications=1),
        "pay": _pay_scenario(tmp_path / "c"),
    }
    argv = [a.format(**files) for a in argv]
    out = tmp_path / "out"
    assert main([*argv, "--out", str(out), "--no-progress"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("workforce-sim: error: ")
    assert flag in err[0]
    assert not out.exists()


def test_the_parts_of_unseen_gaps_switch_off_what_it_does_one_parameter_each():
    from sim.experiments.attribution import PARTS

    whole = next(c for c in CHANNELS if c.name == "unseen_gaps")
    together: dict = {}
    for part in PARTS:
        assert len(part.off) == 1 and not set(part.off) & set(together)
        together.update(part.off)
    assert together == dict(whole.off)
    assert not {p.name for p in PARTS} & set(CHANNEL_NAMES)  # not run by default


def test_explain_runs_the_parts_when_named(tmp_path, capsys):
    scen = _pay_scenario(tmp_path, regimes=("jit", "foundation"))
    out = tmp_path / "parts"
    code = main(
        [
            "explain",
            "--scenario",
            str(scen),
            "--regimes",
            "foundation",
            "--channels",
            "unseen_gaps,gap_risk",
            "--replications",
            "2",
            "--out",
            str(out),
            "--no-progress",
        ]
    )
    assert code == 0, capsys.readouterr().err
    a = pd.read_csv(out / "attribution.csv")
    assert list(dict.fromkeys(a["channel"])) == ["total", "unseen_gaps", "gap_risk", "interaction"]
    assert "gap_risk" in (out / "report.md").read_text()
    # an unknown channel is refused with the parts among what is allowed
    assert main(["explain", "--channels", "gap_riks", "--out", str(tmp_path / "x")]) == 2
    assert "gap_risk" in capsys.readouterr().err
