"""Charts of a regime comparison: one consistent, colour-blind-safe style.

Every chart colours a regime the same way (:func:`regime_color`: Okabe–Ito palette;
``jit``, ``foundation`` and ``hybrid`` have fixed colours, other regimes take the next
palette colours in display order), labels its axes with units, and carries a title that
states the finding computed from the data, e.g. *"Turnover is lowest under
Foundation-first (38 % vs 45 % a year under JIT-only)"*.

How a title decides (:func:`finding_title`): :func:`sim.analysis.ranking.rank`, the rule the
findings use too, on the same statistics (:func:`sim.analysis.findings.measure_stats`,
:func:`~sim.analysis.findings.retention_stats`, :func:`~sim.analysis.findings.cost_stats`
of the runs' final-year values) and the same scale for the too-wide-interval rule
(:func:`sim.analysis.findings.measure_scale`), so a title and the finding on the same
measure always name the same regimes as best, or both say there were not enough
replications to tell. Regimes are ranked by their mean over replications in the direction that is
better for the measure (its ``better`` in
:data:`sim.core.outputs.METRICS`: lower turnover, higher continuity, ...). If the
best and the worst regime's 95 % CIs overlap, the title says the measure differs little
between regimes; otherwise it names the best regime together with those about the same
as it (CI overlapping the best's but not the worst's), with values precise enough to
tell them from the worst. Overlapping intervals are a deliberately cautious test, not a
significance test.

Every weekly chart shades the shock window of a scenario with a shock
(:func:`sim.analysis.periods.shock_window`), as a grey band labelled "Shock". The cost
chart shows every cost category, wages and benefits included: stacked bars of the
cost per client-year by regime, and each category's difference from the reference
regime (JIT-only, or the first) with its 95 % CI.

Figures are built with matplotlib's object-oriented API on the Agg canvas
(:class:`matplotlib.figure.Figure` + ``FigureCanvasAgg``): no pyplot state is touched, so
nothing has to be closed, no backend is switched (notebooks keep theirs) and the
module is safe to use from worker processes. :func:`write_charts` applies the style in an
``rc_context`` so the caller's matplotlib settings are left alone; :func:`apply_style`
sets it globally for interactive use.

In a notebook, :func:`plot_regimes` draws any one chart of a
:class:`sim.experiments.runner.Results` in this style: ``plot_regimes(results, "turnover_rate")``
(weekly lines), ``plot_regimes(results, "same_primary_share", kind="bar")`` (final-year
bars), ``plot_regimes(results, "survival")`` or ``plot_regimes(results,
"cost_breakdown")``.
"""

from __future__ import annotations

import io
import math
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib as mpl
import numpy as np
import pandas as pd
from cycler import cycler
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import Formatter, FuncFormatter, MaxNLocator, MultipleLocator
from scipy import stats

from sim.analysis.findings import (
    RETENTION,
    cost_stats,
    measure_scale,
    measure_stats,
    retention_stats,
)
from sim.analysis.metrics import greenwood_band, kaplan_meier
from sim.analysis.periods import shock_window
from sim.analysis.ranking import RegimeStat, rank, words
from sim.analysis.summary import mean_ci, measure_label, regime_label, regime_order, value_kind
from sim.core.outputs import METRICS

__all__ = [
    "CHARTS",
    "FORMATS",
    "OKABE_ITO",
    "REGIME_COLORS",
    "SPECIAL_PLOTS",
    "Chart",
    "apply_style",
    "finding_title",
    "plot_cost_breakdown",
    "plot_cost_continuity",
    "plot_distinct",
    "plot_final",
    "plot_regimes",
    "plot_survival",
    "plot_timeseries",
    "regime_color",
    "regime_label",
    "regime_order",
    "render_charts",
    "style_rc",
    "write_charts",
]

#: The Okabe–Ito colour-blind-safe palette (Okabe & Ito 2008).
OKABE_ITO: dict[str, str] = {
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
    "black": "#000000",
}

#: Fixed colours of the built-in regimes.
REGIME_COLORS: dict[str, str] = {
    "jit": OKABE_ITO["vermillion"],
    "foundation": OKABE_ITO["blue"],
    "hybrid": OKABE_ITO["bluish_green"],
}

#: Colours for other regimes, handed out in display order (yellow last: weak on white).
_EXTRA_COLORS: tuple[str, ...] = (
    OKABE_ITO["orange"],
    OKABE_ITO["reddish_purple"],
    OKABE_ITO["sky_blue"],
    OKABE_ITO["black"],
    OKABE_ITO["yellow"],
)

#: Scatter markers by display position (a second cue besides colour, e.g. in greyscale).
_MARKERS: tuple[str, ...] = ("o", "s", "^", "D", "v", "P", "X", "*")

#: Subjects of the finding titles where the plain label reads badly in a sentence.
_SUBJECTS: dict[str, str] = {
    "turnover_rate": "Turnover",
    "vacancy_rate": "The vacancy rate",
    "burnout_high_share": "The share of workers with high burnout",
    "burnout_mean": "Mean exhaustion",
    "distinct_workers": "The number of different workers a client sees in a year",
    "unmet_need_share": "The share of clients with unmet need",
    "same_primary_share": "The share of clients who kept one primary worker all year",
    "leavers_under_6m": "The share of leavers who left within 6 months",
    "leavers_under_12m": "The share of leavers who left within a year",
}

#: File stem -> what it shows; :func:`write_charts` writes these, in this order.
CHARTS: dict[str, str] = {
    "turnover": "turnover_rate",
    "burnout": "burnout_high_share",
    "continuity": "coc",
    "vacancy": "vacancy_rate",
    "survival": "survival",
    "distinct_workers": "distinct_workers",
    "cost_continuity": "cost_per_client_year vs coc",
    "stable_care": "same_primary_share",
    "cost_breakdown": "cost per client-year by category",
}

#: File formats :func:`write_charts` accepts.
FORMATS: tuple[str, ...] = ("png", "svg", "pdf")

_YEAR = 52
_DASH = "–"


# ---------------------------------------------------------------------------
# style and regimes
# ---------------------------------------------------------------------------


