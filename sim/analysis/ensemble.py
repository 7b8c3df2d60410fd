"""Intervals over an ensemble of parameter vectors (``compare --ensemble``).

The runs of a scenario across an ensemble (:func:`sim.experiments.ensemble.run_ensemble`)
have one row per (member, regime, replicate). For each measure and regime, a member's
value is the mean over its replications (the *member mean*); the **ensemble interval**
(:func:`ensemble_interval`) is the 5th to 95th percentile of the member means when there
are at least :data:`PERCENTILE_MIN_MEMBERS` members, and their minimum to maximum with
fewer (a 90 % percentile interval cannot be estimated from a handful of values). A member
mean carries replication noise of its few runs as well as the member's parameters, so the
interval includes parameter uncertainty and some replication noise.

* :func:`add_ensemble_columns`: the summary table gains ``ensemble_mean`` (mean of the
  member means), ``ensemble_low``, ``ensemble_high`` and ``ensemble_members``.
* :func:`ensemble_effects`: each regime's effect against the baseline: from the
  scenario's own runs, the mean difference and its 95 % CI (paired by replicate: the
  regimes share seeds); from the ensemble, the interval over members of the member's
  difference (the member's regime mean minus its baseline mean, same seeds). An effect
  **survives parameter uncertainty** when its ensemble interval excludes zero.
  How much of the members' spread is replication noise: a member's difference is the
  mean of its ``R`` paired differences, so its noise variance is ``s_m**2 / R`` (``s_m``
  their standard deviation within member *m*); ``noise_share`` is the mean of those over
  members divided by the variance of the member differences (at most 1), and
  ``param_sd`` the standard deviation left for the parameters,
  ``sqrt(max(0, var - mean noise variance))`` (method of moments;
  :func:`noise_of_members`). A large ``noise_share`` means the interval mostly shows
  the few runs per member, not the parameters: run more ``--ensemble-replications``.
* :func:`ensemble_sensitivity`: which parameters drive each effect over the members:
  partial rank correlation coefficients (PRCC; Marino et al. 2008), the correlation
  between the ranks of a parameter and of the effect once the ranks of the other
  parameters are regressed out of both, with its two-sided p-value (t test with
  ``n - 2 - k`` degrees of freedom, ``k`` the other parameters) and an approximate 95 %
  interval (:func:`prcc_interval`: Fisher's z transform with standard error
  ``1 / sqrt(n - 3 - k)``, as for a partial correlation). With ``levels=True`` (used by
  ``sensitivity --ensemble``) it also analyses each regime's own value of each measure
  (``quantity`` ``level``) beside its effect against the baseline (``effect``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from sim.analysis.summary import mean_ci

__all__ = [
    "EFFECT_COLUMNS",
    "PERCENTILES",
    "PERCENTILE_MIN_MEMBERS",
    "SENSITIVITY_COLUMNS",
    "add_ensemble_columns",
    "ensemble_effects",
    "ensemble_interval",
    "ensemble_sensitivity",
    "interval_method",
    "member_means",
    "noise_of_members",
    "prcc",
    "prcc_interval",
]

#: Percentiles of the ensemble interval (with enough members).
PERCENTILES: tuple[float, float] = (5.0, 95.0)
#: Fewest members for the percentile interval; with fewer, the minimum to maximum.
PERCENTILE_MIN_MEMBERS = 20

EFFECT_COLUMNS: tuple[str, ...] = (
    "metric",
    "label",
    "regime",
    "baseline",
    "n",
    "diff_mean",
    "diff_ci_low",
    "diff_ci_high",
    "ensemble_members",
    "ensemble_mean",
    "ensemble_low",
    "ensemble_high",
    "survives",
    "noise_share",
    "param_sd",
)

SENSITIVITY_COLUMNS: tuple[str, ...] = (
    "quantity",
    "regime",
    "baseline",
    "metric",
    "parameter",
    "prcc",
    "p_value",
    "ci_low",
    "ci_high",
    "members",
)

#: Confidence level of :func:`prcc_interval`.
PRCC_LEVEL = 0.95


def interval_method(n: int) -> str:
    """How the ensemble interval of ``n`` member means is formed (for reports)."""
    if n >= PERCENTILE_MIN_MEMBERS:
        return f"{PERCENTILES[0]:g}th to {PERCENTILES[1]:g}th percentile of {n} member means"
    return f"minimum to maximum of {n} member means"


def ensemble_interval(values: Sequence[float] | np.ndarray) -> tuple[float, float]:
    """``(low, high)`` over member means (finite values only; NaN if there are none)."""
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    if x.size == 0:
        return math.nan, math.nan
    if x.size >= PERCENTILE_MIN_MEMBERS:
        lo, hi = np.percentile(x, PERCENTILES)
        return float(lo), float(hi)
    return float(x.min()), float(x.max())


def member_means(ens_runs: pd.DataFrame, metrics: Sequence[str]) -> pd.DataFrame:
    """Mean over replications per (member, regime) of each measure."""
    return ens_runs.groupby(["member", "regime"], sort=True)[list(metrics)].mean().reset_index()


def add_ensemble_columns(summary: pd.DataFrame, ens_runs: pd.DataFrame) -> pd.DataFrame:
    """``summary`` (:func:`sim.analysis.summary.summarise`) with ``ensemble_mean``,
    ``ensemble_low``, ``ensemble_high`` and ``ensemble_members`` per (metric, regime)."""
    metrics = [m for m in pd.unique(summary["metric"]) if m in ens_runs.columns]
    mm = member_means(ens_runs, metrics)
    out = summary.copy()
    cols: dict[str, list] = {
        "ensemble_members": [],
        "ensemble_mean": [],
        "ensemble_low": [],
        "ensemble_high": [],
    }
    for rec in summary.itertuples(index=False):
        vals = (
            mm.loc[mm["regime"] == rec.regime, rec.metric].to_numpy(float)
            if rec.metric in mm.columns
            else np.empty(0)
        )
        vals = vals[np.isfinite(vals)]
        lo, hi = ensemble_interval(vals)
        cols["ensemble_members"].append(int(vals.size))
        cols["ensemble_mean"].append(float(vals.mean()) if vals.size else math.nan)
        cols["ensemble_low"].append(lo)
        cols["ensemble_high"].append(hi)
    for k, v in cols.items():
        out[k] = v
    return out


def _member_differences(
    ens_runs: pd.DataFrame, metric: str, regime: str, baseline: str
) -> np.ndarray:
    mm = member_means(ens_runs, [metric]).pivot(index="member", columns="regime", values=metric)
    if regime not in mm.columns or baseline not in mm.columns:
        return np.empty(0)
    d = (mm[regime] - mm[baseline]).to_numpy(float)
    return d[np.isfinite(d)]


def noise_of_members(
    ens_runs: pd.DataFrame, metric: str, regime: str, baseline: str
) -> tuple[float, float]:
    """``(noise_share, param_sd)`` of the members' differences of ``metric`` between
    ``regime`` and ``baseline`` (see the module docstring): NaN when fewer than two
    members, or no member has two paired replications, or the members do not vary."""
    if regime == baseline or not {"member", "replicate", "regime", metric} <= set(ens_runs):
        return math.nan, math.nan
    wide = ens_runs.pivot_table(index=["member", "replicate"], columns="regime", values=metric)
    if regime not in wide.columns or baseline not in wide.columns:
        return math.nan, math.nan
    d = (wide[regime] - wide[baseline]).dropna()
    g = d.groupby(level="member")
    n, s2, means = g.size(), g.var(ddof=1), g.mean()
    ok = n >= 2
    if means.size < 2 or not ok.any():
        return math.nan, math.nan
    noise = float((s2[ok] / n[ok]).mean())
    spread = float(means.var(ddof=1))
    if not spread > 0:
        return math.nan, math.nan
    return min(1.0, noise / spread), math.sqrt(max(0.0, spread - noise))


def ensemble_effects(
    runs: pd.DataFrame,
    ens_runs: pd.DataFrame,
    metrics: Sequence[str],
    regimes: Sequence[str],
    baseline: str,
    labels: dict[str, str] | None = None,
) -> pd.DataFrame:
    """Each regime's effect against ``baseline`` (columns :data:`EFFECT_COLUMNS`)."""
    rows = []
    for metric in metrics:
        wide = runs.pivot_table(index="replicate", columns="regime", values=metric)
        for regime in regimes:
            if regime == baseline:
                continue
            if regime in wide.columns and baseline in wide.columns:
                n, mean, lo, hi = mean_ci((wide[regime] - wide[baseline]).to_numpy(float))
            else:
                n, mean, lo, hi = 0, math.nan, math.nan, math.nan
            d = _member_differences(ens_runs, metric, regime, baseline)
            elo, ehi = ensemble_interval(d)
            survives = bool(d.size and (elo > 0 or ehi < 0))
            noise_share, param_sd = noise_of_members(ens_runs, metric, regime, baseline)
            rows.append(
                (
                    metric,
                    (labels or {}).get(metric, metric),
                    regime,
                    baseline,
                    n,
                    mean,
                    lo,
                    hi,
                    int(d.size),
                    float(d.mean()) if d.size else math.nan,
                    elo,
                    ehi,
                    survives,
                    noise_share,
                    param_sd,
                )
            )
    return pd.DataFrame(rows, columns=list(EFFECT_COLUMNS))


