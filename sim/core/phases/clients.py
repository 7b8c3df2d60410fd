"""Clients: wellbeing, escalation (the revolving-door feedback), crises, turnover.

Reads: ``wellbeing_rate``, ``unmet_penalty``, ``change_penalty``, ``incident_penalty``,
``escalation_gain``, ``escalation_decay``, ``crisis_rate``, ``crisis_weeks``,
``discharge_rate``, ``acuity_sd``, ``hours_sd``; this week's care (``visits``,
``missed``, ``by_primary``, ``quality``, ``incident``, ``lost_primary``).
Writes: clients' ``wellbeing``, ``escalation``, ``relationship_weeks``,
``crisis_left``; discharged clients' rows are replaced by new admissions (with their
usual schedule's ``phours`` and ``team_want``).

* Wellbeing moves toward the quality of care received,
  ``W <- W + wellbeing_rate * (target - W)`` with ``target = (1 - m) * quality - m *
  unmet_penalty`` for the share *m* of the week's visits that were missed, then drops
  by ``change_penalty`` when the primary worker left and by ``incident_penalty`` after
  an incident; clipped to 0-1.
* A breakdown of care (primary left, or more than half the week's visits missed) adds
  ``escalation_gain``
  to the client's escalation, which decays by ``escalation_decay`` every week, is
  capped at ``ESCALATION_CAP`` (3, i.e. need at most quadruples) and raises the hours
  and strain of the next worker.
* Crises start with probability ``crisis_rate`` and last ``crisis_weeks``.
* Each client is discharged with probability ``discharge_rate`` a week and replaced at
  once by a new admission (steady census): the place, and its Mesa ``Client`` agent,
  passes to a new person with a new ``person_id`` and a fresh history.
"""

from __future__ import annotations

import numpy as np

from sim.core.continuity import forget
from sim.core.draws import gamma2, normal, take
from sim.core.jit import kernel
from sim.core.outputs import indices
from sim.core.phases.assignment import usual_schedule
from sim.core.state import NEXT_PERSON

#: Most extra need (as a multiple of the client's base need) escalation can add.
ESCALATION_CAP = 3.0

#: The uniforms each client place takes a week (:func:`step`), by name: the place's
#: block holds them in this order.
DRAWS = indices(("crisis", "discharge"))

#: The normal variates of an admission besides its need shares (:func:`admit`), by
#: name; each takes two uniforms, after the two of each need domain's Gamma(2) weight.
ADMISSION_NORMALS = indices(("acuity", "wellbeing", "hours"))


def uniforms(worker_slots: int, n_clients: int, posts: int, n_domains: int) -> int:
    """Most uniforms :func:`step` takes in a week (admissions apart:
    :func:`admission_draws` each)."""
    return len(DRAWS) * n_clients


@kernel
def admission_draws(n_domains):  # pragma: no cover (compiled)
    """Uniforms one admission takes (:func:`admit`)."""
    return 2 * (n_domains + len(ADMISSION_NORMALS))


@kernel
def admit(C, L, P, pool, pos, counters, rows, t):  # pragma: no cover (compiled)
    """Fill client places ``rows`` with new people (new person ids, fresh histories).

    Need shares ~ Dirichlet(2, ..., 2) over the domains (normalised Gamma(2) weights),
    acuity ~ lognormal with mean 1 and log-sd ``acuity_sd``, an hours factor ~ lognormal
    with mean 1 and log-sd ``hours_sd``, wellbeing ~ N(0.6, 0.1) clipped to 0-1;
    ``2 * domains + 6`` uniforms each (:func:`admission_draws`). The usual schedule's
    primary hours and team size are set once here
    (:func:`sim.core.phases.assignment.usual_schedule`).
    """
    n_domains = C.share.shape[1]
    per = admission_draws(n_domains)
    u = take(pool, pos, rows.size * per)
    sd = P.acuity_sd
    for j in range(rows.size):
        c = rows[j]
        v = u[j * per : (j + 1) * per]
        total = 0.0
        for k in range(n_domains):
            C.share[c, k] = gamma2(v[2 * k], v[2 * k + 1])
            total += C.share[c, k]
        for k in range(n_domains):
            C.share[c, k] /= total
        a = 2 * (n_domains + ADMISSION_NORMALS.acuity)
        b = 2 * (n_domains + ADMISSION_NORMALS.wellbeing)
        h = 2 * (n_domains + ADMISSION_NORMALS.hours)
        z_acuity = normal(v[a], v[a + 1])
        z_wellbeing = normal(v[b], v[b + 1])
        z_hours = normal(v[h], v[h + 1])
        C.acuity[c] = np.exp(-0.5 * sd * sd + sd * z_acuity)  # mean 1
        C.hours_factor[c] = np.exp(-0.5 * P.hours_sd * P.hours_sd + P.hours_sd * z_hours)
        usual_schedule(C, P, c)
        C.crisis_left[c] = 0
        C.escalation[c] = 0.0
        C.primary[c] = -1
        C.backup[c, :] = -1
        C.primary_since[c] = t
        C.relationship_weeks[c] = 0.0
        C.wellbeing[c] = min(max(0.6 + 0.1 * z_wellbeing, 0.0), 1.0)
        C.admit_week[c] = t
        C.person[c] = counters[NEXT_PERSON]
        counters[NEXT_PERSON] += 1
    forget(L, rows)


@kernel
def step(C, P, pool, pos):  # pragma: no cover (compiled)
    """This week's changes; returns the places whose client is discharged (the model
    fills them at once with new admissions, :func:`admit`)."""
    n = C.kind.size
    per = len(DRAWS)
    u = take(pool, pos, per * n)
    out = np.empty(n, dtype=np.int64)
    leaving = 0
    for c in range(n):
        missed = C.missed[c] / C.visits[c] if C.visits[c] > 0 else 0.0
        target = (1 - missed) * C.quality[c] - missed * P.unmet_penalty
        wb = C.wellbeing[c] + P.wellbeing_rate * (target - C.wellbeing[c])
        wb -= P.change_penalty * C.lost_primary[c] + P.incident_penalty * C.incident[c]
        C.wellbeing[c] = min(max(wb, 0.0), 1.0)
        breakdown = C.lost_primary[c] or missed > 0.5
        C.escalation[c] = min(
            C.escalation[c] * (1 - P.escalation_decay) + P.escalation_gain * breakdown,
            ESCALATION_CAP,
        )
        if C.by_primary[c] > 0:
            C.relationship_weeks[c] += 1
        C.crisis_left[c] = max(C.crisis_left[c] - 1, 0)
        if C.crisis_left[c] == 0 and u[per * c + DRAWS.crisis] < P.crisis_rate:
            C.crisis_left[c] = P.crisis_weeks
        if u[per * c + DRAWS.discharge] < P.discharge_rate:
            out[leaving] = c
            leaving += 1
    return out[:leaving]
