"""Plain-language findings of a regime comparison, computed from its results.

:func:`findings` turns the per-run final-year values (``runs``), the new hires' spells
(``survival``) and the run metadata into short sentences for a policy reader, e.g.
*"Under Foundation-first, about 7 in 10 clients kept the same primary worker all year
(70 %); under JIT-only, about 3 in 10 (30 %)."* Nothing is hard-coded: every number,
every ordering and every hedge comes from the data.

How a sentence decides: :func:`sim.analysis.ranking.rank`, the rule the chart titles use too.
Regimes are ranked by their mean over replications in the direction that is better for
the measure (its ``better`` in :data:`sim.core.outputs.METRICS`). If the best and the
worst regime's 95 % confidence intervals overlap, the sentence says the regimes did
*about the same*. If
they do not, every regime is named with its value, best first, and a regime whose
interval overlaps only the best's or only the worst's is marked "about the same as"
that one, one that overlaps both "not clearly different from either". Overlapping
intervals are a cautious rule of thumb, not a significance test.

Shares are given as natural frequencies ("about 7 in 10"), with the percentage in
brackets; "in 100" is used where tenths would hide a clear difference or round a share
to none or all. Turnover is a rate, not a share of workers (leavers in a year over the
current headcount, so it can exceed 100 %): *"about 49 leavers in a year for every 100
workers employed (turnover 49 %)"*.

:func:`caveats` lists the limits of the model, with those that depend on the run
(few replications, a short horizon, a shock in the final year) computed from it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from sim.analysis.metrics import kaplan_meier, km_at
from sim.analysis.ranking import Ranking, RegimeStat, half_width, join, overlap, rank, words
from sim.analysis.summary import (
    COST_COMPONENTS,
    cost_breakdown,
    mean_ci,
    n_clients_by_regime,
    regime_label,
    regime_order,
    value_kind,
)
from sim.core.outputs import METRICS

__all__ = [
    "RETENTION",
    "Finding",
    "RegimeStat",
    "caveats",
    "compare_sentence",
    "cost_differences",
    "cost_stats",
    "findings",
    "measure_scale",
    "measure_stats",
    "natural_frequency",
    "rank_measure",
    "retention_stats",
    "run_warnings",
]

_YEAR = 52
_DASH = "–"


@dataclass(frozen=True)
class Finding:
    """One finding: a short ``topic`` heading and the ``text`` (plain sentences).

    ``clear`` is True when the best and the worst regime clearly differ (their
    intervals do not overlap), False when the text says they are about the same, None
    when there was nothing to compare or the intervals were too wide to tell.
    """

    key: str
    topic: str
    text: str
    clear: bool | None
    #: The ranking the text words (:func:`rank_measure`); None for a finding that ranks
    #: nothing (where the money goes).
    ranking: Ranking | None = None


# ---------------------------------------------------------------------------
# numbers in words
# ---------------------------------------------------------------------------


def _pct(x: float, denominator: int = 10) -> str:
    """A percentage; with one decimal when the frequency is already 'in 100'."""
    return f"{x * 100:.1f} %" if denominator >= 100 else f"{x * 100:.0f} %"


def _pct_range(values: Sequence[float]) -> str:
    lo, hi = min(values), max(values)
    a, b = f"{lo * 100:.0f}", f"{hi * 100:.0f}"
    return f"{a} %" if a == b else f"{a}{_DASH}{b} %"


def _usd(x: float) -> str:
    return f"${x:,.0f}"


def _usd_range(values: Sequence[float]) -> str:
    lo, hi = _usd(min(values)), _usd(max(values))
    return lo if lo == hi else f"{lo}{_DASH}{hi}"


def _choose_denominator(stats: Sequence[RegimeStat]) -> int:
    """10 unless tenths would merge clearly different regimes or round to none/all."""
    valid = [s for s in stats if s.valid]
    for s in valid:
        k = round(s.mean * 10)
        if (k == 0 and s.mean > 0) or (k >= 10 and s.mean < 1):
            return 100
    for i, a in enumerate(valid):
        for b in valid[i + 1 :]:
            if round(a.mean * 10) == round(b.mean * 10) and not overlap(a, b):
                return 100
    return 10


def natural_frequency(x: float, denominator: int = 10) -> str:
    """A share as ``"about 7 in 10"``, or ``"7 in 10"`` when it is exact at the precision
    of the percentage shown with it (70 %; 4.0 % for ``"4 in 100"``); shares above 1 as
    ``"about 12 for every 10"``; tiny shares as ``"fewer than 1 in 100"``."""
    if not math.isfinite(x):
        return "an unknown number"
    k = x * denominator
    r = round(k)
    shown = round(x * 100) if denominator < 100 else round(x * 1000) / 10
    exact = abs(shown - r * 100 / denominator) < 1e-9
    about = "" if exact else "about "
    if r == 0 and x > 0:
        return f"fewer than 1 in {denominator}"
    if x > 1:
        return f"{about}{r} for every {denominator}"
    return f"{about}{r} in {denominator}"


def _frequency_range(values: Sequence[float], denominator: int) -> str:
    ks = sorted({round(v * denominator) for v in values})
    if len(ks) == 1:
        return natural_frequency(values[0], denominator)
    return f"{ks[0]}{_DASH}{ks[-1]} in {denominator}"


# ---------------------------------------------------------------------------
# the sentence
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Phrasing:
    """How one measure is put into words.

    ``what``: the clause after the first value (``"clients kept ... all year"``);
    ``subject``: the measure as a noun phrase for the 'about the same' sentence;
    ``style``: ``"share"`` (natural frequency + percentage), ``"usd"`` or ``"number"``;
    ``detail``: text before the percentage in brackets (``"turnover "``);
    ``unit``: text after the first amount or number (``" per client-year"``).
    """

    what: str
    subject: str
    style: str = "share"
    detail: str = ""
    unit: str = ""


def _per_100(x: float) -> str:
    """A rate per year as ``"about 49"`` (per 100), ``"49"`` when exact at whole percent."""
    if not math.isfinite(x):
        return "an unknown number"
    r = round(x * 100)
    return f"{r}" if abs(x * 100 - r) < 1e-9 else f"about {r}"


def _value(s: RegimeStat, ph: _Phrasing, denom: int) -> str:
    if ph.style == "rate":
        return f"{_per_100(s.mean)} for every 100 ({ph.detail}{_pct(s.mean)})"
    if ph.style == "share":
        return f"{natural_frequency(s.mean, denom)} ({ph.detail}{_pct(s.mean, denom)})"
    if ph.style == "usd":
        return _usd(s.mean)
    return f"{s.mean:.1f}"


def _range_text(stats: Sequence[RegimeStat], ph: _Phrasing, denom: int) -> str:
    values = [s.mean for s in stats]
    if ph.style == "rate":
        lo, hi = round(min(values) * 100), round(max(values) * 100)
        n = f"{lo}" if lo == hi else f"{lo}{_DASH}{hi}"
        return f"{n} {ph.what} ({ph.detail}{_pct_range(values)})"
    if ph.style == "share":
        return f"{_frequency_range(values, denom)} ({ph.detail}{_pct_range(values)})"
    if ph.style == "usd":
        return _usd_range(values)
    lo, hi = f"{min(values):.1f}", f"{max(values):.1f}"
    return lo if lo == hi else f"{lo}{_DASH}{hi}"


def compare_sentence(
    stats: Sequence[RegimeStat], better: str, ph: _Phrasing, scale: float | None = None
) -> tuple[str, bool | None]:
    """The sentence comparing regimes on one measure, and whether they clearly differ.

    ``better`` is ``"higher"`` or ``"lower"``; ``scale`` the measure's scale
    (:func:`measure_scale`; None turns the too-wide-interval rule off). The ranking and
    its hedges are :func:`sim.analysis.ranking.rank` and
    :func:`sim.analysis.ranking.words`, as in the chart titles.
    """
    valid = [s for s in stats if s.valid]
    ranking = rank(valid, better, scale)
    if ranking.status == "none":
        return f"No data on {ph.subject[0].lower() + ph.subject[1:]}.", None
    denom = _choose_denominator(valid) if ph.style == "share" else 10
    if ranking.status == "single":
        s = valid[0]
        return f"Under {s.label}, {_lead(s, ph, denom)}.", None
    if ranking.status == "unranked":  # one run: no interval, so no ranking either
        values = "; ".join(f"under {s.label}, {_value(s, ph, denom)}" for s in valid)
        return (
            f"{ph.subject}: {values} (one run per regime, so no confidence interval: "
            "the differences may be chance).",
            None,
        )
    w = words(ranking, valid)
    if ranking.status == "too_wide":
        return (
            f"Not enough replications to tell: {_lower(ph.subject)} was "
            f"{_range_text(valid, ph, denom)} under {w.everyone}, but the 95 % intervals "
            f"(up to ±{_spread(max(half_width(s) for s in valid), ph)}) are wider than the "
            "differences between the regimes; about "
            f"{ranking.needed} replications per regime would be needed to tell them apart.",
            None,
        )
    if ranking.status == "same":
        return (
            f"{ph.subject} was about the same under {w.everyone}: {_range_text(valid, ph, denom)}.",
            False,
        )
    best = ranking.best
    parts = [f"Under {best.label}, {_lead(best, ph, denom)}"]
    for s, note in zip(ranking.ranked[1:], w.notes[1:], strict=True):
        parts.append(f"under {s.label}, {_value(s, ph, denom)}{note}")
    return "; ".join(parts) + ".", True


def _lower(text: str) -> str:
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def _spread(h: float, ph: _Phrasing) -> str:
    """A half-width in the measure's terms: points for shares and rates."""
    if ph.style in ("share", "rate"):
        return f"{h * 100:.0f} points" if h * 100 >= 1 else f"{h * 100:.1f} points"
    if ph.style == "usd":
        return _usd(h)
    return f"{h:.1f}"


