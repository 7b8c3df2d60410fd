"""Hiring: open posts are filled after a random time-to-fill; new hires start training.

Reads: ``n_workers``, ``float_pool``, ``time_to_fill``, ``training_hours_per_week``,
``initial_competence``, ``self_assessment``, ``initial_selfcare``,
``float_training_hours``, ``recruit_cost``, ``trainer_cost``; this week's time-to-fill
multiplier (:mod:`sim.core.phases.shocks`); the current hiring policy ``policy`` (the
regime's training parameters; the status quo during warm-up).
Writes: new worker rows in ``model.workers`` (competence, awareness, self-care,
realism, the regime's entitlements: the chance of learning a recognised gap by a
module, mentoring hours and how well the mentor spots gaps, refresher hours; ``start_week`` after
the pre-service weeks, a new worker id); recruiting and trainer costs. Returns the
new hires' rows (the model gives each a Mesa ``Worker`` handle).

Each open post is filled in a given week with probability ``1 - exp(-1 / ttf)``, so
the time to fill is geometric with mean ``1 / (1 - exp(-1/ttf))``, about ``ttf + 0.5``
weeks. A hire spends
``floor(preservice_hours / training_hours_per_week)`` whole weeks in pre-service
training (paid, counted in headcount, no caseload); hours short of a whole week (such
as a two-day orientation) take no floor time. Training gains apply at hire.
"""

from __future__ import annotations

import numpy as np
from numba import literal_unroll

from sim.core.draws import normal, take
from sim.core.jit import kernel
from sim.core.outputs import indices
from sim.core.phases import learning
from sim.core.state import NEXT_WORKER_ID, RECRUITING

#: The uniforms each open post takes a week (whether it is filled), by name.
POST_DRAWS = indices(("fill",))

#: A hire's normal variates besides one competence per need domain (:func:`hire`), by
#: name; each takes two uniforms, after the domains' pairs.
HIRE_NORMALS = indices(("awareness", "selfcare", "exhaustion", "sensitivity"))


def uniforms(worker_slots: int, n_clients: int, posts: int, n_domains: int) -> int:
    """Most uniforms :func:`step` takes in a week (every post open and filled)."""
    return posts * (len(POST_DRAWS) + hire_draws(n_domains))


@kernel
def hire_draws(n_domains):  # pragma: no cover (compiled)
    """Uniforms one hire takes (:func:`hire`)."""
    return 2 * (n_domains + len(HIRE_NORMALS))


@kernel
def step(W, P, policy, pool, pos, counters, costs, t, ttf_mult):  # pragma: no cover
    fill = 1.0 - np.exp(-1.0 / (P.time_to_fill * ttf_mult))
    open_reg, open_float = open_posts(W, P)
    per = len(POST_DRAWS)
    u = take(pool, pos, per * open_reg)
    n_reg = 0
    for j in range(open_reg):
        n_reg += u[per * j + POST_DRAWS.fill] < fill
    u = take(pool, pos, per * open_float)
    n_float = 0
    for j in range(open_float):
        n_float += u[per * j + POST_DRAWS.fill] < fill
    no_tenure = np.zeros(max(n_reg, n_float), dtype=np.int64)
    # np.bool_, not a literal True/False: the call then shares the one compiled version
    # of ``hire`` with the model's (a literal would compile a version for each value),
    # and element copies, not slice assignments (whose error message compiles string
    # formatting): both make the first compilation shorter
    regular = hire(
        W, P, policy, pool, pos, counters, costs, t, n_reg, np.bool_(False), no_tenure[:n_reg]
    )
    floats = hire(
        W, P, policy, pool, pos, counters, costs, t, n_float, np.bool_(True), no_tenure[:n_float]
    )
    rows = np.empty(n_reg + n_float, dtype=np.int64)
    for i in range(n_reg):
        rows[i] = regular[i]
    for i in range(n_float):
        rows[n_reg + i] = floats[i]
    costs[RECRUITING] += rows.size * P.recruit_cost
    return rows


