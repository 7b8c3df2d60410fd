"""The comparison report: charts, a tidy summary CSV, and Markdown + HTML reports.

:func:`write_report` writes into one directory:

* the charts of :data:`sim.report.charts.CHARTS` as ``<name>.<fmt>``;
* ``summary.csv``: the tidy :func:`sim.analysis.summary.summarise` table (mean and 95 % CI over
  replications of each run's value, per period, measure and regime), with a first column
  ``period``: ``final_year``, and ``shock`` for a scenario with a shock
  (:mod:`sim.analysis.periods`);
* ``report.md``: the guard-rail warnings of the agency, if any
  (:func:`sim.analysis.findings.run_warnings`), the key findings in plain language
  (:mod:`sim.analysis.findings`, computed from the results; for the final year and, with
  a shock, for the shock window), what was run, the summary table (one per period), the
  cost breakdown per regime
  (with the cost per client-year of stable care and its definition, and the cost of one
  leaver in current dollars with its source), the charts as
  image links, how to read them, the caveats and the non-default parameters;
* ``report.html``: the same, self-contained (charts embedded as base64 PNG data URIs
  whatever ``fmt`` is, no external files, fonts or scripts) with print-friendly CSS
  (tables, figures and findings are not split across pages).

With an explanation (``compare --explain``) both reports gain the section "Why the
regimes differ" (:func:`sim.report.explain.compare_section`: per regime a compact table
of the channels' contributions, a paragraph reading it, the counterfactual line and the
chart ``attribution.<fmt>``).
"""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from sim.analysis.findings import Finding, caveats, findings, run_warnings
from sim.analysis.mdtable import md_text
from sim.analysis.periods import FINAL_YEAR, Period, report_periods, window_values
from sim.analysis.summary import (
    STABLE_CARE_DEFINITION,
    SUMMARY_COLUMNS,
    cost_breakdown,
    cost_table,
    n_clients_by_regime,
    regime_label,
    regime_order,
    summarise,
    summary_table,
    to_markdown_table,
)
from sim.core.params import PARAMS, format_value
from sim.report.charts import Chart, render_charts

if TYPE_CHECKING:
    from sim.experiments.attribution import Explanation
    from sim.experiments.ensemble import EnsembleRuns
    from sim.report.explain import CompareSection

__all__ = [
    "CHART_HEADINGS",
    "SUMMARY_FILE_COLUMNS",
    "WARNINGS_HEADING",
    "WHY_HEADING",
    "period_runs",
    "write_report",
]

#: Heading of the guard-rail warnings at the top of the reports.
WARNINGS_HEADING = "Warnings about this agency"

#: Columns of ``summary.csv``: the period, then :data:`sim.analysis.summary.SUMMARY_COLUMNS`.
SUMMARY_FILE_COLUMNS: tuple[str, ...] = ("period", *SUMMARY_COLUMNS)

#: Heading of the section ``compare --explain`` adds.
WHY_HEADING = "Why the regimes differ"

#: Section heading of each chart in the reports.
CHART_HEADINGS: dict[str, str] = {
    "turnover": "Turnover",
    "burnout": "Burnout",
    "continuity": "Continuity of care",
    "vacancy": "Vacancies",
    "survival": "Retention of new hires",
    "distinct_workers": "Different workers per client",
    "cost_continuity": "Cost and continuity",
    "stable_care": "Clients who kept one primary worker all year",
    "cost_breakdown": "Where the money goes",
}

_TABLE_CAPTION = "Mean and 95 % CI over replications, final year"

