"""The report of a sweep: what each factor does to the main measures, with intervals.

:func:`write_sweep_report` reads a sweep folder (:func:`sim.experiments.experiment.load`:
the chunk files and pending runs of :mod:`sim.experiments.store`) and writes, beside
the sweep's own files and touching none of them:

* ``report.html``: self-contained (charts embedded as PNG data URIs, the compare
  report's print-friendly CSS), and ``report.md`` (charts as links);
* ``report/effect_<factor>.png`` and ``.svg``: one chart per factor, one panel per main
  measure: the mean at each level of the factor over every run at that level,
  **marginalising over the other factors**, with its 95 % CI (a line with a band for a
  numeric factor, points with error bars for the regime or a true/false factor);
* ``report/difference_<factor>.png`` and ``.svg`` (a sweep with a regime factor that is
  crossed, or any factorial one with another factor beside it): each regime minus the
  reference regime (the factor's first value) across the levels of that factor, with
  its 95 % CI: the regime-by-factor interaction a BehaviorSpace user plots by hand;
* ``report/effects.csv`` and ``report/regime_differences.csv``: the numbers
  (:mod:`sim.analysis.sweep`, which also defines the intervals).

Main measures: the spec's ``[sensitivity] outputs`` (default
:data:`sim.experiments.sweepspec.SENSITIVITY_OUTPUTS`: turnover, high burnout, continuity
of care, cost per client-year); ``effects.csv`` also holds every measure of the compare
report's summary table (:data:`sim.core.outputs.SUMMARY_METRICS`).

The report can be written again at any time from the stored results
(``workforce-sim sweep --report-only DIR``); the files are replaced atomically (the
``report/`` folder as a whole), so a reader never sees half a report.
"""

from __future__ import annotations

import base64
import html
import io
import math
import os
import shutil
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.mdtable import markdown_table, md_text
from sim.analysis.summary import format_cell, measure_label, value_kind
from sim.analysis.sweep import (
    FactorInfo,
    contrast_differences,
    contrast_of,
    factor_effects,
    factor_infos,
)
from sim.core.errors import UsageError
from sim.core.outputs import METRICS, SUMMARY_METRICS
from sim.core.params import PARAMS, REGIME_LABELS
from sim.experiments.store import atomic_write

__all__ = ["REPORT_DIR", "SweepReportData", "load_report_data", "write_sweep_report"]

#: The folder of the report's charts and tables inside the sweep folder.
REPORT_DIR = "report"
#: Chart formats written (the HTML report embeds the PNG).
CHART_FORMATS: tuple[str, ...] = ("png", "svg")

_DASH = "–"
_MINUS = "−"


# ---------------------------------------------------------------------------
# data
# ---------------------------------------------------------------------------


@dataclass
class SweepReportData:
    """Everything the report shows, computed from a sweep folder."""

    out: Path
    manifest: dict[str, Any]
    name: str
    description: str
    factors: list[FactorInfo]
    measures: list[str]
    labels: dict[str, str]
    n_ok: int
    n_failed: int
    n_runs: int
    effects: pd.DataFrame
    differences: pd.DataFrame | None
    contrast: FactorInfo | None
    notes: list[str] = field(default_factory=list)

    @property
    def design(self) -> str:
        return str(self.manifest.get("design", {}).get("design", "factorial"))


def _spec_text(manifest: Mapping[str, Any]) -> dict[str, Any]:
    try:
        return tomllib.loads(manifest.get("spec_text") or "")
    except (tomllib.TOMLDecodeError, TypeError):
        return {}


def _main_measures(raw: Mapping[str, Any]) -> list[str]:
    from sim.experiments.sweepspec import SENSITIVITY_OUTPUTS

    outs = (raw.get("sensitivity") or {}).get("outputs")
    if isinstance(outs, list) and outs and all(o in METRICS for o in outs):
        return list(dict.fromkeys(outs))
    return list(SENSITIVITY_OUTPUTS)


def _labels(raw: Mapping[str, Any], regimes: Sequence[str]) -> dict[str, str]:
    out = dict(REGIME_LABELS)
    for table in ("regimes", "variants"):
        for name, t in (raw.get(table) or {}).items():
            if isinstance(t, Mapping) and isinstance(t.get("label"), str):
                out[name] = t["label"]
    return {r: out.get(r, r) for r in regimes}


