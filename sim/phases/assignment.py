"""Assignment: who gives each client care this week.

Reads: ``max_caseload``, ``float_capacity``, ``overtime_cover``, ``agency_cover``;
``model.wk["absence"]``; worker rows (alive, on the floor, float or not); clients'
``primary``.
Writes: clients' ``primary`` / ``primary_since`` / ``relationship_weeks`` for new
assignments; workers' ``caseload`` and ``absent``; this week's provider of each client
(``kind``, ``provider``) and its care contact in ``model.continuity``.

1. Clients without a primary worker get one, filling the workers with the most spare
   capacity first (never above ``max_caseload``). Float staff are never primary.
2. A client whose primary is present is cared for by the primary. Otherwise, in
   order: a float worker with capacity (stable order, so often the same float worker);
   staff overtime (probability ``overtime_cover``; a random colleague); temp agency
   staff (probability ``agency_cover``; a new face every week); or nobody (unmet).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.state import AGENCY, AGENCY_ID_BASE, AGENCY_IDS, FLOAT, NONE, OVERTIME, PRIMARY

if TYPE_CHECKING:
    from sim.model import WorkforceModel


def _places(rows: np.ndarray, load: np.ndarray, cap: int, k: int,
            rng: np.random.Generator) -> np.ndarray:
    """Up to ``k`` free places (worker rows, repeated) filling the emptiest workers first.

    A worker with caseload *L* offers a place at level *L*, another at *L* + 1, ... up
    to ``cap``; places are taken level by level (random order within a level). The loop
    runs over caseload levels, never over workers.
    """
    out: list[np.ndarray] = []
    got = 0
    for level in range(int(load.min(initial=cap)), cap):
        at = rows[load <= level]
        out.append(rng.permutation(at))
        got += at.size
        if got >= k:
            break
    return np.concatenate(out)[:k] if out else rows[:0]


def run(model: WorkforceModel) -> None:
    p, w, c, rng = model.p, model.workers, model.clients, model.rng
    t = model.t
    floor = w.alive & (w.start_week <= t)
    regular = np.flatnonzero(floor & ~w.is_float)
    floats = np.flatnonzero(floor & w.is_float)
    w.absent[:] = False
    w.absent[floor] = rng.random(np.count_nonzero(floor)) < model.wk["absence"]

    # 1. primary assignment
    w.caseload[:] = np.bincount(c.primary[c.primary >= 0], minlength=w.capacity)
    need = np.flatnonzero(c.primary < 0)
    if need.size and regular.size:
        places = _places(regular, w.caseload[regular], p.max_caseload, need.size, rng)
        k = places.size
        who = rng.permutation(need)[:k]
        c.primary[who] = places
        c.primary_since[who] = t
        c.relationship_weeks[who] = 0.0
        w.caseload[:] = np.bincount(c.primary[c.primary >= 0], minlength=w.capacity)

    # 2. this week's provider
    c.kind[:] = NONE
    c.provider[:] = -1
    has = c.primary >= 0
    present = has.copy()
    present[has] = ~w.absent[c.primary[has]]
    c.kind[present] = PRIMARY
    c.provider[present] = c.primary[present]
    uncovered = np.flatnonzero(~present)
    if uncovered.size:
        avail_float = floats[~w.absent[floats]]
        places = np.repeat(avail_float, p.float_capacity)
        k = min(uncovered.size, places.size)
        c.kind[uncovered[:k]] = FLOAT
        c.provider[uncovered[:k]] = places[:k]
        rest = uncovered[k:]
        staff = regular[~w.absent[regular]]
        if rest.size and staff.size:
            ot = rng.random(rest.size) < p.overtime_cover
            c.kind[rest[ot]] = OVERTIME
            c.provider[rest[ot]] = staff[rng.integers(0, staff.size, np.count_nonzero(ot))]
            rest = rest[~ot]
        if rest.size:
            ag = rest[rng.random(rest.size) < p.agency_cover]
            c.kind[ag] = AGENCY
    contact = np.where(c.provider >= 0, w.wid[np.maximum(c.provider, 0)], -1)
    agency = np.flatnonzero(c.kind == AGENCY)
    # a fresh id per agency contact (wrapping far beyond any 52-week window)
    contact[agency] = AGENCY_ID_BASE + (model.agency_counter + np.arange(agency.size)) % AGENCY_IDS
    model.agency_counter += agency.size
    model.continuity.record(t, contact)