_HOW_TO_READ = [
    "Each run simulates one agency week by week; the regime applies to workers hired "
    "from week 1 on, after a warm-up that is not reported. Incumbent staff keep their "
    "history, so differences between regimes grow as new hires replace them.",
    "The table gives each measure over the final year of the run (the last 52 weeks): "
    "the mean over replications and, in brackets, the 95 % confidence interval of that "
    "mean. Replications differ only in their random seed, so the interval shows how "
    "much the result moves with chance, not how sure we are of the model's assumptions.",
    "In the line charts the line is the weekly mean over replications and the band its "
    "95 % interval. Rolling measures (turnover, continuity) cover the previous 52 weeks, "
    "so in the first year their values do not yet describe a full year under the regime.",
    "Chart titles state the finding in the data: the regime that does best on the "
    "measure, against the one that does worst. Regimes whose intervals overlap the best "
    "one's but not the worst one's are named together with it; if the best and the worst "
    "overlap, the title says the measure differs little. The key findings use the same "
    "ranking of the same numbers, so a title and its finding never disagree.",
    "When the intervals are too wide to mean anything (the widest 95 % CI half-width is "
    "larger than the difference between the best and the worst regime and larger than 5 % "
    "of the measure's scale: 5 points of a share or rate, 5 % of a cost), findings and "
    "titles say there were not enough replications to tell, with about how many would be "
    "needed, instead of calling the regimes about the same.",
    "Turnover is leavers in the last 52 weeks divided by current headcount (the National "
    "Core Indicators definition): a rate, not a share of the workers, so 40 % means about "
    "40 leavers in a year for every 100 workers employed, and it can exceed 100 %.",
    "In a scenario with a shock the grey band in the weekly charts marks the shock weeks, "
    "and the findings and the table are given for the shock window as well as the final "
    "year. Over the shock window, weekly averages (vacancies, burnout, wellbeing) cover "
    "the shock's weeks, costs are scaled to a year, and rolling measures (turnover, "
    "continuity) are their value at the shock's end, over the 52 weeks ending then.",
]

_CAVEATS_END = (
    "Use the results to compare regimes and to see which mechanisms drive the "
    "differences. docs/ODD.md describes the model, its assumptions and their sources."
)

_COST_CAPTION = "Cost per client-year by category, final year, mean over replications"

_WARNINGS_NOTE = (
    "These combinations of parameters are each allowed but make little sense together; "
    "the run went ahead as asked. Read its results with the warnings in mind."
)


def _period_caption(p: Period) -> str:
    return f"Mean and 95 % CI over replications, {p.title[0].lower() + p.title[1:]}"


def _period_intro(p: Period) -> str:
    return (
        f"The same findings for the {p.weeks} weeks of the shock ({p.span} after the "
        "warm-up): weekly averages over those weeks, costs scaled to a year, and rolling "
        "measures (turnover, continuity of care, workers per client) at the shock's end, "
        "over the 52 weeks ending then. Retention of new hires is given for the whole run "
        "only."
    )


def _findings_intro(
    runs: pd.DataFrame, meta: Mapping[str, Any], others: list[Period] | None = None
) -> str:
    counts = runs.groupby("regime").size() if len(runs) else pd.Series(dtype=int)
    n = int(counts.min()) if len(counts) else 0
    h = int(meta.get("horizon_weeks", 0))
    when = (
        f"the final year of the run (weeks {max(h - 52, 0)}–{h} after the warm-up)"
        if h
        else "the final year of the run"
    )
    also = "".join(
        f" The findings for the shock window ({p.span}) follow below." for p in others or []
    )
    return (
        f"Computed from {when}, averaged over {n} replication{'s' if n != 1 else ''} "
        "per regime. Where two regimes' 95 % confidence intervals overlap, they are "
        "called about the same: the runs cannot tell them apart; where the intervals are "
        "too wide to mean anything, the finding says so." + also
    )


def _cost_notes(meta: Mapping[str, Any], order: list[str]) -> list[str]:
    census = n_clients_by_regime(meta, order)
    values = sorted(set(census.values()))
    who = (
        f"{values[0]:,.0f} clients"
        if len(values) == 1
        else "the client census of each regime ("
        + ", ".join(f"{regime_label(r, meta)} {census[r]:,.0f}" for r in order)
        + ")"
    )
    return [
        f"Each run's costs over its final year divided by {who}, then averaged over "
        "replications; totals show the 95 % CI in brackets. Categories may not add up "
        "to the total exactly because of rounding.",
        STABLE_CARE_DEFINITION,
        _leaver_cost_note(meta, order),
    ]


