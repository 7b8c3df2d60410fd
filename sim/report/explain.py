"""The output of ``workforce-sim explain``: the attribution of each regime's effect to its
channels (:mod:`sim.experiments.attribution`) as tables, a chart and plain language.

:func:`write_explanation` writes into one output folder (replaced in one step,
:func:`sim.experiments.outdir.atomic_dir`):

* ``attribution.csv``: :func:`sim.experiments.attribution.attribute`'s table;
* ``counterfactual.csv``: JIT-only where every new worker knows their gaps, against
  JIT-only and foundation-first (:func:`sim.experiments.attribution.counterfactual`);
* ``runs.csv``: each run's final-year values of the explained measures (``variant``:
  the channel switched off, ``none`` for the regimes as defined);
* ``attribution.<fmt>``: per measure (rows) and regime (columns), horizontal bars of
  each channel's contribution with its 95 % CI, and the interaction
  (:func:`plot_attribution`);
* ``report.md``: what was run and what it finds, in sentences (:func:`report_text`);
* ``columns.csv`` and ``manifest.json``, as every output folder.
"""

from __future__ import annotations

import json
import math
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from sim.analysis.mdtable import markdown_table
from sim.analysis.summary import final_unit, value_kind
from sim.core.outputs import METRICS
from sim.core.params import SETTING_LABELS
from sim.experiments.attribution import CHANNELS, INTERACTION, TOTAL, Explanation
from sim.experiments.columns import write_columns
from sim.experiments.outdir import atomic_dir
from sim.experiments.runner import provenance
from sim.report.charts import FORMATS, regime_color, style_rc

__all__ = [
    "effect_text",
    "plot_attribution",
    "report_text",
    "summary_tables",
    "write_explanation",
]

_DASH = "–"
_GREY = "#8c8c8c"

#: How a measure reads in a sentence ("9.1-point lower turnover").
_SUBJECTS: dict[str, str] = {
    "turnover_rate": "turnover",
    "leavers_under_6m": "share of leavers who left within 6 months",
    "leavers_under_12m": "share of leavers who left within a year",
    "burnout_high_share": "share of workers with high burnout",
    "coc": "continuity of care (COC)",
    "cost_per_client_year": "cost per client-year",
    "vacancy_rate": "vacancy rate",
}

_DESCRIPTIONS = {c.name: c.description for c in CHANNELS}


# --- numbers as text --------------------------------------------------------------------


def _scale(metric: str) -> float:
    return 100.0 if value_kind(metric) == "percent" else 1.0


def effect_text(x: float, metric: str, signed: bool = True) -> str:
    """A difference in the measure's display unit: ``-9.1 points``, ``-$1,234``, ``0.021``."""
    if x is None or not math.isfinite(x):
        return _DASH
    if x == 0:
        return "0"
    kind = value_kind(metric)
    sign = ("+" if x > 0 else "-" if x < 0 else "") if signed else ("-" if x < 0 else "")
    a = abs(x)
    if kind == "percent":
        return f"{sign}{a * 100:.1f} points"
    if kind == "usd":
        return f"{sign}${a:,.0f}"
    return f"{sign}{a:.3g}"


def _ci(lo: float, hi: float, metric: str) -> str:
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return ""
    kind = value_kind(metric)
    if kind == "percent":
        return f"{lo * 100:.1f} to {hi * 100:.1f}"
    if kind == "usd":
        return f"{'-' if lo < 0 else ''}${abs(lo):,.0f} to {'-' if hi < 0 else ''}${abs(hi):,.0f}"
    return f"{lo:.3g} to {hi:.3g}"


def _axis_unit(metric: str) -> str:
    kind = value_kind(metric)
    if kind == "percent":
        return "percentage points"
    if kind == "usd":
        return "USD"
    return final_unit(metric)


def _label(name: str, meta: Mapping[str, Any]) -> str:
    return (meta.get("regime_labels") or {}).get(name, name)


def _subject(metric: str) -> str:
    m = METRICS.get(metric)
    return _SUBJECTS.get(metric, m.label.lower() if m else metric)


# --- chart ------------------------------------------------------------------------------


