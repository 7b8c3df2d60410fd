"""Generate ``docs/parameters.md`` from the parameter registry (:mod:`sim.core.params`).

Regenerate after any change to the registry::

    python -m sim.report.paramdocs            # writes docs/parameters.md
    python -m sim.report.paramdocs --check    # exit 1 if docs/parameters.md is out of date
    python -m sim.report.paramdocs --out -    # print to standard output

The page has a short guide on how to read it, one section per parameter group (a table
of name, default, unit, allowed range, description and source, calibrated parameters
flagged), the regime presets, the setting presets and the calibration record. It is a
pure function of the registry (:func:`render`), so ``tests/test_paramdocs.py`` can
regenerate it in memory and fail when the committed file is stale.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sim.analysis.mdtable import markdown_table
from sim.core import params as registry
from sim.core.params import format_value

__all__ = ["DEFAULT_PATH", "GROUP_TITLES", "REGENERATE", "main", "render", "write"]

#: The one-liner that regenerates the page (quoted in its header).
REGENERATE = "python -m sim.report.paramdocs"

#: Where the page lives in a source checkout.
DEFAULT_PATH = Path(__file__).resolve().parents[2] / "docs" / "parameters.md"

#: Section title and a sentence of introduction per parameter group.
GROUP_TITLES: dict[str, tuple[str, str]] = {
    "agency": ("Agency", "The size of the agency, its caseloads, working hours and float pool."),
    "clients": (
        "Clients",
        "How much support people need, how crises and admissions come and go, and "
        "how wellbeing responds to care, changes of worker and unmet need.",
    ),
    "training": (
        "Training (regime parameters)",
        "What a regime gives new hires. These parameters define a regime: the "
        "default is the JIT-only value, and the presets below set them for each "
        "regime. In a scenario they go in a `[regimes.NAME]` table, not in "
        "`[parameters]`.",
    ),
    "learning": (
        "Learning",
        "How training, practice, modules and mentoring raise competence, gap "
        "awareness and self-care (mechanism assumptions, the same in every "
        "regime).",
    ),
    "burnout": (
        "Burnout",
        "Job demands against resources: how strain raises exhaustion and what buffers it.",
    ),
    "separation": (
        "Separation",
        "Why workers leave: the weekly quit hazard, the early 'reality shock', "
        "and dismissal after incidents.",
    ),
    "hiring": ("Hiring", "How fast open posts are filled and how often staff are absent."),
    "cover": ("Cover", "Who covers a client whose worker is absent or whose post is vacant."),
    "pay": (
        "Pay",
        "What workers are paid against the local market: pay above the market lowers the "
        "quit hazard (with the elasticity in Separation) and raises the wage bill.",
    ),
    "costs": ("Costs", "Prices used to cost staffing, cover, turnover and training (USD)."),
    "inservice": (
        "In-service programme",
        "Training, supervision and module access for everyone employed, from a given "
        "reported week (a regime reaches only new hires). Off by default.",
    ),
    "shocks": (
        "Shocks",
        "A scheduled shock such as a pandemic: when it starts, how long it lasts and "
        "what it does. Off by default.",
    ),
    "simulation": ("Simulation", "Warm-up, model structure and memory controls."),
}


# ---------------------------------------------------------------------------
# text helpers
# ---------------------------------------------------------------------------


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    return [*markdown_table(header, rows, pad=False).splitlines(), ""]


def _slug(title: str) -> str:
    """GitHub's anchor for a heading."""
    s = re.sub(r"[^\w\- ]", "", title.strip().lower())
    return s.replace(" ", "-")


def _groups() -> list[str]:
    return list(dict.fromkeys(p.group for p in registry.PARAMS.values()))


def _title(group: str) -> str:
    return GROUP_TITLES.get(group, (group.replace("_", " ").capitalize(), ""))[0]


# ---------------------------------------------------------------------------
# sections
# ---------------------------------------------------------------------------


def _header() -> list[str]:
    return [
        "# Model parameters",
        "",
        "<!-- Generated from the parameter registry (sim/core/params.py) by "
        f"`{REGENERATE}`. Do not edit by hand. -->",
        "",
        "> **This page is generated** from the parameter registry in `sim/core/params.py`, the "
        "single source of truth for every parameter. Do not edit it by hand: change the "
        f"registry, then regenerate the page with `{REGENERATE}`. The test suite fails "
        "when the page is out of date.",
        "",
    ]


