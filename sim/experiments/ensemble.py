"""An ensemble of parameter vectors by history matching, and running regimes across it.

The point calibration (:mod:`sim.experiments.calibration`) adopts one parameter vector.
Parameters that no target identifies (``quit_exhaustion``, ``burnout_recovery``, the
training-effect parameters with no published figure) still drive the results, so one
point hides how much the findings depend on them. :func:`history_match` keeps instead
*every* parameter vector whose simulated patterns fall inside all the setting's targets:
the **ensemble** (``workforce-sim ensemble``). ``compare --ensemble`` then runs each
regime across the ensemble members (:func:`run_ensemble`).

**Parameters searched** (:func:`ensemble_dims`): the setting's calibrated parameters over
their calibration boxes (:data:`sim.experiments.calibration.SEARCH`, log scale where the
calibration searches on a log scale), plus the parameters of the ``[ensemble]`` table of
``sim/data/targets.toml`` (uniform over ``[low, high]``; each range has its reason there).
Every other parameter keeps the setting's value. Positions are handled in the unit cube
``u`` in ``[0, 1]^d``; a value is rounded to three significant figures before it is run
(:class:`sim.experiments.calibration.Dim`).

**Measurement** is the calibration's: each run is the setting's default agency under the
targets' regime, with the protocol's warm-up and horizon; it contributes its final-year
value of each target's measure. All candidates share the same replicate seeds (common
random numbers), spawned from ``seed`` as in calibration.

**History matching** (Craig et al. 1997; Vernon, Goldstein & Bower 2010; for stochastic
simulators Andrianakis et al. 2015), in ``waves``:

1. Wave 1 runs ``points`` candidates from a Latin hypercube over the whole box
   (:class:`scipy.stats.qmc.LatinHypercube`), ``replications`` (``r``) runs each; a
   candidate's value of target ``t`` is the mean ``y_t(x)`` of its runs.
2. An **emulator** per target: ordinary least squares of ``y_t`` on a quadratic in ``u``
   (:func:`fit_emulator`; with too few candidates for the full quadratic, the quadratic
   without interactions, a linear model or a constant: the richest with at least two
   candidates per coefficient).
   With ``s^2`` the residual variance, ``h(u) = f(u)^T (F^T F)^{-1} f(u)`` the leverage
   of a new point and ``v_t`` the pooled run-to-run variance of the target's measure
   (within candidates), the emulator's prediction ``m_t(u)`` of the true mean has variance
   ::

       V_em(u) = s^2 h(u) + max(0, s^2 - v_t / r)

   (the uncertainty of the fitted mean, plus the part of the residual that replication
   noise does not explain: the quadratic's lack of fit).
3. **Implausibility** of ``u`` (:func:`implausibility`), for target range ``[low, high]``
   of width ``w``::

       I_t(u) = max(0, low - m_t(u), m_t(u) - high) / sqrt(V_em(u) + v_t / r + V_target)
       I(u)   = max_t I_t(u),      V_target = (w / 4)^2

   ``V_target`` (:func:`target_variance`) reads the published range as about two
   standard deviations either side of its centre: the uncertainty of the evidence and the
   model's discrepancy together. ``u`` is **implausible** if ``I(u) > 3`` (:data:`CUTOFF`,
   Pukelsheim's three-sigma rule) under the emulators of any wave so far.
4. The next wave's candidates: a Latin hypercube of :func:`pool_size` points over the
   whole box, of which the non-implausible ones are kept (rejection sampling); ``points``
   of them are drawn at random (all of them, if fewer), run and emulated as in 1-2. The
   share of the pool kept is the wave's **non-implausible fraction**.

**Final step.** ``points`` candidates are drawn from the non-implausible space after the
last wave (as in 4), those whose emulated means under the last wave all lie inside the
targets' ranges first (:func:`emulated_inside`; the non-implausible space is wider, as
``V_target`` lets a mean sit up to three quarters of a range outside it, and drawing
from all of it wasted most final runs: 0 of 150 kept for ``dsp`` on 2026-12-02), and
each is run ``final_replications`` times (default: the
protocol's ``calibration_replications``). Every candidate whose mean of every target lies
inside that target's ``[low, high]`` (ends included) is kept; the kept vectors are the
ensemble, numbered ``member`` 1, 2, ... in the order they were drawn. It may be empty.

The search is reproducible from ``seed`` and does not depend on ``jobs`` (the runs are
put back in order; every random draw comes from one stream spawned from ``seed``).

**Installed ensembles.** ``workforce-sim ensemble --install`` copies the ensemble to the
package data ``sim/data/ensemble/<setting>.csv`` with its record ``<setting>.json`` (the
command that produced it); :func:`installed` reads it. :func:`run_ensemble` runs each
regime of a scenario across the members: member values override the setting's values
(a scenario's own ``[parameters]`` still win), ``replications`` runs per member and
regime with the same seeds for every member and regime (common random numbers).
"""

