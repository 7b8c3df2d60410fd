"""Stability per dollar: each option's incremental cost per leaver avoided, per client-year
of stable care gained, and its break-even point, against a reference (the status quo).

Pure functions of a comparison's per-run table (one row per run: ``regime``,
``replicate``, ``seed`` and the run's final-year values of :data:`sim.core.outputs.METRICS`,
as ``runs.csv`` of ``compare`` and ``run``). An *option* is any regime or variant of the
comparison (a training regime, a pay rise, a float pool, an in-service programme); the
*reference* is ``jit``, today's agency, unless another is named.

What is compared, per run and its final year (the last 52 reported weeks; or, for the
report's second table, the whole run as a year on average: the same columns from
:func:`sim.analysis.periods.whole_run_values`, ``period = "whole_run"``):

* **cost**: ``cost_total``, what the agency spent in the year (USD a year), and the
  same per client-year (divided by the client census, ``n_clients``);
* **leavers**: ``separations``, workers who left in the year (quits and dismissals,
  float-pool staff included), and the same per 100 budgeted posts (``n_workers``);
* **client-years of stable care**: ``same_primary_share`` (the share of clients in care
  all year who kept one primary worker all year) times the client census: how many
  clients a year had a stable primary worker;
* **turnover costs**: ``cost_recruiting`` (recruiting and separation) plus
  ``cost_onboarding`` (bringing hires to competence): what the model charges for
  leavers and their replacements.

For option *O* against reference *R* (signs: a positive ``cost_diff`` costs more, a
positive ``leavers_avoided`` means fewer leavers, a positive ``stable_gained`` more
stable care)::

    cost_diff        = cost(O) - cost(R)                      USD a year
    leavers_avoided  = leavers(R) - leavers(O)                leavers a year
    stable_gained    = stable(O) - stable(R)                  client-years a year
    cost_per_leaver_avoided      = cost_diff / leavers_avoided
    cost_per_stable_year_gained  = cost_diff / stable_gained
    saved            = turnover_costs(R) - turnover_costs(O)  USD a year
    break_even_leaver_cost       = leaver_cost * (cost_diff + saved) / saved

``break_even_leaver_cost`` is the cost of one leaver at which the option pays for itself.
The model charges ``leaver_cost`` per leaver (``separation_cost + recruit_cost +
onboarding_cost``, the report's "One leaver costs ..."): if all three were scaled so that
one leaver cost ``x``, the turnover costs the option saves would scale by ``x /
leaver_cost`` and its extra cost would be ``cost_diff + saved - saved * x /
leaver_cost``, zero at the break-even ``x``. So an option with a break-even below
``leaver_cost`` is cheaper than the reference in the model itself (``cost_diff < 0``),
one above it is dearer, and one whose break-even is 0 or less saves money even if
leavers cost nothing. (The turnover costs saved per leaver avoided are usually less than
``leaver_cost``: a hire who leaves within ``onboarding_weeks`` costs only the onboarding
of the weeks worked, and hires need not equal leavers in a year.)
:func:`break_even_reduction` answers the converse question for a programme whose
recurring cost is known in advance (:func:`programme_cost`: a raise, a float pool, an
in-service programme): how many fewer leavers a year, at ``leaver_cost`` each, would
pay for it.

Intervals. The runs of ``compare`` use common random numbers: replicate *r* has the same
seed under every regime (:mod:`sim.experiments.runner`). When every run of the option
has a reference run with the same replicate and seed, the differences are **paired**
(replicate by replicate) and their 95 % intervals are Student-t intervals of the mean
paired difference; otherwise the two arms are treated as independent (Welch's standard
error, ``min(n) - 1`` degrees of freedom, conservative). A ratio's interval is
**Fieller's** (the exact confidence set of a ratio of two normal means, with their
covariance): it is a finite interval exactly when the denominator's own interval
excludes zero. When it does not (the option's effect on leavers or stable care cannot
be told from zero), the ratio is **not estimable**: no number is given, because a cost
divided by an effect that may be zero or of either sign means nothing. Nothing is
random here, so no seed is needed and the answer is exact for given runs.

``status`` of a ratio says how to read it:

* ``"ratio"``: the option has a clear effect in the good direction; the ratio and its
  interval are given (the interval's lower end may be negative when the cost
  difference is uncertain: a negative cost per leaver avoided means saving money);
* ``"saves money"``: a clear effect in the good direction *and* a cost clearly below
  the reference's (the option dominates: cheaper and better); the ratio is given but a
  negative cost per unit means nothing beyond that;
* ``"not estimable"``: the effect's interval includes zero;
* ``"worse"``: the effect is clearly in the wrong direction (more leavers, less stable
  care); no cost per unit *avoided* exists.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from sim.analysis.summary import CONFIDENCE

__all__ = [
    "COSTEFFECT_COLUMNS",
    "COSTEFFECT_DESCRIPTIONS",
    "NEEDED",
    "STATUSES",
    "Diff",
    "break_even_reduction",
    "cost_effectiveness",
    "fieller",
    "leaver_cost",
    "mean_diff",
    "paired",
    "per_run",
    "programme_cost",
]

#: The per-run columns :func:`cost_effectiveness` reads.
NEEDED: tuple[str, ...] = (
    "regime",
    "cost_total",
    "cost_recruiting",
    "cost_onboarding",
    "separations",
    "same_primary_share",
)

#: The values of a ratio's ``status`` (see the module docstring).
STATUSES: tuple[str, ...] = ("ratio", "saves money", "not estimable", "worse")

#: What each column of :func:`cost_effectiveness`'s table holds (``costeffect.csv``):
#: name -> (label, unit, description). Every quantity ``q`` has ``q_low``/``q_high``,
#: its 95 % interval.
COSTEFFECT_DESCRIPTIONS: dict[str, tuple[str, str, str]] = {
    "period": (
        "Period",
        "",
        "final_year: the last 52 reported weeks (the report's first table and the chart); "
        "whole_run: every reported week, each quantity a year on average (flows summed and "
        "scaled to a year, the share of clients with one primary worker all year averaged "
        "over the years ending at the horizon, 52 weeks before it, ...; "
        "sim.analysis.periods.whole_run_values).",
    ),
    "option": ("Option", "", "The regime or variant compared with the reference."),
    "reference": ("Reference", "", "The regime it is compared with (the status quo, jit)."),
    "n": ("Replications", "runs", "Replications (pairs of runs when paired) used."),
    "paired": (
        "Paired",
        "",
        "True when every run of the option has a reference run with the same replicate "
        "and seed (common random numbers), so differences are taken replicate by replicate.",
    ),
    "cost_diff": (
        "Incremental cost",
        "USD/year",
        "The agency's total cost in the final year, option minus reference (positive: "
        "the option costs more).",
    ),
    "cost_diff_per_client_year": (
        "Incremental cost per client-year",
        "USD",
        "Final-year cost per client-year (cost / client census), option minus reference.",
    ),
    "leavers_avoided": (
        "Leavers avoided",
        "leavers/year",
        "Leavers (separations) in the final year, reference minus option (positive: "
        "fewer leavers under the option).",
    ),
    "leavers_avoided_per_100_posts": (
        "Leavers avoided per 100 posts",
        "leavers/year per 100 posts",
        "Leavers in the final year per 100 budgeted posts (n_workers), reference minus option.",
    ),
    "stable_gained": (
        "Client-years of stable care gained",
        "client-years/year",
        "Clients who kept one primary worker all year (same_primary_share x client "
        "census), option minus reference.",
    ),
    "cost_per_leaver_avoided": (
        "Incremental cost per leaver avoided",
        "USD/leaver",
        "cost_diff / leavers_avoided (ratio of the mean differences; Fieller interval); "
        "empty when not estimable or worse (see cost_per_leaver_status).",
    ),
    "cost_per_leaver_status": (
        "How to read the cost per leaver avoided",
        "",
        "ratio, saves money (cheaper and fewer leavers), not estimable (the change in "
        "leavers cannot be told from zero) or worse (more leavers).",
    ),
    "cost_per_stable_year": (
        "Incremental cost per client-year of stable care gained",
        "USD/client-year",
        "cost_diff / stable_gained (Fieller interval); empty when not estimable or worse.",
    ),
    "cost_per_stable_status": (
        "How to read the cost per client-year of stable care",
        "",
        "ratio, saves money, not estimable or worse, as for cost_per_leaver_status.",
    ),
    "break_even_leaver_cost": (
        "Break-even cost of a leaver",
        "USD/leaver",
        "The cost of one leaver (separation, recruiting, onboarding, scaled together) at "
        "which the option's extra cost would be zero: leaver_cost x (cost_diff + "
        "turnover costs saved) / turnover costs saved. Below leaver_cost: the option is "
        "cheaper than the reference already. Empty when the turnover costs saved are not "
        "clearly positive.",
    ),
    "leaver_cost": (
        "Cost of one leaver in the model",
        "USD/leaver",
        "separation_cost + recruit_cost + onboarding_cost of the reference.",
    ),
    "recurring_cost": (
        "Known recurring cost",
        "USD/year",
        "The option's outlay a year that follows from its parameters at full staffing "
        "(pay of the posts and float pool, in-service trainer and supervisor hours), "
        "against the reference; empty for training regimes (paid per hire).",
    ),
    "break_even_leavers": (
        "Break-even reduction in leavers",
        "leavers/year",
        "recurring_cost / leaver_cost: how many fewer leavers a year would pay for the "
        "recurring cost through turnover costs saved.",
    ),
    "break_even_per_100_posts": (
        "Break-even reduction per 100 posts",
        "leavers/year per 100 posts",
        "break_even_leavers per 100 budgeted posts.",
    ),
    "reference_leavers": (
        "Reference leavers",
        "leavers/year",
        "Mean leavers a year under the reference: a break-even reduction above it is out "
        "of reach even with no turnover at all.",
    ),
}

_WITH_CI = (
    "cost_diff",
    "cost_diff_per_client_year",
    "leavers_avoided",
    "leavers_avoided_per_100_posts",
    "stable_gained",
    "cost_per_leaver_avoided",
    "cost_per_stable_year",
    "break_even_leaver_cost",
)


def _columns() -> tuple[str, ...]:
    out: list[str] = []
    for name in COSTEFFECT_DESCRIPTIONS:
        out.append(name)
        if name in _WITH_CI:
            out += [f"{name}_low", f"{name}_high"]
    return tuple(out)


#: Columns of :func:`cost_effectiveness`'s table, in order.
COSTEFFECT_COLUMNS: tuple[str, ...] = _columns()

for _name in _WITH_CI:  # the interval columns, described once
    _label, _unit, _ = COSTEFFECT_DESCRIPTIONS[_name]
    COSTEFFECT_DESCRIPTIONS[f"{_name}_low"] = (
        f"{_label}, CI low",
        _unit,
        f"Lower end of the 95 % interval of {_name}.",
    )
    COSTEFFECT_DESCRIPTIONS[f"{_name}_high"] = (
        f"{_label}, CI high",
        _unit,
        f"Upper end of the 95 % interval of {_name}.",
    )
del _name, _label, _unit


# ---------------------------------------------------------------------------
# statistics
# ---------------------------------------------------------------------------


class Diff:
    """The difference of the means of two quantities between two arms, with what a
    ratio of two such differences needs: the mean ``mean``, its variance ``var``, the
    degrees of freedom ``df``, the 95 % interval (``low``, ``high``), ``n`` and the
    per-pair (or per-arm) values for covariances."""

    __slots__ = ("df", "high", "low", "mean", "n", "parts", "var")

    def __init__(self, mean: float, var: float, df: int, n: int, parts: Any, conf: float):
        self.mean, self.var, self.df, self.n, self.parts = mean, var, df, n, parts
        if n == 0 or not math.isfinite(mean):
            self.low = self.high = math.nan
        elif df < 1 or not var > 0:
            self.low = self.high = mean
        else:
            half = float(stats.t.ppf(0.5 + conf / 2, df)) * math.sqrt(var)
            self.low, self.high = mean - half, mean + half

    def excludes_zero(self) -> bool:
        return self.low > 0 or self.high < 0


def mean_diff(
    option: np.ndarray,
    reference: np.ndarray,
    is_paired: bool,
    confidence: float = CONFIDENCE,
    sign: float = 1.0,
) -> Diff:
    """``sign * (mean(option) - mean(reference))`` with its interval (``sign = -1``:
    reference minus option, for a quantity where lower is better, such as leavers).

    Paired (``option[i]`` and ``reference[i]`` come from the same replicate and seed):
    the Student-t interval of the mean paired difference, ``n - 1`` degrees of freedom.
    Not paired: Welch's standard error with ``min(n_option, n_reference) - 1`` degrees
    of freedom (conservative). Non-finite values are dropped (pairwise when paired).
    """
    a = sign * np.asarray(option, dtype=float)
    b = sign * np.asarray(reference, dtype=float)
    if is_paired:
        d = a - b
        d = d[np.isfinite(d)]
        n = d.size
        mean = float(d.mean()) if n else math.nan
        var = float(d.var(ddof=1)) / n if n > 1 else 0.0
        return Diff(mean, var, n - 1, n, d, confidence)
    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    n = min(a.size, b.size)
    if n == 0:
        return Diff(math.nan, math.nan, 0, 0, (a, b), confidence)
    mean = float(a.mean() - b.mean())
    var = (float(a.var(ddof=1)) / a.size if a.size > 1 else 0.0) + (
        float(b.var(ddof=1)) / b.size if b.size > 1 else 0.0
    )
    return Diff(mean, var, n - 1, n, (a, b), confidence)


def _cov(x: Diff, y: Diff, is_paired: bool) -> float:
    """Covariance of two mean differences of the same runs (two quantities): from the
    paired differences, or, unpaired, the sum over the two arms (the option's values
    and the reference's, each already multiplied by its difference's sign)."""
    if is_paired:
        px, py = np.asarray(x.parts), np.asarray(y.parts)
        if px.size != py.size or px.size < 2:
            return 0.0
        return float(np.cov(px, py, ddof=1)[0, 1]) / px.size
    total = 0.0
    for ax, ay in zip(x.parts, y.parts, strict=True):
        if ax.size == ay.size and ax.size > 1:
            total += float(np.cov(ax, ay, ddof=1)[0, 1]) / ax.size
    return total


def fieller(
    num: float,
    den: float,
    var_num: float,
    var_den: float,
    cov: float,
    df: int,
    confidence: float = CONFIDENCE,
) -> tuple[float, float, float]:
    """``(ratio, low, high)``: ``num / den`` and Fieller's interval for a ratio of two
    (approximately normal) means with variances ``var_num``, ``var_den`` and covariance
    ``cov``, ``t`` quantile with ``df`` degrees of freedom.

    The interval is the set of ``rho`` with ``(num - rho*den)^2 <= t^2 * (var_num -
    2*rho*cov + rho^2*var_den)``. It is a finite interval exactly when ``den^2 > t^2 *
    var_den``, i.e. when the denominator's own t-interval excludes zero; otherwise the
    ratio is not estimable and ``(nan, nan, nan)`` is returned. With no variance at all
    it is the ratio itself.
    """
    if not (math.isfinite(num) and math.isfinite(den)) or den == 0:
        return math.nan, math.nan, math.nan
    t2 = float(stats.t.ppf(0.5 + confidence / 2, df)) ** 2 if df >= 1 else 0.0
    a = den * den - t2 * var_den
    if not a > 0:
        return math.nan, math.nan, math.nan
    b = num * den - t2 * cov
    c = num * num - t2 * var_num
    disc = max(b * b - a * c, 0.0)
    root = math.sqrt(disc)
    return num / den, (b - root) / a, (b + root) / a


def _ratio(
    cost: Diff, effect: Diff, is_paired: bool, conf: float
) -> tuple[float, float, float, str]:
    """``(ratio, low, high, status)`` of ``cost / effect`` (effect: positive = better)."""
    if effect.n == 0 or not math.isfinite(effect.mean):
        return math.nan, math.nan, math.nan, "not estimable"
    if not effect.excludes_zero():
        return math.nan, math.nan, math.nan, "not estimable"
    if effect.mean < 0:
        return math.nan, math.nan, math.nan, "worse"
    ratio, lo, hi = fieller(
        cost.mean, effect.mean, cost.var, effect.var, _cov(cost, effect, is_paired), effect.df, conf
    )
    if not math.isfinite(ratio):
        return math.nan, math.nan, math.nan, "not estimable"
    status = "saves money" if cost.high < 0 else "ratio"
    return ratio, lo, hi, status


# ---------------------------------------------------------------------------
# inputs
# ---------------------------------------------------------------------------


def paired(runs: pd.DataFrame, option: str, reference: str) -> bool:
    """Whether every run of ``option`` has exactly one run of ``reference`` with the same
    replicate and seed, and vice versa (common random numbers, as ``compare`` runs)."""
    keys = [c for c in ("replicate", "seed") if c in runs.columns]
    if "replicate" not in keys:
        return False
    a = runs.loc[runs["regime"] == option, keys]
    b = runs.loc[runs["regime"] == reference, keys]
    if len(a) == 0 or len(a) != len(b) or a.duplicated().any() or b.duplicated().any():
        return False
    ka = set(map(tuple, a.to_numpy().tolist()))
    kb = set(map(tuple, b.to_numpy().tolist()))
    return ka == kb


def per_run(
    runs: pd.DataFrame,
    n_clients: Mapping[str, float] | float,
    n_workers: Mapping[str, float] | float,
) -> pd.DataFrame:
    """The per-run quantities compared: ``regime``, ``replicate`` (and ``seed`` when
    present), ``cost`` (USD a year), ``cost_per_client_year``, ``leavers`` (a year),
    ``leavers_per_100_posts``, ``stable`` (client-years of stable care a year) and
    ``turnover_costs`` (recruiting, separation and onboarding, USD a year).

    ``n_clients``/``n_workers``: the client census and the budgeted posts, one number or
    one per regime.
    """
    missing = [c for c in NEEDED if c not in runs.columns]
    if missing:
        raise KeyError(f"runs has no column(s): {', '.join(missing)}")

    def each(value: Mapping[str, float] | float) -> np.ndarray:
        if isinstance(value, Mapping):
            return runs["regime"].map(lambda r: float(value[r])).to_numpy(float)
        return np.full(len(runs), float(value))

    clients, posts = each(n_clients), each(n_workers)
    out = pd.DataFrame({"regime": runs["regime"].to_numpy()})
    for c in ("replicate", "seed"):
        if c in runs.columns:
            out[c] = runs[c].to_numpy()
    cost = runs["cost_total"].to_numpy(float)
    leavers = runs["separations"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["cost"] = cost
        out["cost_per_client_year"] = np.where(clients > 0, cost / clients, np.nan)
        out["leavers"] = leavers
        out["leavers_per_100_posts"] = np.where(posts > 0, 100.0 * leavers / posts, np.nan)
    out["stable"] = runs["same_primary_share"].to_numpy(float) * clients
    out["turnover_costs"] = runs["cost_recruiting"].to_numpy(float) + runs[
        "cost_onboarding"
    ].to_numpy(float)
    return out


def _arm(df: pd.DataFrame, regime: str, is_paired: bool) -> pd.DataFrame:
    part = df[df["regime"] == regime]
    if is_paired:
        part = part.sort_values(["replicate", "seed"] if "seed" in part else ["replicate"])
    return part


# ---------------------------------------------------------------------------
# the table
# ---------------------------------------------------------------------------


def cost_effectiveness(
    runs: pd.DataFrame,
    *,
    n_clients: Mapping[str, float] | float,
    n_workers: Mapping[str, float] | float,
    reference: str = "jit",
    options: Sequence[str] | None = None,
    leaver_cost: float = math.nan,
    recurring_cost: Mapping[str, float] | None = None,
    confidence: float = CONFIDENCE,
    period: str = "final_year",
) -> pd.DataFrame:
    """Each option against ``reference``: incremental cost, leavers avoided, stable care
    gained, the cost per leaver avoided and per client-year of stable care gained, and
    the break-even points, with 95 % intervals (see the module docstring).

    Parameters
    ----------
    runs
        One row per run: the columns of :data:`NEEDED`, and ``replicate`` and ``seed``
        for pairing.
    n_clients, n_workers
        Client census and budgeted posts, one number or one per regime.
    reference
        The regime every option is compared with (default ``jit``).
    options
        Options in output order; default: every other regime in order of appearance.
    leaver_cost
        The cost of one leaver in the model (:func:`leaver_cost`), copied into the table
        and used for the break-even reduction.
    recurring_cost
        ``{option: USD a year}`` of the options whose recurring cost is known
        (:func:`programme_cost`); the break-even reduction in leavers is given for them.
    period
        What the runs' values cover, copied into the ``period`` column:
        ``"final_year"`` (``runs.csv``'s values) or ``"whole_run"``
        (:func:`sim.analysis.periods.whole_run_values`).

    Returns
    -------
    DataFrame with columns :data:`COSTEFFECT_COLUMNS`, one row per option.
    """
    if "regime" not in runs.columns:
        raise KeyError("runs has no 'regime' column")
    regimes = list(pd.unique(runs["regime"]))
    if reference not in regimes:
        raise KeyError(
            f"reference {reference!r} has no runs; regimes: {', '.join(map(str, regimes))}"
        )
    order = [r for r in (regimes if options is None else options) if r != reference]
    df = per_run(runs, n_clients, n_workers)
    posts = n_workers[reference] if isinstance(n_workers, Mapping) else n_workers
    recurring = dict(recurring_cost or {})
    ref_leavers = float(df.loc[df["regime"] == reference, "leavers"].mean())
    rows = []
    for opt in order:
        is_paired = paired(runs, opt, reference)
        o, r = _arm(df, opt, is_paired), _arm(df, reference, is_paired)

        def diff(col: str, better_lower: bool = False, o=o, r=r, is_paired=is_paired) -> Diff:
            a, b = o[col].to_numpy(float), r[col].to_numpy(float)
            return mean_diff(a, b, is_paired, confidence, -1.0 if better_lower else 1.0)

        cost = diff("cost")
        cost_pc = diff("cost_per_client_year")
        avoided = diff("leavers", better_lower=True)
        avoided_100 = diff("leavers_per_100_posts", better_lower=True)
        gained = diff("stable")
        # the extra cost other than turnover costs: cost_diff + saved
        other = mean_diff(
            o["cost"].to_numpy(float) - o["turnover_costs"].to_numpy(float),
            r["cost"].to_numpy(float) - r["turnover_costs"].to_numpy(float),
            is_paired,
            confidence,
        )
        per_leaver = _ratio(cost, avoided, is_paired, confidence)
        per_stable = _ratio(cost, gained, is_paired, confidence)
        saved = diff("turnover_costs", better_lower=True)
        be = _ratio(other, saved, is_paired, confidence)
        be_values = tuple(
            float(leaver_cost) * v if be[3] in ("ratio", "saves money") else math.nan
            for v in be[:3]
        )
        rec = float(recurring.get(opt, math.nan))
        be_leavers, be_100 = break_even_reduction(rec, leaver_cost, posts)
        row: dict[str, Any] = {
            "period": period,
            "option": opt,
            "reference": reference,
            "n": cost.n,
            "paired": is_paired,
        }
        for name, d in (
            ("cost_diff", cost),
            ("cost_diff_per_client_year", cost_pc),
            ("leavers_avoided", avoided),
            ("leavers_avoided_per_100_posts", avoided_100),
            ("stable_gained", gained),
        ):
            row.update({name: d.mean, f"{name}_low": d.low, f"{name}_high": d.high})
        for name, res in (
            ("cost_per_leaver_avoided", per_leaver),
            ("cost_per_stable_year", per_stable),
        ):
            shown = res[:3] if res[3] in ("ratio", "saves money") else (math.nan,) * 3
            row.update({name: shown[0], f"{name}_low": shown[1], f"{name}_high": shown[2]})
        row["cost_per_leaver_status"] = per_leaver[3]
        row["cost_per_stable_status"] = per_stable[3]
        row.update(
            {
                "break_even_leaver_cost": be_values[0],
                "break_even_leaver_cost_low": be_values[1],
                "break_even_leaver_cost_high": be_values[2],
                "leaver_cost": float(leaver_cost),
                "recurring_cost": rec,
                "break_even_leavers": be_leavers,
                "break_even_per_100_posts": be_100,
                "reference_leavers": ref_leavers,
            }
        )
        rows.append(row)
    out = pd.DataFrame(rows, columns=list(COSTEFFECT_COLUMNS))
    return out.astype({"n": "int64", "paired": "bool"})


# ---------------------------------------------------------------------------
# break-even for a known recurring cost
# ---------------------------------------------------------------------------


def break_even_reduction(
    recurring_cost: float, leaver_cost: float, posts: float
) -> tuple[float, float]:
    """``(leavers a year, leavers a year per 100 posts)``: the fall in leavers whose
    turnover costs saved (``leaver_cost`` each) would pay ``recurring_cost`` a year.
    NaN when either cost is unknown or ``leaver_cost`` is not positive."""
    if not (math.isfinite(recurring_cost) and math.isfinite(leaver_cost)) or not leaver_cost > 0:
        return math.nan, math.nan
    leavers = recurring_cost / leaver_cost
    per_100 = 100.0 * leavers / posts if posts and posts > 0 else math.nan
    return leavers, per_100


#: The parts of the cost of one leaver (registry parameters, USD).
LEAVER_PARTS: tuple[str, ...] = ("separation_cost", "recruit_cost", "onboarding_cost")


def leaver_cost(params: Mapping[str, Any]) -> float:
    """The cost of one leaver in the model: ``separation_cost + recruit_cost +
    onboarding_cost`` (registry defaults for missing ones)."""
    from sim.core.params import PARAMS

    return float(sum(float(params.get(n, PARAMS[n].default)) for n in LEAVER_PARTS))


def programme_cost(
    option: Mapping[str, Any],
    reference: Mapping[str, Any],
    horizon_weeks: int,
    *,
    whole_run: bool = False,
) -> float:
    """An option's recurring cost a year that follows from its parameters alone, against
    the reference, at full staffing, in the final year of a run of ``horizon_weeks``
    (``whole_run``: over all its reported weeks, as a year on average):

    * pay: ``(n_workers + float_pool) * contract_hours * 52 * wage * (1 + benefits_rate)``,
      option minus reference (a raise, a float pool, longer contracts);
    * an in-service programme: ``n_workers * weeks * (inservice_training_hours *
      trainer_cost + inservice_supervision_hours * wage)``, ``weeks`` the programme's
      weeks within the final 52 (``whole_run``: within reported weeks ``1..h``, times
      ``52 / h``; on-demand modules are left out: their use is not known in advance).

    NaN when the options differ in neither (a training regime, whose cost is paid per
    new hire and so depends on turnover itself), or when the result is not positive.
    """
    from sim.core.params import PARAMS

    def get(p: Mapping[str, Any], name: str) -> float:
        v = p.get(name, PARAMS[name].default)
        return float(v)

    def pay(p: Mapping[str, Any]) -> float:
        staff = get(p, "n_workers") + get(p, "float_pool")
        return (
            staff * get(p, "contract_hours") * 52 * get(p, "wage") * (1 + get(p, "benefits_rate"))
        )

    def inservice(p: Mapping[str, Any]) -> float:
        length = int(get(p, "inservice_weeks"))
        if length <= 0:
            return 0.0
        start = int(get(p, "inservice_start"))
        last = horizon_weeks  # reported weeks 1..h
        first = 1 if whole_run else max(horizon_weeks - 52, 0) + 1
        weeks = max(0, min(last, start + length - 1) - max(first, start) + 1)
        if whole_run and horizon_weeks > 52:
            weeks *= 52 / horizon_weeks
        hourly = get(p, "inservice_training_hours") * get(p, "trainer_cost") + get(
            p, "inservice_supervision_hours"
        ) * get(p, "wage")
        return get(p, "n_workers") * weeks * hourly

    total = (pay(option) - pay(reference)) + (inservice(option) - inservice(reference))
    return total if total > 0 and math.isfinite(total) else math.nan