def load_report_data(out: str | Path) -> SweepReportData:
    """Read the sweep in ``out`` and compute the report's tables."""
    from sim.experiments.experiment import load

    out = Path(out)
    if not (out / "manifest.json").is_file():
        raise UsageError(f"{out} is not a sweep folder (no manifest.json)")
    res = load(out, timeseries=False)
    man = res.manifest
    if man.get("kind") != "sweep":
        raise UsageError(
            f"{out} is not a sweep folder (its manifest.json is of kind "
            f"{man.get('kind')!r}, not 'sweep')"
        )
    raw = _spec_text(man)
    name = str((raw.get("sweep") or {}).get("name") or out.name)
    factors = factor_infos(man)
    fnames = [f.name for f in factors if f.name != "regime"]
    cols = ["run_id", "design_point", "regime", *fnames]
    runs = res.runs
    ok = runs.loc[runs["status"] == "ok", [c for c in cols if c in runs]]
    frame = res.summary.merge(ok, on="run_id", how="inner", suffixes=("", "_factor"))
    measures = _main_measures(raw)
    all_measures = list(dict.fromkeys([*measures, *SUMMARY_METRICS]))
    design = str(man.get("design", {}).get("design", "factorial"))
    effects = factor_effects(frame, factors, all_measures, design)
    contrast = contrast_of(factors, design)
    notes = []
    differences = None
    if contrast is not None:
        differences = contrast_differences(frame, factors, contrast, all_measures, design)
    elif any(f.name == "regime" for f in factors) and len(factors) > 1:
        notes.append(
            "The regime factor is sampled by the design, not crossed, so no design point "
            "runs two regimes on the same random numbers: the report shows the regime's "
            "marginal effect but no regime differences across the other factors. Add "
            '"regime" to cross in the spec to get them.'
        )
    regimes = list(
        dict.fromkeys(
            [
                *(next((f.values or () for f in factors if f.name == "regime"), ())),
                *pd.unique(runs["regime"].dropna()),
            ]
        )
    )
    n_ok = int((runs["status"] == "ok").sum()) if len(runs) else 0
    n_failed = int((runs["status"] != "ok").sum()) if len(runs) else 0
    n_runs = int(man.get("design", {}).get("runs") or 0)
    return SweepReportData(
        out=out,
        manifest=man,
        name=name,
        description=str(man.get("description") or "").strip(),
        factors=factors,
        measures=measures,
        labels=_labels(raw, regimes),
        n_ok=n_ok,
        n_failed=n_failed,
        n_runs=n_runs,
        effects=effects,
        differences=differences,
        contrast=contrast,
        notes=notes,
    )


# ---------------------------------------------------------------------------
# text
# ---------------------------------------------------------------------------


def factor_label(name: str) -> str:
    """``preservice_hours (hours)``; ``Training regime`` for the regime factor."""
    if name == "regime":
        return "Training regime"
    p = PARAMS.get(name)
    if p is None:
        return name
    label = p.label or name
    return f"{label} ({p.unit})" if p.unit and p.kind != "bool" else label


def _level_text(info: FactorInfo, level: str, labels: Mapping[str, str]) -> str:
    return labels.get(level, level) if info.name == "regime" else level


def _diff_value(x: float, kind: str) -> str:
    if x is None or not math.isfinite(x):
        return _DASH
    a = abs(x)
    sign = "+" if x > 0 else _MINUS if x < 0 else ""
    if kind == "percent":
        return f"{sign}{a * 100:.1f} pp"
    if kind == "usd":
        return f"{sign}${a:,.0f}"
    return f"{sign}{a:,.{0 if a >= 100 else 1 if a >= 10 else 2}f}"


def _diff_cell(mean: float, lo: float, hi: float, n: int, kind: str) -> str:
    if n == 0 or not math.isfinite(mean):
        return _DASH
    text = _diff_value(mean, kind)
    if n < 2:
        return text
    return f"{text} ({_diff_value(lo, kind)} to {_diff_value(hi, kind)})"


def _unit_words(design: str, n: int) -> str:
    if design == "factorial":
        return f"{n} replication{'s' if n != 1 else ''}"
    return f"{n} design point{'s' if n != 1 else ''}"


def _factor_desc(info: FactorInfo, manifest: Mapping[str, Any], labels: Mapping[str, str]) -> str:
    d = (manifest.get("spec") or {}).get("factors", {}).get(info.name, {})
    if info.values:
        vals = ", ".join(
            _level_text(info, str(v) if not isinstance(v, float) else f"{v:g}", labels)
            for v in info.values
        )
        what = f"values {vals}"
    else:
        what = f"range {d.get('low'):g} to {d.get('high'):g}"
    return f"{factor_label(info.name)}: {what}" + (" (crossed)" if info.crossed else "")


