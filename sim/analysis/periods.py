"""The periods a report describes: the final year and, in a scenario with a shock, the
shock window. Defined here once; ``summary.csv``'s ``period`` column, the findings,
the tables and the charts' shading all read them from here.

* ``final_year`` (:data:`FINAL_YEAR`): the last 52 reported weeks, weeks
  ``horizon - 51`` to ``horizon``; each run's value of a measure is its final-year value
  (:func:`sim.experiments.runner.final_year`, the measure's ``final`` rule in
  :data:`sim.core.outputs.METRICS`).
* ``shock`` (:data:`SHOCK`): the reported weeks in which the shock acts, weeks
  ``shock_start + 1`` to ``shock_start + shock_weeks`` (as :mod:`sim.core.phases.shocks`
  applies it), cut at the horizon; only when ``shock_weeks > 0`` and the shock starts
  within the reported weeks. A run's value over the window follows the same ``final``
  rule (:func:`window_values`): weekly stocks (``"mean"``) are averaged over the window's
  weeks; weekly flows (``"sum"``, costs among them) are summed over the window and
  scaled to a year (``x 52 / window length``), so they keep their per-year unit;
  rolling measures (``"last"``: turnover, continuity, leavers' tenure, ...) are their
  value in the window's last week, which covers the 52 (or 26) weeks ending then, so
  for a shock shorter than that they mix the shock with the weeks before it. The cost
  ratios are taken over the window too: cost per care hour is the window's cost over its
  care hours, cost per client-year its cost scaled to a year over the client census.

* ``whole_run`` (:data:`WHOLE_RUN`, :func:`whole_run_values`): every reported week,
  ``1`` to ``horizon``, as a year on average. Used by the cost-effectiveness section's
  second table ("Stability per dollar", :mod:`sim.report.costeffect`), not in
  ``summary.csv``. Weekly stocks are averaged and weekly flows summed and scaled to a
  year, as for the shock; a rolling measure is the mean of its values at the end of each
  year counted back from the horizon (weeks ``h``, ``h - 52``, ... above 0), each
  weighted by the weeks of the run its window covers (52, and ``e / 52`` for an earliest
  end ``e`` below 52), so a 52-week measure's windows tile the run once. For a run of
  exactly 52 weeks every value equals the final year's.

Week ``k`` of the timeseries is the ``k``-th reported week (week 0 is the end of the
warm-up), so a window ``(start, end]`` is drawn on a chart as the span from ``start`` to
``end``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from sim.core.outputs import METRICS

__all__ = [
    "FINAL_YEAR",
    "PERIODS",
    "SHOCK",
    "WHOLE_RUN",
    "Period",
    "report_periods",
    "shock_window",
    "whole_run_values",
    "window_values",
]

_YEAR = 52

#: The final year of the run.
FINAL_YEAR = "final_year"
#: The shock window.
SHOCK = "shock"
#: Every reported week (the cost-effectiveness section's second table only).
WHOLE_RUN = "whole_run"

#: Each period's name and what it covers (``summary.csv``'s ``period`` column, README).
PERIODS: dict[str, str] = {
    FINAL_YEAR: "the final year: the last 52 reported weeks",
    SHOCK: "the shock window: reported weeks shock_start + 1 to shock_start + shock_weeks "
    "(cut at the horizon); only for a scenario with a shock",
}


@dataclass(frozen=True)
class Period:
    """One reported period: ``name`` (a key of :data:`PERIODS`), the weeks ``(start,
    end]`` it covers and a ``title`` for headings (``"During the shock (weeks 52–78)"``)."""

    name: str
    start: int
    end: int

    @property
    def weeks(self) -> int:
        return self.end - self.start

    @property
    def span(self) -> str:
        return f"weeks {self.start}–{self.end}"

    @property
    def title(self) -> str:
        if self.name == SHOCK:
            return f"During the shock ({self.span})"
        if self.name == WHOLE_RUN:
            return f"Whole run ({self.span}), a year on average"
        return f"Final year ({self.span})"


def _param(meta: Mapping[str, Any], name: str) -> float:
    """A parameter of the runs (the first regime that sets it), or its default."""
    from sim.core.params import PARAMS

    params = meta.get("params") or {}
    listed = list(meta.get("regimes") or [])
    regimes = listed + [k for k in params if k not in listed]
    for r in regimes:
        own = params.get(r)
        if isinstance(own, Mapping) and own.get(name) is not None:
            return float(own[name])
    if params.get(name) is not None and not isinstance(params.get(name), Mapping):
        return float(params[name])
    return float(PARAMS[name].default) if name in PARAMS else 0.0


def shock_window(meta: Mapping[str, Any]) -> tuple[int, int] | None:
    """The reported weeks ``(start, end]`` the shock acts in, cut at the horizon; None
    without a shock (``shock_weeks == 0``) or one that starts after the horizon."""
    weeks = int(_param(meta, "shock_weeks"))
    if weeks <= 0:
        return None
    start = int(_param(meta, "shock_start"))
    horizon = int(meta.get("horizon_weeks") or 0)
    end = start + weeks if horizon <= 0 else min(start + weeks, horizon)
    if horizon > 0 and start >= horizon:
        return None
    return start, end


def report_periods(meta: Mapping[str, Any]) -> list[Period]:
    """The periods reported for a run: the final year, then the shock window if any."""
    horizon = int(meta.get("horizon_weeks") or 0)
    out = [Period(FINAL_YEAR, max(horizon - _YEAR, 0), horizon)]
    window = shock_window(meta)
    if window is not None:
        out.append(Period(SHOCK, *window))
    return out


def window_values(
    timeseries: pd.DataFrame, period: Period, n_clients: Mapping[str, float] | None = None
) -> pd.DataFrame:
    """One row per run (``run_id``, ``regime``, ``replicate`` as far as the timeseries
    has them) with each measure of :data:`METRICS` over ``period``'s weeks, formed by its
    ``final`` rule (see the module docstring). The two cost ratios are taken over the
    window like the costs: ``cost_per_care_hour`` is the window's cost over its care
    hours, and, given each regime's client census ``n_clients``,
    ``cost_per_client_year`` is the window's cost scaled to a year over the census (as
    the cost table has it)."""
    keys = [k for k in ("run_id", "regime", "replicate") if k in timeseries.columns]
    window = timeseries[(timeseries["week"] > period.start) & (timeseries["week"] <= period.end)]
    window = window.sort_values([*keys, "week"])
    g = window.groupby(keys, sort=False)
    n_weeks = g["week"].size()
    cols = {}
    for name, m in METRICS.items():
        if name not in window.columns:
            continue
        if m.final == "mean":
            cols[name] = g[name].mean()
        elif m.final == "sum":
            cols[name] = g[name].sum() * _YEAR / n_weeks
        else:
            cols[name] = g[name].last()
    out = pd.DataFrame(cols).reset_index()
    if "cost_total" in out and "care_hours_delivered" in out and "cost_per_care_hour" in out:
        hours = out["care_hours_delivered"].where(out["care_hours_delivered"] > 0)
        out["cost_per_care_hour"] = out["cost_total"] / hours
    if n_clients is not None and "cost_total" in out and "cost_per_client_year" in out:
        census = out["regime"].map(lambda r: float(n_clients.get(r, float("nan"))))
        out["cost_per_client_year"] = out["cost_total"] / census.where(census > 0)
    return out


def whole_run_values(
    timeseries: pd.DataFrame, horizon: int, n_clients: Mapping[str, float] | None = None
) -> pd.DataFrame:
    """One row per run with each measure of :data:`METRICS` over every reported week
    ``1..horizon`` (:data:`WHOLE_RUN`), as a year on average: :func:`window_values` of
    the whole run, except that a rolling measure (``final`` rule ``"last"``) is the
    weighted mean of its values at the ends of the years counted back from ``horizon``
    (see the module docstring), not its last value."""
    if horizon < 1:
        raise ValueError(f"horizon must be at least 1 week, got {horizon}")
    period = Period(WHOLE_RUN, 0, int(horizon))
    out = window_values(timeseries, period, n_clients)
    keys = [k for k in ("run_id", "regime", "replicate") if k in timeseries.columns]
    ends = {e: min(e, _YEAR) / _YEAR for e in range(int(horizon), 0, -_YEAR)}
    at_ends = timeseries[timeseries["week"].isin(list(ends))]
    weight = at_ends["week"].map(ends).astype(float)
    rolling = [n for n, m in METRICS.items() if m.final == "last" and n in at_ends.columns]
    rolling = [n for n in rolling if n not in ("cost_per_care_hour", "cost_per_client_year")]
    if not rolling or not len(at_ends):
        return out
    cols = {}
    for name in rolling:
        value = at_ends[name].astype(float)
        w = weight.where(value.notna(), 0.0)
        num = (value.fillna(0.0) * w).groupby([at_ends[k] for k in keys], sort=False).sum()
        den = w.groupby([at_ends[k] for k in keys], sort=False).sum()
        cols[name] = num / den.where(den > 0)
    means = pd.DataFrame(cols).reset_index()
    out = out.drop(columns=rolling).merge(means, on=keys, how="left", sort=False)
    return out[[c for c in [*keys, *METRICS] if c in out.columns]]
