"""``workforce-sim validate``: every target beside the simulated status quo.

Runs the ``jit`` status quo of a setting (the protocol's horizon; independent seeds)
and prints, for every target in ``sim/data/targets.toml``, the published range beside
the simulated mean and its 95 % confidence interval, marked inside or outside; writes
the same as CSV and Markdown, with a chart. Exit status 0 when every simulated mean lies
within its target range, 1 otherwise (2 for bad input).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from sim.core.params import REGIME_LABELS, SETTING_LABELS, SETTINGS


def register(subparsers: argparse._SubParsersAction) -> None:
    from sim.cli.options import ALLOW_LARGE_HELP, REPLICATIONS, SEED, add_chart_format, add_jobs
    from sim.experiments.outdir import out_path

    p = subparsers.add_parser(
        "validate",
        help="compare the status quo with the published patterns (exit 1 if any is missed)",
        description="Run the JIT-only status quo of a setting and put every published "
        "pattern (sim/data/targets.toml) beside the simulated mean and 95 % CI. Exit "
        "status 0 when every mean is inside its target range, 1 otherwise.",
    )
    p.add_argument(
        "--setting", choices=list(SETTINGS), default="dsp", help="setting to validate (default dsp)"
    )
    p.add_argument(
        "--replications",
        type=REPLICATIONS,
        default=None,
        help="runs (default: the protocol's, in targets.toml)",
    )
    p.add_argument(
        "--seed",
        type=SEED,
        default=None,
        help="root seed (default: the protocol's, the default scenario seed)",
    )
    add_jobs(p)
    p.add_argument(
        "--out",
        type=out_path,
        default=None,
        help="output directory (default output/validate-SETTING)",
    )
    add_chart_format(p)
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--allow-large", action="store_true", help=ALLOW_LARGE_HELP)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from types import SimpleNamespace

    from sim.experiments.calibration import protocol, validate
    from sim.experiments.limits import check_scenario_scale
    from sim.experiments.outdir import check_out
    from sim.experiments.runner import default_jobs
    from sim.report.calibration import fit_text, write_validation

    proto = protocol()  # the runs of a one-regime scenario (ranges: the option types)
    check_scenario_scale(
        SimpleNamespace(
            regimes=("jit",),
            replications=args.replications or proto.validation_replications,
            params={},
            setting=args.setting,
            horizon_weeks=proto.horizon_weeks,
        ),
        args.jobs,
        args.allow_large,
        "validate",
    )
    out = args.out or Path("output") / f"validate-{args.setting}"
    check_out(out, "--out")  # refuse a folder that is not ours, before anything runs
    res = validate(
        args.setting,
        replications=args.replications,
        seed=args.seed,
        jobs=args.jobs or default_jobs(),
        progress=False if args.no_progress else None,
    )
    write_validation(res, out, fmt=args.format)
    t = res.table
    met = int(t["inside"].sum())
    print(
        f"Validation of {SETTING_LABELS[res.setting]}, "
        f"{REGIME_LABELS.get(res.regime, res.regime)} status quo: {res.replications} "
        f"replications (seed {res.seed}), final year of {res.horizon_weeks} weeks after "
        f"warm-up ({res.elapsed_seconds:.0f} s)"
    )
    print(fit_text(t).to_string(index=False))
    if met == len(t):
        print(f"\nAll {len(t)} targets inside their ranges.")
    else:
        print(f"\n{len(t) - met} of {len(t)} targets OUTSIDE their ranges.")
    print(
        f"Wrote validation.csv, validation.md, runs.csv, validation.{args.format}, "
        f"columns.csv and manifest.json to {out}/"
    )
    return 0 if res.all_inside else 1