from __future__ import annotations

import datetime
import json
import math
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import qmc

from sim.core import params as registry
from sim.core.errors import UsageError
from sim.experiments.calibration import (
    SEARCH,
    Dim,
    Target,
    _regime,
    _run_task,
    _Runner,
    _targets_data,
    load_targets,
    protocol,
)

__all__ = [
    "CUTOFF",
    "ENSEMBLE_DIR",
    "ENSEMBLE_REPLICATIONS",
    "Emulator",
    "EnsembleResult",
    "EnsembleRuns",
    "across_ensemble",
    "ensemble_dims",
    "ensemble_ranges",
    "fit_emulator",
    "history_match",
    "implausibility",
    "install",
    "installed",
    "member_values",
    "pool_size",
    "run_ensemble",
    "target_variance",
]

#: Implausibility cut-off: a candidate with I > CUTOFF under any wave's emulators is
#: ruled out (three-sigma rule).
CUTOFF = 3.0

#: Runs per member and regime when a scenario runs across the ensemble (``compare
#: --ensemble``, ``sensitivity --ensemble``). With 4, replication noise made up 70-100 %
#: of the members' spread of the main regime effects (``noise_share``,
#: :func:`sim.analysis.ensemble.noise_of_members`), so the ensemble interval showed the
#: few runs, not the parameters; with 20 it is 40-100 %, and ``compare --ensemble`` takes
#: 1-1.5 minutes on 2 cores.
ENSEMBLE_REPLICATIONS = 20

#: Where installed ensembles live: ``<setting>.csv`` and ``<setting>.json`` (package
#: data). Tests point it at a temporary folder.
ENSEMBLE_DIR: Path = Path(str(resources.files("sim").joinpath("data", "ensemble")))

#: Columns of an ensemble CSV besides the parameters and the ``mean_<metric>`` columns.
MEMBER_COLUMN = "member"


# ---------------------------------------------------------------------------------------
# search space
# ---------------------------------------------------------------------------------------


def ensemble_ranges() -> dict[str, tuple[float, float]]:
    """The ``[ensemble]`` table of the targets file: parameter -> (low, high), checked
    against the registry (a known, non-regime parameter; inside its allowed range)."""
    table = _targets_data().get("ensemble", {})
    out = {}
    for name, rng in table.items():
        if name not in registry.PARAMS:
            raise ValueError(f"targets.toml: ensemble.{name}: unknown parameter")
        if name in registry.REGIME_PARAMS:
            raise ValueError(
                f"targets.toml: ensemble.{name}: a regime parameter (every regime sets it)"
            )
        p = registry.PARAMS[name]
        if not (isinstance(rng, list) and len(rng) == 2):
            raise ValueError(f"targets.toml: ensemble.{name}: must be [low, high]")
        lo, hi = float(rng[0]), float(rng[1])
        if not lo < hi:
            raise ValueError(f"targets.toml: ensemble.{name}: low must be below high")
        if (p.low is not None and lo < p.low) or (p.high is not None and hi > p.high):
            raise ValueError(
                f"targets.toml: ensemble.{name}: [{lo:g}, {hi:g}] leaves the allowed "
                f"range {p.range_text}"
            )
        out[name] = (lo, hi)
    return out


