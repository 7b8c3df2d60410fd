"""``workforce-sim explain``: each regime's effect against JIT-only split into its channels
(:mod:`sim.experiments.attribution`), with the essay's counterfactual, written to an
output folder (:func:`sim.report.explain.write_explanation`) and printed as a table."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.core.errors import UsageError

if TYPE_CHECKING:
    from sim.experiments.scenario import Scenario

__all__ = ["reference_for", "register", "scenario_arguments"]

DEFAULT_OUT = "output/explain"
DEFAULTS = {"regimes": ("foundation", "hybrid"), "replications": 20, "horizon_weeks": 156}


def register(subparsers: argparse._SubParsersAction) -> None:
    from sim.cli.options import add_run_options

    p = subparsers.add_parser(
        "explain",
        help="split each regime's effect against JIT-only into its channels (awareness, "
        "competence, realism, ...), with common random numbers",
        description="Switch each channel off in turn, in both arms, and measure how much of "
        "each regime's effect against the baseline is lost: attribution.csv, "
        "counterfactual.csv (JIT-only where every new worker knows their gaps), a chart "
        "and report.md.",
    )
    p.add_argument(
        "--scenario",
        type=Path,
        default=None,
        metavar="FILE",
        help="take the agency ([parameters]), setting, regimes (built-in or its own "
        "[regimes.NAME]), horizon, replications and seed from a scenario file; the "
        "options below override it",
    )
    p.add_argument(
        "--regimes",
        default=None,
        metavar="A,B",
        help="regimes to explain, comma-separated (default foundation,hybrid, or the "
        "scenario's regimes other than the baseline)",
    )
    p.add_argument(
        "--baseline", default="jit", help="regime the effects are taken against (default jit)"
    )
    p.add_argument(
        "--channels",
        default=None,
        metavar="A,B",
        help="channels to switch off, comma-separated (default: the eight channels; "
        "also gap_risk, gap_learning, incident_lessons, the parts of unseen_gaps; see "
        "report.md)",
    )
    add_run_options(p, DEFAULT_OUT)
    p.set_defaults(func=_explain)


def _list(text: str, flag: str, allowed: list[str]) -> tuple[str, ...]:
    from sim.core.params import suggest
    from sim.experiments.limits import show

    names = tuple(n.strip() for n in text.split(","))
    if not text.strip() or any(not n for n in names):
        raise UsageError(
            f"{flag} {show(text)} is not allowed; must be a comma-separated list of "
            f"{', '.join(allowed)}"
        )
    for n in names:
        if n not in allowed:
            raise UsageError(
                f"{flag}: unknown name {show(n)}{suggest(n, allowed)}; allowed: "
                f"{', '.join(allowed)}"
            )
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise UsageError(f"{flag} {show(text)} lists {', '.join(dupes)} more than once")
    return names


def reference_for(baseline: str) -> str:
    """The regime the counterfactual is also compared with: foundation-first, or hybrid
    when foundation-first is the baseline."""
    return "foundation" if baseline != "foundation" else "hybrid"


def scenario_arguments(s: Scenario, baseline: str) -> tuple[dict[str, Any], dict[str, str]]:
    """What scenario ``s`` sets for :func:`sim.experiments.attribution.explain` against
    ``baseline``, and which of its regimes the attribution cannot explain.

    The first result holds the agency (``overrides``: its ``[parameters]``, plus the
    baseline's own non-training values when the baseline is a ``[variants.NAME]``),
    setting, ``custom_regimes`` (its ``[regimes.NAME]`` and variants, as their training
    values), ``regimes`` (the scenario's regimes other than the baseline that can be
    explained), sizes and seed. The second maps each regime left out to why: a variant
    whose non-training values (pay, ...) differ from the baseline's. The channels
    switch off training only, so such a difference would belong to no channel.
    """
    from sim.core.params import REGIME_PARAMS, REGIMES

    own = s.variant_params.get(baseline, {})
    custom: dict[str, dict[str, Any]] = {}
    regimes: list[str] = []
    skipped: dict[str, str] = {}
    for name in s.regimes:
        theirs = s.variant_params.get(name, {})
        keys = sorted(k for k in {*own, *theirs} if own.get(k, None) != theirs.get(k, None))
        if keys:
            skipped[name] = (
                f"differs from the baseline {baseline!r} in {', '.join(keys)}, not in "
                "training (the channels switch off training only)"
            )
            continue
        if name not in REGIMES:
            custom[name] = {"base": s.regime_bases[name], "label": s.regime_labels[name]} | {
                k: v for k, v in s.regime_params[name].items() if k in REGIME_PARAMS
            }
        if name != baseline:
            regimes.append(name)
    return {
        "overrides": {**s.params, **own},
        "custom_regimes": custom,
        "setting": s.setting,
        "regimes": tuple(regimes),
        "replications": s.replications,
        "horizon_weeks": s.horizon_weeks,
        "seed": s.seed,
    }, skipped


def _explain(args: argparse.Namespace) -> int:
    from sim.core.params import REGIMES
    from sim.experiments.attribution import CHANNELS, PARTS, explain
    from sim.experiments.outdir import check_out
    from sim.experiments.scenario import SCENARIO_KEYS, load_scenario
    from sim.report.explain import SIGNIFICANT, summary_tables, write_explanation

    base: dict[str, Any] = {
        "overrides": {},
        "custom_regimes": {},
        "setting": "dsp",
        "regimes": None,
        "replications": DEFAULTS["replications"],
        "horizon_weeks": DEFAULTS["horizon_weeks"],
        "seed": SCENARIO_KEYS["seed"].default,
    }
    skipped: dict[str, str] = {}
    notes: list[str] = []
    allowed = list(REGIMES)
    s = None
    if args.scenario is not None:
        s = load_scenario(args.scenario)
        allowed += [r for r in s.regimes if r not in REGIMES]
    (baseline,) = _list(args.baseline, "--baseline", allowed)
    if s is not None:
        found, skipped = scenario_arguments(s, baseline)
        base |= found
    if args.regimes is not None:
        regimes = _list(args.regimes, "--regimes", allowed)
        for r in regimes:
            if r in skipped:
                raise UsageError(
                    f"--regimes: {r!r} cannot be explained: it {skipped[r]}; allowed: "
                    f"{', '.join(n for n in allowed if n not in skipped and n != baseline)}"
                )
    elif base["regimes"] is not None:
        regimes = tuple(r for r in base["regimes"] if r != baseline)
        if not regimes:
            raise UsageError(
                f"--scenario {args.scenario}: no regime to explain against the baseline "
                f"{baseline!r} (regimes: {', '.join(s.regimes)}); allowed: a scenario with "
                "another regime that differs from the baseline in training only, or name "
                "them with --regimes"
            )
        notes = [f"explain: not explaining {r!r}: it {why}" for r, why in skipped.items()]
    else:
        regimes = DEFAULTS["regimes"]
    if baseline in regimes:
        raise UsageError(
            f"--regimes {','.join(regimes)}: {baseline!r} is the baseline (--baseline); "
            "allowed: regimes other than the baseline"
        )
    channels = (
        None
        if args.channels is None
        else _list(args.channels, "--channels", [c.name for c in (*CHANNELS, *PARTS)])
    )
    reps = base["replications"] if args.replications is None else args.replications
    if reps < 2:
        flag = "--replications" if args.replications is not None else "scenario.replications"
        raise UsageError(
            f"{flag} {reps} is not allowed; must be at least 2 (a confidence "
            "interval needs two replications)"
        )
    reference = reference_for(baseline)
    check_out(args.out, "--out")
    for note in notes:
        print(note)
    expl = explain(
        regimes,
        baseline=baseline,
        setting=args.setting or base["setting"],
        replications=reps,
        horizon_weeks=args.horizon or base["horizon_weeks"],
        seed=base["seed"] if args.seed is None else args.seed,
        overrides=base["overrides"],
        custom_regimes=base["custom_regimes"],
        channels=channels,
        reference=reference,
        jobs=args.jobs,
        progress=False if args.no_progress else sys.stderr.isatty(),
        allow_large=args.allow_large,
    )
    written = write_explanation(expl, args.out, fmt=args.format, classroom=args.classroom)
    m = expl.meta
    print(
        f"explain [{m['setting']}]: {len(regimes)} regime(s) against {baseline}, "
        f"{len(m['channels'])} channels, {m['replications']} replications of "
        f"{m['horizon_weeks']} weeks, seed {m['seed']}: {m['runs']} runs "
        f"({m['elapsed_seconds']:.1f} s)"
    )
    print(f"Contribution of each channel to the effect (final year; *: {SIGNIFICANT}):")
    for title, table in summary_tables(expl).items():
        if title == "counterfactual":
            title = f"Counterfactual: {m['counterfactual']} (difference from {baseline})"
        print(f"\n{title}")
        print(table.to_string())
    print(f"\nWrote {len(written)} files to {args.out}/ ({', '.join(sorted(written))})")
    return 0
