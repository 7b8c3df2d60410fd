"""Calibration of the status quo to public evidence, and validation of the fit.

The targets (published patterns, each with a range, the formula the model uses and its
source) are data: ``sim/data/targets.toml``. Two jobs use them:

* :func:`calibrate` searches the free parameters of a setting (:data:`SEARCH`) for
  values under which the ``jit`` status quo reproduces the setting's targets.
* :func:`validate` runs the status quo with independent replications and puts every
  target beside the simulated mean and its 95 % confidence interval.

**Measurement.** A run is the setting's default agency under the target's regime:
``warmup_weeks`` unreported weeks, then ``horizon_weeks`` reported weeks (the
``[protocol]`` table of the targets file); it contributes its final-year value of the
target's measure (:func:`sim.experiments.runner.final_year`).

**Score** of a candidate, over its replications: for each target with range
``[low, high]`` of width ``w``, sample mean ``m`` and standard error ``s`` of the mean,
the expected squared distance of the true mean outside the range, in widths, if it were
distributed ``Normal(m, s^2)``::

    E_t = (s/w)^2 * [g((m - high)/s) + g((low - m)/s)],  g(z) = (1 + z^2) Phi(z) + z phi(z)

This is the squared distance outside the range, ``d_t^2 = (max(0, low - m, m - high)/w)^2``
(the ``distance`` column), plus a small penalty for sampling noise (``noise`` = score -
distance): about ``(s/w)^2 / 2`` at an edge, vanishing deep inside, ``(s/w)^2`` outside.
It keeps the search away from candidates that are inside only by luck. With ``s = 0`` it
is the plain squared distance. The score is the sum over targets.

The score aims at the range shrunk at both ends by a **margin** of :data:`MARGIN_SE`
standard errors of the mean of :data:`MARGIN_RUNS` runs, ``sd / sqrt(MARGIN_RUNS)`` with
``sd`` the candidate's run-to-run standard deviation (``low``, ``high`` above become
``low + margin``, ``high - margin``; distances stay in widths of the published range).
A candidate just inside an edge would fail an independent validation of that many runs
about half the time; one 1.5 standard errors inside, about one time in fifteen.

**Search** (reproducible from ``seed``; independent of ``jobs``):

1. ``ceil(budget / 2)`` candidates from a Latin hypercube over the search box (log scale
   for positive scale parameters), :class:`scipy.stats.qmc.LatinHypercube`.
2. Local refinement: rounds of :data:`BATCH` candidates drawn around the best so far
   (Gaussian steps in the unit box, reflected at its faces); the step shrinks by
   :data:`SHRINK` after a round without improvement; until ``budget`` candidates.
3. The :data:`FINALISTS` best candidates are re-run with ``2 x replications`` further
   replications; the adopted candidate has the lowest score over all its replications.

Every candidate value is rounded to three significant figures *before* it is run, so the
adopted values are exactly the ones evaluated. All candidates share the same replicate
seeds (common random numbers), spawned from ``seed`` like a scenario's replicates.
"""

from __future__ import annotations

import datetime
import math
import sys
import time
import tomllib
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from scipy.stats import qmc

from sim.core import params as registry

__all__ = [
    "BATCH",
    "FINALISTS",
    "SEARCH",
    "SHRINK",
    "CalibrationResult",
    "Dim",
    "Protocol",
    "Target",
    "ValidationResult",
    "calibrate",
    "load_targets",
    "protocol",
    "rescore",
    "score_target",
    "validate",
]

#: Candidates per round of local refinement (fixed, so results do not depend on --jobs).
BATCH = 8
#: Factor applied to the local step after a round without improvement.
SHRINK = 0.6
#: Starting local step (standard deviation in the unit box).
STEP = 0.12
#: Candidates re-run with extra replications before one is adopted.
FINALISTS = 3
#: Significant figures of every candidate value.
DIGITS = 3
#: Calibration aims this many standard errors of the mean of :data:`MARGIN_RUNS` runs
#: inside each target's range, so that an independent validation of the adopted values
#: passes with high probability.
MARGIN_SE = 1.5
MARGIN_RUNS = 100


