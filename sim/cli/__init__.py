"""Command line: ``workforce-sim compare | run | params | ...`` (also ``python -m sim``).

The core commands are defined here; further ones live one per module in this package
and are discovered at start-up. Every such module defines ``register(subparsers)``, which
adds its subparser and sets ``func`` (a callable taking the parsed arguments and
returning the exit status) with ``parser.set_defaults(func=...)``, so a new command needs
no edit elsewhere. Bad input (an unknown parameter, a malformed scenario, a missing file)
raises :class:`sim.core.errors.UsageError` (or a ``ScenarioError``/``ParameterError``)
and is reported as one clear line on standard error with exit status 2, and nothing is
written.
"""

from __future__ import annotations

import argparse
import csv
import importlib
import io
import pkgutil
import sys
from collections.abc import Sequence
from pathlib import Path

from sim import __version__
from sim.core.errors import USER_ERRORS, UsageError
from sim.core.params import (
    CALIBRATION,
    PARAMS,
    REGIME_PARAMS,
    REGIMES,
    SETTING_ASSUMPTIONS,
    SETTING_LABELS,
    SETTINGS,
    format_value,
    resolve,
)
from sim.experiments.scenario import (
    SCENARIO_KEYS,
    KeySpec,
    Scenario,
    default_compare_scenario,
    load_scenario,
    value_problem,
)

EXIT_USAGE = 2


def _whole(text: str, allowed: str) -> int:
    from sim.experiments.limits import show

    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{show(text)} is not allowed; must be "
                                         f"{allowed}") from None


def _positive_int(text: str) -> int:
    value = _whole(text, "a whole number of at least 1")
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not allowed; must be a whole number of "
                                         "at least 1")
    return value


def _jobs(text: str) -> int:
    """``--jobs``: 1 to :func:`sim.experiments.limits.max_jobs` worker processes."""
    from sim.experiments.limits import LimitError, check_jobs, max_jobs

    value = _whole(text, f"a whole number from 1 to {max_jobs()}")
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not allowed; must be a whole number "
                                         f"from 1 to {max_jobs()}")
    try:
        return check_jobs(value)
    except LimitError as exc:
        raise argparse.ArgumentTypeError(str(exc).removeprefix("--jobs ")) from None


def key_option(spec: KeySpec):
    """An argparse ``type`` for an option that overrides scenario key ``spec``: the same
    limits as in a file (:data:`sim.experiments.scenario.SCENARIO_KEYS`)."""
    def parse(text: str) -> int:
        value, problem = value_problem(spec, _whole(text, spec.allowed))
        if problem is not None:
            raise argparse.ArgumentTypeError(problem.removeprefix("= "))
        return value

    parse.__name__ = spec.name
    return parse


#: ``type=`` of ``--horizon``, ``--replications`` and ``--seed`` (every command).
HORIZON = key_option(SCENARIO_KEYS["horizon_weeks"])
REPLICATIONS = key_option(SCENARIO_KEYS["replications"])
SEED = key_option(SCENARIO_KEYS["seed"])
ALLOW_LARGE_HELP = ("run even beyond the limits on runs per command and calibration budget "
                    "and the memory estimate (see docs/sweeps.md, 'Limits')")


