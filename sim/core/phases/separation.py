"""Separation: quits (tenure-dependent hazard) and dismissals after incidents.

Reads: ``base_quit_hazard``, ``reality_shock``, ``reality_shock_weeks``,
``quit_exhaustion``, ``quit_competence``, ``dismissal_per_incident``, ``wage``,
``benefits_rate``, ``market_pay``, ``quit_pay_elasticity``;
this week's quit multiplier; workers' tenure, realism, exhaustion, competence,
incidents.
Writes: leavers are no longer ``alive``; clients of leavers lose their primary worker
(``primary = -1``, ``lost_primary``) and leavers leave the clients' teams (``backup``);
leavers (and those under 3, 6 and 12 months) in the 52-week ledgers; separation costs.
Returns the leavers' rows (the model removes their Mesa agents and keeps their spells
for the survival curve) and the numbers of quits and dismissals.

Weekly quit hazard of a worker with floor tenure *tau* (weeks since the first shift):

``h = base * quit_mult * (1 + shock * (1 - realism) * exp(-tau / shock_weeks))
       * exp(quit_exhaustion * (E - 0.3) - quit_competence * (mean competence - 0.5))``

where ``quit_mult = outside_options * pay_factor`` (times ``shock_outside_options`` in a
shock) and ``pay_factor = (wage * (1 + benefits_rate) / market_pay) ** -quit_pay_elasticity``
(:func:`pay_factor`: 1 when the agency pays the local market rate). The
reality-shock term applies from the first shift; during pre-service training it is
zero (the other factors still apply). A worker involved in *n* incidents this week is dismissed with
probability ``1 - (1 - dismissal_per_incident) ** n``.
"""

from __future__ import annotations

import numpy as np

from sim.core.draws import take
from sim.core.jit import kernel
from sim.core.outputs import indices
from sim.core.state import (
    CONTACT_WINDOW,
    RECRUITING,
    SEPARATIONS,
    UNDER_3M,
    UNDER_6M,
    UNDER_12M,
    mean_competence,
)

#: The uniforms each worker slot takes a week, by name: the slot's block holds them in
#: this order.
DRAWS = indices(("quit", "dismissal"))


def uniforms(worker_slots: int, n_clients: int, posts: int, n_domains: int) -> int:
    """Most uniforms :func:`step` takes in a week."""
    return len(DRAWS) * worker_slots


@kernel
def _hazard(W, P, rows, t, base):  # pragma: no cover (compiled)
    h = np.empty(rows.size)
    for j in range(rows.size):
        i = rows[j]
        tau = t - W.start_week[i]
        fade = np.exp(-max(tau, 0) / P.reality_shock_weeks)
        shock = P.reality_shock * (1 - W.realism[i]) * fade if tau >= 0 else 0.0
        log_mod = P.quit_exhaustion * (W.exhaustion[i] - 0.3) - P.quit_competence * (
            mean_competence(W.competence, i) - 0.5
        )
        h[j] = min(base * (1 + shock) * np.exp(log_mod), 1.0)
    return h


@kernel
def pay_factor(P):  # pragma: no cover (compiled)
    """Multiplier on the quit hazard from pay relative to the local market."""
    ratio = P.wage * (1.0 + P.benefits_rate) / P.market_pay
    return ratio ** (-P.quit_pay_elasticity)


@kernel
def step(W, C, P, pool, pos, costs, led, t, quit_mult):  # pragma: no cover (compiled)
    per = len(DRAWS)
    u = take(pool, pos, per * W.alive.size)
    rows = np.flatnonzero(W.alive)
    h = _hazard(W, P, rows, t, P.base_quit_hazard * quit_mult * pay_factor(P))
    leaving = np.empty(rows.size, dtype=np.int64)
    n = 0
    quits = 0
    dismissals = 0
    slot = t % CONTACT_WINDOW
    for j in range(rows.size):
        i = rows[j]
        n_inc = W.incidents[i]
        if n_inc > 0 and u[per * i + DRAWS.dismissal] < (
            1 - (1 - P.dismissal_per_incident) ** float(n_inc)
        ):
            dismissals += 1
        elif u[per * i + DRAWS.quit] < h[j]:
            quits += 1
        else:
            continue
        W.alive[i] = False
        leaving[n] = i
        n += 1
        tenure = t - W.hire_week[i]
        led[SEPARATIONS, slot] += 1
        led[UNDER_3M, slot] += tenure < 13
        led[UNDER_6M, slot] += tenure < 26
        led[UNDER_12M, slot] += tenure < 52
    for c in range(C.primary.size):
        C.lost_primary[c] = C.primary[c] >= 0 and not W.alive[C.primary[c]]
        if C.lost_primary[c]:
            C.primary[c] = -1
        for k in range(C.backup.shape[1]):  # leavers leave the clients' teams too
            if C.backup[c, k] >= 0 and not W.alive[C.backup[c, k]]:
                C.backup[c, k] = -1
    costs[RECRUITING] += n * P.separation_cost
    return leaving[:n], quits, dismissals
