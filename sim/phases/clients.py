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

from sim.draws import gamma2, normal
from sim.jit import kernel
from sim.state import NONE, PRIMARY

if TYPE_CHECKING:
    from sim.model import WorkforceModel

#: Most extra need (as a multiple of the client's base need) escalation can add.
ESCALATION_CAP = 3.0


def admit(model: WorkforceModel, rows: np.ndarray) -> None:
    """Fill client places ``rows`` with new clients.

    Need shares ~ Dirichlet(2, ..., 2) over the domains, acuity ~ lognormal with mean 1
    and log-sd ``acuity_sd``, wellbeing ~ N(0.6, 0.1) clipped to 0-1.
    """
    p, c = model.p, model.clients
    u = model.draws.take(rows.size, 2 * p.n_domains + 4)
    _admit(rows, u, model.t, p.acuity_sd, c.share, c.acuity, c.crisis_left,
           c.escalation, c.primary, c.primary_since, c.relationship_weeks, c.wellbeing,
           c.admit_week)
    model.continuity.reset(rows)
    model.admit_people(rows)


@kernel
def _admit(rows, u, t, acuity_sd, share, acuity, crisis_left, escalation, primary,
           primary_since, relationship_weeks, wellbeing,
           admit_week):  # pragma: no cover (compiled)
    """New clients in places ``rows`` from ``2 * domains + 4`` uniforms each."""
    n_domains = share.shape[1]
    for j in range(rows.size):
        c = rows[j]
        total = 0.0
        for k in range(n_domains):  # Gamma(2) weights, normalised: Dirichlet(2, ..., 2)
            share[c, k] = gamma2(u[j, 2 * k], u[j, 2 * k + 1])
            total += share[c, k]
        for k in range(n_domains):
            share[c, k] /= total
        z_acuity = normal(u[j, 2 * n_domains], u[j, 2 * n_domains + 1])
        z_wellbeing = normal(u[j, 2 * n_domains + 2], u[j, 2 * n_domains + 3])
        acuity[c] = np.exp(-0.5 * acuity_sd * acuity_sd + acuity_sd * z_acuity)  # mean 1
        crisis_left[c] = 0
        escalation[c] = 0.0
        primary[c] = -1
        primary_since[c] = t
        relationship_weeks[c] = 0.0
        wellbeing[c] = min(max(0.6 + 0.1 * z_wellbeing, 0.0), 1.0)
        admit_week[c] = t


def run(model: WorkforceModel) -> None:
    p, c = model.p, model.clients
    crisis_draw, discharge_draw = model.draws.take(2, c.n)
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