def _lead(s: RegimeStat, ph: _Phrasing, denom: int) -> str:
    """The first clause: value and what it counts, e.g. 'about 7 in 10 clients kept ...
    (70 %)'."""
    if ph.style == "rate":
        return f"{_per_100(s.mean)} {ph.what} ({ph.detail}{_pct(s.mean)})"
    if ph.style == "share":
        return f"{natural_frequency(s.mean, denom)} {ph.what} ({ph.detail}{_pct(s.mean, denom)})"
    if ph.style == "usd":
        return f"{ph.what} {_usd(s.mean)}{ph.unit}"
    return f"{ph.what} {s.mean:.1f}{ph.unit}"


# ---------------------------------------------------------------------------
# statistics per regime
# ---------------------------------------------------------------------------


def measure_scale(metric: str, stats: Sequence[RegimeStat] = ()) -> float | None:
    """The scale the too-wide-interval rule compares a half-width with: 1 for shares,
    rates per year and 0-1 indices (a measure with an upper bound: its range); for any
    other measure (USD, workers) the largest absolute mean among ``stats``."""
    if metric == RETENTION:
        return 1.0
    m = METRICS.get(metric)
    if m is not None and m.high is not None:
        return float(m.high - m.low)
    if metric in METRICS and value_kind(metric) == "percent":
        return 1.0
    means = [abs(s.mean) for s in stats if s.valid]
    return max(means) if means else None


