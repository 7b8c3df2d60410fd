"""``workforce-sim sweep SPEC.toml --out DIR``: a parameter sweep (see
:mod:`sim.experiments.experiment`).

Runs every (point, replicate) of a sweep spec on a local process pool (default) or a
dask cluster (``--executor dask``, optionally ``--scheduler ADDRESS``), streaming the
results into ``DIR`` as chunk files; ``--resume`` runs only what is missing. When the
sweep finishes (also when resumed, and when some runs failed) its report is written into
``DIR`` (:mod:`sim.report.sweep`: ``report.html``, ``report.md``, ``report/``);
``workforce-sim sweep --report-only DIR`` writes it again from the stored results and
touches nothing else. Exit
status: 0 when every run succeeded, 1 when some failed (they are recorded with their
traceback), 2 for bad input, 130 when interrupted by Ctrl-C, 143 by SIGTERM (what
finished is kept).
"""

from __future__ import annotations

import argparse
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from sim.cli.options import add_jobs, positive_int
from sim.core.errors import UsageError
from sim.experiments.limits import MAX_RUNS

EXIT_FAILED_RUNS = 1
EXIT_INTERRUPTED = 130

# The --executor and --format choices: those of sim.experiments.experiment.EXECUTORS and
# sim.experiments.store.FORMATS (a test checks they agree), written out here so that registering the
# command, and ``workforce-sim --help``, load neither pandas nor the experiment machinery.
EXECUTORS: tuple[str, ...] = ("local", "dask")
CHUNK_FORMATS: tuple[str, ...] = ("parquet", "csv")


