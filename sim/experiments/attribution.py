"""Why a regime beats (or trails) JIT-only: its effect split into the model's channels.

A *channel* is one route by which training can change outcomes (competence from
training hours, gap awareness, self-care, realism, mentoring, on-demand modules,
refresher training, and the cost of unseen gaps). :data:`CHANNELS` declares each one
once: a name, a plain description, and the parameter values that switch it off
*everywhere*, in both arms of the comparison. :data:`PARTS` splits ``unseen_gaps`` into
its three parameters, for a run that names them (not run by default).

What :func:`attribute` computes. For a measure ``M`` (a run's final-year value, as in
``compare``), a regime ``R``, the baseline ``B`` (JIT-only) and replication ``r``::

    E_r       = M_r(R) - M_r(B)                        the regime's effect
    E_r(-c)   = M_r(R, c off) - M_r(B, c off)          its effect with channel c off
    C_r(c)    = E_r - E_r(-c)                          channel c's contribution
    I_r       = E_r - sum_c C_r(c)                     the interaction left over

Every run of replication ``r`` uses the same seed, whatever the regime or the channel
switched off (common random numbers): seed ``run_seed(SeedSequence(seed).spawn(n)[r])``,
the seeds of ``compare``, so the unchanged arms here are exactly ``compare``'s runs for
the same seed, horizon and setting. The differences are therefore paired, and the
noise that regimes share cancels.

The output has one row per (regime, measure) for ``channel = "total"`` (``E``), one per
channel (``C(c)``) and one for ``"interaction"`` (``I``). ``effect`` is the mean over
replications of that row's quantity; ``ci_low``/``ci_high`` its 95 % Student-t
interval over the replications (:func:`sim.analysis.summary.mean_ci`); ``share`` the
row's effect divided by the total effect (NaN when the total is about 0), so the
channels' shares and the interaction's add up to 1; ``effect_off`` the mean of
``E(-c)``; ``p_value`` the two-sided one-sample t-test of the row's mean against 0 over
the replications (:func:`t_test_p`). A regime's channel rows (every channel and
measure) are many tests at once: with eight channels and five measures, about two of
forty 95 % intervals exclude 0 by chance when no channel matters. ``p_adjusted`` is
therefore Holm's adjustment of ``p_value`` over the channel rows of each regime
(:func:`holm`; NaN for ``total`` and ``interaction`` rows and for a channel that
changes nothing), and a channel's contribution counts as distinguishable from zero only
when ``p_adjusted < ALPHA`` (0.05), which the reports mark. By construction ``total =
sum of contributions + interaction``, in every replication. Replications in which a
measure is undefined (e.g. no leavers, so no share of early leavers) are left out of
that measure's rows, the same ones from every row (``n``).

A channel's contribution is the effect lost by switching it off everywhere; with
interacting channels the contributions need not add up to the total, and the
interaction row says by how much they do not. A channel the regime does not use (e.g.
mentoring for foundation-first, which has none) contributes exactly 0 in every
replication: its runs are the same runs (identical parameters and seeds are run once).

:func:`counterfactual` runs the essay's question in one line: JIT-only where every new
worker knows what they don't know (``self_assessment = 1``), against JIT-only and
foundation-first, on the same random numbers.

:func:`explain` runs both at once (one process pool; what ``workforce-sim explain``
and ``compare --explain`` call). The results do not depend on ``jobs``. :func:`check`
checks the same arguments and the size of the runs without running anything.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from sim.analysis.summary import mean_ci
from sim.core.errors import UsageError
from sim.core.outputs import METRICS
from sim.core.params import REGIME_LABELS, REGIMES, SETTINGS, resolve, suggest
from sim.experiments.limits import (
    check_memory,
    check_runs,
    estimate_bytes,
    model_bytes,
    show,
)
from sim.experiments.processes import pool_map
from sim.experiments.runner import RunSpec, default_jobs, plan, run_one
from sim.experiments.scenario import SCENARIO_KEYS, Scenario, parse_scenario

__all__ = [
    "ALPHA",
    "ATTRIBUTION_COLUMNS",
    "CHANNELS",
    "COUNTERFACTUAL_COLUMNS",
    "DEFAULT_METRICS",
    "PARTS",
    "Channel",
    "Explanation",
    "attribute",
    "check",
    "counterfactual",
    "explain",
    "holm",
    "t_test_p",
]


@dataclass(frozen=True)
class Channel:
    """One channel: its name, a one-line description, and the parameter values that
    switch it off in every arm."""

    name: str
    description: str
    off: Mapping[str, Any]


def _channel(name: str, description: str, **off: Any) -> Channel:
    return Channel(name, description, MappingProxyType(off))


#: The channels, in report order: the single place they are declared.
CHANNELS: tuple[Channel, ...] = (
    _channel(
        "competence",
        "skills gained from training hours",
        training_competence_max=0.0,
    ),
    _channel(
        "awareness",
        "knowing what one doesn't know, gained from training hours",
        training_awareness_max=0.0,
    ),
    _channel(
        "selfcare",
        "self-care and boundaries gained from training hours",
        training_selfcare_max=0.0,
    ),
    _channel(
        "realism",
        "a realistic picture of the job before starting (less reality shock)",
        training_realism_max=0.0,
    ),
    _channel("mentoring", "weekly mentoring or supervision of new workers", mentoring_hours=0.0),
    _channel("modules", "on-demand learning modules for recognised gaps", modules_available=False),
    _channel("refresher", "yearly in-service refresher training", refresher_hours=0.0),
    _channel(
        "unseen_gaps",
        "unrecognised gaps cost more than recognised ones (more incidents, slower "
        "learning, lessons learnt from incidents)",
        unseen_learning=1.0,
        known_gap_risk=1.0,
        incident_learning=0.0,
    ),
)

#: The parts of ``unseen_gaps``, one parameter each, for asking which of them carries
#: its contribution (``--channels unseen_gaps,gap_risk,gap_learning,incident_lessons``).
#: Not run by default: together they switch off what ``unseen_gaps`` does.
PARTS: tuple[Channel, ...] = (
    _channel(
        "gap_risk",
        "recognising a gap removes part of its extra incident risk (part of unseen_gaps)",
        known_gap_risk=1.0,
    ),
    _channel(
        "gap_learning",
        "practice closes an unrecognised gap more slowly (part of unseen_gaps)",
        unseen_learning=1.0,
    ),
    _channel(
        "incident_lessons",
        "an incident reveals an unrecognised gap and teaches it (part of unseen_gaps)",
        incident_learning=0.0,
    ),
)

_BY_NAME: dict[str, Channel] = {c.name: c for c in (*CHANNELS, *PARTS)}

#: Measures explained by default: turnover, early leaving, burnout, continuity, cost.
DEFAULT_METRICS: tuple[str, ...] = (
    "turnover_rate",
    "leavers_under_6m",
    "burnout_high_share",
    "coc",
    "cost_per_client_year",
)

#: Columns of :func:`attribute`'s table, in order.
ATTRIBUTION_COLUMNS: tuple[str, ...] = (
    "regime",
    "channel",
    "metric",
    "effect",
    "share",
    "ci_low",
    "ci_high",
    "effect_off",
    "n",
    "p_value",
    "p_adjusted",
)

#: The level at which a channel's contribution counts as distinguishable from zero, after
#: Holm's adjustment (``p_adjusted``).
ALPHA = 0.05

#: Columns of :func:`counterfactual`'s table, in order.
COUNTERFACTUAL_COLUMNS: tuple[str, ...] = (
    "regime",
    "metric",
    "n",
    "mean",
    "ci_low",
    "ci_high",
    "baseline",
    "diff",
    "diff_ci_low",
    "diff_ci_high",
    "reference",
    "diff_reference",
    "diff_reference_ci_low",
    "diff_reference_ci_high",
    "gap_closed",
)

TOTAL, INTERACTION, NONE = "total", "interaction", "none"
#: Suffix of the counterfactual regime's name (``jit_knows``).
KNOWS = "_knows"
#: What the counterfactual changes: every new worker notices every gap they meet.
KNOWS_OVERRIDES: Mapping[str, Any] = MappingProxyType({"self_assessment": 1.0})


@dataclass
class Explanation:
    """What :func:`explain` returns: the two tables, the per-run values and metadata."""

    attribution: pd.DataFrame
    counterfactual: pd.DataFrame | None
    runs: pd.DataFrame
    meta: dict[str, Any] = field(default_factory=dict)


# --- checks -----------------------------------------------------------------------------


def _names(value: Any, what: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = (value,)
    try:
        names = tuple(value)
    except TypeError:
        raise UsageError(f"{what} = {show(value)} must be a list of names") from None
    bad = [n for n in names if not isinstance(n, str)]
    if bad:
        raise UsageError(f"{what} = {show(value)} must be a list of names (texts)")
    return names


def _check_choice(names: Sequence[str], allowed: Sequence[str], what: str) -> None:
    for n in names:
        if n not in allowed:
            raise UsageError(
                f"{what}: unknown name {show(n)}{suggest(n, allowed)}; allowed: "
                f"{', '.join(allowed)}"
            )
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise UsageError(f"{what} lists {', '.join(map(repr, dupes))} more than once")


def _scenario(
    regimes: Sequence[str],
    baseline: str,
    extra: Sequence[str],
    *,
    setting: str,
    replications: int,
    seed: int,
    horizon_weeks: int,
    overrides: Mapping[str, Any] | None,
    custom_regimes: Mapping[str, Mapping[str, Any]] | None,
) -> Scenario:
    """The runs' scenario (arms: baseline, regimes, ``extra``), checked like a file's."""
    custom = dict(custom_regimes or {})
    allowed = [*REGIMES, *custom]
    _check_choice([baseline], allowed, "baseline")
    _check_choice(list(regimes), allowed, "regimes")
    if not regimes:
        raise UsageError("regimes: no regime given; allowed: one or more of " + ", ".join(allowed))
    if baseline in regimes:
        raise UsageError(
            f"regimes: {baseline!r} is the baseline; allowed: regimes other than the baseline"
        )
    if isinstance(replications, bool) or not isinstance(replications, int | np.integer):
        raise UsageError(
            f"replications = {show(replications)} must be a whole number of at least 2"
        )
    if replications < 2:
        raise UsageError(
            f"replications = {replications} is not allowed; must be at least 2 (a confidence "
            "interval needs two replications)"
        )
    arms = list(dict.fromkeys([baseline, *regimes, *extra]))
    data: dict[str, Any] = {
        "scenario": {
            "name": "explain",
            "setting": setting,
            "regimes": arms,
            "replications": replications,
            "seed": seed,
            "horizon_weeks": horizon_weeks,
        },
        "parameters": dict(overrides or {}),
    }
    if custom:
        data["regimes"] = {k: dict(v) for k, v in custom.items()}
    return parse_scenario(data, "explain")


def _check_scale(n_runs: int, s: Scenario, jobs: int, allow_large: bool) -> None:
    check_runs(n_runs, f"explain: {n_runs:,} runs", allow_large)
    params = {**SETTINGS[s.setting], **s.params}
    need = estimate_bytes(
        runs=n_runs,
        jobs=jobs,
        run_bytes=model_bytes(params, s.horizon_weeks),
        kept_bytes=n_runs * 4_000,
    )
    check_memory(need, f"explain ({n_runs:,} runs on {jobs} process(es))", allow_large)


# --- runs -------------------------------------------------------------------------------


def _final_values(specs: Sequence[RunSpec]) -> list[dict[str, float]]:
    """Final-year values of runs that share a seed (what a worker process sends back);
    run in one process, the arms that share a warm-up settle it once (see
    :class:`~sim.core.model.WorkforceModel`)."""
    out = []
    for spec in specs:
        res = run_one(spec)["run"]
        out.append({m: float(res[m]) for m in METRICS})
    return out


def _key(spec: RunSpec) -> str:
    """Identifies a run by everything that decides its result: parameters and seed."""
    kw = dict(spec.kwargs)
    base, setting = kw.pop("regime"), kw.pop("setting")
    params = resolve(base, setting=setting, **kw)
    return json.dumps([spec.seed, spec.horizon_weeks, sorted(params.items())], default=str)


def _specs(
    s: Scenario, arms: Sequence[tuple[str, str, str, Mapping[str, Any]]]
) -> tuple[dict[str, RunSpec], list[tuple[str, str, int, int, str]]]:
    """The distinct runs of ``arms`` (by :func:`_key`), and one row per (arm,
    replication): ``(variant, name, replicate, seed, key)``."""
    base_specs = {(sp.regime, sp.replicate): sp for sp in plan(s)}
    unique: dict[str, RunSpec] = {}
    rows: list[tuple[str, str, int, int, str]] = []
    for variant, name, regime, over in arms:
        for r in range(s.replications):
            sp = base_specs[(regime, r)]
            sp = replace(sp, regime=name, kwargs={**sp.kwargs, **over})
            key = _key(sp)
            if key not in unique:
                unique[key] = replace(sp, run_id=len(unique))
            rows.append((variant, name, r, sp.seed, key))
    return unique, rows


def _run_arms(
    s: Scenario,
    arms: Sequence[tuple[str, str, str, Mapping[str, Any]]],
    jobs: int | None,
    progress: bool,
    allow_large: bool,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Run every arm ``(variant, name, scenario regime, overrides)`` for each replication.

    Runs with identical parameters and seed are run once. Returns one row per (variant,
    regime, replicate) with the final-year values, and timing metadata.
    """
    jobs = default_jobs() if jobs is None else max(1, int(jobs))
    unique, rows = _specs(s, arms)
    specs = list(unique.values())
    _check_scale(len(specs), s, jobs, allow_large)
    start = time.perf_counter()
    groups: dict[int, list[str]] = {}  # the runs of one seed, as one task
    for k, sp in unique.items():
        groups.setdefault(sp.seed, []).append(k)
    tasks = [[unique[k] for k in keys] for keys in groups.values()]
    by_key: dict[str, dict[str, float]] = {}
    for keys, values in zip(
        groups.values(),
        pool_map(_final_values, tasks, jobs, progress=progress, desc="replicates", unit="rep"),
        strict=True,
    ):
        by_key.update(zip(keys, values, strict=True))
    elapsed = time.perf_counter() - start
    ids = {k: sp.run_id for k, sp in unique.items()}
    out = pd.DataFrame(
        [
            {"variant": v, "regime": n, "replicate": r, "seed": seed, "run_id": ids[k], **by_key[k]}
            for v, n, r, seed, k in rows
        ]
    )
    meta = {
        "runs": len(specs),
        "arms": len(rows),
        "elapsed_seconds": elapsed,
        "jobs": jobs,
    }
    return out, meta


