"""Summary statistics over replications, and the display table built from them.

:func:`summarise` turns the per-run table of final-year values (one row per run, one
column per measure in :data:`sim.core.outputs.METRICS`) into a tidy table: one row per
(measure, regime) with the number of replications, the mean and the 95 % confidence
interval of the mean (Student t with ``n - 1`` degrees of freedom).

:func:`summary_table` turns that tidy table into a wide table of display strings (one row
per measure, one column per regime) and :func:`to_markdown_table` renders any small
DataFrame as a Markdown pipe table.

Units. A run's final-year value of a weekly *flow* (``final == "sum"``, e.g. hires in
``workers/week``) is a sum over 52 weeks, so its unit is reported per *year*
(:func:`final_unit`). Shares and rates per year are shown as percentages, USD amounts
with a dollar sign and thousands separators (:func:`value_kind`, :func:`format_value`).

Costs. :func:`cost_breakdown` turns each run's final-year cost columns (``cost_*``,
summed over the last 52 weeks) into cost per client-year by category, plus the total
and the *cost per client-year of stable care* (:data:`STABLE_CARE_DEFINITION`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from sim.analysis.mdtable import markdown_table
from sim.core.outputs import METRICS, SUMMARY_METRICS
from sim.core.params import REGIME_LABELS

__all__ = [
    "CONFIDENCE",
    "COST_COLUMNS",
    "COST_COMPONENTS",
    "STABLE_CARE_DEFINITION",
    "SUMMARY_COLUMNS",
    "cost_breakdown",
    "cost_table",
    "display_unit",
    "final_unit",
    "format_cell",
    "format_value",
    "mean_ci",
    "measure_label",
    "n_clients_by_regime",
    "regime_label",
    "regime_order",
    "summarise",
    "summary_table",
    "to_markdown_table",
    "value_kind",
]

#: Confidence level of the intervals.
CONFIDENCE: float = 0.95

#: Columns of the tidy table returned by :func:`summarise`, in order.
SUMMARY_COLUMNS: tuple[str, ...] = (
    "metric",
    "label",
    "unit",
    "regime",
    "n",
    "mean",
    "ci_low",
    "ci_high",
)

_DASH = "–"  # en dash, for ranges and missing cells

#: The cost categories, in display order, with the label used in cost tables. They add
#: up to ``cost_total`` (see docs/ODD.md, 7.9).
COST_COMPONENTS: dict[str, str] = {
    "cost_wages": "Wages",
    "cost_benefits": "Benefits",
    "cost_overtime": "Overtime",
    "cost_cover": "Agency cover",
    "cost_recruiting": "Recruiting and separation",
    "cost_training": "Training (trainers, mentoring)",
    "cost_onboarding": "Onboarding (to competence)",
    "cost_modules": "On-demand modules",
}

#: Columns of the tidy table returned by :func:`cost_breakdown`, in order.
COST_COLUMNS: tuple[str, ...] = (
    "item",
    "label",
    "regime",
    "n",
    "mean",
    "ci_low",
    "ci_high",
)

#: What "cost per client-year of stable care" means (shown in the reports).
STABLE_CARE_DEFINITION: str = (
    "Cost per client-year of stable care = cost per client-year divided by the share of "
    "clients who kept one primary worker all year (among clients in care for the whole "
    "final year). It is what the agency spends for each client whose primary worker "
    "stayed the same all year, counting the cost of everyone else's care as the price "
    "of that stability; lower is better. It is computed for each run, then averaged "
    "over replications, and is undefined for a run in which no client kept one worker."
)


# ---------------------------------------------------------------------------
# statistics
# ---------------------------------------------------------------------------


def mean_ci(
    values: Iterable[float], confidence: float = CONFIDENCE
) -> tuple[int, float, float, float]:
    """``(n, mean, ci_low, ci_high)`` of the finite values, CI of the mean by Student t.

    NaNs are dropped first. With ``n == 0`` all three statistics are NaN; with
    ``n == 1`` or a zero standard deviation the interval collapses to the mean.
    """
    x = np.asarray(list(values) if not isinstance(values, np.ndarray) else values, dtype=float)
    x = x[np.isfinite(x)]
    n = int(x.size)
    if n == 0:
        return 0, math.nan, math.nan, math.nan
    mean = float(x.mean())
    if n == 1:
        return 1, mean, mean, mean
    sd = float(x.std(ddof=1))
    if not sd > 0:
        return n, mean, mean, mean
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1)) * sd / math.sqrt(n)
    return n, mean, mean - half, mean + half


def final_unit(metric: str, unit: str | None = None) -> str:
    """Unit of a run's final-year value of ``metric``.

    Weekly flows summed over the final year (``final == "sum"``) become per year:
    ``workers/week`` -> ``workers/year``, ``per week`` -> ``per year``. Other units are
    unchanged. Measures not in :data:`METRICS` keep ``unit`` (default ``""``).
    """
    m = METRICS.get(metric)
    if m is None:
        return unit or ""
    if m.final == "sum":
        if m.unit.endswith("/week"):
            return m.unit[: -len("/week")] + "/year"
        if m.unit == "per week":
            return "per year"
    return m.unit


def value_kind(metric: str, unit: str | None = None) -> str:
    """How a value of ``metric`` is displayed: ``"percent"``, ``"usd"`` or ``"number"``.

    Shares (unit ``share ...``) and rates per year (unit ``per year`` in
    :data:`METRICS`, e.g. the turnover rate) are percentages; the kind is taken from the
    registry unit, so a weekly count summed to ``per year`` stays a number. Units
    starting with ``USD`` are dollar amounts.
    """
    raw = METRICS[metric].unit if metric in METRICS else (unit or "")
    if raw.startswith("share") or raw == "per year":
        return "percent"
    if raw.startswith("USD"):
        return "usd"
    return "number"


def display_unit(metric: str, unit: str | None = None) -> str:
    """Unit text for a label of the final-year value: ``% per year``, ``% of posts``, ..."""
    u = final_unit(metric, unit)
    if value_kind(metric, unit) == "percent":
        if u.startswith("share of "):
            return "% of " + u[len("share of ") :]
        if u == "per year":
            return "% per year"
        return "%"
    return u


def measure_label(metric: str, unit: str | None = None, label: str | None = None) -> str:
    """``Turnover rate (% per year)``; ``Continuity of care (COC), 0-1`` when the label
    already ends in brackets. ``unit``/``label`` default to the registry's."""
    m = METRICS.get(metric)
    label = label if label is not None else (m.label if m else metric)
    u = display_unit(metric, unit)
    if not u:
        return label
    return f"{label}, {u}" if label.endswith(")") else f"{label} ({u})"


