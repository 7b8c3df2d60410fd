"""Care delivery: the demand each worker faces and the quality each client receives.

Reads: ``client_hours``, ``crisis_multiplier``, ``competence_required``,
``agency_competence``, ``relationship_weeks``, ``exhaustion_quality_penalty``,
``incident_rate``, ``incident_gap_weight``, ``mentoring_weeks``, ``contract_hours``,
``wage``, ``overtime_premium``, ``agency_rate``; ``model.wk["demand_mult"]``; this
week's providers from assignment; workers' competence and exhaustion.
Writes: clients' ``hours``, ``gap``, ``quality``, ``incident``; workers' ``hours``,
``overtime_hours``, ``gap``, ``incidents``, ``use`` (hours per domain),
``relationship``, ``mentored``; wage, overtime and agency-cover costs.

For client *c* with need shares *s_ck*, acuity *a_c*, crisis multiplier *x_c*,
escalation *e_c* and demand multiplier *D*:

* hours ``h_c = client_hours * a_c * x_c * D * (1 + e_c)``
* required competence ``r_c = min(1, competence_required * a_c * x_c)``
* skill gap ``g_c = sum_k s_ck * max(0, r_c - comp_pk)`` for provider *p*
* quality ``q_c = (0.5 + 0.5 * min(1, m_c / r_c)) * rel_c * (1 - penalty * E_p)`` with
  competence match ``m_c = sum_k s_ck comp_pk`` and relationship factor
  ``rel_c = 1 - 0.5 exp(-weeks / relationship_weeks)`` (0.5 for cover staff)
* incident with probability ``incident_rate * (1 + incident_gap_weight * g_c) * (1 + E_p)``
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.jit import kernel
from sim.state import AGENCY, NONE, OVERTIME, PRIMARY

if TYPE_CHECKING:
    from sim.model import WorkforceModel


def run(model: WorkforceModel) -> None:
    p, w, c = model.p, model.workers, model.clients
    u = model.draws.take(c.n)  # incident draws
    overtime, cover, mentored, headcount = _care(
        c.crisis_left, c.acuity, c.escalation, c.share, c.kind, c.provider, c.primary,
        c.relationship_weeks, c.hours, c.gap, c.quality, c.incident, u,
        w.alive, w.start_week, w.absent, w.competence, w.exhaustion, w.caseload,
        w.mentoring_hours, w.hours, w.gap, w.incidents, w.overtime_hours, w.use,
        w.relationship, w.mentored, model.t, model.wk["demand_mult"], p.client_hours,
        p.crisis_multiplier, p.competence_required, p.agency_competence,
        p.relationship_weeks, p.exhaustion_quality_penalty, p.incident_rate,
        p.incident_gap_weight, p.mentoring_weeks,
    )
    model.cost["wages"] += headcount * p.contract_hours * p.wage
    model.cost["overtime"] += overtime * p.wage * p.overtime_premium
    model.cost["cover"] += cover * p.agency_rate
    model.cost["training"] += mentored * p.wage  # a mentor's time is paid at the wage rate


@kernel
def _care(crisis_left, acuity, escalation, share, kind, provider, primary,
          relationship_weeks, c_hours, c_gap, quality, incident, u,
          alive, start_week, absent, competence, exhaustion, caseload, mentoring_hours,
          w_hours, w_gap, w_incidents, overtime_hours, use, w_relationship, mentored,
          t, demand_mult, client_hours, crisis_multiplier, competence_required,
          agency_competence, relationship_scale, exhaustion_penalty, incident_rate,
          incident_gap_weight, mentoring_weeks):  # pragma: no cover (compiled)
    """Care of every client this week, then its per-worker totals.

    Returns this week's overtime hours, agency-cover hours, mentoring hours and headcount.
    """
    n_domains = share.shape[1]
    w_hours[:] = 0.0
    w_gap[:] = 0.0  # gap-weighted hours until divided below
    w_incidents[:] = 0
    overtime_hours[:] = 0.0
    use[:] = 0.0
    w_relationship[:] = 0.0  # summed maturity until divided below
    cover = 0.0
    for c in range(acuity.size):
        crisis = crisis_multiplier if crisis_left[c] > 0 else 1.0
        hours = client_hours * acuity[c] * crisis * demand_mult * (1 + escalation[c])
        c_hours[c] = hours
        required = min(1.0, competence_required * acuity[c] * crisis)
        maturity = 1.0 - np.exp(-relationship_weeks[c] / relationship_scale)
        if primary[c] >= 0:
            w_relationship[primary[c]] += maturity
        by_worker = provider[c] >= 0
        pr = provider[c] if by_worker else 0
        gap = 0.0
        match = 0.0
        for k in range(n_domains):
            comp = agency_competence if kind[c] == AGENCY else competence[pr, k]
            gap += share[c, k] * max(required - comp, 0.0)
            match += share[c, k] * comp
        exh = exhaustion[pr] if by_worker else 0.0
        rel = 0.5 + 0.5 * maturity if kind[c] == PRIMARY else 0.5
        q = (0.5 + 0.5 * min(1.0, match / required)) * rel
        q *= 1.0 - exhaustion_penalty * exh
        cared = kind[c] != NONE
        c_gap[c] = gap if cared else 0.0
        quality[c] = q if cared else 0.0
        p_inc = incident_rate * (1 + incident_gap_weight * gap) * (1 + exh)
        incident[c] = cared and u[c] < p_inc
        if kind[c] == AGENCY:
            cover += hours
        if by_worker:
            w_hours[pr] += hours
            w_gap[pr] += hours * c_gap[c]
            w_incidents[pr] += incident[c]
            if kind[c] == OVERTIME:
                overtime_hours[pr] += hours
            for k in range(n_domains):
                use[pr, k] += share[c, k] * hours
    overtime = 0.0
    mentored_total = 0.0
    headcount = 0
    for i in range(alive.size):
        w_gap[i] = w_gap[i] / w_hours[i] if w_hours[i] > 0 else 0.0
        w_relationship[i] = w_relationship[i] / caseload[i] if caseload[i] > 0 else 0.0
        mentoring = (alive[i] and start_week[i] <= t and t - start_week[i] < mentoring_weeks
                     and not absent[i])
        mentored[i] = mentoring_hours[i] if mentoring else 0.0
        overtime += overtime_hours[i]
        mentored_total += mentored[i]
        headcount += alive[i]
    return overtime, cover, mentored_total, headcount
