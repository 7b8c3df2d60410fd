"""Observation: compute this week's measures (:data:`sim.core.outputs.METRICS`).

Reads: every state array, the continuity ledger (:mod:`sim.core.continuity`), this week's
costs and event counts (hires, quits, dismissals: :data:`sim.core.phases.EVENT`), the
model's rolling 52-week ledgers (separations, leavers' tenure, costs, care hours
delivered), clients' ``hours`` of need this week and the
parameters ``burnout_high_threshold``, ``n_workers`` and ``float_pool``.
Writes: one value per measure, each into its slot of a buffer (:data:`sim.core.outputs.SLOT`,
generated from :data:`~sim.core.outputs.METRICS`); :func:`as_metrics` turns the buffer into
the dict keyed by metric name. Every value is finite and within the range
:data:`~sim.core.outputs.METRICS` gives.

Conventions: the 12-month continuity indices are averaged over clients with at least
two visits in the last 52 weeks (one visit gives no defined COC/SECON; see
:mod:`sim.analysis.metrics`), the 6-month ones over clients in care all of the last 26
weeks with at least two visits in them; they are 1.0 when no client qualifies yet.
Shares of an empty group are 0. Unmet hours are the hours of missed visits; cost per
care hour is the 52-week cost over the 52-week delivered hours (0 before any).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.core.jit import kernel
from sim.core.outputs import METRICS, SLOT
from sim.core.state import (
    BENEFITS,
    CARE_HOURS,
    CONTACT_WINDOW,
    COST,
    COVER,
    EVENT,
    MODULES,
    NONE,
    ONBOARDING,
    OVERTIME_COST,
    RECRUITING,
    SEPARATIONS,
    SHORT_WINDOW,
    TRAINING,
    UNDER_3M,
    UNDER_6M,
    UNDER_12M,
    WAGES,
    mean_competence,
)

#: Reckrey et al. (2022)'s groups of home care clients by daily hours, in hours a week:
#: under 3 hours a day, 3-7, over 7 (``coc_6m_*_hours``; a client's usual need, without
#: crisis or escalation).
HOURS_FEW = 21.0
HOURS_MANY = 49.0

if TYPE_CHECKING:  # model: a sim.core.model.WorkforceModel (which imports this module)
    from mesa import Model as WorkforceModel


def observe(model: WorkforceModel) -> dict[str, float]:
    """This week's measures of ``model`` (computed afresh)."""
    values = np.zeros(len(SLOT))
    measure(
        model.workers.arrays,
        model.clients.arrays,
        model.continuity.arrays,
        model.params_record[0],
        model.costs,
        model.ledgers,
        model.events,
        model.t,
        values,
    )
    return as_metrics(values)


def as_metrics(values: np.ndarray) -> dict[str, float]:
    """The dict of measures (Python floats, in the order of METRICS) from the buffer
    :func:`measure` filled."""
    return dict(zip(METRICS, values.tolist(), strict=True))


