"""Dose–response curves of pre-service training: JIT-only with 0 to 480 pre-service hours.

:func:`dose_response` runs the JIT-only regime with ``preservice_hours`` set to each
dose, everything else as in the setting, and returns the final-year mean of turnover,
early leaving (leavers under 6 months), high burnout and mean competence at each dose
with its 95 % confidence interval (a tidy DataFrame). Each dose is a custom regime of
one scenario (base ``jit``), so the doses share their replicate seeds (common random
numbers, as ``workforce-sim compare``) and a week-0 agency (Section 5 of docs/ODD.md),
and the runs go through the scenario runner (:func:`sim.experiments.runner.run_scenario`).

:func:`preservice_competence` is the analytic competence of a new hire at each dose
*after pre-service training and before any practice*, from the registry's saturating
training curve (docs/ODD.md §7.2):
``initial_competence + (training_competence_max - initial_competence) *
(1 - exp(-H / training_competence_hours))``; it is added to the table as the metric
``preservice_competence`` (an exact value, so its interval is the value itself).

:func:`plot_dose_response` draws the four curves with their CI bands in the house style
(:func:`sim.report.charts.style_rc`), and :func:`markdown_table` formats the table.

``python -m sim.report.doseresponse [--replications N] [--out docs/images]`` writes
``dose_response.png`` to ``--out`` and prints the Markdown table; docs/ODD.md §9.5 shows
the chart and the table.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.mdtable import markdown_table as _md_table
from sim.analysis.summary import mean_ci, measure_label, value_kind
from sim.core.errors import USER_ERRORS, UsageError
from sim.core.outputs import METRICS
from sim.core.params import resolve, validate_value
from sim.experiments.runner import run_scenario
from sim.experiments.scenario import SCENARIO_KEYS, parse_scenario
from sim.experiments.store import atomic_write
from sim.report.charts import OKABE_ITO, style_rc

__all__ = [
    "DOSE_METRICS",
    "HOURS",
    "dose_response",
    "main",
    "markdown_table",
    "plot_dose_response",
    "preservice_competence",
]

#: Default doses (pre-service hours): none, the 2-day orientation of JIT-only, 40 h, the
#: US federal aide minimum (75 h), the IOM recommendation and Illinois DSP requirement
#: (120 h), and two and four times that.
HOURS: tuple[float, ...] = (0, 16, 40, 75, 120, 240, 480)

#: The simulated measures of the curves, in panel order (final-year values).
DOSE_METRICS: tuple[str, ...] = (
    "turnover_rate",
    "leavers_under_6m",
    "burnout_high_share",
    "competence_mean",
)

#: The analytic pre-service competence's name in the table.
PRESERVICE = "preservice_competence"

COLUMNS = ["hours", "metric", "mean", "ci_low", "ci_high"]

DEFAULT_REPLICATIONS = 40
DEFAULT_SEED = SCENARIO_KEYS["seed"].default
DEFAULT_OUT = Path("docs/images")


def _check_hours(hours: Sequence[float]) -> list[float]:
    values = [validate_value("preservice_hours", h, "the doses") for h in hours]
    if not values:
        raise UsageError("hours = []: no dose; allowed: one or more pre-service hours, 0 to 480")
    if len(set(values)) != len(values):
        raise UsageError(f"hours = {list(hours)}: a dose is repeated; allowed: distinct doses")
    return sorted(float(v) for v in values)


def preservice_competence(
    hours: Sequence[float] = HOURS,
    setting: str = "dsp",
    parameters: Mapping[str, Any] | None = None,
) -> pd.Series:
    """Mean competence of a new hire after ``hours`` of pre-service training, before any
    practice (analytic, from the registry or ``parameters``):
    ``c0 + (c_max - c0) * (1 - exp(-H / H0))`` with ``c0 = initial_competence``,
    ``c_max = training_competence_max`` and ``H0 = training_competence_hours``.

    (The new-hire draw is clipped Normal(c0, 0.08) per domain; the formula is for a hire
    at the mean, below the ceiling. A hire already above ``c_max`` keeps their value.)"""
    p = resolve("jit", setting=setting, **dict(parameters or {}))
    c0, cmax, h0 = (
        p["initial_competence"],
        p["training_competence_max"],
        p["training_competence_hours"],
    )
    h = np.asarray([float(x) for x in hours], dtype=float)
    share = 1.0 - np.exp(-h / h0)
    value = np.where(c0 < cmax, c0 + (cmax - c0) * share, c0)
    return pd.Series(value, index=pd.Index(h, name="hours"), name=PRESERVICE)


def _regime_name(h: float) -> str:
    text = f"{h:g}".replace(".", "_")
    return f"h{text}"


def dose_response(
    hours: Sequence[float] = HOURS,
    setting: str = "dsp",
    replications: int = DEFAULT_REPLICATIONS,
    horizon_weeks: int = 156,
    jobs: int | None = None,
    seed: int = DEFAULT_SEED,
    parameters: Mapping[str, Any] | None = None,
    progress: bool | None = None,
) -> pd.DataFrame:
    """Final-year outcomes of JIT-only with ``preservice_hours`` at each dose.

    Returns a tidy DataFrame with columns ``hours, metric, mean, ci_low, ci_high``: one
    row per dose and metric of :data:`DOSE_METRICS` (the mean over ``replications`` runs
    and its 95 % Student-t CI), and one per dose for :data:`PRESERVICE` (analytic, see
    :func:`preservice_competence`). ``parameters`` override model parameters for every
    dose (not the training ones), as a scenario's ``[parameters]``. Common random
    numbers: replicate *r* has the same seed at every dose. Results do not depend on
    ``jobs``. ``df.attrs`` records the setting, replications, horizon and seed.
    """
    doses = _check_hours(hours)
    names = {h: _regime_name(h) for h in doses}
    scenario = parse_scenario(
        {
            "scenario": {
                "name": "Dose-response of pre-service training (JIT-only)",
                "setting": setting,
                "regimes": list(names.values()),
                "horizon_weeks": horizon_weeks,
                "replications": replications,
                "seed": seed,
            },
            "parameters": dict(parameters or {}),
            "regimes": {
                name: {"base": "jit", "preservice_hours": h, "label": f"{h:g} h"}
                for h, name in names.items()
            },
        },
        source="dose_response",
    )
    runs = run_scenario(scenario, jobs=jobs, progress=progress).runs
    rows = []
    for h, name in names.items():
        mine = runs[runs["regime"] == name]
        for metric in DOSE_METRICS:
            _, mean, low, high = mean_ci(mine[metric].to_numpy())
            rows.append((h, metric, mean, low, high))
    for h, value in preservice_competence(doses, setting, parameters).items():
        rows.append((float(h), PRESERVICE, float(value), float(value), float(value)))
    df = pd.DataFrame(rows, columns=COLUMNS)
    df.attrs.update(
        setting=setting,
        replications=replications,
        horizon_weeks=horizon_weeks,
        seed=seed,
        parameters=dict(parameters or {}),
    )
    return df


def _cell(value: float, low: float, high: float, kind: str) -> str:
    if not math.isfinite(value):
        return "–"
    if kind == "percent":
        return f"{100 * value:.1f} % ({100 * low:.1f}–{100 * high:.1f})"
    return f"{value:.3f} ({low:.3f}–{high:.3f})"


def markdown_table(table: pd.DataFrame) -> str:
    """The curves as a Markdown table: one row per dose, mean (95 % CI) per measure, and
    the analytic pre-service competence."""
    doses = sorted(table["hours"].unique())
    metrics = [m for m in (*DOSE_METRICS, PRESERVICE) if m in set(table["metric"])]
    header = ["pre-service hours"]
    for m in metrics:
        header.append(
            "competence of a new hire after pre-service, before any practice (analytic)"
            if m == PRESERVICE
            else f"{METRICS[m].label}, final year, mean (95 % CI)"
        )
    rows = []
    for h in doses:
        row = [f"{h:g}"]
        for m in metrics:
            r = table[(table["hours"] == h) & (table["metric"] == m)].iloc[0]
            if m == PRESERVICE:
                row.append(f"{r['mean']:.3f}")
            else:
                row.append(_cell(r["mean"], r["ci_low"], r["ci_high"], value_kind(m)))
        rows.append(row)
    return _md_table(header, rows)


def plot_dose_response(table: pd.DataFrame, classroom: bool = False, title: str | None = None):
    """Four panels (turnover, leavers under 6 months, high burnout, competence) of the
    final-year mean against pre-service hours, with 95 % CI bands, in the house style;
    the competence panel also shows the analytic pre-service competence (dashed).
    The hours axis is on a square-root scale so the short doses stay apart."""
    import matplotlib as mpl
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    doses = np.array(sorted(table["hours"].unique()), dtype=float)
    colour = OKABE_ITO["blue"]
    with mpl.rc_context(style_rc(classroom)):
        w, h = mpl.rcParams["figure.figsize"]
        fig = Figure(figsize=(w * 1.35, h * 1.35), layout="constrained")
        FigureCanvasAgg(fig)
        axes = fig.subplots(2, 2).ravel()
        for ax, metric in zip(axes, DOSE_METRICS, strict=True):
            d = table[table["metric"] == metric].sort_values("hours")
            x = d["hours"].to_numpy(float)
            kind = value_kind(metric)
            scale = 100.0 if kind == "percent" else 1.0
            m = METRICS[metric]
            lo = d["ci_low"].to_numpy(float).clip(m.low, m.high)  # a share's CI stays in 0-1
            hi = d["ci_high"].to_numpy(float).clip(m.low, m.high)
            ax.fill_between(
                x,
                scale * lo,
                scale * hi,
                color=colour,
                alpha=0.25,
                lw=0,
                label="95 % CI",
            )
            ax.plot(x, scale * d["mean"].to_numpy(float), "o-", color=colour, label="mean")
            if metric == "competence_mean":
                pre = table[table["metric"] == PRESERVICE].sort_values("hours")
                if not pre.empty:
                    ax.plot(
                        pre["hours"].to_numpy(float),
                        pre["mean"].to_numpy(float),
                        "s--",
                        color=OKABE_ITO["orange"],
                        label="new hire after pre-service,\nbefore any practice",
                    )
                ax.legend(loc="lower right", fontsize="small")
            ax.set_title(_panel_title(d, metric), fontsize="medium")
            ax.set_ylabel(
                f"{METRICS[metric].label} (%)" if kind == "percent" else measure_label(metric)
            )
            ax.set_xscale("function", functions=(np.sqrt, np.square))
            ax.set_xlim(0, doses.max() * 1.05 if doses.size else 1)
            ax.set_xticks(doses, [f"{v:g}" for v in doses])
            ax.set_xlabel("Pre-service hours (square-root scale)")
        attrs = table.attrs
        reps = attrs.get("replications")
        fig.suptitle(
            title or "Pre-service hours under JIT-only: final-year outcomes",
            x=0.01,
            ha="left",
            fontweight="bold",
        )
        note = (
            f"Setting {attrs.get('setting', 'dsp')}; final year of "
            f"{attrs.get('horizon_weeks', '?')} reported weeks; "
            f"{reps if reps is not None else '?'} replications per dose with common random "
            "numbers. Bands: 95 % CIs of the mean (cut at the measure's range). Everything "
            "but preservice_hours as in the JIT-only regime."
        )
        fig.supxlabel(note, x=0.01, ha="left", fontsize="small", color="#555555")
    return fig


def _panel_title(d: pd.DataFrame, metric: str) -> str:
    """``Turnover rate: 45 % at 0 h, 38 % at 480 h`` (the means at the end doses)."""
    label = METRICS[metric].label
    if d.empty:
        return label
    first, last = d.iloc[0], d.iloc[-1]
    pct = value_kind(metric) == "percent"

    def fmt(v: float) -> str:
        return f"{100 * v:.0f} %" if pct else f"{v:.2f}"

    if len(d) == 1:
        return f"{label}: {fmt(first['mean'])} at {first['hours']:g} h"
    return (
        f"{label}: {fmt(first['mean'])} at {first['hours']:g} h, "
        f"{fmt(last['mean'])} at {last['hours']:g} h"
    )


class _Parser(argparse.ArgumentParser):
    """Bad input: one line ``workforce-sim: error: ...``, exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        print(f"workforce-sim: error: {message}", file=sys.stderr)
        raise SystemExit(2)


