"""``compare --ensemble``: the ensemble's tables and its section of the reports.

Files (beside the usual output of ``compare``/``run``):

* ``ensemble_runs.csv``: one row per (member, regime, replicate) with every measure's
  final-year value;
* ``ensemble_members.csv``: the members used (their parameter values);
* ``ensemble_effects.csv``: each regime's effect against the baseline, with the
  replication CI and the ensemble interval (:func:`sim.analysis.ensemble.ensemble_effects`);
* ``ensemble_sensitivity.csv``: which parameters drive each effect over the members
  (PRCC, :func:`sim.analysis.ensemble.ensemble_sensitivity`);

and ``summary.csv`` gains ``ensemble_mean``, ``ensemble_low``, ``ensemble_high`` and
``ensemble_members``. The report's section "Parameter uncertainty" shows both intervals
and says in plain words which effects survive parameter uncertainty.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from sim.analysis.ensemble import (
    add_ensemble_columns,
    ensemble_effects,
    ensemble_sensitivity,
    interval_method,
)
from sim.analysis.mdtable import markdown_table, md_text
from sim.analysis.summary import format_value, measure_label, value_kind
from sim.core.outputs import METRICS, SUMMARY_METRICS

if TYPE_CHECKING:
    from sim.experiments.ensemble import EnsembleRuns

__all__ = [
    "effects",
    "effects_text",
    "html_section",
    "markdown_section",
    "summary_with_ensemble",
    "write_tables",
]


def effects(runs: pd.DataFrame, ens: EnsembleRuns, regimes: Sequence[str]) -> pd.DataFrame:
    labels = {m: METRICS[m].label for m in SUMMARY_METRICS if m in METRICS}
    return ensemble_effects(runs, ens.runs, SUMMARY_METRICS, regimes, ens.baseline, labels)


def summary_with_ensemble(summary: pd.DataFrame, ens: EnsembleRuns) -> pd.DataFrame:
    return add_ensemble_columns(summary, ens.runs)


def write_tables(runs: pd.DataFrame, ens: EnsembleRuns, regimes: Sequence[str], out: Path) -> None:
    """Write the ensemble's CSV files into ``out`` (see the module docstring)."""
    ens.runs.to_csv(out / "ensemble_runs.csv", index=False)
    ens.members.to_csv(out / "ensemble_members.csv", index=False)
    effects(runs, ens, regimes).to_csv(out / "ensemble_effects.csv", index=False)
    ensemble_sensitivity(
        ens.runs, ens.members, ens.parameters, SUMMARY_METRICS, regimes, ens.baseline
    ).to_csv(out / "ensemble_sensitivity.csv", index=False)


def _diff(x: float, metric: str) -> str:
    kind = value_kind(metric)
    if kind == "percent":
        return f"{x * 100:+.1f} pts"
    text = format_value(abs(x), kind)
    return ("+" if x >= 0 else "-") + text


def _rows(eff: pd.DataFrame, labels: Mapping[str, str]) -> tuple[list[str], list[tuple[str, ...]]]:
    head = [
        "Measure",
        "Regime vs baseline",
        "Difference (95 % CI over replications)",
        "Ensemble interval of the difference",
        "Survives parameter uncertainty",
        "Share of the spread that is replication noise",
    ]
    rows = []
    for r in eff.itertuples(index=False):
        rows.append(
            (
                measure_label(r.metric),
                f"{labels.get(r.regime, r.regime)} vs {labels.get(r.baseline, r.baseline)}",
                f"{_diff(r.diff_mean, r.metric)} ({_diff(r.diff_ci_low, r.metric)} to "
                f"{_diff(r.diff_ci_high, r.metric)})",
                f"{_diff(r.ensemble_low, r.metric)} to {_diff(r.ensemble_high, r.metric)}",
                "yes" if r.survives else "no",
                f"{r.noise_share * 100:.0f} %" if pd.notna(r.noise_share) else "–",
            )
        )
    return head, rows


def _name(metric: str) -> str:
    return METRICS[metric].label.lower() if metric in METRICS else metric


