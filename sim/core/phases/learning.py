"""Learning: structured training, experience, gap recognition and on-demand modules.

Reads: ``training_competence_max``/``_hours``, ``training_awareness_max``/``_hours``,
``training_selfcare_max``/``_hours``, ``training_realism_max``/``_hours``,
``experience_rate``, ``unseen_learning``, ``competence_required``,
``gap_encounter_rate``, ``mentor_detection``, ``learner_motivation``,
``module_coverage``, ``module_wait_weeks``, ``module_gain``, ``selfstudy_gain``,
``module_hours``, ``module_cost``, ``awareness_growth``, ``mentoring_awareness_gain``,
``trainer_cost``, the in-service programme (``inservice_*``); workers' ``use``,
``hours``, ``gap``, ``mentored``, ``module_chance``, ``detection``, ``known``,
``refresher_hours``. The regime's levers (``learner_motivation``, ``module_coverage``,
``module_wait_weeks``, ``mentor_detection``) reach a worker through the entitlements
set at hire (:mod:`sim.core.phases.hiring`), so the status quo of the warm-up keeps
its own.
Writes: workers' ``competence``, ``awareness``, ``selfcare``, ``realism`` (training),
``known``, ``module_hours``, ``study_hours``, ``module_chance`` (in-service); trainer
and module costs.

* **Structured training saturates** (:func:`train`). *H* hours move competence (every
  domain), gap awareness and self-care toward a ceiling ``X_max`` that training alone
  can reach: ``x <- x + (X_max - x) * (1 - exp(-H / X_hours))`` (no change if ``x``
  is already above it). Hours given in several parts compose exactly (the distance
  to the ceiling shrinks by ``exp(-h / X_hours)`` per part). Pre-service training also
  sets ``realism = realism_max * (1 - exp(-H / realism_hours))``, the share of the
  reality shock it removes.
* **Experience**: ``comp_k += min(1, experience_rate * K * u_k) * f_k * (1 - comp_k)``,
  where *u_k* is the share of the week's care hours in domain *k* and ``f_k`` is 1,
  or ``unseen_learning`` while the worker has an *unrecognised* gap in *k*
  (``comp_k < competence_required`` and the gap not in ``known``). Practice alone
  thus closes unseen gaps more slowly than seen ones; it does not erase the
  difference.
* **Gap recognition** ("not knowing what you don't know"). A worker meets a gap with
  probability ``1 - exp(-gap_encounter_rate * gap)``, in the domain with the largest
  ``u_k (1 - comp_k)``. It is recognised if already known, or if the worker notices
  it (probability ``awareness``), or if a mentor or supervisor spots it (probability
  ``1 - (1 - mentor_detection) ** mentored hours``, ``detection`` as at hire). A
  recognised gap is marked in ``known`` and stays so. (Incidents reveal gaps too:
  :mod:`sim.core.phases.care`.)
* **Learning a recognised gap**: with probability ``module_chance = learner_motivation *
  module_coverage * reach`` (``reach = 1 - exp(-1 / module_wait_weeks)``, 1 when the
  wait is 0; 0 when modules are not available to the worker; set at hire) the worker
  takes a module: competence
  in that domain closes ``module_gain`` of its distance to 1 and ``module_hours`` are
  added to the week's load (:mod:`sim.core.phases.burnout`). Otherwise the worker
  learns ``selfstudy_gain`` on their own or from colleagues.
* **Awareness** grows by ``min(1, awareness_growth + mentoring_awareness_gain *
  mentored hours) * (1 - awareness)`` each week on the floor.
* A yearly refresher of ``refresher_hours`` is given on each anniversary of the first
  shift.
* **In-service programme**: in reported weeks ``inservice_start`` to ``inservice_start
  + inservice_weeks - 1`` every worker on the floor gets ``inservice_training_hours``
  of structured training (:func:`train`; the hours add to the load as ``study_hours``);
  in its first week, if ``inservice_modules``, everyone employed gets module access
  (``module_chance`` from the scenario's levers).
  (Its supervision hours are given with mentoring, :mod:`sim.core.phases.care`.)

Every update closes a *share* of a distance to a ceiling of at most 1, and each share is
capped at 1, so competence, awareness and self-care stay within 0-1 for every
parameter value the registry allows.
"""

from __future__ import annotations

import numpy as np

from sim.core.draws import take
from sim.core.jit import kernel
from sim.core.outputs import indices
from sim.core.state import MODULES, TRAINING

#: The uniforms each worker slot takes a week, by name (the slot's block holds them in
#: this order): whether the worker meets a gap, notices it, a mentor spots it, and
#: whether they take a module for it.
DRAWS = indices(("gap_met", "gap_seen", "gap_spotted", "uptake"))