def style_rc(classroom: bool = False) -> dict[str, Any]:
    """The rcParams of the house style; ``classroom``: large fonts and thick lines."""
    base = 17 if classroom else 10
    return {
        "figure.figsize": (11.0, 6.6) if classroom else (8.0, 4.8),
        "figure.dpi": 100,
        "savefig.dpi": 150,
        "figure.facecolor": "white",
        "savefig.facecolor": "white",
        "font.family": "DejaVu Sans",
        "font.size": base,
        "axes.titlesize": base + 2,
        "axes.titleweight": "bold",
        "axes.titlelocation": "left",
        "axes.titlepad": 10,
        "axes.labelsize": base + 1,
        "xtick.labelsize": base,
        "ytick.labelsize": base,
        "legend.fontsize": base,
        "legend.title_fontsize": base,
        "legend.frameon": False,
        "lines.linewidth": 3.5 if classroom else 1.8,
        "lines.markersize": 9 if classroom else 6,
        "axes.linewidth": 1.4 if classroom else 0.8,
        "xtick.major.width": 1.4 if classroom else 0.8,
        "ytick.major.width": 1.4 if classroom else 0.8,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "axes.axisbelow": True,
        "grid.color": "#d9d9d9",
        "grid.linewidth": 1.0 if classroom else 0.6,
        "axes.prop_cycle": cycler(color=list(REGIME_COLORS.values()) + list(_EXTRA_COLORS)),
        "text.parse_math": False,
        "pdf.fonttype": 42,
        "ps.fonttype": 42,
    }


def apply_style(classroom: bool = False) -> None:
    """Set the house style globally (``matplotlib.rcParams``), e.g. in a notebook."""
    mpl.rcParams.update(style_rc(classroom))


def _classroom() -> bool:
    """Whether the active style is the classroom one (read back from rcParams)."""
    return float(mpl.rcParams["font.size"]) >= 14


def regime_color(name: str, order: Sequence[str] = ()) -> str:
    """The colour of regime ``name``.

    ``jit``, ``foundation`` and ``hybrid`` always get :data:`REGIME_COLORS`; any other
    regime gets the next unused palette colour by its position among the non-built-in
    regimes of ``order`` (a regime not in ``order`` counts as coming after them).
    """
    if name in REGIME_COLORS:
        return REGIME_COLORS[name]
    custom = [r for r in dict.fromkeys(order) if r not in REGIME_COLORS]
    i = custom.index(name) if name in custom else len(custom)
    return _EXTRA_COLORS[i % len(_EXTRA_COLORS)]


def _marker(name: str, order: Sequence[str]) -> str:
    i = list(order).index(name) if name in order else len(order)
    return _MARKERS[i % len(_MARKERS)]


# ---------------------------------------------------------------------------
# titles that state the finding
# ---------------------------------------------------------------------------


def _short(x: float, kind: str, extra: int = 0) -> str:
    """Value for a title: whole percent, whole dollars, or about 2-3 digits; ``extra``
    more decimals."""
    if kind == "percent":
        return f"{x * 100:.{extra}f} %"
    if kind == "usd":
        return f"${x:,.{extra}f}"
    a = abs(x)
    digits = 0 if a >= 100 else 1 if a >= 10 else 2
    return f"{x:,.{digits + extra}f}"


def _range(a: float, b: float, kind: str, extra: int = 0) -> str:
    lo, hi = min(a, b), max(a, b)
    if _short(lo, kind, extra) == _short(hi, kind, extra):
        return _short(lo, kind, extra)
    if kind == "percent":
        return f"{lo * 100:.{extra}f}{_DASH}{hi * 100:.{extra}f} %"
    return f"{_short(lo, kind, extra)}{_DASH}{_short(hi, kind, extra)}"


def _extra_digits(leaders: Sequence[RegimeStat], worst: RegimeStat, kind: str) -> int:
    """Decimals to add (up to 3) so the worst regime's value shows apart from every
    leader's: a clear difference is never rounded away."""
    for extra in range(4):
        w = _short(worst.mean, kind, extra)
        if all(_short(s.mean, kind, extra) != w for s in leaders):
            return extra
    return 3


def _stats(stats_: Sequence[tuple[str, int, float, float, float]]) -> list[RegimeStat]:
    """``(label, n, mean, ci_low, ci_high)`` tuples as :class:`sim.analysis.ranking.RegimeStat`."""
    return [RegimeStat(s[0], *s) for s in stats_]


def finding_title(
    subject: str,
    stats_: Sequence[tuple[str, int, float, float, float]],
    kind: str = "number",
    better: str | None = None,
    suffix: str = "",
    scale: float | None = None,
) -> str:
    """A sentence stating which regime does best on a measure, from the data.

    ``stats_`` holds ``(label, n, mean, ci_low, ci_high)`` per regime; ``kind`` is a
    :func:`sim.analysis.summary.value_kind`; ``better`` is ``"lower"``, ``"higher"`` or ``None``
    (then the highest value is named); ``suffix`` follows the values (e.g. ``" a
    year"``); ``scale`` is the measure's scale for the too-wide-interval rule
    (:func:`sim.analysis.findings.measure_scale`; None: off). Examples::

        Turnover is lowest under Foundation-first (38 % vs 45 % a year under JIT-only)
        Turnover is lowest under Foundation-first and Hybrid (38–39 % vs 45 % a year
        under JIT-only)
        Turnover differs little between regimes (43–45 % a year)
        Turnover: not enough replications to tell the regimes apart (31–49 % a year;
        about 40 per regime needed)
    """
    valid = [s for s in _stats(stats_) if s.valid]
    ranking = rank(valid, better, scale)
    if ranking.status == "none":
        return f"{subject}: no data"
    if ranking.status == "single":
        s = valid[0]
        return f"{subject} under {s.label}: {_short(s.mean, kind)}{suffix}"
    if ranking.status == "unranked":  # no interval from one run: rank nothing
        vals = ", ".join(f"{s.label} {_short(s.mean, kind)}" for s in valid)
        return f"{subject}: {vals}{suffix} (one run each, so no interval: may be chance)"
    best, worst = ranking.best, ranking.worst
    if ranking.status == "too_wide":
        return (
            f"{subject}: not enough replications to tell the regimes apart "
            f"({_range(best.mean, worst.mean, kind)}{suffix}; about {ranking.needed} per "
            "regime needed)"
        )
    if ranking.status == "same":
        return (
            f"{subject} differs little between regimes "
            f"({_range(best.mean, worst.mean, kind)}{suffix})"
        )
    w = words(ranking)
    leaders = ranking.leaders
    extra = _extra_digits(leaders, worst, kind)
    if len(leaders) == 1:
        vals = _short(best.mean, kind, extra)
    else:
        vals = _range(leaders[0].mean, leaders[-1].mean, kind, extra)
    return (
        f"{subject} is {w.superlative} under {w.leaders} "
        f"({vals} vs {_short(worst.mean, kind, extra)}{suffix} under {worst.label})"
    )


