"""What a sweep's results say about each factor: pure functions over its runs.

The plots a NetLogo BehaviorSpace user makes by hand after a sweep, as tables:

* :func:`factor_effects`: for each factor and measure, the mean and 95 % CI of the
  measure at each level of the factor, **marginalising over the other factors** (every
  run at that level counts, whatever the other factors' values);
* :func:`contrast_differences`: for a sweep with a regime factor (:func:`contrast_of`),
  the difference between each regime and the reference regime (the factor's first
  value) at each level of every other factor, again marginalising over the rest.

The interval is over independent units, named in the ``unit`` column:

* in a **factorial** design, the *replicate*: for each replicate r the measure is
  averaged over the runs of r at that level (one per combination of the other factors),
  and the Student-t 95 % CI is taken over those replicate means (n = replications).
  The other factors are fixed by design, so their effects do not widen the interval.
  In a complete sweep the mean of the replicate means is the mean of every run at the
  level. For a difference, regime A's replicate mean minus the reference's: where the
  regimes are crossed they share their random numbers replicate by replicate (common
  random numbers), and the interval shows it;
* in a **sampled** design (``lhs``, ``sobol``, ``morris``), the *design point*: the
  measure is averaged over each design point's runs at that level and the CI is taken
  over the design points, whose other factors are random draws. A numeric factor with
  more than :data:`MAX_LEVELS` distinct values is cut into :data:`BINS` groups of
  about equal size (quantiles); ``x`` is the mean factor value in the group. A regime
  difference needs both regimes at one design point, so it exists only where the
  regime factor is crossed.

Intervals are cut to the measure's range in :data:`sim.core.outputs.METRICS`, as in the
compare report. Nothing here draws or writes (see :mod:`sim.report.sweep`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.summary import mean_ci
from sim.core.outputs import METRICS

__all__ = [
    "BINS",
    "DIFFERENCE_COLUMNS",
    "EFFECT_COLUMNS",
    "MAX_LEVELS",
    "FactorInfo",
    "assign_levels",
    "contrast_differences",
    "contrast_of",
    "factor_effects",
    "factor_infos",
    "unit_of",
]

#: A numeric factor with more distinct values than this is binned.
MAX_LEVELS = 12
#: Number of quantile groups of a binned factor.
BINS = 6

EFFECT_COLUMNS: tuple[str, ...] = (
    "factor",
    "level",
    "order",
    "x",
    "binned",
    "measure",
    "unit",
    "n_units",
    "n_runs",
    "mean",
    "ci_low",
    "ci_high",
)

DIFFERENCE_COLUMNS: tuple[str, ...] = (
    "contrast",
    "regime",
    "reference",
    "factor",
    "level",
    "order",
    "x",
    "binned",
    "measure",
    "unit",
    "n_units",
    "mean",
    "ci_low",
    "ci_high",
)


@dataclass(frozen=True)
class FactorInfo:
    """One factor of a sweep as its manifest describes it (``spec.factors``)."""

    name: str
    kind: str  # "regime", "int", "float" or "bool"
    values: tuple[Any, ...] | None
    crossed: bool

    @property
    def numeric(self) -> bool:
        """Drawn as a line with a band (int and float factors), not as points."""
        return self.kind in ("int", "float")


def factor_infos(manifest: Mapping[str, Any]) -> list[FactorInfo]:
    """The factors of a sweep manifest, in the spec's order."""
    spec = manifest.get("spec") or {}
    crossed = set(spec.get("cross") or [])
    out = []
    for name, d in (spec.get("factors") or {}).items():
        vals = d.get("values")
        out.append(
            FactorInfo(name, d.get("kind", "float"), tuple(vals) if vals else None, name in crossed)
        )
    return out


def unit_of(design: str) -> str:
    """The column whose values are the independent units of the intervals."""
    return "replicate" if design == "factorial" else "design_point"


def _sort_key(v: Any) -> Any:
    return (0, float(v)) if isinstance(v, int | float | np.number) else (1, str(v))


def assign_levels(
    values: pd.Series, info: FactorInfo, max_levels: int = MAX_LEVELS, bins: int = BINS
) -> tuple[pd.Series, pd.DataFrame]:
    """Each run's level of the factor, and the levels in display order.

    Returns (``order`` per run, a table of the levels with columns ``order``, ``level``
    (display text), ``x`` (the value, or the mean value of a bin; NaN for a
    non-numeric factor) and ``binned``). A factor's listed ``values`` keep their
    listed order; a numeric factor is in increasing order.
    """
    vals = values.reset_index(drop=True)
    distinct = list(pd.unique(vals.dropna()))
    if info.numeric and len(distinct) > max_levels:
        x = vals.astype(float)
        codes = pd.qcut(x, q=min(bins, len(distinct)), labels=False, duplicates="drop")
        codes = codes.astype("Int64")
        rows = []
        for i, c in enumerate(sorted(codes.dropna().unique())):
            inbin = x[codes == c]
            lo, hi = float(inbin.min()), float(inbin.max())
            rows.append((i, f"{_num(lo)}–{_num(hi)}", float(inbin.mean()), True, int(c)))
        table = pd.DataFrame(rows, columns=["order", "level", "x", "binned", "_code"])
        remap = dict(zip(table["_code"], table["order"], strict=True))
        order = codes.map(remap)
        return order.astype("float").rename("order"), table.drop(columns="_code")
    if info.values and not info.numeric:
        listed = [v for v in info.values if v in set(distinct)]
        levels = listed + [v for v in distinct if v not in listed]
    else:
        levels = sorted(distinct, key=_sort_key)
    index = {v: i for i, v in enumerate(levels)}
    order = vals.map(index).astype("float").rename("order")
    table = pd.DataFrame(
        {
            "order": range(len(levels)),
            "level": [_text(v) for v in levels],
            "x": [float(v) if info.numeric else math.nan for v in levels],
            "binned": False,
        }
    )
    return order, table