def _matrix(runs: pd.DataFrame, variant: str, regime: str, metric: str) -> np.ndarray:
    part = runs[(runs["variant"] == variant) & (runs["regime"] == regime)]
    return part.sort_values("replicate")[metric].to_numpy(dtype=float)


def _share(x: float, total: float, level: float) -> float:
    if not math.isfinite(x) or not math.isfinite(total):
        return math.nan
    if abs(total) <= 1e-9 * max(1.0, abs(level)):
        return math.nan
    return x / total + 0.0  # no -0.0


def t_test_p(values: np.ndarray) -> float:
    """Two-sided p-value of the one-sample t-test that the finite ``values`` have mean 0:
    NaN for fewer than two values; 1 when all are 0, 0 when all are equal and not 0."""
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    if x.size < 2:
        return math.nan
    if not float(x.std(ddof=1)) > 0:
        return 1.0 if float(x.mean()) == 0.0 else 0.0
    return float(stats.ttest_1samp(x, 0.0).pvalue)


def holm(p: Sequence[float]) -> np.ndarray:
    """Holm's step-down adjustment of the p-values ``p`` (NaNs left out and kept as NaN):
    the *k*-th smallest of *m* becomes ``max over j <= k of min(1, (m - j + 1) * p_(j))``.
    Rejecting where the adjusted value is below alpha keeps the chance of any false
    rejection at most alpha, whatever the dependence between the tests."""
    p = np.asarray(p, dtype=float)
    out = np.full(p.shape, math.nan)
    ok = np.flatnonzero(np.isfinite(p))
    m = ok.size
    if m == 0:
        return out
    order = ok[np.argsort(p[ok], kind="stable")]
    adjusted = np.minimum(1.0, (m - np.arange(m)) * p[order])
    out[order] = np.maximum.accumulate(adjusted)
    return out