def rank_measure(stats: Sequence[RegimeStat], metric: str, better: str | None = None) -> Ranking:
    """The one ranking of a measure (:func:`sim.analysis.ranking.rank` with the measure's
    direction and the too-wide-interval rule on its scale): findings and chart titles
    both use it. ``better`` defaults to the measure's in :data:`METRICS`."""
    if better is None and metric in METRICS:
        better = METRICS[metric].better
    return rank([s for s in stats if s.valid], better, measure_scale(metric, stats))


def measure_stats(
    runs: pd.DataFrame, metric: str, order: Sequence[str], meta: Mapping[str, Any]
) -> list[RegimeStat]:
    """Each regime's mean and 95 % CI (clipped to the measure's range) of ``metric``
    over the runs in ``runs``: the statistics of the findings and the chart titles."""
    m = METRICS.get(metric)
    out = []
    for r in order:
        vals = runs.loc[runs["regime"] == r, metric].to_numpy(float) if len(runs) else []
        n, mean, lo, hi = mean_ci(vals)
        if m is not None and n > 1:
            lo = max(lo, m.low)
            hi = hi if m.high is None else min(hi, m.high)
        out.append(RegimeStat(r, regime_label(r, meta), n, mean, lo, hi))
    return out


def retention_stats(
    survival: pd.DataFrame | None, order: Sequence[str], meta: Mapping[str, Any]
) -> tuple[list[RegimeStat], float]:
    """One-year retention of new hires (pooled Kaplan–Meier, Greenwood 95 % CI), or at
    the longest follow-up every regime reaches if that is under a year."""
    kms = {}
    if survival is not None and len(survival):
        for r in order:
            d = survival[survival["regime"] == r]
            if len(d):
                kms[r] = kaplan_meier(d["duration_weeks"].to_numpy(float), d["event"].to_numpy(int))
    if not kms:
        return [], float(_YEAR)
    t_ref = float(min(_YEAR, min(float(km["time"].max()) for km in kms.values())))
    out = []
    for r in order:
        if r in kms:
            s, lo, hi = km_at(kms[r], t_ref)
            out.append(RegimeStat(r, regime_label(r, meta), len(kms[r]), s, lo, hi))
    return out, t_ref