#: The parts of the cost of one leaver, each a registry parameter (USD, ~2024).
_LEAVER_PARTS = ("separation_cost", "recruit_cost", "onboarding_cost")


def _leaver_cost_note(meta: Mapping[str, Any], order: list[str]) -> str:
    """One sentence: the cost of one leaver in current dollars (separation, recruiting
    the replacement, bringing the hire to competence) with its published source."""
    from sim.core.params import PARAMS

    params = meta.get("params") or {}

    def value(regime: str, name: str) -> float:
        own = params.get(regime) if isinstance(params, Mapping) else None
        if isinstance(own, Mapping) and own.get(name) is not None:
            return float(own[name])
        if isinstance(params, Mapping) and not isinstance(params.get(name), Mapping):
            if params.get(name) is not None:
                return float(params[name])
        return float(PARAMS[name].default)

    parts = {r: [value(r, n) for n in _LEAVER_PARTS] for r in order}
    if len({tuple(v) for v in parts.values()}) <= 1:
        v = next(iter(parts.values()), [float(PARAMS[n].default) for n in _LEAVER_PARTS])
        amount = (
            f"${sum(v):,.0f} (separation ${v[0]:,.0f}, recruiting the replacement "
            f"${v[1]:,.0f}, bringing the hire to competence ${v[2]:,.0f}, spread over "
            "their first weeks on the floor)"
        )
    else:
        amount = ", ".join(f"{regime_label(r, meta)} ${sum(v):,.0f}" for r, v in parts.items())
    return (
        f"One leaver costs {amount} in about 2024 dollars: Larson, Tolbize, Kim and York "
        "(2016) found $3,278 per direct-support leaver in 2004 dollars ($892 separation, "
        "$437 hiring, $1,949 training to competence), here times 1.67 for US consumer prices "
        "2004 to 2024."
    )


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------


def _seconds(s: float | None) -> str:
    if s is None or not math.isfinite(float(s)):
        return "unknown"
    s = float(s)
    if s < 60:
        return f"{s:.1f} s"
    m, sec = divmod(round(s), 60)
    if m < 60:
        return f"{m} min {sec} s"
    h, m = divmod(m, 60)
    return f"{h} h {m} min"


def _horizon(weeks: int) -> str:
    years = weeks / 52
    return f"{weeks} weeks ({years:.3g} year{'s' if years != 1 else ''})"


def _flatten(d: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, Mapping):
            out += _flatten(v, key + ".")
        else:
            out.append((key, v))
    return out


def _param_rows(params: Mapping[str, Any] | None) -> list[tuple[str, str, str]]:
    """``(name, value, default)`` of the parameters that differ from the registry.

    Nested mappings (e.g. per-regime settings) are flattened to dotted names; entries
    that are not registry parameters are always listed.
    """
    rows = []
    for key, value in _flatten(params or {}):
        base = key.rsplit(".", 1)[-1]
        p = PARAMS.get(base)
        if p is not None and value == p.default:
            continue
        default = "" if p is None else format_value(p.default)
        unit = f" {p.unit}" if p is not None and p.unit else ""
        rows.append((key, format_value(value) + unit, default + (unit if default else "")))
    return rows


def _run_facts(
    runs: pd.DataFrame, meta: Mapping[str, Any], order: list[str]
) -> list[tuple[str, str]]:
    """(label, text) lines of 'What was run'."""
    regimes = ", ".join(f"{regime_label(r, meta)} ({r})" for r in order)
    reps = int(meta.get("replications", 0))
    counts = runs.groupby("regime").size() if len(runs) else pd.Series(dtype=int)
    uneven = {r: int(counts.get(r, 0)) for r in order if int(counts.get(r, 0)) != reps}
    rep_text = f"{reps} per regime"
    if uneven:
        rep_text += (
            " (completed: "
            + ", ".join(f"{regime_label(r, meta)} {n}" for r, n in uneven.items())
            + ")"
        )
    return [
        ("Regimes", regimes),
        ("Replications", rep_text + ", differing only in their random seed"),
        (
            "Horizon",
            _horizon(int(meta.get("horizon_weeks", 0))) + " reported, after an unreported warm-up",
        ),
        ("Seed", str(meta.get("seed", "unknown"))),
        ("Run time", _seconds(meta.get("elapsed_seconds"))),
    ]


