"""The output folder of ``run`` and ``compare``: the report, charts, tidy data, column
dictionary and manifest of a scenario's results (:class:`sim.experiments.runner.Results`).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from sim.experiments.columns import write_columns
from sim.experiments.outdir import atomic_dir
from sim.experiments.runner import Results, provenance
from sim.report.report import write_report

if TYPE_CHECKING:
    from sim.experiments.attribution import Explanation
    from sim.experiments.ensemble import EnsembleRuns

__all__ = ["write_outputs"]


def write_outputs(
    results: Results,
    out: Path,
    fmt: str = "png",
    classroom: bool = False,
    command: list[str] | None = None,
    explanation: Explanation | None = None,
    ensemble: EnsembleRuns | None = None,
) -> dict[str, Path]:
    """Write report, charts, tidy data, column dictionary and manifest into ``out``.

    ``explanation`` (``compare --explain``): the attribution of the regimes' effects
    (:func:`sim.experiments.attribution.explain`), written as ``attribution.csv``,
    ``counterfactual.csv`` and the chart ``attribution.<fmt>``
    (:mod:`sim.report.explain`), a section of the reports, and ``"explain"`` in the
    manifest. Without it the folder is exactly what it was before the option existed.
    ``ensemble`` (``compare --ensemble``): the runs across the installed ensemble, written
    as ``ensemble_*.csv`` (:mod:`sim.report.ensemble`), columns of ``summary.csv``, a
    section of the reports and ``"ensemble"`` in the manifest.

    Everything is written into a temporary sibling directory first, then put in place
    in one step (:func:`sim.experiments.outdir.atomic_dir`), so an interrupted or failed write never
    leaves ``out`` half-written, and a previous output in ``out`` is only replaced once
    the new one is complete. A folder that is not an output of this program is refused
    (:class:`~sim.core.errors.UsageError`), never replaced.
    """
    out = Path(out)
    with atomic_dir(out) as tmp:
        r = results
        r.timeseries.to_csv(tmp / "timeseries.csv", index=False)
        r.runs.to_csv(tmp / "runs.csv", index=False)
        r.survival.to_csv(tmp / "survival.csv", index=False)
        if explanation is not None:
            from sim.report.explain import write_tables

            write_tables(explanation, tmp)
        if ensemble is not None:
            from sim.report.ensemble import write_tables as write_ensemble

            write_ensemble(r.runs, ensemble, list(r.meta["regimes"]), tmp)
        write_report(
            tmp,
            timeseries=r.timeseries,
            runs=r.runs,
            survival=r.survival,
            client_distinct=r.client_distinct,
            meta=r.meta,
            fmt=fmt,
            classroom=classroom,
            explanation=explanation,
            ensemble=ensemble,
        )
        manifest = {
            "tool": "workforce-sim",
            "kind": "run",
            "command": command or sys.argv,
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "scenario": {
                k: r.meta[k]
                for k in (
                    "title",
                    "description",
                    "regimes",
                    "regime_labels",
                    "replications",
                    "horizon_weeks",
                    "source",
                )
            }
            | {"setting": r.meta.get("setting", "dsp")},
            "root_seed": r.meta["seed"],
            "seeding": "numpy.random.SeedSequence(root_seed).spawn(replications); "
            "replicate r uses child r under every regime",
            "runs": [
                {
                    "run_id": int(row.run_id),
                    "regime": row.regime,
                    "replicate": int(row.replicate),
                    "seed": int(row.seed),
                    "spawn_key": r.meta["spawn_keys"][int(row.run_id)],
                    "wall_seconds": round(float(row.wall_seconds), 4),
                }
                for row in r.runs.itertuples()
            ],
            "parameters": r.meta["params"],
            **provenance(),
            "timings": {
                "elapsed_seconds": round(r.meta["elapsed_seconds"], 3),
                "jobs": r.meta["jobs"],
                "run_seconds_total": round(float(r.runs.wall_seconds.sum()), 3),
            },
        }
        if explanation is not None:
            from sim.report.explain import manifest_entry

            manifest["explain"] = manifest_entry(explanation.meta)
            manifest["timings"]["explain_elapsed_seconds"] = round(
                float(explanation.meta["elapsed_seconds"]), 3
            )
        if ensemble is not None:
            manifest["ensemble"] = {
                "members": len(ensemble.members),
                "replications": ensemble.replications,
                "baseline": ensemble.baseline,
                "seeding": "replicate r uses child r of SeedSequence(root_seed) for every "
                "member and regime",
                "record": ensemble.record,
                "elapsed_seconds": round(ensemble.elapsed_seconds, 3),
            }
        write_columns(tmp)
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str))
    return {p.name: p for p in sorted(out.iterdir())}