def _how_to_read() -> list[str]:
    n = len(registry.PARAMS)
    calibrated = sum(p.calibrated for p in registry.PARAMS.values())
    return [
        "## How to read this page",
        "",
        f"The model has {n} parameters in {len(_groups())} groups. Each table gives:",
        "",
        "- **Name**: as written in a scenario file, as a keyword of "
        "`WorkforceModel(...)`, and in `workforce-sim params --explain NAME` (which shows "
        "one parameter in full).",
        "- **Label**: the short name the dashboard's controls and the charts' axes use.",
        "- **Default**: the value under the status quo, the JIT-only regime in the "
        "default setting. A scenario changes it in its `[parameters]` table; training "
        "parameters are set per regime instead (see [Regime presets](#regime-presets)).",
        "- **Unit**: `per week` is a weekly rate or chance; `x need`, `x hazard` and "
        "`x wage` are multipliers; `0-1` is an index from 0 to 1; `share` is a fraction "
        "(0.12 = 12 %); money is in US dollars.",
        "- **Allowed range**: inclusive. A value outside it, or a misspelt name, is "
        "rejected with a clear message before anything runs.",
        "- **Description** and **Source**: what the parameter does, and where its default "
        'comes from. "Modelling assumption" means no data set it: it is explored in '
        "sensitivity analysis (docs/ODD.md).",
        f"- **calibrated** (in the Source column, {calibrated} parameters): a free "
        "parameter set so the status quo reproduces public evidence on turnover, tenure, "
        "vacancies and burnout (see [Calibrated parameters](#calibrated-parameters)).",
        "",
    ]


def _contents() -> list[str]:
    lines = ["## Contents", ""]
    for g in _groups():
        count = sum(p.group == g for p in registry.PARAMS.values())
        lines.append(f"- [{_title(g)}](#{_slug(_title(g))}) ({count})")
    lines += ["- [Regime presets](#regime-presets)"]
    if getattr(registry, "SETTINGS", None):
        lines += ["- [Setting presets](#setting-presets)"]
    lines += ["- [Calibrated parameters](#calibrated-parameters)", ""]
    return lines


def _group_section(group: str) -> list[str]:
    title = _title(group)
    intro = GROUP_TITLES.get(group, ("", ""))[1]
    lines = [f"## {title}", ""]
    if intro:
        lines += [intro, ""]
    rows = []
    for p in registry.PARAMS.values():
        if p.group != group:
            continue
        source = p.source + (" **(calibrated)**" if p.calibrated else "")
        rows.append(
            [
                f"`{p.name}`",
                p.label,
                format_value(p.default),
                p.unit or "–",
                p.range_text,
                p.description,
                source,
            ]
        )
    return lines + _table(
        ["Name", "Label", "Default", "Unit", "Allowed range", "Description", "Source"], rows
    )


def _regimes() -> list[str]:
    labels = getattr(registry, "REGIME_LABELS", {})
    regimes = list(registry.REGIMES)
    header = ["Parameter", "Unit"] + [f"{labels.get(r, r)} (`{r}`)" for r in regimes]
    header.append("Description")
    rows = []
    for name in registry.REGIME_PARAMS:
        p = registry.PARAMS[name]
        rows.append(
            [
                f"`{name}`",
                p.unit or "–",
                *[format_value(registry.REGIMES[r].get(name, p.default)) for r in regimes],
                p.description,
            ]
        )
    return [
        "## Regime presets",
        "",
        "A regime is a named set of values of the training parameters; nothing else "
        "differs between regimes. A scenario can define its own regime in a "
        '`[regimes.NAME]` table that starts from one of these (`base = "hybrid"`) and '
        "changes some values (see `scenarios/custom_regime_example.toml`).",
        "",
        *_table(header, rows),
    ]


