"""``workforce-sim sensitivity --ensemble``: which ensemble parameters drive the regime
effects, and the files that say so.

:func:`sensitivity_ensemble` runs every regime of a scenario (by default the three of
``compare``) across the installed ensemble of its setting
(:func:`sim.experiments.ensemble.across_ensemble`, the code ``compare --ensemble`` runs),
then computes, over the members, the partial rank correlation coefficient (PRCC) of every
ensemble parameter with each regime's effect against the baseline on each measure, and
with each regime's own value of it (:func:`sim.analysis.ensemble.ensemble_sensitivity`
with ``levels=True``). It writes, atomically (:func:`sim.experiments.outdir.atomic_dir`):

* ``sensitivity.csv``: one row per (quantity, regime, measure, parameter): ``prcc``,
  ``p_value`` (t test), ``ci_low``/``ci_high`` (approximate 95 %, Fisher's z) and
  ``members`` (columns :data:`sim.analysis.ensemble.SENSITIVITY_COLUMNS`);
* ``sensitivity.md``: the drivers of each effect in words and tables (as the Sobol'/Morris
  ``sensitivity`` writes ``sensitivity.md``);
* ``sensitivity.png`` (or svg/pdf): a heat map of the PRCC of the effects, one panel per
  regime against the baseline;
* ``ensemble_runs.csv``, ``ensemble_members.csv`` (as ``compare --ensemble``),
  ``columns.csv`` and ``manifest.json``.
"""

from __future__ import annotations

import json
import math
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.ensemble import PRCC_LEVEL, ensemble_sensitivity
from sim.analysis.mdtable import markdown_table, md_text
from sim.core.outputs import METRICS
from sim.core.params import SETTING_LABELS

__all__ = ["ALPHA", "markdown_report", "plot_prcc", "sensitivity_ensemble"]

#: A PRCC is called a driver when its p-value is below this.
ALPHA = 0.05


def _label(metric: str) -> str:
    return METRICS[metric].label if metric in METRICS else metric


def _f(x: float) -> str:
    return "–" if x is None or not math.isfinite(x) else f"{x:+.2f}"


def _p(x: float) -> str:
    if x is None or not math.isfinite(x):
        return "–"
    return "below 0.001" if x < 0.001 else f"{x:.3f}"


def _drivers(part: pd.DataFrame) -> str:
    """The parameters with p < ALPHA, strongest first: ``name +0.62 (+0.41 to +0.78)``."""
    sig = part[part["p_value"] < ALPHA].copy()
    if sig.empty:
        ok = part.dropna(subset=["prcc"])
        if ok.empty:
            return "none (too few members to estimate)"
        top = ok.loc[ok["prcc"].abs().idxmax()]
        return (
            f"none with p below {ALPHA:g} (largest: {top.parameter} {_f(top.prcc)}, "
            f"p = {_p(top.p_value)})"
        )
    sig = sig.reindex(sig["prcc"].abs().sort_values(ascending=False).index)
    return "; ".join(
        f"{r.parameter} {_f(r.prcc)} ({_f(r.ci_low)} to {_f(r.ci_high)})"
        for r in sig.itertuples(index=False)
    )


def markdown_report(table: pd.DataFrame, meta: Mapping[str, Any], labels: Mapping[str, str]) -> str:
    """``sensitivity.md``: the method in a paragraph, then the drivers of each effect
    (one table per regime against the baseline) and of each regime's level."""
    name = lambda r: labels.get(r, r)  # noqa: E731
    base = meta["baseline"]
    lines = [
        f"# Sensitivity analysis across the ensemble: {SETTING_LABELS[meta['setting']]}",
        "",
        md_text(
            f"Each regime was run across {meta['members']} parameter vectors of the installed "
            f"ensemble of this setting (made by `{meta['ensemble_command']}`, "
            f"{meta['ensemble_date']}), {meta['replications']} replications per member and "
            f"regime with the same seeds (root seed {meta['seed']}, {meta['horizon_weeks']} "
            "weeks after warm-up). For each regime's effect against "
            f"{name(base)} on each measure (the member's regime mean minus its "
            f"{name(base)} mean) and each regime's own level, the partial rank correlation "
            "coefficient (PRCC) of every ensemble parameter over the members says which "
            "parameters drive it: the correlation of the ranks once the ranks of the other "
            "parameters are regressed out of both (Marino et al. 2008). Given: PRCC with "
            f"an approximate {PRCC_LEVEL:.0%} interval (Fisher's z) for the parameters with "
            f"p below {ALPHA:g} (t test), strongest first. A member's mean also carries the "
            "replication noise of its runs, which weakens every correlation; with few "
            "members the intervals are wide, and the interval (one degree of freedom "
            "fewer) may include zero where the p-value is below the threshold. All "
            "numbers: sensitivity.csv."
        ),
        "",
    ]
    eff = table[table["quantity"] == "effect"]
    for regime, part in eff.groupby("regime", sort=False):
        lines += [f"## {md_text(name(regime))} vs {md_text(name(base))}: effect", ""]
        rows = [
            (f"{_label(m)} (`{m}`)", _drivers(g)) for m, g in part.groupby("metric", sort=False)
        ]
        lines += [markdown_table(["Measure", "Drivers: PRCC (95 % interval)"], rows, pad=False)]
    lev = table[table["quantity"] == "level"]
    if not lev.empty:
        lines += ["## Levels: each regime's own value", ""]
        rows = [
            (f"{_label(m)} (`{m}`)", name(r), _drivers(g))
            for (m, r), g in lev.groupby(["metric", "regime"], sort=False)
        ]
        lines += [
            markdown_table(["Measure", "Regime", "Drivers: PRCC (95 % interval)"], rows, pad=False)
        ]
    return "\n".join(lines)