@dataclass(frozen=True)
class _Parts:
    """The computed text of a report: findings, cost table and notes, caveats."""

    intro: str
    findings: list[Finding]
    costs: pd.DataFrame
    cost_notes: list[str]
    caveats: list[str]
    warnings: list[str]
    #: Findings and summary table of each period after the final year (the shock).
    periods: list[tuple[Period, list[Finding], pd.DataFrame]]


def period_runs(
    timeseries: pd.DataFrame, runs: pd.DataFrame, meta: Mapping[str, Any]
) -> list[tuple[Period, pd.DataFrame]]:
    """Each reported period (:func:`sim.analysis.periods.report_periods`) with one row
    per run of the measures' values over it: ``runs`` itself for the final year, the
    :func:`sim.analysis.periods.window_values` of the weekly series for the shock."""
    out = []
    for p in report_periods(meta):
        if p.name == FINAL_YEAR:
            out.append((p, runs))
        elif timeseries is not None and len(timeseries) and "week" in timeseries.columns:
            census = n_clients_by_regime(meta, regime_order(meta, runs))
            out.append((p, window_values(timeseries, p, census)))
    return out


def _report_parts(
    runs: pd.DataFrame,
    survival: pd.DataFrame,
    meta: Mapping[str, Any],
    order: list[str],
    labels: Mapping[str, str],
    by_period: list[tuple[Period, pd.DataFrame]] | None = None,
) -> _Parts:
    census = n_clients_by_regime(meta, order)
    breakdown = cost_breakdown(runs, census, order)
    others = []
    for p, prun in by_period or []:
        if p.name == FINAL_YEAR or not len(prun):
            continue
        table = summary_table(summarise(prun, regimes=order), labels)
        others.append((p, findings(prun, None, meta, order), table))
    return _Parts(
        intro=_findings_intro(runs, meta, [p for p, _, _ in others]),
        findings=findings(runs, survival, meta, order),
        costs=cost_table(breakdown, runs, labels, census),
        cost_notes=_cost_notes(meta, order),
        caveats=caveats(meta, runs, order),
        warnings=run_warnings(meta),
        periods=others,
    )


# ---------------------------------------------------------------------------
# Markdown
# ---------------------------------------------------------------------------