#: The name :func:`measure_scale` and :func:`rank_measure` know the retention of new
#: hires by (a share: scale 1).
RETENTION = "retention"


def cost_stats(tidy: pd.DataFrame, item: str, meta: Mapping[str, Any]) -> list[RegimeStat]:
    """Each regime's mean and CI of one item of a :func:`sim.analysis.summary.cost_breakdown`
    (``cost_total``: cost per client-year; ``cost_stable_care``; a ``cost_*`` category)."""
    part = tidy[tidy["item"] == item]
    return [
        RegimeStat(
            row.regime,
            regime_label(row.regime, meta),
            int(row.n),
            float(row.mean),
            float(row.ci_low),
            float(row.ci_high),
        )
        for row in part.itertuples(index=False)
    ]


def _param(meta: Mapping[str, Any], order: Sequence[str], name: str) -> Any:
    """A parameter's value in the first regime's runs (meta['params']), or its default."""
    from sim.core.params import PARAMS

    params = meta.get("params") or {}
    for r in order:
        own = params.get(r)
        if isinstance(own, Mapping) and name in own:
            return own[name]
    if name in params and not isinstance(params[name], Mapping):
        return params[name]
    return PARAMS[name].default if name in PARAMS else None


# ---------------------------------------------------------------------------
# costs
# ---------------------------------------------------------------------------