def around(dim: Dim, centre: float, factor: float) -> Dim:
    """``dim`` narrowed to a neighbourhood of ``centre``: ``[c / (1 + f), c * (1 + f)]``
    on a log scale, ``[c * (1 - f), c * (1 + f)]`` otherwise, within the original box."""
    if dim.log:
        lo, hi = centre / (1 + factor), centre * (1 + factor)
    else:
        lo, hi = centre * (1 - factor), centre * (1 + factor)
    lo, hi = max(lo, dim.low), min(hi, dim.high)
    if not lo < hi:
        raise ValueError(f"{dim.name}: {centre:g} is outside its box [{dim.low:g}, {dim.high:g}]")
    return Dim(dim.name, lo, hi, dim.log)


def ensemble_dims(setting: str, near: float | None = None) -> tuple[Dim, ...]:
    """The parameters history matching searches for ``setting``: its calibration search
    (:data:`SEARCH`) then the ``[ensemble]`` table's parameters. With ``near`` (a
    fraction), the calibration's parameters are searched only around the setting's
    adopted values (:func:`around`); the ``[ensemble]`` ones always over their ranges."""
    registry.check_setting(setting)
    dims = list(SEARCH[setting])
    if near is not None:
        adopted = registry.resolve("jit", setting=setting)
        dims = [around(d, float(adopted[d.name]), near) for d in dims]
    seen = {d.name for d in dims}
    dims += [Dim(n, lo, hi) for n, (lo, hi) in ensemble_ranges().items() if n not in seen]
    return tuple(dims)


# ---------------------------------------------------------------------------------------
# emulator and implausibility (pure functions)
# ---------------------------------------------------------------------------------------

#: Emulator forms, richest first: full quadratic, quadratic without interactions,
#: linear, constant (the mean of the candidates).
FORMS = ("quadratic", "diagonal", "linear", "constant")