def _plain(eff: pd.DataFrame, labels: Mapping[str, str]) -> list[str]:
    """One sentence per regime: which effects survive parameter uncertainty."""
    out = []
    for regime, part in eff.groupby("regime", sort=False):
        base = labels.get(part["baseline"].iloc[0], part["baseline"].iloc[0])
        name = labels.get(regime, regime)
        keep = [
            METRICS[m].label.lower() if m in METRICS else m
            for m in part.loc[part.survives, "metric"]
        ]
        gone = [
            METRICS[m].label.lower() if m in METRICS else m
            for m in part.loc[~part.survives, "metric"]
        ]
        if keep:
            text = (
                f"{name} against {base}: the effect on {', '.join(keep)} keeps its sign "
                "across the plausible parameter vectors (the ensemble interval of the "
                "difference excludes zero)"
            )
            text += (
                f"; the effect on {', '.join(gone)} does not (its ensemble interval includes zero)."
                if gone
                else "."
            )
        else:
            text = (
                f"{name} against {base}: no effect survives parameter uncertainty (every "
                "ensemble interval of a difference includes zero)."
            )
        out.append(text)
    return out


def _intro(ens: EnsembleRuns) -> str:
    n = len(ens.members)
    cmd = ens.record.get("command", "workforce-sim ensemble")
    return (
        f"Each regime was also run across {n} parameter vectors of the installed ensemble "
        f"of this setting (made by `{cmd}`, {ens.record.get('date', 'date unknown')}): "
        "every vector whose simulated status quo falls inside all calibration targets, "
        "including the burnout, quit and training-effect parameters that no target fixes. "
        f"Each member ran {ens.replications} replications per regime with the same seeds. "
        f"The ensemble interval is the {interval_method(n)}; summary.csv has it as "
        "ensemble_low and ensemble_high beside the replication CI (ci_low, ci_high). An "
        "effect survives parameter uncertainty when its ensemble interval excludes zero. "
        f"A member's value is the mean of only {ens.replications} runs, so part of the "
        "members' spread is replication noise; the last column says how much (the share of "
        "the spread's variance; noise_share and param_sd in ensemble_effects.csv). Where "
        "it is large, the interval mostly shows those few runs, and more "
        "--ensemble-replications would narrow it."
    )


def markdown_section(
    runs: pd.DataFrame, ens: EnsembleRuns, regimes: Sequence[str], labels: Mapping[str, str]
) -> list[str]:
    eff = effects(runs, ens, regimes)
    head, rows = _rows(eff, labels)
    lines = ["## Parameter uncertainty", "", md_text(_intro(ens)), ""]
    lines += [f"- {md_text(t)}" for t in _plain(eff, labels)]
    lines += ["", markdown_table(head, rows), ""]
    lines += [
        "Which parameters drive each effect over the members: `ensemble_sensitivity.csv` "
        "(partial rank correlation coefficients).",
        "",
    ]
    return lines


def html_section(
    runs: pd.DataFrame, ens: EnsembleRuns, regimes: Sequence[str], labels: Mapping[str, str]
) -> list[str]:
    e = html.escape
    eff = effects(runs, ens, regimes)
    head, rows = _rows(eff, labels)
    out = ["<h2>Parameter uncertainty</h2>", f'<p class="note">{e(_intro(ens))}</p>']
    out.append("<ul>" + "".join(f"<li>{e(t)}</li>" for t in _plain(eff, labels)) + "</ul>")
    table = "<table><thead><tr>" + "".join(f"<th>{e(h)}</th>" for h in head) + "</tr></thead>"
    table += "<tbody>"
    for r in rows:
        table += "<tr>" + "".join(f"<td>{e(c)}</td>" for c in r) + "</tr>"
    table += "</tbody></table>"
    out.append(table)
    out.append(
        '<p class="note">Which parameters drive each effect over the members: '
        "<code>ensemble_sensitivity.csv</code> (partial rank correlation coefficients).</p>"
    )
    return out


def effects_text(
    runs: pd.DataFrame, ens: EnsembleRuns, regimes: Sequence[str], labels: Mapping[str, str]
) -> str:
    """The effects table and the plain sentences, for the terminal."""
    eff = effects(runs, ens, regimes)
    head, rows = _rows(eff, labels)
    table = pd.DataFrame(rows, columns=head).to_string(index=False)
    return table + "\n" + "\n".join(f"- {t}" for t in _plain(eff, labels))