def cost_differences(
    runs: pd.DataFrame,
    meta: Mapping[str, Any],
    regimes: Sequence[str] | None = None,
    reference: str | None = None,
) -> str:
    """Where each regime's spending clearly differs from a reference regime's.

    ``reference`` defaults to ``jit`` (the status quo) if compared, else the first
    regime. A category counts only when the two regimes' 95 % CIs of cost per
    client-year do not overlap. Example: *"Compared with JIT-only, Foundation-first
    spent $92 more per client-year on training and $144 less on recruiting and
    separation; Hybrid's spending was about the same in every category."*
    """
    order = list(regimes) if regimes is not None else regime_order(meta, runs)
    order = [r for r in order if (runs["regime"] == r).any()]
    if len(order) < 2:
        return ""
    ref = reference if reference in order else ("jit" if "jit" in order else order[0])
    tidy = cost_breakdown(runs, n_clients_by_regime(meta, order), order)
    by = {(row.item, row.regime): row for row in tidy.itertuples(index=False)}
    clauses = []
    for r in order:
        if r == ref:
            continue
        more, less = [], []
        for item, label in COST_COMPONENTS.items():
            a, b = by[(item, r)], by[(item, ref)]
            if a.n == 0 or b.n == 0 or not (a.ci_low > b.ci_high or b.ci_low > a.ci_high):
                continue
            diff = a.mean - b.mean
            what = label.split(" (")[0].lower()
            (more if diff > 0 else less).append((abs(diff), what))
        name = regime_label(r, meta)
        if not more and not less:
            clauses.append(f"{name}'s spending was about the same in every category")
            continue
        bits = [f"{_usd(d)} more on {w}" for d, w in sorted(more, reverse=True)]
        bits += [f"{_usd(d)} less on {w}" for d, w in sorted(less, reverse=True)]
        first = (
            bits[0]
            .replace(" more on", " more per client-year on", 1)
            .replace(" less on", " less per client-year on", 1)
        )
        clauses.append(f"{name} spent " + join([first, *bits[1:]]))
    return f"Compared with {regime_label(ref, meta)}, " + "; ".join(clauses) + "."


# ---------------------------------------------------------------------------
# findings
# ---------------------------------------------------------------------------


