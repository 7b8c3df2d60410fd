"""The column dictionary of an output folder: ``columns.csv``.

Every output folder (``run``/``compare``, ``validate``, ``calibrate``, ``sweep``,
``sensitivity``) holds ``columns.csv``: one row per column of every table in the folder
(the CSV and Parquet files at its top level and the chunk tables ``runs/``,
``summary/``, ``timeseries/`` of a sweep), with

* ``table``: the file (``timeseries.csv``) or chunk folder (``runs/``) it belongs to;
* ``name``, ``label``, ``unit``;
* ``kind``: ``id`` (identifies a run, point or row), ``parameter`` (a model parameter's
  value, e.g. a sweep factor), ``weekly`` (a measure's value in one week),
  ``final-year`` (a run's value of a measure over its final 52 weeks, formed as the
  measure's ``final`` rule says: its last week, mean or sum) or ``other``;
* ``description``.

The measures come from :data:`sim.core.outputs.METRICS`, parameters from
:data:`sim.core.params.PARAMS`; the other columns are declared here. :func:`write_columns`
reads the column names from the files themselves, so the dictionary lists exactly what
is there; a column that nothing here describes gets an empty description (the tests
fail on it, so a new column must be described here).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from pathlib import Path

__all__ = ["COLUMNS_FILE", "FIELDS", "describe", "table_columns", "undescribed", "write_columns"]

COLUMNS_FILE = "columns.csv"
FIELDS = ("table", "name", "label", "unit", "kind", "description")

_PART = re.compile(r"^part-\d+\.(parquet|csv)$")

_FINAL = {
    "last": "its value in the run's last week, which already covers the last 52 weeks",
    "mean": "the mean of its weekly values over the run's last 52 weeks",
    "sum": "the sum of its weekly values over the run's last 52 weeks",
}

# (label, unit, kind, description) of columns with one meaning in every table
_COMMON: dict[str, tuple[str, str, str, str]] = {
    "run_id": ("Run", "", "id", "Number of the run within this output (0, 1, ...)."),
    "regime": (
        "Training regime",
        "",
        "id",
        "Regime of the run: jit = JIT-only, foundation = foundation-first, hybrid = "
        "hybrid, or a regime defined in the scenario.",
    ),
    "replicate": (
        "Replicate",
        "",
        "id",
        "Replicate number; replicate r uses the same random numbers under every "
        "regime (common random numbers).",
    ),
    "seed": (
        "Seed",
        "",
        "id",
        "Integer seed of the run: WorkforceModel(regime, rng=seed, ...) reproduces it.",
    ),
    "week": ("Week", "weeks", "id", "Reported week after the warm-up (0 = the first)."),
    "point": ("Point", "", "id", "Number of the sweep point (one combination of factor values)."),
    "design_point": (
        "Design point",
        "",
        "id",
        "Row of the design matrix; points that differ only in a crossed "
        "factor share it, and so their random numbers.",
    ),
    "wall_seconds": ("Run time", "seconds", "other", "Wall-clock time the run took."),
}

# columns whose meaning depends on the table (key: table name, file stem or chunk folder)
_FIT = {
    "setting": ("Setting", "", "id", "Kind of service the target describes (e.g. dsp)."),
    "regime": (
        "Regime",
        "",
        "id",
        "Regime whose runs the target is compared with (the status quo).",
    ),
    "target": ("Target", "", "id", "The published pattern."),
    "metric": (
        "Measure",
        "",
        "id",
        "Name of the simulated measure (see the final-year columns of runs.csv).",
    ),
    "value": (
        "Published value",
        "share",
        "other",
        "The value the source reports (empty if it reports only a range).",
    ),
    "low": ("Range low", "share", "other", "Lower end of the target range."),
    "high": ("Range high", "share", "other", "Upper end of the target range."),
    "n": ("Runs", "runs", "other", "Runs the simulated mean is taken over."),
    "mean": (
        "Simulated mean",
        "share",
        "final-year",
        "Mean over runs of the measure's final-year value.",
    ),
    "ci_low": (
        "95 % CI low",
        "share",
        "final-year",
        "Lower end of the Student-t 95 % confidence interval of the mean.",
    ),
    "ci_high": (
        "95 % CI high",
        "share",
        "final-year",
        "Upper end of the Student-t 95 % confidence interval of the mean.",
    ),
    "inside": (
        "Inside",
        "true/false",
        "other",
        "Whether the simulated mean lies within the target range.",
    ),
    "distance": (
        "Distance",
        "range widths squared",
        "other",
        "Squared distance of the mean outside the range (aimed at with a safety "
        "margin), in widths of the range; 0 inside.",
    ),
    "score": (
        "Score",
        "range widths squared",
        "other",
        "Expected squared distance outside the range given the sampling noise of "
        "the mean (see sim/experiments/calibration.py).",
    ),
    "formula": ("Formula", "", "other", "How the model computes the measure."),
    "source": ("Source", "", "other", "Where the published pattern comes from."),
}

# ``workforce-sim explain`` (sim.experiments.attribution): effects in the measure's unit
_UNIT = "unit of metric"
_ATTRIBUTION: dict[str, tuple[str, str, str, str]] = {
    "regime": ("Regime", "", "id", "The regime whose effect against the baseline is explained."),
    "channel": (
        "Channel",
        "",
        "id",
        "total (the regime's whole effect), a channel switched off in turn, or "
        "interaction (total minus the sum of the channels' contributions).",
    ),
    "metric": ("Measure", "", "id", "Name of the measure (its final-year value)."),
    "effect": (
        "Effect",
        _UNIT,
        "final-year",
        "Mean over replications of this row's part of the effect: for total, regime minus "
        "baseline; for a channel, that effect minus the effect with the channel off in "
        "both arms (its contribution); for interaction, what the contributions leave.",
    ),
    "share": (
        "Share of the effect",
        "share",
        "other",
        "effect / the total effect (empty when the total is about 0); the channels' "
        "shares and the interaction's add up to 1.",
    ),
    "ci_low": (
        "95 % CI low",
        _UNIT,
        "final-year",
        "Lower end of the Student-t 95 % interval of the effect over the paired "
        "replications (common random numbers).",
    ),
    "ci_high": (
        "95 % CI high",
        _UNIT,
        "final-year",
        "Upper end of the Student-t 95 % interval of the effect over the paired replications.",
    ),
    "effect_off": (
        "Effect with the channel off",
        _UNIT,
        "final-year",
        "Mean over replications of the regime's effect when the channel is switched off "
        "in both arms (empty for total and interaction).",
    ),
    "n": ("Replications", "runs", "other", "Replications the row is computed over."),
    "p_value": (
        "p-value",
        "probability",
        "other",
        "Two-sided one-sample t-test of the row's effect against 0 over the paired "
        "replications (empty for a channel that changes nothing).",
    ),
    "p_adjusted": (
        "Holm-adjusted p-value",
        "probability",
        "other",
        "For a channel: p_value adjusted by Holm's method over every channel and measure "
        "of the regime (many tests at once); the contribution counts as distinguishable "
        "from zero when this is below 0.05. Empty for total and interaction rows.",
    ),
}
_COUNTERFACTUAL: dict[str, tuple[str, str, str, str]] = {
    "regime": (
        "Regime",
        "",
        "id",
        "The baseline, the counterfactual (NAME_knows: the baseline with every new worker "
        "noticing every gap, self_assessment = 1) or the reference regime.",
    ),
    "metric": ("Measure", "", "id", "Name of the measure (its final-year value)."),
    "n": ("Replications", "runs", "other", "Runs the mean is taken over."),
    "mean": ("Mean", _UNIT, "final-year", "Mean over replications of the final-year value."),
    "ci_low": ("95 % CI low", _UNIT, "final-year", "Lower end of the Student-t 95 % CI."),
    "ci_high": ("95 % CI high", _UNIT, "final-year", "Upper end of the Student-t 95 % CI."),
    "baseline": ("Baseline", "", "id", "The regime the differences in diff are taken from."),
    "diff": (
        "Difference from the baseline",
        _UNIT,
        "final-year",
        "Mean over replications of the paired difference regime minus baseline.",
    ),
    "diff_ci_low": ("Its 95 % CI low", _UNIT, "final-year", "Lower end of diff's 95 % CI."),
    "diff_ci_high": ("Its 95 % CI high", _UNIT, "final-year", "Upper end of diff's 95 % CI."),
    "reference": ("Reference", "", "id", "The regime the counterfactual is also compared with."),
    "diff_reference": (
        "Difference from the reference",
        _UNIT,
        "final-year",
        "Mean over replications of the paired difference regime minus reference.",
    ),
    "diff_reference_ci_low": (
        "Its 95 % CI low",
        _UNIT,
        "final-year",
        "Lower end of diff_reference's 95 % CI.",
    ),
    "diff_reference_ci_high": (
        "Its 95 % CI high",
        _UNIT,
        "final-year",
        "Upper end of diff_reference's 95 % CI.",
    ),
    "gap_closed": (
        "Share of the reference's effect",
        "share",
        "other",
        "diff / (reference minus baseline): 0 for the baseline, 1 for the reference "
        "(empty when the reference's effect is about 0).",
    ),
}

_TABLES: dict[str, dict[str, tuple[str, str, str, str]]] = {
    "survival": {
        "duration_weeks": (
            "Spell length",
            "weeks",
            "other",
            "Weeks from hire to leaving, or to the end of the run if the "
            "worker stayed (censored); workers hired in reported weeks.",
        ),
        "event": (
            "Left",
            "0/1",
            "other",
            "1 = the worker left (quit or dismissed), 0 = "
            "still employed at the end of the run (censored).",
        ),
    },
    "summary": {
        "period": (
            "Period",
            "",
            "id",
            "The weeks the statistics describe: final_year = the last 52 reported weeks "
            "(each run's final-year value, as in runs.csv); shock = the shock window, "
            "reported weeks shock_start + 1 to shock_start + shock_weeks, only in a "
            "scenario with a shock (weekly stocks averaged over those weeks, weekly flows "
            "and costs summed over them and scaled to a year, rolling measures such as "
            "turnover and continuity at the shock's last week, over the 52 or 26 weeks "
            "ending then). Defined in sim/analysis/periods.py.",
        ),
        "metric": ("Measure", "", "id", "Name of the measure (a final-year column of runs.csv)."),
        "label": ("Label", "", "other", "The measure's label in the report."),
        "unit": ("Unit", "", "other", "Unit of the measure's final-year value."),
        "n": ("Replications", "runs", "other", "Runs of the regime the statistics are taken over."),
        "mean": (
            "Mean",
            "unit column",
            "final-year",
            "Mean over replications of the runs' values over the period (final-year "
            "values for final_year).",
        ),
        "ci_low": (
            "95 % CI low",
            "unit column",
            "final-year",
            "Lower end of the Student-t 95 % confidence interval of the mean, "
            "clipped to the measure's range.",
        ),
        "ci_high": (
            "95 % CI high",
            "unit column",
            "final-year",
            "Upper end of the Student-t 95 % confidence interval of the mean, "
            "clipped to the measure's range.",
        ),
    },
    "validation": _FIT,
    "fit": _FIT,
    "history": {
        "candidate": (
            "Candidate",
            "",
            "id",
            "Number of the candidate (a final row names the candidate it re-runs).",
        ),
        "stage": (
            "Stage",
            "",
            "id",
            "global = Latin hypercube, local = refinement around "
            "the best so far, final = finalist re-run with more replications.",
        ),
        "round": ("Round", "", "id", "Round of the search (0 = the global stage)."),
        "replications": (
            "Replications",
            "runs",
            "other",
            "Runs the candidate's score is taken over.",
        ),
        "score": (
            "Score",
            "range widths squared",
            "other",
            "Sum over targets of the expected squared distance outside the range "
            "(lower is better; see sim/experiments/calibration.py).",
        ),
        "distance": (
            "Distance",
            "range widths squared",
            "other",
            "Sum over targets of the squared distance of the mean outside the "
            "range (aimed at with a safety margin).",
        ),
        "noise": (
            "Noise penalty",
            "range widths squared",
            "other",
            "Score minus distance: the penalty for sampling noise.",
        ),
    },
    "runs": {
        "status": ("Status", "", "other", "ok, or failed (the run raised; see error)."),
        "error": ("Error", "", "other", "Traceback of a failed run (empty when ok)."),
        "spawn_key": (
            "Spawn key",
            "",
            "id",
            "SeedSequence spawn key of the run, 'design_point,replicate'.",
        ),
        "worker": ("Worker", "", "other", "host:process id that ran it."),
        "variant": (
            "Channel switched off",
            "",
            "id",
            "explain: the channel switched off in both arms of the run (none = the "
            "regimes as defined).",
        ),
    },
    "sensitivity": {
        "group": (
            "Group",
            "",
            "id",
            "Crossed factor values the indices are computed within (e.g. regime=jit), or all.",
        ),
        "output": (
            "Output",
            "",
            "id",
            "Measure analysed (its final-year value, averaged "
            "over the replications of each point).",
        ),
        "method": ("Method", "", "id", "sobol or morris."),
        "factor": ("Factor", "", "id", "The factor (parameter) the indices belong to."),
        "S1": (
            "First-order index",
            "share of variance",
            "other",
            "Sobol' first-order index: share of the output's variance due to the factor alone.",
        ),
        "S1_conf": (
            "First-order index CI",
            "share of variance",
            "other",
            "Half-width of the bootstrap confidence interval of S1.",
        ),
        "ST": (
            "Total index",
            "share of variance",
            "other",
            "Sobol' total index: share of variance due to the factor and all its interactions.",
        ),
        "ST_conf": (
            "Total index CI",
            "share of variance",
            "other",
            "Half-width of the bootstrap confidence interval of ST.",
        ),
        "mu": (
            "Mean elementary effect",
            "output unit",
            "other",
            "Morris: mean of the elementary effects.",
        ),
        "mu_star": (
            "Mean absolute elementary effect",
            "output unit",
            "other",
            "Morris mu*: mean of the absolute elementary effects.",
        ),
        "mu_star_conf": (
            "mu* CI",
            "output unit",
            "other",
            "Half-width of the bootstrap confidence interval of mu*.",
        ),
        "sigma": (
            "SD of elementary effects",
            "output unit",
            "other",
            "Morris sigma: standard deviation of the elementary effects "
            "(interactions, non-linearity).",
        ),
        "points": ("Points", "", "other", "Design points the indices are computed from."),
        "replications": ("Replications", "runs", "other", "Runs averaged per point."),
        "mean": ("Mean output", "output unit", "final-year", "Mean of the output over the points."),
        "between_sd": (
            "SD between points",
            "output unit",
            "other",
            "Standard deviation of the point means.",
        ),
        "within_sd": (
            "SD within points",
            "output unit",
            "other",
            "Standard deviation between replications of the same point (replication noise).",
        ),
        "noise_share": (
            "Noise share",
            "share of variance",
            "other",
            "Variance of a point mean due to replication noise / variance "
            "between point means (small is good).",
        ),
    },
    "attribution": _ATTRIBUTION,
    "counterfactual": _COUNTERFACTUAL,
    "columns": {
        "table": ("Table", "", "id", "File (or folder of chunk files) the column is in."),
        "name": ("Column", "", "id", "Column name."),
        "label": ("Label", "", "other", "Readable name."),
        "unit": ("Unit", "", "other", "Unit of the values (empty: none)."),
        "kind": ("Kind", "", "other", "id, parameter, weekly, final-year or other."),
        "description": ("Description", "", "other", "What the column holds."),
    },
}


# --- ensemble outputs (`workforce-sim ensemble`, `compare --ensemble`) -----------------
_MEMBER = ("Member", "", "id", "Number of the ensemble member (1, 2, ...).")
_ENSEMBLE_INTERVAL = (
    "the 5th to 95th percentile of the member means with 20 or more members, their "
    "minimum to maximum with fewer (sim/analysis/ensemble.py)"
)
_ENSEMBLE_SUMMARY: dict[str, tuple[str, str, str, str]] = {
    "ensemble_members": (
        "Ensemble members",
        "members",
        "other",
        "Members of the installed ensemble the ensemble columns are computed over.",
    ),
    "ensemble_mean": (
        "Ensemble mean",
        _UNIT,
        "final-year",
        "Mean over ensemble members of the member mean (each member's mean over its runs).",
    ),
    "ensemble_low": (
        "Ensemble interval low",
        _UNIT,
        "final-year",
        "Lower end of the interval over ensemble members of the member mean: "
        + _ENSEMBLE_INTERVAL
        + "; it includes parameter uncertainty.",
    ),
    "ensemble_high": (
        "Ensemble interval high",
        _UNIT,
        "final-year",
        "Upper end of the interval over ensemble members of the member mean: "
        + _ENSEMBLE_INTERVAL
        + ".",
    ),
}
_ENSEMBLE_TABLES: dict[str, dict[str, tuple[str, str, str, str]]] = {
    "ensemble": {"member": _MEMBER},
    "ensemble_members": {"member": _MEMBER},
    "ensemble_runs": {"member": _MEMBER},
    "ensemble_history": {
        "stage": (
            "Stage",
            "",
            "id",
            "wave K = a candidate of history-matching wave K; final = a non-implausible "
            "candidate run with the final replications.",
        ),
        "candidate": ("Candidate", "", "id", "Number of the candidate (0, 1, ...)."),
        "inside": (
            "Inside",
            "true/false",
            "other",
            "Whether the candidate's mean of every target lies inside its range (a final "
            "candidate inside all targets is an ensemble member).",
        ),
    },
    "ensemble_effects": {
        "metric": ("Measure", "", "id", "Name of the measure (see runs.csv)."),
        "label": ("Label", "", "other", "Readable name of the measure."),
        "regime": ("Regime", "", "id", "The regime whose effect the row is."),
        "baseline": ("Baseline", "", "id", "The regime it is compared with (jit or the first)."),
        "n": ("Replications", "runs", "other", "Paired replications of the scenario's own runs."),
        "diff_mean": (
            "Difference",
            _UNIT,
            "final-year",
            "Mean over replications of regime minus baseline (the scenario's own runs).",
        ),
        "diff_ci_low": (
            "Difference 95 % CI low",
            _UNIT,
            "final-year",
            "Lower end of the Student-t 95 % CI of the paired differences.",
        ),
        "diff_ci_high": (
            "Difference 95 % CI high",
            _UNIT,
            "final-year",
            "Upper end of the Student-t 95 % CI of the paired differences.",
        ),
        "ensemble_members": _ENSEMBLE_SUMMARY["ensemble_members"],
        "ensemble_mean": (
            "Ensemble mean difference",
            _UNIT,
            "final-year",
            "Mean over members of the member's difference (its regime mean minus its "
            "baseline mean, same seeds).",
        ),
        "ensemble_low": (
            "Ensemble interval low",
            _UNIT,
            "final-year",
            "Lower end of the interval over members of the member's difference: "
            + _ENSEMBLE_INTERVAL
            + ".",
        ),
        "ensemble_high": (
            "Ensemble interval high",
            _UNIT,
            "final-year",
            "Upper end of the interval over members of the member's difference.",
        ),
        "survives": (
            "Survives parameter uncertainty",
            "true/false",
            "other",
            "Whether the ensemble interval of the difference excludes zero.",
        ),
        "noise_share": (
            "Replication noise share of the spread",
            "share",
            "other",
            "Share of the variance of the member differences that the replication noise "
            "of each member's few runs accounts for (mean of s_m^2 / R over members, over "
            "the variance of the member differences; at most 1). Near 1: the ensemble "
            "interval mostly shows noise, not the parameters.",
        ),
        "param_sd": (
            "Spread due to the parameters (SD)",
            _UNIT,
            "final-year",
            "Standard deviation of the member differences left once replication noise is "
            "taken out: sqrt(max(0, variance - mean noise variance)).",
        ),
    },
    "ensemble_sensitivity": {
        "quantity": (
            "Quantity",
            "",
            "id",
            "effect: the regime's member mean minus the baseline's (same member, same "
            "seeds); level: the regime's own member mean (sensitivity --ensemble only).",
        ),
        "metric": ("Measure", "", "id", "Name of the measure analysed."),
        "regime": (
            "Regime",
            "",
            "id",
            "The regime whose effect against the baseline (or level) is analysed.",
        ),
        "baseline": ("Baseline", "", "id", "The regime the effect is measured against."),
        "parameter": ("Parameter", "", "id", "The ensemble parameter."),
        "prcc": (
            "PRCC",
            "-1 to 1",
            "other",
            "Partial rank correlation of the parameter with the member's effect (or "
            "level), the other parameters' ranks regressed out (sim/analysis/ensemble.py).",
        ),
        "p_value": ("p-value", "", "other", "Two-sided p-value of the PRCC (t test)."),
        "ci_low": (
            "PRCC 95 % interval, low",
            "-1 to 1",
            "other",
            "Lower end of the approximate 95 % interval of the PRCC (Fisher's z, "
            "standard error 1/sqrt(members - 2 - parameters)).",
        ),
        "ci_high": (
            "PRCC 95 % interval, high",
            "-1 to 1",
            "other",
            "Upper end of the approximate 95 % interval of the PRCC (Fisher's z, "
            "standard error 1/sqrt(members - 2 - parameters)).",
        ),
        "members": ("Members", "members", "other", "Members the PRCC is computed over."),
    },
}


def _humanise(name: str) -> str:
    text = name.replace("_", " ")
    return text[:1].upper() + text[1:]


def describe(table: str, name: str) -> dict[str, str]:
    """The dictionary row of column ``name`` of ``table`` (a file stem or chunk folder
    name such as ``timeseries`` or ``runs``); empty description if nothing describes it."""
    from sim.core.outputs import METRICS
    from sim.core.params import PARAMS

    def row(label: str, unit: str, kind: str, description: str) -> dict[str, str]:
        return {
            "name": name,
            "label": label,
            "unit": unit,
            "kind": kind,
            "description": description,
        }

    spec = _TABLES.get(table, {}).get(name) or _ENSEMBLE_TABLES.get(table, {}).get(name)
    if spec is None and table == "sensitivity":  # sensitivity --ensemble: PRCC columns
        spec = _ENSEMBLE_TABLES["ensemble_sensitivity"].get(name)
    if spec is None and table == "summary":
        spec = _ENSEMBLE_SUMMARY.get(name)
    if spec is None and table == "costeffect":  # the report's "Stability per dollar"
        from sim.analysis.costeffect import COSTEFFECT_DESCRIPTIONS

        ce = COSTEFFECT_DESCRIPTIONS.get(name)
        kind = "id" if name in ("period", "option", "reference") else "other"
        spec = None if ce is None else (ce[0], ce[1], kind, ce[2])
    if spec is not None:
        return row(*spec)
    m = METRICS.get(name)
    if m is not None:
        if table == "timeseries":
            return row(m.label, m.unit, "weekly", m.description)
        from sim.analysis.summary import final_unit

        return row(
            m.label,
            final_unit(name),
            "final-year",
            f"{m.description} Final-year value: {_FINAL[m.final]}.",
        )
    if name in _COMMON:
        return row(*_COMMON[name])
    for prefix, what in (
        ("mean_", "Mean"),
        ("se_", "Standard error of the mean"),
        ("sd_", "Standard deviation"),
    ):
        if (
            table in ("history", "ensemble", "ensemble_members", "ensemble_history")
            and name.startswith(prefix)
            and name[len(prefix) :] in METRICS
        ):
            base = name[len(prefix) :]
            from sim.analysis.summary import final_unit

            return row(
                f"{what}: {METRICS[base].label}",
                final_unit(base),
                "final-year",
                f"{what} over the candidate's runs of the final-year value of {base}.",
            )
    if name.startswith("design."):
        factor = name[len("design.") :]
        return row(
            f"Design coordinate: {factor}",
            "",
            "other",
            f"Coordinate of factor {factor} in the design's sampled space (its "
            "value range, or 0-1 for a discrete factor).",
        )
    for prefix, what in (
        ("S2_conf.", "Half-width of the confidence interval of S2 with "),
        ("S2.", "Sobol' second-order index with "),
    ):
        if table == "sensitivity" and name.startswith(prefix):
            other = name[len(prefix) :]
            return row(
                f"{'S2 CI' if 'conf' in prefix else 'Second-order index'}: {other}",
                "share of variance",
                "other",
                f"{what}{other}: share of variance due to the interaction of the "
                "two factors alone.",
            )
    p = PARAMS.get(name)
    if p is not None:
        return row(
            _humanise(name),
            p.unit,
            "parameter",
            f"Value of the model parameter {name}: {p.description}",
        )
    return row(_humanise(name), "", "other", "")


def _columns_of(path: Path) -> list[str]:
    if path.suffix == ".parquet":
        try:
            import pyarrow.parquet as pq
        except ImportError:  # pragma: no cover - parquet files need pyarrow anyway
            return []
        try:
            return list(pq.read_schema(path).names)
        except (OSError, ValueError):
            return []
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            return next(csv.reader(fh), [])
    except (OSError, UnicodeDecodeError, csv.Error):
        return []


def table_columns(folder: str | Path) -> dict[str, list[str]]:
    """``{table: column names}`` of every CSV/Parquet table in ``folder``.

    Tables are the files at its top level (``"timeseries.csv"``) and its folders of
    chunk files (``"runs/"``: the union of the chunks' columns, in order). Hidden
    files and the dictionary itself are left out.
    """
    folder = Path(folder)
    out: dict[str, list[str]] = {}
    for p in sorted(folder.iterdir()):
        if p.name.startswith("."):
            continue
        if p.is_file() and p.suffix in (".csv", ".parquet") and p.name != COLUMNS_FILE:
            out[p.name] = _columns_of(p)
        elif p.is_dir():
            names: dict[str, None] = {}
            for part in sorted(p.iterdir()):
                if _PART.match(part.name):
                    names.update(dict.fromkeys(_columns_of(part)))
            if names:
                out[p.name + "/"] = list(names)
    return out


def _table_key(table: str) -> str:
    """``"timeseries.csv"`` -> ``"timeseries"``, ``"runs/"`` -> ``"runs"``."""
    return table[:-1] if table.endswith("/") else Path(table).stem


def rows(tables: dict[str, Iterable[str]]) -> list[dict[str, str]]:
    """Dictionary rows of ``{table: columns}``, ``columns.csv``'s own columns last."""
    out = []
    for table, cols in {**tables, COLUMNS_FILE: FIELDS}.items():
        key = _table_key(table)
        for c in cols:
            out.append({"table": table, **describe(key, c)})
    return out


def write_columns(folder: str | Path) -> Path:
    """Write ``columns.csv`` describing every table now in ``folder`` (atomically, with
    :func:`sim.experiments.store.atomic_write`)."""
    from sim.experiments.store import atomic_write

    folder = Path(folder)
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=FIELDS, lineterminator="\n")
    w.writeheader()
    w.writerows(rows(table_columns(folder)))
    text = buf.getvalue()
    return atomic_write(folder / COLUMNS_FILE, lambda t: t.write_text(text, encoding="utf-8"))


def undescribed(folder: str | Path) -> list[tuple[str, str]]:
    """``(table, column)`` of every column in ``folder`` that its ``columns.csv`` does not
    describe (missing from it, or with an empty description): what a test should find
    empty. A folder without ``columns.csv`` has every column undescribed."""
    folder = Path(folder)
    described: set[tuple[str, str]] = set()
    path = folder / COLUMNS_FILE
    if path.is_file():
        with open(path, newline="", encoding="utf-8") as fh:
            described = {
                (r["table"], r["name"])
                for r in csv.DictReader(fh)
                if (r.get("description") or "").strip()
            }
    tables = {**table_columns(folder)}
    if path.is_file():
        tables[COLUMNS_FILE] = _columns_of(path)
    return [(t, c) for t, cols in tables.items() for c in cols if (t, c) not in described]
