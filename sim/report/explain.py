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

``compare --explain`` writes the two tables and the chart into the compare folder
instead (:func:`write_tables`, :func:`save_chart`, :func:`manifest_entry`, called by
:func:`sim.report.write.write_outputs`), and its report gains a section built by
:func:`compare_section` (a compact table per regime, :func:`effect_sentence` per measure,
:func:`counterfactual_line`). A contribution whose 95 % CI includes 0 is called not
distinguishable from zero, never a finding.
"""

from __future__ import annotations

import io
import json
import math
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
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
from sim.experiments.attribution import (
    ALPHA,
    CHANNELS,
    INTERACTION,
    PARTS,
    TOTAL,
    Explanation,
)
from sim.experiments.columns import write_columns
from sim.experiments.outdir import atomic_dir
from sim.experiments.runner import provenance
from sim.report.charts import FORMATS, Chart, regime_color, style_rc

__all__ = [
    "CompareSection",
    "compare_section",
    "counterfactual_line",
    "effect_sentence",
    "effect_text",
    "manifest_entry",
    "plot_attribution",
    "report_text",
    "save_chart",
    "summary_tables",
    "write_explanation",
    "write_tables",
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

_DESCRIPTIONS = {c.name: c.description for c in (*CHANNELS, *PARTS)}


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


def _save(fig: Figure, path: Path | io.BytesIO, fmt: str) -> None:
    metadata = {"svg": {"Date": None}, "pdf": {"CreationDate": None}}.get(fmt)
    fig.savefig(path, format=fmt, bbox_inches="tight", metadata=metadata)


def save_chart(
    expl: Explanation, folder: Path, fmt: str = "png", classroom: bool = False, png: bool = False
) -> Chart:
    """Write :func:`plot_attribution`'s chart to ``folder/attribution.<fmt>``; with
    ``png`` also render it to PNG bytes (for a self-contained HTML report)."""
    path = Path(folder) / f"attribution.{fmt}"
    with mpl.rc_context(style_rc(classroom)):
        fig = plot_attribution(expl.attribution, expl.meta)
        _save(fig, path, fmt)
        data = None
        if png:
            if fmt == "png":
                data = path.read_bytes()
            else:
                buf = io.BytesIO()
                _save(fig, buf, "png")
                data = buf.getvalue()
        title = " ".join(str(fig.get_suptitle()).split())
        fig.clear()
    return Chart("attribution", path, title, data)


def write_tables(expl: Explanation, folder: Path) -> list[Path]:
    """Write ``attribution.csv`` and (if run) ``counterfactual.csv`` into ``folder``."""
    folder = Path(folder)
    paths = [folder / "attribution.csv"]
    expl.attribution.to_csv(paths[0], index=False)
    if expl.counterfactual is not None:
        paths.append(folder / "counterfactual.csv")
        expl.counterfactual.to_csv(paths[1], index=False)
    return paths


def manifest_entry(meta: Mapping[str, Any]) -> dict[str, Any]:
    """What a manifest records of an explanation: its metadata without the timings."""
    return {k: v for k, v in meta.items() if k not in ("elapsed_seconds", "jobs")}


# --- text -------------------------------------------------------------------------------


def _ci_unclear(row: Any) -> bool:
    """Whether a row's 95 % CI includes 0, or there is none."""
    return not (row["ci_low"] > 0 or row["ci_high"] < 0)


def _holm_unclear(row: Any) -> bool:
    """Whether a channel row's CI excludes 0 but its Holm-adjusted p-value
    (``p_adjusted``, :mod:`sim.experiments.attribution`) is not below ``ALPHA``."""
    p = row.get("p_adjusted", math.nan) if hasattr(row, "get") else math.nan
    return not _ci_unclear(row) and math.isfinite(p) and p >= ALPHA