def findings(
    runs: pd.DataFrame,
    survival: pd.DataFrame | None,
    meta: Mapping[str, Any],
    regimes: Sequence[str] | None = None,
) -> list[Finding]:
    """The plain-language findings of a comparison, in reading order.

    Topics: stable care (``same_primary_share``), turnover, retention of new hires,
    burnout, vacancies, different workers per client, cost per client-year, cost per
    client-year of stable care and where the money goes. A topic whose measure is
    missing from ``runs`` is left out.
    """
    order = list(regimes) if regimes is not None else regime_order(meta, runs, survival)
    order = [r for r in order if (runs["regime"] == r).any()] if len(runs) else order
    out: list[Finding] = []

    def add(
        key: str,
        topic: str,
        stats: list[RegimeStat],
        better: str | None,
        ph: _Phrasing,
        metric: str,
    ) -> None:
        scale = measure_scale(metric, stats)
        text, clear = compare_sentence(stats, better, ph, scale)
        ranking = rank([s for s in stats if s.valid], better, scale)
        out.append(Finding(key, topic, text, clear, ranking))

    def has(col: str) -> bool:
        return col in runs.columns and len(runs) > 0

    if has("same_primary_share"):
        add(
            "stable_care",
            "Continuity of care",
            measure_stats(runs, "same_primary_share", order, meta),
            METRICS["same_primary_share"].better,
            _Phrasing(
                "clients kept the same primary worker all year",
                "The share of clients who kept the same primary worker all year",
            ),
            "same_primary_share",
        )
    if has("turnover_rate"):
        add(
            "turnover",
            "Turnover",
            measure_stats(runs, "turnover_rate", order, meta),
            METRICS["turnover_rate"].better,
            _Phrasing(
                "leavers in a year for every 100 workers employed",
                "Turnover",
                style="rate",
                detail="turnover ",
            ),
            "turnover_rate",
        )
    retention, t_ref = retention_stats(survival, order, meta)
    if retention:
        when = "a year after hire" if t_ref >= _YEAR else f"{t_ref:g} weeks after hire"
        add(
            "retention",
            "Retention of new hires",
            retention,
            "higher",  # as the chart
            _Phrasing(
                f"new hires were still employed {when}",
                f"The share of new hires still employed {when}",
            ),
            RETENTION,
        )
    if has("burnout_high_share"):
        thr = _param(meta, order, "burnout_high_threshold")
        add(
            "burnout",
            "Burnout",
            measure_stats(runs, "burnout_high_share", order, meta),
            METRICS["burnout_high_share"].better,
            _Phrasing(
                f"workers had high burnout (exhaustion of {thr:g} or more on a 0–1 scale)",
                "The share of workers with high burnout",
            ),
            "burnout_high_share",
        )
    if has("vacancy_rate"):
        add(
            "vacancies",
            "Vacancies",
            measure_stats(runs, "vacancy_rate", order, meta),
            METRICS["vacancy_rate"].better,
            _Phrasing("posts were vacant in an average week", "The share of posts left vacant"),
            "vacancy_rate",
        )
    if has("distinct_workers"):
        add(
            "distinct_workers",
            "Workers per client",
            measure_stats(runs, "distinct_workers", order, meta),
            METRICS["distinct_workers"].better,
            _Phrasing(
                "a client in care all year saw",
                "The number of different workers a client saw in a year (cover staff included)",
                style="number",
                unit=" different workers in the year, cover staff included",
            ),
            "distinct_workers",
        )
    if (
        has("cost_total")
        and all(c in runs.columns for c in COST_COMPONENTS)
        and has("same_primary_share")
    ):
        tidy = cost_breakdown(runs, n_clients_by_regime(meta, order), order)
        add(
            "cost",
            "Cost",
            cost_stats(tidy, "cost_total", meta),
            METRICS["cost_per_client_year"].better,
            _Phrasing(
                "care cost about", "Cost per client-year", style="usd", unit=" per client-year"
            ),
            "cost_per_client_year",
        )
        add(
            "cost_stable_care",
            "Cost of stable care",
            cost_stats(tidy, "cost_stable_care", meta),
            "lower",
            _Phrasing(
                "each client-year of stable care cost about",
                "Cost per client-year of stable care",
                style="usd",
            ),
            "cost_stable_care",
        )
        diff = cost_differences(runs, meta, order)
        if " on wages" in diff:
            diff += (
                " Wages are paid for filled posts, so a regime with fewer vacancies "
                "pays more in wages."
            )
        if diff:
            out.append(Finding("cost_drivers", "Where the money goes", diff, None))
    return out


# ---------------------------------------------------------------------------
# guard rails
# ---------------------------------------------------------------------------


def run_warnings(meta: Mapping[str, Any]) -> list[str]:
    """The guard-rail warnings of a run (:func:`sim.core.guards.agency_warnings` of each
    regime's parameters in ``meta["params"]`` over ``meta["horizon_weeks"]``), each
    sentence once, in regime order. The CLI prints them before running and the report
    lists them at the top."""
    from sim.core.guards import agency_warnings

    params = meta.get("params") or {}
    if not isinstance(params, Mapping) or not params:
        return []
    horizon = meta.get("horizon_weeks")
    horizon = int(horizon) if horizon else None
    from sim.core.params import PARAMS

    flat = {n: p.default for n, p in PARAMS.items()}
    flat |= {k: v for k, v in params.items() if not isinstance(v, Mapping)}
    sets = [{**flat, **v} for v in params.values() if isinstance(v, Mapping)] or [flat]
    out: list[str] = []
    for ps in sets:
        for w in agency_warnings(ps, horizon):
            text = w.message[:1].upper() + w.message[1:]
            if text not in out:
                out.append(text)
    return out


# ---------------------------------------------------------------------------
# caveats
# ---------------------------------------------------------------------------

