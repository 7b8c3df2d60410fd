"""Sweep benchmark: throughput, speed-up and the parent's memory as a sweep grows.

Runs a factorial sweep of short runs of a tiny agency (10 posts, 30 clients, no warm-up,
52 reported weeks; 5 values of ``gap_strain`` x 2 regimes, replicated) through
:func:`sim.experiments.experiment.sweep` with a local process pool, and prints:

* runs per second with 1 and 2 worker processes, and the speed-up;
* the parent process's peak resident memory (``ru_maxrss``), and its resident memory
  after 25, 50, 75 and 100 % of the runs, for sweeps of 250, 500 and 1,000 runs (2
  processes): memory stays flat because results stream to disk in chunks and only a
  bounded number of runs is in flight.

Every measurement runs in a fresh interpreter (``subprocess``), so imports are not
timed and the peak memory belongs to that sweep alone. The worker processes' memory is
not included (each holds one model at a time).

    .venv/bin/python benchmarks/bench_sweep.py             # 1,000 runs (a few minutes)
    .venv/bin/python benchmarks/bench_sweep.py --runs 250  # quicker
    .venv/bin/python benchmarks/bench_sweep.py --json bench_sweep.json
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # let ``import sim`` work without an installed package
    sys.path.insert(0, str(ROOT))

AGENCY = {"n_workers": 10, "n_clients": 30, "warmup_weeks": 0}
POINTS = 10  # 5 gap_strain values x 2 regimes


def spec(n_runs: int, fmt: str) -> dict:
    return {
        "sweep": {
            "name": "bench",
            "design": "factorial",
            "replications": n_runs // POINTS,
            "seed": 1,
            "horizon_weeks": 52,
            "cross": ["regime"],
        },
        "parameters": dict(AGENCY),
        "factors": {"gap_strain": [0.5, 0.75, 1.0, 1.25, 1.5], "regime": ["jit", "foundation"]},
    }


def _rss_mib() -> float:
    """Current resident set size of this process (Linux /proc; else the peak)."""
    try:
        with open("/proc/self/statm") as fh:
            pages = int(fh.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        return _peak_mib()


def _peak_mib() -> float:
    import resource

    kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kib / 2**20 if sys.platform == "darwin" else kib / 1024


def child(n_runs: int, jobs: int, fmt: str) -> dict:
    """One measurement (runs in a fresh interpreter)."""
    import gc

    from sim.experiments.experiment import sweep

    marks = {round(n_runs * q) for q in (0.25, 0.5, 0.75, 1.0)}
    rss: dict[int, float] = {}
    done = 0

    def on_run(_row: dict) -> None:
        nonlocal done
        done += 1
        if done in marks:
            gc.collect()
            rss[done] = _rss_mib()

    rss_before = _rss_mib()
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        report = sweep(
            spec(n_runs, fmt),
            out=Path(tmp) / "s",
            jobs=jobs,
            fmt=fmt,
            progress=False,
            callback=on_run,
        )
        elapsed = time.perf_counter() - t0
        parts = len(list((Path(tmp) / "s" / "runs").iterdir()))
    return {
        "runs": n_runs,
        "jobs": jobs,
        "format": fmt,
        "ok": report.n_ok,
        "failed": report.n_failed,
        "seconds": elapsed,
        "runs_per_s": n_runs / elapsed,
        "rss_before_mib": rss_before,
        "rss_mib": {str(k): v for k, v in sorted(rss.items())},
        "peak_rss_mib": _peak_mib(),
        "chunks": parts,
    }


def measure(n_runs: int, jobs: int, fmt: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(n_runs), str(jobs), fmt],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    if out.returncode:
        raise SystemExit(f"measurement failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=1000, help="largest sweep (default 1000)")
    ap.add_argument(
        "--format",
        choices=("parquet", "csv"),
        default=None,
        help="storage format (default: parquet if pyarrow is installed)",
    )
    ap.add_argument("--json", type=Path, default=None, help="also write the figures here")
    ap.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        n, j, f = args.child
        print(json.dumps(child(int(n), int(j), f)))
        return
    from sim.experiments.store import default_format

    fmt = args.format or default_format()
    n = max(POINTS * 4, args.runs // POINTS * POINTS)
    sizes = sorted({max(POINTS, round(n * q / POINTS) * POINTS) for q in (0.25, 0.5, 1.0)})
    print(
        f"workforce-sim sweep benchmark: {n} runs of a tiny agency ({AGENCY}, 52 weeks), "
        f"{fmt} chunks; {os.cpu_count()} CPUs, load average "
        f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    results = []
    one = measure(n, 1, fmt)
    results.append(one)
    two = {}
    for size in sizes:
        two[size] = measure(size, 2, fmt)
        results.append(two[size])

    print()
    print(
        f"{'runs':>6} {'procs':>5} {'seconds':>8} {'runs/s':>7} {'chunks':>6} "
        f"{'RSS start':>9} {'RSS at 25/50/75/100 % of runs (MiB)':>36} {'peak RSS':>9}"
    )
    for r in results:
        marks = " / ".join(f"{v:.0f}" for v in r["rss_mib"].values())
        print(
            f"{r['runs']:>6} {r['jobs']:>5} {r['seconds']:>8.1f} {r['runs_per_s']:>7.1f} "
            f"{r['chunks']:>6} {r['rss_before_mib']:>9.0f} {marks:>36} "
            f"{r['peak_rss_mib']:>9.0f}"
        )
    speedup = one["seconds"] / two[n]["seconds"]
    peaks = [two[s]["peak_rss_mib"] for s in sizes]
    print()
    print(
        f"Speed-up with 2 processes at {n} runs: {speedup:.2f}x "
        f"({one['runs_per_s']:.1f} -> {two[n]['runs_per_s']:.1f} runs/s)"
    )
    print(
        f"Parent peak RSS at {' / '.join(map(str, sizes))} runs (2 processes): "
        f"{' / '.join(f'{p:.0f}' for p in peaks)} MiB "
        f"(growth {peaks[-1] - peaks[0]:+.0f} MiB for {sizes[-1] - sizes[0]} more runs)"
    )
    if args.json:
        args.json.write_text(
            json.dumps(
                {"results": results, "speedup": speedup, "loadavg": os.getloadavg()}, indent=2
            )
        )


if __name__ == "__main__":
    main()