# ---------------------------------------------------------------------------------------
# targets and protocol
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """One published pattern: a measure's accepted range in a setting under a regime."""

    setting: str
    regime: str
    metric: str
    label: str
    low: float
    high: float
    formula: str
    source: str
    value: float | None = None

    @property
    def width(self) -> float:
        return self.high - self.low


@dataclass(frozen=True)
class Protocol:
    """How targets are measured (the ``[protocol]`` table of the targets file)."""

    horizon_weeks: int
    calibration_replications: int
    validation_replications: int
    validation_seed: int


@cache
def _targets_data() -> dict[str, Any]:
    text = resources.files("sim").joinpath("data", "targets.toml").read_text("utf-8")
    return tomllib.loads(text)


def protocol() -> Protocol:
    """The measurement protocol of the targets file."""
    p = _targets_data()["protocol"]
    return Protocol(
        int(p["horizon_weeks"]),
        int(p["calibration_replications"]),
        int(p["validation_replications"]),
        int(p["validation_seed"]),
    )


def load_targets(setting: str | None = None) -> list[Target]:
    """The targets of ``setting`` (all targets if None), in file order."""
    from sim.core.outputs import METRICS

    if setting is not None:
        registry.check_setting(setting)
    out = []
    for row in _targets_data()["targets"]:
        t = Target(**row)
        if t.metric not in METRICS:
            raise ValueError(f"targets.toml: unknown metric {t.metric!r}")
        if not t.low < t.high:
            raise ValueError(f"targets.toml: {t.setting}/{t.metric}: low must be below high")
        if setting is None or t.setting == setting:
            out.append(t)
    return out


def _regime(targets: Sequence[Target]) -> str:
    regimes = {t.regime for t in targets}
    if len(regimes) != 1:
        raise ValueError(f"targets of one setting must share one regime, got {sorted(regimes)}")
    return regimes.pop()


# ---------------------------------------------------------------------------------------
# search space
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dim:
    """One searched parameter: its range and whether it is searched on a log scale."""

    name: str
    low: float
    high: float
    log: bool = False

    def value(self, u: float) -> float:
        """The parameter value at position ``u`` (0-1), rounded to DIGITS figures."""
        if self.log:
            x = math.exp(math.log(self.low) + u * (math.log(self.high) - math.log(self.low)))
        else:
            x = self.low + u * (self.high - self.low)
        return _round(min(max(x, self.low), self.high))

    def unit(self, x: float) -> float:
        """Position (0-1) of value ``x``."""
        if self.log:
            return (math.log(x) - math.log(self.low)) / (math.log(self.high) - math.log(self.low))
        return (x - self.low) / (self.high - self.low)


def _round(x: float, digits: int = DIGITS) -> float:
    if x == 0:
        return 0.0
    return float(f"{x:.{digits}g}")


#: The parameters searched for each setting and their search boxes. ``dsp`` searches the
#: parameters flagged ``calibrated=True`` in the registry; ``home_care`` keeps the dsp
#: values of the others and searches what sets its quitting apart: the pull of outside
#: jobs at every tenure (``outside_options``) and the early reality shock.
SEARCH: dict[str, tuple[Dim, ...]] = {
    "dsp": (
        Dim("base_quit_hazard", 0.0008, 0.006, log=True),
        Dim("reality_shock", 1.0, 20.0, log=True),
        Dim("reality_shock_weeks", 4.0, 52.0, log=True),
        Dim("burnout_gain", 0.025, 0.07),
        Dim("time_to_fill", 4.0, 24.0, log=True),
    ),
    "home_care": (
        Dim("outside_options", 1.0, 3.0, log=True),
        Dim("reality_shock", 10.0, 100.0, log=True),
        Dim("reality_shock_weeks", 1.0, 12.0, log=True),
        # pinned by the continuity targets: how often the usual aide is away (sickness
        # and leave) and a fill-in comes (issue 12)
        Dim("absence_rate", 0.02, 0.2, log=True),
    ),
}


