"""``workforce-sim compare`` (the three regimes on the default agency) and ``workforce-sim
run SCENARIO.toml``: a scenario's replications, its summary and findings printed (for the
final year and, in a scenario with a shock, the shock window), and its output folder
written (:func:`sim.report.write.write_outputs`). Before anything runs, the guard-rail
warnings of the agency (:func:`sim.analysis.findings.run_warnings`) are printed on
standard error, one line ``workforce-sim: warning: ...`` each; they never stop the run.
With ``--explain``, the attribution of ``workforce-sim explain``
(:func:`sim.experiments.attribution.explain`) runs after them on the same scenario and is
written into the same folder."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from sim.core.errors import UsageError
from sim.core.params import SETTING_LABELS
from sim.experiments.scenario import Scenario, default_compare_scenario, load_scenario

#: Runs per member and regime of ``--ensemble``, compare/run and sensitivity (the value of
#: :data:`sim.experiments.ensemble.ENSEMBLE_REPLICATIONS`, which is slow to import here).
ENSEMBLE_REPLICATIONS = 20

__all__ = ["print_warnings", "register", "run_and_report"]


def register(subparsers: argparse._SubParsersAction) -> None:
    from sim.cli.options import add_run_options

    c = subparsers.add_parser(
        "compare",
        help="compare JIT-only, foundation-first and hybrid on the default agency (the main job)",
    )
    add_run_options(c, "output/compare")
    _add_explain(c)
    _add_ensemble(c)
    c.set_defaults(func=_compare)

    r = subparsers.add_parser("run", help="run a scenario file (TOML)")
    r.add_argument("scenario", type=Path, help="path to a scenario .toml file")
    add_run_options(r, None)
    _add_explain(r)
    _add_ensemble(r)
    r.set_defaults(func=_run)


def _add_explain(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--explain",
        action="store_true",
        help="then split each regime's effect against the baseline (jit, or the first "
        "regime) into its channels, as `workforce-sim explain` does, with the same agency, "
        "seed and sizes: attribution.csv, counterfactual.csv, a chart and a report "
        "section 'Why the regimes differ' (many more runs)",
    )


def _add_ensemble(p: argparse.ArgumentParser) -> None:
    from sim.cli.options import REPLICATIONS, positive_int

    p.add_argument(
        "--ensemble",
        action="store_true",
        help="also run each regime across the installed ensemble of the setting "
        "(`workforce-sim ensemble --install`): summary.csv gains ensemble_low/high, "
        "and the report says which effects survive parameter uncertainty",
    )
    p.add_argument(
        "--ensemble-members",
        type=positive_int,
        default=None,
        metavar="N",
        help="with --ensemble: use the first N members (default all)",
    )
    p.add_argument(
        "--ensemble-replications",
        type=REPLICATIONS,
        default=ENSEMBLE_REPLICATIONS,
        metavar="R",
        help=f"with --ensemble: runs per member and regime (default {ENSEMBLE_REPLICATIONS}; "
        "same seeds for every member and regime)",
    )


def _ensemble_plan(s: Scenario, args: argparse.Namespace) -> dict[str, Any] | None:
    """``--ensemble``: check the installed ensemble and the run count before anything
    runs; the arguments of :func:`sim.experiments.ensemble.across_ensemble`."""
    if not getattr(args, "ensemble", False):
        if getattr(args, "ensemble_members", None) is not None:
            raise UsageError(
                f"--ensemble-members {args.ensemble_members} is not allowed without "
                "--ensemble; allowed: add --ensemble"
            )
        return None
    from sim.experiments.ensemble import installed
    from sim.experiments.limits import check_runs

    members, _ = installed(s.setting)
    n = len(members) if args.ensemble_members is None else min(args.ensemble_members, len(members))
    check_runs(
        n * len(s.regimes) * args.ensemble_replications,
        f"--ensemble: {n} members x {len(s.regimes)} regimes x --ensemble-replications "
        f"{args.ensemble_replications}",
        getattr(args, "allow_large", False),
    )
    return {"members": n, "replications": args.ensemble_replications, "jobs": args.jobs or 1}


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


def _explain_plan(s: Scenario, args: argparse.Namespace) -> tuple[dict[str, Any], dict[str, str]]:
    """``--explain``: the arguments of :func:`sim.experiments.attribution.explain` for
    scenario ``s`` (as ``workforce-sim explain --scenario`` builds them,
    :func:`sim.cli.explain.scenario_arguments`), checked with its size before anything
    runs; and the regimes it leaves out, with why."""
    from sim.cli.explain import reference_for, scenario_arguments
    from sim.experiments.attribution import check

    where = s.source or "the scenario"
    baseline = "jit" if "jit" in s.regimes else s.regimes[0]
    found, skipped = scenario_arguments(s, baseline)
    if not found["regimes"]:
        left = "".join(f"; {r!r} {why}" for r, why in skipped.items())
        raise UsageError(
            f"--explain: {where} has no regime to explain against its baseline "
            f"{baseline!r} (regimes: {', '.join(s.regimes)}{left}); allowed: a scenario "
            "with another regime that differs from the baseline in training only"
        )
    if s.replications < 2:
        flag = "--replications" if args.replications is not None else f"{where}: replications"
        raise UsageError(
            f"--explain with {flag} = {s.replications} is not allowed; must be at least 2 "
            "(a confidence interval needs two replications)"
        )
    kwargs = dict(
        found,
        baseline=baseline,
        reference=reference_for(baseline),
        jobs=args.jobs,
        allow_large=getattr(args, "allow_large", False),
    )
    check(**kwargs)
    return kwargs, skipped


def print_warnings(s: Scenario) -> list[str]:
    """Print the guard-rail warnings of scenario ``s`` on standard error, one line
    ``workforce-sim: warning: ...`` each; return them."""
    import sys

    from sim.analysis.findings import run_warnings
    from sim.experiments.runner import regime_params

    meta = {
        "params": {r: regime_params(s, r) for r in s.regimes},
        "horizon_weeks": s.horizon_weeks,
    }
    found = run_warnings(meta)
    for w in found:
        print(f"workforce-sim: warning: {w}", file=sys.stderr)
    return found


def run_and_report(s: Scenario, args: argparse.Namespace, out: Path) -> int:
    import sys
    import textwrap

    from sim.analysis.findings import findings
    from sim.analysis.summary import summarise, summary_table
    from sim.experiments.runner import run_scenario
    from sim.report.report import period_runs
    from sim.report.write import write_outputs

    _check_out(out)
    plan = _explain_plan(s, args) if getattr(args, "explain", False) else None
    ens_plan = _ensemble_plan(s, args)
    print_warnings(s)
    progress = False if args.no_progress else None
    results = run_scenario(s, jobs=args.jobs, progress=progress)
    ens = None
    if ens_plan is not None:
        from sim.experiments.ensemble import across_ensemble
        from sim.experiments.runner import default_jobs

        ens_plan["jobs"] = args.jobs or default_jobs()
        ens = across_ensemble(
            s, progress=False if args.no_progress else sys.stderr.isatty(), **ens_plan
        )
    expl = None
    if plan is not None:
        from sim.experiments.attribution import explain

        kwargs, skipped = plan
        for r, why in skipped.items():
            print(f"--explain: not explaining {r!r}: it {why}")
        expl = explain(**kwargs, progress=False if args.no_progress else sys.stderr.isatty())
        expl.meta["not_explained"] = skipped
        expl.meta["regime_labels"].update({r: s.regime_labels[r] for r in skipped})
    written = write_outputs(
        results, out, fmt=args.format, classroom=args.classroom, explanation=expl, ensemble=ens
    )
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
    for p, prun in period_runs(results.timeseries, results.runs, results.meta)[1:]:
        print(f"\n{p.title}, mean (95 % CI over replications):")
        print(summary_table(summarise(prun, regimes=list(s.regimes)), s.regime_labels).to_string())
        print(f"\nKey findings, {p.title[0].lower() + p.title[1:]}:")
        for f in findings(prun, None, results.meta, list(s.regimes)):
            print(
                textwrap.fill(
                    f"{f.topic}. {f.text}", width=100, initial_indent="- ", subsequent_indent="  "
                )
            )
    if expl is not None:
        m = expl.meta
        print(
            f"\nWhy the regimes differ: {len(m['regimes'])} regime(s) against "
            f"{m['baseline']} split into {len(m['channels'])} channels, {m['runs']} runs "
            f"({m['elapsed_seconds']:.1f} s); see report.md and attribution.csv"
        )
    if ens is not None:
        from sim.report.ensemble import effects_text

        print(
            f"\nAcross the installed ensemble ({len(ens.members)} members x "
            f"{ens.replications} runs per regime, {ens.elapsed_seconds:.1f} s):"
        )
        print(effects_text(results.runs, ens, list(s.regimes), s.regime_labels))
    extra = ", attribution.csv, counterfactual.csv" if expl is not None else ""
    if ens is not None:
        extra += ", ensemble_runs.csv, ensemble_effects.csv, ensemble_sensitivity.csv"
    print(
        f"\nWrote {len(written)} files to {out}/ (report.html, report.md, charts, "
        f"timeseries.csv, runs.csv, survival.csv, summary.csv{extra}, columns.csv, "
        "manifest.json)"
    )
    return 0


def _compare(args: argparse.Namespace) -> int:
    return run_and_report(_apply_overrides(default_compare_scenario(), args), args, args.out)


def _run(args: argparse.Namespace) -> int:
    s = _apply_overrides(load_scenario(args.scenario), args)
    return run_and_report(s, args, args.out or Path("output") / args.scenario.stem)
