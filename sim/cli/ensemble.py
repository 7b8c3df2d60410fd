"""``workforce-sim ensemble``: history matching, an ensemble of parameter vectors.

Runs :func:`sim.experiments.ensemble.history_match` for a setting and writes
``ensemble.csv`` (one row per member: its parameters and its mean of every target),
``ensemble.json`` (the exact command, date, seed, waves, counts per wave, the
non-implausible fractions), ``ensemble_history.csv`` (every candidate run) and the usual
``columns.csv`` and ``manifest.json`` to ``--out``. ``--install`` also copies the
ensemble to the package data (``sim/data/ensemble/<setting>.csv`` and ``.json``), where
``compare --ensemble`` finds it. An empty ensemble is reported and exits with status 1
(nothing is installed).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from sim.core.params import SETTING_LABELS, SETTINGS


def _at_least(low: int, flag: str):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < low:
            raise argparse.ArgumentTypeError(
                f"{text!r} is not allowed; must be a whole number of at least {low}"
            )
        return value

    parse.__name__ = flag
    return parse


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = None
    if value is None or not 0 < value <= 1:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not allowed; must be a number above 0 and at most 1"
        )
    return value


_fraction.__name__ = "near"


def register(subparsers: argparse._SubParsersAction) -> None:
    from sim.cli.options import HORIZON, REPLICATIONS, SEED, add_jobs
    from sim.experiments.outdir import out_path

    p = subparsers.add_parser(
        "ensemble",
        help="history-match a setting: every parameter vector whose patterns fall inside "
        "all targets",
        description="History matching (Latin hypercube waves, quadratic emulators, "
        "implausibility cut-off 3) over the setting's calibrated parameters and the "
        "parameters no target identifies (the [ensemble] table of sim/data/targets.toml); "
        "then every non-implausible candidate is run --final-replications times and kept "
        "if its means fall inside all targets. Reproducible from --seed; results do not "
        "depend on --jobs.",
    )
    p.add_argument("--setting", choices=list(SETTINGS), default="dsp", help="default dsp")
    p.add_argument("--seed", type=SEED, default=1, help="root seed (default 1)")
    p.add_argument(
        "--points",
        type=_at_least(2, "points"),
        default=150,
        help="candidates per wave and in the final step (default 150)",
    )
    p.add_argument("--waves", type=_at_least(1, "waves"), default=3, help="waves (default 3)")
    p.add_argument(
        "--replications",
        type=REPLICATIONS,
        default=4,
        help="runs per candidate in each wave (default 4)",
    )
    p.add_argument(
        "--final-replications",
        type=REPLICATIONS,
        default=None,
        help="runs per candidate in the final step (default: the protocol's "
        "calibration_replications, in targets.toml)",
    )
    p.add_argument(
        "--horizon",
        type=HORIZON,
        default=None,
        metavar="WEEKS",
        help="reported weeks per run (default: the protocol's); for quick trials",
    )
    add_jobs(p)
    p.add_argument(
        "--out",
        type=out_path,
        default=None,
        help="output directory (default output/ensemble-SETTING)",
    )
    p.add_argument(
        "--install",
        action="store_true",
        help="also copy the ensemble to the package data (sim/data/ensemble/SETTING.csv "
        "and .json), for compare --ensemble",
    )
    p.add_argument(
        "--near",
        type=_fraction,
        default=None,
        metavar="F",
        help="search the setting's calibrated parameters only within a factor 1+F of their "
        "adopted values (log scale; 1-F to 1+F otherwise), the [ensemble] parameters over "
        "their whole ranges (default: every parameter over its whole box)",
    )
    p.add_argument("--no-progress", action="store_true", help="print no progress lines")
    p.add_argument(
        "--allow-large",
        action="store_true",
        help="run even beyond the limit on runs per command and the memory estimate",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import sys

    from sim.experiments.calibration import protocol
    from sim.experiments.columns import write_columns
    from sim.experiments.ensemble import history_match, install
    from sim.experiments.limits import check_runs
    from sim.experiments.outdir import atomic_dir, check_out
    from sim.experiments.runner import default_jobs, provenance

    setting = args.setting
    proto = protocol()
    final_reps = args.final_replications or proto.calibration_replications
    runs = args.points * (args.waves * args.replications + final_reps)
    check_runs(
        runs,
        f"ensemble: --points {args.points} x (--waves {args.waves} x --replications "
        f"{args.replications} + --final-replications {final_reps})",
        args.allow_large,
    )
    out = args.out or Path("output") / f"ensemble-{setting}"
    check_out(out, "--out")  # refuse a folder that is not ours, before anything runs
    res = history_match(
        setting,
        seed=args.seed,
        points=args.points,
        waves=args.waves,
        replications=args.replications,
        final_replications=final_reps,
        jobs=args.jobs or default_jobs(),
        horizon_weeks=args.horizon,
        progress=not args.no_progress,
        near=args.near,
    )
    rec = {**res.record, "elapsed_seconds": round(res.elapsed_seconds, 1)}
    with atomic_dir(out) as tmp:
        res.members.to_csv(tmp / "ensemble.csv", index=False)
        res.history.to_csv(tmp / "ensemble_history.csv", index=False)
        (tmp / "ensemble.json").write_text(json.dumps(rec, indent=2, default=str) + "\n")
        write_columns(tmp)
        manifest = {
            "tool": "workforce-sim",
            "kind": "ensemble",
            "command": sys.argv,
            "setting": setting,
            "seed": args.seed,
            **provenance(),
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str))
    print(
        f"History matching of {SETTING_LABELS[setting]} (jit status quo): {args.waves} "
        f"wave(s) x {args.points} candidates x {args.replications} runs, then the "
        f"non-implausible candidates x {final_reps} runs; seed {args.seed} "
        f"({res.elapsed_seconds:.0f} s)"
    )
    for w in res.record["wave_counts"]:
        print(
            f"  wave {w['wave']}: {w.get('points', 0)} candidates; non-implausible share "
            f"of the space before it {w['non_implausible_fraction']:.3g}"
        )
    fin = res.record["final"]
    print(
        f"  final: {fin['candidates']} candidates (non-implausible share "
        f"{fin['non_implausible_fraction']:.3g}); {fin['kept']} inside all targets"
    )
    print(f"Wrote ensemble.csv, ensemble.json, ensemble_history.csv to {out}/")
    if not len(res.members):
        print(
            f"workforce-sim: the ensemble of {setting} is empty: no candidate's means fell "
            "inside all targets (see ensemble_history.csv); nothing installed. Try more --points "
            "or --waves, or check the targets and the [ensemble] ranges.",
            file=sys.stderr,
        )
        return 1
    if args.install:
        paths = install(res)
        print(f"Installed {len(res.members)} members: {paths[0]} and {paths[1]}")
    return 0