def _unclear(row: Any) -> bool:
    """Whether a row's effect is not distinguishable from 0: its 95 % CI includes 0 (or
    there is none), or, for a channel, its Holm-adjusted p-value is not below
    ``ALPHA`` (many channels and measures are tested at once)."""
    return _ci_unclear(row) or _holm_unclear(row)


#: How the tables mark a contribution distinguishable from zero, in words.
SIGNIFICANT = (
    "95 % CI excludes 0; for a channel, also after Holm's adjustment for the number of "
    "channels and measures tested"
)


def effect_sentence(
    part: pd.DataFrame, regime: str, metric: str, meta: Mapping[str, Any], zeros: bool = True
) -> str:
    """One sentence on what ``regime``'s effect on ``metric`` is made of (``part``: its
    rows of the attribution table): the total with its CI, each channel whose 95 % CI
    excludes 0 with its contribution, share and CI (largest first), the channels whose
    CI includes 0 by name as not distinguishable from zero, and the interaction.
    ``zeros``: name the channels that change nothing (the same runs)."""
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
    ci = _ci(tot["ci_low"], tot["ci_high"], metric)
    head = f"Of {name}'s {total} {word} {subject} than {base} " + (
        f"(95 % CI {ci}: not distinguishable from zero)" if _unclear(tot) else f"(95 % CI {ci})"
    )
    chans = part.drop(index=[TOTAL, INTERACTION])
    nonzero = chans[(chans["effect"] != 0) | (chans["ci_low"] != chans["ci_high"])]
    zero = [c for c in chans.index if c not in nonzero.index]
    order = nonzero.reindex(nonzero["effect"].abs().sort_values(ascending=False).index)
    found = [(ch, row) for ch, row in order.iterrows() if not _unclear(row)]
    unclear = [ch for ch, row in order.iterrows() if _ci_unclear(row)]
    multiple = [ch for ch, row in order.iterrows() if _holm_unclear(row)]
    bits = []
    for ch, row in found:
        share = f", {row['share'] * 100:.0f} %" if math.isfinite(row["share"]) else ""
        bits.append(
            f"{ch} accounts for {effect_text(row['effect'], metric)}{share} "
            f"(95 % CI {_ci(row['ci_low'], row['ci_high'], metric)})"
        )
    if bits:
        text = head + ", " + "; ".join(bits)
        if unclear:
            text += (
                f"; {', '.join(unclear)} {'is' if len(unclear) == 1 else 'are'} not "
                "distinguishable from zero (95 % CI includes 0)"
            )
    elif unclear or multiple:
        text = head + ", no single channel's contribution is distinguishable from zero"
    else:
        text = head + ", no single channel accounts for any"
    if multiple:
        one = len(multiple) == 1
        text += (
            f"; {', '.join(multiple)} "
            f"{'has a 95 % CI that excludes' if one else 'have 95 % CIs that exclude'}"
            " 0, but not once the number of channels and measures tested is allowed for "
            f"(Holm's adjustment), so {'it is' if one else 'they are'} not counted"
        )
    inter = part.loc[INTERACTION]
    inter_ci = _ci(inter["ci_low"], inter["ci_high"], metric)
    text += "; the interaction (what the channels do only together) is " + (
        f"not distinguishable from zero ({effect_text(inter['effect'], metric)}, 95 % CI "
        f"{inter_ci})."
        if _unclear(inter)
        else f"{effect_text(inter['effect'], metric)} (95 % CI {inter_ci})."
    )
    if zero and zeros:
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
    cell the contribution (``*``: :data:`SIGNIFICANT`); and the counterfactual."""
    a, meta = expl.attribution, expl.meta
    out: dict[str, pd.DataFrame] = {}
    metrics = list(dict.fromkeys(a["metric"]))
    for regime, g in a.groupby("regime", sort=False):
        rows = {}
        for ch, h in g.groupby("channel", sort=False):
            cells = {}
            for _, rec in h.iterrows():
                sig = "" if _unclear(rec) else "*"
                cells[_short_label(rec["metric"])] = effect_text(rec["effect"], rec["metric"]) + sig
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
        "contribution may be chance. Many channels and measures are tested at once, so "
        "some 95 % CIs exclude 0 by chance alone (about one in twenty when nothing "
        "matters): a channel counts only when its contribution also differs from 0 after "
        "Holm's adjustment over all the regime's channels and measures (`p_adjusted` "
        "below 0.05 in attribution.csv).",
        "",
        "## Findings",
        "",
    ]
    for regime in dict.fromkeys(a["regime"]):
        for metric in dict.fromkeys(a["metric"]):
            part = a[(a.regime == regime) & (a.metric == metric)]
            lines.append(f"- {effect_sentence(part, regime, metric, meta)}")
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
    lines += ["", f"## Contributions (*: {SIGNIFICANT})", ""]
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


# --- a section of the compare report ----------------------------------------------------

#: Marks a table cell whose 95 % CI includes 0.
UNCLEAR_MARK = "†"


def _num(x: float, metric: str) -> str:
    """A signed number in the unit a compact table's column names (points, USD, ...)."""
    if not math.isfinite(x):
        return _DASH
    kind = value_kind(metric)
    if kind == "percent":
        return f"{x * 100:+.1f}"
    if kind == "usd":
        return f"{x:+,.0f}"
    return f"{x:+.3g}"


