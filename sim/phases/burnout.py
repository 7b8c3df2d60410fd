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

from sim.jit import kernel

if TYPE_CHECKING:
    from sim.model import WorkforceModel


def run(model: WorkforceModel) -> None:
    p, w = model.p, model.workers
    _burnout(
        w.alive, w.start_week, model.t, w.hours, w.module_hours, w.sensitivity, w.gap,
        w.incidents, w.competence, w.selfcare, w.mentored, w.relationship, w.exhaustion,
        p.contract_hours, p.gap_strain, p.incident_strain, p.resource_competence,
        p.resource_selfcare, p.resource_mentoring, p.resource_relationship, p.burnout_gain,
        p.burnout_recovery,
    )


@kernel
def _burnout(alive, start_week, t, hours, module_hours, sensitivity, gap, incidents,
             competence, selfcare, mentored, relationship, exhaustion, contract_hours,
             gap_strain, incident_strain, r_competence, r_selfcare, r_mentoring,
             r_relationship, gain, recovery):  # pragma: no cover (compiled)
    n_domains = competence.shape[1]
    for i in range(alive.size):
        if not alive[i] or start_week[i] > t:
            continue
        load = (hours[i] + module_hours[i]) / contract_hours
        strain = sensitivity[i] * load * (1 + gap_strain * gap[i])
        strain += incident_strain * incidents[i]
        comp = competence[i, 0]
        for k in range(1, n_domains):
            comp += competence[i, k]
        resources = (
            r_competence * (comp / n_domains)
            + r_selfcare * selfcare[i]
            + r_mentoring * mentored[i]
            + r_relationship * relationship[i]
        )
        e = exhaustion[i]
        e += gain * strain * (1 - e) - recovery * resources * e
        exhaustion[i] = min(max(e, 0.0), 1.0)