def _row(
    key: tuple[str, str, float, float],
    channel: str,
    x: np.ndarray,
    e_off: float = math.nan,
    test: bool = True,
) -> tuple:
    """One row of :data:`ATTRIBUTION_COLUMNS` for the per-replication values ``x`` of a
    (regime, metric) whose total effect and baseline level are in ``key``
    (``p_adjusted`` is filled in later)."""
    regime, metric, total, level = key
    n, mean, lo, hi = mean_ci(x)
    p = t_test_p(x) if test else math.nan
    return (
        regime,
        channel,
        metric,
        mean,
        _share(mean, total, level),
        lo,
        hi,
        e_off,
        n,
        p,
        math.nan,
    )


def _attribution(
    runs: pd.DataFrame,
    regimes: Sequence[str],
    baseline: str,
    channels: Sequence[Channel],
    metrics: Sequence[str],
) -> pd.DataFrame:
    rows = []
    for regime in regimes:
        for metric in metrics:
            base = _matrix(runs, NONE, baseline, metric)
            effect = _matrix(runs, NONE, regime, metric) - base
            off = {
                c.name: _matrix(runs, c.name, regime, metric)
                - _matrix(runs, c.name, baseline, metric)
                for c in channels
            }
            contrib = {name: effect - e_off for name, e_off in off.items()}
            ok = np.isfinite(effect)
            for v in contrib.values():
                ok &= np.isfinite(v)
            interaction = effect - np.sum([contrib[c.name] for c in channels], axis=0)
            total = mean_ci(effect[ok])[1]
            level = float(np.mean(base[ok])) if ok.any() else math.nan

            key = (regime, metric, total, level)
            rows.append(_row(key, TOTAL, effect[ok]))
            for c in channels:
                x = contrib[c.name][ok]
                e_off = float(np.mean(off[c.name][ok])) if ok.any() else math.nan
                idle = x.size > 0 and not np.any(x)  # the same runs: no test
                rows.append(_row(key, c.name, x, e_off, test=not idle))
            rows.append(_row(key, INTERACTION, interaction[ok]))
    out = pd.DataFrame(rows, columns=list(ATTRIBUTION_COLUMNS))
    for regime in dict.fromkeys(out["regime"]):  # Holm over each regime's channel rows
        rows_c = (out["regime"] == regime) & ~out["channel"].isin([TOTAL, INTERACTION])
        out.loc[rows_c, "p_adjusted"] = holm(out.loc[rows_c, "p_value"].to_numpy(float))
    return out.astype(
        {
            "regime": "object",
            "channel": "object",
            "metric": "object",
            "effect": "float64",
            "share": "float64",
            "ci_low": "float64",
            "ci_high": "float64",
            "effect_off": "float64",
            "n": "int64",
            "p_value": "float64",
            "p_adjusted": "float64",
        }
    )