def _wrap(title: str) -> str:
    """Wrap a title to the figure, never between a number and its ``%``."""
    text = textwrap.fill(
        title.replace(" %", "\u00a0%"), width=62 if _classroom() else 78, break_on_hyphens=False
    )
    return text.replace("\u00a0%", " %")


def _metric_title(metric: str, per_regime: Sequence[tuple[str, int, float, float, float]]) -> str:
    kind = value_kind(metric)
    suffix = " a year" if (metric in METRICS and METRICS[metric].unit == "per year") else ""
    m = METRICS.get(metric)
    subject = _SUBJECTS.get(metric, m.label if m else metric)
    scale = measure_scale(metric, _stats(per_regime))
    return finding_title(subject, per_regime, kind, m.better if m else None, suffix, scale)


def _tuples(stats_: Sequence[RegimeStat]) -> list[tuple[str, int, float, float, float]]:
    """:class:`RegimeStat` as the ``(label, n, mean, lo, hi)`` tuples of :func:`finding_title`."""
    return [(s.label, s.n, s.mean, s.lo, s.hi) for s in stats_]


def _final_stats(
    runs: pd.DataFrame | None, metric: str, order: Sequence[str], meta: Mapping[str, Any]
) -> list[tuple[str, int, float, float, float]] | None:
    """The findings' statistics of ``metric`` (:func:`sim.analysis.findings.measure_stats`
    of each run's final-year value), or None when ``runs`` does not hold it."""
    if runs is None or metric not in runs.columns or not len(runs):
        return None
    order = [r for r in order if (runs["regime"] == r).any()]
    return _tuples(measure_stats(runs, metric, order, meta))


def _shade_shock(ax: Axes, meta: Mapping[str, Any]) -> bool:
    """Shade the shock window (a grey band labelled "Shock", gid ``"shock"``); whether
    there was one."""
    window = shock_window(meta)
    if window is None:
        return False
    start, end = window
    ax.axvspan(start, end, color="#8c8c8c", alpha=0.2, lw=0, zorder=0, label="Shock", gid="shock")
    ax.text(
        (start + end) / 2,
        0.98,
        "shock",
        transform=ax.get_xaxis_transform(),
        ha="center",
        va="top",
        fontsize="small",
        color="#444444",
    )
    return True


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------


def _new_axes(ax: Axes | None) -> tuple[Figure, Axes, bool]:
    if ax is not None:
        return ax.figure, ax, False
    fig = Figure(layout="constrained")
    FigureCanvasAgg(fig)
    return fig, fig.add_subplot(), True


def _axis_label(metric: str, weekly: bool = False) -> str:
    """Axis label with unit: of the weekly value (``weekly``) or the final-year value."""
    m = METRICS.get(metric)
    if weekly and m is not None and value_kind(metric) != "percent":
        return f"{m.label}, {m.unit}" if m.label.endswith(")") else f"{m.label} ({m.unit})"
    return measure_label(metric)


class _PercentFormatter(Formatter):
    """Shares as ``40 %``, with as many decimals as the tick spacing needs (``2.5 %``)."""

    _ticks: np.ndarray = np.empty(0)

    def set_locs(self, locs: Any) -> None:
        self._ticks = np.asarray(locs, dtype=float)

    def __call__(self, x: float, pos: int | None = None) -> str:
        locs = self._ticks
        step = float(np.min(np.diff(np.sort(locs)))) if locs.size > 1 else 0.1
        digits = 0 if step <= 0 else max(0, math.ceil(-math.log10(step * 100) - 1e-9))
        return f"{x * 100:.{min(digits, 3)}f} %"


def _percent_axis(axis: Any) -> None:
    """Ticks at round percentages (steps of 1, 2 or 5) labelled ``40 %``."""
    axis.set_major_locator(MaxNLocator(nbins="auto", steps=[1, 2, 5, 10]))
    axis.set_major_formatter(_PercentFormatter())


def _format_axis(axis: Any, kind: str) -> None:
    if kind == "percent":
        _percent_axis(axis)
    elif kind == "usd":
        axis.set_major_formatter(FuncFormatter(lambda v, _pos: f"${v:,.0f}"))


def _week_axis(axis: Any, weeks: float) -> None:
    """Ticks on whole quarters or years of weeks (13, 26, 52, ...), at most about 8."""
    step = next((s for s in (1, 2, 4, 13, 26, 52, 104, 260, 520) if weeks / s <= 8), 1040)
    axis.set_major_locator(MultipleLocator(step))


def _legend(ax: Axes, handles: list | None = None, title: str | None = None) -> None:
    kw = {"handles": handles} if handles is not None else {}
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, title=title, **kw)


def _title(ax: Axes, title: str) -> None:
    """Set the finding as the title; plain text (a ``$`` is not mathtext)."""
    ax.set_title(_wrap(title), loc="left", parse_math=False)


def _note(fig: Figure, text: str) -> None:
    """A small grey note under the plot (how to read it), part of the layout."""
    width = 110 if _classroom() else 125
    fig.supxlabel(
        textwrap.fill(text, width),
        x=0.01,
        ha="left",
        fontsize="small",
        color="#555555",
        parse_math=False,
    )


def _run_keys(df: pd.DataFrame) -> list[str]:
    return ["run_id"] if "run_id" in df.columns else ["regime", "replicate"]


