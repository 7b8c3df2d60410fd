"""Performance benchmark for workforce-sim.

Measures, with ``time.perf_counter``:

1. the default agency (100 workers, 300 clients): seconds per simulated year (from ten
   simulated years of 52 weekly steps per seed, construction excluded), construction +
   warm-up time, agent-steps per second, averaged over several seeds;
2. a large agency (5,000 workers, 15,000 clients): seconds for ten simulated years,
   seconds per year, agent-steps per second, construction + warm-up time;
3. peak resident memory of each case (every run happens in a fresh "spawn" process);
4. Mesa's bundled BoltzmannWealth example with 10,000 agents for 10 steps, as a
   reference for agent-steps per second;
5. the ``workforce-sim compare`` job end to end (``--jobs 2``);

and prints the figures beside the performance targets. ``--json PATH`` also writes them
as JSON. Run ``python benchmarks/bench_model.py --help`` for the options.

The speed of a shared machine drifts from one second to the next, so each ratio to
BoltzmannWealth is taken between runs made one right after the other: the default
agency's runs alternate with BoltzmannWealth's (run *i* of each form a pair), and the
large agency runs between two BoltzmannWealth runs. Each ratio shown is the mean of its
pairs' ratios (the large agency's against the mean of the runs either side).

An agent-step is one agent simulated for one step; workforce-sim's agents per week are
counted as the budgeted ``n_workers + n_clients`` (the live ``len(model.agents)`` is also
reported).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # let ``import sim`` work without an installed package
    sys.path.insert(0, str(ROOT))

WEEKS_PER_YEAR = 52
DEFAULT_AGENCY = {"n_workers": 100, "n_clients": 300}
LARGE_AGENCY = {"n_workers": 5_000, "n_clients": 15_000}
BOLTZMANN_AGENTS = 10_000
BOLTZMANN_STEPS = 10

# issue 12: compare about 15 s on 2 cores; the default agency at least 20x and the large
# agency at least 40x Mesa's BoltzmannWealth in agent-steps per second
TARGET_COMPARE_S = 15.0
TARGET_LARGE_TEN_YEARS_S = 10.0
TARGET_RATIO = 20.0
TARGET_RATIO_LARGE = 40.0


# -- measurements, each run in a fresh child process ---------------------------------------
def _max_rss_mib() -> float:
    """Peak resident set size of this process in MiB (ru_maxrss is KiB on Linux)."""
    import resource

    kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if sys.platform == "darwin":  # bytes on macOS
        kib /= 1024
    return kib / 1024


def _child_workforce(regime: str, seed: int, n_workers: int, n_clients: int, steps: int) -> dict:
    from sim import WorkforceModel

    rss_import = _max_rss_mib()
    t0 = time.perf_counter()
    model = WorkforceModel(regime, rng=seed, n_workers=n_workers, n_clients=n_clients)
    t1 = time.perf_counter()
    live_start = len(model.agents)
    for _ in range(steps):
        model.step()
    t2 = time.perf_counter()
    return {
        "seed": seed,
        "steps": steps,
        "warmup_weeks": int(model.params["warmup_weeks"]),
        "construct_s": t1 - t0,
        "steps_s": t2 - t1,
        "live_agents_start": live_start,
        "live_agents_end": len(model.agents),
        "rss_after_import_mib": rss_import,
        "peak_rss_mib": _max_rss_mib(),
    }


def _child_boltzmann(seed: int, n: int, steps: int) -> dict:
    from mesa.examples.basic.boltzmann_wealth_model.model import (
        BoltzmannScenario,
        BoltzmannWealth,
    )

    rss_import = _max_rss_mib()
    t0 = time.perf_counter()
    side = 100
    model = BoltzmannWealth(scenario=BoltzmannScenario(n=n, width=side, height=side, rng=seed))
    t1 = time.perf_counter()
    for _ in range(steps):
        model.step()
    t2 = time.perf_counter()
    return {
        "seed": seed,
        "steps": steps,
        "construct_s": t1 - t0,
        "steps_s": t2 - t1,
        "live_agents_start": n,
        "live_agents_end": len(model.agents),
        "rss_after_import_mib": rss_import,
        "peak_rss_mib": _max_rss_mib(),
    }


def _in_fresh_process(fn, *args) -> dict:
    """Run ``fn(*args)`` in a new spawned interpreter, so timings and peak RSS are its own
    (a pool of the package's :func:`sim.experiments.processes.process_pool`: the worker ends with
    this script, even if it is killed)."""
    from sim.experiments.processes import process_pool

    with process_pool(1, start_method="spawn") as pool:
        return pool.submit(fn, *args).result()


def _mean(values: list[float]) -> float:
    return sum(values) / len(values)


def _rate(run: dict, agents: int) -> float:
    """A run's agent-steps per second."""
    return agents * run["steps"] / run["steps_s"]