@kernel
def measure(W, C, L, P, costs, led, events, t, out):  # pragma: no cover (compiled)
    """One pass over workers, one over clients and one over the 52-week ledgers; each
    measure into its slot of ``out`` (``out[SLOT.name]``, one slot per metric)."""
    window = CONTACT_WINDOW
    alive, start_week, hire_week = W.alive, W.start_week, W.hire_week
    exhaustion, competence, awareness, module_hours = (
        W.exhaustion,
        W.competence,
        W.awareness,
        W.module_hours,
    )
    high_threshold = P.burnout_high_threshold
    admit_week, primary, primary_since, kind, quality, incident, wellbeing = (
        C.admit_week,
        C.primary,
        C.primary_since,
        C.kind,
        C.quality,
        C.incident,
        C.wellbeing,
    )
    n, sumsq, top, same, distinct = L.n, L.sumsq, L.top, L.same, L.distinct  # [window, c]
    headcount = 0
    floor = 0
    tenure = 0.0
    e_sum = 0.0
    high = 0
    comp_sum = 0.0
    aware_sum = 0.0
    modules = 0.0
    gap_sum = 0.0
    unseen_sum = 0.0
    found = 0
    for i in range(alive.size):
        if not alive[i]:
            continue
        headcount += 1
        tenure += t - hire_week[i]
        modules += module_hours[i]
        gap_sum += W.gap[i] * W.hours[i]
        unseen_sum += W.unseen[i] * W.hours[i]
        found += W.found[i]
        if start_week[i] <= t:
            floor += 1
            e_sum += exhaustion[i]
            high += exhaustion[i] >= high_threshold
            comp_sum += mean_competence(competence, i)
            aware_sum += awareness[i]
    n_two = 0
    n_one = 0
    coc = 0.0
    secon = 0.0
    upc = 0.0
    n_year = 0
    same_primary = 0
    distinct_year = 0
    distinct_seen = 0
    n_half = 0  # clients in care all of the last 26 weeks, with 2+ visits in them
    coc6 = 0.0
    upc6 = 0.0
    secon6 = 0.0
    distinct6 = 0
    group_n = np.zeros(3, dtype=np.int64)  # under 21, 21-49, over 49 hours a week
    group_coc = np.zeros(3)
    n_cared = 0
    q_sum = 0.0
    care_hours = 0.0
    cover_hours = 0.0
    unmet_hours = 0.0
    visits = 0
    missed = 0
    by_primary = 0
    no_primary = 0
    incidents = 0
    wb_sum = 0.0
    for c in range(kind.size):
        nc = n[1, c]
        if nc >= 2:
            n_two += 1
            coc += (sumsq[1, c] - nc) / (nc * (nc - 1.0))
            secon += same[1, c] / (nc - 1.0)
        if nc >= 1:
            n_one += 1
            upc += top[1, c] / nc
            distinct_seen += distinct[1, c]
        if admit_week[c] <= t - window:
            n_year += 1
            distinct_year += distinct[1, c]
            same_primary += primary[c] >= 0 and primary_since[c] <= t - window
        nh = n[0, c]
        if admit_week[c] <= t - SHORT_WINDOW and nh >= 2:
            n_half += 1
            x = (sumsq[0, c] - nh) / (nh * (nh - 1.0))
            coc6 += x
            upc6 += top[0, c] / nh
            secon6 += same[0, c] / (nh - 1.0)
            distinct6 += distinct[0, c]
            hb = P.client_hours * C.acuity[c] * C.hours_factor[c]
            g = 0 if hb < HOURS_FEW else (1 if hb <= HOURS_MANY else 2)
            group_n[g] += 1
            group_coc[g] += x
        nv = C.visits[c]
        visits += nv
        missed += C.missed[c]
        by_primary += C.by_primary[c]
        no_primary += primary[c] < 0
        if nv > 0:
            care_hours += C.hours[c] * (nv - C.missed[c]) / nv
            unmet_hours += C.hours[c] * C.missed[c] / nv
            cover_hours += C.hours[c] * C.covered[c] / nv
        if kind[c] != NONE:
            n_cared += 1
            q_sum += quality[c]
        incidents += incident[c]
        wb_sum += wellbeing[c]
    distinct_mean = 0.0
    if n_year:  # clients in care a whole year; before any has been, all seen clients
        distinct_mean = distinct_year / n_year
    elif n_one:
        distinct_mean = distinct_seen / n_one
    posts = P.n_workers + P.float_pool
    vacancies = max(posts - headcount, 0)
    leavers = led[SEPARATIONS].sum()
    quits = events[EVENT.quits]
    dismissals = events[EVENT.dismissals]
    n_clients = kind.size
    # staffing
    out[SLOT.headcount] = headcount
    out[SLOT.on_floor] = floor
    out[SLOT.in_training] = headcount - floor
    out[SLOT.vacancies] = vacancies
    out[SLOT.vacancy_rate] = vacancies / posts
    out[SLOT.hires] = events[EVENT.hires]
    # turnover
    out[SLOT.separations] = quits + dismissals
    out[SLOT.quits] = quits
    out[SLOT.dismissals] = dismissals
    out[SLOT.turnover_rate] = leavers / headcount if headcount else 0.0
    out[SLOT.leavers_under_3m] = led[UNDER_3M].sum() / leavers if leavers else 0.0
    out[SLOT.leavers_under_6m] = led[UNDER_6M].sum() / leavers if leavers else 0.0
    out[SLOT.leavers_under_12m] = led[UNDER_12M].sum() / leavers if leavers else 0.0
    out[SLOT.mean_tenure] = tenure / headcount if headcount else 0.0
    # burnout and competence
    out[SLOT.burnout_mean] = e_sum / floor if floor else 0.0
    out[SLOT.burnout_high_share] = high / floor if floor else 0.0
    out[SLOT.competence_mean] = comp_sum / floor if floor else 0.0
    out[SLOT.gap_awareness_mean] = aware_sum / floor if floor else 0.0
    out[SLOT.unseen_gap_share] = min(unseen_sum / gap_sum, 1.0) if gap_sum > 0 else 0.0
    out[SLOT.gaps_found_by_incident] = found
    out[SLOT.module_hours] = modules
    # continuity
    out[SLOT.coc] = coc / n_two if n_two else 1.0
    out[SLOT.upc] = upc / n_one if n_one else 1.0
    out[SLOT.secon] = secon / n_two if n_two else 1.0
    out[SLOT.distinct_workers] = distinct_mean
    out[SLOT.same_primary_share] = same_primary / n_year if n_year else 0.0
    out[SLOT.coc_6m] = coc6 / n_half if n_half else 1.0
    out[SLOT.upc_6m] = upc6 / n_half if n_half else 1.0
    out[SLOT.secon_6m] = secon6 / n_half if n_half else 1.0
    out[SLOT.distinct_workers_6m] = distinct6 / n_half if n_half else 0.0
    out[SLOT.coc_6m_few_hours] = group_coc[0] / group_n[0] if group_n[0] else 0.0
    out[SLOT.coc_6m_moderate_hours] = group_coc[1] / group_n[1] if group_n[1] else 0.0
    out[SLOT.coc_6m_many_hours] = group_coc[2] / group_n[2] if group_n[2] else 0.0
    out[SLOT.primary_visit_share] = by_primary / visits if visits else 0.0
    out[SLOT.missed_visit_share] = missed / visits if visits else 0.0
    out[SLOT.cover_hours] = cover_hours
    out[SLOT.no_primary_share] = no_primary / n_clients if n_clients else 0.0
    # care
    out[SLOT.care_quality_mean] = q_sum / n_cared if n_cared else 0.0
    out[SLOT.unmet_need_share] = (n_clients - n_cared) / n_clients if n_clients else 0.0
    out[SLOT.care_hours_delivered] = care_hours
    out[SLOT.unmet_hours] = unmet_hours
    out[SLOT.incidents] = incidents
    out[SLOT.client_wellbeing_mean] = wb_sum / n_clients if n_clients else 0.0
    # cost
    out[SLOT.cost_wages] = costs[WAGES]
    out[SLOT.cost_benefits] = costs[BENEFITS]
    out[SLOT.cost_overtime] = costs[OVERTIME_COST]
    out[SLOT.cost_cover] = costs[COVER]
    own = P.wage * (1 + P.benefits_rate)  # an hour of the agency's own staff
    out[SLOT.cost_agency_premium] = (
        costs[COVER] * max(1 - own / P.agency_rate, 0.0) if P.agency_rate > 0 else 0.0
    )
    out[SLOT.cost_recruiting] = costs[RECRUITING]
    out[SLOT.cost_training] = costs[TRAINING]
    out[SLOT.cost_modules] = costs[MODULES]
    out[SLOT.cost_onboarding] = costs[ONBOARDING]
    out[SLOT.cost_total] = costs.sum()
    year_hours = led[CARE_HOURS].sum()
    out[SLOT.cost_per_care_hour] = led[COST].sum() / year_hours if year_hours > 0 else 0.0
    out[SLOT.cost_per_client_year] = led[COST].sum() / n_clients