def _column(metric: str) -> str:
    kind = value_kind(metric)
    unit = "points" if kind == "percent" else "USD" if kind == "usd" else final_unit(metric)
    return f"{_short_label(metric)} ({unit})" if unit else _short_label(metric)


def _compact(row: Any, metric: str, with_share: bool) -> str:
    """``-9.1 (-12.0 to -6.2), 45 %``, marked when its CI includes 0."""
    text = _num(row["effect"], metric)
    if math.isfinite(row["ci_low"]) and math.isfinite(row["ci_high"]):
        text += f" ({_num(row['ci_low'], metric)} to {_num(row['ci_high'], metric)})"
    if with_share and math.isfinite(row["share"]):
        text += f", {round(row['share'] * 100) + 0} %"
    return text + (f" {UNCLEAR_MARK}" if _unclear(row) else "")


def _idle(g: pd.DataFrame) -> list[str]:
    """Channels that change nothing for one regime: exactly 0 on every measure."""
    chans = g[~g["channel"].isin([TOTAL, INTERACTION])]
    busy = chans[(chans["effect"] != 0) | (chans["ci_low"] != chans["ci_high"])]
    return [c for c in dict.fromkeys(chans["channel"]) if c not in set(busy["channel"])]


def counterfactual_line(cf: pd.DataFrame, meta: Mapping[str, Any]) -> str:
    """The essay's counterfactual in one sentence: per measure, the difference the
    baseline with every new worker knowing their gaps makes, and the share of the
    reference regime's difference that is (only where both are distinguishable from 0)."""
    knows, base, ref = meta["counterfactual"], meta["baseline"], meta["reference"]
    bits = []
    for metric, g in cf.groupby("metric", sort=False):
        g = g.set_index("regime")
        k, r = g.loc[knows], g.loc[ref]
        ci = _ci(k["diff_ci_low"], k["diff_ci_high"], metric)
        bit = f"{_subject(metric)} {effect_text(k['diff'], metric)} (95 % CI {ci}"
        k_unclear = not (k["diff_ci_low"] > 0 or k["diff_ci_high"] < 0)
        r_unclear = not (r["diff_ci_low"] > 0 or r["diff_ci_high"] < 0)
        bit += ": not distinguishable from zero)" if k_unclear else ")"
        if r_unclear:
            bit += f", while {_label(ref, meta)}'s own difference is not distinguishable from zero"
        elif not k_unclear and math.isfinite(k["gap_closed"]):
            bit += (
                f", {k['gap_closed'] * 100:.0f} % of the {effect_text(r['diff'], metric)} "
                f"{_label(ref, meta)} makes"
            )
        bits.append(bit)
    return (
        f"{_label(base, meta)} where every new worker knows what they don't know "
        f"(self_assessment = 1 for every new hire, everything else as {_label(base, meta)}; "
        f"the same random numbers), against {_label(base, meta)}: " + "; ".join(bits) + "."
    )