def plot_attribution(attribution: pd.DataFrame, meta: Mapping[str, Any]) -> Figure:
    """One panel per measure (rows) and regime (columns): each channel's contribution
    to the regime's effect, with its 95 % CI, and the interaction (grey)."""
    regimes = list(dict.fromkeys(attribution["regime"]))
    metrics = list(dict.fromkeys(attribution["metric"]))
    names = [c for c in dict.fromkeys(attribution["channel"]) if c != TOTAL]
    base = _label(meta.get("baseline", "jit"), meta)
    ncols, nrows = len(regimes), len(metrics)
    fig = Figure(
        figsize=(1.5 + 4.3 * ncols, 1.4 + (0.27 * len(names) + 0.9) * nrows),
        layout="constrained",
    )
    FigureCanvasAgg(fig)
    axes = np.atleast_2d(fig.subplots(nrows, ncols, squeeze=False))
    y = np.arange(len(names))
    for i, metric in enumerate(metrics):
        s = _scale(metric)
        for j, regime in enumerate(regimes):
            ax = axes[i, j]
            part = attribution[(attribution.regime == regime) & (attribution.metric == metric)]
            part = part.set_index("channel")
            tot = part.loc[TOTAL]
            vals = part.loc[names, "effect"].to_numpy(float) * s
            lo = part.loc[names, "ci_low"].to_numpy(float) * s
            hi = part.loc[names, "ci_high"].to_numpy(float) * s
            err = np.vstack([np.clip(vals - lo, 0, None), np.clip(hi - vals, 0, None)])
            colors = [_GREY if n == INTERACTION else regime_color(regime, regimes) for n in names]
            ax.barh(y, vals, color=colors, height=0.7)
            ax.errorbar(vals, y, xerr=np.nan_to_num(err), fmt="none", ecolor="#333333", capsize=2)
            ax.axvline(0, color="#333333", linewidth=0.8)
            ax.axvline(tot["effect"] * s, color="#333333", linewidth=0.8, linestyle="--")
            ax.set_yticks(y, names if j == 0 else [""] * len(names))
            ax.invert_yaxis()
            ax.grid(axis="y", visible=False)
            ax.set_title(
                f"{_label(regime, meta)}: {METRICS[metric].label if metric in METRICS else metric}"
                f"\ntotal {effect_text(tot['effect'], metric)} "
                f"(95 % CI {_ci(tot['ci_low'], tot['ci_high'], metric)})",
                fontsize="medium",
                loc="left",
            )
            ax.set_xlabel(f"contribution, {_axis_unit(metric)}", fontsize="small")
    fig.suptitle(
        f"What each regime's effect against {base} is made of: the effect lost when a "
        "channel is switched off (bars, 95 % CI); dashed: the total effect",
        fontsize="medium",
        x=0.01,
        ha="left",
    )
    return fig


def _save(fig: Figure, path: Path, fmt: str) -> None:
    metadata = {"svg": {"Date": None}, "pdf": {"CreationDate": None}}.get(fmt)
    fig.savefig(path, format=fmt, bbox_inches="tight", metadata=metadata)


# --- text -------------------------------------------------------------------------------


def _sentence(part: pd.DataFrame, regime: str, metric: str, meta: Mapping[str, Any]) -> str:
    part = part.set_index("channel")
    tot = part.loc[TOTAL]
    base = _label(meta.get("baseline", "jit"), meta)
    name = _label(regime, meta)
    subject = _subject(metric)
    if not math.isfinite(tot["effect"]):
        return f"{name}: no replication defines the {subject}."
    if tot["effect"] == 0:
        return f"{name} and {base} have the same {subject} in every replication."
    word = "lower" if tot["effect"] < 0 else "higher"
    total = effect_text(tot["effect"], metric, signed=False).lstrip("-")
    head = (
        f"Of {name}'s {total} {word} {subject} than {base} "
        f"(95 % CI {_ci(tot['ci_low'], tot['ci_high'], metric)})"
    )
    chans = part.drop(index=[TOTAL, INTERACTION])
    nonzero = chans[(chans["effect"] != 0) | (chans["ci_low"] != chans["ci_high"])]
    zero = [c for c in chans.index if c not in nonzero.index]
    order = nonzero.reindex(nonzero["effect"].abs().sort_values(ascending=False).index)
    bits = []
    for ch, row in order.iterrows():
        chance = row["ci_low"] <= 0 <= row["ci_high"]
        share = f", {row['share'] * 100:.0f} %" if math.isfinite(row["share"]) else ""
        bits.append(
            f"{ch} accounts for {effect_text(row['effect'], metric)}{share} "
            f"(95 % CI {_ci(row['ci_low'], row['ci_high'], metric)}"
            + ("; may be chance)" if chance else ")")
        )
    inter = part.loc[INTERACTION]
    text = head + (", " + "; ".join(bits) if bits else ", no single channel accounts for any")
    text += (
        f"; the interaction (what the channels do only together) is "
        f"{effect_text(inter['effect'], metric)} "
        f"(95 % CI {_ci(inter['ci_low'], inter['ci_high'], metric)})."
    )
    if zero:
        text += (
            f" Switching off {', '.join(zero)} changes nothing here (the same runs in "
            "every replication)."
        )
    return text


