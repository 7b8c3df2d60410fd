"""The files and charts of a sensitivity analysis: the indices as Markdown
(:func:`markdown_table`) and as bar charts (:func:`plot_indices`), the output files
(:func:`write_sensitivity`), and :func:`sensitivity`, which runs (or resumes) the sweep
of a ``sobol``/``morris`` spec, analyses it (:mod:`sim.experiments.sensitivity`: the
numbers) and writes them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.mdtable import markdown_table as _md_table
from sim.core.outputs import METRICS
from sim.experiments.columns import write_columns
from sim.experiments.experiment import as_spec, sweep
from sim.experiments.sensitivity import analyse_sweep, check_method
from sim.experiments.store import atomic_write
from sim.report.charts import OKABE_ITO, style_rc

__all__ = ["markdown_table", "plot_indices", "sensitivity", "write_sensitivity"]


def _fmt(v: float, digits: int = 3) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return "–"
    if np.isinf(v):
        return "∞"
    return f"{v:.{digits}f}" if abs(v) < 1000 else f"{v:,.0f}"


def markdown_table(table: pd.DataFrame, conf_level: float = 0.95) -> str:
    """The indices as Markdown: one section per group and output."""
    lines = []
    pct = f"{conf_level:.0%}"
    for (group, output), t in table.groupby(["group", "output"], sort=False):
        m = METRICS.get(output)
        first = t.iloc[0]
        head = f"### {m.label if m else output} (`{output}`)"
        if group != "all":
            head += f", {group}"
        lines += [head, ""]
        ns = first["noise_share"]
        lines.append(
            f"Mean {_fmt(first['mean'])}; SD between points {_fmt(first['between_sd'])}, "
            f"between replicates of a point {_fmt(first['within_sd'])} "
            f"({int(first['replications'])} replications, {int(first['points'])} points); "
            f"replication noise ≈ {_fmt(100 * ns, 1) + ' %' if np.isfinite(ns) else _fmt(ns)} "
            "of the variance analysed."
        )
        lines.append("")
        if first["method"] == "sobol":
            header = ["factor", f"S1 (± {pct} CI)", f"ST (± {pct} CI)"]
            rows = [
                [r.factor, f"{_fmt(r.S1)} ± {_fmt(r.S1_conf)}", f"{_fmt(r.ST)} ± {_fmt(r.ST_conf)}"]
                for r in t.itertuples()
            ]
        else:
            header = ["factor", f"μ* (± {pct} CI)", "μ", "σ"]
            rows = [
                [r.factor, f"{_fmt(r.mu_star)} ± {_fmt(r.mu_star_conf)}", _fmt(r.mu), _fmt(r.sigma)]
                for r in t.itertuples()
            ]
        lines += _md_table(header, rows, pad=False).splitlines()
        lines.append("")
    return "\n".join(lines)


def plot_indices(
    table: pd.DataFrame, group: str | None = None, classroom: bool = False, title: str | None = None
):
    """Bar chart of the indices: S1 and ST with CIs (Sobol') or μ* with CI and σ (Morris),
    one panel per output, in the house style (:func:`sim.report.charts.style_rc`)."""
    import matplotlib as mpl
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    group = group if group is not None else str(table["group"].iloc[0])
    t = table[table["group"] == group]
    outputs = list(dict.fromkeys(t["output"]))
    ncol = min(2, len(outputs))
    nrow = -(-len(outputs) // ncol)
    with mpl.rc_context(style_rc(classroom)):
        w, h = mpl.rcParams["figure.figsize"]
        fig = Figure(
            figsize=(w * (1.0 if ncol == 1 else 1.35), h * 0.62 * nrow + 0.9), layout="constrained"
        )
        FigureCanvasAgg(fig)
        axes = fig.subplots(nrow, ncol, squeeze=False).ravel()
        sobol = t["method"].iloc[0] == "sobol"
        a, b = ("S1", "ST") if sobol else ("mu_star", "sigma")
        la, lb = (
            ("First order S1", "Total ST")
            if sobol
            else ("μ* (mean |effect|)", "σ (interactions, non-linearity)")
        )
        for ax, out in zip(axes, outputs, strict=False):
            d = t[t["output"] == out]
            y = np.arange(len(d))
            hgt = 0.38
            err_a = d[f"{a}_conf"] if f"{a}_conf" in d else None
            err_b = d[f"{b}_conf"] if f"{b}_conf" in d else None
            ax.barh(
                y - hgt / 2,
                d[a],
                hgt,
                xerr=err_a,
                color=OKABE_ITO["blue"],
                label=la,
                error_kw={"ecolor": "#333333", "capsize": 2, "lw": 1},
            )
            ax.barh(
                y + hgt / 2,
                d[b],
                hgt,
                xerr=err_b,
                color=OKABE_ITO["orange"],
                label=lb,
                error_kw={"ecolor": "#333333", "capsize": 2, "lw": 1},
            )
            ax.set_yticks(y, d["factor"])
            ax.invert_yaxis()
            ax.grid(axis="y", visible=False)
            if sobol:
                ax.axvline(0, color="#555555", lw=0.8)
                lo, hi = ax.get_xlim()
                ax.set_xlim(max(lo, -0.25), min(max(hi, 1.05), 1.25))  # CIs may run off
            m = METRICS.get(out)
            ns = float(d["noise_share"].iloc[0])
            noise_txt = (
                f"replication noise {100 * ns:.0f} % of variance"
                if np.isfinite(ns)
                else "replication noise unknown (1 replication)"
            )
            key = b if sobol else a
            top = str(d.loc[d[key].idxmax(), "factor"]) if d[key].notna().any() else "–"
            ax.set_title(
                f"{m.label if m else out}: largest {'ST' if sobol else 'μ*'} {top}\n{noise_txt}",
                fontsize="medium",
            )
            ax.set_xlabel(
                "Sobol' index (share of variance)"
                if sobol
                else f"Elementary effect ({m.unit if m else ''})".replace(" ()", "")
            )
        for ax in axes[len(outputs) :]:
            ax.set_visible(False)
        handles, labels = axes[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside upper right", ncols=2)
        method = "Sobol'" if sobol else "Morris"
        suffix = "" if group == "all" else f" ({group})"
        fig.suptitle(
            title or f"{method} sensitivity of the final-year outputs{suffix}",
            x=0.01,
            ha="left",
            fontweight="bold",
        )
        reps = int(t["replications"].iloc[0])
        fig.supxlabel(
            f"Bars: estimates from {int(t['points'].iloc[0])} design points, "
            f"{reps} replication{'s' if reps > 1 else ''} averaged per point; lines: "
            "bootstrap confidence intervals" + (" (cut at the axis)" if sobol else "") + ".",
            x=0.01,
            ha="left",
            fontsize="small",
            color="#555555",
        )
    return fig


def write_sensitivity(
    table: pd.DataFrame,
    out: str | Path,
    *,
    conf_level: float = 0.95,
    title: str | None = None,
    fmt: str = "png",
) -> dict[str, Path]:
    """Write ``sensitivity.csv``, ``sensitivity.md`` and one chart per group (atomic)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = {"csv": atomic_write(out / "sensitivity.csv", lambda t: table.to_csv(t, index=False))}
    head = f"# {title or 'Sensitivity analysis'}\n\n"
    md = head + markdown_table(table, conf_level)
    written["md"] = atomic_write(out / "sensitivity.md", lambda t: t.write_text(md))
    groups = list(dict.fromkeys(table["group"]))
    for g in groups:
        name = (
            "sensitivity"
            if len(groups) == 1
            else "sensitivity_" + "".join(c if c.isalnum() else "_" for c in g)
        )
        fig = plot_indices(table, g, title=None)
        written[g] = atomic_write(
            out / f"{name}.{fmt}", lambda t, fig=fig: fig.savefig(t, format=fmt)
        )
    written["columns"] = write_columns(out)  # now with sensitivity.csv's columns
    return written


def sensitivity(
    spec: Any,
    out: str | Path,
    *,
    resume: bool | None = None,
    outputs: Sequence[str] | None = None,
    **sweep_kwargs: Any,
) -> tuple[pd.DataFrame, dict[str, Path], Any]:
    """Run (or finish) the sweep of a ``sobol``/``morris`` spec into ``out``, analyse it
    and write the table and charts there. Returns (table, files written, sweep report).

    ``resume=None`` resumes when ``out`` already holds this sweep.
    """
    spec = as_spec(spec)
    check_method(spec.design)
    out = Path(out)
    if resume is None:
        resume = (out / "manifest.json").is_file()
    report = sweep(spec, out=out, resume=resume, **sweep_kwargs)
    table = analyse_sweep(
        out,
        outputs or spec.sensitivity_outputs,
        conf_level=spec.conf_level,
        resamples=spec.resamples,
    )
    files = write_sensitivity(
        table, out, conf_level=spec.conf_level, title=f"Sensitivity analysis: {spec.name}"
    )
    return table, files, report