@dataclass(frozen=True)
class CompareSection:
    """The text and tables of the "Why the regimes differ" section of a ``compare``
    report (:func:`compare_section`): ``regimes`` holds, per regime explained, its title,
    its compact table (first column the row names) and a paragraph reading it."""

    intro: str
    regimes: list[tuple[str, pd.DataFrame, str]]
    legend: str
    counterfactual: str | None
    notes: list[str]


def compare_section(expl: Explanation) -> CompareSection:
    """The section of the ``compare`` report that explains why the regimes differ."""
    a, meta = expl.attribution, expl.meta
    base = _label(meta["baseline"], meta)
    chans = "; ".join(f"{c['name']}: {c['description']}" for c in meta["channels"])
    intro = (
        f"Each regime's effect against {base} on the final-year measures, split into the "
        "model's channels: each channel was switched off in turn, in both arms, and the "
        "effect measured again; the effect lost is the channel's contribution, and the "
        "interaction is what the contributions leave of the total. Replication r uses the "
        f"same seed in every run ({meta['replications']} replications, the seeds of the "
        "runs above), so the differences are paired. A contribution whose 95 % CI "
        "includes 0 is not distinguishable from zero: it is not a finding. Nor is a "
        "channel's whose CI excludes 0 only before Holm's adjustment for the number of "
        "channels and measures tested (some CIs exclude 0 by chance alone). "
        f"The channels: {chans}."
    )
    metrics = list(dict.fromkeys(a["metric"]))
    regimes = []
    for regime, g in a.groupby("regime", sort=False):
        idle = _idle(g)
        names = [c for c in dict.fromkeys(g["channel"]) if c not in idle]
        rows = []
        for ch in names:
            cells = []
            for metric in metrics:
                row = g[(g["channel"] == ch) & (g["metric"] == metric)].iloc[0]
                cells.append(_compact(row, metric, with_share=ch != TOTAL))
            rows.append((ch, *cells))
        table = pd.DataFrame(rows, columns=["", *(_column(m) for m in metrics)])
        text = " ".join(
            effect_sentence(g[g["metric"] == m], regime, m, meta, zeros=False) for m in metrics
        )
        if idle:
            text += (
                f" Switching off {', '.join(idle)} changes none of these measures in any "
                "replication."
            )
        regimes.append((f"{_label(regime, meta)} against {base}", table, text))
    legend = (
        "Each cell: the mean over replications of the row's part of the effect, in the "
        "column's unit, its 95 % CI in brackets and its share of the total effect. "
        f"{UNCLEAR_MARK}: not distinguishable from zero (the 95 % CI includes 0, or, for a "
        "channel, its contribution does not differ from 0 after Holm's adjustment)."
    )
    cf = expl.counterfactual
    notes = [
        f"Not explained: {_label(r, meta)} ({r}), which {why}."
        for r, why in (meta.get("not_explained") or {}).items()
    ]
    return CompareSection(
        intro=intro,
        regimes=regimes,
        legend=legend,
        counterfactual=None if cf is None else counterfactual_line(cf, meta),
        notes=notes,
    )


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
        write_tables(expl, tmp)
        cols = ["variant", "regime", "replicate", "seed", "run_id", *meta["metrics"]]
        expl.runs[cols].to_csv(tmp / "runs.csv", index=False)
        save_chart(expl, tmp, fmt, classroom)
        (tmp / "report.md").write_text(report_text(expl, f"attribution.{fmt}"), encoding="utf-8")
        manifest = {
            "tool": "workforce-sim",
            "kind": "explain",
            "command": list(command or sys.argv),
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "explain": manifest_entry(meta),
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
