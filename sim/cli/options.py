"""Options shared by the commands: whole-number and ``--jobs`` types, the scenario-key
overrides ``--horizon``, ``--replications`` and ``--seed`` (the same limits as in a
file), and the options of ``run`` and ``compare``."""

from __future__ import annotations

import argparse

from sim.core.errors import show
from sim.core.params import SETTINGS
from sim.experiments.scenario import SCENARIO_KEYS, KeySpec, value_problem

__all__ = [
    "ALLOW_LARGE_HELP",
    "HORIZON",
    "REPLICATIONS",
    "SEED",
    "add_run_options",
    "job_count",
    "key_option",
    "positive_int",
]


def _whole(text: str, allowed: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{show(text)} is not allowed; must be {allowed}"
        ) from None


def positive_int(text: str) -> int:
    value = _whole(text, "a whole number of at least 1")
    if value < 1:
        raise argparse.ArgumentTypeError(
            f"{value} is not allowed; must be a whole number of at least 1"
        )
    return value


def job_count(text: str) -> int:
    """``--jobs``: 1 to :func:`sim.experiments.limits.max_jobs` worker processes."""
    from sim.experiments.limits import LimitError, check_jobs, max_jobs

    value = _whole(text, f"a whole number from 1 to {max_jobs()}")
    if value < 1:
        raise argparse.ArgumentTypeError(
            f"{value} is not allowed; must be a whole number from 1 to {max_jobs()}"
        )
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
ALLOW_LARGE_HELP = (
    "run even beyond the limits on runs per command and calibration budget "
    "and the memory estimate (see docs/sweeps.md, 'Limits')"
)


def add_jobs(p: argparse.ArgumentParser) -> None:
    """``--jobs N``: worker processes, checked by :func:`job_count`."""
    p.add_argument(
        "--jobs",
        type=job_count,
        default=None,
        help="worker processes (default: all cores); results do not depend on it",
    )


def add_chart_format(p: argparse.ArgumentParser) -> None:
    """``--format png|svg|pdf``: the charts' file format."""
    p.add_argument(
        "--format",
        choices=("png", "svg", "pdf"),
        default="png",
        help="chart file format (default png)",
    )


def add_run_options(p: argparse.ArgumentParser, default_out: str | None) -> None:
    from sim.experiments.outdir import out_path

    p.add_argument(
        "--out",
        type=out_path,
        default=default_out,
        help="output directory: new, empty, or a previous output of this "
        "program (replaced in one step when the run finishes; any other "
        "existing folder is refused)"
        + (f"; default {default_out}" if default_out else "; default output/<scenario name>"),
    )
    add_jobs(p)
    p.add_argument(
        "--replications",
        type=REPLICATIONS,
        default=None,
        help="override the scenario's number of replications (1 to 10000)",
    )
    p.add_argument(
        "--horizon",
        type=HORIZON,
        default=None,
        metavar="WEEKS",
        help="override the reported weeks after warm-up (52 to 2080)",
    )
    p.add_argument(
        "--seed", type=SEED, default=None, help="override the root seed (0 to 2**63 - 1)"
    )
    p.add_argument(
        "--setting",
        choices=list(SETTINGS),
        default=None,
        help="override the scenario's setting (kind of service; default dsp)",
    )
    add_chart_format(p)
    p.add_argument(
        "--classroom", action="store_true", help="large fonts and thick lines for projecting"
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--allow-large", action="store_true", help=ALLOW_LARGE_HELP)
