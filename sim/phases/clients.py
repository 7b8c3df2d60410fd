"""Clients: wellbeing, escalation (the revolving-door feedback), crises, turnover.

Reads: ``wellbeing_rate``, ``unmet_penalty``, ``change_penalty``, ``incident_penalty``,
``escalation_gain``, ``escalation_decay``, ``crisis_rate``, ``crisis_weeks``,
``discharge_rate``, ``acuity_sd``; this week's care (``kind``, ``quality``,
``incident``, ``lost_primary``).
Writes: clients' ``wellbeing``, ``escalation``, ``relationship_weeks``,
``crisis_left``; discharged clients' rows are replaced by new admissions.

* Wellbeing moves toward the quality of care received,
  ``W <- W + wellbeing_rate * (target - W)`` with ``target = quality`` (or
  ``-unmet_penalty`` in a week without care), then drops by ``change_penalty`` when the
  primary worker left and by ``incident_penalty`` after an incident; clipped to 0-1.
* A breakdown of care (primary left, or a week without care) adds ``escalation_gain``
  to the client's escalation, which decays by ``escalation_decay`` every week, is
  capped at ``ESCALATION_CAP`` (3, i.e. need at most quadruples) and raises the hours
  and strain of the next worker.
* Crises start with probability ``crisis_rate`` and last ``crisis_weeks``.
* Each client is discharged with probability ``discharge_rate`` a week and replaced at
  once by a new admission (steady census): the place, and its Mesa ``Client`` agent,
  passes to a new person with a new ``person_id`` and a fresh history.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.jit import kernel
from sim.state import NONE, PRIMARY

if TYPE_CHECKING:
    from sim.model import WorkforceModel

#: Most extra need (as a multiple of the client's base need) escalation can add.
ESCALATION_CAP = 3.0


def admit(model: WorkforceModel, rows: np.ndarray) -> None:
    """Fill client places ``rows`` with new clients."""
    p, c, rng = model.p, model.clients, model.rng
    k = rows.size
    c.share[rows] = rng.dirichlet(np.full(p.n_domains, 2.0), size=k)
    sd = p.acuity_sd
    c.acuity[rows] = rng.lognormal(-0.5 * sd * sd, sd, k)  # mean 1
    c.crisis_left[rows] = 0
    c.escalation[rows] = 0.0
    c.primary[rows] = -1
    c.primary_since[rows] = model.t
    c.relationship_weeks[rows] = 0.0
    c.wellbeing[rows] = np.clip(rng.normal(0.6, 0.1, k), 0, 1)
    c.admit_week[rows] = model.t
    model.continuity.reset(rows)
    model.admit_people(rows)


def run(model: WorkforceModel) -> None:
    p, c, rng = model.p, model.clients, model.rng
    crisis_draw, discharge_draw = rng.random(c.n), rng.random(c.n)
    out = _clients(
        c.kind, c.quality, c.lost_primary, c.incident, c.wellbeing, c.escalation,
        c.relationship_weeks, c.crisis_left, crisis_draw, discharge_draw,
        p.wellbeing_rate, p.unmet_penalty, p.change_penalty, p.incident_penalty,
        p.escalation_decay, p.escalation_gain, ESCALATION_CAP, p.crisis_rate,
        p.crisis_weeks, p.discharge_rate,
    )
    if out.size:
        admit(model, out)


@kernel
def _clients(kind, quality, lost_primary, incident, wellbeing, escalation,
             relationship_weeks, crisis_left, crisis_draw, discharge_draw, wellbeing_rate,
             unmet_penalty, change_penalty, incident_penalty, escalation_decay,
             escalation_gain, escalation_cap, crisis_rate, crisis_weeks,
             discharge_rate):  # pragma: no cover (compiled)
    """Wellbeing, escalation, relationships and crises; returns the places discharged."""
    leaving = 0
    for c in range(kind.size):
        cared = kind[c] != NONE
        target = quality[c] if cared else -unmet_penalty
        wb = wellbeing[c] + wellbeing_rate * (target - wellbeing[c])
        wb -= change_penalty * lost_primary[c] + incident_penalty * incident[c]
        wellbeing[c] = min(max(wb, 0.0), 1.0)
        breakdown = lost_primary[c] or not cared
        escalation[c] = min(
            escalation[c] * (1 - escalation_decay) + escalation_gain * breakdown, escalation_cap
        )
        if kind[c] == PRIMARY:
            relationship_weeks[c] += 1
        crisis_left[c] = max(crisis_left[c] - 1, 0)
        if crisis_left[c] == 0 and crisis_draw[c] < crisis_rate:
            crisis_left[c] = crisis_weeks
        leaving += discharge_draw[c] < discharge_rate
    out = np.empty(leaving, dtype=np.int64)
    j = 0
    for c in range(kind.size):
        if discharge_draw[c] < discharge_rate:
            out[j] = c
            j += 1
    return out