def plot_prcc(table: pd.DataFrame, labels: Mapping[str, str], classroom: bool = False):
    """Heat map of the PRCC of each parameter (rows) with each effect on each measure
    (columns), one panel per regime against the baseline; values with p < ALPHA are
    printed in bold."""
    import matplotlib as mpl
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from sim.report.charts import style_rc

    eff = table[table["quantity"] == "effect"]
    regimes = list(dict.fromkeys(eff["regime"]))
    metrics = list(dict.fromkeys(eff["metric"]))
    params = list(dict.fromkeys(eff["parameter"]))
    with mpl.rc_context(style_rc(classroom)):
        w, _h = mpl.rcParams["figure.figsize"]
        n = max(len(regimes), 1)
        fig = Figure(figsize=(w * 1.25, (0.42 * len(params) + 2.4) * n + 0.6), layout="constrained")
        FigureCanvasAgg(fig)
        axes = np.atleast_1d(fig.subplots(n, 1, squeeze=False).ravel())
        image = None
        for ax, regime in zip(axes, regimes, strict=False):
            d = eff[eff["regime"] == regime]
            grid = d.pivot(index="parameter", columns="metric", values="prcc")
            grid = grid.reindex(index=params, columns=metrics)
            pv = d.pivot(index="parameter", columns="metric", values="p_value")
            pv = pv.reindex(index=params, columns=metrics)
            image = ax.imshow(grid.to_numpy(float), cmap="PuOr_r", vmin=-1, vmax=1, aspect="auto")
            ax.grid(False)
            last = regime == regimes[-1]
            ax.set_xticks(
                range(len(metrics)),
                [_label(m) for m in metrics] if last else [""] * len(metrics),
                rotation=30,
                ha="right",
                fontsize="small",
            )
            ax.set_yticks(range(len(params)), params, fontsize="small")
            for i in range(len(params)):
                for j in range(len(metrics)):
                    v, p = grid.iat[i, j], pv.iat[i, j]
                    if np.isfinite(v):
                        ax.text(
                            j,
                            i,
                            f"{v:+.2f}",
                            ha="center",
                            va="center",
                            fontsize="x-small",
                            fontweight="bold" if (np.isfinite(p) and p < ALPHA) else "normal",
                            color="white" if abs(v) > 0.6 else "black",
                        )
            base = d["baseline"].iloc[0]
            ax.set_title(
                f"{labels.get(regime, regime)} vs {labels.get(base, base)}: effect",
                fontsize="medium",
            )
        if image is not None:
            fig.colorbar(image, ax=list(axes), shrink=0.6, label="PRCC")
        fig.suptitle(
            "Which ensemble parameters drive the regime effects",
            x=0.01,
            ha="left",
            fontweight="bold",
        )
        members = int(eff["members"].max()) if len(eff) else 0
        fig.supxlabel(
            f"Partial rank correlation over {members} ensemble members; bold: p < {ALPHA:g}.",
            x=0.01,
            ha="left",
            fontsize="small",
            color="#555555",
        )
    return fig


def sensitivity_ensemble(
    scenario: Any,
    out: Path,
    *,
    members: int | None = None,
    replications: int | None = None,
    jobs: int = 1,
    metrics: Sequence[str] | None = None,
    fmt: str = "png",
    progress: bool = False,
    folder: Path | None = None,
    command: Sequence[str] | None = None,
) -> tuple[pd.DataFrame, dict[str, Path], dict[str, Any]]:
    """Run ``scenario`` across the installed ensemble and write the PRCC analysis into
    ``out`` (see the module docstring). Returns (table, files written, meta)."""
    from sim.core.outputs import SUMMARY_METRICS
    from sim.experiments.columns import write_columns
    from sim.experiments.ensemble import ENSEMBLE_REPLICATIONS, across_ensemble
    from sim.experiments.outdir import atomic_dir
    from sim.experiments.runner import provenance

    replications = replications or ENSEMBLE_REPLICATIONS
    ens = across_ensemble(scenario, members, replications, jobs, progress, folder)
    regimes = list(scenario.regimes)
    metrics = list(metrics or SUMMARY_METRICS)
    table = ensemble_sensitivity(
        ens.runs, ens.members, ens.parameters, metrics, regimes, ens.baseline, levels=True
    )
    meta = {
        "setting": scenario.setting,
        "baseline": ens.baseline,
        "regimes": regimes,
        "members": len(ens.members),
        "parameters": ens.parameters,
        "replications": replications,
        "seed": scenario.seed,
        "horizon_weeks": scenario.horizon_weeks,
        "ensemble_command": ens.record.get("command", "workforce-sim ensemble"),
        "ensemble_date": ens.record.get("date", "date unknown"),
        "elapsed_seconds": round(ens.elapsed_seconds, 1),
    }
    labels = dict(scenario.regime_labels)
    md = markdown_report(table, meta, labels)
    files: dict[str, Path] = {}
    with atomic_dir(out) as tmp:
        table.to_csv(tmp / "sensitivity.csv", index=False)
        (tmp / "sensitivity.md").write_text(md + "\n", encoding="utf-8")
        fig = plot_prcc(table, labels)
        fig.savefig(tmp / f"sensitivity.{fmt}", format=fmt)
        ens.runs.to_csv(tmp / "ensemble_runs.csv", index=False)
        ens.members.to_csv(tmp / "ensemble_members.csv", index=False)
        write_columns(tmp)
        manifest = {
            "tool": "workforce-sim",
            "kind": "sensitivity-ensemble",
            "command": list(command) if command is not None else sys.argv,
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            **meta,
            **provenance(),
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str))
        names = [p.name for p in sorted(tmp.iterdir())]
    files = {n: Path(out) / n for n in names}
    return table, files, meta