@kernel
def open_posts(W, P):  # pragma: no cover (compiled)
    """(regular, float) posts with nobody employed in them."""
    regular = 0
    floats = 0
    for i in range(W.alive.size):
        if W.alive[i]:
            if W.is_float[i]:
                floats += 1
            else:
                regular += 1
    return max(P.n_workers - regular, 0), max(P.float_pool - floats, 0)


@kernel
def hire(
    W, P, policy, pool, pos, counters, costs, t, k, is_float, tenure
):  # pragma: no cover (compiled)
    """``k`` new workers in free slots under ``policy``; returns their rows.

    ``tenure`` (weeks, for the initial workforce) back-dates each hire. Traits from
    uniforms, two per normal variate: competence in each domain ~
    N(initial_competence, 0.08), awareness ~ logit-normal around ``self_assessment``
    (``expit(logit(self_assessment) + 0.4 z)``: exactly 0 or 1 when it is 0 or 1,
    sd about 0.075 at 0.25), self-care ~ N(initial_selfcare, 0.1), exhaustion ~
    N(0.1, 0.05), all clipped to 0-1; sensitivity ~ lognormal(0, 0.3). No gap is
    recognised yet (``known`` = 0). The caller makes sure ``k`` slots are free.
    """
    n_domains = W.competence.shape[1]
    rows = np.flatnonzero(~W.alive)[:k]
    hours = P.float_training_hours if is_float else policy.preservice_hours
    per = hire_draws(n_domains)
    u = take(pool, pos, k * per)
    z = np.empty(n_domains + len(HIRE_NORMALS))
    for j in range(k):
        i = rows[j]
        _clear(W, i)
        for m in range(z.size):
            z[m] = normal(u[j * per + 2 * m], u[j * per + 2 * m + 1])
        W.alive[i] = True
        W.is_float[i] = is_float
        W.wid[i] = counters[NEXT_WORKER_ID]
        counters[NEXT_WORKER_ID] += 1
        W.hire_week[i] = t - tenure[j]
        W.start_week[i] = t - tenure[j] + int(hours // P.training_hours_per_week)
        W.reported[i] = t > 0
        W.regime_code[i] = 1 if t > 0 else 0
        for d in range(n_domains):
            W.competence[i, d] = min(max(P.initial_competence + 0.08 * z[d], 0.0), 1.0)
        trait = z[n_domains:]
        W.awareness[i] = logit_normal(policy.self_assessment, trait[HIRE_NORMALS.awareness])
        W.selfcare[i] = min(max(P.initial_selfcare + 0.1 * trait[HIRE_NORMALS.selfcare], 0.0), 1.0)
        W.exhaustion[i] = min(max(0.1 + 0.05 * trait[HIRE_NORMALS.exhaustion], 0.0), 1.0)
        W.sensitivity[i] = np.exp(0.3 * trait[HIRE_NORMALS.sensitivity])
        W.module_chance[i] = learning.module_chance(policy) if policy.modules_available else 0.0
        W.detection[i] = policy.mentor_detection
        W.mentoring_hours[i] = policy.mentoring_hours
        W.refresher_hours[i] = policy.refresher_hours
    learning.train(W, P, costs, rows, hours, True)
    return rows


@kernel
def logit_normal(mean, z):  # pragma: no cover (compiled)
    """``expit(logit(mean) + 0.4 z)``: a 0-1 trait spread around ``mean``, exactly 0
    or 1 when ``mean`` is."""
    if mean <= 0.0 or mean >= 1.0:
        return min(max(mean, 0.0), 1.0)
    x = np.log(mean / (1.0 - mean)) + 0.4 * z
    return 1.0 / (1.0 + np.exp(-x))


@kernel
def _clear(W, i):  # pragma: no cover (compiled)
    """Reset every field of slot ``i`` (a new worker starts from nothing)."""
    for field in literal_unroll(W):
        field[i] = 0