def _summarise(runs: list[dict], agents: int) -> dict:
    steps_s = [r["steps_s"] for r in runs]
    steps = runs[0]["steps"]
    mean_steps_s = _mean(steps_s)
    return {
        "runs": runs,
        "n_runs": len(runs),
        "agents_per_step": agents,
        "steps": steps,
        "steps_s_mean": mean_steps_s,
        "steps_s_min": min(steps_s),
        "steps_s_max": max(steps_s),
        "s_per_year": mean_steps_s / steps * WEEKS_PER_YEAR,
        "agent_steps_per_s": agents * steps / mean_steps_s,
        "construct_s_mean": _mean([r["construct_s"] for r in runs]),
        "live_agents_mean": _mean(
            [(r["live_agents_start"] + r["live_agents_end"]) / 2 for r in runs]
        ),
        "peak_rss_mib": max(r["peak_rss_mib"] for r in runs),
        "rss_after_import_mib": max(r["rss_after_import_mib"] for r in runs),
    }


def bench_workforce(agency: dict, seeds: list[int], steps: int, label: str) -> dict:
    runs = []
    for seed in seeds:
        print(f"  {label}: seed {seed}, {steps} steps ...", end="", flush=True)
        r = _in_fresh_process(
            _child_workforce, "jit", seed, agency["n_workers"], agency["n_clients"], steps
        )
        print(f" construct {r['construct_s']:.2f} s, steps {r['steps_s']:.2f} s", flush=True)
        runs.append(r)
    out = _summarise(runs, agency["n_workers"] + agency["n_clients"])
    out.update(agency)
    return out


def bench_boltzmann(seeds: list[int]) -> dict:
    runs = []
    for seed in seeds:
        print(f"  BoltzmannWealth: seed {seed}, {BOLTZMANN_STEPS} steps ...", end="", flush=True)
        r = _in_fresh_process(_child_boltzmann, seed, BOLTZMANN_AGENTS, BOLTZMANN_STEPS)
        print(f" construct {r['construct_s']:.2f} s, steps {r['steps_s']:.2f} s", flush=True)
        runs.append(r)
    return _summarise(runs, BOLTZMANN_AGENTS)


def bench_compare(jobs: int, timeout: float) -> dict:
    exe = Path(sys.executable).parent / "workforce-sim"
    cmd_prefix = [str(exe)] if exe.exists() else [sys.executable, "-m", "sim"]
    with tempfile.TemporaryDirectory(prefix="wfsim-bench-") as tmp:
        out_dir = Path(tmp) / "compare"
        cmd = [*cmd_prefix, "compare", "--out", str(out_dir), "--no-progress", "--jobs", str(jobs)]
        print(f"  running: {' '.join(cmd)}", flush=True)
        t0 = time.perf_counter()
        try:
            proc = subprocess.run(
                cmd, capture_output=True, text=True, timeout=timeout, cwd=ROOT, check=False
            )
        except subprocess.TimeoutExpired:
            return {
                "ok": False,
                "seconds": time.perf_counter() - t0,
                "jobs": jobs,
                "error": f"timed out after {timeout:.0f} s",
            }
        except OSError as exc:
            return {"ok": False, "seconds": None, "jobs": jobs, "error": str(exc)}
        seconds = time.perf_counter() - t0
        n_files = sum(1 for p in out_dir.rglob("*") if p.is_file()) if out_dir.exists() else 0
    result = {
        "ok": proc.returncode == 0,
        "seconds": seconds,
        "jobs": jobs,
        "returncode": proc.returncode,
        "files_written": n_files,
    }
    if proc.returncode != 0:
        lines = [ln for ln in (proc.stderr or proc.stdout or "").splitlines() if ln.strip()]
        result["error"] = lines[-1] if lines else f"exit status {proc.returncode}"
    return result


# -- report --------------------------------------------------------------------------------
def _status(met: bool | None) -> str:
    return {True: "MET", False: "NOT MET", None: "n/a"}[met]


def _print_table(rows: list[tuple[str, str, str, str]]) -> None:
    headers = ("measure", "value", "target", "status")
    body = [r for r in rows if not r[0].startswith("## ")]
    widths = [max(len(h), *(len(r[i]) for r in body)) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()
    print(line)
    print("-" * len(line))
    for r in rows:
        if r[0].startswith("## "):
            print(r[0][3:])
            continue
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())