#: Limits of the model that hold for every run.
STATIC_CAVEATS: tuple[str, ...] = (
    "These are model outputs under stated assumptions, not observations or forecasts "
    "for any agency. The regimes' effects are not inputs: they follow from mechanisms "
    "(learning, gap awareness, burnout, quitting, continuity of care) whose strengths are "
    "assumptions, most of them untested against data.",
    "The calibrated parameters were chosen so that the status quo (JIT-only) reproduces "
    "published turnover, tenure, vacancy and burnout patterns; no data on the other "
    "regimes were used. Check how a difference changes under other parameter values "
    "(sensitivity analysis) before relying on its size.",
    "The intervals show how much results move with chance between replications, not "
    "how sure we can be of the model's assumptions.",
    "Regimes apply to workers hired after the warm-up; incumbents keep their history, "
    "so a regime's full effect builds up only as they are replaced.",
    "The share of clients who kept one primary worker all year counts only clients in "
    "care for the whole final year; cover by float, overtime or agency staff during a "
    "primary worker's absence does not break it, but shows in the number of different "
    "workers a client saw.",
    "Costs are a partial agency budget: wages, overtime, agency cover, recruiting and "
    "separation, trainers, mentoring and module licences. They leave out the cost of "
    "clients' worse outcomes and any cost outside the agency. Wages are paid for filled "
    "posts, so a regime with fewer vacancies pays more in wages.",
    '"High burnout" is an analogue of high emotional exhaustion on the Maslach Burnout '
    "Inventory at an adjustable threshold, not an MBI score; client wellbeing and care "
    "quality are 0–1 indices, not validated instruments.",
)


def caveats(
    meta: Mapping[str, Any], runs: pd.DataFrame | None = None, regimes: Sequence[str] | None = None
) -> list[str]:
    """The caveats of a comparison: run-specific ones first, then :data:`STATIC_CAVEATS`.

    Run-specific: few replications (under 10 per regime), a horizon under three years
    (differences still building up), a shock that falls in the final year.
    """
    order = (
        list(regimes)
        if regimes is not None
        else regime_order(meta, *([runs] if runs is not None else []))
    )
    out = []
    if runs is not None and len(runs) and "regime" in runs.columns:
        counts = runs.groupby("regime").size()
        n = int(counts.min()) if len(counts) else 0
    else:
        n = int(meta.get("replications") or 0)
    if 0 < n < 10:
        out.append(
            f"Only {n} replication{'s' if n != 1 else ''} per regime: the intervals are "
            'wide, so "about the same" may only mean that this many runs cannot tell '
            "the regimes apart. Run more (e.g. --replications 20) before drawing "
            "conclusions."
        )
    horizon = int(meta.get("horizon_weeks") or 0)
    if 0 < horizon < 156:
        out.append(
            f"Only {horizon} weeks were reported after the warm-up, so many workers in the "
            "final year were hired before the regime started: differences between "
            "regimes are still building up and would likely grow over a longer horizon."
        )
    weeks = int(_param(meta, order, "shock_weeks") or 0)
    if weeks > 0 and horizon > 0:
        start = int(_param(meta, order, "shock_start") or 0)
        end = start + weeks
        final_start = horizon - _YEAR
        shock = "the findings and the table of the shock window describe the shock itself"
        rolling = (
            "; rolling measures there (turnover, continuity, leavers' tenure) cover the 52 "
            "weeks ending with the shock, so they include weeks before it"
            if weeks < _YEAR
            else ""
        )
        if start < horizon and end > final_start:
            out.append(
                f"A shock ran from week {start} to week {min(end, horizon)}, overlapping the "
                f"final year (weeks {final_start}–{horizon}): the final-year findings and "
                f"table mix the shock and the recovery from it; {shock}{rolling}."
            )
        elif start < horizon:
            out.append(
                f"A shock ran from week {start} to week {end}, before the final year "
                f"(weeks {final_start}–{horizon}): the final-year findings and table describe "
                f"the recovery, not the shock; {shock}{rolling}. The shaded band in the "
                "charts marks the shock weeks."
            )
    return out + list(STATIC_CAVEATS)
