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
    cared = c.kind != NONE
    target = np.where(cared, c.quality, -p.unmet_penalty)
    wb = c.wellbeing + p.wellbeing_rate * (target - c.wellbeing)
    wb -= p.change_penalty * c.lost_primary + p.incident_penalty * c.incident
    c.wellbeing[:] = np.clip(wb, 0.0, 1.0)

    breakdown = c.lost_primary | ~cared
    c.escalation[:] = np.minimum(
        c.escalation * (1 - p.escalation_decay) + p.escalation_gain * breakdown, ESCALATION_CAP
    )
    c.relationship_weeks[c.kind == PRIMARY] += 1

    c.crisis_left[:] = np.maximum(c.crisis_left - 1, 0)
    start = (c.crisis_left == 0) & (rng.random(c.n) < p.crisis_rate)
    c.crisis_left[start] = p.crisis_weeks

    out = np.flatnonzero(rng.random(c.n) < p.discharge_rate)
    if out.size:
        admit(model, out)