def _facts(data: SweepReportData) -> list[tuple[str, str]]:
    man = data.manifest
    des = man.get("design", {})
    spec = man.get("spec", {})
    status = str(man.get("status", "unknown"))
    runs = f"{data.n_ok:,} succeeded"
    if data.n_failed:
        runs += f", {data.n_failed:,} failed"
    points, reps = des.get("points", "?"), des.get("replications", "?")
    runs += f" of {data.n_runs:,} ({points} points × {reps} replications)"
    facts = [
        ("Design", f"{des.get('design', '?')}, {des.get('design_points', '?')} design points"),
        ("Factors", "; ".join(_factor_desc(f, man, data.labels) for f in data.factors)),
        ("Runs", runs),
        ("Status", status),
        (
            "Horizon",
            f"{spec.get('horizon_weeks', '?')} weeks after the warm-up; measures "
            "over the final year (the last 52 weeks)",
        ),
        ("Seed", str(spec.get("seed", "?"))),
        ("Main measures", ", ".join(METRICS[m].label for m in data.measures)),
    ]
    return facts


def _warnings(data: SweepReportData) -> list[str]:
    out = []
    done = data.n_ok + data.n_failed
    if data.n_runs and done < data.n_runs:
        out.append(
            f"The sweep is incomplete: {done:,} of {data.n_runs:,} runs are recorded "
            f"(status {data.manifest.get('status', 'unknown')!r}). The report shows what is "
            "on disk; resume the sweep (--resume) and write the report again for the rest."
        )
    if data.n_failed:
        out.append(
            f"{data.n_failed:,} run(s) failed and are left out (see the runs table: status, "
            "error); a level with fewer runs has a wider interval."
        )
    if data.n_ok == 0:
        out.append("No run succeeded: there is nothing to report.")
    return out


def _how_to_read(data: SweepReportData) -> list[str]:
    reps = data.manifest.get("design", {}).get("replications", "?")
    lines = [
        "Each factor's chart and table show marginal means: at each level of the factor, "
        "the mean of the measure over every run at that level, averaged over all the other "
        "factors' values in the sweep. They show the factor's average effect across the "
        "sweep, not its effect at any one setting of the other factors.",
    ]
    if data.design == "factorial":
        lines.append(
            "The interval is the 95 % confidence interval of that mean over the "
            f"replications ({reps} per point): for each replicate the runs at the level are "
            "averaged over the other factors, and the interval is taken over those "
            "replicate means. It shows how much the result moves with chance (the random "
            "seed), not how sure we are of the model's assumptions."
        )
    else:
        lines.append(
            f"The design ({data.design}) samples the factors, so the interval is the 95 % "
            "confidence interval over the design points at the level (each averaged over "
            f"its {reps} replications): it includes the spread due to the other factors' "
            "random values. A numeric factor with more than 12 distinct values is cut into "
            "6 groups of about equal size; its point is drawn at the group's mean value."
        )
    lines.append(
        "Numeric factors are drawn as a line with a band (the interval); the regime and "
        "true/false factors as points with error bars."
    )
    if data.contrast is not None:
        ref = data.labels.get(str(data.contrast.values[0]), str(data.contrast.values[0]))
        lines.append(
            f"Regime differences: each regime minus {ref} (the first regime listed), at "
            "each level of the other factor, averaged over the remaining factors; the "
            "interval is over "
            + ("replications" if data.design == "factorial" else "design points")
            + (
                ", and where regimes are crossed they share their random numbers run for "
                "run, which narrows it. "
                if data.contrast.crossed
                else ". "
            )
            + "A difference whose interval excludes zero is one the runs can tell apart "
            "from chance; lines that are not flat mean the regime difference depends on "
            "the factor (an interaction). Percentages differ in percentage points (pp)."
        )
    return lines


def _interval_cell(r: pd.DataFrame, measure: str, fmt) -> str:
    """A table cell from the first row of ``r`` (mean, interval, units) written by
    ``fmt``; a dash when ``r`` is empty."""
    if r.empty:
        return _DASH
    first = r.iloc[0]
    return fmt(
        first["mean"], first["ci_low"], first["ci_high"], int(first["n_units"]), value_kind(measure)
    )


