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

from sim.draws import normal
from sim.jit import kernel
from sim.phases import learning

if TYPE_CHECKING:
    from sim.model import WorkforceModel


def open_posts(model: WorkforceModel) -> tuple[int, int]:
    """(regular, float) posts with nobody employed in them."""
    alive_reg, alive_float = _employed(model.workers.alive, model.workers.is_float)
    return max(model.p.n_workers - alive_reg, 0), max(model.p.float_pool - alive_float, 0)


@kernel
def _employed(alive, is_float):  # pragma: no cover (compiled)
    """(regular, float) workers employed."""
    regular = 0
    floats = 0
    for i in range(alive.size):
        if alive[i]:
            if is_float[i]:
                floats += 1
            else:
                regular += 1
    return regular, floats


def new_workers(model: WorkforceModel, k: int, is_float: bool, tenure: np.ndarray | None = None):
    """Create ``k`` workers under the current hiring policy; return their rows.

    ``tenure`` (weeks, for the initial workforce only) back-dates the hire.
    """
    p, w, pol = model.p, model.workers, model.hire_policy
    rows = w.take_slots(k)
    t = model.t
    hours = p.float_training_hours if is_float else pol["preservice_hours"]
    hire_week = t - (tenure.astype(np.int64) if tenure is not None else np.zeros(k, np.int64))
    _init_workers(
        rows, model.draws.take(k, 2 * (p.n_domains + 4)), hire_week,
        int(hours // p.training_hours_per_week), is_float, t > 0,
        pol["modules_available"], pol["mentoring_hours"], pol["refresher_hours"],
        p.initial_competence, p.initial_awareness, p.initial_selfcare,
        w.is_float, w.hire_week, w.start_week, w.reported, w.regime_code, w.competence,
        w.awareness, w.selfcare, w.sensitivity, w.exhaustion, w.modules, w.mentoring_hours,
        w.refresher_hours,
    )
    learning.train(model, rows, hours, realism=True)
    model.add_worker_handles(rows)
    return rows


@kernel
def _init_workers(rows, u, hire_week, training_weeks, is_float, reported, modules,
                  mentoring, refresher, initial_competence, initial_awareness,
                  initial_selfcare, w_is_float, w_hire_week, w_start_week, w_reported,
                  w_regime_code, competence, awareness, selfcare, sensitivity, exhaustion,
                  w_modules, w_mentoring, w_refresher):  # pragma: no cover (compiled)
    """Traits of new workers ``rows`` from uniforms ``u`` (two per normal variate).

    Competence in each domain ~ N(initial_competence, 0.08), awareness ~
    N(initial_awareness, 0.08) (at least 0.01), self-care ~ N(initial_selfcare, 0.1),
    exhaustion ~ N(0.1, 0.05), all clipped to 0-1; sensitivity ~ lognormal(0, 0.3).
    """
    n_domains = competence.shape[1]
    for j in range(rows.size):
        i = rows[j]
        z = np.empty(n_domains + 4)
        for k in range(n_domains + 4):
            z[k] = normal(u[j, 2 * k], u[j, 2 * k + 1])
        w_is_float[i] = is_float
        w_hire_week[i] = hire_week[j]
        w_start_week[i] = hire_week[j] + training_weeks
        w_reported[i] = reported
        w_regime_code[i] = 1 if reported else 0
        for k in range(n_domains):
            competence[i, k] = min(max(initial_competence + 0.08 * z[k], 0.0), 1.0)
        awareness[i] = min(max(initial_awareness + 0.08 * z[n_domains], 0.01), 1.0)
        selfcare[i] = min(max(initial_selfcare + 0.1 * z[n_domains + 1], 0.0), 1.0)
        exhaustion[i] = min(max(0.1 + 0.05 * z[n_domains + 2], 0.0), 1.0)
        sensitivity[i] = np.exp(0.3 * z[n_domains + 3])
        w_modules[i] = modules
        w_mentoring[i] = mentoring
        w_refresher[i] = refresher


def run(model: WorkforceModel) -> None:
    p = model.p
    ttf = p.time_to_fill * model.wk["ttf_mult"]
    fill = 1.0 - np.exp(-1.0 / ttf)
    open_reg, open_float = open_posts(model)
    n_reg = model.draws.binomial(open_reg, fill)
    n_float = model.draws.binomial(open_float, fill)
    if n_reg:
        new_workers(model, n_reg, is_float=False)
    if n_float:
        new_workers(model, n_float, is_float=True)
    hires = n_reg + n_float
    model.wk["hires"] = hires
    model.cost["recruiting"] += hires * p.recruit_cost
