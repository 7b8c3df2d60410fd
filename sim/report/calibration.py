"""The files and chart of ``calibrate`` and ``validate``: the fit as a display table
(:func:`fit_text`), the calibration record to paste into ``CALIBRATION``
(:func:`record_text`), the forest plot of a validation (:func:`plot_validation`) and the
output folders (:func:`write_calibration`, :func:`write_validation`). The numbers are
:mod:`sim.experiments.calibration`'s.
"""

from __future__ import annotations

import json
import sys
import textwrap
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.core import params as registry
from sim.experiments.calibration import SEARCH, CalibrationResult, ValidationResult
from sim.experiments.columns import write_columns
from sim.experiments.outdir import atomic_dir
from sim.experiments.runner import provenance
from sim.report.charts import REGIME_COLORS, style_rc

__all__ = [
    "fit_text",
    "plot_validation",
    "record_text",
    "write_calibration",
    "write_validation",
]


def _pct(x: float) -> str:
    return "–" if x is None or not np.isfinite(x) else f"{100 * x:.1f} %"


def _range(lo: float, hi: float) -> str:
    return f"{100 * lo:g}–{100 * hi:g} %"


def fit_text(table: pd.DataFrame) -> pd.DataFrame:
    """A display table: target, range, simulated mean (95 % CI), inside or outside."""
    return pd.DataFrame(
        {
            "target": table["target"],
            "measure": table["metric"],
            "target range": [
                _range(lo, hi) for lo, hi in zip(table["low"], table["high"], strict=True)
            ],
            "simulated mean (95 % CI)": [
                f"{_pct(m)} ({_pct(lo)[:-2]}–{_pct(hi)})"
                for m, lo, hi in zip(table["mean"], table["ci_low"], table["ci_high"], strict=True)
            ],
            "": np.where(table["inside"], "inside", "OUTSIDE"),
        }
    )


def _markdown(df: pd.DataFrame) -> str:
    from sim.analysis.mdtable import markdown_table

    return markdown_table(
        [c or "result" for c in df.columns], df.itertuples(index=False, name=None), pad=False
    )


def _literal(x: Any, indent: int) -> str:
    pad = " " * indent
    if isinstance(x, dict):
        if not x:
            return "{}"
        inner = "".join(f'{pad}    "{k}": {_literal(v, indent + 4)},\n' for k, v in x.items())
        return "{\n" + inner + pad + "}"
    if isinstance(x, str):
        return json.dumps(x)
    if isinstance(x, float):
        return repr(x)
    return repr(x)


def record_text(setting: str, record: Mapping[str, Any]) -> str:
    """The record as the Python entry to paste into ``CALIBRATION`` in sim/core/params.py."""
    return f'    "{setting}": {_literal(dict(record), 4)},\n'


def _manifest(kind: str, command: list[str] | None, **facts: Any) -> dict[str, Any]:
    """The ``manifest.json`` of a calibrate or validate output (marks the folder as ours)."""
    return {
        "tool": "workforce-sim",
        "kind": kind,
        "command": command or sys.argv,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        **facts,
        **provenance(),
    }


def _finish(tmp: Path, manifest: dict[str, Any]) -> None:
    """Write the column dictionary, then the manifest (last: it marks the output done)."""
    write_columns(tmp)
    (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str))


def write_calibration(
    result: CalibrationResult, out: Path, command: list[str] | None = None
) -> dict[str, Path]:
    """Write ``best.toml``, ``fit.csv``, ``history.csv``, ``calibration.json``,
    ``adopt.txt``, ``columns.csv`` and ``manifest.json`` into ``out`` (atomically; see
    :func:`sim.experiments.outdir.atomic_dir`)."""
    r = result
    with atomic_dir(out) as tmp:
        r.history.to_csv(tmp / "history.csv", index=False)
        r.fit.to_csv(tmp / "fit.csv", index=False)
        lines = [
            f"# {r.record['command']}  ({r.record['date']}, score {r.record['score']})",
            "# The adopted values as a scenario: put this [scenario] key and [parameters]",
            "# table in a scenario file to run them without changing the package.",
            "[scenario]",
            f'setting = "{r.setting}"',
            "",
            "[parameters]",
        ]
        lines += [f"{k} = {v!r}" for k, v in r.values.items()]
        (tmp / "best.toml").write_text("\n".join(lines) + "\n")
        meta = {
            "setting": r.setting,
            "record": r.record,
            "elapsed_seconds": r.elapsed_seconds,
            **r.meta,
            "search": [vars(d) for d in SEARCH[r.setting]],
            "targets": r.fit.drop(columns=["formula", "source"]).to_dict("records"),
        }
        (tmp / "calibration.json").write_text(json.dumps(meta, indent=2, default=str))
        (tmp / "adopt.txt").write_text(
            f'# Replace the "{r.setting}" entry of CALIBRATION in sim/core/params.py with:\n'
            + record_text(r.setting, r.record)
        )
        _finish(
            tmp,
            _manifest(
                "calibrate",
                command,
                setting=r.setting,
                seed=r.seed,
                budget=r.budget,
                replications=r.replications,
                horizon_weeks=r.horizon_weeks,
                timings={
                    "elapsed_seconds": round(r.elapsed_seconds, 3),
                    "jobs": r.meta.get("jobs"),
                },
            ),
        )
    return {p.name: p for p in sorted(Path(out).iterdir())}