# ---------------------------------------------------------------------------------------
# score
# ---------------------------------------------------------------------------------------


def _g(z: float) -> float:
    return max(0.0, (1 + z * z) * stats.norm.cdf(z) + z * stats.norm.pdf(z))


def score_target(
    mean: float, se: float, low: float, high: float, margin: float = 0.0
) -> tuple[float, float]:
    """``(distance, score)`` of one target: squared distance of ``mean`` outside
    ``[low, high]`` in range widths, and the expected squared distance (in the same
    widths) of the true mean outside the range shrunk by ``margin`` at both ends, if it
    were ``Normal(mean, se^2)`` (see the module docstring)."""
    w = high - low
    d = max(0.0, low - mean, mean - high) / w
    lo, hi = low + margin, high - margin
    if lo > hi:  # a margin over half the width: aim at the centre
        lo = hi = (low + high) / 2
    d_aim = max(0.0, lo - mean, mean - hi) / w
    if not se > 0:
        return d * d, d_aim * d_aim
    e = (se / w) ** 2 * (_g((mean - hi) / se) + _g((lo - mean) / se))
    return d * d, max(e, d_aim * d_aim)


def validation_margin(sd: float) -> float:
    """How far inside a target's range calibration aims: :data:`MARGIN_SE` standard
    errors of the mean of :data:`MARGIN_RUNS` runs, for a measure whose runs vary with
    standard deviation ``sd``."""
    return MARGIN_SE * sd / math.sqrt(MARGIN_RUNS)


def _score(values: np.ndarray, targets: Sequence[Target]) -> dict[str, float]:
    """Score of one candidate from its ``(replications, targets)`` final-year values."""
    n = values.shape[0]
    out: dict[str, float] = {"score": 0.0, "distance": 0.0}
    for j, t in enumerate(targets):
        x = values[:, j]
        mean = float(x.mean())
        sd = float(x.std(ddof=1)) if n > 1 else 0.0
        se = sd / math.sqrt(n) if n > 1 else 0.0
        d, e = score_target(mean, se, t.low, t.high, validation_margin(sd))
        out["score"] += e
        out["distance"] += d
        out[f"mean_{t.metric}"] = mean
        out[f"se_{t.metric}"] = se
    out["noise"] = out["score"] - out["distance"]
    return out


# ---------------------------------------------------------------------------------------
# running candidates
# ---------------------------------------------------------------------------------------


def _seeds(seed: int, n: int) -> tuple[np.random.SeedSequence, list[int]]:
    """The search's seed sequence and the integer seeds of replicates ``0..n-1``.

    ``SeedSequence(seed)`` spawns two children: the search's random stream and the
    replicates' root, which spawns one child per replicate; a replicate's integer seed
    is derived from its child by :func:`sim.experiments.runner.run_seed`.
    """
    from sim.experiments.runner import run_seed

    search_ss, reps_ss = np.random.SeedSequence(seed).spawn(2)
    return search_ss, [run_seed(child) for child in reps_ss.spawn(n)]


def _run_task(task: tuple[str, str, dict[str, Any], int, int, tuple[str, ...]]) -> list[float]:
    """One replicate of one candidate: final-year values of ``metrics``."""
    from sim.core.model import WorkforceModel
    from sim.experiments.runner import final_year

    setting, regime, values, seed, horizon, metrics = task
    model = WorkforceModel(regime, setting=setting, rng=seed, **values)
    for _ in range(horizon):
        model.step()
    fy = final_year(model.datacollector.get_model_vars_dataframe())
    return [fy[m] for m in metrics]


