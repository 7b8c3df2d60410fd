"""``workforce-sim compare`` (the three regimes on the default agency) and ``workforce-sim
run SCENARIO.toml``: a scenario's replications, its summary and findings printed, and its
output folder written (:func:`sim.report.write.write_outputs`)."""

from __future__ import annotations

import argparse
from pathlib import Path

from sim.core.errors import UsageError
from sim.core.params import SETTING_LABELS
from sim.experiments.scenario import Scenario, default_compare_scenario, load_scenario

__all__ = ["register", "run_and_report"]


def register(subparsers: argparse._SubParsersAction) -> None:
    from sim.cli.options import add_run_options

    c = subparsers.add_parser(
        "compare",
        help="compare JIT-only, foundation-first and hybrid on the default agency (the main job)",
    )
    add_run_options(c, "output/compare")
    c.set_defaults(func=_compare)

    r = subparsers.add_parser("run", help="run a scenario file (TOML)")
    r.add_argument("scenario", type=Path, help="path to a scenario .toml file")
    add_run_options(r, None)
    r.set_defaults(func=_run)


def _apply_overrides(s: Scenario, args: argparse.Namespace) -> Scenario:
    from dataclasses import replace

    from sim.experiments.limits import check_scenario_scale
    from sim.experiments.scenario import check_shock

    changes = {}
    if args.replications is not None:
        changes["replications"] = args.replications
    if args.horizon is not None:  # ranges: checked by the option types (HORIZON, ...)
        changes["horizon_weeks"] = args.horizon
        problem = check_shock(s.params, args.horizon, "--horizon")
        if problem:
            raise UsageError(f"{s.source or 'scenario'}: parameters.shock_start {problem}")
        for name, others in s.variant_params.items():
            problem = check_shock({**s.params, **others}, args.horizon, "--horizon")
            if problem:
                raise UsageError(f"{s.source or 'scenario'}: variants.{name}.shock_start {problem}")
    if args.seed is not None:
        changes["seed"] = args.seed
    if getattr(args, "setting", None) is not None:
        changes["setting"] = args.setting
    s = replace(s, **changes) if changes else s
    check_scenario_scale(s, args.jobs, getattr(args, "allow_large", False), f"{args.command}")
    return s


def _check_out(out: Path) -> None:
    """Refuse an --out that is not ours or cannot be written, before anything runs."""
    from sim.experiments.outdir import check_out

    check_out(out, "--out")


def run_and_report(s: Scenario, args: argparse.Namespace, out: Path) -> int:
    import textwrap

    from sim.analysis.findings import findings
    from sim.analysis.summary import summarise, summary_table
    from sim.experiments.runner import run_scenario
    from sim.report.write import write_outputs

    _check_out(out)
    progress = False if args.no_progress else None
    results = run_scenario(s, jobs=args.jobs, progress=progress)
    written = write_outputs(results, out, fmt=args.format, classroom=args.classroom)
    table = summary_table(summarise(results.runs, regimes=list(s.regimes)), s.regime_labels)
    print(
        f"{s.name} [{SETTING_LABELS[s.setting]}]: {len(s.regimes)} regime(s) x "
        f"{s.replications} replications, "
        f"{s.horizon_weeks} weeks after warm-up, seed {s.seed} "
        f"({results.meta['elapsed_seconds']:.1f} s)"
    )
    print("Final year, mean (95 % CI over replications):")
    print(table.to_string())
    print("\nKey findings (final year; 'about the same' = 95 % CIs overlap):")
    for f in findings(results.runs, results.survival, results.meta, list(s.regimes)):
        print(
            textwrap.fill(
                f"{f.topic}. {f.text}", width=100, initial_indent="- ", subsequent_indent="  "
            )
        )
    print(
        f"\nWrote {len(written)} files to {out}/ (report.html, report.md, charts, "
        "timeseries.csv, runs.csv, survival.csv, summary.csv, columns.csv, manifest.json)"
    )
    return 0


def _compare(args: argparse.Namespace) -> int:
    return run_and_report(_apply_overrides(default_compare_scenario(), args), args, args.out)


def _run(args: argparse.Namespace) -> int:
    s = _apply_overrides(load_scenario(args.scenario), args)
    return run_and_report(s, args, args.out or Path("output") / args.scenario.stem)