def _num(v: float) -> str:
    return f"{v:.4g}"


def _text(v: Any) -> str:
    if isinstance(v, bool | np.bool_):
        return "true" if v else "false"
    if isinstance(v, float | np.floating):
        return f"{float(v):g}"
    return str(v)


def _clip(measure: str, n: int, lo: float, hi: float) -> tuple[float, float]:
    m = METRICS.get(measure)
    if m is not None and n > 1:
        lo = max(lo, m.low)
        hi = hi if m.high is None else min(hi, m.high)
    return lo, hi


def _factor_column(frame: pd.DataFrame, name: str, measures: Sequence[str]) -> str:
    """The column of factor ``name`` in a joined frame (``_factor`` suffix when a
    measure has the same name, see :meth:`sim.experiments.experiment.SweepResults.frame`)."""
    return f"{name}_factor" if f"{name}_factor" in frame else name


def factor_effects(
    frame: pd.DataFrame,
    factors: Sequence[FactorInfo],
    measures: Sequence[str],
    design: str,
) -> pd.DataFrame:
    """Mean and 95 % CI of each measure at each level of each factor, marginalising over
    the other factors (columns :data:`EFFECT_COLUMNS`).

    ``frame``: one row per successful run with ``replicate``, ``design_point``, the
    factor columns and the measures (:meth:`sim.experiments.experiment.SweepResults.frame`
    joined with ``design_point``). ``design``: the sweep's design, which sets the unit of
    the interval (:func:`unit_of`; see the module docstring).
    """
    unit = unit_of(design)
    rows = []
    for info in factors:
        col = _factor_column(frame, info.name, measures)
        if col not in frame or frame.empty:
            continue
        order, levels = assign_levels(frame[col], info)
        d = frame.reset_index(drop=True).assign(_order=order.to_numpy())
        for m in measures:
            if m not in d:
                continue
            per_unit = d.groupby(["_order", unit])[m].mean()
            runs = d.groupby("_order")[m].count()
            for lev in levels.itertuples(index=False):
                vals = (
                    per_unit.xs(float(lev.order), level="_order").to_numpy(float)
                    if float(lev.order) in per_unit.index.get_level_values(0)
                    else np.empty(0)
                )
                n, mean, lo, hi = mean_ci(vals)
                lo, hi = _clip(m, n, lo, hi)
                rows.append(
                    (
                        info.name,
                        lev.level,
                        int(lev.order),
                        lev.x,
                        bool(lev.binned),
                        m,
                        unit,
                        n,
                        int(runs.get(float(lev.order), 0)),
                        mean,
                        lo,
                        hi,
                    )
                )
    return pd.DataFrame(rows, columns=list(EFFECT_COLUMNS))


def contrast_of(factors: Sequence[FactorInfo], design: str) -> FactorInfo | None:
    """The factor whose differences :func:`contrast_differences` shows: the regime
    factor with at least two values, crossed with the design (or any factor of a
    factorial design, where every combination is run); None if there is none or no
    other factor to show the difference across."""
    for f in factors:
        if f.name == "regime" and f.values and len(f.values) >= 2 and len(factors) >= 2:
            if f.crossed or design == "factorial":
                return f
    return None


def contrast_differences(
    frame: pd.DataFrame,
    factors: Sequence[FactorInfo],
    contrast: FactorInfo,
    measures: Sequence[str],
    design: str,
) -> pd.DataFrame:
    """Each regime minus the reference regime (``contrast.values[0]``), with 95 % CI,
    at each level of every other factor, marginalising over the rest (columns
    :data:`DIFFERENCE_COLUMNS`).

    Per unit (replicate, or design point: :func:`unit_of`) and level, the regime's mean
    minus the reference's mean over the unit's runs at that level; the mean and
    Student-t CI are taken over the units that have both regimes.
    """
    unit = unit_of(design)
    ccol = _factor_column(frame, contrast.name, measures)
    values = list(contrast.values or [])
    present = set(frame[ccol]) if ccol in frame else set()
    values = [v for v in values if v in present]
    if len(values) < 2:
        return pd.DataFrame(columns=list(DIFFERENCE_COLUMNS))
    ref, others = values[0], values[1:]
    rows = []
    for info in factors:
        if info.name == contrast.name:
            continue
        col = _factor_column(frame, info.name, measures)
        if col not in frame:
            continue
        order, levels = assign_levels(frame[col], info)
        d = frame.reset_index(drop=True).assign(_order=order.to_numpy())
        for m in measures:
            if m not in d:
                continue
            cell = d.groupby(["_order", unit, ccol])[m].mean().unstack(ccol)
            if ref not in cell:
                continue
            for other in others:
                if other not in cell:
                    continue
                diff = (cell[other] - cell[ref]).dropna()
                for lev in levels.itertuples(index=False):
                    key = float(lev.order)
                    vals = (
                        diff.xs(key, level="_order").to_numpy(float)
                        if key in diff.index.get_level_values(0)
                        else np.empty(0)
                    )
                    n, mean, lo, hi = mean_ci(vals)
                    rows.append(
                        (
                            contrast.name,
                            _text(other),
                            _text(ref),
                            info.name,
                            lev.level,
                            int(lev.order),
                            lev.x,
                            bool(lev.binned),
                            m,
                            unit,
                            n,
                            mean,
                            lo,
                            hi,
                        )
                    )
    return pd.DataFrame(rows, columns=list(DIFFERENCE_COLUMNS))
