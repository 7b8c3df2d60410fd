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

Conventions: continuity indices are averaged over clients with at least two contacts
in the last 52 weeks (one contact gives no defined COC/SECON; see
:mod:`sim.analysis.metrics`), and are 1.0 when no client has two contacts yet. Shares of an
empty group are 0. Unmet hours are the need of clients with no care this week; cost per
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
    COST,
    COVER,
    EVENT,
    MODULES,
    NONE,
    ONBOARDING,
    OVERTIME_COST,
    RECRUITING,
    SEPARATIONS,
    TRAINING,
    UNDER_3M,
    UNDER_6M,
    UNDER_12M,
    WAGES,
    mean_competence,
)

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
    window = L.contacts.shape[1]
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
    n, sumsq, top, same, distinct = L.n, L.sumsq, L.top, L.same, L.distinct
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
    n_cared = 0
    q_sum = 0.0
    need_hours = 0.0
    care_hours = 0.0
    incidents = 0
    wb_sum = 0.0
    for c in range(kind.size):
        nc = n[c]
        if nc >= 2:
            n_two += 1
            coc += (sumsq[c] - nc) / (nc * (nc - 1.0))
            secon += same[c] / (nc - 1.0)
        if nc >= 1:
            n_one += 1
            upc += top[c] / nc
            distinct_seen += distinct[c]
        if admit_week[c] <= t - window:
            n_year += 1
            distinct_year += distinct[c]
            same_primary += primary[c] >= 0 and primary_since[c] <= t - window
        need_hours += C.hours[c]
        if kind[c] != NONE:
            n_cared += 1
            q_sum += quality[c]
            care_hours += C.hours[c]
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
    # care
    out[SLOT.care_quality_mean] = q_sum / n_cared if n_cared else 0.0
    out[SLOT.unmet_need_share] = (n_clients - n_cared) / n_clients if n_clients else 0.0
    out[SLOT.care_hours_delivered] = care_hours
    out[SLOT.unmet_hours] = need_hours - care_hours
    out[SLOT.incidents] = incidents
    out[SLOT.client_wellbeing_mean] = wb_sum / n_clients if n_clients else 0.0
    # cost
    out[SLOT.cost_wages] = costs[WAGES]
    out[SLOT.cost_benefits] = costs[BENEFITS]
    out[SLOT.cost_overtime] = costs[OVERTIME_COST]
    out[SLOT.cost_cover] = costs[COVER]
    out[SLOT.cost_recruiting] = costs[RECRUITING]
    out[SLOT.cost_training] = costs[TRAINING]
    out[SLOT.cost_modules] = costs[MODULES]
    out[SLOT.cost_onboarding] = costs[ONBOARDING]
    out[SLOT.cost_total] = costs.sum()
    year_hours = led[CARE_HOURS].sum()
    out[SLOT.cost_per_care_hour] = led[COST].sum() / year_hours if year_hours > 0 else 0.0
    out[SLOT.cost_per_client_year] = led[COST].sum() / n_clients