def _markdown(
    meta: Mapping[str, Any],
    facts: list[tuple[str, str]],
    table: pd.DataFrame,
    charts: list[Chart],
    params: list[tuple[str, str, str]],
    parts: _Parts,
    why: tuple[CompareSection, Chart] | None = None,
) -> str:
    """The Markdown report. Every piece of text that can hold user input (scenario
    name and description, regime labels, in facts, tables, findings and chart titles)
    is HTML-escaped with :func:`sim.analysis.mdtable.md_text` (tables with
    :func:`sim.analysis.mdtable.markdown_table`), as the HTML report escapes it."""
    e = md_text
    title = str(meta.get("title") or "Workforce simulation: regime comparison")
    lines = [f"# {e(title)}", ""]
    if meta.get("description"):
        lines += [html.escape(str(meta["description"]).strip(), quote=False), ""]
    if parts.warnings:
        lines += [f"## {WARNINGS_HEADING}", ""]
        lines += [f"- **Warning:** {e(w)}" for w in parts.warnings]
        lines += ["", _WARNINGS_NOTE, ""]
    lines += ["## Key findings", "", e(parts.intro), ""]
    lines += [f"- **{e(f.topic)}.** {e(f.text)}" for f in parts.findings]
    for p, fs, _ in parts.periods:
        lines += ["", f"### {e(p.title)}", "", e(_period_intro(p)), ""]
        lines += [f"- **{e(f.topic)}.** {e(f.text)}" for f in fs]
    lines += ["", "## What was run", ""]
    lines += [f"- **{e(k)}:** {e(v)}" for k, v in facts]
    lines += ["", "## Results", "", f"{_TABLE_CAPTION}.", "", to_markdown_table(table)]
    for p, _, ptable in parts.periods:
        lines += [f"### {e(p.title)}", "", f"{_period_caption(p)}.", ""]
        lines += [to_markdown_table(ptable)]
    lines += ["The full table with the unrounded values is in `summary.csv`.", ""]
    lines += ["## Costs", "", f"{_COST_CAPTION}.", "", to_markdown_table(parts.costs)]
    lines += [*(e(t) + "\n" for t in parts.cost_notes)]
    if why is not None:
        lines += _why_markdown(*why)
    lines += ["## Charts", ""]
    for c in charts:
        lines += [f"### {e(CHART_HEADINGS.get(c.name, c.name))}", ""]
        if c.path.suffix == ".pdf":
            lines += [f"[{e(c.title)} (PDF)]({c.path.name})", ""]
        else:
            alt = e(c.title).replace("[", "(").replace("]", ")")
            lines += [f"![{alt}]({c.path.name})", "", f"*{e(c.title)}*", ""]
    lines += ["## How to read this", ""]
    lines += [f"- {t}" for t in _HOW_TO_READ]
    lines += ["", "## Caveats", ""]
    lines += [f"- {e(t)}" for t in parts.caveats]
    lines += ["", _CAVEATS_END, ""]
    lines += ["## Parameters", ""]
    if params:
        lines += [
            "Parameters that differ from the registry defaults (the `jit` status "
            "quo); all others are at their defaults.",
            "",
        ]
        ptable = pd.DataFrame(params, columns=["Parameter", "Value", "Default"])
        lines += [to_markdown_table(ptable)]
    else:
        lines += [
            "All parameters at their registry defaults apart from the regime "
            "presets (see docs/ODD.md).",
            "",
        ]
    return "\n".join(lines)


def _why_markdown(section: CompareSection, chart: Chart) -> list[str]:
    """The section "Why the regimes differ" (``compare --explain``) in Markdown."""
    e = md_text
    lines = [f"## {WHY_HEADING}", "", e(section.intro), ""]
    for title, table, text in section.regimes:
        lines += [f"### {e(title)}", "", e(section.legend), "", to_markdown_table(table)]
        lines += [e(text), ""]
    if section.counterfactual:
        lines += ["### The essay's counterfactual", "", e(section.counterfactual), ""]
    lines += [f"- {e(n)}" for n in section.notes] + ([""] if section.notes else [])
    if chart.path.suffix == ".pdf":
        lines += [f"[{e(chart.title)} (PDF)]({chart.path.name})", ""]
    else:
        alt = e(chart.title).replace("[", "(").replace("]", ")")
        lines += [f"![{alt}]({chart.path.name})", "", f"*{e(chart.title)}*", ""]
    lines += [
        "The numbers are in `attribution.csv` and `counterfactual.csv` (columns in `columns.csv`).",
        "",
    ]
    return lines


def _why_html(section: CompareSection, chart: Chart) -> list[str]:
    """The section "Why the regimes differ" (``compare --explain``) in HTML."""
    e = html.escape
    out = [f"<h2>{e(WHY_HEADING)}</h2>", f'<p class="note">{_text(section.intro)}</p>']
    for title, table, text in section.regimes:
        out += [
            f"<h3>{e(title)}</h3>",
            _html_table(table),
            f'<p class="note">{_text(section.legend)}</p>',
        ]
        out.append(f"<p>{_text(text)}</p>")
    if section.counterfactual:
        out += ["<h3>The essay's counterfactual</h3>", f"<p>{_text(section.counterfactual)}</p>"]
    if section.notes:
        out.append("<ul>" + "".join(f"<li>{_text(n)}</li>" for n in section.notes) + "</ul>")
    if chart.png is not None:
        data = base64.b64encode(chart.png).decode("ascii")
        out.append(
            f'<figure><img src="data:image/png;base64,{data}" alt="{e(chart.title)}">'
            f"<figcaption>{e(chart.title)}</figcaption></figure>"
        )
    out.append(
        '<p class="note">The numbers are in <code>attribution.csv</code> and '
        "<code>counterfactual.csv</code> (columns in <code>columns.csv</code>).</p>"
    )
    return out


