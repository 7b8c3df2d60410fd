"""Observation: compute this week's measures (:data:`sim.outputs.METRICS`).

Reads: every state array, the continuity ledger (:mod:`sim.continuity`), the model's
rolling 52-week ledgers (separations, leavers' tenure, costs) and
``burnout_high_threshold``.
Writes: nothing; returns a dict keyed by metric name. Every value is finite and within
the range :data:`sim.outputs.METRICS` gives.

Conventions: continuity indices are averaged over clients with at least two contacts
in the last 52 weeks (one contact gives no defined COC/SECON; see
:mod:`sim.metrics`), and are 1.0 when no client has two contacts yet. Shares of an
empty group are 0.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.state import CONTACT_WINDOW, NONE

if TYPE_CHECKING:
    from sim.model import WorkforceModel


def _mean(x: np.ndarray, empty: float = 0.0) -> float:
    return float(x.mean()) if x.size else empty


def observe(model: WorkforceModel) -> dict[str, float]:
    p, w, c = model.p, model.workers, model.clients
    t = model.t
    alive = w.alive
    floor = alive & (w.start_week <= t)
    headcount = int(np.count_nonzero(alive))
    in_training = int(np.count_nonzero(alive & ~floor))
    posts = p.n_workers + p.float_pool
    vacancies = max(posts - headcount, 0)
    led = model.ledger
    leavers = float(led["separations"].sum())
    e = w.exhaustion[floor]
    comp = w.mean_competence(np.flatnonzero(floor))

    cont = model.continuity.indices()
    two = cont["n"] >= 2
    year = c.admit_week <= t - CONTACT_WINDOW
    same = year & (c.primary >= 0) & (c.primary_since <= t - CONTACT_WINDOW)
    seen = year if year.any() else cont["n"] >= 1

    cost = model.cost
    return {
        "headcount": float(headcount),
        "on_floor": float(headcount - in_training),
        "in_training": float(in_training),
        "vacancies": float(vacancies),
        "vacancy_rate": vacancies / posts,
        "hires": float(model.wk.get("hires", 0)),
        "separations": float(model.wk.get("quits", 0) + model.wk.get("dismissals", 0)),
        "quits": float(model.wk.get("quits", 0)),
        "dismissals": float(model.wk.get("dismissals", 0)),
        "turnover_rate": leavers / headcount if headcount else 0.0,
        "leavers_under_3m": float(led["under_3m"].sum()) / leavers if leavers else 0.0,
        "leavers_under_6m": float(led["under_6m"].sum()) / leavers if leavers else 0.0,
        "leavers_under_12m": float(led["under_12m"].sum()) / leavers if leavers else 0.0,
        "mean_tenure": _mean((t - w.hire_week[alive]).astype(float)),
        "burnout_mean": _mean(e),
        "burnout_high_share": _mean(e >= p.burnout_high_threshold),
        "competence_mean": _mean(comp),
        "gap_awareness_mean": _mean(w.awareness[floor]),
        "module_hours": float(w.module_hours[alive].sum()),
        "coc": _mean(cont["coc"][two], 1.0),
        "upc": _mean(cont["upc"][cont["n"] >= 1], 1.0),
        "secon": _mean(cont["secon"][two], 1.0),
        "distinct_workers": _mean(cont["distinct"][seen].astype(float)),
        "same_primary_share": _mean(same[year]),
        "care_quality_mean": _mean(c.quality[c.kind != NONE]),
        "unmet_need_share": _mean(c.kind == NONE),
        "incidents": float(np.count_nonzero(c.incident)),
        "client_wellbeing_mean": _mean(c.wellbeing),
        "cost_wages": cost["wages"],
        "cost_overtime": cost["overtime"],
        "cost_cover": cost["cover"],
        "cost_recruiting": cost["recruiting"],
        "cost_training": cost["training"],
        "cost_modules": cost["modules"],
        "cost_total": sum(cost.values()),
        "cost_per_client_year": float(led["cost"].sum()) / c.n,
    }
