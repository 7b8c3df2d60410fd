"""``workforce-sim params``: the model parameters, as a table, Markdown or CSV, or
everything about one of them (``--explain NAME``)."""

from __future__ import annotations

import argparse
import csv
import io
import sys

from sim.core.errors import UsageError
from sim.core.params import (
    CALIBRATION,
    PARAMS,
    REGIME_PARAMS,
    REGIMES,
    SETTING_ASSUMPTIONS,
    SETTINGS,
    format_value,
    resolve,
)

__all__ = ["explain", "format_params", "params_rows", "register"]


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("params", help="list the model parameters")
    p.add_argument(
        "--regime", choices=sorted(REGIMES), default=None, help="show the values under this regime"
    )
    p.add_argument(
        "--setting",
        choices=list(SETTINGS),
        default=None,
        help="show the values in this setting (default dsp, the registry defaults)",
    )
    p.add_argument("--format", choices=("table", "markdown", "csv"), default="table")
    p.add_argument("--explain", metavar="NAME", default=None, help="everything about one parameter")
    p.set_defaults(func=_params)


def params_rows(regime: str | None, setting: str | None = None) -> list[dict[str, str]]:
    values = resolve(regime or "jit", setting=setting or "dsp")
    rows = []
    for name, p in PARAMS.items():
        rows.append(
            {
                "name": name,
                "value": format_value(values[name]),
                "unit": p.unit,
                "range": p.range_text,
                "group": p.group + (" (regime)" if name in REGIME_PARAMS else ""),
                "description": p.description,
                "source": _source(name, setting or "dsp"),
            }
        )
    return rows


def _setting_note(name: str, setting: str) -> str | None:
    """Why ``setting``'s preset sets parameter ``name`` (None if it does not)."""
    assumed = SETTING_ASSUMPTIONS[setting].get(name)
    if assumed is not None:
        return assumed[1]
    if setting != "dsp" and name in CALIBRATION[setting]["values"]:
        rec = CALIBRATION[setting]
        return (
            f"calibrated to the {setting} targets ({rec['date']}: `{rec['command']}`) [calibrated]"
        )
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
        raise UsageError(
            f"unknown parameter '{name}'{suggest(name)}; see 'workforce-sim params' for the list"
        )
    p = PARAMS[name]
    unit = f" {p.unit}" if p.unit else ""
    kind = {"int": "whole number", "float": "number", "bool": "true or false"}.get(p.kind, p.kind)
    lines = [
        f"{p.name}: {p.description}",
        f"  default:    {format_value(p.default)}{unit}",
        f"  unit:       {p.unit or '(none)'}",
        f"  allowed:    {p.range_text}{unit}",
        f"  type:       {kind}",
        f"  group:      {p.group}",
    ]
    per = ", ".join(
        f"{r} ({REGIME_LABELS.get(r, r)}) = {format_value(v.get(name, p.default))}"
        for r, v in REGIMES.items()
    )
    if name in REGIME_PARAMS:
        lines.append(f"  by regime:  {per}")
        lines.append(
            "  set it in:  a scenario's [regimes.NAME] table (a training "
            "parameter defines a regime)"
        )
    else:
        lines.append(f"  by regime:  {per} (the same under every regime)")
        lines.append(
            f"  set it in:  a scenario's [parameters] table, or WorkforceModel(..., {p.name}=...)"
        )
    if any(name in preset for preset in SETTINGS.values()):
        per_setting = ", ".join(
            f"{k} = {format_value(v.get(name, p.default))}" for k, v in SETTINGS.items()
        )
        lines.append(f"  by setting: {per_setting}")
        for k in SETTINGS:
            note = _setting_note(name, k)
            if note:
                lines.append(f"  in {k}: {note}")
    lines.append(f"  source:     {p.source}")
    lines.append(
        "  calibrated: "
        + (
            "yes (a free parameter tuned so the status quo matches public evidence; see "
            "docs/ODD.md)"
            if p.calibrated
            else "no"
        )
    )
    return "\n".join(lines) + "\n"


def _params(args: argparse.Namespace) -> int:
    if args.explain:
        sys.stdout.write(explain(args.explain))
    else:
        sys.stdout.write(format_params(params_rows(args.regime, args.setting), args.format))
    return 0