def prcc(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Partial rank correlation of each column of ``x`` (n, k) with ``y`` (n,), and the
    two-sided p-values. Columns that do not vary get NaN; with ``n <= k + 1`` all NaN."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    n, k = x.shape
    coef = np.full(k, math.nan)
    pval = np.full(k, math.nan)
    varies = np.array([np.ptp(x[:, j]) > 0 for j in range(k)])
    kv = int(varies.sum())
    if n <= kv + 1 or np.ptp(y) == 0:
        return coef, pval
    rx = np.column_stack([stats.rankdata(x[:, j]) for j in range(k)])[:, varies]
    ry = stats.rankdata(y)
    idx = np.flatnonzero(varies)
    dof = n - 2 - (kv - 1)
    for a, j in enumerate(idx):
        others = np.column_stack([np.ones(n), np.delete(rx, a, axis=1)])
        bx, *_ = np.linalg.lstsq(others, rx[:, a], rcond=None)
        by, *_ = np.linalg.lstsq(others, ry, rcond=None)
        ex, ey = rx[:, a] - others @ bx, ry - others @ by
        den = math.sqrt(float(ex @ ex) * float(ey @ ey))
        if not den > 0:
            continue
        r = float(ex @ ey) / den
        r = max(-1.0, min(1.0, r))
        coef[j] = r
        if dof > 0 and abs(r) < 1:
            t = r * math.sqrt(dof / (1 - r * r))
            pval[j] = float(2 * stats.t.sf(abs(t), dof))
        elif dof > 0:
            pval[j] = 0.0
    return coef, pval


def prcc_interval(
    coef: np.ndarray, n: int, k: int, level: float = PRCC_LEVEL
) -> tuple[np.ndarray, np.ndarray]:
    """Approximate ``level`` interval of partial rank correlations ``coef`` computed over
    ``n`` points with ``k`` parameters varying: Fisher's z transform, standard error
    ``1 / sqrt(n - 3 - (k - 1))`` (a partial correlation with ``k - 1`` variables held
    fixed). NaN where ``coef`` is NaN or ``n - 2 - k <= 0``; ``+-1`` stays ``+-1``."""
    c = np.asarray(coef, dtype=float)
    lo = np.full(c.shape, math.nan)
    hi = np.full(c.shape, math.nan)
    dof = n - 3 - (k - 1)
    if dof <= 0:
        return lo, hi
    zq = float(stats.norm.ppf(0.5 + level / 2))
    ok = np.isfinite(c)
    z = np.arctanh(np.clip(c[ok], -1.0, 1.0))
    half = zq / math.sqrt(dof)
    lo[ok] = np.tanh(z - half)
    hi[ok] = np.tanh(z + half)
    return lo, hi


def _prcc_rows(
    quantity: str,
    regime: str,
    baseline: str,
    metric: str,
    values: pd.Series,
    params: pd.DataFrame,
    parameters: Sequence[str],
) -> list[tuple]:
    values = values.dropna()
    x = params.loc[values.index].to_numpy(float)
    coef, pval = prcc(x, values.to_numpy(float))
    kv = int(sum(np.ptp(x[:, j]) > 0 for j in range(x.shape[1]))) if len(x) else 0
    lo, hi = prcc_interval(coef, len(values), kv)
    return [
        (quantity, regime, baseline, metric, name, c, p, a, b, len(values))
        for name, c, p, a, b in zip(parameters, coef, pval, lo, hi, strict=True)
    ]


def ensemble_sensitivity(
    ens_runs: pd.DataFrame,
    members: pd.DataFrame,
    parameters: Sequence[str],
    metrics: Sequence[str],
    regimes: Sequence[str],
    baseline: str,
    levels: bool = False,
) -> pd.DataFrame:
    """PRCC of each parameter with each regime's effect against ``baseline`` over the
    members (``quantity`` ``effect``) and, with ``levels``, with each regime's own value
    (``level``, the baseline's included); columns :data:`SENSITIVITY_COLUMNS`."""
    rows: list[tuple] = []  # effects first, then levels
    level_rows: list[tuple] = []
    params = members.set_index("member")[list(parameters)]
    for metric in metrics:
        mm = member_means(ens_runs, [metric]).pivot(index="member", columns="regime", values=metric)
        for regime in regimes:
            if regime not in mm.columns:
                continue
            if levels:
                level_rows += _prcc_rows(
                    "level", regime, baseline, metric, mm[regime], params, parameters
                )
            if regime == baseline or baseline not in mm.columns:
                continue
            eff = mm[regime] - mm[baseline]
            rows += _prcc_rows("effect", regime, baseline, metric, eff, params, parameters)
    return pd.DataFrame(rows + level_rows, columns=list(SENSITIVITY_COLUMNS))
