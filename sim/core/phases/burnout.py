"""Burnout: exhaustion under job demands and resources (JD-R).

Reads: ``contract_hours``, ``gap_strain``, ``incident_strain``, ``resource_competence``,
``resource_selfcare``, ``resource_mentoring``, ``resource_relationship``,
``burnout_gain``, ``burnout_recovery``; workers' ``hours``, ``module_hours``,
``study_hours``, ``gap``, ``incidents``, ``competence``, ``selfcare``, ``mentored``,
``relationship``, ``sensitivity``.
Writes: workers' ``exhaustion``.

For each worker on the floor, with load ``L = (care hours + module hours + in-service
training hours) / contract_hours``:

* strain ``S = sensitivity * L * (1 + gap_strain * gap) + incident_strain * incidents``
* resources ``R = resource_competence * mean competence + resource_selfcare * self-care
  + resource_mentoring * mentoring hours + resource_relationship * relationship``
* ``E <- E + burnout_gain * S * (1 - E) - burnout_recovery * R * E``

so exhaustion settles near ``gS / (gS + rR)``: more demand or bigger gaps raise it,
resources lower it. An absent worker has no strain that week and recovers.
"""

from __future__ import annotations

from sim.core.jit import kernel
from sim.core.state import mean_competence


@kernel
def step(W, P, t):  # pragma: no cover (compiled)
    for i in range(W.alive.size):
        if not W.alive[i] or W.start_week[i] > t:
            continue
        load = (W.hours[i] + W.module_hours[i] + W.study_hours[i]) / P.contract_hours
        strain = W.sensitivity[i] * load * (1 + P.gap_strain * W.gap[i])
        strain += P.incident_strain * W.incidents[i]
        resources = (
            P.resource_competence * mean_competence(W.competence, i)
            + P.resource_selfcare * W.selfcare[i]
            + P.resource_mentoring * W.mentored[i]
            + P.resource_relationship * W.relationship[i]
        )
        e = W.exhaustion[i]
        e += P.burnout_gain * strain * (1 - e) - P.burnout_recovery * resources * e
        W.exhaustion[i] = min(max(e, 0.0), 1.0)