def _cf_text(cf: pd.DataFrame, meta: Mapping[str, Any]) -> list[str]:
    knows, base, ref = meta["counterfactual"], meta["baseline"], meta["reference"]
    out = []
    for metric, g in cf.groupby("metric", sort=False):
        g = g.set_index("regime")
        k = g.loc[knows]
        gap = k["gap_closed"]
        closed = (
            f"; that is {gap * 100:.0f} % of the difference {_label(ref, meta)} makes"
            if math.isfinite(gap)
            else ""
        )
        out.append(
            f"- {METRICS[metric].label if metric in METRICS else metric}: "
            f"{effect_text(k['diff'], metric)} against {_label(base, meta)} "
            f"(95 % CI {_ci(k['diff_ci_low'], k['diff_ci_high'], metric)}){closed}; "
            f"{effect_text(k['diff_reference'], metric)} against {_label(ref, meta)} "
            f"(95 % CI {_ci(k['diff_reference_ci_low'], k['diff_reference_ci_high'], metric)})."
        )
    return out


def summary_tables(expl: Explanation) -> dict[str, pd.DataFrame]:
    """Compact display tables: per regime, channels (rows) by measures (columns), each
    cell the contribution (``*``: its 95 % CI excludes 0); and the counterfactual."""
    a, meta = expl.attribution, expl.meta
    out: dict[str, pd.DataFrame] = {}
    metrics = list(dict.fromkeys(a["metric"]))
    for regime, g in a.groupby("regime", sort=False):
        rows = {}
        for ch, h in g.groupby("channel", sort=False):
            cells = {}
            for rec in h.itertuples():
                sig = "*" if rec.ci_low > 0 or rec.ci_high < 0 else ""
                cells[_short_label(rec.metric)] = effect_text(rec.effect, rec.metric) + sig
            rows[ch] = cells
        out[_label(regime, meta)] = pd.DataFrame.from_dict(rows, orient="index")[
            [_short_label(m) for m in metrics]
        ]
    cf = expl.counterfactual
    if cf is not None:
        rows = {}
        for metric, g in cf.groupby("metric", sort=False):
            g = g.set_index("regime")
            rows[_short_label(metric)] = {
                _label(r, meta): _value(g.loc[r, "mean"], metric)
                + ("" if r == meta["baseline"] else f" ({effect_text(g.loc[r, 'diff'], metric)})")
                for r in g.index
            }
        out["counterfactual"] = pd.DataFrame.from_dict(rows, orient="index")
    return out


def _short_label(metric: str) -> str:
    return {
        "turnover_rate": "turnover",
        "leavers_under_6m": "left <6m",
        "burnout_high_share": "high burnout",
        "coc": "COC",
        "cost_per_client_year": "cost/client-yr",
    }.get(metric, metric)


def _value(x: float, metric: str) -> str:
    if not math.isfinite(x):
        return _DASH
    kind = value_kind(metric)
    if kind == "percent":
        return f"{x * 100:.1f} %"
    if kind == "usd":
        return f"${x:,.0f}"
    return f"{x:.3g}"