def _counterfactual(
    runs: pd.DataFrame, arms: Sequence[str], baseline: str, reference: str, metrics: Sequence[str]
) -> pd.DataFrame:
    rows = []
    for metric in metrics:
        base = _matrix(runs, NONE, baseline, metric)
        ref = _matrix(runs, NONE, reference, metric)
        for regime in arms:
            x = _matrix(runs, NONE, regime, metric)
            n, mean, lo, hi = mean_ci(x)
            d = x - base
            dr = x - ref
            _, dm, dlo, dhi = mean_ci(d)
            _, rm, rlo, rhi = mean_ci(dr)
            ok = np.isfinite(base) & np.isfinite(ref)
            gap = float(np.mean(ref[ok] - base[ok])) if ok.any() else math.nan
            both = ok & np.isfinite(x)
            closed = float(np.mean(x[both] - base[both])) if both.any() else math.nan
            level = float(np.mean(base[ok])) if ok.any() else math.nan
            rows.append(
                (regime, metric, n, mean, lo, hi, baseline, dm, dlo, dhi, reference, rm, rlo,
                 rhi, _share(closed, gap, level))
            )  # fmt: skip
    out = pd.DataFrame(rows, columns=list(COUNTERFACTUAL_COLUMNS))
    return out.astype({"n": "int64"})