def _add_run_options(p: argparse.ArgumentParser, default_out: str | None) -> None:
    from sim.experiments.outdir import out_path

    p.add_argument("--out", type=out_path, default=default_out,
                   help="output directory: new, empty, or a previous output of this "
                   "program (replaced in one step when the run finishes; any other "
                   "existing folder is refused)"
                   + (f"; default {default_out}" if default_out else
                      "; default output/<scenario name>"))
    p.add_argument("--jobs", type=_jobs, default=None,
                   help="worker processes (default: all cores); results do not depend on it")
    p.add_argument("--replications", type=REPLICATIONS, default=None,
                   help="override the scenario's number of replications (1 to 10000)")
    p.add_argument("--horizon", type=HORIZON, default=None, metavar="WEEKS",
                   help="override the reported weeks after warm-up (52 to 2080)")
    p.add_argument("--seed", type=SEED, default=None,
                   help="override the root seed (0 to 2**63 - 1)")
    p.add_argument("--setting", choices=list(SETTINGS), default=None,
                   help="override the scenario's setting (kind of service; default dsp)")
    p.add_argument("--format", choices=("png", "svg", "pdf"), default="png",
                   help="chart file format (default png)")
    p.add_argument("--classroom", action="store_true",
                   help="large fonts and thick lines for projecting")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--allow-large", action="store_true", help=ALLOW_LARGE_HELP)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="workforce-sim",
        description="Simulate workforce turnover in human services under training regimes.",
    )
    parser.add_argument("--version", action="version", version=f"workforce-sim {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    c = sub.add_parser("compare", help="compare JIT-only, foundation-first and hybrid "
                       "on the default agency (the main job)")
    _add_run_options(c, "output/compare")
    c.set_defaults(func=_compare)

    r = sub.add_parser("run", help="run a scenario file (TOML)")
    r.add_argument("scenario", type=Path, help="path to a scenario .toml file")
    _add_run_options(r, None)
    r.set_defaults(func=_run)

    p = sub.add_parser("params", help="list the model parameters")
    p.add_argument("--regime", choices=sorted(REGIMES), default=None,
                   help="show the values under this regime")
    p.add_argument("--setting", choices=list(SETTINGS), default=None,
                   help="show the values in this setting (default dsp, the registry defaults)")
    p.add_argument("--format", choices=("table", "markdown", "csv"), default="table")
    p.add_argument("--explain", metavar="NAME", default=None,
                   help="everything about one parameter")
    p.set_defaults(func=_params)

    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        importlib.import_module(f"{__name__}.{info.name}").register(sub)
    return parser


# -- params ------------------------------------------------------------------------------
def params_rows(regime: str | None, setting: str | None = None) -> list[dict[str, str]]:
    values = resolve(regime or "jit", setting=setting or "dsp")
    rows = []
    for name, p in PARAMS.items():
        rows.append({
            "name": name,
            "value": format_value(values[name]),
            "unit": p.unit,
            "range": p.range_text,
            "group": p.group + (" (regime)" if name in REGIME_PARAMS else ""),
            "description": p.description,
            "source": _source(name, setting or "dsp"),
        })
    return rows


def _setting_note(name: str, setting: str) -> str | None:
    """Why ``setting``'s preset sets parameter ``name`` (None if it does not)."""
    assumed = SETTING_ASSUMPTIONS[setting].get(name)
    if assumed is not None:
        return assumed[1]
    if setting != "dsp" and name in CALIBRATION[setting]["values"]:
        rec = CALIBRATION[setting]
        return (f"calibrated to the {setting} targets ({rec['date']}: `{rec['command']}`) "
                "[calibrated]")
    return None


def _source(name: str, setting: str) -> str:
    """A parameter's source text, as it applies in ``setting``."""
    note = _setting_note(name, setting)
    if note is not None:
        return f"{setting} setting: {note}"
    p = PARAMS[name]
    return p.source + (" [calibrated]" if p.calibrated else "")



def format_params(rows: list[dict[str, str]], fmt: str) -> str:
    cols = list(rows[0])
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=cols, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
        return buf.getvalue()
    if fmt == "markdown":
        from sim.analysis.mdtable import markdown_table

        return markdown_table(cols, [[r[c] for c in cols] for r in rows], pad=False)
    short = ["name", "value", "unit", "range", "description"]
    width = {c: max(len(c), *(len(r[c]) for r in rows)) for c in short[:-1]}
    lines = ["  ".join(c.ljust(width.get(c, 0)) for c in short).rstrip()]
    lines += ["  ".join(r[c].ljust(width.get(c, 0)) for c in short).rstrip() for r in rows]
    return "\n".join(lines) + "\n"


