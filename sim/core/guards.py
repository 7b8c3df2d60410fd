"""Guard rails: warnings for an agency whose ratios make no sense.

Reads a resolved parameter set (:func:`sim.core.params.resolve`) and, optionally, the
number of reported weeks. Writes nothing. Computes a list of :class:`Warning_` records,
each a plain-language sentence naming the parameters and their values. Every value is
valid on its own (the registry checks ranges); these are combinations a policy reader
would not mean:

* **care demand against staff hours**: ``ratio = n_clients * client_hours /
  (n_workers * contract_hours)``. Above :data:`DEMAND_HIGH` the posts cannot give the
  care even when all are filled (most visits are missed or bought from an agency);
  below :data:`DEMAND_LOW` most paid hours have no client.
* **clients per post** above ``max_caseload``: not every client can have a primary
  worker even at full staff.
* **float pool larger than the staff** (``float_pool > n_workers``).
* **a horizon shorter than the shock**: the shock starts after the reported weeks
  end (``shock_start >= horizon``) or runs past them (``shock_start + shock_weeks >
  horizon``), so the report cannot show its whole course.

The CLI prints these on standard error before running, the report lists them at the
top, and the dashboard shows them above the picture. They never stop a run: an
extreme agency may be exactly what a user wants to see.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

#: Care demand above this share of the posts' contract hours gets a warning.
DEMAND_HIGH = 1.25
#: Care demand below this share of the posts' contract hours gets a warning.
DEMAND_LOW = 0.25


@dataclass(frozen=True)
class Warning_:
    """One guard-rail warning: a short ``key`` (stable, for tests and tables) and the
    sentence shown to users."""

    key: str
    message: str


def _num(params: Mapping[str, Any], name: str, default: float = 0.0) -> float:
    value = params.get(name, default)
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def agency_warnings(params: Mapping[str, Any], horizon_weeks: int | None = None) -> list[Warning_]:
    """The guard-rail warnings for one parameter set (empty when nothing is odd)."""
    out: list[Warning_] = []
    workers = _num(params, "n_workers", 1.0)
    clients = _num(params, "n_clients")
    hours = _num(params, "client_hours")
    contract = _num(params, "contract_hours", 1.0)
    if workers > 0 and contract > 0:
        demand = clients * hours
        supply = workers * contract
        ratio = demand / supply
        if ratio > DEMAND_HIGH:
            out.append(
                Warning_(
                    "demand_high",
                    f"{clients:,.0f} clients needing {hours:g} hours a week need "
                    f"{demand:,.0f} hours of care, but {workers:,.0f} posts of "
                    f"{contract:g} hours give {supply:,.0f} ({ratio:.1f} times more care "
                    "than staff hours): even fully staffed, most visits will be missed "
                    "or bought from an agency, and turnover and costs will be extreme.",
                )
            )
        elif ratio < DEMAND_LOW:
            out.append(
                Warning_(
                    "demand_low",
                    f"{clients:,.0f} clients needing {hours:g} hours a week use only "
                    f"{ratio:.0%} of the {supply:,.0f} contract hours of {workers:,.0f} "
                    "posts: most paid time has no client.",
                )
            )
        caseload = _num(params, "max_caseload", 0.0)
        if caseload > 0 and clients / workers > caseload:
            out.append(
                Warning_(
                    "caseload",
                    f"{clients / workers:.1f} clients per post is more than the "
                    f"{caseload:g} a worker may be primary for (max_caseload): some "
                    "clients will have no primary worker even at full staff.",
                )
            )
    pool = _num(params, "float_pool")
    if pool > workers:
        out.append(
            Warning_(
                "float_pool",
                f"a float pool of {pool:,.0f} is larger than the {workers:,.0f} posts it "
                "covers (float_pool > n_workers).",
            )
        )
    shock_weeks = _num(params, "shock_weeks")
    if horizon_weeks is not None and shock_weeks > 0:
        start = _num(params, "shock_start")
        if start >= horizon_weeks:
            out.append(
                Warning_(
                    "shock_after_horizon",
                    f"the shock starts in reported week {start:g}, after the "
                    f"{horizon_weeks} reported weeks end: it will not be seen.",
                )
            )
        elif start + shock_weeks > horizon_weeks:
            out.append(
                Warning_(
                    "shock_past_horizon",
                    f"the shock runs from reported week {start:g} for {shock_weeks:g} "
                    f"weeks, past the {horizon_weeks} reported weeks: its end and the "
                    "recovery will not be seen.",
                )
            )
    return out