# ---------------------------------------------------------------------------
# HTML
# ---------------------------------------------------------------------------

_CSS = """
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", Arial,
       sans-serif; color: #1a1a1a; background: #fff; line-height: 1.5;
       max-width: 62rem; margin: 2rem auto; padding: 0 1.25rem; }
h1 { font-size: 1.8rem; margin-bottom: .3rem; }
h2 { font-size: 1.35rem; margin-top: 2.2rem; border-bottom: 1px solid #ccc;
     padding-bottom: .2rem; }
h3 { font-size: 1.1rem; margin: 1.6rem 0 .4rem; }
dl.facts { display: grid; grid-template-columns: max-content auto; gap: .2rem 1rem; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; }
table { border-collapse: collapse; margin: .6rem 0; font-size: .95rem; }
caption { text-align: left; font-weight: 600; padding-bottom: .4rem; }
th, td { border-bottom: 1px solid #ddd; padding: .35rem .7rem; text-align: right;
         vertical-align: top; }
th:first-child, td:first-child { text-align: left; }
thead th { border-bottom: 2px solid #555; }
tbody tr:nth-child(even) { background: #f6f6f6; }
figure { margin: 0 0 1.8rem; }
section.chart { margin-top: 1.6rem; }
ul.findings { padding-left: 1.2rem; }
ul.warnings { padding-left: 1.2rem; border-left: 4px solid #D55E00; background: #fff4ec;
              padding: .5rem .8rem .5rem 1.8rem; }
ul.findings li { margin-bottom: .5rem; }
figure img { max-width: 100%; height: auto; display: block; }
figcaption { font-style: italic; color: #444; margin-top: .3rem; }
.note { color: #555; font-size: .92rem; }
td .v, td .ci { white-space: nowrap; }
details summary { cursor: pointer; }
@media print {
  body { max-width: none; margin: 0; padding: 0; font-size: 10.5pt; }
  h2 { break-after: avoid; page-break-after: avoid; }
  h3 { break-after: avoid; page-break-after: avoid; }
  figure, table, tr, section.chart, ul.findings li, dl.facts, .note {
    break-inside: avoid; page-break-inside: avoid; }
  figure img { max-height: 10cm; width: auto; max-width: 100%; margin: 0 auto; }
  h1, h2 { break-after: avoid; page-break-after: avoid; }
  thead { display: table-header-group; }
  tbody tr:nth-child(even) { background: none; }
  details > *:not(summary) { display: block; }
  a { color: inherit; text-decoration: none; }
  table { font-size: 9pt; }
  @page { margin: 1.6cm; }
}
"""


def _text(value: object) -> str:
    """Escaped text that never breaks a line between a number and its ``%``."""
    return html.escape(str(value)).replace(" %", "\u00a0%")


def _cell(value: object) -> str:
    """A table cell; a bracketed interval stays on one line."""
    text = _text(value)
    if " (" in text and text.endswith(")"):
        head, ci = text.split(" (", 1)
        return f'<span class="v">{head}</span> <span class="ci">({ci}</span>'
    return text


def _html_table(df: pd.DataFrame, caption: str | None = None) -> str:
    e = html.escape
    out = ["<table>"]
    if caption:
        out.append(f"<caption>{e(caption)}</caption>")
    out.append(
        "<thead><tr>"
        + "".join(f'<th scope="col">{e(str(c))}</th>' for c in df.columns)
        + "</tr></thead>"
    )
    out.append("<tbody>")
    for row in df.itertuples(index=False, name=None):
        cells = [f'<th scope="row">{e(str(row[0]))}</th>']
        cells += [f"<td>{_cell(v)}</td>" for v in row[1:]]
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    return "\n".join(out)


