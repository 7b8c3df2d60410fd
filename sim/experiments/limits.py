"""How much one command may ask for: the limits every input is checked against.

One place for the limits that scenario files, sweep specs and command-line options
share, so that a value refused in a file is refused on the command line too:

* sizes of what a user types: :data:`MAX_FILE_BYTES` (a scenario or spec file),
  :data:`MAX_NESTING` (arrays and tables inside each other), and the text lengths in
  :data:`MAX_CHARS` (names, labels and descriptions end up in chart legends and titles,
  which take minutes to lay out with a text of thousands of characters);
* sizes of a job: :data:`MAX_RUNS` model runs per command (a sweep's design points x
  replications, a scenario's regimes x replications, a calibration's candidates x
  replications) and :data:`MAX_BUDGET` calibration candidates; both can be exceeded on
  purpose with ``--allow-large``;
* the machine: :func:`max_jobs` worker processes, and an estimate of the memory a job
  needs (:func:`estimate_bytes`) checked against the memory available
  (:func:`available_bytes`) before anything runs.

The ranges of the scenario keys (horizon, replications, seed) live with the keys in
:data:`sim.experiments.scenario.SCENARIO_KEYS`; those of the model parameters in
:data:`sim.core.params.PARAMS`. This module imports nothing heavy.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from sim.core.errors import LimitError, show  # show: re-exported (messages of every check)

__all__ = [
    "HARD_MAX_POINTS",
    "MAX_BUDGET",
    "MAX_CHARS",
    "MAX_FILE_BYTES",
    "MAX_NESTING",
    "MAX_RUNS",
    "PROCESS_BYTES",
    "LimitError",
    "available_bytes",
    "check_calibration_scale",
    "check_jobs",
    "check_memory",
    "check_runs",
    "check_scenario_scale",
    "check_sweep_scale",
    "cpu_count",
    "estimate_bytes",
    "fmt_bytes",
    "max_jobs",
    "model_bytes",
    "run_result_bytes",
    "show",
]

#: Largest scenario or sweep-spec file read (bytes); real ones are a few kilobytes.
MAX_FILE_BYTES = 1_000_000

#: Deepest nesting of arrays / tables in a scenario or spec (real files use 3).
MAX_NESTING = 16

#: Longest texts, in characters.
MAX_CHARS: dict[str, int] = {
    "name": 200,  # scenario / sweep name (report and chart titles)
    "description": 5000,  # shown in the report
    "label": 80,  # a regime's display label (chart legends, table headers)
    "regime": 64,  # a regime's name (tables, file names)
}

#: Most model runs one command starts without ``--allow-large``.
MAX_RUNS = 100_000

#: Most calibration candidates (``calibrate --budget``) without ``--allow-large``.
MAX_BUDGET = 5_000

#: Most points a sweep design may have even with ``--allow-large`` (its points table
#: is built and checked in memory before anything runs).
HARD_MAX_POINTS = 10_000_000

#: Memory of one Python process with the model loaded (imports, compiled code). Worker
#: processes share part of it with the process that starts them; this is a round lower
#: figure of the ~330 MB maximum resident size measured on Linux (Python 3.12).
PROCESS_BYTES = 150 * 2**20


# -- run counts --------------------------------------------------------------------------
def check_runs(n: int, what: str, allow_large: bool = False, flag: str = "--allow-large") -> None:
    """Refuse more than :data:`MAX_RUNS` runs unless ``allow_large``."""
    if n > MAX_RUNS and not allow_large:
        raise LimitError(
            f"{what} = {n:,} runs, more than the {MAX_RUNS:,} one command runs "
            f"without {flag}; allowed: at most {MAX_RUNS:,} runs (fewer points "
            f"or replications), or add {flag} to run them anyway"
        )


# -- processes ---------------------------------------------------------------------------
def cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def max_jobs() -> int:
    """Most worker processes a command accepts: 4 per core, and at least 64."""
    return max(4 * cpu_count(), 64)


def check_jobs(jobs: int, flag: str = "--jobs") -> int:
    if jobs > max_jobs():
        raise LimitError(
            f"{flag} {jobs} is more processes than this machine can run well; "
            f"allowed: 1 to {max_jobs()} (4 per core on {cpu_count()} cores, and "
            "at least 64)"
        )
    return jobs


# -- memory ------------------------------------------------------------------------------
def fmt_bytes(n: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB", "TB", "PB"):
        if abs(n) < 1024 or unit == "PB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} PB"  # pragma: no cover


def _meminfo(key: str) -> int | None:
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def _cgroup_free() -> int | None:
    """Memory left under a cgroup v2 limit (containers), if there is one."""
    try:
        with open("/sys/fs/cgroup/memory.max") as fh:
            limit = fh.read().strip()
        if limit == "max":
            return None
        with open("/sys/fs/cgroup/memory.current") as fh:
            return max(int(limit) - int(fh.read().strip()), 0)
    except (OSError, ValueError):
        return None


def available_bytes() -> int | None:
    """Memory a new job can use: ``MemAvailable`` (Linux; else the free physical pages),
    and no more than is left under a container's limit. None when unknown."""
    avail = _meminfo("MemAvailable")
    if avail is None:
        try:
            avail = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (AttributeError, ValueError, OSError):
            avail = None
    free = _cgroup_free()
    if free is not None:
        avail = free if avail is None else min(avail, free)
    return avail