class _Runner:
    """Runs tasks in order, serially or in a process pool (results never depend on it)."""

    def __init__(self, jobs: int) -> None:
        self.jobs = jobs
        self.pool: ProcessPoolExecutor | None = None
        self._stack = ExitStack()

    def __enter__(self) -> _Runner:
        if self.jobs > 1:
            from sim.experiments.processes import process_pool

            self.pool = self._stack.enter_context(process_pool(self.jobs))
        return self

    def __exit__(self, *exc: Any) -> bool | None:
        return self._stack.__exit__(*exc)

    def map(self, fn: Callable, tasks: list) -> list:
        from sim.experiments.processes import pool_map

        return list(pool_map(fn, tasks, pool=self.pool))


# ---------------------------------------------------------------------------------------
# calibrate
# ---------------------------------------------------------------------------------------


@dataclass
class CalibrationResult:
    """What :func:`calibrate` found: the adopted values, their fit and the search history."""

    setting: str
    seed: int
    budget: int
    replications: int
    horizon_weeks: int
    values: dict[str, float]
    score: float
    fit: pd.DataFrame
    history: pd.DataFrame
    record: dict[str, Any]
    elapsed_seconds: float = 0.0
    meta: dict[str, Any] = field(default_factory=dict)


def command_line(
    setting: str,
    budget: int,
    seed: int,
    replications: int | None = None,
    horizon_weeks: int | None = None,
) -> str:
    """The canonical command that reproduces a calibration (``--jobs`` changes nothing)."""
    cmd = f"workforce-sim calibrate --setting {setting} --budget {budget} --seed {seed}"
    p = protocol()
    if replications is not None and replications != p.calibration_replications:
        cmd += f" --replications {replications}"
    if horizon_weeks is not None and horizon_weeks != p.horizon_weeks:
        cmd += f" --horizon {horizon_weeks}"
    return cmd


def context_names(setting: str) -> list[str]:
    """Calibrated parameters (in any setting) that ``setting``'s search keeps fixed."""
    searched = {d.name for d in SEARCH[setting]}
    names = [n for n, p in registry.PARAMS.items() if p.calibrated]
    names += [d.name for dims in SEARCH.values() for d in dims]
    return [n for n in dict.fromkeys(names) if n not in searched]