def plot_validation(result: ValidationResult, classroom: bool = False):
    """A forest plot of the validation: target ranges, runs, mean and 95 % CI.

    Returns a :class:`matplotlib.figure.Figure` (Agg canvas, no pyplot state).
    """
    import matplotlib as mpl
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    from matplotlib.ticker import PercentFormatter

    t = result.table
    color = REGIME_COLORS.get(result.regime, "#000000")
    n_t = len(t)
    with mpl.rc_context(style_rc(classroom)):
        w, _ = mpl.rcParams["figure.figsize"]
        fig = Figure(figsize=(w, max(2.6, 0.75 * n_t + 1.9)))
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        rng = np.random.default_rng(0)
        for i, row in enumerate(t.itertuples()):
            y = n_t - 1 - i
            ax.barh(y, row.high - row.low, left=row.low, height=0.6, color="#d9d9d9", zorder=1)
            if row.value is not None and np.isfinite(row.value):
                ax.plot([row.value] * 2, [y - 0.3, y + 0.3], color="#555555", lw=1.2, zorder=2)
            runs = result.runs[row.metric].to_numpy(dtype=float)
            ax.scatter(
                runs,
                y + rng.uniform(-0.18, 0.18, runs.size),
                s=9,
                color=color,
                alpha=0.3,
                lw=0,
                zorder=3,
            )
            ax.errorbar(
                row.mean,
                y,
                xerr=[[row.mean - row.ci_low], [row.ci_high - row.mean]],
                fmt="o",
                color=color,
                mfc=color if row.inside else "white",
                mew=1.8,
                capsize=4,
                zorder=4,
            )
            ax.annotate(
                "inside" if row.inside else "OUTSIDE",
                (1.0, y),
                xycoords=("axes fraction", "data"),
                xytext=(6, 0),
                textcoords="offset points",
                va="center",
                color="#333333" if row.inside else color,
                fontweight="bold",
            )
        vals = np.concatenate(
            [
                t[["low", "high", "ci_low", "ci_high"]].to_numpy(float).ravel(),
                result.runs[list(t["metric"])].to_numpy(float).ravel(),
            ]
        )
        lo, hi = np.nanmin(vals), np.nanmax(vals)
        pad = 0.04 * (hi - lo)
        ax.set_xlim(max(0.0, lo - pad), hi + pad)
        ax.set_yticks(range(n_t), list(t["target"])[::-1])
        ax.set_ylim(-0.7, n_t - 0.3)
        ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax.set_xlabel("Final-year value (% of workers, posts or leavers)")
        ax.grid(axis="y", visible=False)
        k = int(t["inside"].sum())
        label = registry.SETTING_LABELS[result.setting]
        regime = registry.REGIME_LABELS.get(result.regime, result.regime)
        if k == n_t:
            every = "both" if n_t == 2 else "the" if n_t == 1 else f"all {n_t}"
            title = (
                f"{label}, {regime} status quo: {every} published pattern"
                f"{'' if n_t == 1 else 's'} reproduced"
            )
        else:
            off = ", ".join(t.loc[~t["inside"], "target"].str.lower())
            title = (
                f"{label}, {regime} status quo: {k} of {n_t} published patterns "
                f"reproduced ({off} outside)"
            )
        ax.set_title(textwrap.fill(title, 64), loc="left")
        fig.legend(
            handles=[
                Patch(color="#d9d9d9", label="published range"),
                Line2D([], [], color="#555555", lw=1.2, label="published value"),
                Line2D([], [], marker="o", color=color, ls="", label="simulated mean, 95 % CI"),
                Line2D([], [], marker="o", color=color, alpha=0.3, ls="", ms=4, label="one run"),
            ],
            loc="lower center",
            bbox_to_anchor=(0.5, 0.045),
            ncol=4,
            frameon=False,
        )
        fig.text(
            0.01,
            0.01,
            f"{result.replications} replications, final year of "
            f"{result.horizon_weeks} weeks after warm-up, seed {result.seed}",
            fontsize=mpl.rcParams["font.size"] - 2,
            color="#555555",
        )
        fig.tight_layout(rect=(0, 0.11, 0.9, 1))
    return fig


def write_validation(
    result: ValidationResult,
    out: Path,
    fmt: str = "png",
    classroom: bool = False,
    command: list[str] | None = None,
) -> dict[str, Path]:
    """Write ``validation.csv``, ``validation.md``, ``runs.csv``, the chart,
    ``columns.csv`` and ``manifest.json`` into ``out`` (atomically; see
    :func:`sim.experiments.outdir.atomic_dir`)."""
    r = result
    with atomic_dir(out) as tmp:
        r.table.to_csv(tmp / "validation.csv", index=False)
        r.runs.to_csv(tmp / "runs.csv", index=False)
        label = registry.SETTING_LABELS[r.setting]
        md = [
            f"# Validation: {label}, {registry.REGIME_LABELS.get(r.regime, r.regime)}",
            "",
            f"{r.replications} replications (root seed {r.seed}); each run's final-year "
            f"value after {r.horizon_weeks} reported weeks. A target is met when the "
            "simulated mean lies within its range.",
            "",
            _markdown(fit_text(r.table)),
            "## Formulas and sources",
            "",
        ]
        md += [
            f"* **{row.target}** (`{row.metric}`): {row.formula}. Source: {row.source}."
            for row in r.table.itertuples()
        ]
        (tmp / "validation.md").write_text("\n".join(md) + "\n")
        fig = plot_validation(r, classroom)
        fig.savefig(tmp / f"validation.{fmt}", format=fmt, dpi=150, facecolor="white")
        _finish(
            tmp,
            _manifest(
                "validate",
                command,
                setting=r.setting,
                regime=r.regime,
                replications=r.replications,
                root_seed=r.seed,
                horizon_weeks=r.horizon_weeks,
                timings={"elapsed_seconds": round(r.elapsed_seconds, 3)},
            ),
        )
    return {p.name: p for p in sorted(Path(out).iterdir())}
