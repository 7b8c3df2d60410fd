"""Separation: quits (tenure-dependent hazard) and dismissals after incidents.

Reads: ``base_quit_hazard``, ``reality_shock``, ``reality_shock_weeks``,
``quit_exhaustion``, ``quit_competence``, ``dismissal_per_incident``;
``model.wk["quit_mult"]``; workers' tenure, realism, exhaustion, competence, incidents.
Writes: removes leavers (``alive``, their Mesa agents); clients of leavers lose their
primary worker (``primary = -1``, ``lost_primary``); ``model.wk`` counts ``quits``,
``dismissals``; leaver records for turnover and survival; separation costs.

Weekly quit hazard of a worker with floor tenure *tau* (weeks since the first shift):

``h = base * quit_mult * (1 + shock * (1 - realism) * exp(-tau / shock_weeks))
       * exp(quit_exhaustion * (E - 0.3) - quit_competence * (mean competence - 0.5))``

where ``quit_mult = outside_options`` (times ``shock_outside_options`` in a shock). The
reality-shock term applies from the first shift; during pre-service training it is
zero (the other factors still apply). A worker involved in *n* incidents this week is dismissed with
probability ``1 - (1 - dismissal_per_incident) ** n``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sim.model import WorkforceModel


def hazard(model: WorkforceModel, rows: np.ndarray) -> np.ndarray:
    """Weekly quit probability of workers ``rows``."""
    p, w = model.p, model.workers
    tau = model.t - w.start_week[rows]
    fade = np.exp(-np.maximum(tau, 0) / p.reality_shock_weeks)
    shock = np.where(tau >= 0, p.reality_shock * (1 - w.realism[rows]) * fade, 0.0)
    log_mod = p.quit_exhaustion * (w.exhaustion[rows] - 0.3) - p.quit_competence * (
        w.mean_competence(rows) - 0.5
    )
    h = p.base_quit_hazard * model.wk["quit_mult"] * (1 + shock) * np.exp(log_mod)
    return np.minimum(h, 1.0)


def run(model: WorkforceModel) -> None:
    p, w, c, rng = model.p, model.workers, model.clients, model.rng
    rows = np.flatnonzero(w.alive)
    quit = rng.random(rows.size) < hazard(model, rows)
    p_dis = 1 - (1 - p.dismissal_per_incident) ** w.incidents[rows]
    dismiss = (w.incidents[rows] > 0) & (rng.random(rows.size) < p_dis)
    quit &= ~dismiss
    leaving = rows[quit | dismiss]
    model.wk["quits"] = int(np.count_nonzero(quit))
    model.wk["dismissals"] = int(np.count_nonzero(dismiss))
    c.lost_primary[:] = False
    if leaving.size == 0:
        return
    model.record_leavers(leaving)
    gone = np.zeros(w.capacity, dtype=bool)
    gone[leaving] = True
    lost = (c.primary >= 0) & gone[np.maximum(c.primary, 0)]
    c.lost_primary[lost] = True
    c.primary[lost] = -1
    w.alive[leaving] = False
    model.remove_worker_handles(leaving)
    model.cost["recruiting"] += leaving.size * p.separation_cost
