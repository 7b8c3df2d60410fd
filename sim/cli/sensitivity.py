"""``workforce-sim sensitivity SPEC.toml --out DIR``: Sobol' or Morris sensitivity analysis.

Runs (or, with ``--resume``, finishes) the sweep of a spec whose design is ``sobol`` or
``morris``, averages the replications of each design point and writes the indices with
their confidence intervals and the replication noise to ``DIR/sensitivity.csv`` and
``.md``, and a bar chart to ``DIR/sensitivity.png`` (see :mod:`sim.report.sensitivity`),
then the sweep's own report (``DIR/report.html``, :mod:`sim.report.sweep`).

``workforce-sim sensitivity --ensemble [--setting S]``: no spec; runs the regimes of
``compare`` across the installed ensemble of the setting and reports which ensemble
parameters drive each regime effect (partial rank correlations; see
:mod:`sim.report.ensemble_sensitivity`).
"""

from __future__ import annotations

import argparse

from sim.cli.run import ENSEMBLE_REPLICATIONS
from sim.cli.sweep import add_sweep_options, load_checked, out_dir, run_guarded
from sim.core.errors import UsageError


def _outputs(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


#: Options that only ``--ensemble`` takes (dest, flag).
_ENSEMBLE_ONLY = (
    ("setting", "--setting"),
    ("ensemble_members", "--ensemble-members"),
    ("replications", "--replications"),
    ("seed", "--seed"),
    ("horizon", "--horizon"),
)
#: Sweep options that have no meaning with ``--ensemble`` (dest, flag, default).
_SWEEP_ONLY = (
    ("executor", "--executor", None),
    ("scheduler", "--scheduler", None),
    ("resume", "--resume", False),
    ("retry_failed", "--retry-failed", False),
    ("format", "--format", None),
    ("chunk_runs", "--chunk-runs", 200),
)


def _check_outputs(outputs: list[str] | None) -> None:
    from sim.core.outputs import METRICS
    from sim.core.params import suggest
    from sim.experiments.limits import show

    for o in outputs or []:
        if o not in METRICS:
            raise UsageError(
                f"--outputs: unknown measure {show(o)}{suggest(o, METRICS)}; "
                f"allowed: {', '.join(METRICS)}"
            )


def _ensemble(args: argparse.Namespace) -> int:
    """``sensitivity --ensemble``: every check before anything runs or is written."""
    import sys
    from dataclasses import replace
    from pathlib import Path

    from sim.experiments.ensemble import installed
    from sim.experiments.limits import check_runs
    from sim.experiments.outdir import check_out
    from sim.experiments.runner import default_jobs
    from sim.experiments.scenario import default_compare_scenario
    from sim.report.ensemble_sensitivity import sensitivity_ensemble

    if args.spec is not None:
        raise UsageError(
            f"--ensemble with a spec file ({args.spec}) is not allowed: --ensemble runs the "
            "regimes of `compare` across the installed ensemble and takes no spec; allowed: "
            "a spec file (Sobol'/Morris) or --ensemble, not both"
        )
    for dest, flag, default in _SWEEP_ONLY:
        if getattr(args, dest) != default:
            raise UsageError(
                f"{flag} is not allowed with --ensemble (it is an option of a spec's sweep); "
                "allowed with --ensemble: --setting, --ensemble-members, --replications, "
                "--seed, --horizon, --outputs, --out, --jobs"
            )
    _check_outputs(args.outputs)
    s = default_compare_scenario()
    changes = {"setting": args.setting or s.setting}
    if args.seed is not None:
        changes["seed"] = args.seed
    if args.horizon is not None:
        changes["horizon_weeks"] = args.horizon
    s = replace(s, **changes)
    members, _ = installed(s.setting)  # names the command that makes one if missing
    n = len(members) if args.ensemble_members is None else min(args.ensemble_members, len(members))
    reps = args.replications or ENSEMBLE_REPLICATIONS
    check_runs(
        n * len(s.regimes) * reps,
        f"sensitivity --ensemble: {n} members x {len(s.regimes)} regimes x --replications {reps}",
        args.allow_large,
    )
    out = args.out or Path("output") / f"sensitivity-ensemble-{s.setting}"
    check_out(out, "--out")
    _table, files, meta = sensitivity_ensemble(
        s,
        out,
        members=n,
        replications=reps,
        jobs=args.jobs or default_jobs(),
        metrics=args.outputs,
        progress=False if args.no_progress else sys.stderr.isatty(),
    )
    print(
        f"Sensitivity across the ensemble of {s.setting}: {meta['members']} members x "
        f"{len(s.regimes)} regimes x {reps} replications, {s.horizon_weeks} weeks after "
        f"warm-up, seed {s.seed} ({meta['elapsed_seconds']:.1f} s)"
    )
    print()
    print((out / "sensitivity.md").read_text())
    print(f"Wrote {', '.join(files)} to {out}/")
    return 0


def _sensitivity(args: argparse.Namespace) -> int:
    from sim.report.sensitivity import sensitivity

    if args.ensemble:
        return _ensemble(args)
    for dest, flag in _ENSEMBLE_ONLY:
        if getattr(args, dest) is not None:
            raise UsageError(
                f"{flag} is not allowed without --ensemble (a spec sets it); allowed: "
                "add --ensemble, or set it in the spec file"
            )
    if args.spec is None:
        raise UsageError(
            "sensitivity needs a spec file (e.g. scenarios/sensitivity_core.toml) or "
            "--ensemble (the installed ensemble's parameters); allowed: one of them"
        )
    spec, kwargs = load_checked(args)
    if spec.design not in ("sobol", "morris"):
        raise UsageError(
            f"{args.spec}: sweep.design = {spec.design!r}: sensitivity analysis "
            'needs design = "sobol" or "morris" (run other designs with '
            "`workforce-sim sweep`)"
        )
    _check_outputs(args.outputs)
    out = out_dir(args)
    status, result = run_guarded(
        args, lambda: sensitivity(spec, out, outputs=args.outputs, **kwargs)
    )
    if status is not None:
        return status
    _table, files, report = result
    print(report.text())
    print()
    print((out / "sensitivity.md").read_text())
    print(f"Wrote {', '.join(p.name for p in files.values())} to {out}/")
    from sim.cli.sweep import write_report

    reported = write_report(out)  # the sweep's own report: each factor's effect
    return 1 if report.n_failed or not reported else 0


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "sensitivity",
        help="Sobol or Morris sensitivity analysis of a sweep spec (SALib), or, with "
        "--ensemble, which ensemble parameters drive the regime effects (PRCC)",
        description="Run the sweep of a sobol/morris spec, then report the sensitivity "
        "indices with confidence intervals and the replication noise. With --ensemble "
        "(no spec): run the regimes across the installed ensemble and report the partial "
        "rank correlation of each ensemble parameter with each regime effect.",
    )
    add_sweep_options(p, spec_optional=True)
    p.add_argument(
        "--outputs",
        type=_outputs,
        default=None,
        metavar="M1,M2",
        help="measures to analyse (default: the spec's [sensitivity] outputs, or "
        "turnover_rate, burnout_high_share, coc, cost_per_client_year; with --ensemble "
        "the summary measures)",
    )
    _add_ensemble(p)
    p.set_defaults(func=_sensitivity)