# --- public -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Plan:
    """What :func:`explain` will run, checked: the runs' scenario and the arms."""

    scenario: Scenario
    regimes: tuple[str, ...]
    metrics: tuple[str, ...]
    channels: list[Channel]
    knows: str
    arms: list[tuple[str, str, str, Mapping[str, Any]]]


def _prepare(
    regimes: Sequence[str],
    *,
    baseline: str,
    setting: str,
    replications: int,
    seed: int,
    horizon_weeks: int,
    metrics: Sequence[str],
    channels: Sequence[str] | None,
    counterfactual: bool,
    reference: str,
    overrides: Mapping[str, Any] | None,
    custom_regimes: Mapping[str, Mapping[str, Any]] | None,
) -> _Plan:
    """Check :func:`explain`'s arguments and plan its arms (nothing runs)."""
    regimes = _names(regimes, "regimes")
    metrics = _names(metrics, "metrics")
    if not metrics:
        raise UsageError("metrics: no measure given; allowed: " + ", ".join(METRICS))
    _check_choice(list(metrics), list(METRICS), "metrics")
    chosen = [c.name for c in CHANNELS] if channels is None else list(_names(channels, "channels"))
    _check_choice(chosen, list(_BY_NAME), "channels")
    chans = [_BY_NAME[c] for c in chosen]
    knows = f"{baseline}{KNOWS}"
    extra = [reference] if counterfactual else []
    if counterfactual:
        _check_choice([reference], [*REGIMES, *(custom_regimes or {})], "reference")
        if reference == baseline:
            raise UsageError(f"reference: {reference!r} is the baseline; allowed: another regime")
    s = _scenario(
        regimes,
        baseline,
        extra,
        setting=setting,
        replications=replications,
        seed=seed,
        horizon_weeks=horizon_weeks,
        overrides=overrides,
        custom_regimes=custom_regimes,
    )
    arms: list[tuple[str, str, str, Mapping[str, Any]]] = [
        (NONE, r, r, {}) for r in dict.fromkeys([baseline, *regimes, *extra])
    ]
    if counterfactual:
        arms.append((NONE, knows, baseline, KNOWS_OVERRIDES))
    for c in chans:
        arms += [(c.name, r, r, c.off) for r in (baseline, *regimes)]
    return _Plan(s, regimes, metrics, chans, knows, arms)


