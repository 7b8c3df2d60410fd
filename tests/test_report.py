"""Summary statistics, charts and the written report, on a small synthetic dataset."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.analysis.summary import (
    COST_COMPONENTS,
    SUMMARY_COLUMNS,
    format_cell,
    summarise,
    summary_table,
    to_markdown_table,
)
from sim.core.outputs import METRICS, SUMMARY_METRICS
from sim.report.charts import (
    CHARTS,
    REGIME_COLORS,
    finding_title,
    plot_cost_continuity,
    plot_distinct,
    plot_survival,
    plot_timeseries,
    regime_color,
    write_charts,
)
from sim.report.report import write_report

REGIMES = ["jit", "foundation", "hybrid"]
LABELS = {"jit": "JIT-only", "foundation": "Foundation-first", "hybrid": "Hybrid"}
# Levels chosen so that the regimes clearly differ: foundation best on turnover,
# hybrid best on continuity of care.
TURNOVER = {"jit": 0.47, "foundation": 0.30, "hybrid": 0.40}
COC = {"jit": 0.40, "foundation": 0.55, "hybrid": 0.62}
# Share of clients who kept one primary worker all year: 3, 7 and 5 in 10.
SAME = {"jit": 0.30, "foundation": 0.70, "hybrid": 0.50}
# Weekly costs (USD): foundation trains more and recruits less.
COSTS = {
    "cost_wages": 50_000.0,
    "cost_benefits": 10_000.0,
    "cost_overtime": 900.0,
    "cost_cover": 700.0,
    "cost_onboarding": 400.0,
    "cost_modules": 60.0,
}
RECRUIT = {"jit": 1_500.0, "foundation": 600.0, "hybrid": 1_000.0}
TRAIN = {"jit": 100.0, "foundation": 800.0, "hybrid": 500.0}
N_CLIENTS = 300
H = 60
REPS = 3


def _final(series: pd.Series, rule: str) -> float:
    last = series.iloc[-52:]
    return float({"last": last.iloc[-1], "mean": last.mean(), "sum": last.sum()}[rule])


def make_data(regimes=REGIMES, reps=REPS, horizon=H, seed=1):
    rng = np.random.default_rng(seed)
    ts_rows, run_rows, surv_rows, dist_rows = [], [], [], []
    run_id = 0
    for regime in regimes:
        for rep in range(reps):
            run_seed = int(rng.integers(1_000_000))
            cols = {}
            for name, m in METRICS.items():
                hi = m.high if m.high is not None else 10.0
                cols[name] = rng.uniform(m.low, hi, horizon)
            cols["turnover_rate"] = TURNOVER.get(regime, 0.5) + rng.normal(0, 0.01, horizon)
            cols["coc"] = COC.get(regime, 0.5) + rng.normal(0, 0.01, horizon)
            cols["burnout_high_share"] = rng.uniform(0.3, 0.5, horizon)
            cols["vacancy_rate"] = rng.uniform(0.08, 0.15, horizon)
            cols["same_primary_share"] = SAME.get(regime, 0.5) + rng.normal(0, 0.005, horizon)
            for name, level in {
                **COSTS,
                "cost_recruiting": RECRUIT.get(regime, 1_000.0),
                "cost_training": TRAIN.get(regime, 300.0),
            }.items():
                cols[name] = level * rng.uniform(0.9, 1.1, horizon)
            cols["cost_total"] = sum(cols[c] for c in COST_COMPONENTS)
            rolling = pd.Series(cols["cost_total"]).rolling(52, min_periods=1)
            cols["cost_per_client_year"] = (rolling.mean() * 52 / N_CLIENTS).to_numpy()
            df = pd.DataFrame(
                {
                    "run_id": run_id,
                    "regime": regime,
                    "replicate": rep,
                    "seed": run_seed,
                    "week": np.arange(horizon),
                    **cols,
                }
            )
            ts_rows.append(df)
            run = {
                "run_id": run_id,
                "regime": regime,
                "replicate": rep,
                "seed": run_seed,
                "wall_seconds": float(rng.uniform(1, 2)),
            }
            run.update({n: _final(df[n], m.final) for n, m in METRICS.items()})
            run_rows.append(run)
            scale = {"jit": 30, "foundation": 150, "hybrid": 70}.get(regime, 50)
            d = rng.exponential(scale, 40)
            surv_rows.append(
                pd.DataFrame(
                    {
                        "regime": regime,
                        "replicate": rep,
                        "duration_weeks": np.minimum(d, horizon).round(),
                        "event": (d < horizon).astype(int),
                    }
                )
            )
            distinct = 1 + rng.poisson(1.0 / COC.get(regime, 0.5), 400)
            dist_rows.append(
                pd.DataFrame({"regime": regime, "replicate": rep, "distinct_workers": distinct})
            )
            run["distinct_workers"] = float(distinct.mean())  # the run's measure, as the model
            run_id += 1
    meta = {
        "title": "Synthetic comparison",
        "description": "Made-up numbers for the tests.",
        "regimes": list(regimes),
        "regime_labels": {r: LABELS.get(r, r) for r in regimes},
        "replications": reps,
        "horizon_weeks": horizon,
        "seed": seed,
        "params": {"n_workers": 100, "wage": 18.5},
        "elapsed_seconds": 12.5,
    }
    return {
        "timeseries": pd.concat(ts_rows, ignore_index=True),
        "runs": pd.DataFrame(run_rows),
        "survival": pd.concat(surv_rows, ignore_index=True),
        "client_distinct": pd.concat(dist_rows, ignore_index=True),
        "meta": meta,
    }


@pytest.fixture(scope="module")
def data():
    return make_data()


@pytest.fixture(scope="module")
def report(data, tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    return out, write_report(out, **data)


# ---------------------------------------------------------------------------
# summarise
# ---------------------------------------------------------------------------


def test_summarise_shape_and_order(data):
    s = summarise(data["runs"], regimes=["hybrid", "jit", "foundation"])
    assert list(s.columns) == list(SUMMARY_COLUMNS)
    assert len(s) == len(SUMMARY_METRICS) * 3
    assert list(pd.unique(s["metric"])) == list(SUMMARY_METRICS)
    assert list(s["regime"].iloc[:3]) == ["hybrid", "jit", "foundation"]
    assert (s["n"] == REPS).all()
    row = s[(s.metric == "turnover_rate") & (s.regime == "jit")].iloc[0]
    assert row["label"] == "Turnover rate" and row["unit"] == "per year"


def test_summarise_mean_and_ci_match_hand_computation(data):
    runs = data["runs"]
    s = summarise(runs, metrics=["turnover_rate", "coc"], regimes=REGIMES)
    for rec in s.itertuples():
        x = runs.loc[runs.regime == rec.regime, rec.metric].to_numpy(float)
        assert rec.mean == pytest.approx(x.mean())
        half = stats.t.ppf(0.975, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x))
        assert rec.ci_low == pytest.approx(x.mean() - half)
        assert rec.ci_high == pytest.approx(x.mean() + half)
        assert rec.ci_low < rec.mean < rec.ci_high


def test_ci_shrinks_as_replications_grow():
    base = [0.40, 0.45, 0.50]
    few = pd.DataFrame({"regime": "jit", "turnover_rate": base})
    many = pd.DataFrame({"regime": "jit", "turnover_rate": base * 10})
    w_few = summarise(few, metrics=["turnover_rate"]).eval("ci_high - ci_low").iloc[0]
    w_many = summarise(many, metrics=["turnover_rate"]).eval("ci_high - ci_low").iloc[0]
    assert 0 < w_many < w_few
    rng = np.random.default_rng(7)
    x = rng.normal(0.4, 0.05, 200)
    widths = [
        summarise(pd.DataFrame({"regime": "jit", "coc": x[:n]}), metrics=["coc"])
        .eval("ci_high - ci_low")
        .iloc[0]
        for n in (3, 20, 200)
    ]
    assert widths[0] > widths[1] > widths[2] > 0


def test_degenerate_ci_for_one_run_or_no_spread():
    one = pd.DataFrame({"regime": ["jit"], "coc": [0.5]})
    r = summarise(one, metrics=["coc"]).iloc[0]
    assert r["n"] == 1 and r["ci_low"] == r["mean"] == r["ci_high"] == 0.5
    flat = pd.DataFrame({"regime": ["jit"] * 4, "coc": [0.3] * 4})
    r = summarise(flat, metrics=["coc"]).iloc[0]
    assert r["n"] == 4 and r["ci_low"] == r["mean"] == r["ci_high"] == pytest.approx(0.3)


def test_ci_of_a_share_stays_within_0_1():
    runs = pd.DataFrame({"regime": "jit", "leavers_under_6m": [0.0, 0.9, 0.1]})
    r = summarise(runs, metrics=["leavers_under_6m"]).iloc[0]
    assert r["ci_low"] == 0.0 and r["ci_high"] == 1.0
    assert r["mean"] == pytest.approx(1 / 3)


def test_missing_regime_gives_empty_row_and_missing_metric_raises(data):
    s = summarise(data["runs"], metrics=["coc"], regimes=["jit", "nobody"])
    empty = s[s.regime == "nobody"].iloc[0]
    assert empty["n"] == 0 and np.isnan(empty["mean"])
    with pytest.raises(KeyError, match="no_such_metric"):
        summarise(data["runs"], metrics=["no_such_metric"])


# ---------------------------------------------------------------------------
# display table
# ---------------------------------------------------------------------------


def test_cell_formats():
    assert format_cell(0.431, 0.41, 0.452, 3, "percent") == "43.1 % (41.0–45.2)"
    assert format_cell(1.234, 1.1, 1.35, 3, "number") == "1.23 (1.10–1.35)"
    assert format_cell(12345, 12000, 12700, 3, "usd") == "$12,345 ($12,000–$12,700)"
    assert format_cell(0.5, 0.5, 0.5, 1, "percent") == "50.0 %"
    assert format_cell(float("nan"), float("nan"), float("nan"), 0, "number") == "–"


def test_summary_table_and_markdown(data):
    s = summarise(data["runs"], regimes=REGIMES)
    t = summary_table(s, LABELS)
    assert list(t.columns) == ["Measure", "JIT-only", "Foundation-first", "Hybrid"]
    assert len(t) == len(SUMMARY_METRICS)
    measures = list(t["Measure"])
    assert "Turnover rate (% per year)" in measures
    assert "Vacancy rate (% of posts)" in measures
    assert "Cost per client-year (USD)" in measures
    turnover = t.set_index("Measure").loc["Turnover rate (% per year)", "JIT-only"]
    assert re.fullmatch(r"\d+\.\d % \(\d+\.\d–\d+\.\d\)", turnover)
    cost = t.set_index("Measure").loc["Cost per client-year (USD)", "Hybrid"]
    assert re.fullmatch(r"\$[\d,]+ \(\$[\d,]+–\$[\d,]+\)", cost)
    coc = t.set_index("Measure").loc["Continuity of care (COC), 0-1", "Hybrid"]
    assert re.fullmatch(r"0\.\d\d \(0\.\d\d–0\.\d\d\)", coc)

    md = to_markdown_table(t).splitlines()
    assert len(md) == len(t) + 2
    assert all(line.startswith("| ") and line.endswith(" |") for line in md)
    assert set(md[1].replace("|", "").replace(" ", "")) == {"-"}
    assert md[0].count("|") == len(t.columns) + 1


def test_markdown_escapes_pipes():
    md = to_markdown_table(pd.DataFrame({"a|b": ["x|y"]}))
    assert "a\\|b" in md and "x\\|y" in md


# ---------------------------------------------------------------------------
# charts
# ---------------------------------------------------------------------------


def test_regime_colors_fixed_and_custom():
    order = ["jit", "mine", "foundation", "other", "hybrid"]
    assert regime_color("jit", order) == REGIME_COLORS["jit"]
    assert regime_color("foundation", ["foundation"]) == REGIME_COLORS["foundation"]
    assert regime_color("hybrid") == REGIME_COLORS["hybrid"]
    colors = [regime_color(r, order) for r in order]
    assert len(set(colors)) == len(order)
    # a custom regime's colour does not depend on where the built-ins sit
    assert regime_color("mine", order) == regime_color("mine", ["mine", "other"])
    assert regime_color("other", order) != regime_color("mine", order)


def _title(fig):
    return " ".join(fig.axes[0].get_title(loc="left").split())


def test_turnover_title_names_lowest_regime(data):
    ts = data["timeseries"]
    final = ts[ts.week == ts.week.max()].groupby("regime")["turnover_rate"].mean()
    lowest, highest = final.idxmin(), final.idxmax()
    title = _title(plot_timeseries(ts, "turnover_rate", data["meta"]))
    assert title.startswith(f"Turnover is lowest under {LABELS[lowest]} (")
    assert f"under {LABELS[highest]})" in title
    assert f"{final[lowest] * 100:.0f} %" in title


def test_continuity_title_names_highest_regime(data):
    ts = data["timeseries"]
    final = ts[ts.week == ts.week.max()].groupby("regime")["coc"].mean()
    title = _title(plot_timeseries(ts, "coc", data["meta"]))
    assert f"highest under {LABELS[final.idxmax()]}" in title


def test_other_chart_titles_state_findings(data):
    meta = data["meta"]
    assert _title(plot_survival(data["survival"], meta)).startswith(
        "One-year retention of new hires is highest under Foundation-first"
    )
    cd = data["client_distinct"]
    fewest = cd.groupby("regime")["distinct_workers"].mean().idxmin()
    assert f"lowest under {LABELS[fewest]}" in _title(plot_distinct(cd, meta))
    title = _title(plot_cost_continuity(data["runs"], meta))
    assert "Hybrid" in title and "continuity" in title.lower()


def test_finding_title_hedges_when_intervals_overlap():
    clear = finding_title(
        "Turnover",
        [("A", 3, 0.30, 0.29, 0.31), ("B", 3, 0.45, 0.44, 0.46)],
        "percent",
        "lower",
        " a year",
    )
    assert clear == "Turnover is lowest under A (30 % vs 45 % a year under B)"
    tied = finding_title(
        "Turnover",
        [("A", 3, 0.30, 0.28, 0.33), ("B", 3, 0.31, 0.29, 0.34), ("C", 3, 0.45, 0.44, 0.46)],
        "percent",
        "lower",
    )
    assert tied == "Turnover is lowest under A and B (30–31 % vs 45 % under C)"
    flat = finding_title(
        "Turnover", [("A", 3, 0.40, 0.30, 0.50), ("B", 3, 0.42, 0.32, 0.52)], "percent", "lower"
    )
    assert "differs little" in flat


@pytest.mark.slow
def test_custom_regime_and_classroom_charts(tmp_path):
    d = make_data(regimes=["jit", "mine"], reps=2, horizon=30, seed=3)
    d["meta"]["regime_labels"] = {"jit": "JIT-only"}  # no label for the custom regime
    paths = write_charts(
        tmp_path,
        d["timeseries"],
        d["runs"],
        d["survival"],
        d["client_distinct"],
        d["meta"],
        classroom=True,
    )
    assert set(paths) == set(CHARTS)
    assert all(p.stat().st_size > 1000 for p in paths.values())
    fig = plot_timeseries(d["timeseries"], "turnover_rate", d["meta"])
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert legend == ["JIT-only", "mine"]
    colors = [line.get_color() for line in fig.axes[0].get_lines()]
    assert colors == [regime_color("jit"), regime_color("mine", ["jit", "mine"])]


def test_bad_format_rejected(data, tmp_path):
    with pytest.raises(ValueError, match="format"):
        write_charts(
            tmp_path,
            data["timeseries"],
            data["runs"],
            data["survival"],
            data["client_distinct"],
            data["meta"],
            fmt="gif",
        )


# ---------------------------------------------------------------------------
# report
# ---------------------------------------------------------------------------

EXPECTED = [f"{name}.png" for name in CHARTS] + ["summary.csv", "report.md", "report.html"]
EXPECTED += ["costeffect.png", "costeffect.csv"]  # the section "Stability per dollar"


def test_write_report_writes_all_files(report):
    out, paths = report
    for name in EXPECTED:
        assert (out / name).is_file() and (out / name).stat().st_size > 0, name
    assert {p.name for p in paths.values()} == set(EXPECTED)
    assert all(p.exists() for p in paths.values())
    csv = pd.read_csv(paths["summary_csv"])
    assert list(csv.columns) == ["period", *SUMMARY_COLUMNS]
    assert set(csv["period"]) == {"final_year"}  # no shock in the synthetic data
    assert len(csv) == len(SUMMARY_METRICS) * len(REGIMES)


def test_report_markdown_content(report, data):
    _out, paths = report
    md = paths["report_md"].read_text(encoding="utf-8")
    assert md.startswith("# Synthetic comparison")
    assert "Mean and 95 % CI over replications, final year" in md
    for label in LABELS.values():
        assert label in md
    for name in CHARTS:
        assert f"]({name}.png)" in md
    assert "How to read this" in md and "docs/ODD.md" in md
    assert "60 weeks" in md and str(REPS) in md
    assert "wage" in md  # a non-default parameter is listed
    assert "n_workers" not in md  # a default one is not


def test_report_html_is_self_contained(report):
    _out, paths = report
    text = paths["report_html"].read_text(encoding="utf-8")
    srcs = re.findall(r"<img[^>]*\ssrc=\"([^\"]*)\"", text)
    assert len(srcs) == len(CHARTS) + 1  # + the section "Stability per dollar"
    assert all(s.startswith("data:image/png;base64,") for s in srcs)
    assert not re.search(r"(src|href)=\"(https?:|//)", text)
    assert "<link" not in text and "<script" not in text
    assert "@media print" in text
    assert "<table>" in text and "Mean and 95 % CI over replications, final year" in text
    for label in LABELS.values():
        assert label in text


@pytest.mark.slow
def test_svg_format_writes_svg_files_and_html_still_embeds_png(data, tmp_path):
    paths = write_report(tmp_path, **data, fmt="svg")
    for name in CHARTS:
        assert paths[name].suffix == ".svg"
        assert paths[name].read_text(encoding="utf-8").lstrip().startswith("<?xml")
    assert not list(tmp_path.glob("*.png"))
    md = paths["report_md"].read_text(encoding="utf-8")
    assert "](turnover.svg)" in md
    html = paths["report_html"].read_text(encoding="utf-8")
    srcs = re.findall(r"<img[^>]*\ssrc=\"([^\"]*)\"", html)
    assert len(srcs) == len(CHARTS) + 1  # + the section "Stability per dollar"
    assert all(s.startswith("data:image/png;base64,") for s in srcs)


@pytest.mark.slow
def test_single_replication_report(tmp_path):
    d = make_data(reps=1, horizon=20, seed=5)
    paths = write_report(tmp_path, **d)
    md = paths["report_md"].read_text(encoding="utf-8")
    row = next(line for line in md.splitlines() if line.startswith("| Turnover rate"))
    cells = [c.strip() for c in row.split("|")[2:-1]]
    assert len(cells) == 3
    assert all(re.fullmatch(r"\d+\.\d %", c) for c in cells)  # no interval from one run


def test_report_has_findings_costs_and_caveats(report):
    _out, paths = report
    md = paths["report_md"].read_text(encoding="utf-8")
    sections = [line for line in md.splitlines() if line.startswith("## ")]
    assert sections[:6] == [
        "## Key findings",
        "## What was run",
        "## Results",
        "## Costs",
        "## Stability per dollar",
        "## Charts",
    ]
    findings_md = md.split("## Key findings", 1)[1].split("## What was run", 1)[0]
    # SAME = 0.7 (foundation), 0.5 (hybrid), 0.3 (jit): computed, best first
    line = next(x for x in findings_md.splitlines() if x.startswith("- **Continuity"))
    assert "Under Foundation-first, 7 in 10 clients kept the same primary worker" in line
    assert "under Hybrid, 5 in 10" in line and "under JIT-only, 3 in 10" in line
    assert "about the same" not in line
    costs = md.split("## Costs", 1)[1].split("## Charts", 1)[0]
    for label in (
        "Wages",
        "Overtime",
        "Agency cover",
        "Recruiting and separation",
        "Training",
        "On-demand modules",
        "Total cost per client-year",
        "Cost per client-year of stable care",
    ):
        assert f"| {label}" in costs, label
    assert "divided by the share of clients who kept one primary worker" in costs
    caveats = md.split("## Caveats", 1)[1].split("## Parameters", 1)[0]
    assert f"Only {REPS} replications per regime" in caveats
    assert "not observations or forecasts" in caveats
    html = paths["report_html"].read_text(encoding="utf-8")
    assert '<ul class="findings">' in html and "7 in 10 clients" in html
    assert "Cost per client-year of stable care" in html
    print_css = html.split("@media print", 1)[1]
    assert "break-inside: avoid" in print_css and "section.chart" in print_css


def _money(cell: str) -> float:
    return float(re.match(r"\$([\d,]+)", cell.strip()).group(1).replace(",", ""))


def test_cost_breakdown_adds_up_to_the_total(data):
    from sim.analysis.summary import COST_COMPONENTS, cost_breakdown, cost_table

    runs = data["runs"]
    tidy = cost_breakdown(runs, N_CLIENTS, REGIMES)
    for regime in REGIMES:
        part = tidy[tidy.regime == regime].set_index("item")["mean"]
        total = part["cost_total"]
        assert part[list(COST_COMPONENTS)].sum() == pytest.approx(total)
        g = runs[runs.regime == regime]
        assert total == pytest.approx(g["cost_total"].mean() / N_CLIENTS)
        assert total == pytest.approx(g["cost_per_client_year"].mean())  # same definition
        stable = (g["cost_total"] / N_CLIENTS / g["same_primary_share"]).mean()
        assert part["cost_stable_care"] == pytest.approx(stable)
    # foundation trains more and recruits less (the synthetic levels)
    by = tidy.set_index(["item", "regime"])["mean"]
    assert by["cost_training", "foundation"] > by["cost_training", "jit"]
    assert by["cost_recruiting", "foundation"] < by["cost_recruiting", "jit"]
    # the displayed table: categories add up to the displayed total, up to rounding
    table = cost_table(tidy, runs, LABELS, N_CLIENTS).set_index("Cost per client-year (USD)")
    for label in LABELS.values():
        parts = sum(_money(table.loc[name, label]) for name in COST_COMPONENTS.values())
        assert abs(parts - _money(table.loc["Total cost per client-year", label])) <= 3


def test_cost_breakdown_uses_each_regimes_census():
    from sim.analysis.summary import cost_breakdown, n_clients_by_regime

    runs = pd.DataFrame(
        {
            "regime": ["a", "b"],
            "cost_wages": [1000.0, 1000.0],
            "cost_benefits": 0.0,
            "cost_overtime": 0.0,
            "cost_onboarding": 0.0,
            "cost_cover": 0.0,
            "cost_recruiting": 0.0,
            "cost_training": 0.0,
            "cost_modules": 0.0,
            "cost_total": [1000.0, 1000.0],
            "same_primary_share": [0.5, 0.0],
        }
    )
    census = n_clients_by_regime(
        {"params": {"a": {"n_clients": 10}, "b": {"n_clients": 20}}}, ["a", "b"]
    )
    assert census == {"a": 10.0, "b": 20.0}
    tidy = cost_breakdown(runs, census).set_index(["item", "regime"])["mean"]
    assert tidy["cost_total", "a"] == 100 and tidy["cost_total", "b"] == 50
    assert tidy["cost_stable_care", "a"] == 200
    assert np.isnan(tidy["cost_stable_care", "b"])  # nobody kept one worker: undefined
    assert n_clients_by_regime({"params": {"n_clients": 40}}, ["a"]) == {"a": 40.0}
    assert n_clients_by_regime({}, ["a"]) == {"a": 300.0}


# ---------------------------------------------------------------------------
# findings
# ---------------------------------------------------------------------------

META2 = {
    "regimes": ["jit", "foundation"],
    "regime_labels": {"jit": "JIT-only", "foundation": "Foundation-first"},
}


def _runs(metric, values):
    rows = [{"regime": r, metric: v} for r, vs in values.items() for v in vs]
    return pd.DataFrame(rows)


def _finding(runs, key, meta=META2, survival=None):
    from sim.analysis.findings import findings

    return next(f for f in findings(runs, survival, meta) if f.key == key)


def test_finding_states_natural_frequencies_best_first():
    runs = _runs(
        "same_primary_share", {"jit": [0.29, 0.30, 0.31], "foundation": [0.69, 0.70, 0.71]}
    )
    f = _finding(runs, "stable_care")
    assert f.clear is True
    assert f.text.startswith(
        "Under Foundation-first, 7 in 10 clients kept the same "
        "primary worker all year (70 %); under JIT-only, 3 in 10 (30 %)"
    )
    assert "about the same" not in f.text


def test_finding_says_about_the_same_when_intervals_overlap():
    runs = _runs(
        "same_primary_share", {"jit": [0.59, 0.60, 0.61], "foundation": [0.60, 0.61, 0.62]}
    )
    f = _finding(runs, "stable_care")
    assert f.clear is False
    assert "about the same under JIT-only and Foundation-first" in f.text
    assert "6 in 10" in f.text


def test_too_wide_intervals_say_not_enough_replications():
    """The one rule (sim.analysis.ranking.replications_needed): overlapping intervals
    whose half-width is larger than the difference and than 5 % of the scale are not
    'about the same' but 'not enough replications to tell', with a number needed; the
    chart title says the same."""
    from sim.analysis.ranking import RegimeStat, rank, replications_needed
    from sim.report.charts import finding_title

    wide = {"jit": [0.50, 0.60, 0.70], "foundation": [0.55, 0.65, 0.75]}
    f = _finding(_runs("same_primary_share", wide), "stable_care")
    assert f.clear is None and f.ranking.status == "too_wide"
    assert f.text.startswith("Not enough replications to tell")
    assert "about the same" not in f.text
    needed = f.ranking.needed
    assert needed > 3 and f"about {needed} replications per regime" in f.text
    # the number needed narrows the widest half-width (0.25) to 5 % of the scale
    assert 3 * (0.248 / 0.05) ** 2 < needed < 3 * (0.25 / 0.05) ** 2 + 1
    stats = [(s.label, s.n, s.mean, s.lo, s.hi) for s in f.ranking.ranked]
    title = finding_title("Stable care", stats, "percent", "higher", scale=1.0)
    assert "not enough replications to tell the regimes apart" in title
    assert f"about {needed} per regime needed" in title
    # narrow intervals that overlap: about the same; wide ones around a clear gap: clear
    a = RegimeStat("a", "A", 10, 0.50, 0.49, 0.51)
    b = RegimeStat("b", "B", 10, 0.505, 0.495, 0.515)
    assert replications_needed([a, b], 1.0) == 0 and rank([a, b], "higher", 1.0).status == "same"
    c = RegimeStat("c", "C", 10, 0.90, 0.70, 1.0)
    assert rank([c, a], "higher", 1.0).status == "clear"
    # without a scale the rule is off (the old behaviour)
    wide_a = RegimeStat("a", "A", 3, 0.6, 0.35, 0.85)
    wide_b = RegimeStat("b", "B", 3, 0.65, 0.40, 0.90)
    assert rank([wide_b, wide_a], "higher").status == "same"
    assert rank([wide_b, wide_a], "higher", 1.0).status == "too_wide"


def test_turnover_finding_and_middle_regime_hedge():
    meta = {"regimes": ["jit", "foundation", "hybrid"], "regime_labels": LABELS}
    runs = _runs(
        "turnover_rate",
        {"jit": [0.39, 0.40, 0.41], "foundation": [0.19, 0.20, 0.21], "hybrid": [0.20, 0.22, 0.24]},
    )
    f = _finding(runs, "turnover", meta)
    # a rate per worker employed, not a share of the workers who left
    assert f.text.startswith(
        "Under Foundation-first, 20 leavers in a year for every 100 workers employed "
        "(turnover 20 %)"
    )
    assert "in 10" not in f.text and "workers left" not in f.text
    assert (
        "under Hybrid, 22 for every 100 (turnover 22 %), about the same as Foundation-first"
        in f.text
    )
    assert f.text.endswith("under JIT-only, 40 for every 100 (turnover 40 %).")


def test_turnover_above_100_percent_is_worded_as_a_rate():
    runs = _runs("turnover_rate", {"jit": [1.49, 1.50, 1.51], "foundation": [0.59, 0.60, 0.61]})
    f = _finding(runs, "turnover")
    assert "Under Foundation-first, 60 leavers in a year for every 100 workers employed" in f.text
    assert "under JIT-only, 150 for every 100 (turnover 150 %)" in f.text


def test_retention_finding_from_survival():
    rng = np.random.default_rng(0)
    rows = []
    for regime, scale in (("jit", 40), ("foundation", 400)):
        d = rng.exponential(scale, 400)
        rows.append(
            pd.DataFrame(
                {
                    "regime": regime,
                    "replicate": 0,
                    "duration_weeks": np.minimum(d, 104).round(),
                    "event": (d < 104).astype(int),
                }
            )
        )
    runs = _runs("turnover_rate", {"jit": [0.4, 0.41], "foundation": [0.2, 0.21]})
    f = _finding(runs, "retention", survival=pd.concat(rows))
    assert f.clear is True
    assert f.text.startswith(
        "Under Foundation-first, about 9 in 10 new hires were still employed a year after hire"
    )
    assert "under JIT-only, about 3 in 10" in f.text


def test_natural_frequency_wording():
    from sim.analysis.findings import RegimeStat, _choose_denominator, natural_frequency

    assert natural_frequency(0.7) == "7 in 10"
    assert natural_frequency(0.74) == "about 7 in 10"
    assert natural_frequency(0.044, 100) == "about 4 in 100"
    assert natural_frequency(0.001, 100) == "fewer than 1 in 100"
    assert natural_frequency(1.2) == "12 for every 10"
    clear = [RegimeStat("a", "A", 3, 0.83, 0.82, 0.84), RegimeStat("b", "B", 3, 0.78, 0.77, 0.79)]
    assert _choose_denominator(clear) == 100  # tenths would merge clearly different shares
    assert _choose_denominator([RegimeStat("a", "A", 3, 0.04, 0.03, 0.05)]) == 100
    assert _choose_denominator([RegimeStat("a", "A", 3, 0.4, 0.3, 0.5)]) == 10


def test_findings_cover_every_topic_and_costs(data):
    from sim.analysis.findings import caveats, findings

    fs = findings(data["runs"], data["survival"], data["meta"])
    assert [f.key for f in fs] == [
        "stable_care",
        "turnover",
        "retention",
        "burnout",
        "vacancies",
        "distinct_workers",
        "cost",
        "cost_stable_care",
        "cost_drivers",
    ]
    drivers = fs[-1].text
    assert drivers.startswith("Compared with JIT-only, Foundation-first spent")
    assert "more per client-year on training" in drivers
    assert "less on recruiting and separation" in drivers
    stable = next(f for f in fs if f.key == "cost_stable_care").text
    assert stable.startswith("Under Foundation-first, each client-year of stable care cost")
    cv = caveats(
        {"horizon_weeks": 104, "params": {"shock_start": 60, "shock_weeks": 20}}, data["runs"]
    )
    assert any("shock ran from week 60 to week 80" in c for c in cv)
    assert any("Only 104 weeks" in c for c in cv)


def test_plot_regimes_helper(data):
    from sim.report.charts import SPECIAL_PLOTS, plot_regimes

    fig = plot_regimes(data, "same_primary_share", kind="bar")
    assert _title(fig).startswith(
        "The share of clients who kept one primary worker all "
        "year is highest under Foundation-first"
    )
    ax = fig.axes[0]
    assert "%" in ax.get_ylabel() and ax.get_xlabel()
    for what in SPECIAL_PLOTS:
        assert _title(plot_regimes(data, what))
    big = plot_regimes(data, "turnover_rate", classroom=True)
    small = plot_regimes(data, "turnover_rate")
    assert big.axes[0].title.get_fontsize() > small.axes[0].title.get_fontsize()
    with pytest.raises(KeyError, match="unknown measure"):
        plot_regimes(data, "turnover")
    with pytest.raises(ValueError):
        plot_regimes(data, "turnover_rate", kind="pie")


def test_every_chart_has_unit_labels_and_a_finding_title(data):
    from sim.report.charts import _figures

    for name, fig in _figures(
        data["timeseries"], data["runs"], data["survival"], data["client_distinct"], data["meta"]
    ):
        ax = fig.axes[0]
        assert ax.get_xlabel() and ax.get_ylabel(), name
        assert re.search(r"\(.+\)|, 0-1|USD", ax.get_ylabel()), (name, ax.get_ylabel())
        title = _title(fig)
        assert re.search(r"is (lowest|highest)|differs little|cost least|has both", title), (
            name,
            title,
        )


def test_every_measure_declares_which_way_is_better():
    wrong = {
        m.name: m.better for m in METRICS.values() if m.better not in ("higher", "lower", None)
    }
    assert not wrong, (
        f"{wrong}: a Metric's better is 'higher', 'lower' or None, so chart "
        "titles and findings know which way is better"
    )
    assert METRICS["turnover_rate"].better == "lower" and METRICS["coc"].better == "higher"


def test_chart_titles_rank_by_the_declared_direction(monkeypatch):
    from dataclasses import replace

    from sim.report.charts import _metric_title

    stats = [("A", 5, 0.30, 0.28, 0.32), ("B", 5, 0.50, 0.48, 0.52)]
    assert "lowest under A" in _metric_title("turnover_rate", stats)
    flipped = {**METRICS, "turnover_rate": replace(METRICS["turnover_rate"], better="higher")}
    monkeypatch.setattr("sim.report.charts.METRICS", flipped)
    assert "highest under B" in _metric_title("turnover_rate", stats)


def test_one_run_per_regime_is_never_ranked():
    runs = _runs("same_primary_share", {"jit": [0.3], "foundation": [0.7]})
    f = _finding(runs, "stable_care")
    assert f.clear is None and "may be chance" in f.text
    assert "under JIT-only, 3 in 10 (30 %)" in f.text
    title = finding_title(
        "Turnover", [("A", 1, 0.30, 0.30, 0.30), ("B", 1, 0.45, 0.45, 0.45)], "percent", "lower"
    )
    assert "lowest" not in title and "one run each" in title