def _add_ensemble(p: argparse.ArgumentParser) -> None:
    from sim.cli.options import HORIZON, REPLICATIONS, SEED, positive_int
    from sim.core.params import SETTINGS

    g = p.add_argument_group("ensemble (no spec file)")
    g.add_argument(
        "--ensemble",
        action="store_true",
        help="run the regimes of `compare` across the installed ensemble of the setting "
        "(`workforce-sim ensemble --setting S --install`) and report which ensemble "
        "parameters drive each regime effect: PRCC with p-value and 95 %% interval",
    )
    g.add_argument(
        "--setting", choices=list(SETTINGS), default=None, help="with --ensemble (default dsp)"
    )
    g.add_argument(
        "--ensemble-members",
        type=positive_int,
        default=None,
        metavar="N",
        help="with --ensemble: use the first N members (default all)",
    )
    g.add_argument(
        "--replications",
        type=REPLICATIONS,
        default=None,
        metavar="R",
        help=f"with --ensemble: runs per member and regime (default {ENSEMBLE_REPLICATIONS}; "
        "same seeds for every member and regime)",
    )
    g.add_argument(
        "--seed",
        type=SEED,
        default=None,
        help="with --ensemble: root seed (default the one of compare)",
    )
    g.add_argument(
        "--horizon",
        type=HORIZON,
        default=None,
        metavar="WEEKS",
        help="with --ensemble: weeks after warm-up (default the scenario's)",
    )
