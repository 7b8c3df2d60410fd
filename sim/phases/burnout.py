"""Burnout: exhaustion under job demands and resources (JD-R).

Reads: ``contract_hours``, ``gap_strain``, ``incident_strain``, ``resource_competence``,
``resource_selfcare``, ``resource_mentoring``, ``resource_relationship``,
``burnout_gain``, ``burnout_recovery``; workers' ``hours``, ``module_hours``, ``gap``,
``incidents``, ``competence``, ``selfcare``, ``mentored``, ``relationship``,
``sensitivity``.
Writes: workers' ``exhaustion``.

For each worker on the floor, with load ``L = (care hours + module hours) /
contract_hours``:

* strain ``S = sensitivity * L * (1 + gap_strain * gap) + incident_strain * incidents``
* resources ``R = resource_competence * mean competence + resource_selfcare * self-care
  + resource_mentoring * mentoring hours + resource_relationship * relationship``
* ``E <- E + burnout_gain * S * (1 - E) - burnout_recovery * R * E``

so exhaustion settles near ``gS / (gS + rR)``: more demand or bigger gaps raise it,
resources lower it. An absent worker has no strain that week and recovers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sim.model import WorkforceModel


def run(model: WorkforceModel) -> None:
    p, w = model.p, model.workers
    r = np.flatnonzero(w.alive & (w.start_week <= model.t))
    if r.size == 0:
        return
    load = (w.hours[r] + w.module_hours[r]) / p.contract_hours
    strain = w.sensitivity[r] * load * (1 + p.gap_strain * w.gap[r])
    strain += p.incident_strain * w.incidents[r]
    resources = (
        p.resource_competence * w.mean_competence(r)
        + p.resource_selfcare * w.selfcare[r]
        + p.resource_mentoring * w.mentored[r]
        + p.resource_relationship * w.relationship[r]
    )
    e = w.exhaustion[r]
    e += p.burnout_gain * strain * (1 - e) - p.burnout_recovery * resources * e
    w.exhaustion[r] = np.clip(e, 0.0, 1.0)