def check(
    regimes: Sequence[str] = ("foundation", "hybrid"),
    *,
    baseline: str = "jit",
    setting: str = "dsp",
    replications: int = 20,
    seed: int = SCENARIO_KEYS["seed"].default,
    horizon_weeks: int = 156,
    metrics: Sequence[str] = DEFAULT_METRICS,
    channels: Sequence[str] | None = None,
    counterfactual: bool = True,
    reference: str = "foundation",
    jobs: int | None = None,
    overrides: Mapping[str, Any] | None = None,
    custom_regimes: Mapping[str, Mapping[str, Any]] | None = None,
    allow_large: bool = False,
) -> int:
    """Check :func:`explain`'s arguments, and its size against the limits on runs and
    memory, without running anything: what a command that runs other things first
    calls before it starts. Returns the number of distinct runs :func:`explain` would
    make; raises as :func:`explain` would."""
    pl = _prepare(
        regimes,
        baseline=baseline,
        setting=setting,
        replications=replications,
        seed=seed,
        horizon_weeks=horizon_weeks,
        metrics=metrics,
        channels=channels,
        counterfactual=counterfactual,
        reference=reference,
        overrides=overrides,
        custom_regimes=custom_regimes,
    )
    unique, _ = _specs(pl.scenario, pl.arms)
    jobs = default_jobs() if jobs is None else max(1, int(jobs))
    _check_scale(len(unique), pl.scenario, jobs, allow_large)
    return len(unique)