def _final_from_timeseries(timeseries: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Each run's final-year value of ``metric`` from its weekly series (METRICS rule)."""
    rule = METRICS[metric].final if metric in METRICS else "last"
    keys = _run_keys(timeseries)
    last_week = timeseries.groupby(keys)["week"].transform("max")
    window = timeseries[timeseries["week"] > last_week - _YEAR]
    window = window.sort_values([*keys, "week"])
    g = window.groupby(keys, sort=False)
    if rule == "mean":
        vals = g[metric].mean()
    elif rule == "sum":
        vals = g[metric].sum(min_count=1)
    else:
        vals = g[metric].last()
    regime = g["regime"].first()
    return pd.DataFrame({"regime": regime, "value": vals}).reset_index(drop=True)


def _per_regime(
    values: pd.DataFrame,
    order: Sequence[str],
    meta: Mapping[str, Any],
    metric: str | None = None,
    col: str = "value",
) -> list[tuple[str, int, float, float, float]]:
    """Each regime's statistics of ``values[col]``, as
    :func:`sim.analysis.findings.measure_stats` computes them for ``metric``."""
    return _tuples(
        measure_stats(values.rename(columns={col: metric or col}), metric or col, order, meta)
    )


# ---------------------------------------------------------------------------
# charts
# ---------------------------------------------------------------------------


def plot_timeseries(
    timeseries: pd.DataFrame,
    metric: str,
    meta: Mapping[str, Any],
    ax: Axes | None = None,
    runs: pd.DataFrame | None = None,
) -> Figure:
    """Weekly mean of ``metric`` over replications per regime, with its 95 % CI band;
    the shock window, if any, shaded.

    The title states which regime does best on the final-year value of each run: from
    ``runs`` (the findings' statistics) when given, else formed from the weekly series
    as :data:`METRICS` says (last value, mean or sum of the last 52 weeks). Returns the
    figure (``ax.figure`` when ``ax`` is given).
    """
    if metric not in timeseries.columns:
        raise KeyError(f"timeseries has no column '{metric}'")
    fig, ax, own = _new_axes(ax)
    order = regime_order(meta, timeseries)
    agg = timeseries.groupby(["regime", "week"])[metric].agg(["mean", "std", "count"]).reset_index()
    n = agg["count"].to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        tcrit = np.where(n > 1, stats.t.ppf(0.975, np.maximum(n - 1, 1)), np.nan)
        half = np.nan_to_num(tcrit * agg["std"].to_numpy(float) / np.sqrt(n))
    agg["lo"], agg["hi"] = agg["mean"] - half, agg["mean"] + half
    m = METRICS.get(metric)
    if m is not None:  # a band cannot leave the measure's range (a share stays >= 0)
        agg["lo"] = agg["lo"].clip(lower=m.low, upper=m.high)
        agg["hi"] = agg["hi"].clip(lower=m.low, upper=m.high)
    reps = timeseries.groupby("regime")[_run_keys(timeseries)[0]].nunique()
    for r in order:
        d = agg[agg["regime"] == r].sort_values("week")
        if d.empty:
            continue
        color = regime_color(r, order)
        ax.fill_between(d["week"], d["lo"], d["hi"], color=color, alpha=0.18, lw=0)
        ax.plot(d["week"], d["mean"], color=color, label=regime_label(r, meta))
    kind = value_kind(metric)
    _format_axis(ax.yaxis, kind)
    ax.set_xlabel("Weeks since the regime started (after warm-up)")
    ax.set_ylabel(_axis_label(metric, weekly=True))
    lo = np.nanmin(agg["lo"].to_numpy(float)) if len(agg) else 0.0
    hi = np.nanmax(agg["hi"].to_numpy(float)) if len(agg) else 0.0
    ax.set_ylim(bottom=min(0.0, lo) if np.isfinite(lo) else 0.0)
    if m is not None and m.high is not None and np.isfinite(hi) and hi >= 0.75 * m.high:
        ax.set_ylim(top=m.high * 1.02)  # near the ceiling: show the whole 0-1 scale
    w0, w1 = timeseries["week"].min(), timeseries["week"].max()
    ax.set_xlim(w0, w1)
    _week_axis(ax.xaxis, w1 - w0)
    shocked = _shade_shock(ax, meta)
    _legend(ax)
    per_regime = _final_stats(runs, metric, order, meta)
    if per_regime is None:
        per_regime = _per_regime(_final_from_timeseries(timeseries, metric), order, meta, metric)
    _title(ax, _metric_title(metric, per_regime))
    if own:
        nrep = int(reps.min()) if len(reps) else 0
        window = shock_window(meta)
        shock = (
            f" Grey band: the shock (weeks {window[0]}–{window[1]})." if shocked and window else ""
        )
        _note(
            fig,
            f"Lines: weekly mean of {nrep} replications per regime; bands: 95 % CI "
            f"of the mean. The title compares each run's final-year value.{shock}",
        )
    return fig


def plot_survival(
    survival: pd.DataFrame, meta: Mapping[str, Any], ax: Axes | None = None
) -> Figure:
    """Kaplan–Meier retention of new hires by regime (hires of all replications pooled).

    Bands are pointwise 95 % Greenwood intervals. The title compares one-year retention
    (or retention at the longest time every regime reaches, if that is under a year).
    """
    fig, ax, own = _new_axes(ax)
    order = regime_order(meta, survival)
    kms: dict[str, pd.DataFrame] = {}
    for r in order:
        d = survival[survival["regime"] == r]
        if len(d):
            kms[r] = kaplan_meier(d["duration_weeks"].to_numpy(float), d["event"].to_numpy(int))
    for r, km in kms.items():
        color = regime_color(r, order)
        lo, hi = greenwood_band(km)
        ax.fill_between(km["time"], lo, hi, step="post", color=color, alpha=0.15, lw=0)
        ax.step(
            km["time"],
            km["survival"],
            where="post",
            color=color,
            label=f"{regime_label(r, meta)} (n = {len(survival[survival.regime == r])})",
        )
    _percent_axis(ax.yaxis)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("Weeks since hire")
    ax.set_ylabel("New hires still employed (%)")
    if not kms:
        _title(ax, "No hires in the reported period")
        return fig
    t_max = max(float(km["time"].max()) for km in kms.values())
    for t, text in ((26, "6 months"), (_YEAR, "1 year")):
        if t <= t_max:
            ax.axvline(
                t,
                color="#777777",
                lw=mpl.rcParams["axes.linewidth"] * 1.2,
                ls=(0, (2, 2)),
                zorder=1,
            )
            ax.text(
                t,
                0.02,
                f" {text}",
                color="#555555",
                fontsize="small",
                ha="left",
                va="bottom",
                transform=ax.get_xaxis_transform(),
            )
    ax.set_xlim(0, max(t_max, 1.0))
    _week_axis(ax.xaxis, t_max)
    _legend(ax)
    stats_, t_ref = retention_stats(survival, order, meta)
    what = "One-year" if t_ref >= _YEAR else f"{t_ref:g}-week"
    title = finding_title(
        f"{what} retention of new hires",
        _tuples(stats_),
        "percent",
        "higher",
        scale=measure_scale(RETENTION),
    )
    _title(ax, title)
    if own:
        _note(
            fig,
            "Kaplan–Meier estimate; hires of all replications pooled; bands: 95 % "
            "pointwise CI (Greenwood). Dashed lines: 6 months and 1 year after hire.",
        )
    return fig


def plot_distinct(
    client_distinct: pd.DataFrame,
    meta: Mapping[str, Any],
    ax: Axes | None = None,
    runs: pd.DataFrame | None = None,
) -> Figure:
    """Share of client-years by number of distinct workers seen, side-by-side by regime.

    Counts above 10 are pooled into ``10+``. The title compares the mean number of
    distinct workers per client-year (mean over replications of each run's mean): the
    runs' ``distinct_workers`` as the findings do when ``runs`` is given.
    """
    fig, ax, own = _new_axes(ax)
    order = [
        r for r in regime_order(meta, client_distinct) if (client_distinct["regime"] == r).any()
    ]
    if not order:
        _title(ax, "No client was in care for a full year")
        ax.set_xlabel("Distinct workers seen in the year")
        ax.set_ylabel("Clients (%)")
        return fig
    counts = client_distinct["distinct_workers"].to_numpy(int)
    cap = int(min(max(counts.max(), 1), 10))
    low = 0 if counts.min() <= 0 else 1
    xs = np.arange(low, cap + 1)
    width = 0.8 / len(order)
    for i, r in enumerate(order):
        c = np.minimum(
            client_distinct.loc[client_distinct["regime"] == r, "distinct_workers"].to_numpy(int),
            cap,
        )
        shares = np.array([(c == k).mean() for k in xs])
        ax.bar(
            xs - 0.4 + width * (i + 0.5),
            shares,
            width=width * 0.95,
            color=regime_color(r, order),
            label=regime_label(r, meta),
        )
    ax.set_xticks(xs, [f"{k}+" if (k == cap and counts.max() > cap) else str(k) for k in xs])
    ax.grid(axis="x", visible=False)
    _percent_axis(ax.yaxis)
    ax.set_xlabel("Distinct workers seen in the last year")
    ax.set_ylabel("Clients in care a full year (%)")
    _legend(ax)
    per_regime = _final_stats(runs, "distinct_workers", order, meta)
    if per_regime is None:
        keys = ["regime", "replicate"] if "replicate" in client_distinct.columns else ["regime"]
        per_run = client_distinct.groupby(keys)["distinct_workers"].mean().reset_index()
        per_regime = _per_regime(per_run, order, meta, "distinct_workers", "distinct_workers")
    title = _metric_title("distinct_workers", per_regime)
    _title(ax, title)
    if own:
        _note(
            fig,
            "Clients in care for 52+ weeks at the end of each run, all replications "
            "pooled; bars of one colour add up to 100 %.",
        )
    return fig


def plot_cost_continuity(
    runs: pd.DataFrame, meta: Mapping[str, Any], ax: Axes | None = None
) -> Figure:
    """Final-year cost per client-year against continuity of care, one point per run.

    Large outlined markers are the regime means with 95 % CIs on both axes.
    """
    fig, ax, own = _new_axes(ax)
    order = regime_order(meta, runs)
    ms = float(mpl.rcParams["lines.markersize"])
    handles = []
    for r in order:
        d = runs[runs["regime"] == r]
        if d.empty:
            continue
        color, marker, label = regime_color(r, order), _marker(r, order), regime_label(r, meta)
        x = d["coc"].to_numpy(float)
        y = d["cost_per_client_year"].to_numpy(float)
        ax.scatter(x, y, s=ms**2, color=color, marker=marker, alpha=0.45, lw=0)
        nx, mx, xlo, xhi = mean_ci(x)
        ny, my, ylo, yhi = mean_ci(y)
        if nx and ny:
            ax.errorbar(
                mx,
                my,
                xerr=[[mx - xlo], [xhi - mx]],
                yerr=[[my - ylo], [yhi - my]],
                color=color,
                lw=mpl.rcParams["lines.linewidth"] * 0.7,
                capsize=0,
                zorder=3,
            )
            ax.plot(
                mx,
                my,
                marker=marker,
                ms=ms * 2.2,
                color=color,
                mec="black",
                mew=1.2,
                ls="none",
                zorder=4,
            )
        handles.append(
            Line2D(
                [], [], marker=marker, color=color, mec="black", ls="none", ms=ms * 1.6, label=label
            )
        )
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:.2f}"))
    _format_axis(ax.yaxis, "usd")
    ax.set_xlabel(_axis_label("coc"))
    ax.set_ylabel(_axis_label("cost_per_client_year"))
    _legend(ax, handles=handles)
    present = [r for r in order if (runs["regime"] == r).any()]
    coc_st = _final_stats(runs, "coc", present, meta) or []
    _title(ax, _cost_continuity_title(coc_st, _cost_total_stats(runs, meta, present)))
    if own:
        _note(
            fig,
            "Small markers: one run (final year). Large outlined markers: regime "
            "mean, lines: its 95 % CI. Right is better continuity, lower is cheaper.",
        )
    return fig