def add_sweep_options(p: argparse.ArgumentParser, spec_optional: bool = False) -> None:
    """The options shared by ``sweep`` and ``sensitivity`` (whose spec is optional: it
    has ``--ensemble`` instead)."""
    from sim.experiments.outdir import out_path

    p.add_argument(
        "spec",
        type=Path,
        nargs="?" if spec_optional else None,
        default=None,
        help="sweep spec (.toml); see scenarios/sweep_*.toml",
    )
    p.add_argument(
        "--out",
        type=out_path,
        default=None,
        help="output directory: new, empty, or a sweep of this spec (with "
        "--resume); default output/<spec file name>",
    )
    add_jobs(p)
    p.add_argument(
        "--executor",
        choices=EXECUTORS,
        default=None,
        help="local process pool (default) or dask.distributed (extra [dask])",
    )
    p.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        default=None,
        help="dask scheduler address, e.g. tcp://10.0.0.5:8786 (implies "
        "--executor dask; without it dask starts a LocalCluster of --jobs workers)",
    )
    p.add_argument(
        "--resume",
        action="store_true",
        help="continue the sweep in --out: run only the missing runs",
    )
    p.add_argument(
        "--retry-failed", action="store_true", help="with --resume: run the failed runs again too"
    )
    p.add_argument(
        "--format",
        choices=CHUNK_FORMATS,
        default=None,
        help="chunk file format (default parquet when pyarrow is installed, else csv)",
    )
    p.add_argument(
        "--chunk-runs",
        type=positive_int,
        default=200,
        metavar="N",
        help="runs per chunk file (default 200); each run is also saved on its "
        "own as soon as it finishes, so a crash loses only the runs in flight",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument(
        "--allow-large",
        action="store_true",
        help=f"run more than {MAX_RUNS:,} runs, or beyond the memory estimate",
    )


def load_checked(args: argparse.Namespace):
    """The spec of ``args.spec``, with every check that can run before anything is
    written: the spec itself (design size included), the executor and scheduler, and
    the memory the sweep needs."""
    from sim.experiments.experiment import check_executor
    from sim.experiments.limits import check_sweep_scale
    from sim.experiments.sweepspec import load_spec

    spec = load_spec(args.spec, allow_large=args.allow_large)
    kwargs = sweep_kwargs(args)
    check_executor(kwargs["executor"], kwargs["scheduler"])
    check_sweep_scale(
        spec,
        args.jobs,
        remote=bool(args.scheduler),
        chunk_runs=args.chunk_runs,
        allow_large=args.allow_large,
    )
    return spec, kwargs


def sweep_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    """Keyword arguments of :func:`sim.experiments.experiment.sweep` from the parsed options."""
    executor = args.executor
    if args.scheduler and executor is None:
        executor = "dask"
    if args.scheduler and executor != "dask":
        raise UsageError("--scheduler needs --executor dask")
    if args.retry_failed and not args.resume:
        raise UsageError("--retry-failed needs --resume")
    return {
        "executor": executor or "local",
        "jobs": args.jobs,
        "scheduler": args.scheduler,
        "resume": args.resume,
        "retry_failed": args.retry_failed,
        "fmt": args.format,
        "chunk_runs": args.chunk_runs,
        "progress": False if args.no_progress else None,
    }


def out_dir(args: argparse.Namespace) -> Path:
    return args.out or Path("output") / args.spec.stem


def run_guarded(args: argparse.Namespace, call) -> tuple[int | None, Any]:
    """Call ``call()``; turn an interruption or a dead pool into a message and a status."""
    import sys

    from sim.experiments.experiment import SweepInterrupted

    out = out_dir(args)
    again = f"workforce-sim {args.command} {args.spec} --out {out} --resume"
    try:
        return None, call()
    except SweepInterrupted as exc:
        from sim.experiments.processes import interrupt_status, interruption

        r = exc.report
        print(
            f"workforce-sim: {interruption()}; {r.n_ok + r.n_failed} of {r.n_runs} runs are "
            f"saved in {out}/. Continue with: {again}",
            file=sys.stderr,
        )
        return interrupt_status(), None  # EXIT_INTERRUPTED (130) for Ctrl-C, 143 for SIGTERM
    except BrokenProcessPool as exc:
        print(
            f"workforce-sim: error: a worker process died ({exc}); the finished runs are "
            f"saved in {out}/. Continue with: {again}",
            file=sys.stderr,
        )
        return EXIT_FAILED_RUNS, None


#: Options that run a sweep, refused with ``--report-only``.
_RUN_OPTIONS: tuple[tuple[str, str], ...] = (
    ("out", "--out"),
    ("executor", "--executor"),
    ("scheduler", "--scheduler"),
    ("resume", "--resume"),
    ("retry_failed", "--retry-failed"),
    ("format", "--format"),
    ("allow_large", "--allow-large"),
)


def _report_only(args: argparse.Namespace) -> int:
    """``--report-only DIR``: write the report of the sweep in DIR again."""
    from sim.experiments.outdir import is_ours

    if args.spec is not None:
        raise UsageError(
            f"--report-only {args.report_only} takes no spec (got {args.spec}): the "
            "sweep folder's manifest.json has it"
        )
    given = [flag for name, flag in _RUN_OPTIONS if getattr(args, name, None)]
    if given:
        raise UsageError(f"--report-only cannot be combined with {given[0]} (it runs nothing)")
    d = args.report_only
    if not d.is_dir():
        raise UsageError(f"--report-only {d}: no such folder")
    if not (d / "manifest.json").is_file() or not is_ours(d, kind="sweep"):
        raise UsageError(
            f"--report-only {d} is not a sweep folder (no sweep manifest.json); name the "
            "--out folder of a workforce-sim sweep"
        )
    from sim.report.sweep import write_sweep_report

    write_sweep_report(d)
    print(f"Report: {d / 'report.html'} (and report.md, charts and tables in {d / 'report'}/)")
    return 0


def write_report(out: Path) -> bool:
    """Write the report of the finished sweep in ``out`` and say where it is; on a
    failure say so (the results are safe) and return False."""
    import sys

    from sim.report.sweep import write_sweep_report

    try:
        write_sweep_report(out)
    except Exception as exc:  # the runs are saved: report the failure, do not lose them
        print(
            f"workforce-sim: warning: the report could not be written ({type(exc).__name__}: "
            f"{exc}); the results are saved in {out}/. Try again with: workforce-sim sweep "
            f"--report-only {out}",
            file=sys.stderr,
        )
        return False
    print(f"Report: {out / 'report.html'} (and report.md, charts and tables in {out / 'report'}/)")
    return True


def _sweep(args: argparse.Namespace) -> int:
    if args.report_only is not None:
        return _report_only(args)
    if args.spec is None:
        raise UsageError("the sweep spec is required (a .toml file), or --report-only DIR")
    from sim.experiments.experiment import sweep

    spec, kwargs = load_checked(args)
    status, report = run_guarded(args, lambda: sweep(spec, out=out_dir(args), **kwargs))
    if status is not None:
        return status
    print(report.text())
    reported = write_report(out_dir(args))
    return EXIT_FAILED_RUNS if report.n_failed or not reported else 0


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "sweep",
        help="run a parameter sweep (factorial, Latin hypercube, Sobol, Morris)",
        description="Run every point x replicate of a sweep spec; results stream into --out "
        "as Parquet/CSV chunks; load them with sim.experiment.load(DIR). A finished sweep "
        "writes its report (report.html, report.md, report/) into --out.",
    )
    add_sweep_options(p, spec_optional=True)
    p.add_argument(
        "--report-only",
        type=Path,
        default=None,
        metavar="DIR",
        help="run nothing: write the report of the sweep in DIR again from its stored "
        "results (report.html, report.md, report/); nothing else in DIR is touched",
    )
    p.set_defaults(func=_sweep)
