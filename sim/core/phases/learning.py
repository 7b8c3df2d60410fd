"""Learning: structured training, experience, gap recognition and on-demand modules.

Reads: ``training_competence_gain``, ``training_awareness_gain``,
``training_selfcare_gain``, ``training_realism``, ``experience_rate``,
``gap_encounter_rate``, ``module_gain``, ``selfstudy_gain``, ``module_hours``,
``module_cost``, ``awareness_growth``, ``mentoring_awareness_gain``, ``trainer_cost``;
workers' ``use``, ``hours``, ``gap``, ``mentored``, ``modules``, ``refresher_hours``.
Writes: workers' ``competence``, ``awareness``, ``selfcare``, ``realism`` (training),
``module_hours``; trainer and module costs.

* Structured training of *H* hours closes a share ``min(1, gain * H / 100)`` of the
  distance to 1 in competence (every domain), gap awareness and self-care
  (:func:`train`); pre-service training also sets ``realism = min(1, training_realism
  * H / 100)``, the share of the reality shock it removes.
* Experience: ``comp_k += min(1, experience_rate * K * u_k) * (1 - comp_k)``, where
  *u_k* is the share of the week's care hours in domain *k*.
* A worker meets a gap with probability ``1 - exp(-gap_encounter_rate * gap)`` and
  recognises it with probability ``awareness`` ("not knowing what you don't know").
  A recognised gap in the domain with the largest ``u_k (1 - comp_k)`` is closed by
  ``module_gain`` if modules are available (``module_hours`` are added to the
  worker's load that week, see :mod:`sim.core.phases.burnout`),
  otherwise by ``selfstudy_gain``.
* Awareness grows by ``min(1, awareness_growth + mentoring_awareness_gain * mentoring
  hours) * (1 - awareness)`` each week on the floor.

Every update here closes a *share* of the distance to 1, and each share is capped at 1
(all of the distance), so competence, awareness and self-care stay within 0-1 for every
parameter value the registry allows. (Uncapped, ``awareness_growth = 0.2`` with
``mentoring_awareness_gain = 0.2`` and 10 mentoring hours would grow awareness by 2.2
times the distance, past 1; with the default parameters no share comes near 1, so the
caps change nothing there.)
* A yearly refresher of ``refresher_hours`` is given on each anniversary of the first
  shift.
"""

from __future__ import annotations

import numpy as np

from sim.core.draws import take
from sim.core.jit import kernel
from sim.core.outputs import indices
from sim.core.state import MODULES, TRAINING

#: The uniforms each worker slot takes a week, by name (the slot's block holds them in
#: this order): whether the worker meets a gap, whether they recognise it.
DRAWS = indices(("gap_met", "gap_seen"))


def uniforms(worker_slots: int, n_clients: int, posts: int, n_domains: int) -> int:
    """Most uniforms :func:`step` takes in a week."""
    return len(DRAWS) * worker_slots


@kernel
def train(W, P, costs, rows, hours, realism):  # pragma: no cover (compiled)
    """Apply ``hours`` of structured training to workers ``rows`` (and pay the trainer);
    pre-service training (``realism``) also sets their realism."""
    if hours <= 0 or rows.size == 0:
        return
    f = hours / 100.0
    gain_c = min(1.0, P.training_competence_gain * f)
    gain_a = min(1.0, P.training_awareness_gain * f)
    gain_s = min(1.0, P.training_selfcare_gain * f)
    for i in rows:
        for k in range(W.competence.shape[1]):
            W.competence[i, k] += (1 - W.competence[i, k]) * gain_c
        W.awareness[i] += (1 - W.awareness[i]) * gain_a
        W.selfcare[i] += (1 - W.selfcare[i]) * gain_s
        if realism:
            W.realism[i] = min(1.0, P.training_realism * f)
    costs[TRAINING] += rows.size * hours * P.trainer_cost


@kernel
def step(W, P, pool, pos, costs, t):  # pragma: no cover (compiled)
    n_domains = W.competence.shape[1]
    per = len(DRAWS)
    u = take(pool, pos, per * W.alive.size)
    one = np.empty(1, dtype=np.int64)
    for i in range(W.alive.size):
        W.module_hours[i] = 0.0
        if not W.alive[i]:
            continue
        if W.hours[i] > 0:
            best = -1.0
            dom = 0
            for k in range(n_domains):
                share = W.use[i, k] / W.hours[i]
                W.competence[i, k] += min(1.0, P.experience_rate * n_domains * share) * (
                    1 - W.competence[i, k]
                )
                room = share * (1 - W.competence[i, k])
                if room > best:
                    best = room
                    dom = k
            meets = u[per * i + DRAWS.gap_met] < 1 - np.exp(-P.gap_encounter_rate * W.gap[i])
            sees = meets and u[per * i + DRAWS.gap_seen] < W.awareness[i]
            module = sees and W.modules[i]
            gain = P.module_gain if module else (P.selfstudy_gain if sees else 0.0)
            W.competence[i, dom] += gain * (1 - W.competence[i, dom])
            for k in range(n_domains):
                W.competence[i, k] = min(max(W.competence[i, k], 0.0), 1.0)
            if module:
                W.module_hours[i] = P.module_hours
                costs[MODULES] += P.module_cost
        if W.start_week[i] <= t:
            grow = min(1.0, P.awareness_growth + P.mentoring_awareness_gain * W.mentored[i])
            W.awareness[i] += grow * (1 - W.awareness[i])
            weeks = t - W.start_week[i]
            if weeks > 0 and weeks % 52 == 0 and W.refresher_hours[i] > 0:  # refresher
                one[0] = i
                train(W, P, costs, one, W.refresher_hours[i], False)