def html_start(title: str) -> list[str]:
    """The opening lines of a report page (head with the reports' style, then the
    title as ``<h1>``); the sweep report uses it too."""
    e = html.escape
    return [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(title)}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        f"<h1>{e(title)}</h1>",
    ]


def _html(
    meta: Mapping[str, Any],
    facts: list[tuple[str, str]],
    table: pd.DataFrame,
    charts: list[Chart],
    params: list[tuple[str, str, str]],
    parts: _Parts,
    why: tuple[CompareSection, Chart] | None = None,
) -> str:
    e = html.escape
    title = str(meta.get("title") or "Workforce simulation: regime comparison")
    out = html_start(title)
    if meta.get("description"):
        out.append(f"<p>{e(str(meta['description']).strip())}</p>")
    if parts.warnings:
        out.append(f"<h2>{e(WARNINGS_HEADING)}</h2>")
        out.append(
            '<ul class="warnings">'
            + "".join(f"<li><strong>Warning:</strong> {_text(w)}</li>" for w in parts.warnings)
            + "</ul>"
        )
        out.append(f'<p class="note">{e(_WARNINGS_NOTE)}</p>')
    out.append("<h2>Key findings</h2>")
    out.append(f'<p class="note">{e(parts.intro)}</p>')
    out.append(
        '<ul class="findings">'
        + "".join(
            f"<li><strong>{e(f.topic)}.</strong> {_text(f.text)}</li>" for f in parts.findings
        )
        + "</ul>"
    )
    for p, fs, _ in parts.periods:
        out.append(f"<h3>{e(p.title)}</h3>")
        out.append(f'<p class="note">{_text(_period_intro(p))}</p>')
        out.append(
            '<ul class="findings">'
            + "".join(f"<li><strong>{e(f.topic)}.</strong> {_text(f.text)}</li>" for f in fs)
            + "</ul>"
        )
    out.append("<h2>What was run</h2>")
    out.append(
        '<dl class="facts">'
        + "".join(f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in facts)
        + "</dl>"
    )
    out.append("<h2>Results</h2>")
    out.append(_html_table(table, caption=_TABLE_CAPTION))
    for p, _, ptable in parts.periods:
        out.append(f"<h3>{e(p.title)}</h3>")
        out.append(_html_table(ptable, caption=_period_caption(p)))
    out.append(
        '<p class="note">The full table with the unrounded values is in '
        "<code>summary.csv</code>.</p>"
    )
    out.append("<h2>Costs</h2>")
    out.append(_html_table(parts.costs, caption=_COST_CAPTION))
    out += [f'<p class="note">{_text(t)}</p>' for t in parts.cost_notes]
    if why is not None:
        out += _why_html(*why)
    out.append("<h2>Charts</h2>")
    for c in charts:
        if c.png is None:
            continue
        data = base64.b64encode(c.png).decode("ascii")
        out.append(
            '<section class="chart">'
            f"<h3>{e(CHART_HEADINGS.get(c.name, c.name))}</h3>"
            f'<figure><img src="data:image/png;base64,{data}" alt="{e(c.title)}">'
            f"<figcaption>{e(c.title)}</figcaption></figure></section>"
        )
    out.append("<h2>How to read this</h2>")
    out.append("<ul>" + "".join(f"<li>{e(t)}</li>" for t in _HOW_TO_READ) + "</ul>")
    out.append("<h2>Caveats</h2>")
    out.append("<ul>" + "".join(f"<li>{_text(t)}</li>" for t in parts.caveats) + "</ul>")
    out.append(f"<p>{e(_CAVEATS_END)}</p>")
    out.append("<h2>Parameters</h2>")
    if params:
        ptable = pd.DataFrame(params, columns=["Parameter", "Value", "Default"])
        out.append(
            "<details open><summary>Parameters that differ from the registry "
            "defaults (the <code>jit</code> status quo); all others are at their "
            "defaults.</summary>" + _html_table(ptable) + "</details>"
        )
    else:
        out.append(
            "<p>All parameters at their registry defaults apart from the regime "
            "presets (see docs/ODD.md).</p>"
        )
    out += ["</body>", "</html>", ""]
    return "\n".join(out)