def _cost_total_stats(
    runs: pd.DataFrame, meta: Mapping[str, Any], order: Sequence[str]
) -> list[tuple[str, int, float, float, float]]:
    """Cost per client-year per regime as the cost finding has it (the total of
    :func:`sim.analysis.summary.cost_breakdown`), or the runs' ``cost_per_client_year``
    when the cost categories are missing."""
    from sim.analysis.summary import COST_COMPONENTS, cost_breakdown, n_clients_by_regime

    need = [*COST_COMPONENTS, "cost_total", "same_primary_share"]
    if all(c in runs.columns for c in need):
        tidy = cost_breakdown(runs, n_clients_by_regime(meta, order), order)
        return _tuples(cost_stats(tidy, "cost_total", meta))
    return _final_stats(runs, "cost_per_client_year", order, meta) or []


def _cost_title(cost_st: Sequence[tuple[str, int, float, float, float]]) -> str:
    """The cost finding's ranking as a title."""
    return finding_title(
        "Cost per client-year",
        cost_st,
        "usd",
        METRICS["cost_per_client_year"].better,
        scale=measure_scale("cost_per_client_year", _stats(cost_st)),
    )


def _cost_continuity_title(coc_stats: list, cost_stats: list) -> str:
    """Both measures ranked by :func:`sim.analysis.ranking.rank`, as :func:`finding_title`
    and the findings (same statistics, same scales)."""
    ranking_c = rank(_stats(coc_stats), METRICS["coc"].better, measure_scale("coc"))
    ranking_k = rank(
        _stats(cost_stats),
        METRICS["cost_per_client_year"].better,
        measure_scale("cost_per_client_year", _stats(cost_stats)),
    )
    if not {ranking_c.status, ranking_k.status} <= {"same", "clear"}:
        return _cost_title(cost_stats)
    rc, tc = ranking_c.ranked, ranking_c.leaders
    rk, tk = ranking_k.ranked, ranking_k.leaders
    clear_c = ranking_c.status == "clear"
    clear_k = ranking_k.status == "clear"
    best_c = words(ranking_c).leaders
    best_k = words(ranking_k).leaders
    coc_txt = (
        f"COC {_short(rc[0].mean, 'number')}"
        if len(tc) <= 1
        else f"COC {_range(tc[0].mean, tc[-1].mean, 'number')}"
    )
    cost_txt = (
        f"{_short(rk[0].mean, 'usd')}" if len(tk) <= 1 else _range(tk[0].mean, tk[-1].mean, "usd")
    ) + " per client-year"
    if clear_c and clear_k and best_c == best_k:
        verb = "has" if len(tc) == 1 else "have"
        return (
            f"{best_c} {verb} both the best continuity ({coc_txt}) and the lowest cost ({cost_txt})"
        )
    parts = []
    if clear_c:
        parts.append(f"Continuity of care is best under {best_c} ({coc_txt})")
    else:
        parts.append(
            "Continuity of care differs little between regimes "
            f"(COC {_range(rc[0].mean, rc[-1].mean, 'number')})"
        )
    if clear_k:
        parts.append(f"cost is lowest under {best_k} ({cost_txt})")
    else:
        parts.append(
            f"cost differs little ({_range(rk[0].mean, rk[-1].mean, 'usd')} per client-year)"
        )
    return "; ".join(parts)