def _effect_table(data: SweepReportData, info: FactorInfo) -> tuple[list[str], list[list[str]]]:
    e = data.effects[data.effects["factor"] == info.name]
    header = [factor_label(info.name)] + [measure_label(m) for m in data.measures]
    rows = []
    for _order, g in e.groupby("order", sort=True):
        first = g.iloc[0]
        row = [_level_text(info, str(first["level"]), data.labels)]
        for m in data.measures:
            row.append(_interval_cell(g[g["measure"] == m], m, format_cell))
        rows.append(row)
    return header, rows


def _diff_table(data: SweepReportData, info: FactorInfo) -> tuple[list[str], list[list[str]]]:
    d = data.differences
    d = d[d["factor"] == info.name]
    pairs = list(dict.fromkeys(d["regime"]))
    header = [factor_label(info.name)]
    for reg in pairs:
        ref = str(d.loc[d["regime"] == reg, "reference"].iloc[0])
        for m in data.measures:
            a, b = data.labels.get(reg, reg), data.labels.get(ref, ref)
            header.append(f"{METRICS[m].label}: {a} {_MINUS} {b}")
    rows = []
    for _order, g in d.groupby("order", sort=True):
        row = [str(g["level"].iloc[0])]
        for reg in pairs:
            for m in data.measures:
                r = g[(g["regime"] == reg) & (g["measure"] == m)]
                row.append(_interval_cell(r, m, _diff_cell))
        rows.append(row)
    return header, rows


# ---------------------------------------------------------------------------
# charts
# ---------------------------------------------------------------------------


def _figure(n_panels: int):
    import matplotlib as mpl
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    w, h = mpl.rcParams["figure.figsize"]
    ncols = 1 if n_panels == 1 else 2
    nrows = math.ceil(n_panels / ncols)
    fig = Figure(
        figsize=(w * (1.0 if ncols == 1 else 1.35), h * (0.75 + 0.62 * nrows) / 1.37),
        layout="constrained",
    )
    FigureCanvasAgg(fig)
    axes = np.atleast_1d(fig.subplots(nrows, ncols)).ravel()
    for ax in axes[n_panels:]:
        ax.set_visible(False)
    return fig, axes[:n_panels]


#: The smallest y range shown, by kind of value, so that a flat line (no difference at
#: all) gets readable ticks.
_MIN_SPAN = {"percent": 0.02, "usd": 100.0, "number": 0.02}


def _y_axis(ax: Any, m: str, difference: bool = False) -> None:
    from matplotlib.ticker import FuncFormatter

    from sim.report.charts import _format_axis

    kind = value_kind(m)
    lo, hi = ax.get_ylim()
    if hi - lo < _MIN_SPAN[kind]:
        mid = (lo + hi) / 2
        ax.set_ylim(mid - _MIN_SPAN[kind] / 2, mid + _MIN_SPAN[kind] / 2)
    if difference and kind == "percent":  # a difference of shares: percentage points
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v * 100:+.3g} pp"))
    else:
        _format_axis(ax.yaxis, kind)
    ax.set_title(measure_label(m), loc="left", fontsize="medium", fontweight="bold")


def _x_axis(ax: Any, info: FactorInfo, levels: pd.DataFrame, labels: Mapping[str, str]) -> None:
    binned = bool(levels["binned"].any())
    if info.numeric:
        xs = levels["x"].to_numpy(float)
        if not binned and len(xs) <= 8:
            ax.set_xticks(xs, [str(t) for t in levels["level"]])
    else:
        ax.set_xticks(
            range(len(levels)), [_level_text(info, str(t), labels) for t in levels["level"]]
        )
        ax.set_xlim(-0.5, len(levels) - 0.5)
    text = factor_label(info.name)
    if binned:
        text += " (binned: group means)"
    ax.set_xlabel(text)


def _note(fig: Any, text: str) -> None:
    import textwrap

    fig.supxlabel(
        textwrap.fill(text, 130),
        x=0.01,
        ha="left",
        fontsize="small",
        color="#555555",
        parse_math=False,
    )


def effect_title(info: FactorInfo) -> str:
    return f"Effect of {factor_label(info.name)}: mean over all the other factors"


def difference_title(info: FactorInfo) -> str:
    return f"Regime difference across {factor_label(info.name)} (mean over all the other factors)"


