"""Assignment: who gives each client care this week.

Reads: ``max_caseload``, ``float_capacity``, ``overtime_cover``, ``agency_cover``;
``model.wk["absence"]``; worker rows (alive, on the floor, float or not); clients'
``primary``.
Writes: clients' ``primary`` / ``primary_since`` / ``relationship_weeks`` for new
assignments; workers' ``caseload`` and ``absent``; this week's provider of each client
(``kind``, ``provider``) and the contact ring buffer ``contacts``.

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

from sim.state import AGENCY, AGENCY_ID_BASE, CONTACT_WINDOW, FLOAT, NONE, OVERTIME, PRIMARY

if TYPE_CHECKING:
    from sim.model import WorkforceModel


def _slots(rows: np.ndarray, spare: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Worker rows repeated once per free place, emptiest workers first (random ties)."""
    spare = np.maximum(spare, 0)
    rep = np.repeat(rows, spare)
    if rep.size == 0:
        return rep
    # rank of each place within its worker: 0, 1, ..., spare-1
    starts = np.repeat(np.cumsum(spare) - spare, spare)
    rank = np.arange(rep.size) - starts
    order = np.lexsort((rng.random(rep.size), rank))
    return rep[order]


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
        spare = p.max_caseload - w.caseload[regular]
        # fill the emptiest first: sort workers by current caseload, then their places
        by_load = np.argsort(w.caseload[regular], kind="stable")
        places = _slots(regular[by_load], spare[by_load], rng)
        k = min(need.size, places.size)
        who = rng.permutation(need)[:k]
        c.primary[who] = places[:k]
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
    contact[agency] = AGENCY_ID_BASE + model.agency_counter + np.arange(agency.size)
    model.agency_counter += agency.size
    c.contacts[:, t % CONTACT_WINDOW] = contact