def explain(name: str) -> str:
    """Everything the registry knows about one parameter, in full (no truncation)."""
    from sim.core.params import REGIME_LABELS, suggest

    if name not in PARAMS:
        raise UsageError(f"unknown parameter '{name}'{suggest(name)}; "
                         "see 'workforce-sim params' for the list")
    p = PARAMS[name]
    unit = f" {p.unit}" if p.unit else ""
    kind = {"int": "whole number", "float": "number", "bool": "true or false"}.get(
        p.kind, p.kind)
    lines = [
        f"{p.name}: {p.description}",
        f"  default:    {format_value(p.default)}{unit}",
        f"  unit:       {p.unit or '(none)'}",
        f"  allowed:    {p.range_text}{unit}",
        f"  type:       {kind}",
        f"  group:      {p.group}",
    ]
    per = ", ".join(f"{r} ({REGIME_LABELS.get(r, r)}) = {format_value(v.get(name, p.default))}"
                    for r, v in REGIMES.items())
    if name in REGIME_PARAMS:
        lines.append(f"  by regime:  {per}")
        lines.append("  set it in:  a scenario's [regimes.NAME] table (a training "
                     "parameter defines a regime)")
    else:
        lines.append(f"  by regime:  {per} (the same under every regime)")
        lines.append("  set it in:  a scenario's [parameters] table, or "
                     f"WorkforceModel(..., {p.name}=...)")
    if any(name in preset for preset in SETTINGS.values()):
        per_setting = ", ".join(f"{k} = {format_value(v.get(name, p.default))}"
                                for k, v in SETTINGS.items())
        lines.append(f"  by setting: {per_setting}")
        for k in SETTINGS:
            note = _setting_note(name, k)
            if note:
                lines.append(f"  in {k}: {note}")
    lines.append(f"  source:     {p.source}")
    lines.append("  calibrated: " + (
        "yes (a free parameter tuned so the status quo matches public evidence; see "
        "docs/ODD.md)" if p.calibrated else "no"))
    return "\n".join(lines) + "\n"


# -- compare / run -----------------------------------------------------------------------
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
    if args.seed is not None:
        changes["seed"] = args.seed
    if getattr(args, "setting", None) is not None:
        changes["setting"] = args.setting
    s = replace(s, **changes) if changes else s
    check_scenario_scale(s, args.jobs, getattr(args, "allow_large", False),
                         f"{args.command}")
    return s


def _check_out(out: Path) -> None:
    """Refuse an --out that is not ours or cannot be written, before anything runs."""
    from sim.experiments.outdir import check_out

    check_out(out, "--out")


def run_and_report(s: Scenario, args: argparse.Namespace, out: Path) -> int:
    import textwrap

    from sim.analysis.findings import findings
    from sim.analysis.summary import summarise, summary_table
    from sim.experiments.runner import run_scenario, write_outputs

    _check_out(out)
    progress = False if args.no_progress else None
    results = run_scenario(s, jobs=args.jobs, progress=progress)
    written = write_outputs(results, out, fmt=args.format, classroom=args.classroom)
    table = summary_table(summarise(results.runs, regimes=list(s.regimes)), s.regime_labels)
    print(f"{s.name} [{SETTING_LABELS[s.setting]}]: {len(s.regimes)} regime(s) x "
          f"{s.replications} replications, "
          f"{s.horizon_weeks} weeks after warm-up, seed {s.seed} "
          f"({results.meta['elapsed_seconds']:.1f} s)")
    print("Final year, mean (95 % CI over replications):")
    print(table.to_string())
    print("\nKey findings (final year; 'about the same' = 95 % CIs overlap):")
    for f in findings(results.runs, results.survival, results.meta, list(s.regimes)):
        print(textwrap.fill(f"{f.topic}. {f.text}", width=100, initial_indent="- ",
                            subsequent_indent="  "))
    print(f"\nWrote {len(written)} files to {out}/ (report.html, report.md, charts, "
          "timeseries.csv, runs.csv, survival.csv, summary.csv, columns.csv, manifest.json)")
    return 0


def _params(args: argparse.Namespace) -> int:
    if args.explain:
        sys.stdout.write(explain(args.explain))
    else:
        sys.stdout.write(format_params(params_rows(args.regime, args.setting), args.format))
    return 0


def _compare(args: argparse.Namespace) -> int:
    return run_and_report(_apply_overrides(default_compare_scenario(), args), args, args.out)


def _run(args: argparse.Namespace) -> int:
    s = _apply_overrides(load_scenario(args.scenario), args)
    return run_and_report(s, args, args.out or Path("output") / args.scenario.stem)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from sim.experiments.processes import handle_signals, interrupt_status, interruption

    with handle_signals():  # SIGTERM is handled like Ctrl-C
        try:
            return int(args.func(args))
        except USER_ERRORS as exc:
            print(f"workforce-sim: error: {exc}", file=sys.stderr)
            return EXIT_USAGE
        except KeyboardInterrupt:
            print(f"workforce-sim: {interruption()}; nothing was written", file=sys.stderr)
            return interrupt_status()  # 130 for Ctrl-C, 143 for SIGTERM


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())


__all__ = ["UsageError", "build_parser", "explain", "format_params", "main", "params_rows"]