def explain(
    regimes: Sequence[str] = ("foundation", "hybrid"),
    *,
    baseline: str = "jit",
    setting: str = "dsp",
    replications: int = 20,
    seed: int = SCENARIO_KEYS["seed"].default,
    horizon_weeks: int = 156,
    metrics: Sequence[str] = DEFAULT_METRICS,
    channels: Sequence[str] | None = None,
    counterfactual: bool = True,
    reference: str = "foundation",
    jobs: int | None = None,
    overrides: Mapping[str, Any] | None = None,
    custom_regimes: Mapping[str, Mapping[str, Any]] | None = None,
    progress: bool = False,
    allow_large: bool = False,
) -> Explanation:
    """Attribute each regime's effect against ``baseline`` to the channels, and (with
    ``counterfactual``) run ``baseline`` with every new worker knowing their gaps.

    ``regimes`` and ``baseline``: built-in regime names or names defined in
    ``custom_regimes`` (``{name: {"base": "jit", "mentoring_hours": 1.0, ...}}``, as the
    ``[regimes.NAME]`` tables of a scenario file). ``overrides``: model parameters for
    every run (a scenario's ``[parameters]``; not training parameters). ``channels``:
    names from :data:`CHANNELS` (default all). ``reference``: the regime the
    counterfactual is also compared with. Bad input raises a
    :class:`~sim.core.errors.UsageError` (or a ``ScenarioError``) before anything runs.
    """
    pl = _prepare(
        regimes,
        baseline=baseline,
        setting=setting,
        replications=replications,
        seed=seed,
        horizon_weeks=horizon_weeks,
        metrics=metrics,
        channels=channels,
        counterfactual=counterfactual,
        reference=reference,
        overrides=overrides,
        custom_regimes=custom_regimes,
    )
    s, regimes, metrics, chans, knows, arms = (
        pl.scenario,
        pl.regimes,
        pl.metrics,
        pl.channels,
        pl.knows,
        pl.arms,
    )
    runs, run_meta = _run_arms(s, arms, jobs, progress, allow_large)
    attribution = _attribution(runs, regimes, baseline, chans, metrics)
    cf = (
        _counterfactual(runs, [baseline, knows, reference], baseline, reference, metrics)
        if counterfactual
        else None
    )
    labels = {r: s.regime_labels.get(r, REGIME_LABELS.get(r, r)) for r in s.regimes}
    labels[knows] = f"{labels[baseline]}, every new worker knows their gaps"
    meta = {
        "regimes": list(regimes),
        "baseline": baseline,
        "reference": reference if counterfactual else None,
        "counterfactual": knows if counterfactual else None,
        "counterfactual_overrides": dict(KNOWS_OVERRIDES),
        "regime_labels": labels,
        "setting": s.setting,
        "replications": s.replications,
        "seed": s.seed,
        "horizon_weeks": s.horizon_weeks,
        "metrics": list(metrics),
        "channels": [
            {"name": c.name, "description": c.description, "off": dict(c.off)} for c in chans
        ],
        "overrides": dict(s.params),
        "custom_regimes": {k: dict(v) for k, v in (custom_regimes or {}).items()},
        **run_meta,
    }
    return Explanation(attribution=attribution, counterfactual=cf, runs=runs, meta=meta)


