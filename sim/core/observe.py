"""Observation: compute this week's measures (:data:`sim.core.outputs.METRICS`).

Reads: every state array, the continuity ledger (:mod:`sim.core.continuity`), the model's
rolling 52-week ledgers (separations, leavers' tenure, costs) and
``burnout_high_threshold``.
Writes: nothing; returns a dict keyed by metric name. Every value is finite and within
the range :data:`sim.core.outputs.METRICS` gives.

Conventions: continuity indices are averaged over clients with at least two contacts
in the last 52 weeks (one contact gives no defined COC/SECON; see
:mod:`sim.analysis.metrics`), and are 1.0 when no client has two contacts yet. Shares of an
empty group are 0.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.core.jit import kernel
from sim.core.state import (
    COST,
    NONE,
    SEPARATIONS,
    UNDER_3M,
    UNDER_6M,
    UNDER_12M,
    mean_competence,
)

if TYPE_CHECKING:  # model: a sim.core.model.WorkforceModel (which imports this module)
    from mesa import Model as WorkforceModel


#: What :func:`measure` computes, in order.
MEASURED = ("headcount", "in_training", "mean_tenure", "burnout_mean", "burnout_high_share",
            "competence_mean", "gap_awareness_mean", "module_hours", "coc", "upc", "secon",
            "distinct_workers", "same_primary_share", "care_quality_mean", "unmet_need_share",
            "incidents", "client_wellbeing_mean", "leavers", "under_3m", "under_6m",
            "under_12m", "year_cost")


def observe(model: WorkforceModel) -> dict[str, float]:
    """This week's measures of ``model`` (computed afresh)."""
    values = np.zeros(len(MEASURED))
    measure(model.workers.arrays, model.clients.arrays, model.continuity.arrays,
            model.ledgers, model.t, model.p.burnout_high_threshold, values)
    return as_metrics(model, values)


def as_metrics(model: WorkforceModel, values: np.ndarray) -> dict[str, float]:
    """The dict of measures from :func:`measure`'s values and the week's counts and costs."""
    p, c = model.p, model.clients
    (headcount, in_training, tenure, burnout, high, competence, awareness, module_hours,
     coc, upc, secon, distinct, same_primary, quality, unmet, incidents, wellbeing,
     leavers, under_3m, under_6m, under_12m, year_cost) = values.tolist()
    posts = p.n_workers + p.float_pool
    vacancies = max(posts - headcount, 0)
    wk, cost = model.wk, model.cost
    cost_total = float(model.costs.sum())
    return {
        "headcount": float(headcount),
        "on_floor": float(headcount - in_training),
        "in_training": float(in_training),
        "vacancies": float(vacancies),
        "vacancy_rate": vacancies / posts,
        "hires": float(wk.get("hires", 0)),
        "separations": float(wk.get("quits", 0) + wk.get("dismissals", 0)),
        "quits": float(wk.get("quits", 0)),
        "dismissals": float(wk.get("dismissals", 0)),
        "turnover_rate": leavers / headcount if headcount else 0.0,
        "leavers_under_3m": under_3m / leavers if leavers else 0.0,
        "leavers_under_6m": under_6m / leavers if leavers else 0.0,
        "leavers_under_12m": under_12m / leavers if leavers else 0.0,
        "mean_tenure": tenure,
        "burnout_mean": burnout,
        "burnout_high_share": high,
        "competence_mean": competence,
        "gap_awareness_mean": awareness,
        "module_hours": module_hours,
        "coc": coc,
        "upc": upc,
        "secon": secon,
        "distinct_workers": distinct,
        "same_primary_share": same_primary,
        "care_quality_mean": quality,
        "unmet_need_share": unmet,
        "incidents": float(incidents),
        "client_wellbeing_mean": wellbeing,
        "cost_wages": cost["wages"],
        "cost_overtime": cost["overtime"],
        "cost_cover": cost["cover"],
        "cost_recruiting": cost["recruiting"],
        "cost_training": cost["training"],
        "cost_modules": cost["modules"],
        "cost_total": cost_total,
        "cost_per_client_year": year_cost / c.n,
    }


@kernel
def measure(W, C, L, led, t, high_threshold, out):  # pragma: no cover (compiled)
    """One pass over workers, one over clients and one over the 52-week ledgers; the
    :data:`MEASURED` values, in order, into ``out``."""
    window = L.contacts.shape[1]
    alive, start_week, hire_week = W.alive, W.start_week, W.hire_week
    exhaustion, competence, awareness, module_hours = (
        W.exhaustion, W.competence, W.awareness, W.module_hours)
    admit_week, primary, primary_since, kind, quality, incident, wellbeing = (
        C.admit_week, C.primary, C.primary_since, C.kind, C.quality, C.incident, C.wellbeing)
    n, sumsq, top, same, distinct = L.n, L.sumsq, L.top, L.same, L.distinct
    headcount = 0
    floor = 0
    tenure = 0.0
    e_sum = 0.0
    high = 0
    comp_sum = 0.0
    aware_sum = 0.0
    modules = 0.0
    for i in range(alive.size):
        if not alive[i]:
            continue
        headcount += 1
        tenure += t - hire_week[i]
        modules += module_hours[i]
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
    out[0] = headcount
    out[1] = headcount - floor
    out[2] = tenure / headcount if headcount else 0.0
    out[3] = e_sum / floor if floor else 0.0
    out[4] = high / floor if floor else 0.0
    out[5] = comp_sum / floor if floor else 0.0
    out[6] = aware_sum / floor if floor else 0.0
    out[7] = modules
    out[8] = coc / n_two if n_two else 1.0
    out[9] = upc / n_one if n_one else 1.0
    out[10] = secon / n_two if n_two else 1.0
    out[11] = distinct_mean
    out[12] = same_primary / n_year if n_year else 0.0
    out[13] = q_sum / n_cared if n_cared else 0.0
    out[14] = (kind.size - n_cared) / kind.size if kind.size else 0.0
    out[15] = incidents
    out[16] = wb_sum / kind.size if kind.size else 0.0
    out[17] = led[SEPARATIONS].sum()
    out[18] = led[UNDER_3M].sum()
    out[19] = led[UNDER_6M].sum()
    out[20] = led[UNDER_12M].sum()
    out[21] = led[COST].sum()