def _p(params: Mapping[str, Any], name: str) -> Any:
    if name in params:
        return params[name]
    from sim.core.params import PARAMS

    return PARAMS[name].default


def model_bytes(params: Mapping[str, Any], horizon_weeks: int) -> int:
    """Peak memory of one model run (state arrays, agents, weekly series), in bytes.

    Measured with tracemalloc: about 2.1 KB per worker slot (1.3 x posts + 8) and 1.4 KB
    per client with 4 need domains, 2.4 KB per recorded week; rounded up by half for the
    peaks of the week.
    """
    domains = int(_p(params, "n_domains"))
    slots = int(1.3 * (int(_p(params, "n_workers")) + int(_p(params, "float_pool")))) + 8
    clients = int(_p(params, "n_clients"))
    weeks = int(horizon_weeks) + 1
    b = slots * (2_100 + 16 * domains) + clients * (1_400 + 8 * domains) + weeks * 2_400
    every = int(_p(params, "agent_record_every"))
    if every:
        b += (weeks // every + 1) * slots * 300
    return int(1.5 * b)


def run_result_bytes(params: Mapping[str, Any], horizon_weeks: int, n_columns: int = 45) -> int:
    """Memory the results of one run take while a scenario's outputs are assembled
    (weekly series, one row per client, the employment spells), twice over for the
    concatenation."""
    weeks = int(horizon_weeks) + 1
    clients = int(_p(params, "n_clients"))
    posts = int(_p(params, "n_workers")) + int(_p(params, "float_pool"))
    spells = posts * (2 + weeks // 26)
    return 2 * (weeks * n_columns * 8 + clients * 40 + spells * 40)


def estimate_bytes(*, runs: int, jobs: int, run_bytes: int, kept_bytes: int) -> int:
    """Memory of a job: the main process, ``jobs`` worker processes (none for 1) each
    running one model of ``run_bytes``, and ``kept_bytes`` of results held at once."""
    workers = min(jobs, runs) if jobs > 1 else 0
    return PROCESS_BYTES * (1 + workers) + run_bytes * max(workers, 1) + kept_bytes


def check_memory(
    need: int, what: str, allow_large: bool = False, available: int | None = None
) -> None:
    """Refuse a job whose estimated memory ``need`` exceeds the memory available."""
    avail = available_bytes() if available is None else available
    if avail is None or allow_large or need <= avail:
        return
    raise LimitError(
        f"{what} needs about {fmt_bytes(need)} of memory (estimate), but "
        f"{fmt_bytes(avail)} is available on this machine; allowed: a job that "
        "fits (fewer --jobs, replications, runs or weeks, or a smaller agency), "
        "or add --allow-large to try anyway"
    )


# -- whole jobs --------------------------------------------------------------------------
def _size_params(base: Mapping[str, Any], setting: str = "dsp") -> dict[str, Any]:
    from sim.core.params import SETTINGS

    return {**SETTINGS.get(setting, {}), **base}


def check_scenario_scale(
    scenario: Any, jobs: int | None, allow_large: bool = False, what: str = "this run"
) -> None:
    """Run count and memory of running a :class:`sim.experiments.scenario.Scenario` (``run``,
    ``compare``, ``validate``), checked before anything runs."""
    n_reg, reps = len(scenario.regimes), scenario.replications
    runs = n_reg * reps
    check_runs(runs, f"{what}: {n_reg} regime(s) x {reps} replications", allow_large)
    h = scenario.horizon_weeks
    variants = getattr(scenario, "variant_params", {})  # a variant may resize the agency
    arms = [
        _size_params({**scenario.params, **variants.get(r, {})}, scenario.setting)
        for r in scenario.regimes
    ]
    need = estimate_bytes(
        runs=runs,
        jobs=jobs or cpu_count(),
        run_bytes=max(model_bytes(a, h) for a in arms),
        kept_bytes=reps * sum(run_result_bytes(a, h) for a in arms),
    )
    check_memory(
        need,
        f"{what} ({runs:,} runs of {h} weeks, all kept in memory until the "
        f"report is written, on {jobs or cpu_count()} process(es))",
        allow_large,
    )


def check_sweep_scale(
    spec: Any,
    jobs: int | None,
    *,
    remote: bool = False,
    chunk_runs: int = 200,
    allow_large: bool = False,
) -> None:
    """Memory of a sweep (its run count is checked when the spec is read): the largest
    agency any point runs, on ``jobs`` local workers (none when ``remote``, a dask
    scheduler elsewhere), the points table and up to ``chunk_runs`` finished runs."""
    params = _size_params(spec.scenario.params, spec.scenario.setting)
    for f in spec.factors:  # the largest value of a factor that sizes the model
        if f.name in ("n_workers", "n_clients", "float_pool", "n_domains"):
            params[f.name] = max(f.values) if f.values is not None else f.high
        elif f.name == "agent_record_every":  # smallest non-zero interval keeps most
            vals = list(f.values) if f.values is not None else [max(f.low, 1)]
            params[f.name] = min([v for v in vals if v] or [0])
    h = spec.horizon_weeks
    n = spec.n_runs
    jobs = jobs or cpu_count()
    per_run = 4_000
    if spec.timeseries:
        per_run += (h // spec.every_weeks + 1) * (len(spec.timeseries_metrics) + 4) * 32
    held = min(n, chunk_runs + 2 * jobs)
    points_table = spec.n_points * (len(spec.factors) + 4) * 64
    need = estimate_bytes(
        runs=0 if remote else n,
        jobs=1 if remote else jobs,
        run_bytes=0 if remote else model_bytes(params, h),
        kept_bytes=held * per_run + points_table,
    )
    check_memory(
        need,
        f"this sweep ({n:,} runs of up to {params.get('n_workers', 'the default')}"
        f" posts, {h} weeks, on {jobs} process(es))",
        allow_large,
    )


def check_calibration_scale(
    setting: str,
    budget: int,
    replications: int,
    horizon: int,
    jobs: int | None,
    allow_large: bool = False,
) -> None:
    """Candidate budget, run count and memory of ``calibrate``."""
    if budget > MAX_BUDGET and not allow_large:
        raise LimitError(
            f"--budget {budget:,} is more than the {MAX_BUDGET:,} candidates "
            "calibrate evaluates without --allow-large; allowed: 1 to "
            f"{MAX_BUDGET:,}, or add --allow-large"
        )
    runs = budget * replications
    check_runs(
        runs,
        f"calibrate: --budget {budget:,} candidates x {replications} replications",
        allow_large,
    )
    params = _size_params({}, setting)
    need = estimate_bytes(
        runs=runs,
        jobs=jobs or cpu_count(),
        run_bytes=model_bytes(params, horizon),
        kept_bytes=runs * 4_000,
    )
    check_memory(
        need, f"calibrate ({runs:,} runs on {jobs or cpu_count()} process(es))", allow_large
    )
