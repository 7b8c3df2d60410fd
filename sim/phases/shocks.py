"""Shocks: scheduled events (a pandemic, a tight labour market) for this week.

Reads: ``shock_start``, ``shock_weeks``, ``shock_demand``, ``shock_absence``,
``shock_hiring``, ``shock_outside_options``; the model's reported week.
Writes: ``model.wk`` entries ``shock`` (bool), ``demand_mult``, ``absence``,
``ttf_mult``, ``quit_mult``.

A shock is only applied in reported weeks ``shock_start < week <= shock_start +
shock_weeks`` (week 1 is the first reported week), never during warm-up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sim.model import WorkforceModel


def active(model: WorkforceModel) -> bool:
    p = model.p
    w = model.week
    return p.shock_weeks > 0 and w >= 1 and p.shock_start < w <= p.shock_start + p.shock_weeks


def run(model: WorkforceModel) -> None:
    p = model.p
    on = active(model)
    model.wk["shock"] = on
    model.wk["demand_mult"] = p.shock_demand if on else 1.0
    model.wk["absence"] = p.absence_rate + (p.shock_absence if on else 0.0)
    model.wk["ttf_mult"] = p.shock_hiring if on else 1.0
    model.wk["quit_mult"] = p.outside_options * (p.shock_outside_options if on else 1.0)
