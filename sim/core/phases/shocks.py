"""Shocks: scheduled events (a pandemic, a tight labour market) for this week.

Reads: ``shock_start``, ``shock_weeks``, ``shock_demand``, ``shock_absence``,
``shock_hiring``, ``shock_outside_options``; the model's reported week.
Returns (to the weekly step): whether a shock is on, and this week's demand
multiplier, absence rate, time-to-fill multiplier and quit multiplier.

A shock is only applied in reported weeks ``shock_start < week <= shock_start +
shock_weeks`` (week 1 is the first reported week), never during warm-up.
"""

from __future__ import annotations

from sim.core.jit import kernel


@kernel
def step(P, week):  # pragma: no cover (compiled)
    on = P.shock_weeks > 0 and week >= 1 and P.shock_start < week <= P.shock_start + P.shock_weeks
    demand = P.shock_demand if on else 1.0
    absence = P.absence_rate + (P.shock_absence if on else 0.0)
    ttf_mult = P.shock_hiring if on else 1.0
    quit_mult = P.outside_options * (P.shock_outside_options if on else 1.0)
    return on, demand, absence, ttf_mult, quit_mult