def _n_terms(form: str, d: int) -> int:
    terms = {"quadratic": 1 + 2 * d + d * (d - 1) // 2, "diagonal": 1 + 2 * d, "linear": 1 + d}
    return terms.get(form, 1)


def features(u: np.ndarray, form: str) -> np.ndarray:
    """Regression features of points ``u`` (n, d), centred at 0.5: constant, linear,
    then squares (``diagonal``, ``quadratic``) and pairwise products (``quadratic``)."""
    z = np.atleast_2d(np.asarray(u, dtype=float)) - 0.5
    n, d = z.shape
    if form == "constant":
        return np.ones((n, 1))
    cols = [np.ones((n, 1)), z]
    if form in ("diagonal", "quadratic"):
        cols.append(z * z)
    if form == "quadratic" and d > 1:
        i, j = np.triu_indices(d, k=1)
        cols.append(z[:, i] * z[:, j])
    return np.hstack(cols)


def choose_form(n: int, d: int) -> str:
    """The richest form with at least two candidates per coefficient (constant otherwise)."""
    for form in FORMS:
        if n >= 2 * _n_terms(form, d):
            return form
    return "constant"


@dataclass(frozen=True)
class Emulator:
    """A least-squares emulator of one target's mean (see the module docstring)."""

    form: str
    coef: np.ndarray
    xtx_inv: np.ndarray
    resid_var: float  # s^2
    noise_var: float  # v / r: the replication noise of a candidate's mean
    r2: float

    def predict(self, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(mean, V_em)`` at points ``u`` (n, d)."""
        f = features(u, self.form)
        mean = f @ self.coef
        lev = np.einsum("ij,jk,ik->i", f, self.xtx_inv, f)
        var = self.resid_var * np.maximum(lev, 0.0) + max(0.0, self.resid_var - self.noise_var)
        return mean, var

    def summary(self) -> dict[str, Any]:
        return {
            "form": self.form,
            "terms": len(self.coef),
            "r2": round(self.r2, 4),
            "resid_sd": math.sqrt(self.resid_var),
            "noise_sd": math.sqrt(self.noise_var),
        }


def fit_emulator(
    u: np.ndarray, y: np.ndarray, noise_var: float = 0.0, form: str | None = None
) -> Emulator:
    """Fit an emulator of ``y`` (n,) at points ``u`` (n, d) by least squares
    (:func:`numpy.linalg.lstsq`). ``noise_var`` is the replication noise of one ``y``
    (run-to-run variance / replications); ``form`` defaults to :func:`choose_form`."""
    u = np.atleast_2d(np.asarray(u, dtype=float))
    y = np.asarray(y, dtype=float)
    n, d = u.shape
    form = form or choose_form(n, d)
    f = features(u, form)
    p = f.shape[1]
    coef, *_ = np.linalg.lstsq(f, y, rcond=None)
    resid = y - f @ coef
    dof = max(n - p, 1)
    s2 = float(resid @ resid) / dof
    xtx_inv = np.linalg.pinv(f.T @ f)
    tss = float(((y - y.mean()) ** 2).sum())
    r2 = 1.0 - float(resid @ resid) / tss if tss > 0 else 1.0
    return Emulator(form, coef, xtx_inv, s2, float(noise_var), r2)


def target_variance(low: float, high: float) -> float:
    """``V_target = (width / 4)^2``: the range read as two standard deviations either
    side of its centre (the evidence's uncertainty and the model's discrepancy)."""
    return ((high - low) / 4.0) ** 2


def implausibility(mean: np.ndarray, var: np.ndarray, low: float, high: float) -> np.ndarray:
    """``I_t``: distance of the emulated mean outside ``[low, high]`` over the standard
    deviation ``sqrt(var + V_target)``; ``var`` is ``V_em + v / r``. Zero inside."""
    mean = np.asarray(mean, dtype=float)
    dist = np.maximum(0.0, np.maximum(low - mean, mean - high))
    return dist / np.sqrt(np.asarray(var, dtype=float) + target_variance(low, high))


def emulated_inside(wave: Wave, u: np.ndarray, targets: Sequence[Target]) -> np.ndarray:
    """Whether each point of ``u`` (n, d) has every emulated mean of ``wave`` inside its
    target's ``[low, high]`` (the final step's first choice)."""
    out = np.ones(len(np.atleast_2d(u)), dtype=bool)
    for em, t in zip(wave.emulators, targets, strict=True):
        mean, _ = em.predict(u)
        out &= (mean >= t.low) & (mean <= t.high)
    return out


@dataclass(frozen=True)
class Wave:
    """The emulators of one wave, one per target (in target order)."""

    emulators: tuple[Emulator, ...]
    noise: tuple[float, ...]  # v_t / r for each target

    def implausibility(self, u: np.ndarray, targets: Sequence[Target]) -> np.ndarray:
        """``I(u) = max_t I_t(u)`` at points ``u`` (n, d)."""
        out = np.zeros(len(np.atleast_2d(u)))
        for em, noise, t in zip(self.emulators, self.noise, targets, strict=True):
            mean, var = em.predict(u)
            out = np.maximum(out, implausibility(mean, var + noise, t.low, t.high))
        return out


def fit_wave(u: np.ndarray, runs: np.ndarray, targets: Sequence[Target]) -> Wave:
    """Emulators of a wave from its candidates ``u`` (n, d) and their runs ``(n, r, T)``."""
    r = runs.shape[1]
    means = runs.mean(axis=1)
    ems, noise = [], []
    for j, _t in enumerate(targets):
        v = float(runs[:, :, j].var(axis=1, ddof=1).mean()) if r > 1 else 0.0
        ems.append(fit_emulator(u, means[:, j], v / r))
        noise.append(v / r)
    return Wave(tuple(ems), tuple(noise))


def pool_size(points: int) -> int:
    """Size of the Latin hypercube each later wave is rejection-sampled from."""
    return max(20_000, 200 * points)


# ---------------------------------------------------------------------------------------
# history matching
# ---------------------------------------------------------------------------------------


@dataclass
class EnsembleResult:
    """What :func:`history_match` found: the ensemble, every run candidate, the record."""

    setting: str
    members: pd.DataFrame  # member, parameters, mean_<metric>
    history: pd.DataFrame  # every candidate of every wave and the final step
    record: dict[str, Any]
    elapsed_seconds: float = 0.0
    meta: dict[str, Any] = field(default_factory=dict)


def command_line(
    setting: str,
    seed: int,
    points: int,
    waves: int,
    replications: int,
    final_replications: int,
    horizon_weeks: int | None = None,
    near: float | None = None,
) -> str:
    """The canonical command that reproduces an ensemble (``--jobs`` changes nothing)."""
    cmd = (
        f"workforce-sim ensemble --setting {setting} --seed {seed} --points {points} "
        f"--waves {waves} --replications {replications} "
        f"--final-replications {final_replications}"
    )
    if horizon_weeks is not None and horizon_weeks != protocol().horizon_weeks:
        cmd += f" --horizon {horizon_weeks}"
    if near is not None:
        cmd += f" --near {near:g}"
    return cmd


def history_match(
    setting: str = "dsp",
    seed: int = 1,
    points: int = 150,
    waves: int = 3,
    replications: int = 4,
    final_replications: int | None = None,
    jobs: int = 1,
    horizon_weeks: int | None = None,
    base: Mapping[str, Any] | None = None,
    targets: Sequence[Target] | None = None,
    progress: bool = False,
    near: float | None = None,
) -> EnsembleResult:
    """History-match ``setting`` to its targets and keep every candidate inside them all.

    See the module docstring. ``base`` holds fixed parameter values for every run (e.g. a
    small agency in tests); ``targets`` replaces the setting's targets (tests).
    """
    registry.check_setting(setting)
    for name, v, low in (
        ("points", points, 2),
        ("waves", waves, 1),
        ("replications", replications, 1),
    ):
        if v < low:
            raise ValueError(f"{name} must be at least {low}")
    proto = protocol()
    final_reps = final_replications or proto.calibration_replications
    horizon = horizon_weeks or proto.horizon_weeks
    targets = list(targets) if targets is not None else load_targets(setting)
    regime = _regime(targets)
    metrics = tuple(t.metric for t in targets)
    dims = ensemble_dims(setting, near)
    base = dict(base or {})
    clash = sorted(set(base) & {d.name for d in dims})
    if clash:
        raise ValueError(f"base fixes searched parameter(s): {', '.join(clash)}")
    say = _progress(progress)

    search_ss, reps_ss = np.random.SeedSequence(seed).spawn(2)
    from sim.experiments.runner import run_seed

    seeds = [run_seed(c) for c in reps_ss.spawn(max(replications, final_reps))]
    rng = np.random.default_rng(search_ss)
    start = time.perf_counter()

    def values_of(u: np.ndarray) -> list[dict[str, float]]:
        return [{d.name: d.value(float(x)) for d, x in zip(dims, row, strict=True)} for row in u]

    def run(cands: list[dict[str, float]], reps: int, runner: _Runner) -> np.ndarray:
        tasks = [
            (setting, regime, {**base, **vals}, s, horizon, metrics)
            for vals in cands
            for s in seeds[:reps]
        ]
        out = np.array(runner.map(_run_task, tasks), dtype=float)
        return out.reshape(len(cands), reps, len(metrics))

    def unit_of(cands: list[dict[str, float]]) -> np.ndarray:
        # the rounded values' positions: the emulators see exactly what was run
        return np.array([[d.unit(c[d.name]) for d in dims] for c in cands])

    fitted: list[Wave] = []
    rows: list[dict[str, Any]] = []
    waves_info: list[dict[str, Any]] = []
    final_info: dict[str, Any] = {}

    def non_implausible(final: bool = False) -> tuple[np.ndarray, float]:
        """A random sample of up to ``points`` non-implausible pool points, and the
        share of the pool that is non-implausible. For the final step (``final``), the
        points whose last-wave emulated means all lie inside the targets come first
        (:func:`emulated_inside`); the sample is filled from the other non-implausible
        points only if there are too few of them."""
        pool = qmc.LatinHypercube(d=len(dims), rng=rng).random(pool_size(points))
        imp = np.zeros(len(pool))
        for w in fitted:
            imp = np.maximum(imp, w.implausibility(pool, targets))
        ok = imp <= CUTOFF
        frac = float(ok.mean())
        if not final:
            keep = pool[ok]
            if len(keep) > points:
                keep = keep[np.sort(rng.choice(len(keep), size=points, replace=False))]
            return keep, frac
        first = ok & emulated_inside(fitted[-1], pool, targets)
        chosen: list[np.ndarray] = []
        for group in (np.flatnonzero(first), np.flatnonzero(ok & ~first)):
            room = points - sum(len(c) for c in chosen)
            if room <= 0:
                break
            if len(group) > room:
                group = np.sort(rng.choice(group, size=room, replace=False))
            chosen.append(group)
        rows_ = np.sort(np.concatenate(chosen)) if chosen else np.empty(0, dtype=int)
        final_info["emulated_inside_fraction"] = float(first.mean())
        return pool[rows_], frac

    def record_rows(stage: str, cands, runs) -> None:
        for vals, res in zip(cands, runs, strict=True):
            row: dict[str, Any] = {"stage": stage, "candidate": len(rows), **vals}
            for j, m in enumerate(metrics):
                row[f"mean_{m}"] = float(res[:, j].mean())
                row[f"sd_{m}"] = float(res[:, j].std(ddof=1)) if res.shape[0] > 1 else 0.0
            row["inside"] = all(t.low <= row[f"mean_{t.metric}"] <= t.high for t in targets)
            rows.append(row)

    with _Runner(jobs) as runner:
        for k in range(1, waves + 1):
            if k == 1:
                u = qmc.LatinHypercube(d=len(dims), rng=rng).random(points)
                frac = 1.0
            else:
                u, frac = non_implausible()
            info: dict[str, Any] = {"wave": k, "non_implausible_fraction": frac}
            if len(u) == 0:
                info.update(points=0, runs=0)
                waves_info.append(info)
                say(f"wave {k}: no non-implausible candidate left; stopping")
                break
            cands = values_of(u)
            res = run(cands, replications, runner)
            record_rows(f"wave {k}", cands, res)
            wave = fit_wave(unit_of(cands), res, targets)
            fitted.append(wave)
            info.update(
                points=len(cands),
                runs=len(cands) * replications,
                inside=int(sum(r["inside"] for r in rows[-len(cands) :])),
                emulators={m: e.summary() for m, e in zip(metrics, wave.emulators, strict=True)},
            )
            waves_info.append(info)
            say(
                f"wave {k}: {len(cands)} candidates x {replications} runs "
                f"(non-implausible share of the space before it: {frac:.3g})"
            )
        if fitted and waves_info[-1].get("points", 0):
            final_u, final_frac = non_implausible(final=True)
        else:
            final_u, final_frac = np.empty((0, len(dims))), 0.0
        final_cands = values_of(final_u)
        if final_cands:
            res = run(final_cands, final_reps, runner)
            record_rows("final", final_cands, res)
        say(
            f"final: {len(final_cands)} candidates x {final_reps} runs "
            f"(non-implausible share: {final_frac:.3g})"
        )

    history = pd.DataFrame(rows)
    names = [d.name for d in dims]
    mean_cols = [f"mean_{m}" for m in metrics]
    if len(history):
        kept = history[(history["stage"] == "final") & history["inside"]]
    else:
        kept = pd.DataFrame(columns=["stage", "candidate", *names, *mean_cols, "inside"])
    members = kept[[*names, *mean_cols]].reset_index(drop=True)
    members.insert(0, MEMBER_COLUMN, np.arange(1, len(members) + 1))
    record = {
        "date": datetime.date.today().isoformat(),
        "command": command_line(
            setting, seed, points, waves, replications, final_reps, horizon, near
        ),
        "near": near,
        # the adopted values --near searched around (the command alone does not fix them:
        # they are the setting's calibration at the time)
        "centre": (
            {d.name: registry.resolve("jit", setting=setting)[d.name] for d in SEARCH[setting]}
            if near is not None
            else None
        ),
        "setting": setting,
        "regime": regime,
        "seed": seed,
        "points": points,
        "waves": waves,
        "replications": replications,
        "final_replications": final_reps,
        "horizon_weeks": horizon,
        "cutoff": CUTOFF,
        "parameters": {d.name: {"low": d.low, "high": d.high, "log": d.log} for d in dims},
        "fixed": dict(base),
        "targets": [
            {"metric": t.metric, "label": t.label, "low": t.low, "high": t.high} for t in targets
        ],
        "wave_counts": waves_info,
        "final": {
            "candidates": len(final_cands),
            "non_implausible_fraction": final_frac,
            **final_info,
            "kept": len(members),
        },
        "members": len(members),
    }
    return EnsembleResult(
        setting, members, history, record, time.perf_counter() - start, {"jobs": jobs}
    )


def _progress(on: bool) -> Callable[[str], None]:
    def say(msg: str) -> None:
        if on:
            print(msg, file=sys.stderr, flush=True)

    return say


# ---------------------------------------------------------------------------------------
# installed ensembles
# ---------------------------------------------------------------------------------------


def _paths(setting: str, folder: Path | None = None) -> tuple[Path, Path]:
    d = Path(folder) if folder is not None else ENSEMBLE_DIR
    return d / f"{setting}.csv", d / f"{setting}.json"


def install(result: EnsembleResult, folder: Path | None = None) -> tuple[Path, Path]:
    """Copy an ensemble to the package data (``ENSEMBLE_DIR``): ``<setting>.csv`` and
    its record ``<setting>.json``."""
    from sim.experiments.store import atomic_write

    csv_path, json_path = _paths(result.setting, folder)
    csv_path.parent.mkdir(parents=True, exist_ok=True)
    text = result.members.to_csv(index=False)
    atomic_write(csv_path, lambda t: t.write_text(text, encoding="utf-8"))
    rec = json.dumps(result.record, indent=2, default=str) + "\n"
    atomic_write(json_path, lambda t: t.write_text(rec, encoding="utf-8"))
    return csv_path, json_path


def installed(setting: str, folder: Path | None = None) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The installed ensemble of ``setting`` (members, record); a :class:`UsageError`
    naming the command that makes one when there is none (or it is empty)."""
    registry.check_setting(setting)
    csv_path, json_path = _paths(setting, folder)
    make = (
        f"workforce-sim ensemble --setting {setting} --install (see README, "
        "'Parameter uncertainty: the ensemble')"
    )
    if not csv_path.is_file():
        raise UsageError(
            f"--ensemble: no ensemble is installed for setting {setting!r} "
            f"({csv_path} is missing); make one with: {make}"
        )
    members = pd.read_csv(csv_path)
    if not len(members):
        raise UsageError(
            f"--ensemble: the installed ensemble of setting {setting!r} has no members; "
            f"make one with: {make}"
        )
    record = json.loads(json_path.read_text("utf-8")) if json_path.is_file() else {}
    return members, record


def member_values(members: pd.DataFrame) -> list[dict[str, float]]:
    """Each member's parameter values (the columns that are model parameters)."""
    names = [c for c in members.columns if c in registry.PARAMS]
    return [{n: float(row[n]) for n in names} for _, row in members.iterrows()]


# ---------------------------------------------------------------------------------------
# running a scenario across an ensemble
# ---------------------------------------------------------------------------------------


def run_ensemble(
    scenario: Any,
    members: pd.DataFrame,
    replications: int = ENSEMBLE_REPLICATIONS,
    jobs: int = 1,
    progress: bool = False,
) -> pd.DataFrame:
    """Every regime of ``scenario`` across the ensemble ``members``: ``replications`` runs
    per member and regime, the replicate seeds spawned from the scenario's seed (so
    replicate *r* has the same seed for every member and regime, and as in the
    scenario's own runs). A member's values override the setting's; the scenario's
    ``[parameters]`` still win. Returns one row per run: ``member``, ``regime``,
    ``replicate``, ``seed`` and every measure's final-year value.
    """
    from sim.experiments.processes import pool_map
    from sim.experiments.runner import RunSpec, run_group, run_seed
    from sim.experiments.scenario import model_kwargs

    children = np.random.SeedSequence(scenario.seed).spawn(replications)
    seeds = [(run_seed(c), tuple(c.spawn_key)) for c in children]
    groups: list[list[RunSpec]] = []
    labels: list[int] = []
    for m_id, vals in zip(members[MEMBER_COLUMN], member_values(members), strict=True):
        for r, (seed, key) in enumerate(seeds):
            group = []
            for regime in scenario.regimes:
                kw = model_kwargs(scenario, regime)
                kw = {**kw, **{k: v for k, v in vals.items() if k not in scenario.params}}
                group.append(RunSpec(r, regime, r, seed, key, kw, scenario.horizon_weeks))
            groups.append(group)  # one member's regimes of one seed share the warm-up
            labels.append(int(m_id))
    rows = []
    results = pool_map(run_group, groups, jobs, progress=progress, desc="ensemble runs", unit="rep")
    for m_id, res in zip(labels, results, strict=True):
        for one in res:
            run = dict(one["run"])
            run.pop("run_id", None)
            run.pop("wall_seconds", None)
            rows.append({"member": m_id, **run})
    return pd.DataFrame(rows)


@dataclass
class EnsembleRuns:
    """A scenario run across an installed ensemble (``compare --ensemble``)."""

    setting: str
    runs: pd.DataFrame  # one row per (member, regime, replicate)
    members: pd.DataFrame  # the members used (member, parameters, mean_<metric>)
    record: dict[str, Any]  # the installed ensemble's record (its command)
    replications: int
    baseline: str
    elapsed_seconds: float = 0.0

    @property
    def parameters(self) -> list[str]:
        return [c for c in self.members.columns if c in registry.PARAMS]


def across_ensemble(
    scenario: Any,
    members: int | None = None,
    replications: int = ENSEMBLE_REPLICATIONS,
    jobs: int = 1,
    progress: bool = False,
    folder: Path | None = None,
) -> EnsembleRuns:
    """Run ``scenario`` across the first ``members`` members (all if None) of the
    installed ensemble of its setting (:func:`installed`, :func:`run_ensemble`)."""
    table, record = installed(scenario.setting, folder)
    if members is not None:
        table = table.head(members).reset_index(drop=True)
    start = time.perf_counter()
    runs = run_ensemble(scenario, table, replications, jobs, progress)
    baseline = "jit" if "jit" in scenario.regimes else scenario.regimes[0]
    return EnsembleRuns(
        scenario.setting,
        runs,
        table,
        record,
        replications,
        baseline,
        time.perf_counter() - start,
    )
