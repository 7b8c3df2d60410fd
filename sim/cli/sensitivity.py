"""``workforce-sim sensitivity SPEC.toml --out DIR``: Sobol' or Morris sensitivity analysis.

Runs (or, with ``--resume``, finishes) the sweep of a spec whose design is ``sobol`` or
``morris``, averages the replications of each design point and writes the indices with
their confidence intervals and the replication noise to ``DIR/sensitivity.csv`` and
``.md``, and a bar chart to ``DIR/sensitivity.png`` (see :mod:`sim.report.sensitivity`).
"""

from __future__ import annotations

import argparse

from sim.cli.sweep import add_sweep_options, load_checked, out_dir, run_guarded
from sim.core.errors import UsageError


def _outputs(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


def _sensitivity(args: argparse.Namespace) -> int:
    from sim.core.outputs import METRICS
    from sim.core.params import suggest
    from sim.experiments.limits import show
    from sim.report.sensitivity import sensitivity

    spec, kwargs = load_checked(args)
    if spec.design not in ("sobol", "morris"):
        raise UsageError(
            f"{args.spec}: sweep.design = {spec.design!r}: sensitivity analysis "
            'needs design = "sobol" or "morris" (run other designs with '
            "`workforce-sim sweep`)"
        )
    for o in args.outputs or []:
        if o not in METRICS:
            raise UsageError(
                f"--outputs: unknown measure {show(o)}{suggest(o, METRICS)}; "
                f"allowed: {', '.join(METRICS)}"
            )
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
    return 1 if report.n_failed else 0


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "sensitivity",
        help="Sobol or Morris sensitivity analysis of a sweep spec (SALib)",
        description="Run the sweep of a sobol/morris spec, then report the sensitivity "
        "indices with confidence intervals and the replication noise.",
    )
    add_sweep_options(p)
    p.add_argument(
        "--outputs",
        type=_outputs,
        default=None,
        metavar="M1,M2",
        help="measures to analyse (default: the spec's [sensitivity] outputs, or "
        "turnover_rate, burnout_high_share, coc, cost_per_client_year)",
    )
    p.set_defaults(func=_sensitivity)
