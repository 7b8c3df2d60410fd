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
* Experience: ``comp_k += experience_rate * K * u_k * (1 - comp_k)``, where *u_k* is the
  share of the week's care hours in domain *k*.
* A worker meets a gap with probability ``1 - exp(-gap_encounter_rate * gap)`` and
  recognises it with probability ``awareness`` ("not knowing what you don't know").
  A recognised gap in the domain with the largest ``u_k (1 - comp_k)`` is closed by
  ``module_gain`` if modules are available (``module_hours`` are added to the
  worker's load that week, see :mod:`sim.phases.burnout`),
  otherwise by ``selfstudy_gain``.
* Awareness grows by ``(awareness_growth + mentoring_awareness_gain * mentoring hours)
  * (1 - awareness)`` each week on the floor.
* A yearly refresher of ``refresher_hours`` is given on each anniversary of the first
  shift.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.jit import kernel

if TYPE_CHECKING:
    from sim.model import WorkforceModel


def train(model: WorkforceModel, rows: np.ndarray, hours: float, realism: bool = False) -> None:
    """Apply ``hours`` of structured training to workers ``rows`` (and pay the trainer)."""
    if hours <= 0 or rows.size == 0:
        return
    p, w = model.p, model.workers
    f = hours / 100.0
    _train(rows, min(1.0, p.training_competence_gain * f),
           min(1.0, p.training_awareness_gain * f), min(1.0, p.training_selfcare_gain * f),
           min(1.0, p.training_realism * f) if realism else -1.0, w.competence, w.awareness,
           w.selfcare, w.realism)
    model.cost["training"] += rows.size * hours * p.trainer_cost


@kernel
def _train(rows, competence_share, awareness_share, selfcare_share, realism, competence,
           awareness, selfcare, w_realism):  # pragma: no cover (compiled)
    """Close the given shares of the distance to 1; set realism unless it is negative."""
    for i in rows:
        for k in range(competence.shape[1]):
            competence[i, k] += (1 - competence[i, k]) * competence_share
        awareness[i] += (1 - awareness[i]) * awareness_share
        selfcare[i] += (1 - selfcare[i]) * selfcare_share
        if realism >= 0:
            w_realism[i] = realism


def run(model: WorkforceModel) -> None:
    p, w = model.p, model.workers
    draws = model.draws.take(2, w.capacity)  # gap met, gap recognised: per worker slot
    modules, due_rows = _learn(
        draws, w.alive, w.start_week, w.hours, w.use, w.gap, w.awareness, w.modules,
        w.mentored, w.refresher_hours, w.competence, w.module_hours, model.t,
        p.experience_rate, p.gap_encounter_rate, p.module_gain, p.selfstudy_gain,
        p.module_hours, p.awareness_growth, p.mentoring_awareness_gain,
    )
    model.cost["modules"] += modules * p.module_cost
    if due_rows.size:  # yearly refreshers
        for hours in np.unique(w.refresher_hours[due_rows]):  # distinct policies, not agents
            train(model, due_rows[w.refresher_hours[due_rows] == hours], float(hours))


@kernel
def _learn(draws, alive, start_week, hours, use, gap, awareness, modules, mentored,
           refresher_hours, competence, module_hours, t,
           experience_rate, encounter_rate, module_gain, selfstudy_gain, hours_per_module,
           awareness_growth, mentoring_awareness_gain):  # pragma: no cover (compiled)
    """Experience, gaps met and recognised, modules; awareness growth; refreshers due.

    ``draws`` holds two uniform draws per worker slot. Returns the number of modules
    taken and the rows due a refresher.
    """
    n_domains = competence.shape[1]
    taken = 0
    due = np.empty(alive.size, dtype=np.int64)
    n_due = 0
    for i in range(alive.size):
        module_hours[i] = 0.0
        if alive[i] and hours[i] > 0:
            best = -1.0
            dom = 0
            for k in range(n_domains):
                share = use[i, k] / hours[i]
                competence[i, k] += experience_rate * n_domains * share * (1 - competence[i, k])
                room = share * (1 - competence[i, k])
                if room > best:
                    best = room
                    dom = k
            meets = draws[0, i] < 1 - np.exp(-encounter_rate * gap[i])
            sees = meets and draws[1, i] < awareness[i]
            module = sees and modules[i]
            g = module_gain if module else (selfstudy_gain if sees else 0.0)
            competence[i, dom] += g * (1 - competence[i, dom])
            for k in range(n_domains):
                competence[i, k] = min(max(competence[i, k], 0.0), 1.0)
            if module:
                module_hours[i] = hours_per_module
                taken += 1
        if alive[i] and start_week[i] <= t:
            grow = awareness_growth + mentoring_awareness_gain * mentored[i]
            awareness[i] += grow * (1 - awareness[i])
            weeks = t - start_week[i]
            if weeks > 0 and weeks % 52 == 0 and refresher_hours[i] > 0:
                due[n_due] = i
                n_due += 1
    return taken, due[:n_due]