def plot_final(
    runs: pd.DataFrame, metric: str, meta: Mapping[str, Any], ax: Axes | None = None
) -> Figure:
    """Final-year value of ``metric`` by regime: a bar for the mean over replications,
    a line for its 95 % CI and a dot per run; the mean is written on each bar.
    """
    if metric not in runs.columns:
        raise KeyError(f"runs has no column '{metric}'")
    fig, ax, own = _new_axes(ax)
    order = [r for r in regime_order(meta, runs) if (runs["regime"] == r).any()]
    kind = value_kind(metric)
    m = METRICS.get(metric)
    per_regime = []
    xs = np.arange(len(order))
    for x, st in zip(xs, measure_stats(runs, metric, order, meta), strict=True):
        r = st.regime
        vals = runs.loc[runs["regime"] == r, metric].to_numpy(float)
        n, mean, lo, hi = st.n, st.mean, st.lo, st.hi
        per_regime.append((st.label, n, mean, lo, hi))
        color = regime_color(r, order)
        ax.bar(x, mean, width=0.6, color=color, alpha=0.85)
        if n > 1:
            ax.errorbar(
                x,
                mean,
                yerr=[[mean - lo], [hi - mean]],
                color="black",
                lw=mpl.rcParams["lines.linewidth"] * 0.6,
                capsize=0,
                zorder=3,
            )
        jitter = np.linspace(-0.12, 0.12, len(vals)) if len(vals) > 1 else np.zeros(1)
        ax.scatter(
            x + jitter,
            vals,
            s=(mpl.rcParams["lines.markersize"] * 0.8) ** 2,
            color="white",
            edgecolors="black",
            linewidths=0.6,
            zorder=4,
        )
        if math.isfinite(mean) and mean > 0:
            # the value, inside the bar at its foot (clear of the CI line and the dots)
            ax.annotate(
                _short(mean, kind),
                (x, 0),
                xytext=(0, 6),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontweight="bold",
                color="black",
                zorder=5,
                bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none"},
            )
    ax.set_xticks(xs, [regime_label(r, meta) for r in order])
    ax.set_xlim(-0.6, len(order) - 0.4)
    ax.grid(axis="x", visible=False)
    _format_axis(ax.yaxis, kind)
    ax.set_ylim(bottom=0)
    if m is not None and m.high is not None:
        ax.set_ylim(top=m.high * 1.05)
    ax.set_xlabel("Training regime (final year of the run)")
    ax.set_ylabel(measure_label(metric))
    _title(ax, _metric_title(metric, per_regime))
    if own:
        nrep = min((s[1] for s in per_regime), default=0)
        _note(
            fig,
            f"Bars: mean of {nrep} replications per regime (final year); black "
            "lines: 95 % CI of the mean; dots: one run each.",
        )
    return fig


#: Short labels of the cost categories (legend and ticks).
_COST_TICKS: dict[str, str] = {
    "cost_wages": "Wages",
    "cost_benefits": "Benefits",
    "cost_overtime": "Overtime",
    "cost_cover": "Agency\ncover",
    "cost_recruiting": "Recruiting,\nseparation",
    "cost_training": "Training",
    "cost_onboarding": "Onboarding",
    "cost_modules": "Modules",
}

#: Colours of the cost categories in the stacked bars (cividis: colour-blind safe and
#: legible in greyscale), wages darkest.
_COST_CMAP = "cividis"


def _usd_k(v: float, _pos: Any = None) -> str:
    """``$25k`` (or ``$500`` under a thousand), for a crowded dollar axis."""
    if abs(v) >= 1000:
        return f"${v / 1000:,.0f}k" if v % 1000 == 0 else f"${v / 1000:,.1f}k"
    return f"${v:,.0f}"


def _usd_signed(v: float, _pos: Any = None) -> str:
    """``+$1,000``, ``−$500``, ``$0``."""
    sign = "+" if v > 0 else "\u2212" if v < 0 else ""
    return f"{sign}${abs(v):,.0f}"