def _settings() -> list[str]:
    settings = getattr(registry, "SETTINGS", None)
    if not settings:
        return []
    labels = getattr(registry, "SETTING_LABELS", {})
    assumptions = getattr(registry, "SETTING_ASSUMPTIONS", {})
    calibration = getattr(registry, "CALIBRATION", {})
    names = list(settings)
    default = next((s for s in names if not settings[s]), names[0])
    others = [s for s in names if settings[s] and s != default]
    changed = list(dict.fromkeys(n for s in others for n in settings[s]))
    header = (
        ["Parameter", "Unit", f"Default (`{default}`)"]
        + [f"{labels.get(s, s)} (`{s}`)" for s in others]
        + ["Why"]
    )
    rows = []
    for name in changed:
        p = registry.PARAMS[name]
        why = []
        for s in others:
            if name in assumptions.get(s, {}):
                why.append(assumptions[s][name][1])
            elif name in calibration.get(s, {}).get("values", {}):
                why.append(f"Calibrated for {labels.get(s, s)}.")
        rows.append(
            [
                f"`{name}`",
                p.unit or "–",
                format_value(p.default),
                *[format_value(settings[s].get(name, p.default)) for s in others],
                " ".join(why),
            ]
        )
    lines = [
        "## Setting presets",
        "",
        "A setting is the kind of service an agency provides, as a preset over "
        "non-training parameters. The defaults above are the "
        f"{labels.get(default, default)} (`{default}`) setting; the table lists every "
        "parameter another setting changes. Parameters resolve as: registry default, then "
        "the setting, then the regime, then a scenario's own values.",
        "",
    ]
    if rows:
        lines += _table(header, rows)
    return lines


def _calibrated() -> list[str]:
    cal = [p for p in registry.PARAMS.values() if p.calibrated]
    lines = [
        "## Calibrated parameters",
        "",
        "These free parameters are not given directly by any data. They were set so that "
        "the status quo reproduces the published patterns listed in docs/ODD.md; "
        "everything else is an input or an assumption.",
        "",
    ]
    lines += _table(
        ["Name", "Default", "Unit", "Group", "Description"],
        [
            [f"`{p.name}`", format_value(p.default), p.unit or "–", p.group, p.description]
            for p in cal
        ],
    )
    record = getattr(registry, "CALIBRATION", {})
    labels = getattr(registry, "SETTING_LABELS", {})
    if record:
        lines += ["Calibration record (`CALIBRATION` in `sim/core/params.py`):", ""]
        for name, rec in record.items():
            values = ", ".join(
                f"`{k}` = {format_value(v)}" for k, v in (rec.get("values") or {}).items()
            )
            how = f", by `{rec['command']}`" if rec.get("command") else ""
            when = f" on {rec['date']}" if rec.get("date") else ""
            lines.append(f"- {labels.get(name, name)} (`{name}`){when}{how}: {values}.")
        lines.append("")
    return lines


# ---------------------------------------------------------------------------
# entry points
# ---------------------------------------------------------------------------


def render() -> str:
    """The whole page as Markdown (a pure function of the registry)."""
    lines = _header() + _how_to_read() + _contents()
    for g in _groups():
        lines += _group_section(g)
    lines += _regimes() + _settings() + _calibrated()
    while lines and lines[-1] == "":
        lines.pop()
    return "\n".join(lines) + "\n"


def write(path: str | Path = DEFAULT_PATH) -> Path:
    """Write the page to ``path`` (default ``docs/parameters.md``), atomically; return
    the path."""
    from sim.experiments.store import atomic_write

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = render()
    return atomic_write(path, lambda t: t.write_text(text, encoding="utf-8"))


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m sim.report.paramdocs",
        description="Generate docs/parameters.md from the parameter registry.",
    )
    ap.add_argument(
        "--out",
        default=str(DEFAULT_PATH),
        help=f"output file, '-' for standard output (default {DEFAULT_PATH})",
    )
    ap.add_argument(
        "--check",
        action="store_true",
        help="do not write; exit 1 if the file differs from the registry",
    )
    args = ap.parse_args(argv)
    text = render()
    if args.out == "-":
        sys.stdout.write(text)
        return 0
    path = Path(args.out)
    if args.check:
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current != text:
            print(f"{path} is out of date; run: {REGENERATE}", file=sys.stderr)
            return 1
        print(f"{path} is up to date")
        return 0
    write(path)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