def main(argv: Sequence[str] | None = None) -> int:
    ap = _Parser(
        prog="python -m sim.report.doseresponse",
        description="Dose-response curves of pre-service training under JIT-only: "
        "writes dose_response.png and prints a Markdown table.",
    )
    ap.add_argument("--replications", type=int, default=DEFAULT_REPLICATIONS)
    ap.add_argument("--setting", default="dsp")
    ap.add_argument("--horizon-weeks", type=int, default=156)
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--jobs", type=int, default=None)
    ap.add_argument(
        "--hours",
        type=float,
        nargs="+",
        default=list(HOURS),
        help="the doses, pre-service hours (default: %(default)s)",
    )
    ap.add_argument("--out", default=str(DEFAULT_OUT), help="output folder (default docs/images)")
    args = ap.parse_args(argv)
    try:
        if args.jobs is not None and args.jobs < 1:
            raise UsageError(f"--jobs {args.jobs} is not allowed; must be a whole number >= 1")
        out = Path(args.out)
        if out.exists() and not out.is_dir():
            raise UsageError(f"--out {args.out!r} is a file; allowed: a folder")
        table = dose_response(
            args.hours,
            setting=args.setting,
            replications=args.replications,
            horizon_weeks=args.horizon_weeks,
            jobs=args.jobs,
            seed=args.seed,
        )
    except USER_ERRORS as exc:
        print(f"workforce-sim: error: {exc}", file=sys.stderr)
        return 2
    out.mkdir(parents=True, exist_ok=True)
    fig = plot_dose_response(table)
    png = atomic_write(
        out / "dose_response.png",
        lambda t: fig.savefig(t, format="png", bbox_inches="tight"),
    )
    print(markdown_table(table))
    print(f"\nwrote {png}", file=sys.stderr)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