def calibrate(
    setting: str = "dsp",
    budget: int = 96,
    seed: int = 1,
    jobs: int = 1,
    replications: int | None = None,
    horizon_weeks: int | None = None,
    progress: bool = False,
) -> CalibrationResult:
    """Search ``SEARCH[setting]`` for the values that best reproduce the setting's targets.

    ``budget`` candidates are each run ``replications`` times (default: the protocol's
    ``calibration_replications``) for ``horizon_weeks`` reported weeks (default: the
    protocol's); see the module docstring for the score and the search.
    """
    registry.check_setting(setting)
    if budget < 1:
        raise ValueError("budget must be at least 1")
    reps, horizon, targets, regime, metrics = _set_up(setting, replications, horizon_weeks)
    dims = SEARCH[setting]
    extra = 2 * reps
    search_ss, seeds = _seeds(seed, reps + extra)
    rng = np.random.default_rng(search_ss)
    start = time.perf_counter()
    rows: list[dict[str, Any]] = []
    raw: dict[int, np.ndarray] = {}
    say = _progress(progress)

    def evaluate(units: np.ndarray, stage: str, rnd: int, runner: _Runner) -> None:
        cands = []
        for u in units:
            vals = {d.name: d.value(float(x)) for d, x in zip(dims, u, strict=True)}
            cands.append(vals)
        tasks = [
            (setting, regime, vals, s, horizon, metrics) for vals in cands for s in seeds[:reps]
        ]
        out = np.array(runner.map(_run_task, tasks), dtype=float).reshape(
            len(cands), reps, len(metrics)
        )
        for vals, res in zip(cands, out, strict=True):
            idx = len(rows)
            raw[idx] = res
            rows.append(
                {
                    "candidate": idx,
                    "stage": stage,
                    "round": rnd,
                    "replications": reps,
                    **vals,
                    **_score(res, targets),
                }
            )
        best = min(r["score"] for r in rows)
        say(f"{stage} round {rnd}: {len(rows)}/{budget} candidates, best score {best:.4g}")

    def unit_of(row: Mapping[str, Any]) -> np.ndarray:
        return np.array([d.unit(row[d.name]) for d in dims])

    with _Runner(jobs) as runner:
        n_global = min(budget, math.ceil(budget / 2))
        lhs = qmc.LatinHypercube(d=len(dims), rng=rng).random(n_global)
        evaluate(lhs, "global", 0, runner)
        step, rnd = STEP, 0
        while len(rows) < budget:
            rnd += 1
            best_before = min(rows, key=lambda r: r["score"])
            k = min(BATCH, budget - len(rows))
            u = unit_of(best_before) + step * rng.standard_normal((k, len(dims)))
            u = np.abs(u)  # reflect at 0 ...
            u = 1 - np.abs(1 - u)  # ... and at 1
            evaluate(np.clip(u, 0, 1), "local", rnd, runner)
            if min(r["score"] for r in rows) >= best_before["score"]:
                step *= SHRINK

        # finalists: distinct best candidates, re-run with fresh replications
        order = sorted(range(len(rows)), key=lambda i: (rows[i]["score"], i))
        finalists, seen = [], set()
        for i in order:
            key = tuple(rows[i][d.name] for d in dims)
            if key not in seen:
                seen.add(key)
                finalists.append(i)
            if len(finalists) == FINALISTS:
                break
        tasks = [
            (setting, regime, {d.name: rows[i][d.name] for d in dims}, s, horizon, metrics)
            for i in finalists
            for s in seeds[reps:]
        ]
        out = np.array(runner.map(_run_task, tasks), dtype=float).reshape(
            len(finalists), extra, len(metrics)
        )
        for i, res in zip(finalists, out, strict=True):
            pooled = np.concatenate([raw[i], res])
            rows.append(
                {
                    "candidate": i,
                    "stage": "final",
                    "round": rnd + 1,
                    "replications": reps + extra,
                    **{d.name: rows[i][d.name] for d in dims},
                    **_score(pooled, targets),
                }
            )
            raw[-i - 1] = pooled
        say(f"final: {len(finalists)} finalists re-run with {extra} more replications")

    history = pd.DataFrame(rows)
    first = [
        "candidate",
        "stage",
        "round",
        "replications",
        *(d.name for d in dims),
        "score",
        "distance",
        "noise",
    ]
    history = history[first + [c for c in history.columns if c not in first]]
    final = history[history["stage"] == "final"]
    best_row = final.loc[final["score"].idxmin()] if len(final) else history.iloc[0]
    best_idx = int(best_row["candidate"])
    values = {d.name: float(best_row[d.name]) for d in dims}
    pooled = raw[-best_idx - 1]
    fit = _fit_table(targets, pooled)
    resolved = registry.resolve(regime, setting=setting)
    record = {
        "date": datetime.date.today().isoformat(),
        "command": command_line(setting, budget, seed, reps, horizon),
        "seed": seed,
        "budget": budget,
        "replications": reps,
        "horizon_weeks": horizon,
        "score": _round(float(best_row["score"]), 4),
        "search_score": _round(float(history.loc[best_idx, "score"]), 4),
        "values": values,
        "context": {n: resolved[n] for n in context_names(setting)},
    }
    return CalibrationResult(
        setting=setting,
        seed=seed,
        budget=budget,
        replications=reps,
        horizon_weeks=horizon,
        values=values,
        score=float(best_row["score"]),
        fit=fit,
        history=history,
        record=record,
        elapsed_seconds=time.perf_counter() - start,
        meta={"adopted_candidate": best_idx, "jobs": jobs},
    )


def _set_up(setting: str, replications: int | None, horizon_weeks: int | None):
    """Replications, horizon, targets, regime and measured metrics of a calibration
    (the protocol's defaults where ``None``)."""
    proto = protocol()
    targets = load_targets(setting)
    return (
        replications or proto.calibration_replications,
        horizon_weeks or proto.horizon_weeks,
        targets,
        _regime(targets),
        tuple(t.metric for t in targets),
    )


