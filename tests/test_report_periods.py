"""Reports that answer the scenario's question: the shock window as a period of its
own (summary.csv's ``period``, findings, tables, shaded charts), the guard-rail
warnings in the CLI and the report, the cost chart with every category, and chart
titles that agree with the findings."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from matplotlib.patches import Polygon, Rectangle

from sim.analysis.periods import FINAL_YEAR, PERIODS, SHOCK, report_periods, shock_window
from sim.analysis.ranking import join
from sim.cli import main

from helpers import SMALL

SHOCK_PARAMS = {
    **SMALL,
    "shock_start": 12,
    "shock_weeks": 20,
    "shock_demand": 1.3,
    "shock_absence": 0.12,
    "float_pool": 25,  # more than the 20 posts: a guard-rail warning
}


@pytest.fixture(scope="module")
def shock_output(tmp_path_factory):
    """``workforce-sim run`` of a small shock scenario (two regimes, two replications,
    one year with the shock inside it): exit status, output folder, standard output and
    standard error."""
    import contextlib
    import io

    from helpers import scenario_toml

    tmp = tmp_path_factory.mktemp("shock")
    scen = tmp / "shock.toml"
    scen.write_text(
        scenario_toml(
            name="Small shock",
            regimes=("jit", "foundation"),
            horizon_weeks=52,
            replications=2,
            size=SHOCK_PARAMS,
        ),
        encoding="utf-8",
    )
    out = tmp / "out"
    err, std = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(std):
        status = main(["run", str(scen), "--out", str(out), "--jobs", "1", "--no-progress"])
    return status, out, std.getvalue(), err.getvalue()


def test_periods_are_defined_once():
    meta = {"horizon_weeks": 156, "params": {"jit": {"shock_start": 52, "shock_weeks": 26}}}
    assert set(PERIODS) == {FINAL_YEAR, SHOCK}
    assert shock_window(meta) == (52, 78)
    ps = report_periods(meta)
    assert [p.name for p in ps] == [FINAL_YEAR, SHOCK]
    assert (ps[0].start, ps[0].end) == (104, 156)
    assert ps[1].title == "During the shock (weeks 52–78)"
    # a shock running past the horizon is cut there; none at all: final year only
    assert shock_window({"horizon_weeks": 60, "params": meta["params"]}) == (52, 60)
    assert [p.name for p in report_periods({"horizon_weeks": 52, "params": {}})] == [FINAL_YEAR]


def test_shock_scenario_is_reported_for_the_shock_window(shock_output):
    status, out, printed, _err = shock_output
    assert status == 0
    summary = pd.read_csv(out / "summary.csv")
    assert list(summary.columns[:2]) == ["period", "metric"]
    assert set(summary["period"]) == {FINAL_YEAR, SHOCK}
    for period in (FINAL_YEAR, SHOCK):
        part = summary[summary["period"] == period]
        assert set(part["regime"]) == {"jit", "foundation"}
        assert "turnover_rate" in set(part["metric"]) and part["mean"].notna().all()
    # the shock window's weekly averages differ from the final year's
    vac = summary[summary.metric == "vacancy_rate"].pivot(
        index="regime", columns="period", values="mean"
    )
    assert (vac[SHOCK] != vac[FINAL_YEAR]).all()
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "### During the shock (weeks 12–32)" in md
    assert md.count("During the shock (weeks 12–32)") >= 2  # findings and table
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "During the shock (weeks 12–32)" in html
    assert "During the shock (weeks 12–32)" in printed
    cols = pd.read_csv(out / "columns.csv")
    row = cols[(cols.table == "summary.csv") & (cols.name == "period")]
    assert len(row) == 1 and "shock" in row.description.iloc[0]


def test_guard_warning_on_stderr_and_at_the_top_of_the_report(shock_output):
    _status, out, _printed, err = shock_output
    lines = [ln for ln in err.splitlines() if ln.startswith("workforce-sim: warning: ")]
    assert len(lines) == 1 and "float pool of 25" in lines[0], err
    md = (out / "report.md").read_text(encoding="utf-8")
    first = md.index("## Warnings about this agency")
    assert first < md.index("## Key findings")
    assert "float pool of 25 is larger than the 20 posts" in md[first : md.index("## Key")]
    html = (out / "report.html").read_text(encoding="utf-8")
    assert html.index("Warnings about this agency") < html.index("Key findings")


def test_no_warning_for_a_sensible_agency(write_scenario, tmp_path, capsys):
    scen = write_scenario(regimes=["jit"])
    assert (
        main(["run", str(scen), "--out", str(tmp_path / "o"), "--jobs", "1", "--no-progress"]) == 0
    )
    assert "warning" not in capsys.readouterr().err
    assert "Warnings about this agency" not in (tmp_path / "o" / "report.md").read_text()


def _shock_meta():
    return {
        "regimes": ["jit", "foundation"],
        "regime_labels": {"jit": "JIT-only", "foundation": "Foundation-first"},
        "horizon_weeks": 52,
        "params": {r: dict(SHOCK_PARAMS) for r in ("jit", "foundation")},
    }


def test_every_weekly_chart_shades_the_shock(shock_output):
    from sim.report.charts import CHARTS, plot_timeseries

    _status, out, _p, _e = shock_output
    ts = pd.read_csv(out / "timeseries.csv")
    runs = pd.read_csv(out / "runs.csv")
    meta = _shock_meta()
    weekly = [m for m in CHARTS.values() if m in ts.columns]
    assert len(weekly) >= 4
    for metric in weekly:
        fig = plot_timeseries(ts, metric, meta, runs=runs)
        ax = fig.axes[0]
        spans = [p for p in ax.patches if p.get_gid() == "shock"]
        assert len(spans) == 1, metric
        xs = spans[0].get_xy()[:, 0] if isinstance(spans[0], Polygon) else None
        if xs is None:
            assert isinstance(spans[0], Rectangle)
            xs = [spans[0].get_x(), spans[0].get_x() + spans[0].get_width()]
        assert min(xs) == 12 and max(xs) == 32
        assert "Shock" in [t.get_text() for t in ax.get_legend().get_texts()]
    # without a shock: no band
    fig = plot_timeseries(ts, "turnover_rate", {**meta, "params": {}}, runs=runs)
    assert not [p for p in fig.axes[0].patches if p.get_gid() == "shock"]


def test_cost_chart_shows_every_category_wages_included(shock_output):
    from sim.analysis.summary import COST_COMPONENTS
    from sim.report.charts import plot_cost_breakdown

    _status, out, _p, _e = shock_output
    runs = pd.read_csv(out / "runs.csv")
    fig = plot_cost_breakdown(runs, _shock_meta())
    top = fig.axes[0]
    shown = {p.get_gid() for p in top.patches}
    assert set(COST_COMPONENTS) <= shown and "cost_wages" in shown
    # the bars of a regime add up to its total cost per client-year
    wages = [p for p in top.patches if p.get_gid() == "cost_wages"]
    assert all(p.get_width() > 0 for p in wages)
    # the difference panel lists every category too
    labels = [t.get_text() for t in fig.axes[1].get_yticklabels()]
    assert "Wages" in labels and len(labels) == len(COST_COMPONENTS)


def test_chart_titles_and_findings_name_the_same_regimes(shock_output):
    """One ranking: each chart title and the finding on the same measure name the same
    leaders, or both say the regimes cannot be told apart."""
    from sim.analysis.findings import findings
    from sim.report.charts import _figures

    _status, out, _p, _e = shock_output
    ts = pd.read_csv(out / "timeseries.csv")
    runs = pd.read_csv(out / "runs.csv")
    surv = pd.read_csv(out / "survival.csv")
    distinct = pd.DataFrame({"regime": runs.regime, "replicate": runs.replicate})
    distinct["distinct_workers"] = runs["distinct_workers"].round().astype(int)
    meta = _shock_meta()
    fs = {f.key: f for f in findings(runs, surv, meta)}
    pairs = {
        "turnover": "turnover",
        "vacancy": "vacancies",
        "burnout": "burnout",
        "survival": "retention",
        "stable_care": "stable_care",
        "distinct_workers": "distinct_workers",
    }
    checked = 0
    for name, fig in _figures(ts, runs, surv, distinct, meta):
        if name not in pairs:
            continue
        title = " ".join(fig.axes[0].get_title(loc="left").split())
        ranking = fs[pairs[name]].ranking
        if ranking.status == "too_wide":
            assert "not enough replications" in title, (name, title)
            assert f"about {ranking.needed} per regime" in title
        elif ranking.status == "same":
            assert "differs little" in title, (name, title)
        elif ranking.status == "clear":
            lead = re.search(r" under (.+?) \(", title).group(1)
            assert lead == join([s.label for s in ranking.leaders]), (name, title)
        checked += 1
    assert checked == len(pairs)
