"""The comparison report: charts, a tidy summary CSV, and Markdown + HTML reports.

:func:`write_report` writes into one directory:

* the charts of :data:`sim.charts.CHARTS` as ``<name>.<fmt>``;
* ``summary.csv``: the tidy :func:`sim.summary.summarise` table (mean and 95 % CI over
  replications of each run's final-year value, per measure and regime);
* ``report.md``: what was run, the summary table, the charts as image links, how to
  read them and the caveats;
* ``report.html``: the same, self-contained (charts embedded as base64 PNG data URIs
  whatever ``fmt`` is, no external files, fonts or scripts) with print-friendly CSS.
"""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from sim.charts import Chart, regime_label, regime_order, render_charts
from sim.params import PARAMS
from sim.summary import summarise, summary_table, to_markdown_table

__all__ = ["CHART_HEADINGS", "write_report"]

#: Section heading of each chart in the reports.
CHART_HEADINGS: dict[str, str] = {
    "turnover": "Turnover",
    "burnout": "Burnout",
    "continuity": "Continuity of care",
    "vacancy": "Vacancies",
    "survival": "Retention of new hires",
    "distinct_workers": "Different workers per client",
    "cost_continuity": "Cost and continuity",
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
    "one are named together with it; if the best and the worst overlap, the title says "
    "the measure differs little.",
    "Turnover is leavers in the last 52 weeks divided by current headcount (the National "
    "Core Indicators definition), so it can exceed 100 %.",
]