def rescore(
    setting: str,
    values: Mapping[str, float],
    seed: int,
    replications: int | None = None,
    horizon_weeks: int | None = None,
    jobs: int = 1,
) -> dict[str, float]:
    """Score ``values`` on the first ``replications`` replicate seeds of a calibration
    with root ``seed``: the search-stage score the calibration recorded for them."""
    reps, horizon, targets, regime, metrics = _set_up(setting, replications, horizon_weeks)
    _, seeds = _seeds(seed, reps)
    tasks = [(setting, regime, dict(values), s, horizon, metrics) for s in seeds]
    with _Runner(jobs) as runner:
        res = np.array(runner.map(_run_task, tasks), dtype=float)
    return _score(res, targets)


def _progress(on: bool) -> Callable[[str], None]:
    def say(msg: str) -> None:
        if on:
            print(msg, file=sys.stderr, flush=True)

    return say


def _fit_table(targets: Sequence[Target], values: np.ndarray) -> pd.DataFrame:
    """Target-by-target fit of per-replicate values ``(replications, targets)``."""
    from sim.analysis.summary import mean_ci

    rows = []
    for j, t in enumerate(targets):
        n, mean, lo, hi = mean_ci(values[:, j])
        sd = float(values[:, j].std(ddof=1)) if n > 1 else 0.0
        se = sd / math.sqrt(n) if n > 1 else 0.0
        d, e = score_target(mean, se, t.low, t.high, validation_margin(sd))
        rows.append(
            {
                "setting": t.setting,
                "regime": t.regime,
                "target": t.label,
                "metric": t.metric,
                "value": t.value,
                "low": t.low,
                "high": t.high,
                "n": n,
                "mean": mean,
                "ci_low": lo,
                "ci_high": hi,
                "inside": bool(t.low <= mean <= t.high),
                "distance": d,
                "score": e,
                "formula": t.formula,
                "source": t.source,
            }
        )
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------
# validate
# ---------------------------------------------------------------------------------------


@dataclass
class ValidationResult:
    """Every target of a setting beside the simulated mean and 95 % CI."""

    setting: str
    regime: str
    replications: int
    seed: int
    horizon_weeks: int
    table: pd.DataFrame
    runs: pd.DataFrame
    elapsed_seconds: float = 0.0

    @property
    def all_inside(self) -> bool:
        return bool(self.table["inside"].all())


def validate(
    setting: str = "dsp",
    replications: int | None = None,
    seed: int | None = None,
    jobs: int = 1,
    progress: bool = False,
    targets: Sequence[Target] | None = None,
) -> ValidationResult:
    """Run the status quo of ``setting`` and compare every target with the simulation.

    The runs are those of a scenario with this setting, the targets' regime, the
    protocol's horizon, ``replications`` and root ``seed`` (defaults: the protocol's), so
    they are exactly the ``jit`` runs of ``workforce-sim compare --setting S --seed SEED``.
    """
    from sim.experiments.runner import run_scenario
    from sim.experiments.scenario import parse_scenario

    registry.check_setting(setting)
    proto = protocol()
    targets = list(targets) if targets is not None else load_targets(setting)
    regime = _regime(targets)
    reps = replications or proto.validation_replications
    seed = proto.validation_seed if seed is None else seed
    scen = parse_scenario(
        {
            "scenario": {
                "name": f"Validation: {registry.SETTING_LABELS[setting]}",
                "setting": setting,
                "regimes": [regime],
                "horizon_weeks": proto.horizon_weeks,
                "replications": reps,
                "seed": seed,
            }
        }
    )
    start = time.perf_counter()
    res = run_scenario(scen, jobs=jobs, progress=progress)
    runs = res.runs[["replicate", "seed", *dict.fromkeys(t.metric for t in targets)]]
    values = runs[[t.metric for t in targets]].to_numpy(dtype=float)
    table = _fit_table(targets, values)
    return ValidationResult(
        setting,
        regime,
        reps,
        seed,
        proto.horizon_weeks,
        table,
        runs.reset_index(drop=True),
        time.perf_counter() - start,
    )