def plot_effect(data: SweepReportData, info: FactorInfo):
    """One panel per main measure: marginal mean and 95 % CI at each level of ``info``."""
    from sim.report.charts import OKABE_ITO, regime_color

    e = data.effects[data.effects["factor"] == info.name]
    fig, axes = _figure(len(data.measures))
    colour = OKABE_ITO["blue"]
    n_units = int(e["n_units"].min()) if len(e) else 0
    for ax, m in zip(axes, data.measures, strict=True):
        d = e[e["measure"] == m].sort_values("order")
        mean = d["mean"].to_numpy(float)
        lo, hi = d["ci_low"].to_numpy(float), d["ci_high"].to_numpy(float)
        if info.numeric:
            x = d["x"].to_numpy(float)
            ax.fill_between(x, lo, hi, color=colour, alpha=0.25, lw=0, label="95 % CI")
            ax.plot(x, mean, "o-", color=colour, label="marginal mean")
        else:
            x = d["order"].to_numpy(float)
            colours = (
                [regime_color(str(v), list(data.labels)) for v in d["level"]]
                if info.name == "regime"
                else [colour] * len(d)
            )
            for xi, mi, l_, h_, c in zip(x, mean, lo, hi, colours, strict=True):
                ax.errorbar(
                    [xi],
                    [mi],
                    yerr=[[max(mi - l_, 0)], [max(h_ - mi, 0)]],
                    fmt="o",
                    color=c,
                    capsize=5,
                    elinewidth=1.6,
                    markersize=8,
                )
        _y_axis(ax, m)
        _x_axis(ax, info, d[["order", "level", "x", "binned"]], data.labels)
    fig.suptitle(effect_title(info), x=0.01, ha="left", fontweight="bold")
    _note(
        fig,
        "Marginal means: at each level, the mean over every run at that level, averaged over "
        "the other factors' values. "
        + ("Band" if info.numeric else "Bars")
        + f": 95 % CI over {_unit_words(data.design, n_units)} (final year of each run).",
    )
    return fig


def plot_difference(data: SweepReportData, info: FactorInfo):
    """One panel per main measure: each regime minus the reference regime across the
    levels of ``info``, with 95 % CIs, and a line at zero."""
    from sim.report.charts import regime_color

    d_all = data.differences[data.differences["factor"] == info.name]
    pairs = list(dict.fromkeys(d_all["regime"]))
    ref = str(d_all["reference"].iloc[0])
    fig, axes = _figure(len(data.measures))
    n_units = int(d_all["n_units"].min()) if len(d_all) else 0
    order = list(data.labels)
    width = 0.5 / max(len(pairs), 1)
    for ax, m in zip(axes, data.measures, strict=True):
        ax.axhline(0, color="#555555", lw=1.0, ls="--", zorder=1)
        levels = None
        for i, reg in enumerate(pairs):
            d = d_all[(d_all["regime"] == reg) & (d_all["measure"] == m)].sort_values("order")
            levels = d[["order", "level", "x", "binned"]]
            mean = d["mean"].to_numpy(float)
            lo, hi = d["ci_low"].to_numpy(float), d["ci_high"].to_numpy(float)
            c = regime_color(reg, order)
            name = f"{data.labels.get(reg, reg)} {_MINUS} {data.labels.get(ref, ref)}"
            if info.numeric:
                x = d["x"].to_numpy(float)
                ax.fill_between(x, lo, hi, color=c, alpha=0.2, lw=0)
                ax.plot(x, mean, "o-", color=c, label=name)
            else:
                x = d["order"].to_numpy(float) + (i - (len(pairs) - 1) / 2) * width
                ax.errorbar(
                    x,
                    mean,
                    yerr=[np.maximum(mean - lo, 0), np.maximum(hi - mean, 0)],
                    fmt="o",
                    color=c,
                    capsize=5,
                    elinewidth=1.6,
                    markersize=8,
                    label=name,
                )
        _y_axis(ax, m, difference=True)
        ax.set_title(
            f"{METRICS[m].label}: difference", loc="left", fontsize="medium", fontweight="bold"
        )
        if levels is not None:
            _x_axis(ax, info, levels, data.labels)
    handles, names = axes[0].get_legend_handles_labels()
    if handles:
        fig.legend(handles, names, loc="outside upper right", frameon=False)
    fig.suptitle(difference_title(info), x=0.01, ha="left", fontweight="bold")
    _note(
        fig,
        f"Each regime minus {data.labels.get(ref, ref)} at each level, averaged over the other "
        f"factors; percentages differ in percentage points. "
        + ("Bands" if info.numeric else "Bars")
        + f": 95 % CI over {_unit_words(data.design, n_units)}"
        + (
            " with common random numbers (crossed regimes)."
            if data.contrast and data.contrast.crossed
            else "."
        ),
    )
    return fig


