"""Replicated runs of a scenario: seeding, process pool, tidy results, provenance.

Seeding: one root :class:`numpy.random.SeedSequence` (the scenario's ``seed``) spawns
one child per replicate; replicate *r* uses the same child under every regime (common
random numbers, so regimes are compared on the same agencies and events as far as
their paths agree). A run's integer ``seed`` is drawn from its child by
:func:`run_seed`, the one seeding function of the package (sweeps and calibration use it
too), so ``WorkforceModel(regime, rng=seed, **params)`` reproduces it exactly. Runs are
independent and results are put back in plan order, so the number of processes changes
nothing.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.core.model import WorkforceModel
from sim.core.outputs import METRICS
from sim.experiments.processes import mp_context, pool_map
from sim.experiments.scenario import Scenario, model_kwargs

__all__ = [
    "Results",
    "RunSpec",
    "final_year",
    "git_commit",
    "git_dirty",
    "mp_context",
    "package_versions",
    "plan",
    "provenance",
    "run_one",
    "run_scenario",
    "run_seed",
]

ID_COLUMNS = ["run_id", "regime", "replicate", "seed", "week"]


@dataclass(frozen=True)
class RunSpec:
    """One model run: which regime, which replicate, its seed and keyword arguments."""

    run_id: int
    regime: str
    replicate: int
    seed: int
    spawn_key: tuple[int, ...]
    kwargs: dict[str, Any]
    horizon_weeks: int


@dataclass
class Results:
    """Tidy results of a scenario (pandas DataFrames) and its metadata."""

    timeseries: pd.DataFrame
    runs: pd.DataFrame
    survival: pd.DataFrame
    client_distinct: pd.DataFrame
    meta: dict[str, Any] = field(default_factory=dict)


def run_seed(seq: np.random.SeedSequence) -> int:
    """A run's integer seed (for ``WorkforceModel(rng=seed)``) from its SeedSequence.

    The first two 32-bit words of ``seq.generate_state`` as ``(w0 << 31) | (w1 >> 1)``:
    62 bits, so it fits a signed int64 (a CSV or Parquet column holds it exactly). Every
    run of the package is seeded through this function (compare and run, sweeps,
    calibration and validation); the suite and the calibration records pin its values.
    """
    hi, lo = seq.generate_state(2, dtype=np.uint32)
    return (int(hi) << 31) | (int(lo) >> 1)


def plan(scenario: Scenario) -> list[RunSpec]:
    """The runs of a scenario, in a fixed order (regime-major)."""
    root = np.random.SeedSequence(scenario.seed)
    children = root.spawn(scenario.replications)
    specs = []
    for regime in scenario.regimes:
        kwargs = model_kwargs(scenario, regime)
        for r, child in enumerate(children):
            seed = run_seed(child)
            specs.append(
                RunSpec(
                    len(specs),
                    regime,
                    r,
                    seed,
                    tuple(child.spawn_key),
                    kwargs,
                    scenario.horizon_weeks,
                )
            )
    return specs


def final_year(ts: pd.DataFrame) -> dict[str, float]:
    """A run's final-year value of every metric (see :class:`sim.core.outputs.Metric`)."""
    last = ts.iloc[-52:]
    out = {}
    for name, m in METRICS.items():
        col = last[name]
        out[name] = float(
            col.iloc[-1] if m.final == "last" else col.mean() if m.final == "mean" else col.sum()
        )
    return out


def run_one(spec: RunSpec) -> dict[str, Any]:
    """Run one model; return its weekly series, final-year values and spells."""
    start = time.perf_counter()
    model = WorkforceModel(rng=spec.seed, **spec.kwargs)
    for _ in range(spec.horizon_weeks):
        model.step()
    ts = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    ts.insert(0, "week", np.arange(len(ts)))
    ids = {
        "run_id": spec.run_id,
        "regime": spec.regime,
        "replicate": spec.replicate,
        "seed": spec.seed,
    }
    for i, (k, v) in enumerate(ids.items()):
        ts.insert(i, k, v)
    surv = model.survival_data()
    surv.insert(0, "regime", spec.regime)
    surv.insert(1, "replicate", spec.replicate)
    distinct = model.client_distinct_workers()
    return {
        "timeseries": ts,
        "run": {**ids, "wall_seconds": time.perf_counter() - start, **final_year(ts)},
        "survival": surv,
        "client_distinct": pd.DataFrame(
            {"regime": spec.regime, "replicate": spec.replicate, "distinct_workers": distinct}
        ),
    }


def default_jobs() -> int:
    return os.cpu_count() or 1


def run_group(specs: list[RunSpec]) -> list[dict[str, Any]]:
    """:func:`run_one` of each spec, in one process: runs with the same seed (the
    regimes of one replicate) then share one warm-up (see
    :class:`~sim.core.model.WorkforceModel`)."""
    return [run_one(s) for s in specs]


