"""Care delivery: the demand each worker faces and the quality each visit gives.

Reads: ``crisis_multiplier``, ``competence_required``,
``agency_competence``, ``relationship_weeks``, ``exhaustion_quality_penalty``,
``incident_rate``, ``incident_gap_weight``, ``known_gap_risk``, ``incident_learning``,
``mentoring_weeks``, ``inservice_*``, ``contract_hours``, ``wage``, ``benefits_rate``,
``overtime_premium``, ``agency_rate``, ``onboarding_cost``, ``onboarding_weeks``;
clients' hours and visits this week and who made each visit
(:mod:`sim.core.phases.assignment`); workers' competence, ``known`` and exhaustion.
Writes: clients' ``gap``, ``quality``, ``incident``; workers' ``hours``,
``overtime_hours``, ``gap``, ``unseen``, ``incidents``, ``found``, ``use`` (hours per
domain), ``relationship``, ``mentored``, and ``competence``/``known`` where an incident
reveals a gap; wage, benefits, overtime, agency-cover, mentoring and onboarding costs.

Client *c* needs ``h_c`` hours this week in ``n_c`` visits of ``h_c / n_c`` hours. With
need shares *s_ck*, acuity *a_c* and crisis multiplier *x_c*, for a visit made by
provider *p*:

* required competence ``r_c = min(1, competence_required * a_c * x_c)``
* skill gap ``g = sum_k s_ck * max(0, r_c - comp_pk)``; its *unrecognised* part ``v``
  sums only the domains the provider has not recognised (``known``; all of an agency
  temp's gap counts as unrecognised)
* quality ``q = (0.5 + 0.5 * min(1, m / r_c)) * rel * (1 - penalty * E_p)`` with
  competence match ``m = sum_k s_ck comp_pk`` and relationship factor
  ``rel = 1 - 0.5 exp(-weeks / relationship_weeks)`` for the primary worker (0.5 for
  anyone else); the client's week has the mean quality and gap of the visits made
* incident with probability ``incident_rate * (1 + incident_gap_weight * (v +
  known_gap_risk * (g - v))) * (1 + E_p) / n_c``: a recognised gap keeps only
  ``known_gap_risk`` of its extra risk (the worker asks, checks, takes care); a week of
  visits by one worker carries about ``incident_rate * ...`` in all
* an incident with a worker who has an unrecognised gap with this client reveals the
  domain with the largest unrecognised gap: it is marked ``known`` and its competence
  closes ``incident_learning`` of the distance to 1 (``found``); the incident's strain
  (:mod:`sim.core.phases.burnout`) is the cost of learning it this way
* the provider's week gains the visit's hours (``hours``; ``overtime_hours`` too for a
  visit in overtime cover), its gap and its hours in each domain
* mentoring hours this week: the hire's ``mentoring_hours`` during their first
  ``mentoring_weeks`` on the floor, plus ``inservice_supervision_hours`` in the
  in-service programme's weeks, if not absent; a mentor's time is paid at the wage

Costs this week, over employed workers *i* with hours ``H_i`` (own caseload and cover
together, each hour counted once), ``N`` employed and ``n_i`` weeks on the floor:

* wages ``N * contract_hours * wage``; benefits ``benefits_rate`` times that
* overtime ``sum_i max(0, H_i - contract_hours) * wage * overtime_premium``: every hour
  above the contract is paid at the premium, whether own caseload or cover
* agency cover ``agency_rate`` per hour of visits by temp agency staff
* mentoring ``mentored_i * wage`` (in the training cost)
* onboarding ``onboarding_cost / onboarding_weeks`` for each worker with
  ``0 <= n_i < onboarding_weeks``: a hire who stays costs ``onboarding_cost`` in all
"""

from __future__ import annotations

import numpy as np

from sim.core.draws import sub_uniform, take
from sim.core.jit import kernel
from sim.core.outputs import indices
from sim.core.phases.learning import inservice_on
from sim.core.state import (
    AGENCY,
    BENEFITS,
    COVER,
    NONE,
    ONBOARDING,
    OVERTIME,
    OVERTIME_COST,
    PRIMARY,
    TRAINING,
    WAGES,
)

#: The uniforms each client takes a week, by name: the one from which each visit's
#: incident draw is derived (:func:`sim.core.draws.sub_uniform`).
DRAWS = indices(("incident",))


def uniforms(worker_slots: int, n_clients: int, posts: int, n_domains: int) -> int:
    """Most uniforms :func:`step` takes in a week (one per client)."""
    return len(DRAWS) * n_clients