def attribute(
    regimes: Sequence[str] = ("foundation", "hybrid"),
    *,
    baseline: str = "jit",
    setting: str = "dsp",
    replications: int = 20,
    seed: int = SCENARIO_KEYS["seed"].default,
    horizon_weeks: int = 156,
    metrics: Sequence[str] = DEFAULT_METRICS,
    channels: Sequence[str] | None = None,
    jobs: int | None = None,
    overrides: Mapping[str, Any] | None = None,
    custom_regimes: Mapping[str, Mapping[str, Any]] | None = None,
    progress: bool = False,
    allow_large: bool = False,
) -> pd.DataFrame:
    """Each regime's effect against ``baseline`` on each measure, split into the
    channels' contributions and the interaction (see the module docstring).

    Returns a DataFrame with columns :data:`ATTRIBUTION_COLUMNS`: ``regime``,
    ``channel`` (``total``, a channel of :data:`CHANNELS`, or ``interaction``),
    ``metric``, ``effect`` (mean over replications of the row's part of the effect, in
    the measure's unit), ``share`` (of the total effect), ``ci_low``/``ci_high`` (95 %
    Student-t interval over replications), ``effect_off`` (the regime's effect with the
    channel off) and ``n`` (replications used). Arguments as :func:`explain`.

    Example::

        from sim.experiments.attribution import attribute
        df = attribute(("foundation",), replications=10)
        df[df.metric == "turnover_rate"]
    """
    return explain(
        regimes,
        baseline=baseline,
        setting=setting,
        replications=replications,
        seed=seed,
        horizon_weeks=horizon_weeks,
        metrics=metrics,
        channels=channels,
        counterfactual=False,
        jobs=jobs,
        overrides=overrides,
        custom_regimes=custom_regimes,
        progress=progress,
        allow_large=allow_large,
    ).attribution


def counterfactual(
    *,
    baseline: str = "jit",
    reference: str = "foundation",
    setting: str = "dsp",
    replications: int = 20,
    seed: int = SCENARIO_KEYS["seed"].default,
    horizon_weeks: int = 156,
    metrics: Sequence[str] = DEFAULT_METRICS,
    jobs: int | None = None,
    overrides: Mapping[str, Any] | None = None,
    custom_regimes: Mapping[str, Mapping[str, Any]] | None = None,
    progress: bool = False,
    allow_large: bool = False,
) -> pd.DataFrame:
    """The essay's counterfactual: ``baseline`` (JIT-only) where every new worker knows
    what they don't know (``self_assessment = 1``, regime ``jit_knows``), against the
    baseline and ``reference`` (foundation-first), with common random numbers.

    Returns :data:`COUNTERFACTUAL_COLUMNS`: per regime (baseline, ``jit_knows``,
    reference) and measure, the mean with its 95 % CI, the paired difference from the
    baseline (``diff``) and from the reference (``diff_reference``) with their CIs, and
    ``gap_closed``: the difference from the baseline as a share of the reference's
    (0 for the baseline, 1 for the reference; NaN when the reference's is about 0).
    """
    return explain(
        (reference,),
        baseline=baseline,
        setting=setting,
        replications=replications,
        seed=seed,
        horizon_weeks=horizon_weeks,
        metrics=metrics,
        channels=(),
        counterfactual=True,
        reference=reference,
        jobs=jobs,
        overrides=overrides,
        custom_regimes=custom_regimes,
        progress=progress,
        allow_large=allow_large,
    ).counterfactual