# ---------------------------------------------------------------------------
# entry point
# ---------------------------------------------------------------------------


def write_report(
    out_dir: str | Path,
    *,
    timeseries: pd.DataFrame,
    runs: pd.DataFrame,
    survival: pd.DataFrame,
    client_distinct: pd.DataFrame,
    meta: Mapping[str, Any],
    fmt: str = "png",
    classroom: bool = False,
    explanation: Explanation | None = None,
    ensemble: EnsembleRuns | None = None,
) -> dict[str, Path]:
    """Write charts, ``summary.csv``, ``report.md`` and ``report.html`` to ``out_dir``.

    Returns ``{name: path}`` of every file written: the chart names of
    :data:`sim.report.charts.CHARTS`, then ``summary_csv``, ``report_md`` and ``report_html``.
    ``fmt`` (``png``, ``svg`` or ``pdf``) is the format of the chart files; the HTML
    report always embeds PNG renderings. ``classroom`` uses large fonts and thick lines.
    ``explanation`` (``compare --explain``: :func:`sim.experiments.attribution.explain`
    on the same scenario) adds the section "Why the regimes differ" to both reports and
    its chart ``attribution.<fmt>`` (path ``attribution``). ``ensemble``
    (``compare --ensemble``) adds the ensemble columns to ``summary.csv`` and the section
    "Parameter uncertainty" (:mod:`sim.report.ensemble`).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    order = regime_order(meta, runs)
    charts = render_charts(
        out,
        timeseries,
        runs,
        survival,
        client_distinct,
        meta,
        fmt=fmt,
        classroom=classroom,
        png=True,
    )
    by_period = period_runs(timeseries, runs, meta)
    summary = summarise(runs, regimes=order)
    labels = {r: regime_label(r, meta) for r in order}
    table = summary_table(summary, labels)
    facts = _run_facts(runs, meta, order)
    params = _param_rows(meta.get("params"))
    parts = _report_parts(runs, survival, meta, order, labels, by_period)

    why = None
    if explanation is not None:
        from sim.report.explain import compare_section, save_chart

        why = (
            compare_section(explanation),
            save_chart(explanation, out, fmt, classroom, png=True),
        )

    paths: dict[str, Path] = {c.name: c.path for c in charts}
    if why is not None:
        paths["attribution"] = why[1].path
    paths["summary_csv"] = out / "summary.csv"
    md, page = (
        _markdown(meta, facts, table, charts, params, parts, why),
        _html(meta, facts, table, charts, params, parts, why),
    )
    from sim.report.costeffect import add_section  # "Stability per dollar", after "Costs"

    md, page = add_section(
        md,
        page,
        out,
        runs,
        meta,
        order,
        fmt=fmt,
        classroom=classroom,
        paths=paths,
        timeseries=timeseries,
    )
    if ensemble is not None:
        from sim.report import ensemble as ens_report

        summary = ens_report.summary_with_ensemble(summary, ensemble)  # final year only
        sec_md = "\n".join(ens_report.markdown_section(runs, ensemble, order, labels))
        sec_html = "\n".join(ens_report.html_section(runs, ensemble, order, labels))
        md = md.replace("## Costs\n", sec_md + "\n## Costs\n", 1)
        page = page.replace("<h2>Costs</h2>", sec_html + "\n<h2>Costs</h2>", 1)
    frames = [summary.assign(period=FINAL_YEAR)]
    for p, prun in by_period:
        if p.name != FINAL_YEAR and len(prun):
            frames.append(summarise(prun, regimes=order).assign(period=p.name))
    tidy = pd.concat(frames, ignore_index=True)
    first = list(SUMMARY_FILE_COLUMNS)
    tidy = tidy[first + [c for c in tidy.columns if c not in first]]
    tidy.to_csv(paths["summary_csv"], index=False)
    paths["report_md"] = out / "report.md"
    paths["report_md"].write_text(md, encoding="utf-8")
    paths["report_html"] = out / "report.html"
    paths["report_html"].write_text(page, encoding="utf-8")
    return paths