@dataclass
class _Chart:
    stem: str
    title: str
    png: bytes


def _save(fig: Any, folder: Path, stem: str, classroom: bool = False) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    png = buf.getvalue()
    (folder / f"{stem}.png").write_bytes(png)
    if "svg" in CHART_FORMATS:
        fig.savefig(folder / f"{stem}.svg", format="svg")
    return png


def _stem(prefix: str, name: str) -> str:
    return f"{prefix}_" + "".join(c if c.isalnum() or c in "_-" else "_" for c in name)


# ---------------------------------------------------------------------------
# documents
# ---------------------------------------------------------------------------


def _markdown(data: SweepReportData, charts: Mapping[str, _Chart]) -> str:
    e = md_text
    lines = [f"# Sweep report: {e(data.name)}", ""]
    if data.description:
        lines += [e(data.description), ""]
    for w in _warnings(data):
        lines += [f"> **Note.** {e(w)}", ""]
    lines += ["## What was run", ""]
    lines += [f"- **{e(k)}:** {e(v)}" for k, v in _facts(data)]
    lines += ["", "## How to read this", ""]
    lines += [f"- {e(t)}" for t in _how_to_read(data)]
    lines += [f"- {e(t)}" for t in data.notes]
    lines += ["", "## Effect of each factor (marginal means over the other factors)", ""]
    for info in data.factors:
        lines += [f"### {e(factor_label(info.name))}", ""]
        c = charts.get(_stem("effect", info.name))
        if c is not None:
            lines += [f"![{e(c.title)}]({REPORT_DIR}/{c.stem}.png)", ""]
        header, rows = _effect_table(data, info)
        lines += ["Mean and 95 % CI, final year, averaged over the other factors.", ""]
        lines += [markdown_table(header, rows)]
    if data.differences is not None and len(data.differences):
        lines += ["## Regime differences across the other factors", ""]
        for info in data.factors:
            if info.name == data.contrast.name:
                continue
            lines += [f"### Across {e(factor_label(info.name))}", ""]
            c = charts.get(_stem("difference", info.name))
            if c is not None:
                lines += [f"![{e(c.title)}]({REPORT_DIR}/{c.stem}.png)", ""]
            header, rows = _diff_table(data, info)
            lines += ["Difference and 95 % CI, final year, averaged over the other factors.", ""]
            lines += [markdown_table(header, rows)]
    lines += ["## Files", ""]
    lines += [f"- {e(t)}" for t in _files_text(data)]
    lines.append("")
    return "\n".join(lines)


def _files_text(data: SweepReportData) -> list[str]:
    out = [
        f"{REPORT_DIR}/effects.csv: one row per factor, level and measure (every measure "
        "of the compare report's summary): factor, level, order, x (value or group mean), "
        "binned, measure, unit (replicate or design_point: what the interval is over), "
        "n_units, n_runs, mean, ci_low, ci_high.",
    ]
    if data.differences is not None:
        out.append(
            f"{REPORT_DIR}/regime_differences.csv: contrast, regime, reference, factor, "
            "level, order, x, binned, measure, unit, n_units, mean, ci_low, ci_high "
            "(regime minus reference)."
        )
    out.append(
        f"{REPORT_DIR}/effect_FACTOR.png|svg and difference_FACTOR.png|svg: the charts. "
        "The runs themselves: sim.experiment.load(DIR). Write this report again with "
        "workforce-sim sweep --report-only DIR."
    )
    return out