def _meta() -> dict[str, Any]:
    import mesa
    import numpy

    try:
        load = list(os.getloadavg())
    except OSError:
        load = None
    return {
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "mesa": mesa.__version__,
        "numpy": numpy.__version__,
        "cpu_count": os.cpu_count(),
        "loadavg_at_start": load,
        "argv": sys.argv[1:],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="fewer runs and a one-year large case (scaled to ten years)",
    )
    parser.add_argument(
        "--years",
        type=int,
        default=None,
        help="simulated years per run, for both agencies (default 10; 1 with --quick); "
        "the large agency's ten-year figure is scaled from it",
    )
    parser.add_argument(
        "--runs",
        type=int,
        default=None,
        help="seeds for the default agency and BoltzmannWealth (default 5; 1 with --quick)",
    )
    parser.add_argument(
        "--skip-compare", action="store_true", help="do not time `workforce-sim compare`"
    )
    parser.add_argument("--jobs", type=int, default=2, help="--jobs for compare (default 2)")
    parser.add_argument(
        "--compare-timeout",
        type=float,
        default=900.0,
        help="give up on compare after this many seconds (default 900)",
    )
    parser.add_argument(
        "--json",
        type=Path,
        default=None,
        metavar="PATH",
        help="also write the figures as JSON to PATH",
    )
    args = parser.parse_args(argv)

    years = args.years if args.years is not None else (1 if args.quick else 10)
    runs = args.runs if args.runs is not None else (1 if args.quick else 5)
    if years < 1 or runs < 1:
        parser.error("--years and --runs must be 1 or more")

    meta = _meta()
    print(
        f"workforce-sim benchmark  (Python {meta['python']}, Mesa {meta['mesa']}, "
        f"{meta['cpu_count']} CPUs, load average {meta['loadavg_at_start']})"
    )
    print("Each run happens in a fresh spawned process; timings exclude imports.\n")

    print("[1-3/4] default agency and BoltzmannWealth in turn, then the large agency")
    steps = years * WEEKS_PER_YEAR
    boltz_runs: list[dict] = []
    default_runs: list[dict] = []
    for i in range(runs):  # pairs: BoltzmannWealth, then the default agency
        boltz_runs += bench_boltzmann([42 + i])["runs"]
        default_runs += bench_workforce(DEFAULT_AGENCY, [1 + i], steps, "default agency")["runs"]
    large = bench_workforce(LARGE_AGENCY, [1], steps, "large agency")
    boltz_runs += bench_boltzmann([42 + runs])["runs"]  # the large agency's run after
    large["ten_years_s"] = large["s_per_year"] * 10
    large["ten_years_scaled"] = years != 10
    default = _summarise(default_runs, sum(DEFAULT_AGENCY.values()))
    default.update(DEFAULT_AGENCY)
    boltz = _summarise(boltz_runs, BOLTZMANN_AGENTS)
    rate = [_rate(r, BOLTZMANN_AGENTS) for r in boltz_runs]
    pairs_default = [
        _rate(d, default["agents_per_step"]) / b
        for d, b in zip(default_runs, rate[:runs], strict=True)
    ]
    ratio_default = _mean(pairs_default)
    ratio_large = large["agent_steps_per_s"] / _mean(rate[-2:])
    default["ratio_pairs"] = pairs_default
    large["ratio_against"] = rate[-2:]
    if args.skip_compare:
        print("[4/4] compare: skipped (--skip-compare)")
        compare: dict[str, Any] = {"ok": None, "skipped": True}
    else:
        print("[4/4] compare job")
        compare = bench_compare(args.jobs, args.compare_timeout)
        if not compare["ok"]:
            print(f"  compare FAILED: {compare.get('error')}")

    targets = {
        "compare_under_15s": None
        if not compare.get("ok")
        else compare["seconds"] < TARGET_COMPARE_S,
        "large_ten_years_under_10s": large["ten_years_s"] < TARGET_LARGE_TEN_YEARS_S,
        "default_ratio_at_least_20x": ratio_default >= TARGET_RATIO,
        "large_ratio_at_least_40x": ratio_large >= TARGET_RATIO_LARGE,
    }

    ten_note = f" (scaled from {years} y)" if large["ten_years_scaled"] else ""
    n_def = f"mean of {default['n_runs']}"
    rows: list[tuple[str, str, str, str]] = [
        ("## Default agency (100 workers + 300 clients = 400 agents)", "", "", ""),
        (
            f"  seconds per simulated year ({n_def})",
            f"{default['s_per_year']:.4f} s "
            f"[{default['steps_s_min'] / default['steps'] * WEEKS_PER_YEAR:.4f}-"
            f"{default['steps_s_max'] / default['steps'] * WEEKS_PER_YEAR:.4f}]",
            "",
            "",
        ),
        (
            f"  construction + {default['runs'][0]['warmup_weeks']}-week warm-up",
            f"{default['construct_s_mean']:.3f} s",
            "",
            "",
        ),
        ("  agent-steps per second", f"{default['agent_steps_per_s']:,.0f}", "", ""),
        ("  live agents (len(model.agents), mean)", f"{default['live_agents_mean']:.0f}", "", ""),
        (
            "  peak RSS (after imports)",
            f"{default['peak_rss_mib']:.0f} MiB ({default['rss_after_import_mib']:.0f})",
            "",
            "",
        ),
        ("## Large agency (5,000 workers + 15,000 clients = 20,000 agents)", "", "", ""),
        (
            f"  seconds for ten simulated years{ten_note}",
            f"{large['ten_years_s']:.2f} s",
            f"< {TARGET_LARGE_TEN_YEARS_S:.0f} s",
            _status(targets["large_ten_years_under_10s"]),
        ),
        ("  seconds per simulated year", f"{large['s_per_year']:.3f} s", "", ""),
        (
            f"  construction + {large['runs'][0]['warmup_weeks']}-week warm-up",
            f"{large['construct_s_mean']:.2f} s",
            "",
            "",
        ),
        ("  agent-steps per second", f"{large['agent_steps_per_s']:,.0f}", "", ""),
        ("  live agents (len(model.agents), mean)", f"{large['live_agents_mean']:.0f}", "", ""),
        (
            "  peak RSS (after imports)",
            f"{large['peak_rss_mib']:.0f} MiB ({large['rss_after_import_mib']:.0f})",
            "",
            "",
        ),
        (
            f"## Mesa BoltzmannWealth ({BOLTZMANN_AGENTS:,} agents, {BOLTZMANN_STEPS} steps, "
            f"{boltz['n_runs']} run(s))",
            "",
            "",
            "",
        ),
        (f"  seconds for {BOLTZMANN_STEPS} steps", f"{boltz['steps_s_mean']:.3f} s", "", ""),
        ("  agent-steps per second", f"{boltz['agent_steps_per_s']:,.0f}", "", ""),
        (
            "  peak RSS (after imports)",
            f"{boltz['peak_rss_mib']:.0f} MiB ({boltz['rss_after_import_mib']:.0f})",
            "",
            "",
        ),
        (
            "  ratio: default agency / Boltzmann (pairs: "
            + ", ".join(f"{x:.1f}" for x in pairs_default)
            + ")",
            f"{ratio_default:.1f}x",
            f">= {TARGET_RATIO:.0f}x",
            _status(targets["default_ratio_at_least_20x"]),
        ),
        (
            "  ratio: large agency / Boltzmann",
            f"{ratio_large:.1f}x",
            f">= {TARGET_RATIO_LARGE:.0f}x",
            _status(targets["large_ratio_at_least_40x"]),
        ),
        (f"## workforce-sim compare --jobs {args.jobs}", "", "", ""),
    ]
    if compare.get("skipped"):
        rows.append(("  end-to-end wall time", "skipped", f"< {TARGET_COMPARE_S:.0f} s", "n/a"))
    elif compare["ok"]:
        rows.append(
            (
                "  end-to-end wall time",
                f"{compare['seconds']:.1f} s",
                f"< {TARGET_COMPARE_S:.0f} s",
                _status(targets["compare_under_15s"]),
            )
        )
    else:
        rows.append(("  end-to-end wall time", "FAILED", f"< {TARGET_COMPARE_S:.0f} s", "n/a"))
        rows.append((f"##     error: {compare.get('error')}", "", "", ""))

    print()
    _print_table(rows)
    print(
        "\nTimings are wall-clock and sensitive to other load on the machine "
        f"({meta['cpu_count']} CPUs here)."
    )

    if args.json is not None:
        report = {
            "meta": meta,
            "settings": {
                "quick": args.quick,
                "large_years": years,
                "runs": runs,
                "compare_jobs": args.jobs,
            },
            "default_agency": default,
            "large_agency": large,
            "boltzmann": boltz,
            "ratio_default_to_boltzmann": ratio_default,
            "ratio_large_to_boltzmann": ratio_large,
            "compare": compare,
            "targets": {
                "compare_s": TARGET_COMPARE_S,
                "large_ten_years_s": TARGET_LARGE_TEN_YEARS_S,
                "ratio_to_boltzmann": TARGET_RATIO,
                "ratio_to_boltzmann_large": TARGET_RATIO_LARGE,
                "met": targets,
            },
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        print(f"figures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