_CAVEATS = (
    "These are model outputs under documented assumptions, not observations or "
    "forecasts. The regimes' effects are not inputs: they emerge from mechanisms "
    "(learning, gap awareness, burnout, quitting, continuity of care) whose strengths "
    "are assumptions, several of them untested against data; the default parameters aim "
    "to reproduce published turnover, tenure, vacancy and burnout patterns for the "
    "status quo (JIT-only) only. Use "
    "the results to compare regimes and to see which mechanisms drive the differences, "
    "and check how they change under other parameter values (sensitivity analysis) "
    "before relying on a size of effect. See docs/ODD.md for the model description, "
    "its assumptions and their sources."
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
        default = "" if p is None else _value_text(p.default)
        unit = f" {p.unit}" if p is not None and p.unit else ""
        rows.append((key, _value_text(value) + unit, default + (unit if default else "")))
    return rows


def _value_text(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return f"{v:g}"
    if isinstance(v, list | tuple):
        return ", ".join(_value_text(x) for x in v)
    return str(v)


def _run_facts(runs: pd.DataFrame, meta: Mapping[str, Any], order: list[str]
               ) -> list[tuple[str, str]]:
    """(label, text) lines of 'What was run'."""
    regimes = ", ".join(f"{regime_label(r, meta)} ({r})" for r in order)
    reps = int(meta.get("replications", 0))
    counts = runs.groupby("regime").size() if len(runs) else pd.Series(dtype=int)
    uneven = {r: int(counts.get(r, 0)) for r in order if int(counts.get(r, 0)) != reps}
    rep_text = f"{reps} per regime"
    if uneven:
        rep_text += " (completed: " + ", ".join(
            f"{regime_label(r, meta)} {n}" for r, n in uneven.items()) + ")"
    return [
        ("Regimes", regimes),
        ("Replications", rep_text + ", differing only in their random seed"),
        ("Horizon", _horizon(int(meta.get("horizon_weeks", 0)))
         + " reported, after an unreported warm-up"),
        ("Seed", str(meta.get("seed", "unknown"))),
        ("Run time", _seconds(meta.get("elapsed_seconds"))),
    ]


# ---------------------------------------------------------------------------
# Markdown
# ---------------------------------------------------------------------------


def _markdown(meta: Mapping[str, Any], facts: list[tuple[str, str]], table: pd.DataFrame,
              charts: list[Chart], params: list[tuple[str, str, str]]) -> str:
    title = str(meta.get("title") or "Workforce simulation: regime comparison")
    lines = [f"# {title}", ""]
    if meta.get("description"):
        lines += [str(meta["description"]).strip(), ""]
    lines += ["## What was run", ""]
    lines += [f"- **{k}:** {v}" for k, v in facts]
    lines += ["", "## Results", "", f"{_TABLE_CAPTION}.", "", to_markdown_table(table)]
    lines += ["The full table with the unrounded values is in `summary.csv`.", ""]
    lines += ["## Charts", ""]
    for c in charts:
        lines += [f"### {CHART_HEADINGS.get(c.name, c.name)}", ""]
        if c.path.suffix == ".pdf":
            lines += [f"[{c.title} (PDF)]({c.path.name})", ""]
        else:
            alt = c.title.replace("[", "(").replace("]", ")")
            lines += [f"![{alt}]({c.path.name})", "", f"*{c.title}*", ""]
    lines += ["## How to read this", ""]
    lines += [f"- {t}" for t in _HOW_TO_READ]
    lines += ["", "## Caveats", "", _CAVEATS, ""]
    lines += ["## Parameters", ""]
    if params:
        lines += ["Parameters that differ from the registry defaults (the `jit` status "
                  "quo); all others are at their defaults.", ""]
        ptable = pd.DataFrame(params, columns=["Parameter", "Value", "Default"])
        lines += [to_markdown_table(ptable)]
    else:
        lines += ["All parameters at their registry defaults apart from the regime "
                  "presets (see docs/ODD.md).", ""]
    return "\n".join(lines)


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
figure { margin: 1rem 0 1.8rem; }
figure img { max-width: 100%; height: auto; display: block; }
figcaption { font-style: italic; color: #444; margin-top: .3rem; }
.note { color: #555; font-size: .92rem; }
details summary { cursor: pointer; }
@media print {
  body { max-width: none; margin: 0; padding: 0; font-size: 10.5pt; }
  h2 { break-after: avoid; page-break-after: avoid; }
  h3 { break-after: avoid; page-break-after: avoid; }
  figure, table, tr { break-inside: avoid; page-break-inside: avoid; }
  thead { display: table-header-group; }
  tbody tr:nth-child(even) { background: none; }
  details > *:not(summary) { display: block; }
  a { color: inherit; text-decoration: none; }
  @page { margin: 1.6cm; }
}
"""


def _html_table(df: pd.DataFrame, caption: str | None = None) -> str:
    e = html.escape
    out = ["<table>"]
    if caption:
        out.append(f"<caption>{e(caption)}</caption>")
    out.append("<thead><tr>" + "".join(f'<th scope="col">{e(str(c))}</th>'
                                        for c in df.columns) + "</tr></thead>")
    out.append("<tbody>")
    for row in df.itertuples(index=False, name=None):
        cells = [f'<th scope="row">{e(str(row[0]))}</th>']
        cells += [f"<td>{e(str(v))}</td>" for v in row[1:]]
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    return "\n".join(out)


def _html(meta: Mapping[str, Any], facts: list[tuple[str, str]], table: pd.DataFrame,
          charts: list[Chart], params: list[tuple[str, str, str]]) -> str:
    e = html.escape
    title = str(meta.get("title") or "Workforce simulation: regime comparison")
    parts = [
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
    if meta.get("description"):
        parts.append(f"<p>{e(str(meta['description']).strip())}</p>")
    parts.append("<h2>What was run</h2>")
    parts.append('<dl class="facts">' + "".join(
        f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in facts) + "</dl>")
    parts.append("<h2>Results</h2>")
    parts.append(_html_table(table, caption=_TABLE_CAPTION))
    parts.append('<p class="note">The full table with the unrounded values is in '
                 "<code>summary.csv</code>.</p>")
    parts.append("<h2>Charts</h2>")
    for c in charts:
        if c.png is None:
            continue
        data = base64.b64encode(c.png).decode("ascii")
        parts.append(f"<h3>{e(CHART_HEADINGS.get(c.name, c.name))}</h3>")
        parts.append(f'<figure><img src="data:image/png;base64,{data}" alt="{e(c.title)}">'
                     f"<figcaption>{e(c.title)}</figcaption></figure>")
    parts.append("<h2>How to read this</h2>")
    parts.append("<ul>" + "".join(f"<li>{e(t)}</li>" for t in _HOW_TO_READ) + "</ul>")
    parts.append("<h2>Caveats</h2>")
    parts.append(f"<p>{e(_CAVEATS)}</p>")
    parts.append("<h2>Parameters</h2>")
    if params:
        ptable = pd.DataFrame(params, columns=["Parameter", "Value", "Default"])
        parts.append("<details open><summary>Parameters that differ from the registry "
                     "defaults (the <code>jit</code> status quo); all others are at their "
                     "defaults.</summary>" + _html_table(ptable) + "</details>")
    else:
        parts.append("<p>All parameters at their registry defaults apart from the regime "
                     "presets (see docs/ODD.md).</p>")
    parts += ["</body>", "</html>", ""]
    return "\n".join(parts)


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
) -> dict[str, Path]:
    """Write charts, ``summary.csv``, ``report.md`` and ``report.html`` to ``out_dir``.

    Returns ``{name: path}`` of every file written: the chart names of
    :data:`sim.charts.CHARTS`, then ``summary_csv``, ``report_md`` and ``report_html``.
    ``fmt`` (``png``, ``svg`` or ``pdf``) is the format of the chart files; the HTML
    report always embeds PNG renderings. ``classroom`` uses large fonts and thick lines.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    order = regime_order(meta, runs)
    charts = render_charts(out, timeseries, runs, survival, client_distinct, meta,
                           fmt=fmt, classroom=classroom, png=True)
    summary = summarise(runs, regimes=order)
    labels = {r: regime_label(r, meta) for r in order}
    table = summary_table(summary, labels)
    facts = _run_facts(runs, meta, order)
    params = _param_rows(meta.get("params"))

    paths: dict[str, Path] = {c.name: c.path for c in charts}
    paths["summary_csv"] = out / "summary.csv"
    summary.to_csv(paths["summary_csv"], index=False)
    paths["report_md"] = out / "report.md"
    paths["report_md"].write_text(_markdown(meta, facts, table, charts, params),
                                  encoding="utf-8")
    paths["report_html"] = out / "report.html"
    paths["report_html"].write_text(_html(meta, facts, table, charts, params),
                                    encoding="utf-8")
    return paths
