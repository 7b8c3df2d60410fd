"""Stability per dollar (sim.analysis.costeffect, sim.report.costeffect): incremental
ratios, break-even points and "not estimable" on synthetic runs with answers computable
by hand, and the report's section."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim.analysis.costeffect import (
    COSTEFFECT_COLUMNS,
    break_even_reduction,
    cost_effectiveness,
    fieller,
    leaver_cost,
    mean_diff,
    paired,
    programme_cost,
)
from sim.report.costeffect import HEADING, add_section, section

CLIENTS, POSTS, C0 = 300.0, 100.0, 5470.0


def runs_of(arms: dict[str, dict[str, list[float]]], seeds: list[int] | None = None):
    """One row per run: ``{regime: {column: [value per replicate]}}``; missing cost
    columns default to 0, ``same_primary_share`` to 0.5."""
    rows = []
    for regime, cols in arms.items():
        n = len(next(iter(cols.values())))
        for r in range(n):
            row = {
                "regime": regime,
                "replicate": r,
                "seed": (seeds or list(range(100, 100 + n)))[r],
                "cost_total": 0.0,
                "cost_recruiting": 0.0,
                "cost_onboarding": 0.0,
                "separations": 0.0,
                "same_primary_share": 0.5,
            }
            row.update({k: float(v[r]) for k, v in cols.items()})
            rows.append(row)
    return pd.DataFrame(rows)


def table(runs, **kw):
    return cost_effectiveness(
        runs, n_clients=CLIENTS, n_workers=POSTS, leaver_cost=C0, **kw
    ).set_index("option")


def test_fixed_costs_and_turnover_give_exact_ratios():
    # Reference: $1,000,000 a year, 40 leavers, 60 % of clients with one primary worker,
    # turnover costs $150,000. Option A: +$50,000 a year, 10 fewer leavers, 70 %, turnover
    # costs $100,000. Option B: $20,000 cheaper, 5 fewer leavers, 62 %.
    reps = 5
    same = lambda v: [v] * reps  # noqa: E731
    runs = runs_of(
        {
            "jit": {
                "cost_total": same(1_000_000),
                "separations": same(40),
                "same_primary_share": same(0.6),
                "cost_recruiting": same(100_000),
                "cost_onboarding": same(50_000),
            },
            "a": {
                "cost_total": same(1_050_000),
                "separations": same(30),
                "same_primary_share": same(0.7),
                "cost_recruiting": same(60_000),
                "cost_onboarding": same(40_000),
            },
            "b": {
                "cost_total": same(980_000),
                "separations": same(35),
                "same_primary_share": same(0.62),
                "cost_recruiting": same(130_000),
                "cost_onboarding": same(50_000),
            },
        }
    )
    t = table(runs)
    assert list(t.reset_index().columns) == ["option"] + [
        c for c in COSTEFFECT_COLUMNS if c != "option"
    ]
    assert set(t["period"]) == {"final_year"}
    a, b = t.loc["a"], t.loc["b"]
    assert bool(a.paired) and a.n == reps
    assert a.cost_diff == pytest.approx(50_000)
    assert a.cost_diff_per_client_year == pytest.approx(50_000 / CLIENTS)
    assert a.leavers_avoided == pytest.approx(10)
    assert a.leavers_avoided_per_100_posts == pytest.approx(10)
    assert a.stable_gained == pytest.approx(0.1 * CLIENTS)  # 30 client-years
    assert a.cost_per_leaver_avoided == pytest.approx(5_000)
    assert a.cost_per_leaver_status == "ratio"
    assert a.cost_per_stable_year == pytest.approx(50_000 / 30)
    # no variance: the intervals collapse onto the estimates
    assert a.cost_per_leaver_avoided_low == pytest.approx(5_000)
    assert a.cost_per_leaver_avoided_high == pytest.approx(5_000)
    # break-even: turnover costs saved 50,000; other extra spending 50,000 + 50,000;
    # the cost of a leaver that makes the option cost nothing extra: C0 * 100k / 50k
    assert a.break_even_leaver_cost == pytest.approx(C0 * 2)
    # b saves money and avoids leavers: dominant, though its turnover costs rose
    assert b.cost_diff == pytest.approx(-20_000)
    assert b.cost_per_leaver_status == "saves money"
    assert b.cost_per_leaver_avoided == pytest.approx(-4_000)
    assert b.cost_per_stable_status == "saves money"
    assert b.reference_leavers == pytest.approx(40)


def test_saved_turnover_costs_make_break_even_below_the_model_cost():
    # The option spends 30,000 more on other things and saves 40,000 of turnover costs:
    # it is 10,000 cheaper, so it breaks even below C0: C0 * 30k / 40k.
    runs = runs_of(
        {
            "jit": {
                "cost_total": [500_000] * 3,
                "separations": [30] * 3,
                "cost_recruiting": [60_000] * 3,
            },
            "x": {
                "cost_total": [490_000] * 3,
                "separations": [22] * 3,
                "cost_recruiting": [20_000] * 3,
            },
        }
    )
    x = table(runs).loc["x"]
    assert x.break_even_leaver_cost == pytest.approx(C0 * 0.75)
    assert x.break_even_leaver_cost < x.leaver_cost


def test_noisy_effect_that_may_be_zero_is_not_estimable():
    # leavers: reference 40 every time, option 40 +- 5 around the same mean: no clear effect
    runs = runs_of(
        {
            "jit": {"cost_total": [1e6] * 4, "separations": [40, 40, 40, 40]},
            "y": {"cost_total": [1.1e6] * 4, "separations": [35, 45, 36, 44]},
        }
    )
    y = table(runs).loc["y"]
    assert y.leavers_avoided == pytest.approx(0)
    assert y.leavers_avoided_low < 0 < y.leavers_avoided_high
    assert y.cost_per_leaver_status == "not estimable"
    assert math.isnan(y.cost_per_leaver_avoided) and math.isnan(y.cost_per_leaver_avoided_low)
    assert math.isnan(y.break_even_leaver_cost)


def test_more_leavers_is_worse_not_a_negative_ratio():
    runs = runs_of(
        {
            "jit": {"cost_total": [1e6] * 3, "separations": [40] * 3},
            "z": {"cost_total": [1.2e6] * 3, "separations": [50, 51, 49]},
        }
    )
    z = table(runs).loc["z"]
    assert z.leavers_avoided == pytest.approx(-10)
    assert z.cost_per_leaver_status == "worse"
    assert math.isnan(z.cost_per_leaver_avoided)


def test_fieller_matches_the_ratio_and_widens_with_noise():
    assert fieller(10.0, 2.0, 0.0, 0.0, 0.0, 9) == pytest.approx((5.0, 5.0, 5.0))
    r, lo, hi = fieller(10.0, 2.0, 1.0, 0.04, 0.0, 9)
    assert r == 5.0 and lo < 5.0 < hi
    # denominator interval includes zero: unbounded, not estimable
    assert all(math.isnan(v) for v in fieller(10.0, 0.1, 1.0, 0.04, 0.0, 9))


def test_paired_differences_use_the_pairs():
    # option = reference + 1 exactly, but the reference varies a lot: paired CI is a point,
    # unpaired is wide
    ref = np.array([10.0, 50.0, 90.0, 30.0])
    d_paired = mean_diff(ref + 1, ref, True)
    d_indep = mean_diff(ref + 1, ref, False)
    assert d_paired.mean == d_indep.mean == pytest.approx(1.0)
    assert d_paired.low == d_paired.high == pytest.approx(1.0)
    assert d_indep.low < 0 < d_indep.high


def test_runs_on_other_seeds_are_not_paired():
    base = {"cost_total": [1e6, 1.1e6], "separations": [40, 42]}
    same = runs_of({"jit": base, "o": base})
    assert paired(same, "o", "jit")
    other = pd.concat(
        [runs_of({"jit": base}, seeds=[1, 2]), runs_of({"o": base}, seeds=[3, 4])],
        ignore_index=True,
    )
    assert not paired(other, "o", "jit")
    assert not bool(table(other).loc["o"].paired)


def test_break_even_reduction_and_programme_cost():
    assert break_even_reduction(547_000, C0, 100) == pytest.approx((100.0, 100.0))
    assert all(math.isnan(v) for v in break_even_reduction(math.nan, C0, 100))
    assert leaver_cost({}) == pytest.approx(C0)  # registry defaults: 1490 + 730 + 3250
    base = {
        "n_workers": 100,
        "float_pool": 0,
        "contract_hours": 40,
        "wage": 20.0,
        "benefits_rate": 0.25,
    }
    raise_ = {**base, "wage": 22.0}
    assert programme_cost(raise_, base, 156) == pytest.approx(100 * 40 * 52 * 2.0 * 1.25)
    pool = {**base, "float_pool": 5}
    assert programme_cost(pool, base, 156) == pytest.approx(5 * 40 * 52 * 20.0 * 1.25)
    # a 26-week programme that ends before the final year costs nothing in it
    programme = {
        **base,
        "inservice_start": 13,
        "inservice_weeks": 26,
        "inservice_training_hours": 2.0,
        "inservice_supervision_hours": 1.0,
        "trainer_cost": 12.0,
    }
    assert math.isnan(programme_cost(programme, base, 156))
    standing = {**programme, "inservice_start": 1, "inservice_weeks": 156}
    assert programme_cost(standing, base, 156) == pytest.approx(100 * 52 * (2 * 12.0 + 20.0))
    assert math.isnan(programme_cost(base, base, 156))  # a training regime: not known


def test_report_section(tmp_path):
    runs = runs_of(
        {
            "jit": {"cost_total": [1.0e6, 1.01e6, 0.99e6], "separations": [40, 42, 38]},
            "foundation": {"cost_total": [1.05e6, 1.06e6, 1.04e6], "separations": [30, 31, 29]},
            "jit_raise": {"cost_total": [1.5e6, 1.52e6, 1.49e6], "separations": [35, 45, 40]},
        }
    )
    meta = {
        "regimes": ["jit", "foundation", "jit_raise"],
        "regime_labels": {"jit_raise": "JIT-only + 15 % pay"},
        "horizon_weeks": 156,
        "params": {r: {"n_clients": 300, "n_workers": 100} for r in ("jit", "foundation")}
        | {"jit_raise": {"n_clients": 300, "n_workers": 100, "wage": 19.55}},
    }
    md0 = "# R\n\n## Costs\n\ncosts\n\n## Charts\n\ncharts\n"
    page0 = "<h1>R</h1><h2>Costs</h2><p>costs</p><h2>Charts</h2>"
    paths: dict = {}
    md, page = add_section(md0, page0, tmp_path, runs, meta, meta["regimes"], paths=paths)
    assert md.index("## Costs") < md.index(f"## {HEADING}") < md.index("## Charts")
    assert (
        page.index("<h2>Costs</h2>")
        < page.index(f"<h2>{HEADING}</h2>")
        < page.index("<h2>Charts</h2>")
    )
    assert "JIT-only + 15 % pay" in md and "Foundation-first" in md
    # the raise's change in leavers (5 fewer, 35-45 vs 38-42) is not clear: no ratio
    assert "not estimable" in md
    assert "data:image/png;base64," in page
    assert (tmp_path / "costeffect.png").stat().st_size > 1000
    csv = pd.read_csv(tmp_path / "costeffect.csv")
    assert list(csv.option) == ["foundation", "jit_raise"]
    assert set(paths) == {"costeffect", "costeffect_csv"}
    # one regime: nothing to compare, nothing written
    one = runs[runs.regime == "jit"]
    assert section(one, meta, ["jit"]) is None


# -- the whole run, a year on average ------------------------------------------------------
def test_programme_cost_over_the_whole_run():
    base = {
        "n_workers": 100,
        "float_pool": 0,
        "contract_hours": 40,
        "wage": 20.0,
        "benefits_rate": 0.25,
    }
    programme = {
        **base,
        "inservice_start": 13,
        "inservice_weeks": 26,
        "inservice_training_hours": 2.0,
        "inservice_supervision_hours": 1.0,
        "trainer_cost": 12.0,
    }
    # none of it in the final year; over the three years, 26 weeks' worth a third a year
    assert math.isnan(programme_cost(programme, base, 156))
    whole = programme_cost(programme, base, 156, whole_run=True)
    assert whole == pytest.approx(100 * 26 * (2 * 12.0 + 20.0) / 3)
    raise_ = {**base, "wage": 22.0}  # pay is a year's pay either way
    assert programme_cost(raise_, base, 156, whole_run=True) == pytest.approx(
        programme_cost(raise_, base, 156)
    )


def weekly(arms: dict[str, list[dict[str, list[float]]]], weeks: int) -> pd.DataFrame:
    """A weekly series (weeks 0..``weeks``) of runs ``{regime: [{column: [value per
    week]}, ...]}``, one dict per replicate; every other measure is 0."""
    from sim.core.outputs import METRICS

    frames = []
    run_id = 0
    for regime, reps in arms.items():
        for r, cols in enumerate(reps):
            df = pd.DataFrame({name: np.zeros(weeks + 1) for name in METRICS})
            for k, v in cols.items():
                df[k] = np.asarray(v, dtype=float)
            df.insert(0, "week", np.arange(weeks + 1))
            for i, (k, v) in enumerate(
                {"run_id": run_id, "regime": regime, "replicate": r, "seed": 100 + r}.items()
            ):
                df.insert(i, k, v)
            frames.append(df)
            run_id += 1
    return pd.concat(frames, ignore_index=True)


def test_whole_run_flows_scale_to_a_year_and_rolling_measures_weight_their_years():
    from sim.analysis.periods import whole_run_values

    h = 130  # year ends 130, 78 and 26 (half a year)
    share = np.zeros(h + 1)
    share[130], share[78], share[26] = 0.9, 0.6, 0.3
    coc = np.full(h + 1, 0.5)
    coc[78] = np.nan  # undefined that year: left out of the mean, weight and all
    ts = weekly(
        {
            "jit": [
                {
                    "separations": np.ones(h + 1),
                    "same_primary_share": share,
                    "coc": coc,
                    "burnout_mean": np.arange(h + 1),
                }
            ]
        },
        h,
    )
    row = whole_run_values(ts, h).iloc[0]
    assert row["separations"] == pytest.approx(52.0)  # 130 over 130 weeks, a year's worth
    assert row["same_primary_share"] == pytest.approx((0.9 + 0.6 + 0.3 * 0.5) / 2.5)
    assert row["coc"] == pytest.approx(0.5)
    assert row["burnout_mean"] == pytest.approx(65.5)  # weeks 1..130, week 0 left out
    with pytest.raises(ValueError, match="horizon"):
        whole_run_values(ts, 0)


def test_whole_run_of_a_one_year_run_is_its_final_year():
    """An identity on real runs: over exactly 52 reported weeks, the whole run and the
    final year are the same weeks, so every measure agrees."""
    import dataclasses

    from sim.analysis.periods import whole_run_values
    from sim.core.outputs import METRICS
    from sim.experiments.runner import run_scenario
    from sim.experiments.scenario import default_compare_scenario

    from helpers import SMALL

    base = default_compare_scenario()
    scen = dataclasses.replace(
        base, horizon_weeks=52, replications=2, seed=3, params={**base.params, **SMALL}
    )
    res = run_scenario(scen, jobs=1, progress=False)
    whole = whole_run_values(res.timeseries, 52).sort_values("run_id").reset_index(drop=True)
    final = res.runs.sort_values("run_id").reset_index(drop=True)
    assert len(whole) == len(final) == 2 * len(scen.regimes)
    for name in METRICS:
        np.testing.assert_allclose(whole[name], final[name], rtol=1e-12, equal_nan=True)


def test_report_section_covers_the_whole_run(tmp_path):
    """The option costs $1,000 a week more in the first year only and has one leaver a
    week fewer in the last year only: the final year shows no extra cost and 52 fewer
    leavers, the whole run a third of each."""
    h = 156
    reps = 3
    first_year = (np.arange(h + 1) >= 1) & (np.arange(h + 1) <= 52)
    last_year = np.arange(h + 1) > 104

    def arm(extra_cost: float, fewer: float, noise: float) -> list[dict]:
        out = []
        for r in range(reps):
            jitter = noise * (r - 1)
            out.append(
                {
                    "cost_total": 20_000 + jitter + extra_cost * first_year,
                    "separations": 2.0 - fewer * last_year + 0.01 * r,
                    "same_primary_share": np.full(h + 1, 0.5),
                }
            )
        return out

    ts = weekly({"jit": arm(0.0, 0.0, 10.0), "foundation": arm(1000.0, 1.0, 10.0)}, h)
    final_rows = []
    for (regime, r), g in ts.groupby(["regime", "replicate"]):
        last = g[g["week"] > h - 52]
        final_rows.append(
            {
                "regime": regime,
                "replicate": r,
                "seed": 100 + r,
                "cost_total": last["cost_total"].sum(),
                "cost_recruiting": 0.0,
                "cost_onboarding": 0.0,
                "separations": last["separations"].sum(),
                "same_primary_share": 0.5,
            }
        )
    runs = pd.DataFrame(final_rows)
    meta = {
        "regimes": ["jit", "foundation"],
        "horizon_weeks": h,
        "params": {r: {"n_clients": 300, "n_workers": 100} for r in ("jit", "foundation")},
    }
    md0 = "# R\n\n## Costs\n\ncosts\n\n## Charts\n\ncharts\n"
    page0 = "<h1>R</h1><h2>Costs</h2><p>costs</p><h2>Charts</h2>"
    md, page = add_section(md0, page0, tmp_path, runs, meta, meta["regimes"], timeseries=ts)
    csv = pd.read_csv(tmp_path / "costeffect.csv").set_index("period")
    assert list(csv.index) == ["final_year", "whole_run"]
    assert csv.loc["final_year", "cost_diff"] == pytest.approx(0.0, abs=1e-6)
    assert csv.loc["final_year", "leavers_avoided"] == pytest.approx(52.0)
    assert csv.loc["whole_run", "cost_diff"] == pytest.approx(52_000 / 3)
    assert csv.loc["whole_run", "leavers_avoided"] == pytest.approx(52.0 / 3)
    assert csv.loc["whole_run", "cost_per_leaver_avoided"] == pytest.approx(1000.0)
    assert bool(csv.loc["whole_run", "paired"])
    assert md.index(f"## {HEADING}") < md.index("### Over the whole run") < md.index("## Charts")
    assert "Over the whole run, Foundation-first costs $17,333 a year more" in md
    assert "In the final year alone: $0 more and 52.0 fewer leavers." in md
    assert "<h3>Over the whole run (weeks 0–156), a year on average</h3>" in page
    # a one-year run, or no weekly series: the final year only
    short = {**meta, "horizon_weeks": 52}
    assert section(runs, short, meta["regimes"], ts).whole is None
    assert section(runs, meta, meta["regimes"]).whole is None
