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

from sim.jit import kernel

if TYPE_CHECKING:
    from sim.model import WorkforceModel


def hazard(model: WorkforceModel, rows: np.ndarray) -> np.ndarray:
    """Weekly quit probability of workers ``rows``."""
    p, w = model.p, model.workers
    return _hazard(
        np.asarray(rows, dtype=np.int64), w.start_week, w.realism, w.exhaustion,
        w.competence, model.t, p.base_quit_hazard * model.wk["quit_mult"], p.reality_shock,
        p.reality_shock_weeks, p.quit_exhaustion, p.quit_competence,
    )


def run(model: WorkforceModel) -> None:
    p, w, c = model.p, model.workers, model.clients
    draws = model.draws.take(2, w.capacity)  # quit and dismissal draws per worker slot
    leaving, quits, dismissals = _separate(
        draws, w.alive, w.start_week, w.realism, w.exhaustion, w.competence, w.incidents,
        c.primary, c.lost_primary, model.t, p.base_quit_hazard * model.wk["quit_mult"],
        p.reality_shock, p.reality_shock_weeks, p.quit_exhaustion, p.quit_competence,
        p.dismissal_per_incident,
    )
    model.wk["quits"] = quits
    model.wk["dismissals"] = dismissals
    if leaving.size:
        model.record_leavers(leaving)
        model.remove_worker_handles(leaving)
        model.cost["recruiting"] += leaving.size * p.separation_cost


@kernel
def _hazard(rows, start_week, realism, exhaustion, competence, t, base, reality_shock,
            shock_weeks, quit_exhaustion, quit_competence):  # pragma: no cover (compiled)
    n_domains = competence.shape[1]
    h = np.empty(rows.size)
    for j in range(rows.size):
        i = rows[j]
        tau = t - start_week[i]
        fade = np.exp(-max(tau, 0) / shock_weeks)
        shock = reality_shock * (1 - realism[i]) * fade if tau >= 0 else 0.0
        comp = competence[i, 0]
        for k in range(1, n_domains):
            comp += competence[i, k]
        log_mod = quit_exhaustion * (exhaustion[i] - 0.3) - quit_competence * (
            comp / n_domains - 0.5
        )
        h[j] = min(base * (1 + shock) * np.exp(log_mod), 1.0)
    return h


@kernel
def _separate(draws, alive, start_week, realism, exhaustion, competence, incidents,
              primary, lost_primary, t, base, reality_shock, shock_weeks, quit_exhaustion,
              quit_competence, dismissal_per_incident):  # pragma: no cover (compiled)
    """Quits and dismissals (a dismissed worker does not quit); leavers are no longer
    ``alive`` and their clients lose them (``lost_primary``).

    Returns the leavers' rows and the numbers of quits and dismissals.
    """
    rows = np.flatnonzero(alive)
    h = _hazard(rows, start_week, realism, exhaustion, competence, t, base, reality_shock,
                shock_weeks, quit_exhaustion, quit_competence)
    leaving = np.empty(rows.size, dtype=np.int64)
    n = 0
    quits = 0
    dismissals = 0
    for j in range(rows.size):
        i = rows[j]
        n_inc = incidents[i]
        p_dis = 1 - (1 - dismissal_per_incident) ** float(n_inc)
        if n_inc > 0 and draws[1, i] < p_dis:
            dismissals += 1
        elif draws[0, i] < h[j]:
            quits += 1
        else:
            continue
        alive[i] = False
        leaving[n] = i
        n += 1
    for c in range(primary.size):
        lost_primary[c] = primary[c] >= 0 and not alive[primary[c]]
        if lost_primary[c]:
            primary[c] = -1
    return leaving[:n], quits, dismissals