def _execute(specs: list[RunSpec], jobs: int, progress: bool) -> Iterable[dict[str, Any]]:
    """Every spec's result, in the order of ``specs``. The runs of one seed go to one
    process as one task (:func:`run_group`), so a comparison's regimes share each
    replicate's warm-up; the results are the same as running each spec alone."""
    groups: dict[int, list[RunSpec]] = {}
    for s in specs:
        groups.setdefault(s.seed, []).append(s)
    order = [s.run_id for s in specs]
    done: dict[int, dict[str, Any]] = {}
    nxt = 0
    for results in pool_map(
        run_group, list(groups.values()), jobs, progress=progress, desc="replicates", unit="rep"
    ):
        for res in results:
            done[res["run"]["run_id"]] = res
        while nxt < len(order) and order[nxt] in done:
            yield done.pop(order[nxt])
            nxt += 1


def run_scenario(
    scenario: Scenario,
    jobs: int | None = None,
    progress: bool | None = None,
    on_result: Callable[[dict[str, Any]], None] | None = None,
) -> Results:
    """Run every regime x replicate of ``scenario``; results do not depend on ``jobs``."""
    jobs = default_jobs() if jobs is None else max(1, int(jobs))
    progress = sys.stderr.isatty() if progress is None else progress
    specs = plan(scenario)
    start = time.perf_counter()
    parts: dict[str, list] = {"timeseries": [], "run": [], "survival": [], "client_distinct": []}
    for res in _execute(specs, jobs, progress):
        for k in parts:
            parts[k].append(res[k])
        if on_result:
            on_result(res)
    elapsed = time.perf_counter() - start
    meta = {
        "title": scenario.name,
        "description": scenario.description,
        "setting": scenario.setting,
        "regimes": list(scenario.regimes),
        "regime_labels": dict(scenario.regime_labels),
        "replications": scenario.replications,
        "horizon_weeks": scenario.horizon_weeks,
        "seed": scenario.seed,
        "params": {r: regime_params(scenario, r) for r in scenario.regimes},
        "elapsed_seconds": elapsed,
        "jobs": jobs,
        "spawn_keys": {s.run_id: list(s.spawn_key) for s in specs},
        "source": scenario.source,
    }
    return Results(
        timeseries=pd.concat(parts["timeseries"], ignore_index=True),
        runs=pd.DataFrame(parts["run"]),
        survival=pd.concat(parts["survival"], ignore_index=True),
        client_distinct=pd.concat(parts["client_distinct"], ignore_index=True),
        meta=meta,
    )


def regime_params(scenario: Scenario, regime: str) -> dict[str, Any]:
    """Every parameter value a regime's runs use (registry defaults filled in)."""
    from sim.core.params import resolve

    kw = dict(model_kwargs(scenario, regime))
    return resolve(kw.pop("regime"), **kw)


def _git(*args: str) -> str | None:
    """Output of a git command in the package's own checkout (None if there is none).

    An installed copy (site-packages) is not a checkout, even inside someone's
    repository: the checkout must be the one whose ``sim/`` holds this file.
    """
    here = Path(__file__).resolve().parents[1]  # the package: sim/

    def run(*a: str) -> str | None:
        try:
            out = subprocess.run(
                ["git", *a], cwd=here, capture_output=True, text=True, timeout=10, check=False
            )
        except (OSError, subprocess.SubprocessError):
            return None
        return out.stdout if out.returncode == 0 else None

    top = run("rev-parse", "--show-toplevel")
    if not top or Path(top.strip()).resolve() / here.name != here:
        return None
    return run(*args)


def git_commit() -> str | None:
    """The commit of the package's git checkout (None if it is not one)."""
    out = _git("rev-parse", "HEAD")
    return out.strip() or None if out is not None else None


def git_dirty() -> bool | None:
    """Whether the package's git checkout has uncommitted changes, untracked files
    included (``git status --porcelain``); None if it is not a checkout."""
    out = _git("status", "--porcelain")
    return None if out is None else bool(out.strip())


def provenance(versions: dict[str, str] | None = None) -> dict[str, Any]:
    """What every manifest records about the software: package versions (``versions``,
    default :func:`package_versions`), the git commit and whether the checkout had
    uncommitted changes."""
    return {
        "versions": package_versions() if versions is None else versions,
        "git_commit": git_commit(),
        "git_dirty": git_dirty(),
    }


def package_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for pkg in (
        "workforce-sim",
        "mesa",
        "numpy",
        "numba",
        "llvmlite",
        "pandas",
        "matplotlib",
        "scipy",
    ):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "not installed"
    return out