def report_text(expl: Explanation, chart: str | None = "attribution.png") -> str:
    """``report.md``: what was run, the findings in sentences, the channels, the tables."""
    a, meta = expl.attribution, expl.meta
    base = _label(meta["baseline"], meta)
    lines = [
        f"# What makes each regime's effect against {base}",
        "",
        f"Setting: {SETTING_LABELS.get(meta['setting'], meta['setting'])}. "
        f"{meta['replications']} replications of {meta['horizon_weeks']} weeks after the "
        f"warm-up, root seed {meta['seed']}, common random numbers (replication r uses the "
        "same seed in every run). Values are each run's final year.",
        "",
        "Each channel was switched off in turn, in both arms, and the regime's effect "
        "measured again; the effect lost is the channel's *contribution*. The "
        "*interaction* is what the contributions leave of the total effect (channels that "
        "work only together, or overlap). A 95 % CI that includes 0 means the "
        "contribution may be chance.",
        "",
        "## Findings",
        "",
    ]
    for regime in dict.fromkeys(a["regime"]):
        for metric in dict.fromkeys(a["metric"]):
            part = a[(a.regime == regime) & (a.metric == metric)]
            lines.append(f"- {_sentence(part, regime, metric, meta)}")
    if expl.counterfactual is not None:
        lines += [
            "",
            f"## The essay's counterfactual: {base} where every new worker knows what "
            "they don't know",
            "",
            f"{_label(meta['counterfactual'], meta)} (self_assessment = 1 for every new "
            f"hire, everything else as {base}), on the same random numbers:",
            "",
            *_cf_text(expl.counterfactual, meta),
        ]
    lines += ["", "## Channels", ""]
    lines += [
        f"- **{c['name']}**: {c['description']}. Off: "
        + ", ".join(f"`{k} = {json.dumps(v)}`" for k, v in c["off"].items())
        for c in meta["channels"]
    ]
    if chart:
        lines += ["", "## Chart", "", f"![Contributions of the channels]({chart})"]
    lines += ["", "## Contributions (* : 95 % CI excludes 0)", ""]
    for title, table in summary_tables(expl).items():
        if title == "counterfactual":
            title = "Counterfactual (difference from the baseline)"
        lines += [
            f"### {title}",
            "",
            markdown_table(
                ["", *table.columns],
                [(i, *r) for i, r in zip(table.index, table.values, strict=True)],
            ),
            "",
        ]
    lines += [
        "Data: attribution.csv, counterfactual.csv, runs.csv (columns in columns.csv).",
        "",
    ]
    return "\n".join(lines)


# --- files ------------------------------------------------------------------------------


def write_explanation(
    expl: Explanation,
    out: Path | str,
    fmt: str = "png",
    command: Sequence[str] | None = None,
    classroom: bool = False,
) -> dict[str, Path]:
    """Write the files of the module docstring into ``out`` (replaced in one step)."""
    fmt = fmt.lower().lstrip(".")
    if fmt not in FORMATS:
        raise ValueError(f"unknown chart format '{fmt}'; allowed: {', '.join(FORMATS)}")
    out = Path(out)
    meta = expl.meta
    with atomic_dir(out) as tmp:
        expl.attribution.to_csv(tmp / "attribution.csv", index=False)
        if expl.counterfactual is not None:
            expl.counterfactual.to_csv(tmp / "counterfactual.csv", index=False)
        cols = ["variant", "regime", "replicate", "seed", "run_id", *meta["metrics"]]
        expl.runs[cols].to_csv(tmp / "runs.csv", index=False)
        with mpl.rc_context(style_rc(classroom)):
            fig = plot_attribution(expl.attribution, meta)
            _save(fig, tmp / f"attribution.{fmt}", fmt)
            fig.clear()
        (tmp / "report.md").write_text(report_text(expl, f"attribution.{fmt}"), encoding="utf-8")
        manifest = {
            "tool": "workforce-sim",
            "kind": "explain",
            "command": list(command or sys.argv),
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "explain": {k: v for k, v in meta.items() if k not in ("elapsed_seconds", "jobs")},
            "seeding": "numpy.random.SeedSequence(seed).spawn(replications); replication r "
            "uses child r in every run (every regime and channel), as compare does",
            **provenance(),
            "timings": {
                "elapsed_seconds": round(float(meta["elapsed_seconds"]), 3),
                "jobs": meta["jobs"],
            },
        }
        write_columns(tmp)
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str))
    return {p.name: p for p in sorted(out.iterdir())}
