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
    w.competence[rows] += (1 - w.competence[rows]) * min(1.0, p.training_competence_gain * f)
    w.awareness[rows] += (1 - w.awareness[rows]) * min(1.0, p.training_awareness_gain * f)
    w.selfcare[rows] += (1 - w.selfcare[rows]) * min(1.0, p.training_selfcare_gain * f)
    if realism:
        w.realism[rows] = min(1.0, p.training_realism * f)
    model.cost["training"] += rows.size * hours * p.trainer_cost


def run(model: WorkforceModel) -> None:
    p, w, rng = model.p, model.workers, model.rng
    worked = w.alive & (w.hours > 0)
    m = int(np.count_nonzero(worked))
    meet_draw, see_draw = rng.random(m), rng.random(m)
    due = np.zeros(w.capacity, dtype=bool)
    modules = _learn(
        worked, meet_draw, see_draw, w.alive, w.start_week, w.hours, w.use, w.gap,
        w.awareness, w.modules, w.mentored, w.refresher_hours, w.competence,
        w.module_hours, due, model.t, p.experience_rate, p.gap_encounter_rate,
        p.module_gain, p.selfstudy_gain, p.module_hours, p.awareness_growth,
        p.mentoring_awareness_gain,
    )
    model.cost["modules"] += modules * p.module_cost
    if due.any():  # yearly refreshers
        due_rows = np.flatnonzero(due)
        for hours in np.unique(w.refresher_hours[due_rows]):  # distinct policies, not agents
            train(model, due_rows[w.refresher_hours[due_rows] == hours], float(hours))


@kernel
def _learn(worked, meet_draw, see_draw, alive, start_week, hours, use, gap, awareness,
           modules, mentored, refresher_hours, competence, module_hours, due, t,
           experience_rate, encounter_rate, module_gain, selfstudy_gain, hours_per_module,
           awareness_growth, mentoring_awareness_gain):  # pragma: no cover (compiled)
    """Experience, gaps met and recognised, modules; awareness growth; refreshers due.

    ``meet_draw`` and ``see_draw`` hold one uniform draw per worker who worked this
    week, in row order. Returns the number of modules taken.
    """
    n_domains = competence.shape[1]
    j = 0
    taken = 0
    for i in range(alive.size):
        module_hours[i] = 0.0
        if worked[i]:
            best = -1.0
            dom = 0
            for k in range(n_domains):
                share = use[i, k] / hours[i]
                competence[i, k] += experience_rate * n_domains * share * (1 - competence[i, k])
                room = share * (1 - competence[i, k])
                if room > best:
                    best = room
                    dom = k
            meets = meet_draw[j] < 1 - np.exp(-encounter_rate * gap[i])
            sees = meets and see_draw[j] < awareness[i]
            j += 1
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
            due[i] = weeks > 0 and weeks % 52 == 0 and refresher_hours[i] > 0
    return taken
