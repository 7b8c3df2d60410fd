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

from sim.state import AGENCY, NONE, OVERTIME, PRIMARY

if TYPE_CHECKING:
    from sim.model import WorkforceModel


def run(model: WorkforceModel) -> None:
    p, w, c, rng = model.p, model.workers, model.clients, model.rng
    t = model.t
    crisis = np.where(c.crisis_left > 0, p.crisis_multiplier, 1.0)
    c.hours[:] = p.client_hours * c.acuity * crisis * model.wk["demand_mult"] * (1 + c.escalation)
    required = np.minimum(1.0, p.competence_required * c.acuity * crisis)

    by_worker = c.provider >= 0
    prow = np.maximum(c.provider, 0)
    comp = np.take(w.competence, prow, axis=0)  # (clients, domains)
    comp[c.kind == AGENCY] = p.agency_competence
    exh = np.where(by_worker, w.exhaustion[prow], 0.0)
    cared = c.kind != NONE
    short = required[:, None] - comp
    np.maximum(short, 0.0, out=short)
    gap = np.einsum("ck,ck->c", c.share, short)
    match = np.einsum("ck,ck->c", c.share, comp)
    maturity = 1.0 - np.exp(-c.relationship_weeks / p.relationship_weeks)
    rel = np.where(c.kind == PRIMARY, 0.5 + 0.5 * maturity, 0.5)
    quality = (0.5 + 0.5 * np.minimum(1.0, match / required)) * rel
    quality *= 1.0 - p.exhaustion_quality_penalty * exh
    c.gap[:] = np.where(cared, gap, 0.0)
    c.quality[:] = np.where(cared, quality, 0.0)
    p_inc = p.incident_rate * (1 + p.incident_gap_weight * gap) * (1 + exh)
    c.incident[:] = cared & (rng.random(c.n) < p_inc)

    # per-worker aggregates: every client is binned by ``prow``; those not cared for by
    # a worker carry zero weight (into row 0), which leaves every sum unchanged
    n = w.capacity
    hw = np.where(by_worker, c.hours, 0.0)
    w.hours[:] = np.bincount(prow, weights=hw, minlength=n)
    gap_hours = np.bincount(prow, weights=hw * c.gap, minlength=n)
    w.gap[:] = np.divide(gap_hours, w.hours, out=np.zeros(n), where=w.hours > 0)
    inc = np.bincount(prow, weights=c.incident & by_worker, minlength=n)
    w.incidents[:] = inc
    ot = c.kind == OVERTIME
    w.overtime_hours[:] = np.bincount(prow, weights=np.where(ot, c.hours, 0.0), minlength=n)
    for k in range(w.n_domains):  # loop over need domains, not agents
        w.use[:, k] = np.bincount(prow, weights=c.share[:, k] * hw, minlength=n)
    has = c.primary >= 0
    mat_sum = np.bincount(c.primary[has], weights=maturity[has], minlength=n)
    w.relationship[:] = np.divide(mat_sum, w.caseload, out=np.zeros(n), where=w.caseload > 0)
    on_floor = w.alive & (w.start_week <= t)
    mentoring = on_floor & (t - w.start_week < p.mentoring_weeks) & ~w.absent
    w.mentored[:] = np.where(mentoring, w.mentoring_hours, 0.0)

    # costs of the week
    headcount = np.count_nonzero(w.alive)
    model.cost["wages"] += headcount * p.contract_hours * p.wage
    model.cost["overtime"] += w.overtime_hours.sum() * p.wage * p.overtime_premium
    model.cost["cover"] += c.hours[c.kind == AGENCY].sum() * p.agency_rate
    # a mentor's time is paid at the wage rate
    model.cost["training"] += w.mentored.sum() * p.wage
