"""``workforce-sim calibrate``: fit the free parameters of a setting to public evidence.

Searches the setting's free parameters (:data:`sim.experiments.calibration.SEARCH`) for the values
under which the ``jit`` status quo best reproduces the setting's targets
(``sim/data/targets.toml``), and writes the adopted values, the fit of every target and
the search history. The defaults ``--budget`` and ``--seed`` are those of the adopted
calibration (``sim.core.params.CALIBRATION``), so ``workforce-sim calibrate --setting S``
re-runs it and reproduces the adopted values.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from sim.core.params import CALIBRATION, SETTING_LABELS, SETTINGS


def register(subparsers: argparse._SubParsersAction) -> None:
    from sim.cli.options import (
        ALLOW_LARGE_HELP,
        HORIZON,
        REPLICATIONS,
        SEED,
        add_jobs,
        positive_int,
    )
    from sim.experiments.limits import MAX_BUDGET
    from sim.experiments.outdir import out_path

    p = subparsers.add_parser(
        "calibrate",
        help="fit the free parameters of a setting to the published patterns (jit status quo)",
        description="Search the free parameters of a setting (Latin hypercube, then local "
        "refinement) for the values under which the JIT-only status quo reproduces the "
        "published patterns in sim/data/targets.toml. Reproducible from --seed; results "
        "do not depend on --jobs.",
    )
    p.add_argument(
        "--setting",
        choices=list(SETTINGS),
        default="dsp",
        help="setting to calibrate (default dsp)",
    )
    p.add_argument(
        "--budget",
        type=positive_int,
        default=None,
        help="candidates to evaluate (default: the adopted calibration's budget; "
        f"at most {MAX_BUDGET} without --allow-large)",
    )
    p.add_argument(
        "--seed",
        type=SEED,
        default=None,
        help="root seed (default: the adopted calibration's seed)",
    )
    add_jobs(p)
    p.add_argument(
        "--replications",
        type=REPLICATIONS,
        default=None,
        help="runs per candidate (default: the protocol's, in targets.toml); for quick trials",
    )
    p.add_argument(
        "--horizon",
        type=HORIZON,
        default=None,
        metavar="WEEKS",
        help="reported weeks per run (default: the protocol's); for quick trials",
    )
    p.add_argument(
        "--out",
        type=out_path,
        default=None,
        help="output directory (default output/calibrate-SETTING)",
    )
    p.add_argument("--no-progress", action="store_true", help="print no progress lines")
    p.add_argument("--allow-large", action="store_true", help=ALLOW_LARGE_HELP)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from sim.experiments.calibration import calibrate, protocol
    from sim.experiments.limits import check_calibration_scale
    from sim.experiments.outdir import check_out
    from sim.experiments.runner import default_jobs
    from sim.report.calibration import fit_text, record_text, write_calibration

    setting = args.setting
    rec = CALIBRATION[setting]
    budget = args.budget or rec["budget"]
    seed = rec["seed"] if args.seed is None else args.seed  # ranges: the option types
    proto = protocol()
    check_calibration_scale(
        setting,
        budget,
        args.replications or proto.calibration_replications,
        args.horizon or proto.horizon_weeks,
        args.jobs,
        args.allow_large,
    )
    out = args.out or Path("output") / f"calibrate-{setting}"
    check_out(out, "--out")  # refuse a folder that is not ours, before anything runs
    jobs = args.jobs or default_jobs()
    res = calibrate(
        setting,
        budget=budget,
        seed=seed,
        jobs=jobs,
        replications=args.replications,
        horizon_weeks=args.horizon,
        progress=not args.no_progress,
    )
    write_calibration(res, out)
    fit = res.fit
    met = int(fit["inside"].sum())
    print(
        f"Calibration of {SETTING_LABELS[setting]} (jit status quo): {budget} candidates x "
        f"{res.replications} replications, {res.horizon_weeks} weeks after warm-up, seed "
        f"{seed} ({res.elapsed_seconds:.0f} s)"
    )
    print(
        f"Adopted candidate {res.meta['adopted_candidate']}: score {res.score:.4g}, "
        f"{met} of {len(fit)} targets inside their ranges "
        f"(mean over {int(fit['n'].iloc[0])} replications):"
    )
    print(fit_text(fit).to_string(index=False))
    print("\nValues:")
    for k, v in res.values.items():
        print(f"  {k} = {v:g}")
    print(
        f"\nWrote history.csv, fit.csv, best.toml, calibration.json, adopt.txt, columns.csv "
        f"and manifest.json to {out}/"
    )
    print(
        f'To adopt: replace the "{setting}" entry of CALIBRATION in sim/core/params.py with '
        f"{out / 'adopt.txt'}:\n"
    )
    print(record_text(setting, res.record))
    print(f"then check the fit with independent runs: workforce-sim validate --setting {setting}")
    if setting == "dsp":
        print(
            "(settings calibrated on top of dsp, such as home_care, must then be "
            "re-calibrated too.)"
        )
    return 0
