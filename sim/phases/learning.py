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
    t = model.t
    worked = np.flatnonzero(w.alive & (w.hours > 0))
    w.module_hours[:] = 0.0
    if worked.size:
        comp = np.take(w.competence, worked, axis=0)
        u = np.take(w.use, worked, axis=0) / w.hours[worked, None]
        comp += p.experience_rate * w.n_domains * u * (1 - comp)
        meets = rng.random(worked.size) < 1 - np.exp(-p.gap_encounter_rate * w.gap[worked])
        sees = meets & (rng.random(worked.size) < w.awareness[worked])
        module = sees & w.modules[worked]
        gain = np.where(module, p.module_gain, np.where(sees, p.selfstudy_gain, 0.0))
        dom = np.argmax(u * (1 - comp), axis=1)
        idx = np.arange(worked.size)
        comp[idx, dom] += gain * (1 - comp[idx, dom])
        w.competence[worked] = np.clip(comp, 0.0, 1.0)
        w.module_hours[worked[module]] = p.module_hours
        model.cost["modules"] += np.count_nonzero(module) * p.module_cost

    on_floor = w.alive & (w.start_week <= t)
    grow = p.awareness_growth + p.mentoring_awareness_gain * w.mentored
    w.awareness[on_floor] += grow[on_floor] * (1 - w.awareness[on_floor])

    weeks = t - w.start_week
    due = np.flatnonzero(on_floor & (weeks > 0) & (weeks % 52 == 0) & (w.refresher_hours > 0))
    for hours in np.unique(w.refresher_hours[due]):  # loop over distinct policies, not agents
        train(model, due[w.refresher_hours[due] == hours], float(hours))