def _difference_ci(a: np.ndarray, b: np.ndarray) -> tuple[float, float, float]:
    """Mean difference ``a - b`` of two sets of runs and its Welch 95 % CI (NaN bounds
    with fewer than two runs on a side)."""
    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    if not len(a) or not len(b):
        return math.nan, math.nan, math.nan
    d = float(a.mean() - b.mean())
    if len(a) < 2 or len(b) < 2:
        return d, math.nan, math.nan
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    se = math.sqrt(va + vb)
    if not se > 0:
        return d, d, d
    df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    h = float(stats.t.ppf(0.975, df)) * se
    return d, d - h, d + h


def plot_cost_breakdown(
    runs: pd.DataFrame, meta: Mapping[str, Any], ax: Axes | None = None
) -> Figure:
    """Cost per client-year by category and regime, every category shown, wages and
    benefits included.

    Top: one stacked bar per regime, its segments the categories of
    :data:`sim.analysis.summary.COST_COMPONENTS` (mean over replications), the total
    written at its end. Bottom (with two or more regimes, and only when the figure is
    made here, ``ax`` None): each category's difference from the reference regime (JIT-only if
    compared, else the first), one bar per other regime with its Welch 95 % CI, so the
    categories that carry the difference show, wages among them. The title is the cost
    finding's ranking of the total (:func:`sim.analysis.findings.cost_stats`).
    """
    from sim.analysis.summary import COST_COMPONENTS, cost_breakdown, n_clients_by_regime

    order = [r for r in regime_order(meta, runs) if (runs["regime"] == r).any()]
    census = n_clients_by_regime(meta, order)
    tidy = cost_breakdown(runs, census, order)
    ref = "jit" if "jit" in order else (order[0] if order else None)
    others = [r for r in order if r != ref]
    if ax is None:
        fig = Figure(layout="constrained")
        FigureCanvasAgg(fig)
        w, h = mpl.rcParams["figure.figsize"]
        if others:
            fig.set_size_inches(w, h * 1.6)
            ax, ax2 = fig.subplots(2, 1, height_ratios=[1, 1.15])
        else:
            ax, ax2 = fig.add_subplot(), None
        own = True
    else:
        fig, ax2, own = ax.figure, None, False
    items = list(COST_COMPONENTS)
    cmap = mpl.colormaps[_COST_CMAP]
    colors = {i: cmap(k / max(len(items) - 1, 1)) for k, i in enumerate(items)}
    ys = np.arange(len(order))[::-1]
    left = np.zeros(len(order))
    for item in items:
        part = tidy[tidy["item"] == item].set_index("regime")
        vals = np.nan_to_num(part.reindex(order)["mean"].to_numpy(float))
        ax.barh(
            ys,
            vals,
            left=left,
            height=0.6,
            color=colors[item],
            edgecolor="white",
            lw=0.5,
            label=COST_COMPONENTS[item],
            gid=item,
        )
        left = left + vals
    for y, total in zip(ys, left, strict=True):
        ax.annotate(
            _short(total, "usd"),
            (total, y),
            xytext=(4, 0),
            textcoords="offset points",
            ha="left",
            va="center",
            fontweight="bold",
        )
    ax.set_yticks(ys, [regime_label(r, meta) for r in order])
    ax.grid(axis="y", visible=False)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10]))
    ax.xaxis.set_major_formatter(FuncFormatter(_usd_k))
    ax.set_xlim(0, (left.max() if len(left) else 1.0) * 1.22)
    ax.set_xlabel("Cost per client-year (USD), every category")
    ax.set_ylabel("Training regime (final year)")
    ax.legend(
        loc="upper left",
        bbox_to_anchor=(0.0, -0.32),
        ncol=4,
        borderaxespad=0.0,
        fontsize="small",
    )
    _title(ax, _cost_title(_tuples(cost_stats(tidy, "cost_total", meta))))
    if ax2 is not None and ref is not None:
        xs = np.arange(len(items))[::-1]  # wages on top
        width = 0.8 / max(len(others), 1)
        for i, r in enumerate(others):
            diffs = [
                _difference_ci(
                    runs.loc[runs["regime"] == r, item].to_numpy(float) / census[r],
                    runs.loc[runs["regime"] == ref, item].to_numpy(float) / census[ref],
                )
                for item in items
            ]
            d = np.array([x[0] for x in diffs])
            lo = np.array([x[1] for x in diffs])
            hi = np.array([x[2] for x in diffs])
            x = xs + 0.4 - width * (i + 0.5)
            ax2.barh(
                x,
                d,
                height=width * 0.95,
                color=regime_color(r, order),
                label=regime_label(r, meta),
            )
            ok = np.isfinite(lo) & np.isfinite(hi)
            if ok.any():
                ax2.errorbar(
                    d[ok],
                    x[ok],
                    xerr=[d[ok] - lo[ok], hi[ok] - d[ok]],
                    fmt="none",
                    ecolor="black",
                    lw=mpl.rcParams["lines.linewidth"] * 0.5,
                    capsize=0,
                    zorder=3,
                )
        ax2.axvline(0, color="black", lw=mpl.rcParams["axes.linewidth"])
        ax2.set_yticks(xs, [COST_COMPONENTS[i].split(" (")[0] for i in items])
        ax2.grid(axis="y", visible=False)
        ax2.xaxis.set_major_formatter(FuncFormatter(_usd_signed))
        ax2.set_xlabel(f"Difference from {regime_label(ref, meta)} (USD per client-year)")
        ax2.set_ylabel("Cost category")
        ax2.set_title(
            f"Difference from {regime_label(ref, meta)} by category",
            loc="left",
            fontsize=mpl.rcParams["axes.labelsize"],
            fontweight="bold",
        )
        ax2.legend(loc="best")
    if own:
        pay = tidy[tidy["item"].isin(("cost_wages", "cost_benefits"))]
        wages = pay.groupby("regime", sort=False)["mean"].sum(min_count=1)
        total = tidy[tidy["item"] == "cost_total"].set_index("regime")["mean"]
        share = (wages / total).replace([np.inf, -np.inf], np.nan).dropna()
        pay_txt = (
            f"Wages and benefits are {_range(share.min(), share.max(), 'percent')} of the total. "
            if len(share)
            else ""
        )
        _note(
            fig,
            pay_txt + "Bars: mean over replications of each run's final-year cost per "
            "client; black lines: 95 % CI (of the difference, Welch). Training includes "
            "mentoring hours; wages are paid for filled posts, so fewer vacancies cost "
            "more in wages.",
        )
    return fig


