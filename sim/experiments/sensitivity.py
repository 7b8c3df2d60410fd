"""Global sensitivity analysis with SALib: Sobol' indices and Morris elementary effects.

Two layers:

* model-agnostic: :func:`sample` draws a design for a SALib ``problem``,
  :func:`evaluate` runs *any* function ``fn(X, rng) -> Y`` on it with replications, and
  :func:`analyse` turns replicated outputs ``Y[point, replicate]`` into indices with
  confidence intervals plus the replication noise; :func:`run` chains the three (see
  :func:`ishigami` for the classic check of the pipeline);
* for the simulation: :func:`analyse_sweep` reads a sweep directory (see
  :mod:`sim.experiments.experiment`) run with a ``sobol`` or ``morris`` design;
  :func:`sim.report.sensitivity.sensitivity` runs (or resumes) the sweep, analyses it and
  writes the table (CSV + Markdown) and the chart.

Replications are averaged per design point before the analysis. Beside the indices,
each output carries its replication noise: ``within_sd`` (pooled SD between replicates
of the same point), ``between_sd`` (SD of the point means over the design) and
``noise_share`` = (within variance / replications) / variance of the point means, the
share of the analysed output's variance that is replication noise. A large
``noise_share`` (say above 0.1) means the indices partly measure noise: raise
``replications``.

Discrete factors (the regime, true/false parameters, lists of values) are sampled on
[0, 1] and mapped to their values (see :class:`sim.experiments.sweepspec.Factor`); their indices
are those of that mapping.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.core.errors import UsageError
from sim.core.outputs import METRICS

__all__ = [
    "ISHIGAMI_INDICES",
    "ISHIGAMI_PROBLEM",
    "METHODS",
    "analyse",
    "analyse_sweep",
    "check_method",
    "evaluate",
    "ishigami",
    "noise",
    "run",
    "sample",
]

METHODS: tuple[str, ...] = ("sobol", "morris")

#: The Ishigami function's inputs: three factors uniform on [-pi, pi].
ISHIGAMI_PROBLEM: dict[str, Any] = {
    "num_vars": 3,
    "names": ["x1", "x2", "x3"],
    "bounds": [[-np.pi, np.pi]] * 3,
}
#: Its analytical Sobol' indices for a = 7, b = 0.1 (Ishigami & Homma 1990; Saltelli
#: et al. 2008, Global Sensitivity Analysis: The Primer).
ISHIGAMI_INDICES: dict[str, tuple[float, ...]] = {
    "S1": (0.3139, 0.4424, 0.0),
    "ST": (0.5576, 0.4424, 0.2437),
}


def ishigami(
    X: np.ndarray,
    rng: np.random.Generator | None = None,
    a: float = 7.0,
    b: float = 0.1,
    noise_sd: float = 0.0,
) -> np.ndarray:
    """Ishigami function, ``sin x1 + a sin^2 x2 + b x3^4 sin x1``, plus optional noise."""
    X = np.asarray(X, dtype=float)
    y = np.sin(X[:, 0]) + a * np.sin(X[:, 1]) ** 2 + b * X[:, 2] ** 4 * np.sin(X[:, 0])
    if noise_sd:
        y = y + (rng or np.random.default_rng()).normal(0.0, noise_sd, len(y))
    return y


def check_method(method: str) -> str:
    """``method`` if it is one of :data:`METHODS`, else a :class:`UsageError`."""
    if method not in METHODS:
        raise UsageError(f'sensitivity analysis needs design = "sobol" or "morris", got {method!r}')
    return method


def sample(
    problem: Mapping[str, Any],
    method: str,
    n: int,
    *,
    seed: int = 0,
    second_order: bool = False,
    levels: int = 4,
) -> np.ndarray:
    """A SALib design: ``sobol`` (Saltelli, ``n`` a power of 2) or ``morris``
    (``n`` trajectories on a ``levels``-level grid)."""
    if check_method(method) == "sobol":
        from SALib.sample import sobol

        return sobol.sample(dict(problem), n, calc_second_order=second_order, seed=seed)
    from SALib.sample import morris

    return morris.sample(dict(problem), n, num_levels=levels, seed=seed)


def evaluate(
    fn: Callable[..., Any], X: np.ndarray, replications: int = 1, seed: int = 0
) -> dict[str, np.ndarray]:
    """Outputs of ``fn(X, rng)`` for every replication: ``{output: Y[point, replicate]}``.

    ``fn`` returns an array (one output, named ``"y"``) or a mapping of named arrays;
    replication ``r`` gets ``rng = default_rng(SeedSequence(seed).spawn(R)[r])``.
    """
    out: dict[str, list[np.ndarray]] = {}
    for child in np.random.SeedSequence(seed).spawn(replications):
        y = fn(X, np.random.default_rng(child))
        ys = y if isinstance(y, Mapping) else {"y": y}
        for k, v in ys.items():
            out.setdefault(k, []).append(np.asarray(v, dtype=float))
    return {k: np.column_stack(v) for k, v in out.items()}


def noise(Y: np.ndarray) -> dict[str, float]:
    """Replication noise of ``Y[point, replicate]`` (NaN = a missing run)."""
    Y = np.asarray(Y, dtype=float).reshape(len(Y), -1)
    means = np.nanmean(Y, axis=1)
    n = np.sum(~np.isnan(Y), axis=1)
    between_var = float(np.var(means, ddof=1)) if len(means) > 1 else float("nan")
    out = {
        "points": len(Y),
        "replications": int(Y.shape[1]),
        "mean": float(np.mean(means)),
        "between_sd": float(np.sqrt(between_var)),
        "within_sd": float("nan"),
        "noise_share": float("nan"),
    }
    ok = n >= 2
    if ok.any():
        within_var = float(np.mean(np.nanvar(Y[ok], axis=1, ddof=1)))
        out["within_sd"] = float(np.sqrt(within_var))
        if between_var > 0:
            out["noise_share"] = float(within_var / np.mean(n) / between_var)
        elif within_var > 0:
            out["noise_share"] = float("inf")
    return out


def analyse(
    problem: Mapping[str, Any],
    method: str,
    X: np.ndarray,
    Y: np.ndarray,
    *,
    second_order: bool = False,
    levels: int = 4,
    conf_level: float = 0.95,
    resamples: int = 1000,
    seed: int = 0,
    output: str = "y",
) -> pd.DataFrame:
    """Indices of one output, one row per factor, with the replication noise beside them.

    ``Y`` is ``Y[point]`` or ``Y[point, replicate]`` (averaged per point; NaN = missing
    run). Sobol' rows: ``S1``, ``S1_conf``, ``ST``, ``ST_conf`` (``conf``: half-width of
    the ``conf_level`` bootstrap interval). Morris rows: ``mu``, ``mu_star``,
    ``mu_star_conf``, ``sigma``.
    """
    Y = np.asarray(Y, dtype=float)
    Y2 = Y.reshape(len(Y), -1)
    with warnings.catch_warnings():  # a point without any run is reported below
        warnings.simplefilter("ignore", RuntimeWarning)
        means = np.nanmean(Y2, axis=1)
    if np.isnan(means).any():
        missing = np.flatnonzero(np.isnan(means))
        raise UsageError(
            f"output {output!r}: {len(missing)} design point(s) have no "
            f"successful run (e.g. point {int(missing[0])}); the {method} "
            "analysis needs every point: fix the failures, then run again "
            "with --resume --retry-failed"
        )
    problem = dict(problem)
    names = list(problem["names"])
    if check_method(method) == "sobol":
        from SALib.analyze import sobol

        res = sobol.analyze(
            problem,
            means,
            calc_second_order=second_order,
            num_resamples=resamples,
            conf_level=conf_level,
            seed=seed,
        )
        table = pd.DataFrame(
            {
                "factor": names,
                "S1": res["S1"],
                "S1_conf": res["S1_conf"],
                "ST": res["ST"],
                "ST_conf": res["ST_conf"],
            }
        )
        if second_order:  # pairwise indices S2[i, j] (upper triangle), one column per j
            for j, other in enumerate(names):
                table[f"S2.{other}"] = res["S2"][:, j]
                table[f"S2_conf.{other}"] = res["S2_conf"][:, j]
    else:
        from SALib.analyze import morris

        res = morris.analyze(
            problem,
            np.asarray(X, dtype=float),
            means,
            num_resamples=resamples,
            conf_level=conf_level,
            num_levels=levels,
            seed=seed,
        )
        table = pd.DataFrame(
            {
                "factor": names,
                "mu": res["mu"],
                "mu_star": res["mu_star"],
                "mu_star_conf": res["mu_star_conf"],
                "sigma": res["sigma"],
            }
        )
    table.insert(0, "output", output)
    table.insert(1, "method", method)
    for k, v in noise(Y2).items():
        table[k] = v
    return table


def run(
    fn: Callable[..., Any],
    problem: Mapping[str, Any],
    method: str = "sobol",
    n: int = 1024,
    *,
    replications: int = 1,
    seed: int = 0,
    second_order: bool = False,
    levels: int = 4,
    conf_level: float = 0.95,
    resamples: int = 1000,
) -> pd.DataFrame:
    """Sensitivity of *any* model function ``fn(X, rng)``: sample, evaluate, analyse."""
    X = sample(problem, method, n, seed=seed, second_order=second_order, levels=levels)
    outs = evaluate(fn, X, replications, seed)
    return pd.concat(
        [
            analyse(
                problem,
                method,
                X,
                Y,
                second_order=second_order,
                levels=levels,
                conf_level=conf_level,
                resamples=resamples,
                seed=seed,
                output=name,
            )
            for name, Y in outs.items()
        ],
        ignore_index=True,
    )


# --- the simulation, through a sweep ----------------------------------------------------


def _problem(man: Mapping[str, Any]) -> dict[str, Any]:
    spec = man["spec"]
    names = [n for n in spec["factors"] if n not in spec["cross"]]
    bounds = []
    for n in names:
        f = spec["factors"][n]
        bounds.append([0.0, 1.0] if "values" in f else [float(f["low"]), float(f["high"])])
    return {"num_vars": len(names), "names": names, "bounds": bounds}


def analyse_sweep(
    path: str | Path,
    outputs: Sequence[str] | None = None,
    *,
    conf_level: float = 0.95,
    resamples: int = 1000,
) -> pd.DataFrame:
    """Indices of a finished ``sobol`` or ``morris`` sweep, per output and per crossed group.

    Column ``group`` names the crossed factor values (e.g. ``regime=jit``), or ``all``.
    """
    from sim.experiments.experiment import load
    from sim.experiments.sweepspec import SENSITIVITY_OUTPUTS

    res = load(path, timeseries=False)
    spec = res.manifest["spec"]
    method = check_method(spec["design"])
    outputs = list(outputs or SENSITIVITY_OUTPUTS)
    for o in outputs:
        if o not in METRICS:
            raise UsageError(f"unknown output {o!r}; allowed: {', '.join(METRICS)}")
    problem = _problem(res.manifest)
    points = res.points.sort_values("point")
    cross = list(spec["cross"])
    design_cols = [f"design.{n}" for n in problem["names"]]
    reps = int(spec["replications"])
    n_points = len(points)
    Y_all = {o: np.full((n_points, reps), np.nan) for o in outputs}
    s = res.summary
    p_idx, r_idx = s["point"].to_numpy(int), s["replicate"].to_numpy(int)
    for o in outputs:
        Y_all[o][p_idx, r_idx] = s[o].to_numpy(float)
    groups = points.groupby(cross, sort=False) if cross else [((), points)]
    seed = int(spec["seed"])
    tables = []
    for key, pts in groups:
        key = key if isinstance(key, tuple) else (key,)
        label = ", ".join(f"{c}={v}" for c, v in zip(cross, key, strict=True)) or "all"
        pts = pts.sort_values("design_point")
        X = pts[design_cols].to_numpy(float)
        rows = pts["point"].to_numpy(int)
        for o in outputs:
            t = analyse(
                problem,
                method,
                X,
                Y_all[o][rows],
                second_order=bool(spec.get("second_order")),
                levels=int(spec.get("levels") or 4),
                conf_level=conf_level,
                resamples=resamples,
                seed=seed,
                output=o,
            )
            t.insert(0, "group", label)
            tables.append(t)
    return pd.concat(tables, ignore_index=True)