@kernel
def step(W, C, P, pool, pos, costs, t):  # pragma: no cover (compiled)
    n_domains = C.share.shape[1]
    per = len(DRAWS)
    W.hours[:] = 0.0
    W.gap[:] = 0.0  # gap-weighted hours until divided below
    W.unseen[:] = 0.0  # likewise
    W.found[:] = 0
    W.incidents[:] = 0
    W.overtime_hours[:] = 0.0
    W.use[:] = 0.0
    W.relationship[:] = 0.0  # summed maturity until divided below
    u = take(pool, pos, per * C.kind.size)
    for c in range(C.kind.size):
        hours = C.hours[c]
        nv = C.visits[c]
        length = hours / nv if nv > 0 else 0.0
        seed = u[per * c + DRAWS.incident]
        crisis = P.crisis_multiplier if C.crisis_left[c] > 0 else 1.0
        required = min(1.0, P.competence_required * C.acuity[c] * crisis)
        maturity = 1.0 - np.exp(-C.relationship_weeks[c] / P.relationship_weeks)
        if C.primary[c] >= 0:
            W.relationship[C.primary[c]] += maturity
        made = 0
        q_sum = 0.0
        g_sum = 0.0
        incident = False
        last = -2  # provider whose gaps are in gap/unseen/match/dom (-1: agency)
        gap = 0.0
        unseen = 0.0
        match = 0.0
        dom = -1
        fit = 0.0  # the provider's quality terms and incident chance, set with the gaps
        fresh = 0.0
        p_inc = 0.0
        run = 0.0  # hours of the current run of visits by worker ``last``
        for j in range(nv + 1):
            pr = C.vprov[c, j] if j < nv else -3
            kind = C.vkind[c, j] if j < nv else NONE
            if pr != last or j == nv:  # a new provider: the last one's run ends
                if last >= 0 and run > 0:
                    W.hours[last] += run
                    W.gap[last] += run * gap
                    W.unseen[last] += run * unseen
                    for k in range(n_domains):
                        W.use[last, k] += C.share[c, k] * run
                run = 0.0
            if j == nv:
                break
            if kind == NONE:
                continue
            by_worker = pr >= 0
            if pr != last:  # the provider's skill gaps with this client, and what
                last = pr  # follows from them for each of their visits
                gap = 0.0
                unseen = 0.0
                match = 0.0
                worst = -1.0
                dom = -1
                for k in range(n_domains):
                    comp = W.competence[pr, k] if by_worker else P.agency_competence
                    g = C.share[c, k] * max(required - comp, 0.0)
                    gap += g
                    if not by_worker or W.known[pr, k] == 0:
                        unseen += g
                        if g > worst and g > 0:
                            worst = g
                            dom = k
                    match += C.share[c, k] * comp
                exh = W.exhaustion[pr] if by_worker else 0.0
                fit = 0.5 + 0.5 * min(1.0, match / required)
                fresh = 1.0 - P.exhaustion_quality_penalty * exh
                risk = unseen + P.known_gap_risk * (gap - unseen)
                p_inc = P.incident_rate * (1 + P.incident_gap_weight * risk) * (1 + exh) / nv
            rel = 0.5 + 0.5 * maturity if kind == PRIMARY else 0.5
            quality = fit * rel * fresh
            made += 1
            q_sum += quality
            g_sum += gap
            hit = sub_uniform(seed, j) < p_inc
            incident = incident or hit
            if kind == AGENCY:
                costs[COVER] += length * P.agency_rate
                continue
            run += length
            W.incidents[pr] += hit
            if kind == OVERTIME:
                W.overtime_hours[pr] += length
            if hit and dom >= 0:  # the incident reveals the unseen gap
                W.hours[pr] += run  # (the run so far, with the gaps it had)
                W.gap[pr] += run * gap
                W.unseen[pr] += run * unseen
                for k in range(n_domains):
                    W.use[pr, k] += C.share[c, k] * run
                run = 0.0
                W.known[pr, dom] = 1.0
                W.competence[pr, dom] += P.incident_learning * (1 - W.competence[pr, dom])
                W.found[pr] += 1
                last = -2  # its gaps changed
        C.gap[c] = g_sum / made if made else 0.0
        C.quality[c] = q_sum / made if made else 0.0
        C.incident[c] = incident
    headcount = 0
    programme = inservice_on(P, t)
    for i in range(W.alive.size):
        W.gap[i] = W.gap[i] / W.hours[i] if W.hours[i] > 0 else 0.0
        W.unseen[i] = W.unseen[i] / W.hours[i] if W.hours[i] > 0 else 0.0
        W.relationship[i] = W.relationship[i] / W.caseload[i] if W.caseload[i] > 0 else 0.0
        present = W.alive[i] and W.start_week[i] <= t and not W.absent[i]
        mentoring = present and t - W.start_week[i] < P.mentoring_weeks
        W.mentored[i] = W.mentoring_hours[i] if mentoring else 0.0
        if present and programme:
            W.mentored[i] += P.inservice_supervision_hours
        extra = max(W.hours[i] - P.contract_hours, 0.0)  # cover hours included, once
        costs[OVERTIME_COST] += extra * P.wage * P.overtime_premium
        floor_weeks = t - W.start_week[i]
        if W.alive[i] and 0 <= floor_weeks < P.onboarding_weeks:
            costs[ONBOARDING] += P.onboarding_cost / P.onboarding_weeks
        costs[TRAINING] += W.mentored[i] * P.wage  # a mentor's time is paid at the wage rate
        headcount += W.alive[i]
    costs[WAGES] += headcount * P.contract_hours * P.wage
    costs[BENEFITS] += headcount * P.contract_hours * P.wage * P.benefits_rate


@kernel
def delivered_hours(C):  # pragma: no cover (compiled)
    """Hours of care given this week by anyone (workers, float, overtime, agency): the
    hours of every visit made, ``sum_c h_c * (visits_c - missed_c) / visits_c``."""
    total = 0.0
    for c in range(C.kind.size):
        if C.visits[c] > 0:
            total += C.hours[c] * (C.visits[c] - C.missed[c]) / C.visits[c]
    return total
