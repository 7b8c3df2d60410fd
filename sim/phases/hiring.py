"""Hiring: open posts are filled after a random time-to-fill; new hires start training.

Reads: ``n_workers``, ``float_pool``, ``time_to_fill``, ``training_hours_per_week``,
``initial_competence``, ``initial_awareness``, ``initial_selfcare``,
``float_training_hours``, ``recruit_cost``, ``trainer_cost``; ``model.wk["ttf_mult"]``;
the current hiring policy ``model.hire_policy`` (the regime's training parameters).
Writes: new worker rows in ``model.workers`` (competence, awareness, self-care,
realism, the regime's module/mentoring/refresher entitlements, ``start_week`` after
the pre-service weeks); ``model.wk["hires"]``; recruiting and trainer costs.

Each open post is filled in a given week with probability ``1 - exp(-1 / ttf)``, so
the time to fill is geometric with mean ``1 / (1 - exp(-1/ttf))``, about ``ttf + 0.5``
weeks. A hire spends
``floor(preservice_hours / training_hours_per_week)`` whole weeks in pre-service
training (paid, counted in headcount, no caseload); hours short of a whole week (such
as a two-day orientation) take no floor time. Training gains apply at hire.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.phases import learning

if TYPE_CHECKING:
    from sim.model import WorkforceModel


def open_posts(model: WorkforceModel) -> tuple[int, int]:
    """(regular, float) posts with nobody employed in them."""
    w = model.workers
    alive_float = int(np.count_nonzero(w.alive & w.is_float))
    alive_reg = int(np.count_nonzero(w.alive)) - alive_float
    return max(model.p.n_workers - alive_reg, 0), max(model.p.float_pool - alive_float, 0)


def new_workers(model: WorkforceModel, k: int, is_float: bool, tenure: np.ndarray | None = None):
    """Create ``k`` workers under the current hiring policy; return their rows.

    ``tenure`` (weeks, for the initial workforce only) back-dates the hire.
    """
    p, w, rng, pol = model.p, model.workers, model.rng, model.hire_policy
    rows = w.take_slots(k)
    t = model.t
    hours = p.float_training_hours if is_float else pol["preservice_hours"]
    hire_week = t - (tenure.astype(np.int64) if tenure is not None else 0)
    w.is_float[rows] = is_float
    w.hire_week[rows] = hire_week
    w.start_week[rows] = hire_week + int(hours // p.training_hours_per_week)
    w.reported[rows] = model.t > 0
    w.regime_code[rows] = 1 if model.t > 0 else 0
    w.competence[rows] = np.clip(rng.normal(p.initial_competence, 0.08, (k, p.n_domains)), 0, 1)
    w.awareness[rows] = np.clip(rng.normal(p.initial_awareness, 0.08, k), 0.01, 1)
    w.selfcare[rows] = np.clip(rng.normal(p.initial_selfcare, 0.1, k), 0, 1)
    w.sensitivity[rows] = rng.lognormal(0.0, 0.3, k)
    w.exhaustion[rows] = np.clip(rng.normal(0.1, 0.05, k), 0, 1)
    w.modules[rows] = pol["modules_available"]
    w.mentoring_hours[rows] = pol["mentoring_hours"]
    w.refresher_hours[rows] = pol["refresher_hours"]
    learning.train(model, rows, hours, realism=True)
    model.add_worker_handles(rows)
    return rows


def run(model: WorkforceModel) -> None:
    p, rng = model.p, model.rng
    ttf = p.time_to_fill * model.wk["ttf_mult"]
    fill = 1.0 - np.exp(-1.0 / ttf)
    open_reg, open_float = open_posts(model)
    n_reg = int(rng.binomial(open_reg, fill)) if open_reg else 0
    n_float = int(rng.binomial(open_float, fill)) if open_float else 0
    if n_reg:
        new_workers(model, n_reg, is_float=False)
    if n_float:
        new_workers(model, n_float, is_float=True)
    hires = n_reg + n_float
    model.wk["hires"] = hires
    model.cost["recruiting"] += hires * p.recruit_cost