def _results_parts(results: Any) -> dict[str, Any]:
    get = (
        results.get if isinstance(results, Mapping) else (lambda k, d=None: getattr(results, k, d))
    )
    return {k: get(k) for k in ("timeseries", "runs", "survival", "client_distinct")} | {
        "meta": get("meta") or {}
    }


#: What :func:`plot_regimes` can draw besides any measure of :data:`METRICS`.
SPECIAL_PLOTS: tuple[str, ...] = (
    "survival",
    "distinct_workers_histogram",
    "cost_breakdown",
    "cost_continuity",
)


def plot_regimes(
    results: Any,
    metric: str = "turnover_rate",
    kind: str = "line",
    classroom: bool = False,
    ax: Axes | None = None,
) -> Figure:
    """One chart of a regime comparison in the house style, for notebooks and scripts.

    ``results`` is a :class:`sim.experiments.runner.Results` (or a mapping with its fields:
    ``timeseries``, ``runs``, ``survival``, ``client_distinct``, ``meta``). ``metric``
    is any measure of :data:`sim.core.outputs.METRICS`, drawn as weekly lines with 95 % CI
    bands (``kind="line"``) or as final-year bars per regime (``kind="bar"``), or one
    of :data:`SPECIAL_PLOTS`: ``"survival"`` (retention of new hires),
    ``"distinct_workers_histogram"``, ``"cost_breakdown"`` (cost per client-year by
    category) and ``"cost_continuity"``. ``classroom=True`` uses the large-print style.

    Returns a :class:`matplotlib.figure.Figure`; in Jupyter it displays as the cell's
    result. Example::

        from sim.report.charts import plot_regimes
        plot_regimes(results, "same_primary_share", kind="bar")
    """
    parts = _results_parts(results)
    meta = parts["meta"]
    if kind not in ("line", "bar"):
        raise ValueError(f"kind must be 'line' or 'bar', got {kind!r}")
    if metric not in METRICS and metric not in SPECIAL_PLOTS:
        raise KeyError(
            f"unknown measure '{metric}'; allowed: the names in "
            f"sim.core.outputs.METRICS or {', '.join(SPECIAL_PLOTS)}"
        )
    with mpl.rc_context(style_rc(classroom)):
        if metric == "survival":
            return plot_survival(parts["survival"], meta, ax=ax)
        if metric == "distinct_workers_histogram":
            return plot_distinct(parts["client_distinct"], meta, ax=ax)
        if metric == "cost_breakdown":
            return plot_cost_breakdown(parts["runs"], meta, ax=ax)
        if metric == "cost_continuity":
            return plot_cost_continuity(parts["runs"], meta, ax=ax)
        if kind == "bar":
            return plot_final(parts["runs"], metric, meta, ax=ax)
        return plot_timeseries(parts["timeseries"], metric, meta, ax=ax, runs=parts["runs"])


# ---------------------------------------------------------------------------
# writing
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Chart:
    """One written chart: file stem, path, title (the finding) and, if asked, PNG bytes."""

    name: str
    path: Path
    title: str
    png: bytes | None = None


def _save(fig: Figure, path: Path | io.BytesIO, fmt: str) -> None:
    # No creation dates in SVG/PDF metadata: the same data give byte-identical files.
    metadata = {"svg": {"Date": None}, "pdf": {"CreationDate": None}}.get(fmt)
    fig.savefig(path, format=fmt, bbox_inches="tight", metadata=metadata)


def _figures(timeseries, runs, survival, client_distinct, meta):
    for name, what in CHARTS.items():
        if name == "survival":
            yield name, plot_survival(survival, meta)
        elif name == "distinct_workers":
            yield name, plot_distinct(client_distinct, meta, runs=runs)
        elif name == "cost_continuity":
            yield name, plot_cost_continuity(runs, meta)
        elif name == "stable_care":
            yield name, plot_final(runs, what, meta)
        elif name == "cost_breakdown":
            yield name, plot_cost_breakdown(runs, meta)
        else:
            yield name, plot_timeseries(timeseries, what, meta, runs=runs)


def render_charts(
    out_dir: str | Path,
    timeseries: pd.DataFrame,
    runs: pd.DataFrame,
    survival: pd.DataFrame,
    client_distinct: pd.DataFrame,
    meta: Mapping[str, Any],
    fmt: str = "png",
    classroom: bool = False,
    png: bool = False,
) -> list[Chart]:
    """Write the charts of :data:`CHARTS` to ``out_dir`` as ``<name>.<fmt>``.

    With ``png=True`` each chart is also rendered to PNG bytes in memory (for embedding
    in a self-contained HTML report), whatever ``fmt`` is.
    """
    fmt = fmt.lower().lstrip(".")
    if fmt not in FORMATS:
        raise ValueError(f"unknown chart format '{fmt}'; allowed: {', '.join(FORMATS)}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    charts = []
    with mpl.rc_context(style_rc(classroom)):
        for name, fig in _figures(timeseries, runs, survival, client_distinct, meta):
            path = out / f"{name}.{fmt}"
            _save(fig, path, fmt)
            data = None
            if png:
                if fmt == "png":
                    data = path.read_bytes()
                else:
                    buf = io.BytesIO()
                    _save(fig, buf, "png")
                    data = buf.getvalue()
            title = " ".join(fig.axes[0].get_title(loc="left").split())
            charts.append(Chart(name, path, title, data))
            fig.clear()  # free the artists now; the Figure is not registered with pyplot
    return charts


def write_charts(
    out_dir: str | Path,
    timeseries: pd.DataFrame,
    runs: pd.DataFrame,
    survival: pd.DataFrame,
    client_distinct: pd.DataFrame,
    meta: Mapping[str, Any],
    fmt: str = "png",
    classroom: bool = False,
) -> dict[str, Path]:
    """Write all charts; return ``{name: path}`` in :data:`CHARTS` order.

    Names: ``turnover`` (turnover_rate), ``burnout`` (burnout_high_share),
    ``continuity`` (coc), ``vacancy`` (vacancy_rate), ``survival``,
    ``distinct_workers``, ``cost_continuity``, ``stable_care`` (same_primary_share,
    final-year bars) and ``cost_breakdown``. ``fmt`` is ``png``, ``svg`` or ``pdf``.
    """
    charts = render_charts(
        out_dir, timeseries, runs, survival, client_distinct, meta, fmt=fmt, classroom=classroom
    )
    return {c.name: c.path for c in charts}