def _html(data: SweepReportData, charts: Mapping[str, _Chart]) -> str:
    from sim.report.report import html_start

    e = html.escape

    def table(header: list[str], rows: list[list[str]], caption: str) -> str:
        out = ["<table>", f"<caption>{e(caption)}</caption>", "<thead><tr>"]
        out.append("".join(f'<th scope="col">{e(h)}</th>' for h in header) + "</tr></thead><tbody>")
        for r in rows:
            out.append(
                "<tr>"
                + f'<th scope="row">{e(r[0])}</th>'
                + "".join(f"<td>{e(c).replace(' %', chr(160) + '%')}</td>" for c in r[1:])
                + "</tr>"
            )
        out.append("</tbody></table>")
        return "\n".join(out)

    def figure(c: _Chart | None) -> str:
        if c is None:
            return ""
        data_uri = base64.b64encode(c.png).decode("ascii")
        return (
            f'<figure><img src="data:image/png;base64,{data_uri}" alt="{e(c.title)}">'
            f"<figcaption>{e(c.title)}</figcaption></figure>"
        )

    title = f"Sweep report: {data.name}"
    out = html_start(title)
    if data.description:
        out.append(f"<p>{e(data.description)}</p>")
    for w in _warnings(data):
        out.append(f'<p class="note"><strong>Note.</strong> {e(w)}</p>')
    out.append("<h2>What was run</h2>")
    out.append(
        '<dl class="facts">'
        + "".join(f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in _facts(data))
        + "</dl>"
    )
    out.append("<h2>How to read this</h2>")
    out.append(
        "<ul>" + "".join(f"<li>{e(t)}</li>" for t in [*_how_to_read(data), *data.notes]) + "</ul>"
    )
    out.append("<h2>Effect of each factor (marginal means over the other factors)</h2>")
    for info in data.factors:
        out.append(f'<section class="chart"><h3>{e(factor_label(info.name))}</h3>')
        out.append(figure(charts.get(_stem("effect", info.name))))
        out.append(
            table(
                *_effect_table(data, info),
                "Mean and 95 % CI, final year, averaged over the other factors",
            )
        )
        out.append("</section>")
    if data.differences is not None and len(data.differences):
        out.append("<h2>Regime differences across the other factors</h2>")
        for info in data.factors:
            if info.name == data.contrast.name:
                continue
            out.append(f'<section class="chart"><h3>Across {e(factor_label(info.name))}</h3>')
            out.append(figure(charts.get(_stem("difference", info.name))))
            out.append(
                table(
                    *_diff_table(data, info),
                    "Difference and 95 % CI, final year, averaged over the other factors",
                )
            )
            out.append("</section>")
    out.append("<h2>Files</h2>")
    out.append("<ul>" + "".join(f"<li>{e(t)}</li>" for t in _files_text(data)) + "</ul>")
    out += ["</body>", "</html>", ""]
    return "\n".join(out)


# ---------------------------------------------------------------------------
# entry point
# ---------------------------------------------------------------------------


def write_sweep_report(out: str | Path, classroom: bool = False) -> dict[str, Path]:
    """Write ``report.html``, ``report.md`` and the ``report/`` folder (charts, tables)
    of the sweep in ``out``; return ``{name: path}`` of what was written.

    Nothing else in ``out`` is touched. The ``report/`` folder is built under a hidden
    temporary name and swapped in whole; the two reports are replaced atomically.
    """
    import matplotlib as mpl

    from sim.report.charts import style_rc

    data = load_report_data(out)
    out = Path(out)
    tmp = out / f".{REPORT_DIR}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    charts: dict[str, _Chart] = {}
    try:
        data.effects.to_csv(tmp / "effects.csv", index=False)
        if data.differences is not None:
            data.differences.to_csv(tmp / "regime_differences.csv", index=False)
        with mpl.rc_context(style_rc(classroom)):
            if data.n_ok:
                for info in data.factors:
                    stem = _stem("effect", info.name)
                    fig = plot_effect(data, info)
                    charts[stem] = _Chart(stem, effect_title(info), _save(fig, tmp, stem))
                    has_diff = (
                        data.differences is not None
                        and info.name != data.contrast.name
                        and (data.differences["factor"] == info.name).any()
                    )
                    if has_diff:
                        stem = _stem("difference", info.name)
                        fig = plot_difference(data, info)
                        charts[stem] = _Chart(stem, difference_title(info), _save(fig, tmp, stem))
        md, page = _markdown(data, charts), _html(data, charts)
        final = out / REPORT_DIR
        old = out / f".{REPORT_DIR}.old-{os.getpid()}"
        if final.exists():
            os.replace(final, old)
        os.replace(tmp, final)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    written = {p.name: p for p in sorted((out / REPORT_DIR).iterdir())}
    written["report.md"] = atomic_write(
        out / "report.md", lambda t: t.write_text(md, encoding="utf-8")
    )
    written["report.html"] = atomic_write(
        out / "report.html", lambda t: t.write_text(page, encoding="utf-8")
    )
    return written