def uniforms(worker_slots: int, n_clients: int, posts: int, n_domains: int) -> int:
    """Most uniforms :func:`step` takes in a week."""
    return len(DRAWS) * worker_slots


@kernel
def saturate(hours, scale):  # pragma: no cover (compiled)
    """Share of the distance to a ceiling that ``hours`` of training close."""
    return 1.0 - np.exp(-hours / scale) if hours > 0 else 0.0


@kernel
def toward(x, ceiling, share):  # pragma: no cover (compiled)
    """``x`` moved ``share`` of the way to ``ceiling`` (never down)."""
    return x + (ceiling - x) * share if x < ceiling else x


@kernel
def train(W, P, costs, rows, hours, realism):  # pragma: no cover (compiled)
    """Apply ``hours`` of structured training to workers ``rows`` (and pay the trainer);
    pre-service training (``realism``) also sets their realism."""
    if hours <= 0 or rows.size == 0:
        return
    gain_c = saturate(hours, P.training_competence_hours)
    gain_a = saturate(hours, P.training_awareness_hours)
    gain_s = saturate(hours, P.training_selfcare_hours)
    for i in rows:
        for k in range(W.competence.shape[1]):
            W.competence[i, k] = toward(W.competence[i, k], P.training_competence_max, gain_c)
        W.awareness[i] = toward(W.awareness[i], P.training_awareness_max, gain_a)
        W.selfcare[i] = toward(W.selfcare[i], P.training_selfcare_max, gain_s)
        if realism:
            W.realism[i] = P.training_realism_max * saturate(hours, P.training_realism_hours)
    costs[TRAINING] += rows.size * hours * P.trainer_cost


@kernel
def module_chance(P):  # pragma: no cover (compiled)
    """Chance that a recognised gap is learned through a module this week (modules
    available): motivation x catalogue coverage x reaching it this week."""
    w = P.module_wait_weeks
    reach = 1.0 if w <= 0 else 1.0 - np.exp(-1.0 / w)
    return P.learner_motivation * P.module_coverage * reach


@kernel
def inservice_on(P, t):  # pragma: no cover (compiled)
    """Whether reported week ``t`` is in the in-service programme."""
    return P.inservice_weeks > 0 and P.inservice_start <= t < P.inservice_start + P.inservice_weeks


@kernel
def step(W, P, pool, pos, costs, t):  # pragma: no cover (compiled)
    n_domains = W.competence.shape[1]
    per = len(DRAWS)
    u = take(pool, pos, per * W.alive.size)
    one = np.empty(1, dtype=np.int64)
    p_module = module_chance(P)
    programme = inservice_on(P, t)
    for i in range(W.alive.size):
        W.module_hours[i] = 0.0
        W.study_hours[i] = 0.0
        if not W.alive[i]:
            continue
        if programme and t == P.inservice_start and P.inservice_modules:
            W.module_chance[i] = p_module
        if W.hours[i] > 0:
            best = -1.0
            dom = 0
            for k in range(n_domains):
                share = W.use[i, k] / W.hours[i]
                rate = min(1.0, P.experience_rate * n_domains * share)
                if W.competence[i, k] < P.competence_required and W.known[i, k] == 0:
                    rate *= P.unseen_learning
                W.competence[i, k] += rate * (1 - W.competence[i, k])
                room = share * (1 - W.competence[i, k])
                if room > best:
                    best = room
                    dom = k
            d = u[per * i : per * (i + 1)]
            # (a week without a gap meets none: the chance is 0; the mentor's chance of
            # spotting it is worked out only if it comes to that)
            meets = W.gap[i] > 0 and (
                d[DRAWS.gap_met] < 1 - np.exp(-P.gap_encounter_rate * W.gap[i])
            )
            sees = meets and (
                W.known[i, dom] > 0
                or d[DRAWS.gap_seen] < W.awareness[i]
                or d[DRAWS.gap_spotted] < 1.0 - (1.0 - W.detection[i]) ** W.mentored[i]
            )
            if sees:
                W.known[i, dom] = 1.0
            module = sees and d[DRAWS.uptake] < W.module_chance[i]
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
            one[0] = i
            if weeks > 0 and weeks % 52 == 0 and W.refresher_hours[i] > 0:  # refresher
                train(W, P, costs, one, W.refresher_hours[i], False)
            if programme and P.inservice_training_hours > 0:
                train(W, P, costs, one, P.inservice_training_hours, False)
                W.study_hours[i] = P.inservice_training_hours