def regime_order(meta: Mapping[str, Any], *frames: pd.DataFrame) -> list[str]:
    """Display order: ``meta['regimes']``, then regimes only seen in ``frames``."""
    order = list(meta.get("regimes") or [])
    for df in frames:
        if df is not None and "regime" in df.columns:
            order += [r for r in pd.unique(df["regime"]) if r not in order]
    return list(dict.fromkeys(order))


def regime_label(name: str, meta: Mapping[str, Any]) -> str:
    """Display label: ``meta['regime_labels']``, the built-in label, or the name."""
    return (meta.get("regime_labels") or {}).get(name) or REGIME_LABELS.get(name, name)


def summarise(
    runs: pd.DataFrame,
    metrics: Sequence[str] = SUMMARY_METRICS,
    regimes: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Mean and 95 % CI over replications of each run-level measure, per regime.

    Parameters
    ----------
    runs
        One row per run with a ``regime`` column and one column per measure holding
        that run's final-year value.
    metrics
        Measures to summarise, in output order (default :data:`SUMMARY_METRICS`).
    regimes
        Regimes in output order; default: the order in which they first appear in
        ``runs``. A listed regime without runs gets ``n = 0`` and NaN statistics.

    Returns
    -------
    DataFrame with columns :data:`SUMMARY_COLUMNS`, one row per (metric, regime),
    metrics in the given order and regimes within each metric in the given order.
    ``unit`` is the unit of the final-year value (:func:`final_unit`). The interval is
    the Student-t 95 % CI of the mean over replications, clipped to the measure's
    range in :data:`METRICS` (a share's CI stays within 0-1); it equals the mean when
    ``n == 1`` or the values do not vary.
    """
    missing = [m for m in metrics if m not in runs.columns]
    if missing:
        raise KeyError(f"runs has no column(s) for metric(s): {', '.join(missing)}")
    if "regime" not in runs.columns:
        raise KeyError("runs has no 'regime' column")
    order = list(pd.unique(runs["regime"])) if regimes is None else list(regimes)
    groups = {r: g for r, g in runs.groupby("regime", sort=False)}
    rows = []
    for metric in metrics:
        meta = METRICS.get(metric)
        label = meta.label if meta else metric
        unit = final_unit(metric)
        for regime in order:
            g = groups.get(regime)
            values = g[metric].to_numpy(dtype=float) if g is not None else np.empty(0)
            n, mean, lo, hi = mean_ci(values)
            if meta is not None and n > 1:  # the mean cannot leave the measure's range
                lo = max(lo, meta.low)
                hi = hi if meta.high is None else min(hi, meta.high)
            rows.append((metric, label, unit, regime, n, mean, lo, hi))
    out = pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))
    return out.astype({"n": "int64", "mean": "float64", "ci_low": "float64", "ci_high": "float64"})


# ---------------------------------------------------------------------------
# display
# ---------------------------------------------------------------------------


def _decimals(x: float) -> int:
    """Decimals that show a plain number to about three significant digits."""
    a = abs(x)
    if a >= 100:
        return 0
    if a >= 10:
        return 1
    return 2


def format_value(x: float, kind: str, decimals: int | None = None) -> str:
    """One value as display text: ``43.1 %``, ``$12,345`` or ``1.23``; NaN -> ``–``.

    ``decimals`` overrides the default precision (1 for percentages, 0 for USD,
    about three significant digits for plain numbers).
    """
    if x is None or not math.isfinite(x):
        return _DASH
    if kind == "percent":
        d = 1 if decimals is None else decimals
        return f"{x * 100:.{d}f} %"
    if kind == "usd":
        d = 0 if decimals is None else decimals
        sign = "-" if x < 0 else ""
        return f"{sign}${abs(x):,.{d}f}"
    d = _decimals(x) if decimals is None else decimals
    return f"{x:,.{d}f}"


def format_cell(mean: float, lo: float, hi: float, n: int, kind: str) -> str:
    """``"43.1 % (41.0–45.2)"``, ``"$12,345 ($12,000–$12,700)"`` or ``"1.23 (1.10–1.35)"``.

    The interval is left out when ``n < 2`` (no interval can be estimated from one
    run); with no runs the cell is ``–``.
    """
    if n == 0 or not math.isfinite(mean):
        return _DASH
    if kind == "percent":
        text = format_value(mean, kind)
        ci = f"{lo * 100:.1f}{_DASH}{hi * 100:.1f}"
    elif kind == "usd":
        text = format_value(mean, kind)
        ci = f"{format_value(lo, kind)}{_DASH}{format_value(hi, kind)}"
    else:
        d = _decimals(mean)
        text = format_value(mean, kind, d)
        ci = f"{format_value(lo, kind, d)}{_DASH}{format_value(hi, kind, d)}"
    if n < 2:
        return text
    return f"{text} ({ci})"


def summary_table(summary: pd.DataFrame, regime_labels: Mapping[str, str]) -> pd.DataFrame:
    """Wide display table from the tidy :func:`summarise` output.

    One row per metric (first column ``Measure``: label with its unit, e.g.
    ``Turnover rate (% per year)``, see :func:`measure_label`), one column per regime
    (headed by its label from ``regime_labels``, falling back to the regime name), cells
    formatted by :func:`format_cell`. Metric and regime order follow ``summary``.
    """
    regimes = list(pd.unique(summary["regime"]))
    metrics = list(pd.unique(summary["metric"]))
    columns = ["Measure"] + [regime_labels.get(r, r) for r in regimes]
    rows = []
    for metric in metrics:
        part = summary[summary["metric"] == metric]
        first = part.iloc[0]
        kind = value_kind(metric, first["unit"])
        name = measure_label(metric, first["unit"], str(first["label"]))
        cells = {r: _DASH for r in regimes}
        for rec in part.itertuples(index=False):
            cells[rec.regime] = format_cell(rec.mean, rec.ci_low, rec.ci_high, rec.n, kind)
        rows.append([name] + [cells[r] for r in regimes])
    return pd.DataFrame(rows, columns=columns)


def to_markdown_table(df: pd.DataFrame) -> str:
    """Render ``df`` (index ignored) as a GitHub-flavoured Markdown pipe table
    (:func:`sim.analysis.mdtable.markdown_table`: padded columns; ``|``, ``\\`` and HTML in
    cells escaped)."""
    return markdown_table(list(df.columns), df.itertuples(index=False, name=None))


# ---------------------------------------------------------------------------
# costs
# ---------------------------------------------------------------------------


def n_clients_by_regime(meta: Mapping[str, object], regimes: Sequence[str]) -> dict[str, float]:
    """The client census of each regime's runs, from ``meta["params"]``.

    ``meta["params"]`` is either ``{regime: {parameter: value}}`` (as
    :func:`sim.experiments.runner.run_scenario` writes it) or one flat ``{parameter: value}`` for
    all regimes; a missing value falls back to the registry default of ``n_clients``.
    """
    from sim.core.params import PARAMS

    params = meta.get("params") or {}
    flat = params.get("n_clients") if isinstance(params, Mapping) else None
    out = {}
    for r in regimes:
        own = params.get(r) if isinstance(params, Mapping) else None
        value = own.get("n_clients") if isinstance(own, Mapping) else None
        if value is None:
            value = flat if flat is not None else PARAMS["n_clients"].default
        out[r] = float(value)
    return out


def cost_breakdown(
    runs: pd.DataFrame,
    n_clients: Mapping[str, float] | float,
    regimes: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Cost per client-year by category, mean and 95 % CI over replications, per regime.

    Parameters
    ----------
    runs
        One row per run with ``regime``, the final-year sums of the ``cost_*`` columns
        of :data:`COST_COMPONENTS`, ``cost_total`` and ``same_primary_share``.
    n_clients
        The client census, one number or one per regime
        (:func:`n_clients_by_regime`).
    regimes
        Regimes in output order; default: order of first appearance in ``runs``.

    Returns
    -------
    DataFrame with columns :data:`COST_COLUMNS`, regimes within items. ``item`` is each
    ``cost_*`` component, then ``cost_total`` (their sum, per client-year) and
    ``cost_stable_care`` (cost per client-year of stable care,
    :data:`STABLE_CARE_DEFINITION`). Each run's cost is divided by its census; the means
    of the components add up to the mean total.
    """
    need = [*COST_COMPONENTS, "cost_total", "same_primary_share", "regime"]
    missing = [c for c in need if c not in runs.columns]
    if missing:
        raise KeyError(f"runs has no column(s): {', '.join(missing)}")
    order = list(pd.unique(runs["regime"])) if regimes is None else list(regimes)
    groups = {r: g for r, g in runs.groupby("regime", sort=False)}
    items = {
        **COST_COMPONENTS,
        "cost_total": "Total cost",
        "cost_stable_care": "Cost per client-year of stable care",
    }
    rows = []
    for item, label in items.items():
        for r in order:
            g = groups.get(r)
            census = float(n_clients[r] if isinstance(n_clients, Mapping) else n_clients)
            if g is None or not census > 0:
                values = np.empty(0)
            elif item == "cost_stable_care":
                share = g["same_primary_share"].to_numpy(float)
                per_client = g["cost_total"].to_numpy(float) / census
                with np.errstate(divide="ignore", invalid="ignore"):
                    values = np.where(share > 0, per_client / share, np.nan)
            else:
                values = g[item].to_numpy(float) / census
            n, mean, lo, hi = mean_ci(values)
            if n > 1:
                lo = max(lo, 0.0)
            rows.append((item, label, r, n, mean, lo, hi))
    out = pd.DataFrame(rows, columns=list(COST_COLUMNS))
    return out.astype({"n": "int64", "mean": "float64", "ci_low": "float64", "ci_high": "float64"})


def cost_table(
    breakdown: pd.DataFrame,
    runs: pd.DataFrame,
    regime_labels: Mapping[str, str],
    n_clients: Mapping[str, float] | float,
) -> pd.DataFrame:
    """Display table of a :func:`cost_breakdown`: one row per item, one column per regime.

    Rows: each category (mean cost per client-year), the total per client-year (mean and
    95 % CI), the share of clients who kept one primary worker all year, the cost per
    client-year of stable care (mean and CI), and the agency's total cost per year.
    """
    regimes = list(pd.unique(breakdown["regime"]))
    columns = ["Cost per client-year (USD)"] + [regime_labels.get(r, r) for r in regimes]
    by = {(row.item, row.regime): row for row in breakdown.itertuples(index=False)}

    def cells(item: str, with_ci: bool) -> list[str]:
        out = []
        for r in regimes:
            row = by.get((item, r))
            if row is None:
                out.append(_DASH)
            elif with_ci:
                out.append(format_cell(row.mean, row.ci_low, row.ci_high, row.n, "usd"))
            else:
                out.append(format_value(row.mean, "usd"))
        return out

    rows = [[label, *cells(item, False)] for item, label in COST_COMPONENTS.items()]
    rows.append(["Total cost per client-year", *cells("cost_total", True)])
    share = summarise(runs, metrics=["same_primary_share"], regimes=regimes)
    rows.append(
        ["Clients who kept one primary worker all year"]
        + [
            format_cell(rec.mean, rec.ci_low, rec.ci_high, rec.n, "percent")
            for rec in share.itertuples(index=False)
        ]
    )
    rows.append(["Cost per client-year of stable care", *cells("cost_stable_care", True)])
    totals = []
    for r in regimes:
        row = by.get(("cost_total", r))
        census = float(n_clients[r] if isinstance(n_clients, Mapping) else n_clients)
        totals.append(_DASH if row is None else format_value(row.mean * census, "usd"))
    rows.append(["Total for the agency, per year", *totals])
    return pd.DataFrame(rows, columns=columns)
